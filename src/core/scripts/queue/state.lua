-- A job's state, as BullMQ names them. ARGV: B, id.
local id = ARGV[2]
for _, s in ipairs({'completed', 'failed', 'delayed', 'prioritized'}) do
  if redis.call('ZSCORE', B .. s, id) then return s end
end
if redis.call('LPOS', B .. 'active', id) then return 'active' end
if redis.call('LPOS', B .. 'wait', id) then return 'waiting' end
if redis.call('LPOS', B .. 'paused', id) then return 'waiting' end
if redis.call('ZSCORE', B .. 'waiting-children', id) then return 'waiting-children' end
return 'unknown'
