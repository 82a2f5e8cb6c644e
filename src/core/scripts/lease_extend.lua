-- Extends every lease still holding its token. KEYS: lease keys. ARGV: ttl_ms, then one
-- token per key. Returns one 1 (extended) or 0 (lost: expired, released or taken) per key.
local out = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
