-- Recovers jobs whose lease expired (their worker died or lost its connection): back to
-- the front of the wait set, or failed once stalled more than max_stalled times. At most
-- one run per guard_ms (the caller's stalled interval) across all workers: a worker
-- checking often is not held back by one checking rarely. ARGV: B, now, max_stalled,
-- maxlen, guard_ms.
-- Returns {recovered ids, failed ids}.
local now, max_stalled, maxlen = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local last = tonumber(redis.call('GET', B .. 'stalled-check') or '0') or 0
if now - last < tonumber(ARGV[5]) then return {{}, {}} end
redis.call('SET', B .. 'stalled-check', now, 'PX', ARGV[5])
local recovered, failed = {}, {}
for _, id in ipairs(redis.call('ZRANGE', B .. 'active', 0, -1)) do
  if redis.call('EXISTS', lkey(id)) == 0 then
    redis.call('ZREM', B .. 'active', id)
    local jk = jkey(id)
    if redis.call('EXISTS', jk) == 1 then
      local stc = redis.call('HINCRBY', jk, 'stc', 1)
      emit(maxlen, 'event', 'stalled', 'jobId', id)
      if stc > max_stalled then
        local reason = 'job stalled more than allowable limit'
        redis.call('HINCRBY', jk, 'atm', 1)
        redis.call('HSET', jk, 'failedReason', reason, 'finishedOn', now)
        redis.call('ZADD', B .. 'failed', now, id)
        emit(maxlen, 'event', 'failed', 'jobId', id, 'failedReason', reason, 'prev', 'active')
        failed[#failed + 1] = id
      else
        local p = tonumber(redis.call('HGET', jk, 'priority') or '0') or 0
        redis.call('ZADD', B .. 'wait', p * 2147483648, id)
        emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'active')
        recovered[#recovered + 1] = id
      end
    end
  end
end
if #recovered > 0 then wake() end
return {recovered, failed}
