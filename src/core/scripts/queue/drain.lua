-- Deletes every waiting job (wait, prioritized, a BullMQ 5 `paused` list), and the delayed
-- ones too when ARGV[2] is '1'. ARGV: B, delayed.
for _, list in ipairs({'wait', 'paused'}) do
  for _, id in ipairs(redis.call('LRANGE', B .. list, 0, -1)) do delete_job(id) end
  redis.call('DEL', B .. list)
end
local sets = {'prioritized'}
if ARGV[2] == '1' then sets[2] = 'delayed' end
for _, set in ipairs(sets) do
  for _, id in ipairs(redis.call('ZRANGE', B .. set, 0, -1)) do delete_job(id) end
  redis.call('DEL', B .. set)
end
redis.call('DEL', B .. 'pc')
return 1
