-- Shared by every queue script (prepended to each one). The keys and their meaning are
-- BullMQ 6's, so BullMQ processes and ours can drive one queue together (README, "Job
-- queues"). ARGV[1] is the queue's key prefix B = "<prefix>:<name>:"; a job's hash is
-- B..id, its lock B..id..':lock', its log B..id..':logs'. On a Cluster, a hash tag in the
-- prefix ('{bull}') keeps every key of the queue in one slot, as BullMQ requires.
-- Invariants kept (as BullMQ's scripts keep them):
--  * a job id is in one of wait (list), prioritized, delayed, active (list), completed,
--    failed (sorted sets) at a time, and its hash exists before its id is published;
--  * `wait` is consumed from the right: LPUSH queues at the back, RPUSH at the front;
--    prioritized jobs run only when `wait` is empty;
--  * scores: prioritized priority * 2^32 + (INCR pc mod 2^32); delayed ready-at ms * 4096
--    + a sequence below 4096; completed and failed the finish time;
--  * whoever makes a job runnable adds marker "0" (score 0) unless the queue is paused or at
--    its global concurrency; whoever touches `delayed` sets marker "1" to the earliest
--    delayed time. Workers block on the marker (BZPOPMIN);
--  * an active job holds its lock (the attempt's token, with a TTL) while it runs.
local B = ARGV[1]
local function jkey(id) return B .. id end
local function lkey(id) return B .. id .. ':lock' end
local function gkey(id) return B .. id .. ':logs' end
local TWO32 = 4294967296

-- Appends one event to the queue's event stream (read by QueueEvents), trimmed near maxlen.
local function emit(maxlen, ...)
  redis.call('XADD', B .. 'events', 'MAXLEN', '~', maxlen, '*', ...)
end

-- Whether workers must not take jobs now: paused, or at the queue's global concurrency.
local function held()
  local m = redis.call('HMGET', B .. 'meta', 'paused', 'concurrency')
  if m[1] then return true end
  if m[2] then return redis.call('LLEN', B .. 'active') >= (tonumber(m[2]) or 0) end
  return false
end

-- Wakes a worker blocked on the marker, unless the queue is held.
local function wake()
  if not held() then redis.call('ZADD', B .. 'marker', 0, '0') end
end

-- Tells blocked workers when the earliest delayed job is due.
local function wake_delayed()
  local first = redis.call('ZRANGE', B .. 'delayed', 0, 0, 'WITHSCORES')
  if first[2] then redis.call('ZADD', B .. 'marker', tonumber(first[2]) / 4096, '1') end
end

-- Puts a job in `delayed`, due at `at` (ms): its score is at * 4096 plus the next free
-- sequence number of that millisecond, so jobs due together keep their order.
local function push_delayed(id, at)
  local lo = at * 4096
  local top = redis.call('ZREVRANGEBYSCORE', B .. 'delayed', lo + 4095, lo, 'WITHSCORES', 'LIMIT', 0, 1)
  local score = lo
  if top[2] then
    score = tonumber(top[2]) + 1
    if score > lo + 4095 then score = lo + 4095 end
  end
  redis.call('ZADD', B .. 'delayed', score, id)
end

-- Makes a job runnable: by its priority, else at the back of `wait` (the front: `first`,
-- for lifo jobs and recovered ones).
local function push_ready(id, priority, first)
  if priority > 0 then
    local c = redis.call('INCR', B .. 'pc') % TWO32
    redis.call('ZADD', B .. 'prioritized', priority * TWO32 + c, id)
  elseif first then
    redis.call('RPUSH', B .. 'wait', id)
  else
    redis.call('LPUSH', B .. 'wait', id)
  end
end

-- Whether the job's stored options ask for lifo.
local function lifo_of(jk)
  local ok, o = pcall(cjson.decode, redis.call('HGET', jk, 'opts') or '{}')
  return ok and type(o) == 'table' and o.lifo == true
end

-- Deletes a job and everything it owns.
local function delete_job(id)
  local jk = jkey(id)
  redis.call('DEL', jk, gkey(id), lkey(id), jk .. ':dependencies', jk .. ':processed',
    jk .. ':failed', jk .. ':unsuccessful')
end

-- Lets go of a finished or removed job's deduplication key (`did`, '' for none) when the
-- job holds it and it has no TTL of its own (a TTL keeps deduplicating until it ends).
local function release_dedup(id, did)
  if not did or did == '' then return end
  local dk = B .. 'de:' .. did
  if redis.call('GET', dk) == id and redis.call('PTTL', dk) == -1 then redis.call('DEL', dk) end
end

-- BullMQ's deduplication for a job about to be added as `id`: `de` is {id, ttl, extend,
-- replace}. Returns the id of the job that keeps the key (the add is then dropped), or nil
-- when `id` now holds it.
local function deduplicate(maxlen, id, de)
  local dk = B .. 'de:' .. de.id
  local ttl = tonumber(de.ttl) or 0
  local owner = redis.call('GET', dk)
  if owner then
    local stale = redis.call('PTTL', dk) == -1 and redis.call('EXISTS', jkey(owner)) == 0
    if not stale then
      if de.replace and redis.call('ZREM', B .. 'delayed', owner) == 1 then
        delete_job(owner)
        emit(maxlen, 'event', 'removed', 'jobId', owner, 'prev', 'delayed')
      else
        if de.extend and ttl > 0 then redis.call('PEXPIRE', dk, ttl) end
        emit(maxlen, 'event', 'deduplicated', 'jobId', owner, 'deduplicationId', de.id,
          'deduplicatedJobId', id)
        return owner
      end
    end
  end
  if ttl > 0 then redis.call('SET', dk, id, 'PX', ttl) else redis.call('SET', dk, id) end
  return nil
end

-- Adds one job unless its id exists already. Returns the id and 1 (added) or 0 (a
-- duplicate, left as it is; or the job holding the deduplication id `de`, a JSON object or
-- ''). `id` is '' for the next number of the queue's counter (which every add moves on,
-- as BullMQ's do).
local function add_job(now, maxlen, id, name, data, opts, delay, priority, lifo, scheduler, de)
  local n = redis.call('INCR', B .. 'id')
  if id == '' then
    id = tostring(n)
  elseif redis.call('EXISTS', jkey(id)) == 1 then
    emit(maxlen, 'event', 'duplicated', 'jobId', id)
    return id, 0
  end
  local did = nil
  if de ~= nil and de ~= '' then
    local d = cjson.decode(de)
    local owner = deduplicate(maxlen, id, d)
    if owner then return owner, 0 end
    did = d.id
  end
  local jk = jkey(id)
  redis.call('HSET', jk, 'name', name, 'data', data, 'opts', opts, 'timestamp', now,
    'delay', delay, 'priority', priority)
  if scheduler ~= '' then redis.call('HSET', jk, 'rjk', scheduler) end
  if did then redis.call('HSET', jk, 'deid', did) end
  emit(maxlen, 'event', 'added', 'jobId', id, 'name', name)
  if delay > 0 then
    push_delayed(id, now + delay)
    emit(maxlen, 'event', 'delayed', 'jobId', id, 'delay', now + delay)
    wake_delayed()
  else
    push_ready(id, priority, lifo)
    emit(maxlen, 'event', 'waiting', 'jobId', id)
  end
  return id, 1
end

-- Moves delayed jobs that are due to `wait` or `prioritized` (a bounded number per call).
local function promote(now, maxlen)
  local due = redis.call('ZRANGEBYSCORE', B .. 'delayed', 0, (now + 1) * 4096 - 1, 'LIMIT', 0, 1000)
  if #due == 0 then return end
  for _, id in ipairs(due) do
    redis.call('ZREM', B .. 'delayed', id)
    local jk = jkey(id)
    local p = redis.call('HGET', jk, 'priority')
    if p then
      push_ready(id, tonumber(p) or 0, false)
      redis.call('HSET', jk, 'delay', 0)
      emit(maxlen, 'event', 'waiting', 'jobId', id, 'prev', 'delayed')
    end
  end
  wake()
end

-- Moves up to n jobs to active, each with its lock (the attempt's token for lock_ms).
-- Returns {1, 0, id, token, fields, ...}, or when there is none {0, next delayed time in ms
-- or 0}, {2, ms until the rate limit allows more} or {3, 0} (paused or at the global
-- concurrency). The limit is the queue's (meta max/duration, BullMQ's global rate limit)
-- or else the worker's.
local function fetch(token, lock_ms, now, n, lim_max, lim_ms, maxlen)
  local meta = redis.call('HMGET', B .. 'meta', 'paused', 'concurrency', 'max', 'duration')
  promote(now, maxlen)
  local max = tonumber(meta[3]) or lim_max
  local dur = lim_ms
  if dur <= 0 then dur = tonumber(meta[4]) or 0 end
  if max > 0 then
    local used = tonumber(redis.call('GET', B .. 'limiter') or '0') or 0
    if used >= max then
      local ttl = redis.call('PTTL', B .. 'limiter')
      if ttl > 0 then return {2, ttl} end
      redis.call('DEL', B .. 'limiter')
      used = 0
    end
    if max - used < n then n = max - used end
  end
  if meta[1] then return {3, 0} end
  if meta[2] then
    local room = (tonumber(meta[2]) or 0) - redis.call('LLEN', B .. 'active')
    if room <= 0 then return {3, 0} end
    if room < n then n = room end
  end
  local out = {1, 0}
  local taken = 0
  for _ = 1, n do
    local id = redis.call('RPOPLPUSH', B .. 'wait', B .. 'active')
    if not id then
      local p = redis.call('ZPOPMIN', B .. 'prioritized')
      if #p == 0 then break end
      id = p[1]
      redis.call('LPUSH', B .. 'active', id)
    end
    local jk = jkey(id)
    local row = redis.call('HMGET', jk, 'name', 'data', 'opts', 'timestamp', 'delay',
      'priority', 'atm', 'ats', 'stc', 'processedOn', 'progress', 'rjk', 'stacktrace', 'defa')
    if row[1] then
      local started = (tonumber(row[8]) or 0) + 1
      local t = token .. ':' .. started
      row[8] = tostring(started)
      row[10] = tostring(now)
      redis.call('HSET', jk, 'ats', started, 'processedOn', now)
      redis.call('SET', lkey(id), t, 'PX', lock_ms)
      emit(maxlen, 'event', 'active', 'jobId', id, 'prev', 'waiting')
      out[#out + 1] = id
      out[#out + 1] = t
      out[#out + 1] = row
      taken = taken + 1
    else
      -- A job whose hash is gone (deleted under it) is dropped.
      redis.call('LREM', B .. 'active', -1, id)
    end
  end
  if max > 0 and taken > 0 then
    redis.call('INCRBY', B .. 'limiter', taken)
    if redis.call('PTTL', B .. 'limiter') < 0 and dur > 0 then
      redis.call('PEXPIRE', B .. 'limiter', math.floor(dur))
    end
  end
  if taken == 0 then
    local nxt = redis.call('ZRANGE', B .. 'delayed', 0, 0, 'WITHSCORES')
    if nxt[2] then return {0, math.floor(tonumber(nxt[2]) / 4096)} end
    return {0, 0}
  end
  -- More runnable: wake another worker too.
  if redis.call('LLEN', B .. 'wait') + redis.call('ZCARD', B .. 'prioritized') > 0 then wake() end
  return out
end

