-- Moves a finished job (in `state`: 'failed' or 'completed') back to wait.
-- ARGV: B, id, state, maxlen, reset attempts ('1'/'0'). Returns 1, or 0 if not in that state.
local id = ARGV[2]
if redis.call('ZREM', B .. ARGV[3], id) == 0 then return 0 end
local jk = jkey(id)
redis.call('HDEL', jk, 'finishedOn', 'processedOn', 'returnvalue', 'failedReason', 'stacktrace')
if ARGV[5] == '1' then redis.call('HSET', jk, 'atm', 0, 'ats', 0, 'stc', 0) end
local f = redis.call('HMGET', jk, 'priority', 'lifo')
push_wait(id, tonumber(f[1]) or 0, f[2] == '1')
emit(ARGV[4], 'event', 'waiting', 'jobId', id, 'prev', ARGV[3])
wake()
return 1
