-- Token bucket as GCRA (generic cell rate algorithm): one number per key, the theoretical
-- arrival time (TAT). KEYS[1]: TAT in ms. ARGV: limit, window_ms, cost, burst.
-- Tokens refill at limit per window; up to `burst` may be spent at once.
-- Returns {allowed, remaining, reset_at_ms, retry_after_ms, now_ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local interval = window / limit
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allowed = 0
local retry = 0
if new_tat - tolerance <= now then
  allowed = 1
  if cost > 0 then
    tat = new_tat
    redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
  end
elseif cost > burst then
  retry = -1
else
  retry = math.ceil(new_tat - tolerance - now)
end
local remaining = math.floor((tolerance - (tat - now)) / interval + 1e-9)
if remaining < 0 then remaining = 0 end
return {allowed, remaining, math.ceil(tat), retry, now}
