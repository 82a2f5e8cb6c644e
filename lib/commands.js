'use strict'
// Redis command names that get a method on both faces (every other command still works
// through `call` / `sendCommand`). Lower-case, as ioredis spells them.
const names = `
acl append auth bgrewriteaof bgsave bitcount bitfield bitfield_ro bitop bitpos blmove blmpop blpop brpop brpoplpush
bzmpop bzpopmax bzpopmin client cluster command config copy dbsize debug decr decrby del discard dump echo
eval eval_ro evalsha evalsha_ro exec exists expire expireat expiretime failover fcall fcall_ro flushall flushdb
function geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch geosearchstore get getbit getdel getex
getrange getset hdel hello hexists hexpire hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hpersist
hrandfield hscan hset hsetnx hstrlen httl hvals incr incrby incrbyfloat info keys lastsave latency lcs lindex
linsert llen lmove lmpop lolwut lpop lpos lpush lpushx lrange lrem lset ltrim memory mget migrate module monitor
move mset msetnx multi object persist pexpire pexpireat pexpiretime pfadd pfcount pfmerge ping psetex psubscribe
pttl publish pubsub punsubscribe randomkey readonly readwrite rename renamenx replicaof restore role rpop
rpoplpush rpush rpushx sadd save scan scard script sdiff sdiffstore select set setbit setex setnx setrange shutdown
sinter sintercard sinterstore sismember slaveof slowlog smembers smismember smove sort sort_ro spop spublish
srandmember srem sscan ssubscribe strlen subscribe substr sunion sunionstore sunsubscribe swapdb sync time touch
ttl type unlink unsubscribe unwatch wait waitaof watch xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending
xrange xread xreadgroup xrevrange xsetid xtrim zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard
zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank
zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan
zscore zunion zunionstore
`
  .trim()
  .split(/\s+/)

/**
 * Deadline for a blocking command: its own block time plus the normal deadline, or none
 * (-1) when it blocks forever. `undefined` for ordinary commands. `cmd` is the whole
 * command, name first (any case). Runs for every command, so ordinary ones leave after one
 * character test, without copying or lower-casing anything.
 */
function blockingTimeout(cmd, commandTimeout) {
  const head = cmd[0]
  if (typeof head !== 'string') return undefined
  // Every blocking command starts with b, x or w.
  const c = head.charCodeAt(0) | 32
  if (c !== 98 && c !== 120 && c !== 119) return undefined
  const name = head.toLowerCase()
  let secs
  switch (name) {
    case 'blpop':
    case 'brpop':
    case 'brpoplpush':
    case 'bzpopmin':
    case 'bzpopmax':
    case 'blmove':
      secs = Number(cmd[cmd.length - 1])
      break
    case 'blmpop':
    case 'bzmpop':
      // BLMPOP timeout numkeys key ... / BZMPOP timeout numkeys key ...
      secs = Number(cmd[1])
      break
    case 'xread':
    case 'xreadgroup': {
      const i = cmd.findIndex((a, j) => j > 0 && typeof a === 'string' && a.toUpperCase() === 'BLOCK')
      if (i < 0) return undefined
      const ms = Number(cmd[i + 1])
      return ms === 0 ? -1 : ms + commandTimeout
    }
    case 'wait':
    case 'waitaof': {
      const ms = Number(cmd[cmd.length - 1])
      return ms === 0 ? -1 : ms + commandTimeout
    }
    default:
      return undefined
  }
  if (!(secs >= 0)) return undefined
  return secs === 0 ? -1 : secs * 1000 + commandTimeout
}

module.exports = { names, blockingTimeout }
