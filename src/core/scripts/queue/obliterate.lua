-- Deletes the queue: up to `count` jobs per call, then its own keys. ARGV: B, force, count.
-- Returns the number of jobs left (call again while positive), or -1 if jobs are active
-- and force is not '1'.
local count = tonumber(ARGV[3])
if ARGV[2] ~= '1' and redis.call('LLEN', B .. 'active') > 0 then return -1 end
local LISTS = {'wait', 'paused', 'active'}
local SETS = {'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'}
local done = 0
for _, list in ipairs(LISTS) do
  local key = B .. list
  while done < count do
    local ids = redis.call('LRANGE', key, 0, 99)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do delete_job(id) end
    redis.call('LTRIM', key, #ids, -1)
    done = done + #ids
  end
end
for _, set in ipairs(SETS) do
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
for _, list in ipairs(LISTS) do left = left + redis.call('LLEN', B .. list) end
for _, set in ipairs(SETS) do left = left + redis.call('ZCARD', B .. set) end
if left > 0 then return left end
for _, sid in ipairs(redis.call('ZRANGE', B .. 'repeat', 0, -1)) do
  redis.call('DEL', B .. 'repeat:' .. sid)
end
redis.call('DEL', B .. 'wait', B .. 'paused', B .. 'active', B .. 'delayed', B .. 'prioritized',
  B .. 'completed', B .. 'failed', B .. 'waiting-children', B .. 'meta', B .. 'id', B .. 'pc',
  B .. 'marker', B .. 'events', B .. 'limiter', B .. 'stalled-check', B .. 'stalled',
  B .. 'repeat', B .. 'metrics:completed', B .. 'metrics:failed',
  B .. 'metrics:completed:data', B .. 'metrics:failed:data')
return 0
