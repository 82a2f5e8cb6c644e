-- Adds jobs, one atomic step for the whole list. ARGV: B, now, maxlen, then per job:
-- id ('' for a generated one), name, data, opts, delay, priority, lifo ('1' or '0'),
-- scheduler id ('' for none), deduplication (JSON {id, ttl, extend, replace}, or '').
-- Returns {id, added (1) or duplicate (0), ...}.
local now, maxlen = tonumber(ARGV[2]), ARGV[3]
local out = {}
for i = 4, #ARGV, 9 do
  local id, added = add_job(now, maxlen, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
    tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), ARGV[i + 6] == '1', ARGV[i + 7], ARGV[i + 8])
  out[#out + 1] = id
  out[#out + 1] = added
end
wake()
return out
