-- Fixed window that starts with the first admitted request. KEYS[1]: counter.
-- ARGV: limit, window_ms, cost. Rejected requests are not counted (undone at once).
-- Increment first: the common, admitted path is two calls (INCRBY, PTTL). The window is
-- the key's TTL, so no clock is read: the reply's times are relative (now_ms = 0).
-- Returns {allowed, remaining, ms until the window resets, retry_after_ms, 0}.
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local count = redis.call('INCRBY', KEYS[1], cost)
local ttl = redis.call('PTTL', KEYS[1])
local allowed = 1
if count > limit then
  allowed = 0
  if cost > 0 then count = redis.call('DECRBY', KEYS[1], cost) end
end
if ttl < 0 then
  if count > 0 then
    redis.call('PEXPIRE', KEYS[1], window)
  else
    -- Only a rejected or zero-cost call touched the key: leave nothing behind.
    redis.call('DEL', KEYS[1])
  end
  ttl = window
end
local retry = 0
if allowed == 0 then
  if cost > limit then retry = -1 else retry = ttl end
end
local remaining = limit - count
if remaining < 0 then remaining = 0 end
return {allowed, remaining, ttl, retry, 0}
