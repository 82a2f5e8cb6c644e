-- Deletes up to `limit` jobs of one state older than `before` (ms since the epoch: finish
-- time for completed and failed, creation time otherwise; a job holding its lock is kept).
-- ARGV: B, state key ('completed', 'failed', 'delayed', 'prioritized', 'wait', 'active',
-- 'paused'), before, limit (0: no limit), maxlen. Returns the deleted ids.
local set, before, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local key = B .. set
local out = {}
if set == 'completed' or set == 'failed' then
  local ids
  if limit > 0 then
    ids = redis.call('ZRANGEBYSCORE', key, '-inf', before, 'LIMIT', 0, limit)
  else
    ids = redis.call('ZRANGEBYSCORE', key, '-inf', before)
  end
  for _, id in ipairs(ids) do
    delete_job(id)
    redis.call('ZREM', key, id)
    out[#out + 1] = id
  end
else
  local list = set == 'wait' or set == 'active' or set == 'paused'
  local ids
  if list then ids = redis.call('LRANGE', key, 0, -1) else ids = redis.call('ZRANGE', key, 0, -1) end
  for _, id in ipairs(ids) do
    if limit > 0 and #out >= limit then break end
    local ts = tonumber(redis.call('HGET', jkey(id), 'timestamp') or '0') or 0
    if ts <= before and redis.call('EXISTS', lkey(id)) == 0 then
      delete_job(id)
      if list then redis.call('LREM', key, 0, id) else redis.call('ZREM', key, id) end
      out[#out + 1] = id
    end
  end
end
if #out > 0 then emit(ARGV[5], 'event', 'cleaned', 'count', #out) end
return out
