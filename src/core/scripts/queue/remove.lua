-- Removes a job unless a worker holds its lock. ARGV: B, id, maxlen.
-- Returns 1 removed, 0 no such job, -1 held by a worker.
local id = ARGV[2]
if redis.call('EXISTS', lkey(id)) == 1 then return -1 end
local prev = nil
for _, set in ipairs({'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'}) do
  if redis.call('ZREM', B .. set, id) == 1 then prev = set end
end
for _, list in ipairs({'wait', 'active', 'paused'}) do
  if redis.call('LREM', B .. list, 0, id) > 0 then prev = list end
end
local existed = redis.call('EXISTS', jkey(id))
release_dedup(id, redis.call('HGET', jkey(id), 'deid'))
delete_job(id)
if existed == 0 and not prev then return 0 end
emit(ARGV[3], 'event', 'removed', 'jobId', id, 'prev', prev or 'unknown')
return 1
