-- Deletes the queue: up to `count` jobs per call, then its own keys. ARGV: B, force, count.
-- Returns the number of jobs left (call again while positive), or -1 if jobs are active
-- and force is not '1'.
local count = tonumber(ARGV[3])
if ARGV[2] ~= '1' and redis.call('ZCARD', B .. 'active') > 0 then return -1 end
local done = 0
for _, set in ipairs({'wait', 'delayed', 'active', 'completed', 'failed'}) do
  local key = B .. set
  while done < count do
    local ids = redis.call('ZRANGE', key, 0, 99)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do delete_job(id) end
    redis.call('ZREM', key, unpack(ids))
    done = done + #ids
  end
end
local left = 0
for _, set in ipairs({'wait', 'delayed', 'active', 'completed', 'failed'}) do
  left = left + redis.call('ZCARD', B .. set)
end
if left > 0 then return left end
for _, sid in ipairs(redis.call('ZRANGE', B .. 'schedulers', 0, -1)) do
  redis.call('DEL', B .. 's:' .. sid)
end
redis.call('DEL', B .. 'wait', B .. 'delayed', B .. 'active', B .. 'completed', B .. 'failed',
  B .. 'meta', B .. 'id', B .. 'seq', B .. 'marker', B .. 'events', B .. 'limiter',
  B .. 'stalled-check', B .. 'schedulers')
return 0
