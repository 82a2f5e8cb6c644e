-- Shared by every queue script (prepended to each one). ARGV[1] is the queue's key prefix
-- B = "<prefix>:{<name>}:" (the name is the hash tag, so every key of a queue shares a
-- Cluster slot). Per-job keys live in namespaces of their own ("j:" hash, "l:" lease,
-- "g:" logs) so no job id, whatever it holds, can name another job's key or a queue key.
local B = ARGV[1]
local function jkey(id) return B .. 'j:' .. id end
local function lkey(id) return B .. 'l:' .. id end
local function gkey(id) return B .. 'g:' .. id end

-- Appends one event to the queue's event stream (read by QueueEvents), trimmed near maxlen.
local function emit(maxlen, ...)
  redis.call('XADD', B .. 'events', 'MAXLEN', '~', maxlen, '*', ...)
end

-- The wait set is one sorted set: lower scores run first. The score is the priority
-- (0, no priority, first) times 2^31, plus the order of arrival within it: lifo jobs
-- (newest first) before fifo ones (oldest first). Recovered stalled jobs take offset 0,
-- ahead of both. The sequence wraps after 2^30 jobs.
local function push_wait(id, priority, lifo)
  local seq = redis.call('INCR', B .. 'seq') % 1073741824
  local offset
  if lifo then offset = 1073741824 - seq else offset = 1073741824 + seq end
  redis.call('ZADD', B .. 'wait', priority * 2147483648 + offset, id)
end

-- Wakes a worker blocked on the marker (BZPOPMIN), unless the queue is paused.
local function wake()
  if not redis.call('HGET', B .. 'meta', 'paused') then
    redis.call('ZADD', B .. 'marker', 0, '0')
  end
end

-- Adds one job unless its id exists already. Returns the id and 1 (added) or 0 (a
-- duplicate, left as it is). `id` is '' for the next number of the queue's counter.
local function add_job(now, maxlen, id, name, data, opts, delay, priority, lifo, scheduler)
  if id == '' then
    id = tostring(redis.call('INCR', B .. 'id'))
  elseif redis.call('EXISTS', jkey(id)) == 1 then
    emit(maxlen, 'event', 'duplicated', 'jobId', id)
    return id, 0
  end
  local jk = jkey(id)
  redis.call('HSET', jk, 'name', name, 'data', data, 'opts', opts, 'timestamp', now,
    'delay', delay, 'priority', priority, 'atm', 0, 'ats', 0, 'stc', 0)
  if lifo then redis.call('HSET', jk, 'lifo', '1') end
  if scheduler ~= '' then redis.call('HSET', jk, 'sched', scheduler) end
  if delay > 0 then
    redis.call('ZADD', B .. 'delayed', now + delay, id)
    emit(maxlen, 'event', 'delayed', 'jobId', id, 'delay', now + delay)
  else
    push_wait(id, priority, lifo)
    emit(maxlen, 'event', 'waiting', 'jobId', id)
  end
  return id, 1
end

-- Moves delayed jobs that are due to the wait set (a bounded number per call).
local function promote(now, maxlen)
  local due = redis.call('ZRANGEBYSCORE', B .. 'delayed', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', B .. 'delayed', id)
    local f = redis.call('HMGET', jkey(id), 'priority', 'lifo')
    if f[1] then
      push_wait(id, tonumber(f[1]) or 0, f[2] == '1')
      emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'delayed')
    end
  end
end

-- Moves up to n jobs to active, each with a lease (its "l:" key holds the attempt's token
-- for lock_ms). Returns {1, 0, id, token, fields, ...}, or when there is none
-- {0, next delayed time or 0}, {2, ms until the rate limit allows more} or {3, 0} (paused).
local function fetch(token, lock_ms, now, n, lim_max, lim_ms, maxlen)
  if redis.call('HGET', B .. 'meta', 'paused') then return {3, 0} end
  promote(now, maxlen)
  if lim_max > 0 then
    local used = tonumber(redis.call('GET', B .. 'limiter') or '0')
    if used >= lim_max then
      local ttl = redis.call('PTTL', B .. 'limiter')
      if ttl < 0 then
        redis.call('DEL', B .. 'limiter')
        ttl = 0
      end
      return {2, ttl}
    end
    if lim_max - used < n then n = lim_max - used end
  end
  local popped = redis.call('ZPOPMIN', B .. 'wait', n)
  if #popped == 0 then
    local nxt = redis.call('ZRANGE', B .. 'delayed', 0, 0, 'WITHSCORES')
    return {0, nxt[2] or 0}
  end
  local out = {1, 0}
  local taken = 0
  for i = 1, #popped, 2 do
    local id = popped[i]
    local jk = jkey(id)
    local row = redis.call('HMGET', jk, 'name', 'data', 'opts', 'timestamp', 'delay',
      'priority', 'atm', 'ats', 'stc', 'processedOn', 'progress', 'sched', 'stacktrace')
    -- A job whose hash is gone (deleted under it) is skipped.
    if row[1] then
      local started = (tonumber(row[8]) or 0) + 1
      local t = token .. ':' .. started
      row[8] = tostring(started)
      row[10] = tostring(now)
      redis.call('HSET', jk, 'ats', started, 'processedOn', now)
      redis.call('SET', lkey(id), t, 'PX', lock_ms)
      redis.call('ZADD', B .. 'active', now, id)
      emit(maxlen, 'event', 'active', 'jobId', id, 'prev', 'waiting')
      out[#out + 1] = id
      out[#out + 1] = t
      out[#out + 1] = row
      taken = taken + 1
    end
  end
  if lim_max > 0 and taken > 0 then
    redis.call('INCRBY', B .. 'limiter', taken)
    if redis.call('PTTL', B .. 'limiter') < 0 then redis.call('PEXPIRE', B .. 'limiter', lim_ms) end
  end
  -- More waiting: wake another worker too.
  if redis.call('ZCARD', B .. 'wait') > 0 then redis.call('ZADD', B .. 'marker', 0, '0') end
  return out
end

-- Deletes a job and everything it owns.
local function delete_job(id)
  redis.call('DEL', jkey(id), gkey(id), lkey(id))
end
