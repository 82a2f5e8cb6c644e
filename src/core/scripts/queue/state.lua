-- A job's state, as BullMQ names them. ARGV: B, id.
local id = ARGV[2]
if redis.call('ZSCORE', B .. 'completed', id) then return 'completed' end
if redis.call('ZSCORE', B .. 'failed', id) then return 'failed' end
if redis.call('ZSCORE', B .. 'active', id) then return 'active' end
if redis.call('ZSCORE', B .. 'delayed', id) then return 'delayed' end
local s = redis.call('ZSCORE', B .. 'wait', id)
if s then
  if tonumber(s) >= 2147483648 then return 'prioritized' end
  return 'waiting'
end
return 'unknown'
