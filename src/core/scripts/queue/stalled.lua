-- Recovers jobs whose worker stopped renewing their lock (it died or lost its connection),
-- as BullMQ's stalled check does, so either side's check recovers either side's jobs. At
-- most one run per interval across all workers (the `stalled-check` key, holding the last
-- run's time as BullMQ's does): the caller's own interval counts, so a worker checking
-- often is not held back by one checking rarely (BullMQ's own check waits for the key to
-- expire). A job is
-- recovered when it was active at the previous run (the `stalled` set) and its lock is gone
-- now: back to the front of `wait`. One stalled more than max_stalled times goes back with
-- a deferred failure (`defa`): the worker that takes it fails it at once (BullMQ 6's way;
-- a scheduler's job is never failed so). ARGV: B, now, max_stalled, maxlen, interval.
-- Returns {recovered ids, ids that will fail}.
local now, max_stalled, maxlen = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local last = tonumber(redis.call('GET', B .. 'stalled-check') or '')
if last and now - last < tonumber(ARGV[5]) then return {{}, {}} end
redis.call('SET', B .. 'stalled-check', now, 'PX', ARGV[5])
local recovered, failing = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', B .. 'stalled')) do
  if redis.call('EXISTS', lkey(id)) == 0 and redis.call('LREM', B .. 'active', 1, id) > 0 then
    local jk = jkey(id)
    if redis.call('EXISTS', jk) == 1 then
      local stc = redis.call('HINCRBY', jk, 'stc', 1)
      if stc > max_stalled then
        local rjk = redis.call('HGET', jk, 'rjk')
        if not (rjk and redis.call('EXISTS', B .. 'repeat:' .. rjk) == 1) then
          redis.call('HSET', jk, 'defa', 'job stalled more than allowable limit')
          failing[#failing + 1] = id
        end
      end
      redis.call('RPUSH', B .. 'wait', id)
      emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'active')
      emit(maxlen, 'event', 'stalled', 'jobId', id)
      recovered[#recovered + 1] = id
    end
  end
end
redis.call('DEL', B .. 'stalled')
-- The suspects of the next run: every job active now.
local active = redis.call('LRANGE', B .. 'active', 0, -1)
for i = 1, #active, 5000 do
  redis.call('SADD', B .. 'stalled', unpack(active, i, math.min(i + 4999, #active)))
end
if #recovered > 0 then wake() end
return {recovered, failing}
