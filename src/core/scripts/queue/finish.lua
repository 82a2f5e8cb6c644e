-- Ends attempts, each accepted only from its lock holder (the attempt's token is the
-- fence), and fetches next jobs in the same step: a worker sends every attempt that ended
-- in one tick together. ARGV: B, now, maxlen, then for the next jobs: n (0: none), worker
-- token, lock_ms, limiter max, limiter ms; then per attempt 10 values: id, token, outcome
-- ('completed', 'failed' or 'retry'), value (the return value's JSON or the failure's
-- message), stacktrace JSON, keep count (-1 all, 0 none), keep age ms (0: any), retry
-- delay ms, attempts made with this one (only the lease holder writes it, so the holder
-- knows it), the job's deduplication id ('' for none). Returns {accepted (1, or 0: not the lease holder, nothing changed),
-- attemptsMade, ... per attempt, then what `fetch` returns}.
local now, maxlen = tonumber(ARGV[2]), ARGV[3]
local n, worker, lock_ms = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local lim_max, lim_ms = tonumber(ARGV[7]), tonumber(ARGV[8])
local out = {}
local woken = false

-- Keeps a finished job in `set`, trimmed to `keep` jobs and `age` ms.
local function finish_into(id, set, keep, age)
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

for i = 9, #ARGV, 10 do
  local id, token, outcome, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local stack, keep, age, delay = ARGV[i + 4], tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6]), tonumber(ARGV[i + 7])
  local atm, did = ARGV[i + 8], ARGV[i + 9]
  local jk = jkey(id)
  if redis.call('GET', lkey(id)) ~= token then
    out[#out + 1] = 0
    out[#out + 1] = 0
  else
    redis.call('DEL', lkey(id))
    redis.call('SREM', B .. 'stalled', id)
    redis.call('LREM', B .. 'active', -1, id)
    if outcome == 'completed' and keep == 0 then
      -- The common case, kept short: a completed job not kept.
      emit(maxlen, 'event', 'completed', 'jobId', id, 'returnvalue', value, 'prev', 'active')
      release_dedup(id, did)
      delete_job(id)
      out[#out + 1] = 1
      out[#out + 1] = tonumber(atm)
    elseif redis.call('EXISTS', jk) == 0 then
      out[#out + 1] = 0
      out[#out + 1] = 0
    else
      redis.call('HSET', jk, 'atm', atm)
      if outcome ~= 'retry' then release_dedup(id, did) end
      if outcome == 'completed' then
        redis.call('HSET', jk, 'returnvalue', value, 'finishedOn', now)
        emit(maxlen, 'event', 'completed', 'jobId', id, 'returnvalue', value, 'prev', 'active')
        finish_into(id, 'completed', keep, age)
      elseif outcome == 'failed' then
        redis.call('HSET', jk, 'failedReason', value, 'stacktrace', stack, 'finishedOn', now)
        redis.call('HDEL', jk, 'defa')
        emit(maxlen, 'event', 'failed', 'jobId', id, 'failedReason', value, 'prev', 'active')
        finish_into(id, 'failed', keep, age)
      else
        redis.call('HSET', jk, 'failedReason', value, 'stacktrace', stack)
        if delay > 0 then
          push_delayed(id, now + delay)
          redis.call('HSET', jk, 'delay', delay)
          emit(maxlen, 'event', 'delayed', 'jobId', id, 'delay', now + delay)
          wake_delayed()
        else
          push_ready(id, tonumber(redis.call('HGET', jk, 'priority') or '0') or 0, lifo_of(jk))
          emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'active')
          woken = true
        end
      end
      out[#out + 1] = 1
      out[#out + 1] = tonumber(atm)
    end
  end
end
if woken then wake() end
if n > 0 then
  for _, v in ipairs(fetch(worker, lock_ms, now, n, lim_max, lim_ms, maxlen)) do out[#out + 1] = v end
else
  out[#out + 1] = 0
  out[#out + 1] = 0
end
return out
