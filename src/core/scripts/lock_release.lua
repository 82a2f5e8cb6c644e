-- Compare-and-delete: removes only the keys still holding our token.
-- KEYS: lock keys. ARGV: token. Returns how many were released.
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released
