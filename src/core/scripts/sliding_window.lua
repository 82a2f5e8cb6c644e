-- Exact sliding-window log. KEYS[1]: sorted set of admitted requests (score = ms).
-- ARGV: limit, window_ms, cost, unique member prefix.
-- Rejected requests are not recorded. Time comes from the server, so all app servers agree.
-- Returns {allowed, remaining, reset_at_ms, retry_after_ms, now_ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if cost > 0 and count + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i)
  end
  count = count + cost
  allowed = 1
  redis.call('PEXPIRE', KEYS[1], window)
elseif cost == 0 and count <= limit then
  allowed = 1
end
local reset = now + window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window end
local retry = 0
if allowed == 0 then
  if cost > limit then
    retry = -1
  else
    -- The request fits once enough of the oldest entries have left the window.
    local idx = count - limit + cost - 1
    local e = redis.call('ZRANGE', KEYS[1], idx, idx, 'WITHSCORES')
    if e[2] then retry = tonumber(e[2]) + window - now else retry = window end
  end
end
local remaining = limit - count
if remaining < 0 then remaining = 0 end
return {allowed, remaining, reset, retry, now}
