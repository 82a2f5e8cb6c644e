-- express-rate-limit Store, with rate-limit-redis' fixed-window semantics.
-- KEYS[1]: counter. ARGV: reset expiry on change ("1"/"0"), window_ms.
-- Returns {total_hits, ms_to_expire}.
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ARGV[1] == '1' then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  ttl = tonumber(ARGV[2])
end
return {hits, ttl}
