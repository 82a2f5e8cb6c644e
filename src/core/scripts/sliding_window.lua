-- Exact sliding-window log. KEYS[1]: sorted set of admitted requests, one member per
-- request whatever its cost (score = ms, member = "<unique tag>:<cost>"); their total cost
-- is kept beside it in KEYS[1] .. ':n' (same hash tag, so the same Cluster slot). A call's
-- work never depends on the cost it asks for: one entry in, and only entries that leave
-- the window are read.
-- ARGV: limit, window_ms, cost, unique member tag.
-- Rejected requests are not recorded. Time comes from the server, so all app servers agree.
-- Returns {allowed, remaining, reset_at_ms, retry_after_ms, now_ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local totalKey = KEYS[1] .. ':n'

local function costOf(member)
  return tonumber(string.match(member, ':(%d+)$')) or 1
end

local total = tonumber(redis.call('GET', totalKey) or '')
if total == nil then
  -- First request, or the counter expired with the log: sum what is left.
  total = 0
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    total = total + costOf(m)
  end
end
-- Entries that leave the window take their cost with them.
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
if #gone > 0 then
  for _, m in ipairs(gone) do
    total = total - costOf(m)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if total < 0 then total = 0 end
end

local allowed = 0
if cost > 0 and total + cost <= limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. cost)
  total = total + cost
  allowed = 1
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('SET', totalKey, total, 'PX', window)
elseif cost == 0 and total <= limit then
  allowed = 1
end
if allowed == 0 or cost == 0 then
  if total > 0 and #gone > 0 then
    redis.call('SET', totalKey, total, 'KEEPTTL')
  elseif total == 0 then
    redis.call('DEL', totalKey)
  end
end

local reset = now + window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window end
local retry = 0
if allowed == 0 then
  if cost > limit then
    retry = -1
  else
    -- The request fits once enough cost has left the window, oldest entries first.
    local need = total + cost - limit
    local freed = 0
    local from = 0
    retry = window
    while freed < need do
      local batch = redis.call('ZRANGE', KEYS[1], from, from + 99, 'WITHSCORES')
      if #batch == 0 then break end
      for i = 1, #batch, 2 do
        freed = freed + costOf(batch[i])
        if freed >= need then
          retry = tonumber(batch[i + 1]) + window - now
          break
        end
      end
      from = from + 100
    end
  end
end
local remaining = limit - total
if remaining < 0 then remaining = 0 end
return {allowed, remaining, reset, retry, now}
