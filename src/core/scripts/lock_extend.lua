-- Compare-and-extend: extends every key only if all still hold our token.
-- KEYS: lock keys. ARGV: token, ttl_ms. Returns 1 if extended, 0 if the lock was lost.
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 1, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 1
