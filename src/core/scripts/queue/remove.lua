-- Removes a job unless a worker holds its lease. ARGV: B, id, maxlen.
-- Returns 1 removed, 0 no such job, -1 held by a worker.
local id = ARGV[2]
if redis.call('EXISTS', lkey(id)) == 1 then return -1 end
local n = 0
for _, set in ipairs({'wait', 'delayed', 'active', 'completed', 'failed'}) do
  n = n + redis.call('ZREM', B .. set, id)
end
n = n + redis.call('DEL', jkey(id), gkey(id))
if n == 0 then return 0 end
emit(ARGV[3], 'event', 'removed', 'jobId', id)
return 1
