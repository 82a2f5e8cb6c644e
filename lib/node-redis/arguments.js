'use strict'
// node-redis 5 argument conversion: `argumentsOf(method, args)` is the complete command
// (words first) that node-redis 5.12.1's `parseCommand` for the camelCase `method` writes for
// `args`: same order, same tokens, numbers, Dates and option objects converted the same way.
// A generic builder (the command table's words, then the arguments) serves every method whose
// node-redis parser is equivalent to it; the others have a builder of their own below.
// Where node-redis would throw (in the parser, or when it encodes a value that is not a string
// or Buffer), this throws a TypeError with code 'ERR_INVALID_ARG'. One deliberate leniency:
// a number where node-redis expects a string is sent as `String(n)`.
// (Long by nature: one builder per node-redis method that needs one, beside the conversions
// they share; split by command family it would scatter those helpers.)
const { typeError, redisError } = require('../errors')
const TABLE = require('../command-table.json').nodeRedis

// ---------------------------------------------------------------------------------------------
// Conversions, as node-redis' parser and generic transformers make them.

const isBytes = (v) => v instanceof Uint8Array
const isPlain = (v) => typeof v === 'string' || Buffer.isBuffer(v)

/** `v.toString()` as node-redis calls it on numbers, counts and timestamps. */
function str(v) {
  if (v === undefined || v === null) throw typeError(`expected a value, got ${v}`)
  return String(v)
}

/** node-redis' transformDoubleArgument: ±Infinity as '+inf' / '-inf'. */
function dbl(v) {
  if (v === Infinity) return '+inf'
  if (v === -Infinity) return '-inf'
  return str(v)
}

/** node-redis' transformStringDoubleArgument: numbers as dbl(), anything else as it is. */
const strDbl = (v) => (typeof v === 'number' ? dbl(v) : v)

/** node-redis' transformEXAT: a Date as whole seconds since the epoch. */
const exat = (v) => str(typeof v === 'number' ? v : Math.floor(v.getTime() / 1000))

/** node-redis' transformPXAT: a Date as milliseconds since the epoch. */
const pxat = (v) => str(typeof v === 'number' ? v : v.getTime())

/** parser.pushVariadic: an array's items, or the one value. */
function variadic(out, v) {
  if (Array.isArray(v)) out.push(...v)
  else out.push(v)
}

/** parser.pushVariadicWithLength / pushKeysLength: the count, then the items. */
function withLength(out, v) {
  out.push(Array.isArray(v) ? String(v.length) : '1')
  variadic(out, v)
}

/** parser.push(...v): JavaScript's spread (a string spreads into its characters, as there). */
function spread(out, v) {
  for (const x of v) out.push(x)
}

/** A trailing option word, pushed when it is truthy (`if (x) parser.push(x)`). */
function optional(out, v) {
  if (v) out.push(v)
}

// ---------------------------------------------------------------------------------------------
// The generic builder: the table's words, then each argument (arrays spread one level; an
// optional argument left undefined is skipped; the final check converts numbers and rejects
// anything else, as node-redis' encoder does, so a required argument left undefined throws).

/** `required` arguments, then up to `optional` more that are skipped when undefined. */
function generic(method, spec) {
  const words = TABLE[method].command
  const [required, optionals] = Array.isArray(spec) ? spec : [spec, 0]
  return (out, ...args) => {
    out.push(...words)
    const count = required === Infinity ? args.length : Math.max(required, Math.min(args.length, required + optionals))
    for (let i = 0; i < count; i++) {
      if (i < required || args[i] !== undefined) variadic(out, args[i])
    }
  }
}

/** Generic, except that the last of `n` arguments is pushed only when truthy (`if (x)`). */
function truthyTail(method, n) {
  const build = generic(method, n - 1)
  return (out, ...args) => {
    build(out, ...args)
    if (args[n - 1]) variadic(out, args[n - 1])
  }
}

// Methods whose node-redis parser is the generic builder, with how many arguments it reads
// (node-redis ignores any beyond them): `n` required, or `[required, optional]`; Infinity for
// a rest parameter.
const GENERIC = {
  aclDelUser: 1, aclGetUser: 1, aclList: 0, aclLoad: 0, aclLogReset: 0, aclSave: 0, aclSetUser: 2,
  aclUsers: 0, aclWhoAmI: 0, append: 2, asking: 0, bgRewriteAof: 0, bitOp: 3, blMove: 5, blPop: 2,
  brPop: 2, brPopLPush: 3, bzPopMax: 2, bzPopMin: 2, clientGetName: 0, clientGetRedir: 0,
  clientId: 0, clientInfo: 0, clientSetName: 1, clientTrackingInfo: 0, clientUnpause: 0,
  clusterAddSlots: 1, clusterBumpEpoch: 0, clusterCountFailureReports: 1, clusterCountKeysInSlot: 1,
  clusterDelSlots: 1, clusterFlushSlots: 0, clusterForget: 1, clusterGetKeysInSlot: 2,
  clusterInfo: 0, clusterKeySlot: 1, clusterLinks: 0, clusterMeet: 2, clusterMyId: 0,
  clusterMyShardId: 0, clusterNodes: 0, clusterReplicas: 1, clusterReplicate: 1,
  clusterSaveConfig: 0, clusterSetConfigEpoch: 1, clusterSlots: 0, commandCount: 0, command: 0,
  configGet: 1, configResetStat: 0, configRewrite: 0, dbSize: 0, decr: 1, decrBy: 2, del: 1,
  digest: 1, dump: 1, echo: 1, exists: 1, expireTime: 1, functionDelete: 1, functionDump: 0,
  functionKill: 0, functionStats: 0, geoHash: 2, geoPos: 2, get: 1, getBit: 2, getDel: 1,
  getRange: 3, getSet: 2, hDel: 2, hExists: 2, hGet: 2, hGetAll: 1, hIncrBy: 3, hIncrByFloat: 3,
  hKeys: 1, hLen: 1, hmGet: 2, hRandFieldCount: 2, hRandField: 1, hSetNX: 3, hStrLen: 2, hVals: 1,
  hotkeysGet: 0, hotkeysReset: 0, hotkeysStop: 0, incr: 1, incrBy: 2, incrByFloat: 2, keys: 1,
  lastSave: 0, latencyDoctor: 0, latencyGraph: 1, latencyHistory: 1, latencyHistogram: Infinity,
  latencyLatest: 0, latencyReset: Infinity, lcs: 2, lIndex: 2, lInsert: 4, lLen: 1, lMove: 4,
  lPopCount: 2, lPop: 1, lPush: 2, lPushX: 2, lRange: 3, lRem: 3, lSet: 3, lTrim: 3,
  memoryDoctor: 0, memoryMallocStats: 0, memoryPurge: 0, memoryStats: 0, mGet: 1, moduleList: 0,
  moduleUnload: 1, move: 2, objectEncoding: 1, objectFreq: 1, objectIdleTime: 1, objectRefCount: 1,
  persist: 1, pExpireTime: 1, pfCount: 1, pSetEx: 3, pTTL: 1, publish: 2, pubSubNumPat: 0,
  randomKey: 0, readonly: 0, rename: 2, renameNX: 2, replicaOf: 2, restoreAsking: 0, rPopCount: 2,
  role: 0, rPop: 1, rPopLPush: 2, rPush: 2, rPushX: 2, sAdd: 2, sCard: 1, scriptDebug: 1,
  scriptExists: 1, scriptKill: 0, scriptLoad: 1, sDiff: 1, sDiffStore: 2, setBit: 3, setEx: 3,
  setNX: 2, setRange: 3, sInter: 1, sInterStore: 2, sIsMember: 2, sMembers: 1, smIsMember: 2,
  sMove: 3, sPopCount: 2, sPop: 1, sPublish: 2, sRandMemberCount: 2, sRandMember: 1, sRem: 2,
  strLen: 1, sUnion: 1, sUnionStore: 2, swapDb: 2, time: 0, touch: 1, ttl: 1, type: 1, unlink: 1,
  wait: 2, xAck: 3, xDel: 2, xGroupCreateConsumer: 3, xGroupDelConsumer: 3, xGroupDestroy: 2,
  xInfoConsumers: 2, xInfoGroups: 1, xInfoStream: 1, xLen: 1, xPending: 2, zCard: 1, zLexCount: 3,
  zmScore: 2, zPopMaxCount: 2, zPopMax: 1, zPopMinCount: 2, zPopMin: 1, zRandMemberCount: 2,
  zRandMember: 1, zRank: 2, zRem: 2, zRemRangeByRank: 3, zRevRank: 2, zScore: 2, vCard: 1,
  vDim: 1, vEmb: 2, vGetAttr: 2, vInfo: 1, vLinks: 2, vRandMember: [1, 1], vRange: [3, 1], vRem: 2
}

// Generic but for a last argument node-redis pushes only when truthy ('' and 0 are dropped).
const TRUTHY_TAIL = {
  aclCat: 1, aclGenPass: 1, clientPause: 2, clusterSetSlot: 3, expire: 3, pExpire: 3,
  flushAll: 1, flushDb: 1, functionFlush: 1, scriptFlush: 1, geoDist: 4, info: 1, ping: 1,
  pubSubChannels: 1, pubSubShardChannels: 1, pubSubNumSub: 1, pubSubShardNumSub: 1, pfAdd: 2,
  pfMerge: 2
}

// ---------------------------------------------------------------------------------------------
// Shared option parsers.

/** HEXPIRE and friends: ... FIELDS numfields field... */
function pushFields(out, fields) {
  out.push('FIELDS')
  withLength(out, fields)
}

/** `{ expiration: 'KEEPTTL' | { type, value } }` as SET / HSETEX / HGETEX write it. */
function pushExpiration(out, expiration, bare) {
  if (typeof expiration === 'string') out.push(expiration)
  else if (expiration.type === bare) out.push(bare)
  else out.push(expiration.type, str(expiration.value))
}

function pushLimit(out, limit) {
  if (limit) out.push('LIMIT', str(limit.offset), str(limit.count))
}

/** SCAN / HSCAN / SSCAN / ZSCAN: cursor [MATCH pattern] [COUNT count]. */
function pushScan(out, cursor, options) {
  out.push(cursor)
  if (options?.MATCH) out.push('MATCH', options.MATCH)
  if (options?.COUNT) out.push('COUNT', str(options.COUNT))
}

/** EVAL / EVALSHA / FCALL and their _RO forms: script numkeys key... arg... */
function pushEval(out, script, options) {
  out.push(script)
  if (options?.keys) withLength(out, options.keys)
  else out.push('0')
  if (options?.arguments) spread(out, options.arguments)
}

/** LMPOP / ZMPOP: numkeys key... side [COUNT count]. */
function pushMPop(out, keys, side, options, countGiven) {
  withLength(out, keys)
  out.push(side)
  if (countGiven(options?.COUNT)) out.push('COUNT', str(options.COUNT))
}

/** ZUNION / ZINTER keys: numkeys key... [WEIGHTS weight...]. */
function pushZKeys(out, keys) {
  if (!Array.isArray(keys)) {
    out.push('1')
    if (isPlain(keys)) out.push(keys)
    else out.push(keys.key, 'WEIGHTS', dbl(keys.weight))
    return
  }
  out.push(String(keys.length))
  if (keys.length === 0) return
  if (isPlain(keys[0])) {
    out.push(...keys)
    return
  }
  for (const k of keys) out.push(k.key)
  out.push('WEIGHTS')
  for (const k of keys) out.push(dbl(k.weight))
}

function pushAggregate(out, options) {
  if (options?.AGGREGATE) out.push('AGGREGATE', options.AGGREGATE)
}

/** ZRANGE / ZRANGESTORE: min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]. */
function pushZRange(out, min, max, options) {
  out.push(strDbl(min), strDbl(max))
  if (options?.BY === 'SCORE') out.push('BYSCORE')
  else if (options?.BY === 'LEX') out.push('BYLEX')
  if (options?.REV) out.push('REV')
  pushLimit(out, options?.LIMIT)
}

/** ZADD members: `{ score, value }` or an array of them. */
function pushZMembers(out, members) {
  for (const m of Array.isArray(members) ? members : [members]) out.push(dbl(m.score), m.value)
}

/** GEOSEARCH / GEORADIUS options: [ASC | DESC] [COUNT count [ANY]]. */
function pushGeoOptions(out, options) {
  optional(out, options?.SORT)
  const count = options?.COUNT
  if (!count) return
  if (typeof count === 'number') {
    out.push('COUNT', str(count))
    return
  }
  out.push('COUNT', str(count.value))
  if (count.ANY) out.push('ANY')
}

/** GEOSEARCH's key FROMMEMBER | FROMLONLAT, BYRADIUS | BYBOX, options. */
function pushGeoSearch(out, key, from, by, options) {
  out.push(key)
  if (isPlain(from)) out.push('FROMMEMBER', from)
  else out.push('FROMLONLAT', str(from.longitude), str(from.latitude))
  if ('radius' in by) out.push('BYRADIUS', str(by.radius), by.unit)
  else out.push('BYBOX', str(by.width), str(by.height), by.unit)
  pushGeoOptions(out, options)
}

function pushGeoRadius(out, key, from, radius, unit, options) {
  out.push(key, str(from.longitude), str(from.latitude), str(radius), unit)
  pushGeoOptions(out, options)
}

function pushGeoRadiusByMember(out, key, member, radius, unit, options) {
  out.push(key, member, str(radius), unit)
  pushGeoOptions(out, options)
}

function pushGeoStore(out, destination, options) {
  out.push(options?.STOREDIST ? 'STOREDIST' : 'STORE', destination)
}

/** SORT / SORT_RO: key [BY pattern] [LIMIT offset count] [GET pattern...] [ASC | DESC] [ALPHA]. */
function pushSort(out, key, options) {
  out.push(key)
  if (options?.BY) out.push('BY', options.BY)
  pushLimit(out, options?.LIMIT)
  if (options?.GET) {
    for (const pattern of Array.isArray(options.GET) ? options.GET : [options.GET]) out.push('GET', pattern)
  }
  optional(out, options?.DIRECTION)
  if (options?.ALPHA) out.push('ALPHA')
}

/** XREAD / XREADGROUP: STREAMS key... id... */
function pushStreams(out, streams) {
  out.push('STREAMS')
  const list = Array.isArray(streams) ? streams : [streams]
  for (const s of list) out.push(s.key)
  for (const s of list) out.push(s.id)
}

/** XADD's trimming clause: [MAXLEN | MINID] [= | ~] threshold [LIMIT count] [policy]. */
function pushXAddTrim(out, trim) {
  optional(out, trim.strategy)
  optional(out, trim.strategyModifier)
  out.push(str(trim.threshold))
  if (trim.limit) out.push('LIMIT', str(trim.limit))
  optional(out, trim.policy)
}

function pushXAdd(out, flag, key, id, message, options) {
  out.push('XADD', key)
  optional(out, flag)
  optional(out, options?.policy)
  if (options?.IDMPAUTO) out.push('IDMPAUTO', options.IDMPAUTO.pid)
  else if (options?.IDMP) out.push('IDMP', options.IDMP.pid, options.IDMP.iid)
  if (options?.TRIM) pushXAddTrim(out, options.TRIM)
  out.push(id)
  for (const [field, value] of Object.entries(message)) out.push(field, value)
}

const hashValue = (v) => (typeof v === 'number' ? v.toString() : v)

/** Field/value pairs from a Map, (nested) tuples or an object's own keys. */
function hashPairs(value) {
  const pairs = []
  if (value instanceof Map) {
    for (const [k, v] of value.entries()) pairs.push(hashValue(k), hashValue(v))
  } else if (Array.isArray(value)) {
    const flat = (list) => {
      for (const t of list) Array.isArray(t) ? flat(t) : pairs.push(hashValue(t))
    }
    flat(value)
  } else {
    for (const k of Object.keys(value)) pairs.push(hashValue(k), hashValue(value[k]))
  }
  return pairs
}

/** HSET: `field, value`, or pairs from a Map, tuples or an object. */
function hSetPairs(value, fieldValue) {
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Buffer) {
    return [hashValue(value), hashValue(fieldValue)]
  }
  return hashPairs(value)
}

/** HSETEX's FIELDS numfields field value...: the count first; an empty object is refused. */
function pushHSetExFields(out, fields) {
  if (!(fields instanceof Map) && !Array.isArray(fields) && Object.keys(fields).length === 0) {
    throw redisError('ERR_INVALID_ARG', 'object without keys')
  }
  const pairs = hashPairs(fields)
  if (pairs.length % 2 !== 0) {
    throw redisError('ERR_INVALID_ARG', 'invalid number of arguments, expected key value ....[key value] pairs, got key without value')
  }
  out.push(String(pairs.length / 2), ...pairs)
}

/** MSET / MSETNX / MSETEX pairs: tuples, a flat [key, value, ...] list or an object. */
function msetPairs(method, toSet) {
  if (!Array.isArray(toSet)) return Object.entries(toSet)
  // node-redis throws a plain Error here, not a TypeError.
  if (toSet.length === 0) throw redisError('ERR_INVALID_ARG', `empty ${method === 'mSetEx' ? 'keyValuePairs' : 'toSet'} Argument`)
  if (Array.isArray(toSet[0])) return toSet.map((t) => [t[0], t[1]])
  const pairs = []
  for (let i = 0; i < toSet.length; i += 2) pairs.push([toSet[i], toSet[i + 1]])
  return pairs
}

function pushMSet(out, word, method, toSet) {
  out.push(word)
  for (const [k, v] of msetPairs(method, toSet)) out.push(k, v)
}

const MSETEX_EXPIRATION = {
  EXAT: (e) => ['EXAT', exat(e.value)],
  PXAT: (e) => ['PXAT', pxat(e.value)],
  KEEPTTL: () => ['KEEPTTL'],
  EX: (e) => ['EX', e.value?.toString()],
  PX: (e) => ['PX', e.value?.toString()]
}

/** CLIENT KILL filters: 'SKIPME' or `{ filter, ... }`. */
function pushKillFilter(out, filter) {
  if (filter === 'SKIPME') {
    out.push('SKIPME')
    return
  }
  out.push(filter.filter)
  switch (filter.filter) {
    case 'ADDR': out.push(filter.address); break
    case 'LADDR': out.push(filter.localAddress); break
    case 'ID': out.push(typeof filter.id === 'number' ? filter.id.toString() : filter.id); break
    case 'TYPE': out.push(filter.type); break
    case 'USER': out.push(filter.username); break
    case 'SKIPME': out.push(filter.skipMe ? 'yes' : 'no'); break
    case 'MAXAGE': out.push(str(filter.maxAge)); break
  }
}

function pushTrackingMode(out, options) {
  if (options?.BCAST === true) {
    out.push('BCAST')
    const prefix = options.PREFIX
    if (prefix) for (const p of Array.isArray(prefix) ? prefix : [prefix]) out.push('PREFIX', p)
  } else if (options?.OPTIN === true) {
    out.push('OPTIN')
  } else if (options?.OPTOUT === true) {
    out.push('OPTOUT')
  }
}

function pushSlotRanges(out, ranges) {
  for (const r of Array.isArray(ranges) ? ranges : [ranges]) out.push(str(r.start), str(r.end))
}

function pushBitFieldOp(out, op) {
  switch (op.operation) {
    case 'GET': out.push('GET', op.encoding, str(op.offset)); break
    case 'SET': out.push('SET', op.encoding, str(op.offset), str(op.value)); break
    case 'INCRBY': out.push('INCRBY', op.encoding, str(op.offset), str(op.increment)); break
    case 'OVERFLOW': out.push('OVERFLOW', op.behavior); break
  }
}

function pushMigrateAuth(out, auth) {
  if (auth.username) out.push('AUTH2', auth.username, auth.password)
  else out.push('AUTH', auth.password)
}

function pushHotkeysMetrics(out, metrics) {
  out.push('METRICS', str(metrics.count))
  if (metrics.CPU) out.push('CPU')
  if (metrics.NET) out.push('NET')
}

function pushDefined(out, word, v) {
  if (v !== undefined) out.push(word, str(v))
}

function pushTruthy(out, word, v) {
  if (v) out.push(word, str(v))
}

/** SET's expiration: `expiration`, else EX / PX / EXAT / PXAT / KEEPTTL. */
function pushSetExpiration(out, options) {
  if (options?.expiration) pushExpiration(out, options.expiration, 'KEEPTTL')
  else if (options?.EX !== undefined) out.push('EX', str(options.EX))
  else if (options?.PX !== undefined) out.push('PX', str(options.PX))
  else if (options?.EXAT !== undefined) out.push('EXAT', str(options.EXAT))
  else if (options?.PXAT !== undefined) out.push('PXAT', str(options.PXAT))
  else if (options?.KEEPTTL) out.push('KEEPTTL')
}

/** SET's condition: `condition` [matchValue], else NX / XX. */
function pushSetCondition(out, options) {
  if (options?.condition) {
    out.push(options.condition)
    if (options.matchValue !== undefined) out.push(options.matchValue)
  } else if (options?.NX) {
    out.push('NX')
  } else if (options?.XX) {
    out.push('XX')
  }
}

/** GETEX's `{ type, value }` form. */
function getExTyped(options) {
  switch (options.type) {
    case 'EX':
    case 'PX': return [options.type, str(options.value)]
    case 'EXAT':
    case 'PXAT': return [options.type, exat(options.value)]
    case 'PERSIST': return ['PERSIST']
    default: return []
  }
}

/** GETEX's legacy `{ EX } | { PX } | { EXAT } | { PXAT } | { PERSIST }` form. */
function getExLegacy(options) {
  if ('EX' in options) return ['EX', str(options.EX)]
  if ('PX' in options) return ['PX', str(options.PX)]
  if ('EXAT' in options) return ['EXAT', exat(options.EXAT)]
  if ('PXAT' in options) return ['PXAT', pxat(options.PXAT)]
  return ['PERSIST']
}

function pushZAddFlags(out, options) {
  if (options?.condition) out.push(options.condition)
  else if (options?.NX) out.push('NX')
  else if (options?.XX) out.push('XX')
  if (options?.comparison) out.push(options.comparison)
  else if (options?.LT) out.push('LT')
  else if (options?.GT) out.push('GT')
  if (options?.CH) out.push('CH')
}

function pushVector(out, vector) {
  out.push('VALUES', String(vector.length))
  for (const v of vector) out.push(dbl(v))
}

function pushVAddOptions(out, options) {
  if (options?.CAS) out.push('CAS')
  optional(out, options?.QUANT)
  pushDefined(out, 'EF', options?.EF)
  if (options?.SETATTR) out.push('SETATTR', JSON.stringify(options.SETATTR))
  pushDefined(out, 'M', options?.M)
}

function pushVSimOptions(out, options) {
  pushDefined(out, 'COUNT', options?.COUNT)
  pushDefined(out, 'EPSILON', options?.EPSILON)
  pushDefined(out, 'EF', options?.EF)
  if (options?.FILTER) out.push('FILTER', options.FILTER)
  pushDefined(out, 'FILTER-EF', options?.['FILTER-EF'])
  if (options?.TRUTH) out.push('TRUTH')
  if (options?.NOTHREAD) out.push('NOTHREAD')
}

// ---------------------------------------------------------------------------------------------
// Builder factories shared by several methods.

const evalLike = (word) => (out, script, options) => {
  out.push(word)
  pushEval(out, script, options)
}

/** HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT: key time [mode] FIELDS n field... */
const hashExpire = (word, time) => (out, key, fields, value, mode) => {
  out.push(word, key, time(value))
  optional(out, mode)
  pushFields(out, fields)
}

/** HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME / HPERSIST / HGETDEL: key FIELDS n field... */
const hashFields = (word) => (out, key, fields) => {
  out.push(word, key)
  pushFields(out, fields)
}

/** EXPIREAT / PEXPIREAT: key timestamp [mode]. */
const expireAt = (word, time) => (out, key, timestamp, mode) => {
  out.push(word, key, time(timestamp))
  optional(out, mode)
}

const scanLike = (word, suffix) => (out, key, cursor, options) => {
  out.push(word, key)
  pushScan(out, cursor, options)
  if (suffix) out.push(suffix)
}

const clientOnOff = (word, on, off) => (out, value) => out.push('CLIENT', word, value ? on : off)

const modeOption = (words) => (out, options) => {
  out.push(...words)
  optional(out, options?.mode)
}

/** Another builder's command plus a trailing word (WITHSCORES, JUSTID, ...). */
const withSuffix = (build, suffix) => (out, ...args) => {
  build(out, ...args)
  out.push(suffix)
}

const geoRadius = (word) => (out, key, from, radius, unit, options) => {
  out.push(word)
  pushGeoRadius(out, key, from, radius, unit, options)
}

const geoRadiusWith = (word) => (out, key, from, radius, unit, replyWith, options) => {
  out.push(word)
  pushGeoRadius(out, key, from, radius, unit, options)
  variadic(out, replyWith)
}

const geoRadiusByMember = (word) => (out, key, member, radius, unit, options) => {
  out.push(word)
  pushGeoRadiusByMember(out, key, member, radius, unit, options)
}

const geoRadiusByMemberWith = (word) => (out, key, member, radius, unit, replyWith, options) => {
  out.push(word)
  pushGeoRadiusByMember(out, key, member, radius, unit, options)
  spread(out, replyWith)
}

const zStrDblRange = (word) => (out, key, min, max) => out.push(word, key, strDbl(min), strDbl(max))

const zRangeBy = (word) => (out, key, min, max, options) => {
  out.push(word, key, strDbl(min), strDbl(max))
  pushLimit(out, options?.LIMIT)
}

const zCombine = (word) => (out, keys, options) => {
  out.push(word)
  pushZKeys(out, keys)
  pushAggregate(out, options)
}

const zCombineStore = (word) => (out, destination, keys, options) => {
  out.push(word, destination)
  pushZKeys(out, keys)
  pushAggregate(out, options)
}

const spreadAfter = (words) => (out, list) => {
  out.push(...words)
  spread(out, list)
}

// ---------------------------------------------------------------------------------------------
// Methods with a builder of their own.

const SPECIFIC = {
  aclDryRun(out, username, command) {
    out.push('ACL', 'DRYRUN', username)
    spread(out, command)
  },
  aclLog(out, count) {
    out.push('ACL', 'LOG')
    if (count != undefined) out.push(str(count))
  },
  auth(out, { username, password }) {
    out.push('AUTH')
    if (username !== undefined) out.push(username)
    out.push(password)
  },
  bgSave(out, options) {
    out.push('BGSAVE')
    if (options?.SCHEDULE) out.push('SCHEDULE')
  },
  bitPos(out, key, bit, start, end, mode) {
    out.push('BITPOS', key, str(bit))
    if (start !== undefined) out.push(str(start))
    if (end !== undefined) out.push(str(end))
    optional(out, mode)
  },
  bitCount(out, key, range) {
    out.push('BITCOUNT', key)
    if (!range) return
    out.push(str(range.start), str(range.end))
    optional(out, range.mode)
  },
  bitFieldRo(out, key, operations) {
    out.push('BITFIELD_RO', key)
    for (const op of operations) out.push('GET', op.encoding, str(op.offset))
  },
  bitField(out, key, operations) {
    out.push('BITFIELD', key)
    for (const op of operations) pushBitFieldOp(out, op)
  },
  blmPop(out, timeout, keys, side, options) {
    out.push('BLMPOP', str(timeout))
    pushMPop(out, keys, side, options, (c) => c !== undefined)
  },
  bzmPop(out, timeout, keys, side, options) {
    out.push('BZMPOP', str(timeout))
    pushMPop(out, keys, side, options, Boolean)
  },
  clientCaching: clientOnOff('CACHING', 'YES', 'NO'),
  clientNoEvict: clientOnOff('NO-EVICT', 'ON', 'OFF'),
  clientNoTouch: clientOnOff('NO-TOUCH', 'ON', 'OFF'),
  clientKill(out, filters) {
    out.push('CLIENT', 'KILL')
    for (const f of Array.isArray(filters) ? filters : [filters]) pushKillFilter(out, f)
  },
  clientList(out, filter) {
    out.push('CLIENT', 'LIST')
    if (!filter) return
    if (filter.TYPE !== undefined) {
      out.push('TYPE', filter.TYPE)
      return
    }
    out.push('ID')
    variadic(out, filter.ID)
  },
  clientTracking(out, mode, options) {
    out.push('CLIENT', 'TRACKING', mode ? 'ON' : 'OFF')
    if (!mode) return
    pushTruthy(out, 'REDIRECT', options?.REDIRECT)
    pushTrackingMode(out, options)
    if (options?.NOLOOP) out.push('NOLOOP')
  },
  clusterAddSlotsRange(out, ranges) {
    out.push('CLUSTER', 'ADDSLOTSRANGE')
    pushSlotRanges(out, ranges)
  },
  clusterDelSlotsRange(out, ranges) {
    out.push('CLUSTER', 'DELSLOTSRANGE')
    pushSlotRanges(out, ranges)
  },
  clusterFailover: modeOption(['CLUSTER', 'FAILOVER']),
  clusterReset: modeOption(['CLUSTER', 'RESET']),
  commandGetKeys: spreadAfter(['COMMAND', 'GETKEYS']),
  commandGetKeysAndFlags: spreadAfter(['COMMAND', 'GETKEYSANDFLAGS']),
  commandInfo: spreadAfter(['COMMAND', 'INFO']),
  commandList(out, options) {
    out.push('COMMAND', 'LIST')
    const f = options?.FILTERBY
    if (f) out.push('FILTERBY', f.type, f.value)
  },
  configSet(out, parameterOrConfig, value) {
    out.push('CONFIG', 'SET')
    if (isPlain(parameterOrConfig)) out.push(parameterOrConfig, value)
    else for (const [k, v] of Object.entries(parameterOrConfig)) out.push(k, v)
  },
  copy(out, source, destination, options) {
    out.push('COPY', source, destination)
    pushTruthy(out, 'DB', options?.DB)
    if (options?.REPLACE) out.push('REPLACE')
  },
  delEx(out, key, options) {
    out.push('DELEX', key)
    if (options) out.push(options.condition, options.matchValue)
  },
  eval: evalLike('EVAL'),
  evalRo: evalLike('EVAL_RO'),
  evalSha: evalLike('EVALSHA'),
  evalShaRo: evalLike('EVALSHA_RO'),
  fCall: evalLike('FCALL'),
  fCallRo: evalLike('FCALL_RO'),
  expireAt: expireAt('EXPIREAT', exat),
  pExpireAt: expireAt('PEXPIREAT', pxat),
  functionList(out, options) {
    out.push('FUNCTION', 'LIST')
    if (options?.LIBRARYNAME) out.push('LIBRARYNAME', options.LIBRARYNAME)
  },
  functionListWithCode: withSuffix((out, options) => SPECIFIC.functionList(out, options), 'WITHCODE'),
  functionLoad(out, code, options) {
    out.push('FUNCTION', 'LOAD')
    if (options?.REPLACE) out.push('REPLACE')
    out.push(code)
  },
  functionRestore(out, dump, options) {
    out.push('FUNCTION', 'RESTORE', dump)
    optional(out, options?.mode)
  },
  geoAdd(out, key, toAdd, options) {
    out.push('GEOADD', key)
    if (options?.condition) out.push(options.condition)
    else if (options?.NX) out.push('NX')
    else if (options?.XX) out.push('XX')
    if (options?.CH) out.push('CH')
    for (const m of Array.isArray(toAdd) ? toAdd : [toAdd]) {
      out.push(str(m.longitude), str(m.latitude), m.member)
    }
  },
  geoRadius: geoRadius('GEORADIUS'),
  geoRadiusRo: geoRadius('GEORADIUS_RO'),
  geoRadiusWith: geoRadiusWith('GEORADIUS'),
  geoRadiusRoWith: geoRadiusWith('GEORADIUS_RO'),
  geoRadiusStore(out, key, from, radius, unit, destination, options) {
    out.push('GEORADIUS')
    pushGeoRadius(out, key, from, radius, unit, options)
    pushGeoStore(out, destination, options)
  },
  geoRadiusByMember: geoRadiusByMember('GEORADIUSBYMEMBER'),
  geoRadiusByMemberRo: geoRadiusByMember('GEORADIUSBYMEMBER_RO'),
  geoRadiusByMemberWith: geoRadiusByMemberWith('GEORADIUSBYMEMBER'),
  geoRadiusByMemberRoWith: geoRadiusByMemberWith('GEORADIUSBYMEMBER_RO'),
  geoRadiusByMemberStore(out, key, member, radius, unit, destination, options) {
    out.push('GEORADIUSBYMEMBER')
    pushGeoRadiusByMember(out, key, member, radius, unit, options)
    pushGeoStore(out, destination, options)
  },
  geoSearch(out, key, from, by, options) {
    out.push('GEOSEARCH')
    pushGeoSearch(out, key, from, by, options)
  },
  geoSearchWith(out, key, from, by, replyWith, options) {
    out.push('GEOSEARCH')
    pushGeoSearch(out, key, from, by, options)
    spread(out, replyWith)
  },
  geoSearchStore(out, destination, source, from, by, options) {
    out.push('GEOSEARCHSTORE')
    if (destination !== undefined) out.push(destination)
    pushGeoSearch(out, source, from, by, options)
    if (options?.STOREDIST) out.push('STOREDIST')
  },
  getEx(out, key, options) {
    out.push('GETEX', key, ...('type' in options ? getExTyped(options) : getExLegacy(options)))
  },
  hello(out, protover, options) {
    out.push('HELLO')
    if (!protover) return
    out.push(str(protover))
    if (options?.AUTH) out.push('AUTH', options.AUTH.username, options.AUTH.password)
    if (options?.SETNAME) out.push('SETNAME', options.SETNAME)
  },
  hExpire: hashExpire('HEXPIRE', str),
  hpExpire: hashExpire('HPEXPIRE', str),
  hExpireAt: hashExpire('HEXPIREAT', exat),
  hpExpireAt: hashExpire('HPEXPIREAT', pxat),
  hExpireTime: hashFields('HEXPIRETIME'),
  hpExpireTime: hashFields('HPEXPIRETIME'),
  hTTL: hashFields('HTTL'),
  hpTTL: hashFields('HPTTL'),
  hPersist: hashFields('HPERSIST'),
  hGetDel: hashFields('HGETDEL'),
  hGetEx(out, key, fields, options) {
    out.push('HGETEX', key)
    if (options?.expiration) pushExpiration(out, options.expiration, 'PERSIST')
    pushFields(out, fields)
  },
  hRandFieldCountWithValues(out, key, count) {
    out.push('HRANDFIELD', key, str(count), 'WITHVALUES')
  },
  hScan: scanLike('HSCAN'),
  hScanNoValues: scanLike('HSCAN', 'NOVALUES'),
  sScan: scanLike('SSCAN'),
  zScan: scanLike('ZSCAN'),
  scan(out, cursor, options) {
    out.push('SCAN')
    pushScan(out, cursor, options)
    if (options?.TYPE) out.push('TYPE', options.TYPE)
  },
  hSet(out, key, value, fieldValue) {
    out.push('HSET', key, ...hSetPairs(value, fieldValue))
  },
  hSetEx(out, key, fields, options) {
    out.push('HSETEX', key)
    optional(out, options?.mode)
    if (options?.expiration) pushExpiration(out, options.expiration, 'KEEPTTL')
    out.push('FIELDS')
    pushHSetExFields(out, fields)
  },
  hotkeysStart(out, options) {
    out.push('HOTKEYS', 'START')
    pushHotkeysMetrics(out, options.METRICS)
    pushDefined(out, 'COUNT', options.COUNT)
    pushDefined(out, 'DURATION', options.DURATION)
    pushDefined(out, 'SAMPLE', options.SAMPLE)
    if (options.SLOTS !== undefined) {
      out.push('SLOTS', str(options.SLOTS.count))
      for (const slot of options.SLOTS.slots) out.push(str(slot))
    }
  },
  lcsIdx(out, key1, key2, options) {
    out.push('LCS', key1, key2, 'IDX')
    pushTruthy(out, 'MINMATCHLEN', options?.MINMATCHLEN)
  },
  lcsIdxWithMatchLen: withSuffix((out, ...a) => SPECIFIC.lcsIdx(out, ...a), 'WITHMATCHLEN'),
  lcsLen(out, key1, key2) {
    out.push('LCS', key1, key2, 'LEN')
  },
  lmPop(out, keys, side, options) {
    out.push('LMPOP')
    pushMPop(out, keys, side, options, (c) => c !== undefined)
  },
  zmPop(out, keys, side, options) {
    out.push('ZMPOP')
    pushMPop(out, keys, side, options, Boolean)
  },
  lPos(out, key, element, options) {
    out.push('LPOS', key, element)
    pushDefined(out, 'RANK', options?.RANK)
    pushDefined(out, 'MAXLEN', options?.MAXLEN)
  },
  lPosCount(out, key, element, count, options) {
    SPECIFIC.lPos(out, key, element, options)
    out.push('COUNT', str(count))
  },
  memoryUsage(out, key, options) {
    out.push('MEMORY', 'USAGE', key)
    pushTruthy(out, 'SAMPLES', options?.SAMPLES)
  },
  migrate(out, host, port, key, destinationDb, timeout, options) {
    const many = Array.isArray(key)
    out.push('MIGRATE', host, str(port), many ? '' : key, str(destinationDb), str(timeout))
    if (options?.COPY) out.push('COPY')
    if (options?.REPLACE) out.push('REPLACE')
    if (options?.AUTH) pushMigrateAuth(out, options.AUTH)
    if (many) out.push('KEYS', ...key)
  },
  moduleLoad(out, path, moduleArguments) {
    out.push('MODULE', 'LOAD', path)
    if (moduleArguments) spread(out, moduleArguments)
  },
  mSet(out, toSet) {
    pushMSet(out, 'MSET', 'mSet', toSet)
  },
  mSetNX(out, toSet) {
    pushMSet(out, 'MSETNX', 'mSetNX', toSet)
  },
  mSetEx(out, keyValuePairs, options) {
    const pairs = msetPairs('mSetEx', keyValuePairs)
    out.push('MSETEX', String(pairs.length))
    for (const [k, v] of pairs) out.push(k, v)
    optional(out, options?.mode)
    const e = options?.expiration
    if (e && Object.hasOwn(MSETEX_EXPIRATION, e.type)) out.push(...MSETEX_EXPIRATION[e.type](e))
  },
  restore(out, key, ttl, serializedValue, options) {
    out.push('RESTORE', key, str(ttl), serializedValue)
    if (options?.REPLACE) out.push('REPLACE')
    if (options?.ABSTTL) out.push('ABSTTL')
    pushTruthy(out, 'IDLETIME', options?.IDLETIME)
    pushTruthy(out, 'FREQ', options?.FREQ)
  },
  set(out, key, value, options) {
    out.push('SET', key, typeof value === 'number' ? value.toString() : value)
    pushSetExpiration(out, options)
    pushSetCondition(out, options)
    if (options?.GET) out.push('GET')
  },
  sInterCard(out, keys, options) {
    out.push('SINTERCARD')
    withLength(out, keys)
    if (typeof options === 'number') out.push('LIMIT', options.toString())
    else pushDefined(out, 'LIMIT', options?.LIMIT)
  },
  zInterCard(out, keys, options) {
    out.push('ZINTERCARD')
    withLength(out, keys)
    if (typeof options === 'number') out.push('LIMIT', options.toString())
    else pushTruthy(out, 'LIMIT', options?.LIMIT)
  },
  sort(out, key, options) {
    out.push('SORT')
    pushSort(out, key, options)
  },
  sortRo(out, key, options) {
    out.push('SORT_RO')
    pushSort(out, key, options)
  },
  sortStore(out, source, destination, options) {
    SPECIFIC.sort(out, source, options)
    out.push('STORE', destination)
  },
  xAckDel(out, key, group, id, policy) {
    out.push('XACKDEL', key, group)
    optional(out, policy)
    out.push('IDS')
    withLength(out, id)
  },
  xDelEx(out, key, id, policy) {
    out.push('XDELEX', key)
    optional(out, policy)
    out.push('IDS')
    withLength(out, id)
  },
  xAdd(out, key, id, message, options) {
    pushXAdd(out, undefined, key, id, message, options)
  },
  xAddNoMkStream(out, key, id, message, options) {
    pushXAdd(out, 'NOMKSTREAM', key, id, message, options)
  },
  xAutoClaim(out, key, group, consumer, minIdleTime, start, options) {
    out.push('XAUTOCLAIM', key, group, consumer, str(minIdleTime), start)
    pushTruthy(out, 'COUNT', options?.COUNT)
  },
  xAutoClaimJustId: withSuffix((out, ...a) => SPECIFIC.xAutoClaim(out, ...a), 'JUSTID'),
  xClaim(out, key, group, consumer, minIdleTime, id, options) {
    out.push('XCLAIM', key, group, consumer, str(minIdleTime))
    variadic(out, id)
    pushDefined(out, 'IDLE', options?.IDLE)
    const time = options?.TIME
    if (time !== undefined) out.push('TIME', str(time instanceof Date ? time.getTime() : time))
    pushDefined(out, 'RETRYCOUNT', options?.RETRYCOUNT)
    if (options?.FORCE) out.push('FORCE')
    if (options?.LASTID !== undefined) out.push('LASTID', options.LASTID)
  },
  xClaimJustId: withSuffix((out, ...a) => SPECIFIC.xClaim(out, ...a), 'JUSTID'),
  xCfgSet(out, key, options) {
    out.push('XCFGSET', key)
    pushDefined(out, 'IDMP-DURATION', options?.IDMP_DURATION)
    pushDefined(out, 'IDMP-MAXSIZE', options?.IDMP_MAXSIZE)
  },
  xGroupCreate(out, key, group, id, options) {
    out.push('XGROUP', 'CREATE', key, group, id)
    if (options?.MKSTREAM) out.push('MKSTREAM')
    pushTruthy(out, 'ENTRIESREAD', options?.ENTRIESREAD)
  },
  xGroupSetId(out, key, group, id, options) {
    out.push('XGROUP', 'SETID', key, group, id)
    pushTruthy(out, 'ENTRIESREAD', options?.ENTRIESREAD)
  },
  xPendingRange(out, key, group, start, end, count, options) {
    out.push('XPENDING', key, group)
    pushDefined(out, 'IDLE', options?.IDLE)
    out.push(start, end, str(count))
    optional(out, options?.consumer)
  },
  xRange(out, key, start, end, options) {
    out.push('XRANGE', key, start, end)
    pushTruthy(out, 'COUNT', options?.COUNT)
  },
  xRevRange(out, key, start, end, options) {
    out.push('XREVRANGE', key, start, end)
    pushTruthy(out, 'COUNT', options?.COUNT)
  },
  xRead(out, streams, options) {
    out.push('XREAD')
    pushTruthy(out, 'COUNT', options?.COUNT)
    pushDefined(out, 'BLOCK', options?.BLOCK)
    pushStreams(out, streams)
  },
  xReadGroup(out, group, consumer, streams, options) {
    out.push('XREADGROUP', 'GROUP', group, consumer)
    pushDefined(out, 'COUNT', options?.COUNT)
    pushDefined(out, 'BLOCK', options?.BLOCK)
    if (options?.NOACK) out.push('NOACK')
    pushDefined(out, 'CLAIM', options?.CLAIM)
    pushStreams(out, streams)
  },
  xSetId(out, key, lastId, options) {
    out.push('XSETID', key, lastId)
    pushTruthy(out, 'ENTRIESADDED', options?.ENTRIESADDED)
    if (options?.MAXDELETEDID) out.push('MAXDELETEDID', options.MAXDELETEDID)
  },
  xTrim(out, key, strategy, threshold, options) {
    out.push('XTRIM', key, strategy)
    optional(out, options?.strategyModifier)
    out.push(str(threshold))
    pushTruthy(out, 'LIMIT', options?.LIMIT)
    optional(out, options?.policy)
  },
  zAdd(out, key, members, options) {
    out.push('ZADD', key)
    pushZAddFlags(out, options)
    pushZMembers(out, members)
  },
  zAddIncr(out, key, members, options) {
    out.push('ZADD', key)
    optional(out, options?.condition)
    optional(out, options?.comparison)
    if (options?.CH) out.push('CH')
    out.push('INCR')
    pushZMembers(out, members)
  },
  zCount: zStrDblRange('ZCOUNT'),
  zRemRangeByLex: zStrDblRange('ZREMRANGEBYLEX'),
  zRemRangeByScore: zStrDblRange('ZREMRANGEBYSCORE'),
  zDiff(out, keys) {
    out.push('ZDIFF')
    withLength(out, keys)
  },
  zDiffWithScores: withSuffix((out, keys) => SPECIFIC.zDiff(out, keys), 'WITHSCORES'),
  zDiffStore(out, destination, inputKeys) {
    out.push('ZDIFFSTORE', destination)
    withLength(out, inputKeys)
  },
  zIncrBy(out, key, increment, member) {
    out.push('ZINCRBY', key, dbl(increment), member)
  },
  zInter: zCombine('ZINTER'),
  zInterWithScores: withSuffix(zCombine('ZINTER'), 'WITHSCORES'),
  zInterStore: zCombineStore('ZINTERSTORE'),
  zUnion: zCombine('ZUNION'),
  zUnionWithScores: withSuffix(zCombine('ZUNION'), 'WITHSCORES'),
  zUnionStore: zCombineStore('ZUNIONSTORE'),
  zRandMemberCountWithScores(out, key, count) {
    out.push('ZRANDMEMBER', key, str(count), 'WITHSCORES')
  },
  zRange(out, key, min, max, options) {
    out.push('ZRANGE', key)
    pushZRange(out, min, max, options)
  },
  zRangeWithScores: withSuffix((out, ...a) => SPECIFIC.zRange(out, ...a), 'WITHSCORES'),
  zRangeStore(out, destination, source, min, max, options) {
    out.push('ZRANGESTORE', destination, source)
    pushZRange(out, min, max, options)
  },
  zRangeByLex: zRangeBy('ZRANGEBYLEX'),
  zRangeByScore: zRangeBy('ZRANGEBYSCORE'),
  zRangeByScoreWithScores: withSuffix(zRangeBy('ZRANGEBYSCORE'), 'WITHSCORES'),
  zRankWithScore(out, key, member) {
    out.push('ZRANK', key, member, 'WITHSCORE')
  },
  vAdd(out, key, vector, element, options) {
    out.push('VADD', key)
    pushDefined(out, 'REDUCE', options?.REDUCE)
    pushVector(out, vector)
    out.push(element)
    pushVAddOptions(out, options)
  },
  vEmbRaw(out, key, element) {
    out.push('VEMB', key, element, 'RAW')
  },
  vLinksWithScores(out, key, element) {
    out.push('VLINKS', key, element, 'WITHSCORES')
  },
  vSetAttr(out, key, element, attributes) {
    const json = typeof attributes === 'object' && attributes !== null
    out.push('VSETATTR', key, element, json ? JSON.stringify(attributes) : attributes)
  },
  vSim(out, key, query, options) {
    out.push('VSIM', key)
    if (Array.isArray(query)) pushVector(out, query)
    else out.push('ELE', query)
    pushVSimOptions(out, options)
  },
  vSimWithScores: withSuffix((out, ...a) => SPECIFIC.vSim(out, ...a), 'WITHSCORES')
}

// Commands node-redis' client sends outside its command map (WATCH, UNWATCH) and LOLWUT,
// which node-redis has under its UPPER_CASE name only.
const EXTRA = {
  watch(out, key) {
    out.push('WATCH')
    variadic(out, key)
  },
  unwatch(out) {
    out.push('UNWATCH')
  },
  LOLWUT(out, version, ...optionalArguments) {
    out.push('LOLWUT')
    if (!version) return
    out.push('VERSION', str(version), ...optionalArguments.map(String))
  }
}

// ---------------------------------------------------------------------------------------------

const BUILDERS = Object.create(null)
for (const [method, n] of Object.entries(GENERIC)) BUILDERS[method] = generic(method, n)
for (const [method, n] of Object.entries(TRUTHY_TAIL)) BUILDERS[method] = truthyTail(method, n)
Object.assign(BUILDERS, SPECIFIC, EXTRA)

function describe(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v
}

// Errors node-redis meets only when it writes the command (its encoder refusing a value),
// as opposed to those its argument parsing throws at once: inside multi() the former fail
// the command at exec() while the rest is sent.
const writeErrors = new WeakSet()

/** Whether `err` is one node-redis would meet only when writing the command. */
function isWriteError(err) {
  return writeErrors.has(err)
}

/** What node-redis' encoder accepts (strings and Buffers), plus numbers as String(n). */
function finish(method, out) {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]
    if (typeof v === 'string' || isBytes(v)) continue
    if (typeof v === 'number') {
      out[i] = String(v)
      continue
    }
    const err = typeError(`node-redis ${method}(): argument ${i} of the command must be a string, Buffer or number, got ${describe(v)}`)
    writeErrors.add(err)
    throw err
  }
  return out
}

/** A mistake in the arguments (a missing option, a wrong type) as this package's TypeError. */
function asArgError(method, err) {
  // A plain Error is node-redis' own, worded as node-redis words it.
  if (err && err.code === 'ERR_INVALID_ARG' && (err instanceof TypeError || err instanceof RangeError)) {
    if (!err.message.startsWith('node-redis ')) err.message = `node-redis ${method}(): ${err.message}`
    return err
  }
  if (err instanceof TypeError || err instanceof RangeError) {
    return typeError(`node-redis ${method}(): invalid arguments (${err.message})`)
  }
  return err
}

/**
 * The command node-redis 5.12.1 sends for `client[method](...args)`: an array of strings and
 * Buffers, words first. Throws a TypeError (code 'ERR_INVALID_ARG') where node-redis throws.
 */
function argumentsOf(method, args) {
  const build = BUILDERS[method]
  if (build === undefined) throw typeError(`node-redis has no command method '${method}'`)
  const out = []
  try {
    build(out, ...args)
  } catch (err) {
    throw asArgError(method, err)
  }
  return finish(method, out)
}

module.exports = { argumentsOf, isWriteError }
