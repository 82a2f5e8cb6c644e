-- Approximate sliding window from two fixed windows, O(1) memory.
-- KEYS[1]: hash of window index -> count. ARGV: limit, window_ms, cost.
-- estimate = previous * (share of the previous window still inside the sliding window) + current.
-- An admitted request costs TIME, HMGET and HINCRBY; the first one of a window also drops
-- older windows and sets the expiry (two windows from then: the hash outlives the window it
-- counts and the next, which reads it as the previous one).
-- Returns {allowed, remaining, reset_at_ms, retry_after_ms, now_ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local win = math.floor(now / window)
local elapsed = now - win * window
local counts = redis.call('HMGET', KEYS[1], tostring(win), tostring(win - 1))
local cur = tonumber(counts[1] or '0')
local prev = tonumber(counts[2] or '0')
local weight = (window - elapsed) / window
local estimate = math.floor(prev * weight) + cur
local allowed = 0
if estimate + cost <= limit then
  allowed = 1
  if cost > 0 then
    local before = cur
    cur = redis.call('HINCRBY', KEYS[1], tostring(win), cost)
    estimate = estimate + cost
    if before == 0 then
      for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
        local n = tonumber(f)
        if n and n < win - 1 then redis.call('HDEL', KEYS[1], f) end
      end
      redis.call('PEXPIRE', KEYS[1], 2 * window)
    end
  end
end
local reset = (win + 1) * window
local retry = 0
if allowed == 0 then
  if cost > limit then
    retry = -1
  elseif cur + cost > limit then
    -- Not even this window's own count leaves room: wait for the next window, and for
    -- the share of this one that still weighs on it.
    local room = limit - cost
    local need = 0
    if cur > 0 and room < cur then need = math.ceil(window * (1 - room / cur)) end
    retry = reset - now + need
  else
    -- The previous window's share shrinks as time passes.
    local room = limit - cur - cost
    local e = math.ceil(window * (1 - room / prev))
    retry = e - elapsed
    if retry < 1 then retry = 1 end
  end
end
local remaining = limit - estimate
if remaining < 0 then remaining = 0 end
return {allowed, remaining, reset, retry, now}
