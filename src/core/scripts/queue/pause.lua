-- Pauses ('1') or resumes ('0') the queue, as BullMQ 6 does: the jobs stay in `wait` and
-- workers honour `meta.paused`. ARGV: B, pause, maxlen.
if ARGV[2] == '1' then
  redis.call('HSET', B .. 'meta', 'paused', '1')
  redis.call('DEL', B .. 'marker')
  emit(ARGV[3], 'event', 'paused')
else
  redis.call('HDEL', B .. 'meta', 'paused')
  -- Jobs a BullMQ 5 process parked in the `paused` list go back, in their order.
  while redis.call('RPOPLPUSH', B .. 'paused', B .. 'wait') do end
  emit(ARGV[3], 'event', 'resumed')
  if redis.call('LLEN', B .. 'wait') + redis.call('ZCARD', B .. 'prioritized') > 0 then wake() else wake_delayed() end
end
return 1
