'use strict'
// Differential test against real node-redis 5 (@redis/client 5.12.1, RESP2, its default): the
// same seeded random sequence of operations runs on node-redis (the reference) and on our
// node-redis face, each against a redis-server of its own, and everything observable is
// compared: resolved values (prototypes included: node-redis' maps are null-prototype
// objects; Buffers as Buffers), rejections (class chain, name, message and own properties,
// e.g. MultiErrorReply's replies / errorIndexes, recursively; our extra `code` is ignored),
// synchronous throws (a throw is not a rejection), multi().exec() and
// multi().execAsPipeline() results, Promise.all batches, and in the end both databases, key
// by key.
//   DIFF_SEED=<n>  replays a run (the seed is in the test name and in every failure)
//   DIFF_N=<n>     number of operations (default 500)
//   DIFF_VERBOSE=1 prints every operation and both outcomes
// (Long by nature: the operation generators and the comparison of every observable belong
// together; split, a reader would have to hold both files to know what is compared.)
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const util = require('util')
const nodeRedis = require('@redis/client')
const NR_COMMANDS = require('@redis/client/dist/lib/commands').default
const { BasicCommandParser } = require('@redis/client/dist/lib/client/parser')
const encodeCommand = require('@redis/client/dist/lib/RESP/encoder').default
const { RedisServer } = require('./helpers')
const { rng, sortKey, byKey, sorted, ttlClass, cloneArg, describeArgs, CLOCK_FIELDS, snapshot } = require('./fixtures/differential')
const ours = require('..')

/**
 * Differences that are intentional on our side. Nothing else may be added here without the
 * lead's say.
 *  - `applies(op)` + `check(ours)`: the operation runs on our face only and must show our
 *    behaviour; node-redis is not asked (it would write something else to its database).
 *  - `applies(op)` + `reference(op)` + `check(ours, theirs)`: node-redis runs `reference(op)`
 *    instead (what our face is meant to do), and the two outcomes are checked.
 *  - `describeError(e, d)`: how a rejection / throw is compared.
 */
const DELIBERATE = [
  {
    id: 'lone-surrogate',
    why: 'a string holding a lone UTF-16 surrogate is refused by our face with a TypeError (node-redis sends it as U+FFFD, which would make two different keys alias)',
    applies: (op) => op.kind === 'cmd' && hasLoneSurrogate(op.args),
    check: (o) => (o.threw || o.rejected || { chain: [] }).chain[0] === 'TypeError',
  },
  {
    id: 'number-as-string',
    why: 'a plain number where node-redis expects a string (node-redis throws a TypeError) is accepted by our face and sent as String(n)',
    applies: (op) => op.kind === 'cmd' && op.numberAsString === true && nodeRedisRefuses(op.m, op.args),
    reference: (op) => ({ ...op, args: numbersToStrings(op.args), numberAsString: false }),
    check: (o, theirs) => util.isDeepStrictEqual(o, theirs),
  },
  {
    id: 'type-error-message',
    why: "the messages of the TypeErrors for arguments node-redis refuses are ours (node-redis' come from its parser or its RESP encoder): only that it is a TypeError is compared",
    describeError: (e, d) => (d.chain[0] === 'TypeError' ? { chain: d.chain, typeError: true } : d),
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

/** Every plain number (at any depth) as String(n). */
function numbersToStrings(x) {
  if (typeof x === 'number') return String(x)
  if (Array.isArray(x)) return x.map(numbersToStrings)
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [numbersToStrings(k), numbersToStrings(v)]))
  if (x && typeof x === 'object' && !Buffer.isBuffer(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, numbersToStrings(v)]))
  return x
}

/** Whether node-redis' own parser + RESP encoder refuse `m(...args)` (no server needed). */
function nodeRedisRefuses(m, args) {
  try {
    if (m === 'sendCommand') encodeCommand(cloneArg(args[0]))
    else {
      const parser = new BasicCommandParser()
      NR_COMMANDS[m].parseCommand(parser, ...cloneArg(args))
      encodeCommand(parser.redisArgs)
    }
    return false
  } catch {
    return true
  }
}

// ---------------------------------------------------------------------------------------
// Normalisers: only for what is inherently nondeterministic. Each says why.

/** The types of a reply's elements (a random reply's shape, when its content cannot be compared). */
function shapeOf(v) {
  if (Buffer.isBuffer(v)) return 'Buffer'
  if (Array.isArray(v)) return v.map(shapeOf)
  if (v === null) return 'null'
  if (typeof v === 'object') {
    const out = Object.create(Object.getPrototypeOf(v))
    for (const k of Object.keys(v)) out[k] = shapeOf(v[k])
    return out
  }
  return typeof v
}

/** A random single member (SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / SPOP without count): which one is random. */
function randomOne(v) {
  return v === null ? null : { randomOne: shapeOf(v) }
}

/**
 * A random pick of `count` (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP): which members is
 * random. With a positive count and fewer returned than asked for, it is the whole
 * collection in a random order: compared sorted (node-redis' { field, value } / { value,
 * score } objects keep pairs together). Otherwise only the length and the shape.
 */
function randomPick(count) {
  const norm = (v) => {
    if (!Array.isArray(v)) return v
    if (count > 0 && v.length < count) return { all: [...v].sort(byKey) }
    return { length: v.length, shape: shapeOf(v) }
  }
  norm.label = `randomPick(${count})`
  return norm
}

/** `obj` with `key` replaced by `value` (`undefined`: dropped), prototype and key order kept. */
function replaced(obj, keys, fn) {
  const out = Object.create(Object.getPrototypeOf(obj))
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) out[k] = obj[k]
    else if (fn) out[k] = fn(obj[k])
  }
  return out
}

/** xPendingRange's rows: millisecondsSinceLastDelivery is a clock reading (its type is compared). */
function pendingIdle(v) {
  return Array.isArray(v) ? v.map((row) => (row && typeof row === 'object' && !Array.isArray(row) ? replaced(row, ['millisecondsSinceLastDelivery'], (x) => typeof x) : row)) : v
}

/** Clock readings in XINFO replies: dropped (the brief: "drop clock fields"). */
function dropClock(v) {
  if (Array.isArray(v)) return v.map(dropClock)
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return replaced(v, CLOCK_FIELDS)
  return v
}

// ---------------------------------------------------------------------------------------
// Operations. A command spec is { kind: 'cmd', m, args, norm?, typed? }: `client[m](...args)`
// (on `client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })` when `typed`); it can
// also be queued on a multi() or issued in a Promise.all batch. A custom op has `run(c)`.

const TYPED = 'withTypeMapping({ [BLOB_STRING]: Buffer })'

function describe(op) {
  if (op.kind === 'cmd') return `${op.typed ? TYPED + '.' : ''}${op.m}(${describeArgs(op.args)})${op.norm ? ` [normalised: ${op.norm.label || op.norm.name}]` : ''}`
  if (op.kind === 'custom') return op.desc
  return `${op.typed ? TYPED + '.' : ''}${op.kind}: [ ${op.cmds.map(describe).join(' ; ')} ]`
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
  argCount: 'return {#KEYS, #ARGV}',
}
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')

function generate(rand) {
  const int = (n) => Math.floor(rand() * n)
  const pick = (list) => list[int(list.length)]
  const chance = (p) => rand() < p

  const UNI = ['', ':ü', ':κλειδί', ':😀', ':鍵']
  const TYPES = ['str', 'hash', 'list', 'set', 'zset', 'stream', 'bit', 'hll', 'geo']
  const keyOf = (type, i) => `d:${type}:${i}${UNI[i % UNI.length]}`
  /** A key of `type`'s pool, sometimes another type's (WRONGTYPE and cross-type cases); sometimes as a Buffer. */
  const key = (type) => {
    const k = chance(0.05) ? keyOf(pick(TYPES), int(4)) : keyOf(type, int(4))
    return chance(0.05) ? Buffer.from(k) : k
  }
  // Values stay short (and hashes small): hashes stay listpacks, whose order (HKEYS, HVALS,
  // HSCAN, HGETALL) is insertion order on both servers; a hash table's would be random.
  // Strings and Buffers only: node-redis refuses a number where it expects a string (see
  // DELIBERATE 'number-as-string'; numbers are generated only where node-redis converts them).
  const short = () =>
    pick([
      () => `v${int(20)}`,
      () => String(int(100) - 20),
      () => pick(['1.5', '-2.25', '0.1', '3e2', '10']),
      () => 'ünï😀',
      () => '',
      () => Buffer.from([0xff, 0, int(256), 0x80]),
      () => Buffer.from(`b${int(10)}`),
    ])()
  /** Where node-redis converts numbers itself (SET's and HSET's values): numbers too. */
  const shortOrNumber = () => (chance(0.25) ? pick([int(1000) - 500, 1.5, -0.25, 1e21, 2 ** 53 + 2, 1e-7, -0]) : short())
  const field = () => pick(['f0', 'f1', 'f2', 'f3', 'fé', 'f😀', 'n1', 'n2', 'f0', 'f1', 'n1', '__proto__', 'constructor'])
  const member = () => pick(['a', 'b', 'c', 'd', 'e', 'ü', '😀', '1', '2', '30', '-4'])
  const score = () => pick([1, 2, 2.5, -3, 0, 10, 0.1, 1.1, 3.0000000000000004, 1e21, Infinity, -Infinity, '+inf', '-inf', 1 / 3, 7, int(100)])
  /** Values node-redis refuses where it expects a string (never a plain number: see DELIBERATE). */
  const odd = () => pick([null, undefined, true, false, 10n, [[1, [2, 'two']], 3], ['x', ['y']], { a: 1 }, new Map([['m', '1']]), { toString: () => 'custom' }, new Date(0), Symbol('s')])
  const C = (m, ...args) => ({ kind: 'cmd', m, args })
  const N = (norm, m, ...args) => ({ kind: 'cmd', m, args, norm })
  const T = (m, ...args) => ({ kind: 'cmd', m, args, typed: true })
  const TN = (norm, m, ...args) => ({ kind: 'cmd', m, args, norm, typed: true })
  const D = (m, ...args) => ({ kind: 'cmd', m, args, numberAsString: true })
  const coords = [
    [13.361389, 38.115556],
    [15.087269, 37.502669],
    [2.3522, 48.8566],
    [-0.1276, 51.5072],
    [139.6917, 35.6895],
    [-73.9857, 40.7484],
  ]
  const places = ['Palermo', 'Catania', 'Paris', 'London', 'Tokyo', 'NYC']
  const place = (i) => ({ longitude: coords[i][0], latitude: coords[i][1], member: places[i] })
  const streamIds = new Map()
  const nextId = (k) => {
    const n = (streamIds.get(k) || 0) + 1 + int(3)
    streamIds.set(k, n)
    return `${n}-${int(3)}`
  }

  // SET's options: expiry (both spellings), condition (both spellings), GET.
  const setOptions = () => {
    const o = {}
    Object.assign(
      o,
      pick([
        {},
        {},
        { EX: 100 + int(900) },
        { PX: 100000 + int(900000) },
        { EXAT: 4102444800 },
        { PXAT: 4102444800000 },
        { KEEPTTL: true },
        { expiration: { type: 'EX', value: 100 + int(900) } },
        { expiration: { type: 'PX', value: 100000 } },
        { expiration: { type: 'EXAT', value: 4102444800 } },
        { expiration: { type: 'KEEPTTL' } },
        { expiration: 'KEEPTTL' },
      ])
    )
    Object.assign(o, pick([{}, {}, { condition: 'NX' }, { condition: 'XX' }, { NX: true }, { XX: true }]))
    if (chance(0.3)) o.GET = true
    return Object.keys(o).length === 0 && chance(0.5) ? [] : [o]
  }

  const strings = [
    () => C('set', key('str'), shortOrNumber(), ...setOptions()),
    () => C('set', key('str'), shortOrNumber(), ...setOptions()),
    () => C('get', key('str')),
    () => T('get', key('str')),
    () => C('getEx', key('str'), pick([{ type: 'EX', value: 500 }, { EX: 500 }, { PX: 500000 }, { type: 'PERSIST' }, { PERSIST: true }, { EXAT: 4102444800 }, { type: 'PXAT', value: 4102444800000 }])),
    () => C('getDel', key('str')),
    () => C('incr', key('str')),
    () => C('incrBy', key('str'), pick([1, -3, 100, 2 ** 40, '7', 2 ** 60, -(2 ** 55), '4611686018427387904', '-4611686018427387904'])),
    () => C('decrBy', key('str'), int(10)),
    () => C('incrByFloat', key('str'), pick([1.5, '-0.25', 0.1, 3, '1e3', 1 / 3])),
    () => C('append', key('str'), short()),
    () => C('getRange', key('str'), int(5) - 2, int(10) - 3),
    () => C('setRange', key('str'), int(20), short()),
    () => C('strLen', key('str')),
    () => C('mSet', { [keyOf('str', int(4))]: short(), [keyOf('str', int(4))]: short() }),
    () => C('mSet', [[key('str'), short()], [key('str'), short()]]),
    () => C('mSet', [key('str'), short(), key('str'), short()]),
    () => C('mSetNX', { [keyOf('str', int(4))]: short(), [keyOf('str', 4 + int(2))]: short() }),
    () => C('mSetNX', [[keyOf('str', 4 + int(3)), short()]]),
    () => C('mGet', [key('str'), key('str'), key('str')]),
    () => T('mGet', [key('str'), key('str')]),
    () => C('mGet', key('str')),
    () => N(ttlClass, 'ttl', key('str')),
    () => N(ttlClass, 'pTTL', key('str')),
    () => C('persist', key('str')),
    () => C('exists', [key('str'), key('hash'), key('list')]),
    () => C('type', key(pick(TYPES))),
  ]
  const hashes = [
    () => C('hSet', key('hash'), { [field()]: shortOrNumber(), [field()]: shortOrNumber() }),
    () => C('hSet', key('hash'), new Map([[field(), shortOrNumber()], [field(), shortOrNumber()]])),
    () => C('hSet', key('hash'), field(), shortOrNumber()),
    () => C('hSet', key('hash'), [[field(), short()], [field(), short()]]),
    () => C('hSet', key('hash'), [field(), short(), field(), short()]),
    () => C('hSetNX', key('hash'), field(), short()),
    () => C('hGet', key('hash'), field()),
    () => T('hGet', key('hash'), field()),
    () => C('hmGet', key('hash'), [field(), field(), field()]),
    () => C('hmGet', key('hash'), field()),
    () => C('hGetAll', key('hash')),
    () => T('hGetAll', key('hash')),
    () => C('hIncrBy', key('hash'), pick(['n1', 'n2', field()]), int(10) - 3),
    () => C('hIncrByFloat', key('hash'), pick(['n1', 'n2', field()]), pick([0.5, -1.25, '2', 0.1])),
    () => C('hDel', key('hash'), [field(), field()]),
    () => C('hDel', key('hash'), field()),
    () => C('hKeys', key('hash')),
    () => C('hVals', key('hash')),
    () => T('hVals', key('hash')),
    () => C('hLen', key('hash')),
    () => C('hExists', key('hash'), field()),
    () => C('hStrLen', key('hash'), field()),
    () => N(randomOne, 'hRandField', key('hash')),
    () => {
      const n = pick([1, 2, 5, 20, -3])
      return N(randomPick(n), 'hRandFieldCount', key('hash'), n)
    },
    () => {
      const n = pick([1, 3, 20, -2])
      return N(randomPick(n), 'hRandFieldCountWithValues', key('hash'), n)
    },
    () => {
      const n = pick([3, 20])
      return TN(randomPick(n), 'hRandFieldCountWithValues', key('hash'), n)
    },
    () => C('hScan', key('hash'), '0', ...pick([[], [{ MATCH: 'f*' }], [{ COUNT: 100 }], [{ MATCH: 'n*', COUNT: 5 }]])),
    () => T('hScan', key('hash'), '0'),
  ]
  const lists = [
    () => C('lPush', key('list'), [short(), short()]),
    () => C('lPush', key('list'), short()),
    () => C('rPush', key('list'), [short(), short(), short()]),
    () => C('rPush', key('list'), [pick(['a', 'b', 'c']), pick(['a', 'b', 'c']), pick(['a', 'b'])]),
    () => C('lPushX', key('list'), short()),
    () => C('lRange', key('list'), int(3) - 1, pick([-1, 2, 10])),
    () => T('lRange', key('list'), 0, -1),
    () => C(pick(['lPop', 'rPop']), key('list')),
    () => C(pick(['lPopCount', 'rPopCount']), key('list'), pick([1, 2, 5])),
    () => C('lPos', key('list'), pick(['a', 'b', 'c', 'v1']), ...pick([[], [{ RANK: pick([1, -1, 2]) }], [{ MAXLEN: 10 }], [{ RANK: -1, MAXLEN: 10 }]])),
    () => C('lPosCount', key('list'), pick(['a', 'b', 'c']), pick([0, 2]), ...pick([[], [{ RANK: pick([1, -1, 2]) }], [{ RANK: -1, MAXLEN: 10 }]])),
    () => C('lInsert', key('list'), pick(['BEFORE', 'AFTER']), pick(['a', 'b', 'nope']), short()),
    () => C('lSet', key('list'), int(6) - 2, short()),
    () => C('lTrim', key('list'), 0, 5 + int(10)),
    () => C('lMove', key('list'), key('list'), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])),
    () => C('lLen', key('list')),
    () => C('lIndex', key('list'), int(4) - 2),
    () => C('lRem', key('list'), int(3) - 1, pick(['a', 'b'])),
    () => {
      // BLPOP on a list made non-empty first (an empty one would block for the timeout).
      const k = keyOf('list', int(4))
      const other = chance(0.5) ? key('list') : null
      const v = short()
      const keys = other === null ? k : [other, k]
      return {
        kind: 'custom',
        desc: `rPush(${util.inspect(k)}, ${util.inspect(v)}) then blPop(${util.inspect(keys)}, 1)`,
        run: async (c) => {
          const pushed = await c.rPush(k, cloneArg(v))
          return { pushed, popped: await c.blPop(cloneArg(keys), 1) }
        },
      }
    },
  ]
  /** A destination for *STORE commands: sometimes a pool key, sometimes one only written to (so the pools keep their data). */
  const dest = (type) => (chance(0.5) ? key(type) : `d:${type}:dest`)
  const sets = [
    () => C('sAdd', key('set'), [member(), member(), member()]),
    () => C('sAdd', key('set'), member()),
    () => C('sRem', key('set'), [member(), member()]),
    () => N(sorted, 'sMembers', key('set')),
    () => TN(sorted, 'sMembers', key('set')),
    () => C('sIsMember', key('set'), member()),
    () => C('smIsMember', key('set'), [member(), member(), member()]),
    () => C('sCard', key('set')),
    () => N(sorted, pick(['sInter', 'sUnion', 'sDiff']), [key('set'), key('set')]),
    () => N(sorted, pick(['sInter', 'sUnion', 'sDiff']), key('set')),
    () => C(pick(['sInterStore', 'sUnionStore', 'sDiffStore']), dest('set'), [key('set'), key('set')]),
    () => C('sInterCard', [key('set'), key('set')], ...(chance(0.4) ? [{ LIMIT: 1 }] : [])),
    () => C('sMove', key('set'), key('set'), member()),
    () => N(randomOne, 'sRandMember', key('set')),
    () => {
      const n = pick([1, 2, 5, 50, -4])
      return N(randomPick(n), 'sRandMemberCount', key('set'), n)
    },
    () => {
      // SPOP's pick is random: it pops from a scratch copy (so both databases stay equal).
      const src = key('set')
      const n = chance(0.3) ? undefined : pick([1, 2, 3, 50])
      const scratch = 'd:scratch'
      return {
        kind: 'custom',
        desc: `sPop${n === undefined ? '' : 'Count'} on a copy of ${util.inspect(src)}${n === undefined ? '' : ` count ${n}`}`,
        run: async (c) => {
          await c.del(scratch)
          await c.sUnionStore(scratch, cloneArg(src))
          const card = await c.sCard(scratch)
          const popped = n === undefined ? await c.sPop(scratch) : await c.sPopCount(scratch, n)
          const left = await c.sCard(scratch)
          await c.del(scratch)
          // Whole-set pops (count >= card) are compared sorted; otherwise length and shape.
          if (n === undefined) return { card, popped: randomOne(popped), left }
          return { card, popped: n >= card ? sorted(popped) : randomPick(n)(popped), left }
        },
      }
    },
  ]
  const zMembers = () => (chance(0.3) ? { score: score(), value: member() } : [{ score: score(), value: member() }, { score: score(), value: member() }])
  const zOptions = () => pick([[], [{ NX: true }], [{ XX: true }], [{ GT: true }], [{ LT: true }], [{ GT: true, CH: true }], [{ CH: true }], [{ condition: 'NX' }], [{ condition: 'XX', comparison: 'LT' }], [{ comparison: 'GT', CH: true }]])
  const zRangeArgs = () =>
    pick([
      [0, -1],
      [1, 3],
      ['-inf', '+inf', { BY: 'SCORE' }],
      [-Infinity, Infinity, { BY: 'SCORE' }],
      ['(1', 10, { BY: 'SCORE', LIMIT: { offset: 0, count: 2 } }],
      ['+inf', '-inf', { BY: 'SCORE', REV: true }],
      [0, -1, { REV: true }],
      ['[a', '(z', { BY: 'LEX' }],
      ['-', '+', { BY: 'LEX', LIMIT: { offset: 1, count: 3 } }],
    ])
  const zKeys = () => (chance(0.5) ? [key('zset'), key('zset')] : [{ key: key('zset'), weight: pick([1, 2, 0.5]) }, { key: key('zset'), weight: pick([1, -1, 3, Infinity]) }])
  const zsets = [
    () => C('zAdd', key('zset'), zMembers(), ...zOptions()),
    () => C('zAdd', key('zset'), zMembers(), ...zOptions()),
    () => C('zAddIncr', key('zset'), { score: score(), value: member() }, ...pick([[], [{ condition: 'NX' }], [{ condition: 'XX' }], [{ comparison: 'GT' }], [{ comparison: 'LT' }]])),
    () => C('zRange', key('zset'), ...zRangeArgs()),
    () => T('zRange', key('zset'), 0, -1),
    () => C('zRangeWithScores', key('zset'), ...zRangeArgs()),
    () => T('zRangeWithScores', key('zset'), 0, -1),
    () => C(pick(['zRangeByScore', 'zRangeByScoreWithScores']), key('zset'), pick(['-inf', 0, '(1', -Infinity]), pick(['+inf', 10, 2.5, Infinity]), ...(chance(0.3) ? [{ LIMIT: { offset: 0, count: 3 } }] : [])),
    () => C('zScore', key('zset'), member()),
    () => T('zScore', key('zset'), member()),
    () => C('zmScore', key('zset'), [member(), member(), 'nosuch']),
    () => C('zIncrBy', key('zset'), pick([1, -2.5, 0.1, 3, Infinity]), member()),
    () => C(pick(['zPopMin', 'zPopMax']), key('zset')),
    () => C(pick(['zPopMinCount', 'zPopMaxCount']), key('zset'), pick([1, 2, 10])),
    () => C(pick(['zRank', 'zRevRank', 'zRankWithScore']), key('zset'), member()),
    () => C('zCard', key('zset')),
    () => C('zCount', key('zset'), '-inf', pick([2, '(10', '+inf', Infinity])),
    () => C('zRem', key('zset'), member()),
    () => C(pick(['zUnionStore', 'zInterStore']), dest('zset'), zKeys(), ...(chance(0.5) ? [{ AGGREGATE: pick(['SUM', 'MIN', 'MAX']) }] : [])),
    () => C(pick(['zUnion', 'zUnionWithScores', 'zInter']), zKeys(), ...(chance(0.5) ? [{ AGGREGATE: pick(['SUM', 'MIN', 'MAX']) }] : [])),
    () => N(randomOne, 'zRandMember', key('zset')),
    () => {
      const n = pick([1, 3, 50, -2])
      return N(randomPick(n), pick(['zRandMemberCount', 'zRandMemberCountWithScores']), key('zset'), n)
    },
  ]
  const streamKey = () => (chance(0.9) ? keyOf('stream', int(3)) : key('stream'))
  const message = () => (chance(0.6) ? { f: short() } : { f: short(), g: short() })
  const streams = [
    () => {
      const k = streamKey()
      return C('xAdd', k, nextId(k), message(), ...(chance(0.2) ? [{ TRIM: { strategy: 'MAXLEN', strategyModifier: pick(['=', '~']), threshold: 5 } }] : []))
    },
    () => {
      const k = streamKey()
      return C('xAdd', k, nextId(k), message())
    },
    () => {
      const k = streamKey()
      return C('xAddNoMkStream', k, nextId(k), { f: 'x' })
    },
    () => C('xAdd', streamKey(), '0-1', { f: 'v' }),
    () => C('xRange', streamKey(), '-', '+', ...(chance(0.5) ? [{ COUNT: 2 }] : [])),
    () => T('xRange', streamKey(), '-', '+'),
    () => C('xRevRange', streamKey(), '+', '-', { COUNT: 3 }),
    () => C('xLen', streamKey()),
    () => C('xRead', [{ key: keyOf('stream', 0), id: '0' }, { key: keyOf('stream', 1), id: pick(['0', '2-0']) }], { COUNT: 2 }),
    () => C('xRead', { key: streamKey(), id: '0-0' }),
    () => T('xRead', { key: streamKey(), id: '0-0' }),
    () => C('xGroupCreate', streamKey(), pick(['g1', 'g2']), pick(['0', '$']), ...(chance(0.7) ? [{ MKSTREAM: true }] : [])),
    () => C('xReadGroup', pick(['g1', 'g2']), pick(['c1', 'c2']), { key: streamKey(), id: pick(['>', '>', '0']) }, { COUNT: pick([1, 2, 5]) }),
    () => C('xAck', streamKey(), pick(['g1', 'g2']), [`${1 + int(8)}-${int(3)}`, `${1 + int(8)}-${int(3)}`]),
    () => C('xAck', streamKey(), pick(['g1', 'g2']), `${1 + int(8)}-${int(3)}`),
    () => C('xPending', streamKey(), pick(['g1', 'g2'])),
    () => N(pendingIdle, 'xPendingRange', streamKey(), pick(['g1', 'g2']), '-', '+', 10, ...(chance(0.3) ? [{ consumer: 'c1' }] : [])),
    () => C('xAutoClaim', streamKey(), pick(['g1', 'g2']), pick(['c1', 'c3']), 0, '0-0', { COUNT: pick([1, 5]) }),
    () => C('xTrim', streamKey(), ...pick([['MAXLEN', pick([3, 10])], ['MINID', `${2 + int(5)}-0`], ['MAXLEN', 4, { strategyModifier: '=' }]])),
    () => C('xDel', streamKey(), `${1 + int(8)}-${int(3)}`),
    () => N(dropClock, 'xInfoStream', streamKey()),
    () => N(dropClock, 'xInfoGroups', streamKey()),
  ]
  const bits = [
    () => C('setBit', key('bit'), int(100), int(2)),
    () => C('getBit', key('bit'), int(100)),
    () => C('bitCount', key('bit'), ...pick([[], [{ start: 0, end: -1 }], [{ start: 1, end: 3 }], [{ start: 0, end: 20, mode: 'BIT' }], [{ start: 0, end: 2, mode: 'BYTE' }]])),
    () => C('bitPos', key('bit'), int(2), ...pick([[], [1], [0, -1], [2, 40, 'BIT'], [0, 3, 'BYTE']])),
    () => C('bitOp', pick(['AND', 'OR', 'XOR']), dest('bit'), [key('bit'), key('bit')]),
    () => C('bitOp', 'NOT', key('bit'), key('bit')),
    () =>
      C('bitField', key('bit'), [
        { operation: 'SET', encoding: 'u8', offset: `#${int(4)}`, value: int(300) },
        { operation: 'GET', encoding: pick(['i4', 'u3', 'i8']), offset: int(20) },
        ...(chance(0.5) ? [{ operation: 'OVERFLOW', behavior: pick(['WRAP', 'SAT', 'FAIL']) }] : []),
        { operation: 'INCRBY', encoding: 'u2', offset: int(50), increment: int(5) },
      ]),
    () => C('bitFieldRo', key('bit'), [{ encoding: 'u8', offset: 0 }, { encoding: 'i16', offset: 3 }]),
  ]
  const hll = [
    () => C('pfAdd', key('hll'), [member(), member(), short()]),
    () => C('pfAdd', key('hll')),
    () => C('pfCount', chance(0.4) ? [key('hll'), key('hll')] : key('hll')),
    () => C('pfMerge', dest('hll'), [key('hll'), key('hll')]),
  ]
  const geos = [
    () => C('geoAdd', key('geo'), [place(int(places.length)), place(int(places.length))], ...pick([[], [{ NX: true }], [{ XX: true }], [{ CH: true }], [{ condition: 'NX', CH: true }]])),
    () => C('geoAdd', key('geo'), place(int(places.length))),
    () => C('geoAdd', key('geo'), { longitude: 200, latitude: 100, member: 'bad' }),
    () => C('geoDist', key('geo'), pick(places), pick(places), ...(chance(0.6) ? [pick(['km', 'mi', 'm', 'ft'])] : [])),
    () => C('geoPos', key('geo'), [pick(places), 'nowhere', pick(places)]),
    () => T('geoPos', key('geo'), pick(places)),
    () => C('geoHash', key('geo'), [pick(places), 'nowhere']),
    () => {
      const from = chance(0.5) ? pick(places) : { longitude: 12, latitude: 42 }
      const by = chance(0.5) ? { radius: pick([500, 2000, 20000]), unit: 'km' } : { width: 4000, height: 4000, unit: 'km' }
      const options = pick([[], [{ SORT: 'ASC' }], [{ SORT: 'DESC' }], [{ SORT: 'ASC', COUNT: 2 }]])
      const WITH = ['WITHDIST', 'WITHHASH', 'WITHCOORD'].filter(() => chance(0.5))
      return chance(0.4) ? C('geoSearch', key('geo'), from, by, ...options) : C('geoSearchWith', key('geo'), from, by, WITH.length ? WITH : ['WITHCOORD'], ...options)
    },
    () => C('geoSearchStore', dest('zset'), key('geo'), { longitude: 12, latitude: 42 }, { radius: 3000, unit: 'km' }, { SORT: 'ASC', ...(chance(0.5) ? { STOREDIST: true } : {}) }),
  ]
  const scripts = [
    () => {
      const name = pick(Object.keys(LUA))
      return C('eval', LUA[name], { keys: [key(pick(['str', 'hash', 'zset']))], arguments: [pick(['arg', 'a', '1.5']), short()] })
    },
    () => C('eval', LUA.nested, ...(chance(0.5) ? [] : [{}])),
    () => C('eval', LUA.argCount, { arguments: ['x'] }),
    () => T('eval', LUA[pick(Object.keys(LUA))], { keys: [key(pick(['str', 'hash', 'zset']))], arguments: ['a', short()] }),
    () => C('evalSha', sha1(LUA[pick(Object.keys(LUA))]), { keys: [key('str')], arguments: ['a', 'b'] }),
    () => C('scriptLoad', LUA[pick(Object.keys(LUA))]),
    () => C('scriptExists', [sha1(LUA.nil), sha1(LUA.nested), sha1('return 0')]),
    () => C('scriptExists', sha1(LUA.incr)),
    () => (chance(0.1) ? C('scriptFlush') : C('scriptExists', sha1(LUA.getKey))),
  ]
  const DEBUG_TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false']
  const calls = [
    () => C('sendCommand', [pick(['HGETALL', 'hgetall', 'HGetAll']), key('hash')]),
    () => C('sendCommand', [pick(['ZRANGE', 'zrange']), key('zset'), '0', '-1', 'WITHSCORES']),
    () => C('sendCommand', [pick(['XREAD', 'xread']), 'STREAMS', keyOf('stream', 0), '0']),
    () => C('sendCommand', ['SET', key('str'), short()]),
    () => C('sendCommand', [Buffer.from('SET'), Buffer.from(keyOf('str', int(4))), short()]),
    () => C('sendCommand', ['GET', key('str')]),
    () => T('sendCommand', ['GET', key('str')]),
    () => C('sendCommand', ['ECHO', short()]),
    () => C('sendCommand', ['DEBUG', 'PROTOCOL', pick(DEBUG_TYPES)]),
    () => T('sendCommand', ['DEBUG', 'PROTOCOL', pick(DEBUG_TYPES)]),
    () => N(randomPick(3), 'sendCommand', ['HRANDFIELD', key('hash'), '3', 'WITHVALUES']),
    () => C('sendCommand', [pick(['ZPOPMIN', 'Zpopmax']), key('zset'), '2']),
    () => C('sendCommand', ['XREADGROUP', 'GROUP', 'g1', 'c1', 'COUNT', '2', 'STREAMS', streamKey(), '0']),
    () => C('sendCommand', ['CONFIG', 'GET', 'maxmemory-policy']),
    () => C('sendCommand', ['HSET', key('hash'), field(), short()]),
    () => C('sendCommand', ['ZSCORE', key('zset'), member()]),
    () => N(dropClockRaw, 'sendCommand', ['XINFO', 'GROUPS', keyOf('stream', int(3))]),
    () => C('sendCommand', ['EVAL', LUA[pick(Object.keys(LUA))], '1', keyOf('hash', int(4)), 'a', 'b']),
  ]
  const errors = [
    () => C('sendCommand', ['NOSUCHCMD', keyOf('str', 0), 'x']),
    () => C('sendCommand', [pick(['get', 'GET'])]),
    () => C('sendCommand', ['SET', keyOf('str', int(4))]),
    () => C('sendCommand', ['HSET', keyOf('hash', int(4)), 'only-field']),
    () => C('sendCommand', ['SET', keyOf('str', int(4)), 'v', 'NX', 'XX']),
    () => C('sendCommand', ['ZADD', keyOf('zset', int(4)), 'NX', 'XX', '1', 'm']),
    () => C('set', key('str'), 'v', { expiration: { type: 'EX', value: 'abc' } }),
    () => C('set', key('str'), 'v', { condition: 'NXX' }),
    () => C('zAdd', key('zset'), { score: 1, value: 'm' }, { condition: 'NX', comparison: 'GT' }),
    () => C('zAdd', key('zset'), { score: 'abc', value: 'm' }),
    () => C('zRange', key('zset'), 0, 1, { LIMIT: { offset: 1, count: 2 } }),
    () => C('lPos', key('list'), 'a', { RANK: 0 }),
    () => C('incr', pick([key('hash'), key('list'), keyOf('str', 0)])),
    () => C('xGroupCreate', 'd:nostream', 'g', '0'),
    () => C('hIncrBy', key('hash'), field(), 'notanumber'),
    () => C('getRange', key('str'), 'a', 'b'),
    () => C('mSet', {}),
    () => C('mSet', []),
    () => C('mSet', [key('str'), 'v', key('str')]),
    () => C('hSet', key('hash'), new Map()),
    () => C('hSet', key('hash'), {}),
    () => C('evalSha', sha1('return "never loaded"'), { keys: [keyOf('str', 0)] }),
    () => C('eval', 'return +', { keys: [] }),
    () => C('lSet', 'd:list:none', 0, 'x'),
  ]
  const oddArgs = [
    () => C('echo', odd()),
    () => C('set', key('str'), odd()),
    () => C('set', odd(), 'v'),
    () => C('set', key('str'), 'v', { EX: pick([null, undefined, true, { a: 1 }]) }),
    () => C('get', odd()),
    () => T('get', odd()),
    () => C(pick(['del', 'exists']), [key('str'), odd()]),
    () => C('rPush', key('list'), [odd(), 'x']),
    () => C('rPush', key('list'), odd()),
    () => C('hSet', key('hash'), field(), odd()),
    () => C('hSet', key('hash'), odd()),
    () => C('hSet', key('hash'), [[field(), ['nested']]]),
    () => C('hSet', key('hash'), { [field()]: odd(), [field()]: 'ok' }),
    () => C('hGet', key('hash'), odd()),
    () => C('mSet', { [keyOf('str', int(4))]: odd() }),
    () => C('mSet', [[keyOf('str', int(4)), odd()]]),
    () => C('mSet', pick([null, undefined, true])),
    () => C('sAdd', key('set'), [[member(), [member()]], member()]),
    () => C('sAdd', key('set'), odd()),
    () => C('zAdd', key('zset'), { score: pick([null, undefined]), value: member() }),
    () => C('zAdd', key('zset'), { score: 1, value: odd() }),
    () => C('zScore', key('zset'), odd()),
    () => C('incrBy', key('str'), pick([null, undefined])),
    () => C('lRange', key('list'), 0, pick([null, undefined])),
    () => C('xAdd', streamKey(), '*', { f: odd() }),
    () => C('lPos', key('list'), odd()),
    () => C('geoAdd', key('geo'), { longitude: 1, latitude: 2, member: odd() }),
    () => C('eval', LUA.nil, { keys: [odd()] }),
    () => C('sendCommand', ['ECHO', odd()]),
    () => C('sendCommand', [pick(['SET', 'set']), keyOf('str', int(4)), odd()]),
    // Lone surrogates: ours only (DELIBERATE 'lone-surrogate').
    () => C('echo', pick(['\uD800', 'a\uDC00b', 'ok\uD83D'])),
    () => C('set', pick(['\uD83Dkey', 'k\uDFFF']), 'v'),
    () => C('hSet', keyOf('hash', int(4)), { ['f\uD800']: 'v' }),
    () => C('sendCommand', ['SET', keyOf('str', int(4)), 'x\uDC00']),
    // Plain numbers where node-redis wants a string: ours sends String(n) (DELIBERATE 'number-as-string').
    () => D('append', key('str'), pick([5, -1.5, 0])),
    () => D('rPush', key('list'), pick([7, [1, 'x']])),
    () => D('lPush', key('list'), 5),
    () => D('sAdd', key('set'), [1, 2]),
    () => D('mSet', [[keyOf('str', int(4)), 1]]),
    () => D('hScan', key('hash'), 0),
    () => D('hGet', key('hash'), 1),
    () => D('eval', LUA.argCount, { arguments: [1, 2] }),
    () => D('sendCommand', ['SET', keyOf('str', int(4)), 5]),
  ]
  const keysOps = [
    () => C('del', [key(pick(TYPES)), key(pick(TYPES))]),
    () => C('del', key(pick(TYPES))),
    () => C('unlink', key(pick(TYPES))),
    () => {
      const type = pick(TYPES)
      return C('copy', key(type), key(type), ...(chance(0.5) ? [{ REPLACE: true }] : []))
    },
    () => C('dbSize'),
    () => C('objectEncoding', key(pick(TYPES))),
    () => T(pick(['type', 'objectEncoding']), key(pick(TYPES))),
    () => C('expire', key(pick(TYPES)), 1000 + int(1000), ...(chance(0.3) ? ['NX'] : [])),
    // GT / LT compare with the current expiry: absolute times only (relative ones were set a few ms apart).
    () => C('expireAt', key(pick(TYPES)), 4102444800 + int(1000), ...pick([[], ['NX'], ['XX'], ['GT'], ['LT']])),
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
    [scripts, 6],
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
  /** A command that can be queued or batched (not one of DELIBERATE's: those run on our face alone). */
  const queueable = () => {
    for (;;) {
      const c = command()
      if (c.kind === 'cmd' && !hasLoneSurrogate(c.args) && !c.numberAsString) return c
    }
  }
  /** In multi() the type mapping is the multi's (the client's it came from), not a command's. */
  const untyped = (c) => ({ ...c, typed: false })

  const ops = []
  while (ops.length < COUNT) {
    const r = rand()
    if (r < 0.06) {
      ops.push({ kind: 'execAsPipeline', typed: chance(0.2), cmds: Array.from({ length: int(9) }, () => untyped(queueable())) })
    } else if (r < 0.1) {
      const cmds = Array.from({ length: int(6) }, () => untyped(queueable()))
      const v = int(4)
      if (v === 1) {
        // A command that fails when EXEC runs it (WRONGTYPE), the others still run.
        const k = keyOf('list', int(4))
        cmds.splice(int(cmds.length + 1), 0, C('rPush', k, 'x'), C('incr', k))
      } else if (v === 2) {
        // A command the server refuses as it is queued (EXECABORT).
        cmds.splice(int(cmds.length + 1), 0, pick([C('sendCommand', ['get']), C('sendCommand', ['NOSUCHCMD', 'x']), C('sendCommand', ['SET', 'd:str:0'])]))
      }
      ops.push({ kind: 'multi', typed: chance(0.2), cmds })
    } else if (r < 0.15) {
      ops.push({ kind: 'batch', cmds: Array.from({ length: 2 + int(6) }, queueable) })
    } else {
      ops.push(command())
    }
  }
  return ops
}

/** XINFO GROUPS' raw RESP2 reply (sendCommand): clock readings dropped. */
function dropClockRaw(v) {
  if (!Array.isArray(v)) return v
  const out = []
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] === 'string' && CLOCK_FIELDS.includes(v[i]) && i + 1 < v.length) i++
    else out.push(dropClockRaw(v[i]))
  }
  return out
}
dropClockRaw.label = 'dropClock'
dropClock.label = 'dropClock'

// ---------------------------------------------------------------------------------------
// Running and comparing.

const typeErrorRule = DELIBERATE.find((d) => d.describeError)

/**
 * What is compared of an error: class chain (constructor names), name, message and its own
 * enumerable properties (our `code` left out), errors among them described the same way (an
 * error met again inside itself as `{ cycle: <its message> }`). `norms` (per index) applies to
 * a MultiErrorReply's `replies`. TypeErrors: see DELIBERATE 'type-error-message'.
 */
function describeError(e, norms, seen = new Set()) {
  if (!(e instanceof Error)) return { notAnError: util.inspect(e) }
  if (seen.has(e)) return { cycle: e.message }
  const chain = []
  for (let p = Object.getPrototypeOf(e); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) chain.push(p.constructor ? p.constructor.name : '?')
  const d = { chain, name: e.name, message: e.message, own: {} }
  const t = typeErrorRule.describeError(e, d)
  if (t !== d) return t
  seen.add(e)
  for (const k of Object.keys(e).sort()) {
    if (k === 'code') continue
    if (k === 'replies' && Array.isArray(e.replies)) d.own.replies = e.replies.map((x, i) => (x instanceof Error ? describeError(x, undefined, seen) : norms && norms[i] ? norms[i](x) : x))
    else d.own[k] = describeValue(e[k], seen)
  }
  seen.delete(e)
  return d
}

function describeValue(v, seen) {
  if (v instanceof Error) return describeError(v, undefined, seen)
  if (Array.isArray(v)) return v.map((x) => describeValue(x, seen))
  return v
}

/** Runs `fn` and says how it went: { resolved } | { rejected } | { threw } (synchronously). */
async function settle(fn, norm, norms) {
  let p
  try {
    p = fn()
  } catch (e) {
    return { threw: describeError(e, norms) }
  }
  try {
    const v = await p
    return { resolved: norm ? norm(v) : v }
  } catch (e) {
    return { rejected: describeError(e, norms) }
  }
}

/** A side's client (`side.c`), or its view with the Buffer type mapping (its own library's RESP_TYPES) when `typed`. */
const viewOf = (side, typed) => (typed ? side.c.withTypeMapping({ [side.RESP_TYPES.BLOB_STRING]: Buffer }) : side.c)

const testBugs = []

function invoke(side, cmd) {
  const c = viewOf(side, cmd.typed)
  if (typeof c[cmd.m] !== 'function') {
    if (side.reference) testBugs.push(`node-redis has no method ${cmd.m}`)
    throw new TypeError(`no method ${cmd.m}`)
  }
  return c[cmd.m](...cloneArg(cmd.args))
}

/** exec() / execAsPipeline() results: each reply normalised per command (errors described). */
function rows(cmds) {
  return (result) => (Array.isArray(result) ? result.map((x, i) => (x instanceof Error ? describeError(x) : cmds[i] && cmds[i].norm ? cmds[i].norm(x) : x)) : result)
}

async function runOp(side, op) {
  switch (op.kind) {
    case 'cmd':
      return settle(() => invoke(side, op), op.norm)
    case 'custom':
      return settle(() => op.run(side.c))
    case 'multi':
    case 'execAsPipeline':
      return settle(
        () => {
          const m = viewOf(side, op.typed).multi()
          for (const cmd of op.cmds) {
            if (typeof m[cmd.m] !== 'function') {
              if (side.reference) testBugs.push(`node-redis' multi() has no method ${cmd.m}`)
              throw new TypeError(`no multi method ${cmd.m}`)
            }
            m[cmd.m](...cloneArg(cmd.args))
          }
          return op.kind === 'multi' ? m.exec() : m.execAsPipeline()
        },
        rows(op.cmds),
        op.cmds.map((c) => c.norm)
      )
    case 'batch':
      // Issued in one tick: one auto-pipelined batch on our side.
      return { resolved: await Promise.all(op.cmds.map((cmd) => settle(() => invoke(side, cmd), cmd.norm))) }
  }
  throw new Error(`unknown op kind ${op.kind}`)
}

const show = (x) => util.inspect(x, { depth: 8, breakLength: 140, maxArrayLength: 50, maxStringLength: 200 })

// ---------------------------------------------------------------------------------------

let servers = []
const mismatches = []
let theirSide
let ourSide

test.before(async () => {
  servers = [await RedisServer.start(), await RedisServer.start()]
  const theirs = nodeRedis.createClient({ socket: { port: servers[0].port, host: '127.0.0.1' } })
  const mine = ours.createClient({ socket: { port: servers[1].port, host: '127.0.0.1' } })
  theirs.on('error', () => {})
  mine.on('error', () => {})
  await Promise.all([theirs.connect(), mine.connect()])
  theirSide = { c: theirs, RESP_TYPES: nodeRedis.RESP_TYPES, reference: true }
  ourSide = { c: mine, RESP_TYPES: ours.RESP_TYPES, reference: false }
})

test.after(async () => {
  if (theirSide) await theirSide.c.close().catch(() => {})
  if (ourSide) await ourSide.c.close().catch(() => {})
  for (const s of servers) await s.stop()
})


test(`differential vs node-redis 5: ${COUNT} seeded random operations (DIFF_SEED=${SEED})`, { timeout: 120_000 }, async () => {
  const ops = generate(rng(SEED))
  const deliberateMisses = []
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]
    const deliberate = DELIBERATE.find((d) => d.applies && d.applies(op))
    if (deliberate && !deliberate.reference) {
      // Ours only (see DELIBERATE): it must show our intended behaviour.
      const o = await runOp(ourSide, op)
      if (VERBOSE) console.log(`#${i} [${deliberate.id}] ${describe(op)}\n  ours: ${show(o)}`)
      if (!deliberate.check(o)) deliberateMisses.push(`#${i} ${describe(op)} (${deliberate.id}): ours ${show(o)}`)
      continue
    }
    if (deliberate) {
      // node-redis runs what our face is meant to do with this op (see DELIBERATE).
      const ref = deliberate.reference(op)
      if (nodeRedisRefuses(ref.m, ref.args)) testBugs.push(`#${i} ${describe(op)}: node-redis refuses its reference ${describe(ref)} too`)
      const theirs = await runOp(theirSide, ref)
      const o = await runOp(ourSide, op)
      if (VERBOSE) console.log(`#${i} [${deliberate.id}] ${describe(op)}\n  node-redis ${describe(ref)}: ${show(theirs)}\n  ours: ${show(o)}`)
      // A difference here is reported with the others (it may follow from one before it).
      if (!deliberate.check(o, theirs)) mismatches.push({ i, op: `[${deliberate.id}: node-redis runs ${describe(ref)}] ${describe(op)}`, theirs, ours: o })
      continue
    }
    const theirs = await runOp(theirSide, op)
    const o = await runOp(ourSide, op)
    if (VERBOSE) console.log(`#${i} ${describe(op)}\n  node-redis: ${show(theirs)}\n  ours:       ${show(o)}`)
    if (!util.isDeepStrictEqual(theirs, o)) mismatches.push({ i, op: describe(op), theirs, ours: o })
  }
  assert.equal(testBugs.length, 0, `the test itself is wrong:\n${[...new Set(testBugs)].join('\n')}`)
  // The first ones are the causes; later ones may follow from a database that already differs.
  const SHOWN = 60
  const report = mismatches.slice(0, SHOWN).map((m) => `#${m.i} ${m.op}\n  node-redis: ${show(m.theirs)}\n  ours:       ${show(m.ours)}`)
  if (mismatches.length > SHOWN) report.push(`... and ${mismatches.length - SHOWN} more (#${mismatches.slice(SHOWN).map((m) => m.i).join(', #')})`)
  assert.equal(deliberateMisses.length, 0, `DELIBERATE differences not behaving as intended (DIFF_SEED=${SEED}):\n${deliberateMisses.join('\n')}`)
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${ops.length} operations differ from node-redis 5 (replay: DIFF_SEED=${SEED} DIFF_N=${COUNT}):\n\n${report.join('\n\n')}`)
})

test(`differential vs node-redis 5: both databases hold the same keys and contents afterwards (DIFF_SEED=${SEED})`, async () => {
  const [theirs, o] = [await snapshot(servers[0].port), await snapshot(servers[1].port)]
  const byHex = (list) => new Map(list.map((e) => [e.keyBytes.toString('hex'), e]))
  const a = byHex(theirs)
  const b = byHex(o)
  const diffs = []
  for (const hex of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(hex)
    const y = b.get(hex)
    if (!util.isDeepStrictEqual(x, y)) diffs.push(`key ${show((x || y).key)} (${hex})\n  node-redis' db: ${show(x)}\n  our db:         ${show(y)}`)
  }
  assert.equal(diffs.length, 0, `${diffs.length} keys differ between the databases (replay: DIFF_SEED=${SEED} DIFF_N=${COUNT}${mismatches.length ? `; ${mismatches.length} operations already differed` : ''}):\n\n${diffs.join('\n\n')}`)
})
