-- Moves up to n waiting jobs to active with leases. ARGV: B, token, lock_ms, now, n,
-- limiter max (0: none), limiter window ms, maxlen. Returns what `fetch` returns.
return fetch(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8])
