-- Moves a finished job (in `state`: 'failed' or 'completed') back to wait.
-- ARGV: B, id, state, maxlen, reset attempts ('1'/'0'). Returns 1, or 0 if not in that state.
local id = ARGV[2]
if redis.call('ZREM', B .. ARGV[3], id) == 0 then return 0 end
local jk = jkey(id)
redis.call('HDEL', jk, 'finishedOn', 'processedOn', 'returnvalue', 'failedReason', 'stacktrace', 'defa')
if ARGV[5] == '1' then redis.call('HSET', jk, 'atm', 0, 'ats', 0, 'stc', 0) end
push_ready(id, tonumber(redis.call('HGET', jk, 'priority') or '0') or 0, lifo_of(jk))
emit(ARGV[4], 'event', 'waiting', 'jobId', id, 'prev', ARGV[3])
wake()
return 1
