-- Pauses ('1') or resumes ('0') the queue. ARGV: B, pause, maxlen.
if ARGV[2] == '1' then
  redis.call('HSET', B .. 'meta', 'paused', '1')
  emit(ARGV[3], 'event', 'paused')
else
  redis.call('HDEL', B .. 'meta', 'paused')
  emit(ARGV[3], 'event', 'resumed')
  wake()
end
return 1
