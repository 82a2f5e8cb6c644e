-- One job's manual operations, as BullMQ's. ARGV: B, op, id, now, maxlen, then by op:
--   'promote':  (none). A delayed job runs now. Returns 1, or 0 if it is not delayed.
--   'priority': priority, lifo ('1'/'0'). Re-queues a waiting or prioritized job under
--               its new priority. Returns 1, or 0 if the job is not waiting.
--   'extend':   token, ms. Extends the job's lock while it holds `token`. Returns 1 or 0.
--   'dedup':    deduplication id. Returns the id of the job holding it, or false.
local op, id, now, maxlen = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local jk = jkey(id)
if op == 'promote' then
  if redis.call('ZREM', B .. 'delayed', id) == 0 then return 0 end
  push_ready(id, tonumber(redis.call('HGET', jk, 'priority') or '0') or 0, false)
  redis.call('HSET', jk, 'delay', 0)
  emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'delayed')
  wake()
  wake_delayed()
  return 1
elseif op == 'priority' then
  local priority = tonumber(ARGV[6])
  if redis.call('EXISTS', jk) == 0 then return 0 end
  local found = redis.call('ZREM', B .. 'prioritized', id) + redis.call('LREM', B .. 'wait', -1, id)
  redis.call('HSET', jk, 'priority', priority)
  if found == 0 then return 0 end
  push_ready(id, priority, ARGV[7] == '1')
  wake()
  return 1
elseif op == 'extend' then
  if redis.call('GET', lkey(id)) ~= ARGV[6] then return 0 end
  redis.call('PEXPIRE', lkey(id), ARGV[7])
  redis.call('SREM', B .. 'stalled', id)
  return 1
else
  return redis.call('GET', B .. 'de:' .. id)
end
