-- All-or-nothing acquire of n resources with fencing tokens.
-- KEYS[1..n]: lock keys, KEYS[n+1..2n]: their fence counters. ARGV: token, ttl_ms, n.
-- Returns {1, fence_1, ..., fence_n} on success, {0, index of the first held resource} if not.
local n = tonumber(ARGV[3])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {0, i} end
end
local out = {1}
for i = 1, n do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  out[#out + 1] = redis.call('INCR', KEYS[n + i])
end
return out
