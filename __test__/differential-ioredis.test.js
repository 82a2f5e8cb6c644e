'use strict'
// Differential test against real ioredis 6: the same seeded random sequence of operations
// runs on ioredis (the reference) and on our ioredis face, each against a redis-server of
// its own, and everything observable is compared: resolved values (Buffers as Buffers),
// rejections (class chain, name, message, err.command, previousErrors; our extra `code` is
// ignored), pipeline / multi rows, and in the end both databases, key by key.
//   DIFF_SEED=<n>  replays a run (the seed is in the test name and in every failure)
//   DIFF_N=<n>     number of operations (default 500)
//   DIFF_VERBOSE=1 prints every operation and both outcomes
// (Long by nature: the operation generators and the comparison of every observable belong
// together; split, a reader would have to hold both files to know what is compared.)
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const util = require('util')
const IORedis = require('ioredis')
const { RedisServer } = require('./helpers')
const { rng, sortKey, byKey, sorted, ttlClass, cloneArg, describeArgs, rawPendingIdle, snapshot } = require('./fixtures/differential')
const { Redis } = require('..')

/**
 * Differences that are intentional on our side: an operation they apply to runs on our
 * face only, and must show our behaviour (`check`); ioredis is not asked (it would write
 * something else to its database). Nothing else may be added here without the lead's say.
 */
const DELIBERATE = [
  {
    id: 'lone-surrogate',
    why: 'a string holding a lone UTF-16 surrogate is refused by our face with a TypeError (ioredis sends it as U+FFFD, which would make two different keys alias)',
    applies: (op) => hasLoneSurrogate(op),
    check: (ours) => ours.threw !== undefined || (ours.rejected !== undefined && ours.rejected.chain[0] === 'TypeError'),
  },
]

const SEED = Number(process.env.DIFF_SEED || 20260601)
const COUNT = Number(process.env.DIFF_N || 500)
const VERBOSE = !!process.env.DIFF_VERBOSE

function hasLoneSurrogate(x) {
  if (typeof x === 'string') return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(x)
  if (Array.isArray(x)) return x.some(hasLoneSurrogate)
  if (x instanceof Map) return [...x].some(hasLoneSurrogate)
  if (x && typeof x === 'object' && !Buffer.isBuffer(x)) return Object.entries(x).some(hasLoneSurrogate)
  return false
}

// ---------------------------------------------------------------------------------------
// Normalisers: only for what is inherently nondeterministic. Each says why.

/** The types of a reply's elements (a random reply's shape, when its content cannot be compared). */
function shapeOf(v) {
  if (Buffer.isBuffer(v)) return 'Buffer'
  if (Array.isArray(v)) return v.map(shapeOf)
  if (v === null) return 'null'
  return typeof v
}

/** A random single member (SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / SPOP without count): which one is random. */
function randomOne(v) {
  return v === null ? null : { randomOne: shapeOf(v) }
}

/**
 * A random pick of `count` (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP): which members is
 * random. With a positive count and fewer returned than asked for, it is the whole
 * collection in a random order: compared sorted (pairs kept together). Otherwise only the
 * length and the shape. Whether pairs come flat or nested is always compared.
 */
function randomPick(count, pairs) {
  const norm = (v) => {
    if (!Array.isArray(v)) return v
    const nested = v.some(Array.isArray)
    const groups = pairs && !nested ? v.reduce((acc, x, i) => (i % 2 ? acc[acc.length - 1].push(x) : acc.push([x]), acc), []) : v
    if (count > 0 && groups.length < count) return { nested, all: [...groups].sort(byKey) }
    return { nested, length: v.length, shape: shapeOf(v) }
  }
  norm.label = `randomPick(${count}${pairs ? ', pairs' : ''})`
  return norm
}


// ---------------------------------------------------------------------------------------
// Operations. A command spec is { m, args, norm? }: `client[m](...args)`; it can also be
// queued on a pipeline / multi or issued in a Promise.all batch. A custom op has `run(c)`.

function describe(op) {
  if (op.kind === 'cmd') return `${op.m}(${describeArgs(op.args)})${op.norm ? ` [normalised: ${op.norm.label || op.norm.name}]` : ''}`
  if (op.kind === 'custom') return op.desc
  return `${op.kind}: [ ${op.cmds.map(describe).join(' ; ')} ]`
}

const LUA = {
  nested: "return {KEYS[1], ARGV[1], {1, {2, 'x', {ARGV[2]}}}, redis.call('EXISTS', KEYS[1])}",
  nil: 'return nil',
  errorReply: "return redis.error_reply('MYERR custom failure')",
  status: "return redis.status_reply('FINE')",
  thrown: "error('boom')",
  incr: "return redis.call('INCR', KEYS[1])",
  mixed: 'return {3.99, true, false, -7, "s"}',
  nilInside: "return {1, nil, 'after'}",
  getKey: "return redis.call('GET', KEYS[1])",
  resp3Map: "redis.setresp(3); return redis.call('HGETALL', KEYS[1])",
  resp3Double: "redis.setresp(3); return redis.call('ZSCORE', KEYS[1], ARGV[1])",
  tableMap: "return {map={a=1, b='two'}}",
  tableDouble: 'return {double=3.25}',
  pcallErr: "return redis.pcall('HGET', KEYS[1])",
  bigNumber: "return {big_number='1234567999999999999999999'}",
  verbatim: "return {verbatim_string={format='txt', string='verb'}}",
  luaSet: 'return {set={only=true}}',
  nanDouble: 'return {double=0/0}',
}
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')

// defineCommand'd commands, the same on both clients.
const DEFINED = {
  diffNested: { numberOfKeys: 1, lua: "return {KEYS[1], ARGV[1], {ARGV[2] or 'none', {redis.call('TYPE', KEYS[1])['ok']}}}" },
  diffFail: { numberOfKeys: 1, lua: "return redis.error_reply('DIFFERR ' .. KEYS[1])" },
  diffCall: { numberOfKeys: 1, lua: "return redis.call('LPUSH', KEYS[1], ARGV[1])" },
  diffVar: { lua: 'return {#KEYS, #ARGV, KEYS[1]}' },
}

function generate(rand) {
  const int = (n) => Math.floor(rand() * n)
  const pick = (list) => list[int(list.length)]
  const chance = (p) => rand() < p

  const UNI = ['', ':ü', ':κλειδί', ':😀', ':鍵']
  const TYPES = ['str', 'hash', 'list', 'set', 'zset', 'stream', 'bit', 'hll', 'geo']
  const keyOf = (type, i) => `d:${type}:${i}${UNI[i % UNI.length]}`
  /** A key of `type`'s pool, sometimes another type's (WRONGTYPE and cross-type cases). */
  const key = (type) => (chance(0.05) ? keyOf(pick(TYPES), int(4)) : keyOf(type, int(4)))
  // Values stay short (and hashes small): hashes stay listpacks, whose order (HKEYS, HVALS,
  // HSCAN, HGETALL) is insertion order on both servers; a hash table's would be random.
  const short = () =>
    pick([
      () => `v${int(20)}`,
      () => String(int(100) - 20),
      () => int(1000) - 500,
      () => pick(['1.5', '-2.25', '0.1', '3e2', '10']),
      () => 'ünï😀',
      () => '',
      () => Buffer.from([0xff, 0, int(256), 0x80]),
      () => Buffer.from(`b${int(10)}`),
    ])()
  const field = () => pick(['f0', 'f1', 'f2', 'f3', 'fé', 'f😀', 'n1', 'n2', 'f0', 'f1', 'n1', '__proto__', 'constructor'])
  const member = () => pick(['a', 'b', 'c', 'd', 'e', 'ü', '😀', '1', '2', '30', '-4'])
  const score = () => pick([1, 2, 2.5, -3, 0, 10, 0.1, 1.1, 3.0000000000000004, 1e21, '+inf', '-inf', '(2', 1 / 3, 7, int(100)])
  const odd = () => pick([null, undefined, true, false, 1e21, -1e21, -0, 1.5, NaN, Infinity, 2 ** 53 + 2, 1e-7, 10n, [[1, [2, 'two']], 3], { a: 1 }, new Map([['m', 1]]), { toString: () => 'custom' }, Buffer.alloc(0), Buffer.from('hi'), ''])
  const C = (m, ...args) => ({ kind: 'cmd', m, args })
  const N = (norm, m, ...args) => ({ kind: 'cmd', m, args, norm })
  const coords = [
    [13.361389, 38.115556],
    [15.087269, 37.502669],
    [2.3522, 48.8566],
    [-0.1276, 51.5072],
    [139.6917, 35.6895],
    [-73.9857, 40.7484],
  ]
  const places = ['Palermo', 'Catania', 'Paris', 'London', 'Tokyo', 'NYC']
  const streamIds = new Map()
  const nextId = (k) => {
    const n = (streamIds.get(k) || 0) + 1 + int(3)
    streamIds.set(k, n)
    return `${n}-${int(3)}`
  }
  const ttlOpt = () => pick([[], ['EX', 100 + int(900)], ['PX', 100000 + int(900000)], ['KEEPTTL'], ['EXAT', 4102444800], ['PXAT', 4102444800000]])

  const strings = [
    () => C('set', key('str'), short(), ...ttlOpt(), ...pick([[], ['NX'], ['XX']]), ...(chance(0.3) ? ['GET'] : [])),
    () => C('get', key('str')),
    () => C('getBuffer', key('str')),
    () => C('getex', key('str'), ...pick([[], ['EX', 500], ['PX', 500000], ['PERSIST']])),
    () => C('getdel', key('str')),
    () => C('incr', key('str')),
    () => C('incrby', key('str'), pick([1, -3, 100, 2 ** 40, '7'])),
    () => C('decrby', key('str'), int(10)),
    () => C('incrby', key('str'), pick(['4611686018427387904', '-4611686018427387904', '123456789012345678', 2 ** 60, -(2 ** 55)])),
    () => C('incrbyfloat', key('str'), pick([1.5, '-0.25', 0.1, 3, '1e3', 1 / 3])),
    () => C('append', key('str'), short()),
    () => C('getrange', key('str'), int(5) - 2, int(10) - 3),
    () => C('setrange', key('str'), int(20), short()),
    () => C('strlen', key('str')),
    () => C('mset', { [key('str')]: short(), [key('str')]: short() }),
    () => C('mset', new Map([[key('str'), short()], [key('str'), short()]])),
    () => C('mset', key('str'), short(), key('str'), short()),
    () => C('msetnx', { [key('str')]: short(), [keyOf('str', 4 + int(2))]: short() }),
    () => C('msetnx', new Map([[keyOf('str', 4 + int(3)), short()]])),
    () => C('mget', key('str'), key('str'), key('str')),
    () => C('mget', [key('str'), key('str')]),
    () => C('mgetBuffer', key('str'), key('str')),
    () => N(ttlClass, 'ttl', key('str')),
    () => N(ttlClass, 'pttl', key('str')),
    () => C('persist', key('str')),
    () => C('exists', key('str'), key('hash'), key('list')),
    () => C('type', key(pick(TYPES))),
  ]
  const hashes = [
    () => C('hset', key('hash'), { [field()]: short(), [field()]: short() }),
    () => C('hset', key('hash'), new Map([[field(), short()], [field(), short()]])),
    () => C('hset', key('hash'), field(), short(), field(), short()),
    () => C('hmset', key('hash'), { [field()]: short() }),
    () => C('hsetnx', key('hash'), field(), short()),
    () => C('hget', key('hash'), field()),
    () => C('hmget', key('hash'), field(), field(), field()),
    () => C('hmget', key('hash'), [field(), field()]),
    () => C('hgetall', key('hash')),
    () => C('hgetallBuffer', key('hash')),
    () => C('hincrby', key('hash'), pick(['n1', 'n2', field()]), int(10) - 3),
    () => C('hincrbyfloat', key('hash'), pick(['n1', 'n2', field()]), pick([0.5, -1.25, '2', 0.1])),
    () => C('hdel', key('hash'), field(), field()),
    () => C('hkeys', key('hash')),
    () => C('hvals', key('hash')),
    () => C('hlen', key('hash')),
    () => C('hexists', key('hash'), field()),
    () => C('hstrlen', key('hash'), field()),
    () => N(randomOne, 'hrandfield', key('hash')),
    () => {
      const n = pick([1, 2, 5, 20, -3])
      return N(randomPick(n, false), 'hrandfield', key('hash'), n)
    },
    () => {
      const n = pick([1, 3, 20, -2])
      return N(randomPick(n, true), 'hrandfield', key('hash'), n, 'WITHVALUES')
    },
    () => C('hscan', key('hash'), 0, ...pick([[], ['MATCH', 'f*'], ['COUNT', 100], ['MATCH', 'n*', 'COUNT', 5]])),
    () => C('hscanBuffer', key('hash'), '0'),
  ]
  const lists = [
    () => C('lpush', key('list'), [short(), short()]),
    () => C('rpush', key('list'), short(), [short(), short()]),
    () => C('rpush', key('list'), pick(['a', 'b', 'c']), pick(['a', 'b', 'c']), pick(['a', 'b'])),
    () => C('lpushx', key('list'), short()),
    () => C('lrange', key('list'), int(3) - 1, pick([-1, 2, 10])),
    () => C('lrangeBuffer', key('list'), 0, -1),
    () => C('lpop', key('list'), ...(chance(0.5) ? [pick([1, 2, 5])] : [])),
    () => C('rpop', key('list'), ...(chance(0.5) ? [pick([0, 2, 3])] : [])),
    () => C('lpos', key('list'), pick(['a', 'b', 'c', 'v1']), ...pick([[], ['RANK', pick([1, -1, 2, 0])], ['COUNT', pick([0, 2])], ['RANK', -1, 'COUNT', 0, 'MAXLEN', 10]])),
    () => C('linsert', key('list'), pick(['BEFORE', 'AFTER', 'after']), pick(['a', 'b', 'nope']), short()),
    () => C('lset', key('list'), int(6) - 2, short()),
    () => C('ltrim', key('list'), 0, 5 + int(10)),
    () => C('lmove', key('list'), key('list'), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])),
    () => C('llen', key('list')),
    () => C('lindex', key('list'), int(4) - 2),
    () => C('lrem', key('list'), int(3) - 1, pick(['a', 'b'])),
  ]
  const sets = [
    () => C('sadd', key('set'), member(), member(), member()),
    () => C('sadd', key('set'), [member(), member()]),
    () => C('srem', key('set'), member(), member()),
    () => N(sorted, 'smembers', key('set')),
    () => N(sorted, 'smembersBuffer', key('set')),
    () => C('sismember', key('set'), member()),
    () => C('smismember', key('set'), member(), member(), member()),
    () => C('scard', key('set')),
    () => N(sorted, pick(['sinter', 'sunion', 'sdiff']), key('set'), key('set')),
    () => C(pick(['sinterstore', 'sunionstore', 'sdiffstore']), dest('set'), key('set'), key('set')),
    () => C('sintercard', 2, key('set'), key('set')),
    () => C('smove', key('set'), key('set'), member()),
    () => N(randomOne, 'srandmember', key('set')),
    () => {
      const n = pick([1, 2, 5, 50, -4])
      return N(randomPick(n, false), 'srandmember', key('set'), n)
    },
    () => {
      // SPOP's pick is random: it pops from a scratch copy (so both databases stay equal).
      const src = key('set')
      const n = chance(0.3) ? undefined : pick([1, 2, 3, 50])
      const scratch = 'd:scratch'
      return {
        kind: 'custom',
        desc: `spop on a copy of ${util.inspect(src)}${n === undefined ? '' : ` count ${n}`}`,
        run: async (c) => {
          await c.del(scratch)
          await c.sunionstore(scratch, src)
          const card = await c.scard(scratch)
          const popped = n === undefined ? await c.spop(scratch) : await c.spop(scratch, n)
          const left = await c.scard(scratch)
          await c.del(scratch)
          // Whole-set pops (count >= card) are compared sorted; otherwise length and shape.
          if (n === undefined) return { card, popped: randomOne(popped), left }
          return { card, popped: n >= card ? sorted(popped) : randomPick(n, false)(popped), left }
        },
      }
    },
  ]
  /** A destination for *STORE commands: sometimes a pool key, sometimes one only written to (so the pools keep their data). */
  const dest = (type) => (chance(0.5) ? key(type) : `d:${type}:dest`)
  const zadd = () => C('zadd', key('zset'), ...pick([[], ['NX'], ['XX'], ['GT'], ['LT'], ['GT', 'CH'], ['CH'], ['NX', 'GT']]), score(), member(), score(), member())
  const zsets = [
    zadd,
    zadd,
    () => C('zadd', key('zset'), ...pick([[], ['NX'], ['XX'], ['GT'], ['LT']]), 'INCR', score(), member()),
    () => C('zadd', key('zset'), [score(), member()]),
    () =>
      C(
        'zrange',
        key('zset'),
        ...pick([
          [0, -1],
          [1, 3],
          ['-inf', '+inf', 'BYSCORE'],
          ['(1', 10, 'BYSCORE', 'LIMIT', 0, 2],
          ['+inf', '-inf', 'BYSCORE', 'REV'],
          [0, -1, 'REV'],
          ['[a', '(z', 'BYLEX'],
        ]),
        ...(chance(0.5) ? ['WITHSCORES'] : [])
      ),
    () => C('zrangebyscore', key('zset'), pick(['-inf', 0, '(1']), pick(['+inf', 10, 2.5]), ...(chance(0.5) ? ['WITHSCORES'] : []), ...(chance(0.3) ? ['LIMIT', 0, 3] : [])),
    () => C('zrevrangebyscore', key('zset'), '+inf', '-inf', 'WITHSCORES'),
    () => C('zrevrange', key('zset'), 0, pick([-1, 2]), ...(chance(0.6) ? ['WITHSCORES'] : [])),
    () => C('zrangeBuffer', key('zset'), 0, -1, 'WITHSCORES'),
    () => C('zscore', key('zset'), member()),
    () => C('zmscore', key('zset'), member(), member(), 'nosuch'),
    () => C('zincrby', key('zset'), pick([1, -2.5, 0.1, '3']), member()),
    () => C(pick(['zpopmin', 'zpopmax']), key('zset'), ...(chance(0.6) ? [pick([1, 2, 10])] : [])),
    () => C(pick(['zrank', 'zrevrank']), key('zset'), member()),
    () => C('zcard', key('zset')),
    () => C('zcount', key('zset'), '-inf', pick([2, '(10', '+inf'])),
    () => C('zrem', key('zset'), member()),
    () => C(pick(['zunionstore', 'zinterstore']), dest('zset'), 2, key('zset'), key('zset'), ...(chance(0.5) ? ['WEIGHTS', pick([1, 2, 0.5]), pick([1, -1, 3])] : []), ...(chance(0.5) ? ['AGGREGATE', pick(['SUM', 'MIN', 'MAX'])] : [])),
    () => C('zunion', 2, key('zset'), key('zset'), ...(chance(0.5) ? ['WITHSCORES'] : [])),
    () => N(randomOne, 'zrandmember', key('zset')),
    () => {
      const n = pick([1, 3, 50, -2])
      return N(randomPick(n, true), 'zrandmember', key('zset'), n, 'WITHSCORES')
    },
  ]
  const streamKey = () => (chance(0.9) ? keyOf('stream', int(3)) : key('stream'))
  const streams = [
    () => {
      const k = streamKey()
      return C('xadd', k, ...(chance(0.2) ? ['MAXLEN', pick(['=', '~']), 5] : []), nextId(k), 'f', short(), ...(chance(0.4) ? ['g', short()] : []))
    },
    () => {
      const k = streamKey()
      return C('xadd', k, 'NOMKSTREAM', nextId(k), 'f', 'x')
    },
    () => C('xadd', streamKey(), '0-1', 'f', 'v'),
    () => C('xrange', streamKey(), '-', '+', ...(chance(0.5) ? ['COUNT', 2] : [])),
    () => C('xrevrange', streamKey(), '+', '-', 'COUNT', 3),
    () => C('xrangeBuffer', streamKey(), '-', '+'),
    () => C('xlen', streamKey()),
    () => C('xread', 'COUNT', 2, 'STREAMS', keyOf('stream', 0), keyOf('stream', 1), '0', pick(['0', '2-0'])),
    () => C('xread', 'STREAMS', streamKey(), '0-0'),
    () => C('xgroup', 'CREATE', streamKey(), pick(['g1', 'g2']), pick(['0', '$']), ...(chance(0.7) ? ['MKSTREAM'] : [])),
    () => C('xreadgroup', 'GROUP', pick(['g1', 'g2']), pick(['c1', 'c2']), 'COUNT', pick([1, 2, 5]), 'STREAMS', streamKey(), pick(['>', '>', '0'])),
    () => C('xack', streamKey(), pick(['g1', 'g2']), `${1 + int(8)}-${int(3)}`, `${1 + int(8)}-${int(3)}`),
    () => C('xpending', streamKey(), pick(['g1', 'g2'])),
    () => N(rawPendingIdle, 'xpending', streamKey(), pick(['g1', 'g2']), '-', '+', 10),
    () => C('xautoclaim', streamKey(), pick(['g1', 'g2']), pick(['c1', 'c3']), 0, '0-0', 'COUNT', pick([1, 5])),
    () => C('xtrim', streamKey(), ...pick([['MAXLEN', pick([3, 10])], ['MINID', `${2 + int(5)}-0`], ['MAXLEN', '=', 4]])),
    () => C('xdel', streamKey(), `${1 + int(8)}-${int(3)}`),
    () => C('xinfo', 'STREAM', streamKey()),
    () => C('xinfo', 'GROUPS', streamKey()),
  ]
  const bits = [
    () => C('setbit', key('bit'), int(100), int(2)),
    () => C('getbit', key('bit'), int(100)),
    () => C('bitcount', key('bit'), ...pick([[], [0, -1], [1, 3], [0, 20, 'BIT'], [0, 2, 'BYTE'], [-2, -1, 'bit']])),
    () => C('bitpos', key('bit'), int(2), ...pick([[], [1], [0, -1], [2, 40, 'BIT'], [0, 3, 'BYTE']])),
    () => C('bitop', pick(['AND', 'OR', 'XOR']), dest('bit'), key('bit'), key('bit')),
    () => C('bitop', 'NOT', key('bit'), key('bit')),
    () => C('bitfield', key('bit'), 'SET', 'u8', `#${int(4)}`, int(300), 'GET', pick(['i4', 'u3', 'i8']), int(20), ...(chance(0.5) ? ['OVERFLOW', pick(['WRAP', 'SAT', 'FAIL'])] : []), 'INCRBY', 'u2', int(50), int(5)),
    () => C('bitfield_ro', key('bit'), 'GET', 'u8', 0, 'GET', 'i16', 3),
  ]
  const hll = [
    () => C('pfadd', key('hll'), member(), member(), short()),
    () => C('pfadd', key('hll')),
    () => C('pfcount', key('hll'), ...(chance(0.4) ? [key('hll')] : [])),
    () => C('pfmerge', dest('hll'), key('hll'), key('hll')),
  ]
  const geoadd = () => {
    const i = int(places.length)
    const j = int(places.length)
    return C('geoadd', key('geo'), ...pick([[], ['NX'], ['XX'], ['CH']]), ...coords[i], places[i], ...coords[j], places[j])
  }
  const geos = [
    geoadd,
    geoadd,
    () => C('geoadd', key('geo'), 200, 100, 'bad'),
    () => C('geodist', key('geo'), pick(places), pick(places), ...(chance(0.6) ? [pick(['km', 'mi', 'm', 'ft'])] : [])),
    () => C('geopos', key('geo'), pick(places), 'nowhere', pick(places)),
    () => C('geohash', key('geo'), pick(places), 'nowhere'),
    () =>
      C(
        'geosearch',
        key('geo'),
        ...(chance(0.5) ? ['FROMMEMBER', pick(places)] : ['FROMLONLAT', 12, 42]),
        ...(chance(0.5) ? ['BYRADIUS', pick([500, 2000, 20000]), 'km'] : ['BYBOX', 4000, 4000, 'km']),
        ...pick([[], ['ASC'], ['DESC'], ['ASC', 'COUNT', 2]]),
        ...(chance(0.5) ? ['WITHCOORD'] : []),
        ...(chance(0.5) ? ['WITHDIST'] : []),
        ...(chance(0.3) ? ['WITHHASH'] : [])
      ),
    () => C('geosearchstore', dest('zset'), key('geo'), 'FROMLONLAT', 12, 42, 'BYRADIUS', 3000, 'km', 'ASC', ...(chance(0.5) ? ['STOREDIST'] : [])),
  ]
  const scripts = [
    () => {
      const name = pick(Object.keys(LUA))
      return C('eval', LUA[name], 1, key(pick(['str', 'hash', 'zset'])), pick(['arg', 'a', 1.5]), short())
    },
    () => C('eval', LUA.nested, 0),
    () => C('evalBuffer', LUA[pick(Object.keys(LUA))], 1, key(pick(['str', 'hash', 'zset'])), 'a', short()),
    () => C('evalsha', sha1(LUA[pick(Object.keys(LUA))]), 1, key('str'), 'a', 'b'),
    () => C('script', 'LOAD', LUA[pick(Object.keys(LUA))]),
    () => C('script', 'EXISTS', sha1(LUA.nil), sha1(LUA.nested), sha1('return 0')),
    () => (chance(0.15) ? C('script', 'FLUSH') : C('script', 'EXISTS', sha1(DEFINED.diffNested.lua))),
    () => C('diffNested', key('list'), short(), ...(chance(0.5) ? [short()] : [])),
    () => C('diffNestedBuffer', key('str'), 'x', 'y'),
    () => C('diffFail', key('str')),
    () => C('diffCall', key('list'), short()),
    () => C('diffVar', 2, key('str'), key('hash'), 'a1'),
  ]
  const calls = [
    () => C('call', 'HGETALL', key('hash')),
    () => C('call', 'hgetall', key('hash')),
    () => C('call', 'HGetAll', key('hash')),
    () => C('call', pick(['ZRANGE', 'zrange']), key('zset'), 0, -1, 'WITHSCORES'),
    () => C('call', pick(['XREAD', 'xread']), 'STREAMS', keyOf('stream', 0), '0'),
    () => C('call', pick(['hset', 'HSET']), key('hash'), { [field()]: short() }),
    () => C('call', pick(['MSET', 'mset']), new Map([[key('str'), 'm1']])),
    () => C('call', 'SET', key('str'), short()),
    () => C('callBuffer', 'GET', key('str')),
    () => C('callBuffer', pick(['HGETALL', 'hgetall']), key('hash')),
    () => C('callBuffer', 'ZRANGE', key('zset'), 0, -1, 'WITHSCORES'),
    () => C('call', 'ECHO', short()),
    // Every RESP3 reply type the server can send (DEBUG PROTOCOL), as a string and as Buffers.
    () => C(pick(['call', 'callBuffer']), 'DEBUG', 'PROTOCOL', pick(['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false'])),
    () => N(randomPick(3, true), 'call', pick(['HRANDFIELD', 'hrandfield']), key('hash'), 3, 'WITHVALUES'),
    () => C('call', pick(['ZPOPMIN', 'Zpopmax']), key('zset'), 2),
    () => C('call', pick(['ZUNION', 'zunion']), 2, key('zset'), key('zset'), 'WITHSCORES'),
    () => C('call', 'XREADGROUP', 'GROUP', 'g1', 'c1', 'COUNT', 2, 'STREAMS', streamKey(), '0'),
    () => C('call', 'CONFIG', 'GET', 'maxmemory-policy'),
  ]
  const errors = [
    () => C('call', 'NOSUCHCMD', key('str'), 'x'),
    () => C('call', 'get'),
    () => C('get'),
    () => C('set', key('str')),
    () => C('hset', key('hash')),
    () => C('hset', key('hash'), 'only-field'),
    () => C('set', key('str'), 'v', 'EX', 'abc'),
    () => C('set', key('str'), 'v', 'NX', 'XX'),
    () => C('zadd', key('zset'), 'NX', 'XX', 1, 'm'),
    () => C('zadd', key('zset'), 'GT', 'NX', 1, 'm'),
    () => C('zrange', key('zset'), 0, 1, 'LIMIT', 1),
    () => C('lpos', key('list'), 'a', 'RANK', 0),
    () => C('incr', pick([key('hash'), key('list'), keyOf('str', 0)])),
    () => C('xgroup', 'CREATE', 'd:nostream', 'g', '0'),
    () => C('hincrby', key('hash'), field(), 'notanumber'),
    () => C('getrange', key('str'), 'a', 'b'),
    () => C('mset', key('str')),
    () => C('mset', {}),
    () => C('hset', key('hash'), new Map()),
  ]
  const oddArgs = [
    () => C('echo', odd()),
    () => C('echoBuffer', odd()),
    () => C('set', key('str'), odd()),
    () => C('set', key('str'), odd(), ...(chance(0.5) ? ['EX', pick([100, 1e21, 1.5, null, '200'])] : [])),
    () => C('rpush', key('list'), odd(), 'x'),
    () => C('hset', key('hash'), field(), odd()),
    () => C('hset', key('hash'), odd()),
    () => C('hset', key('hash'), [[field(), 'nested']]),
    () => C('hset', key('hash'), { [field()]: odd(), [field()]: odd() }),
    () => C('mset', { [key('str')]: odd() }),
    () => C('mset', odd()),
    () => C('sadd', key('set'), [[member(), [member()]], member()]),
    () => C('zadd', key('zset'), odd(), member()),
    () => C('incrby', key('str'), odd()),
    () => C('incrbyfloat', key('str'), odd()),
    () => C('getrange', key('str'), odd(), odd()),
    () => C('mget', [[key('str'), [key('str')]]]),
    () => C(pick(['get', 'exists', 'del']), odd()),
    () => C('hget', key('hash'), odd()),
    () => C('lrange', key('list'), -0, odd()),
    () => C('call', 'ECHO', odd()),
    () => C('call', pick(['SET', 'set']), key('str'), odd()),
    () => C('echo', pick(['\uD800', 'a\uDC00b', 'ok\uD83D'])),
    () => C('set', pick(['\uD83Dkey', 'k\uDFFF']), 'v'),
  ]
  const keysOps = [
    () => C('del', key(pick(TYPES)), key(pick(TYPES))),
    () => C('unlink', key(pick(TYPES))),
    () => {
      const type = pick(TYPES)
      return C('copy', key(type), key(type), ...(chance(0.5) ? ['REPLACE'] : []))
    },
    () => C('dbsize'),
    () => C('object', 'ENCODING', key(pick(TYPES))),
    () => C('expire', key(pick(TYPES)), 1000 + int(1000), ...(chance(0.3) ? ['NX'] : [])),
    // GT / LT compare with the current expiry: absolute times only (relative ones were set a few ms apart).
    () => C('expireat', key(pick(TYPES)), 4102444800 + int(1000), ...pick([[], ['NX'], ['XX'], ['GT'], ['LT']])),
    () => C('ping', ...(chance(0.5) ? [short()] : [])),
  ]
  const groups = [
    [strings, 14],
    [hashes, 12],
    [lists, 9],
    [sets, 8],
    [zsets, 10],
    [streams, 10],
    [bits, 5],
    [hll, 3],
    [geos, 5],
    [scripts, 7],
    [calls, 6],
    [errors, 6],
    [oddArgs, 8],
    [keysOps, 4],
  ]
  const total = groups.reduce((s, [, w]) => s + w, 0)
  const command = () => {
    let r = rand() * total
    for (const [gens, w] of groups) {
      if ((r -= w) < 0) return pick(gens)()
    }
    return pick(strings)()
  }
  /** A command that can be queued (no lone surrogate: that one is ours alone, see DELIBERATE). */
  const queueable = () => {
    for (;;) {
      const c = command()
      if (c.kind === 'cmd' && !hasLoneSurrogate(c.args)) return c
    }
  }

  const ops = []
  while (ops.length < COUNT) {
    const r = rand()
    if (r < 0.06) {
      ops.push({ kind: 'pipeline', cmds: Array.from({ length: int(9) }, queueable) })
    } else if (r < 0.1) {
      const cmds = Array.from({ length: int(6) }, queueable)
      const v = int(4)
      if (v === 1) {
        // A command that fails when EXEC runs it (WRONGTYPE), the others still run.
        const k = keyOf('list', int(4))
        cmds.splice(int(cmds.length + 1), 0, C('rpush', k, 'x'), C('incr', k))
      } else if (v === 2) {
        // A command the server refuses as it is queued: EXECABORT, with previousErrors.
        cmds.splice(int(cmds.length + 1), 0, pick([C('call', 'get'), C('call', 'NOSUCHCMD', 'x'), C('set', 'd:str:0')]))
      }
      ops.push({ kind: 'multi', cmds })
    } else if (r < 0.15) {
      ops.push({ kind: 'batch', cmds: Array.from({ length: 2 + int(6) }, queueable) })
    } else {
      ops.push(command())
    }
  }
  return ops
}

// ---------------------------------------------------------------------------------------
// Running and comparing.

/**
 * What is compared of an error: class chain (constructor names), name, message, command,
 * previousErrors, and which other own enumerable properties it has (our `code` left out).
 */
function describeError(e) {
  if (!(e instanceof Error)) return { notAnError: util.inspect(e) }
  const chain = []
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) chain.push(p.constructor ? p.constructor.name : '?')
  const d = { chain, name: e.name, message: e.message, ownKeys: Object.keys(e).filter((k) => k !== 'code').sort() }
  if ('command' in e) d.command = e.command
  if ('previousErrors' in e) d.previousErrors = Array.isArray(e.previousErrors) ? e.previousErrors.map((x) => (x instanceof Error ? x.message : util.inspect(x))) : e.previousErrors
  return d
}

/** Runs `fn` and says how it went: { resolved } | { rejected } | { threw } (synchronously). */
async function settle(fn, norm) {
  let p
  try {
    p = fn()
  } catch (e) {
    return { threw: describeError(e) }
  }
  try {
    const v = await p
    return { resolved: norm ? norm(v) : v }
  } catch (e) {
    return { rejected: describeError(e) }
  }
}

const invoke = (c, cmd) => {
  if (typeof c[cmd.m] !== 'function') throw new TypeError(`no method ${cmd.m}`)
  return c[cmd.m](...cloneArg(cmd.args))
}

/** Pipeline / multi rows: [err] or [null, value]; errors described, values normalised per command. */
function rows(cmds) {
  return (result) => {
    if (!Array.isArray(result)) return result
    return result.map((row, i) => {
      if (!Array.isArray(row)) return { notARow: util.inspect(row) }
      const norm = cmds[i] && cmds[i].norm
      return row.map((x, j) => (j === 0 ? (x ? describeError(x) : x) : norm ? norm(x) : x))
    })
  }
}

async function runOp(c, op) {
  switch (op.kind) {
    case 'cmd':
      return settle(() => invoke(c, op), op.norm)
    case 'custom':
      return settle(() => op.run(c))
    case 'pipeline':
    case 'multi':
      if (op.kind === 'multi') await loadDefinedIn(c, op)
      return settle(() => {
        const p = op.kind === 'multi' ? c.multi() : c.pipeline()
        for (const cmd of op.cmds) {
          if (typeof p[cmd.m] !== 'function') throw new TypeError(`no pipeline method ${cmd.m}`)
          p[cmd.m](...cloneArg(cmd.args))
        }
        return p.exec()
      }, rows(op.cmds))
    case 'batch':
      // Issued in one tick: one auto-pipelined batch on our side.
      return { resolved: await Promise.all(op.cmds.map((cmd) => settle(() => invoke(c, cmd), cmd.norm))) }
  }
  throw new Error(`unknown op kind ${op.kind}`)
}

const show = (x) => util.inspect(x, { depth: 8, breakLength: 140, maxArrayLength: 50, maxStringLength: 200 })

/**
 * Deliberate (README, "Deliberate differences"): inside multi() our defined commands go out
 * as EVAL, so they run even when the server lost the script; ioredis sends EVALSHA once its
 * socket has sent the script, and the transaction's row is then NOSCRIPT. The two agree
 * whenever the server has the script, so before a multi() holding a defined command the
 * script is loaded on both servers, and the comparison covers everything else.
 */
async function loadDefinedIn(c, op) {
  // (A SCRIPT FLUSH queued in the same transaction would make the same difference.)
  if (op.cmds.some((cmd) => DEFINED[String(cmd.m).replace(/Buffer$/, '')])) op.cmds = op.cmds.filter((cmd) => !(cmd.m === 'script' && String(cmd.args[0]).toUpperCase() === 'FLUSH'))
  for (const cmd of op.cmds) {
    const base = String(cmd.m).replace(/Buffer$/, '')
    if (DEFINED[base]) await c.script('LOAD', DEFINED[base].lua)
  }
}

function defineAll(c) {
  for (const [name, def] of Object.entries(DEFINED)) c.defineCommand(name, def)
}

// ---------------------------------------------------------------------------------------

let servers = []
const mismatches = []
let ioClient
let ourClient

test.before(async () => {
  servers = [await RedisServer.start(), await RedisServer.start()]
  ioClient = new IORedis({ port: servers[0].port })
  ourClient = new Redis({ port: servers[1].port })
  ioClient.on('error', () => {})
  ourClient.on('error', () => {})
  defineAll(ioClient)
  defineAll(ourClient)
  await Promise.all([ioClient.ping(), ourClient.ping()])
})

test.after(async () => {
  if (ioClient) ioClient.disconnect()
  if (ourClient) await ourClient.quit().catch(() => {})
  for (const s of servers) await s.stop()
})

test(`differential vs ioredis 6: ${COUNT} seeded random operations (DIFF_SEED=${SEED})`, { timeout: 120_000 }, async () => {
  const ops = generate(rng(SEED))
  const deliberateMisses = []
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]
    const deliberate = DELIBERATE.find((d) => d.applies(op.kind === 'cmd' ? op.args : []))
    if (deliberate) {
      // Ours only (see DELIBERATE): it must show our intended behaviour.
      const ours = await runOp(ourClient, op)
      if (VERBOSE) console.log(`#${i} [${deliberate.id}] ${describe(op)}\n  ours: ${show(ours)}`)
      if (!deliberate.check(ours)) deliberateMisses.push(`#${i} ${describe(op)} (${deliberate.id}): ours ${show(ours)}`)
      continue
    }
    const theirs = await runOp(ioClient, op)
    const ours = await runOp(ourClient, op)
    if (VERBOSE) console.log(`#${i} ${describe(op)}\n  ioredis: ${show(theirs)}\n  ours:    ${show(ours)}`)
    if (!util.isDeepStrictEqual(theirs, ours)) mismatches.push({ i, op: describe(op), theirs, ours })
  }
  // The first ones are the causes; later ones may follow from a database that already differs.
  const SHOWN = 60
  const report = mismatches.slice(0, SHOWN).map((m) => `#${m.i} ${m.op}\n  ioredis: ${show(m.theirs)}\n  ours:    ${show(m.ours)}`)
  if (mismatches.length > SHOWN) report.push(`... and ${mismatches.length - SHOWN} more (#${mismatches.slice(SHOWN).map((m) => m.i).join(', #')})`)
  assert.equal(deliberateMisses.length, 0, `DELIBERATE differences not behaving as intended (DIFF_SEED=${SEED}):\n${deliberateMisses.join('\n')}`)
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${ops.length} operations differ from ioredis 6 (replay: DIFF_SEED=${SEED} DIFF_N=${COUNT}):\n\n${report.join('\n\n')}`)
})

test(`differential vs ioredis 6: both databases hold the same keys and contents afterwards (DIFF_SEED=${SEED})`, async () => {
  const [theirs, ours] = [await snapshot(servers[0].port), await snapshot(servers[1].port)]
  const byKey = (list) => new Map(list.map((e) => [e.keyBytes.toString('hex'), e]))
  const a = byKey(theirs)
  const b = byKey(ours)
  const diffs = []
  for (const hex of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(hex)
    const y = b.get(hex)
    if (!util.isDeepStrictEqual(x, y)) diffs.push(`key ${show((x || y).key)} (${hex})\n  ioredis' db: ${show(x)}\n  our db:      ${show(y)}`)
  }
  assert.equal(diffs.length, 0, `${diffs.length} keys differ between the databases (replay: DIFF_SEED=${SEED} DIFF_N=${COUNT}${mismatches.length ? `; ${mismatches.length} operations already differed` : ''}):\n\n${diffs.join('\n\n')}`)
})
