-- Ends an attempt, accepted only from the lease holder (its token is the fence), and
-- fetches the next job in the same step. ARGV: B, id, token, now, outcome ('completed',
-- 'failed' or 'retry'), value (the return value's JSON or the failure's message),
-- stacktrace JSON, keep count (-1 all, 0 none), keep age ms (0: any), retry delay ms,
-- maxlen, then for the next job: n (0: fetch none), lock_ms, limiter max, limiter ms.
-- Returns {1 accepted | 0 not the lease holder (nothing changed), attemptsMade, fetch...}.
local id, token, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local outcome, value, stack = ARGV[5], ARGV[6], ARGV[7]
local keep, age, delay, maxlen = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local n, lock_ms, lim_max, lim_ms = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local worker = string.match(token, '^(.*):[0-9]+$') or token

local function next_job(head)
  if n > 0 then
    local f = fetch(worker, lock_ms, now, n, lim_max, lim_ms, maxlen)
    for _, v in ipairs(f) do head[#head + 1] = v end
  end
  return head
end

local jk = jkey(id)
if redis.call('GET', lkey(id)) ~= token or redis.call('EXISTS', jk) == 0 then
  return next_job({0, 0})
end
redis.call('DEL', lkey(id))
redis.call('ZREM', B .. 'active', id)
local atm = redis.call('HINCRBY', jk, 'atm', 1)

-- Keeps a finished job in `set`, trimmed to `keep` jobs and `age` ms.
local function finish_into(set)
  if keep == 0 then
    delete_job(id)
    return
  end
  local key = B .. set
  redis.call('ZADD', key, now, id)
  if keep > 0 then
    local extra = redis.call('ZRANGE', key, 0, -(keep + 1))
    for _, old in ipairs(extra) do delete_job(old) end
    if #extra > 0 then redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1)) end
  end
  if age > 0 then
    local old = redis.call('ZRANGEBYSCORE', key, '-inf', now - age, 'LIMIT', 0, 1000)
    for _, o in ipairs(old) do
      delete_job(o)
      redis.call('ZREM', key, o)
    end
  end
end

if outcome == 'completed' then
  redis.call('HSET', jk, 'returnvalue', value, 'finishedOn', now)
  emit(maxlen, 'event', 'completed', 'jobId', id, 'returnvalue', value, 'prev', 'active')
  finish_into('completed')
elseif outcome == 'failed' then
  redis.call('HSET', jk, 'failedReason', value, 'stacktrace', stack, 'finishedOn', now)
  emit(maxlen, 'event', 'failed', 'jobId', id, 'failedReason', value, 'prev', 'active')
  finish_into('failed')
else
  redis.call('HSET', jk, 'failedReason', value, 'stacktrace', stack)
  if delay > 0 then
    redis.call('ZADD', B .. 'delayed', now + delay, id)
    emit(maxlen, 'event', 'delayed', 'jobId', id, 'delay', now + delay, 'prev', 'active')
  else
    local f = redis.call('HMGET', jk, 'priority', 'lifo')
    push_wait(id, tonumber(f[1]) or 0, f[2] == '1')
    emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'active')
  end
  wake()
end
return next_job({1, atm})
