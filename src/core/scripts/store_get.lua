-- express-rate-limit Store `get`. KEYS[1]: counter. Returns {total_hits or false, ms_to_expire}.
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
