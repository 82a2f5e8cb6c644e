-- Job schedulers, kept as BullMQ 6 keeps them: `repeat` (a sorted set: scheduler id → the
-- time of its pending run) and `repeat:<id>` (a hash: name, data, opts, the spec's fields
-- and `ic`, the runs so far). A run's job id is `repeat:<id>:<time>`, its `rjk` the
-- scheduler id; the worker that takes a run adds the next one. ARGV: B, op, scheduler id,
-- now, maxlen, then by op:
--   'upsert': spec JSON, template name, data, opts, priority, first run time. Stores the
--             scheduler and its first job (replacing a pending job of an earlier spec).
--   'next':   run time this job had, next run time, limit (0: none), name, data, opts,
--             priority. Adds the job of the next run if the scheduler still exists, the
--             job is its pending run and it is under its limit; the job id is derived from
--             the run time, so two workers adding the same run add it once.
--   'remove': deletes the scheduler and its pending job.
-- Returns the id of the job added (or false).
local op, sid, now, maxlen = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local sk = B .. 'repeat:' .. sid
local function pending_delete()
  local at = redis.call('ZSCORE', B .. 'repeat', sid)
  if not at then return end
  local pending = 'repeat:' .. sid .. ':' .. at
  local gone = redis.call('ZREM', B .. 'delayed', pending) + redis.call('ZREM', B .. 'prioritized', pending)
    + redis.call('LREM', B .. 'wait', 0, pending)
  if gone > 0 then delete_job(pending) end
end
local function add_run(at, name, data, opts, priority)
  local jid = 'repeat:' .. sid .. ':' .. at
  local delay = at - now
  if delay < 0 then delay = 0 end
  local id, added = add_job(now, maxlen, jid, name, data, opts, delay, priority, false, sid, '')
  redis.call('ZADD', B .. 'repeat', at, sid)
  wake()
  if added == 1 then return id end
  return false
end
if op == 'upsert' then
  pending_delete()
  redis.call('DEL', sk)
  redis.call('HSET', sk, 'name', ARGV[7], 'data', ARGV[8], 'opts', ARGV[9], 'ic', 1)
  for k, v in pairs(cjson.decode(ARGV[6])) do
    if k ~= 'immediately' then redis.call('HSET', sk, k, tostring(v)) end
  end
  return add_run(tonumber(ARGV[11]), ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]))
elseif op == 'next' then
  if redis.call('EXISTS', sk) == 0 then return false end
  local prev, at, limit = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
  -- Only the pending run moves the schedule on (a replaced spec's old job does not).
  if tonumber(redis.call('ZSCORE', B .. 'repeat', sid) or '-1') ~= tonumber(prev) then return false end
  local count = tonumber(redis.call('HGET', sk, 'ic') or '0')
  if limit > 0 and count >= limit then return false end
  redis.call('HINCRBY', sk, 'ic', 1)
  return add_run(at, ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12]))
else
  pending_delete()
  redis.call('DEL', sk)
  return redis.call('ZREM', B .. 'repeat', sid)
end
