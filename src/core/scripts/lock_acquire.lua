-- All-or-nothing acquire of n resources. KEYS: the lock keys. ARGV: token, ttl_ms, fence
-- ('1': return a fencing token).
-- The fence is the server clock in microseconds when the lock was taken: strictly greater
-- than every earlier fence of the resource, since the acquires of a resource are script runs
-- of their own, one after the other, each longer than a microsecond (assuming the server's
-- clock does not step back). It needs no counter key, so nothing is left behind; one TIME
-- call costs less than a counter's INCR plus the PEXPIRE that would keep it from leaking.
-- Returns {1, fence or 0} on success, {0, index of the first held resource} if not.
if #KEYS == 1 then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0, 1} end
else
  for i = 1, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then return {0, i} end
  end
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  end
end
if ARGV[3] ~= '1' then return {1, 0} end
local t = redis.call('TIME')
return {1, tonumber(t[1]) * 1000000 + tonumber(t[2])}
