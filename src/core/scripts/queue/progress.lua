-- Records a job's progress (JSON). ARGV: B, id, progress, maxlen. Returns 0 if no such job.
if redis.call('EXISTS', jkey(ARGV[2])) == 0 then return 0 end
redis.call('HSET', jkey(ARGV[2]), 'progress', ARGV[3])
emit(ARGV[4], 'event', 'progress', 'jobId', ARGV[2], 'data', ARGV[3])
return 1
