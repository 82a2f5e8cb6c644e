'use strict'
// node-redis 5 reply transforms: `transforms[method](reply, args)` is what node-redis 5.12.1
// returns for the camelCase `method` (called with `args`) given the command's raw RESP2 reply
// (strings, integers as numbers, null, nested arrays), with node-redis' default type mapping:
// maps as objects (null-prototype where node-redis makes them so), doubles as numbers where
// node-redis converts them, sorted-set members as { value, score }, stream messages as
// { id, message }. Only methods that have a RESP2 transform in node-redis are here; every other
// method's reply is the raw reply. Replies are read as node-redis reads them: by position where
// it reads by position (a field missing on an older server becomes an own property holding
// undefined), with its JavaScript coercions (Number(), toString()) and its null checks.

// ---------------------------------------------------------------------------------------------
// Shared shapes.

/** node-redis' transformDoubleReply: 'inf' / '+inf' / '-inf' / 'nan' by name, else Number(). */
function double(reply) {
  switch (reply.toString()) {
    case 'inf':
    case '+inf':
      return Infinity
    case '-inf':
      return -Infinity
    case 'nan':
      return NaN
    default:
      return Number(reply)
  }
}

/** A double that may be null (a missing member, an aborted ZADD). */
const nullableDouble = (reply) => (reply === null ? null : double(reply))

/** Flat [k1, v1, k2, v2, ...] as a null-prototype object, each value through `value`. */
function tuples(flat, value = (v) => v) {
  const out = Object.create(null)
  for (let i = 0; i < flat.length; i += 2) out[flat[i].toString()] = value(flat[i + 1])
  return out
}

/**
 * A RESP2 map read by position: `names[j]` gets the value at flat index 2j + 1, whatever the
 * key there says (as node-redis does); a plain object, in `names` order.
 */
function positional(flat, names) {
  const out = {}
  for (let j = 0; j < names.length; j++) out[names[j]] = flat[2 * j + 1]
  return out
}

/** Flat [member, score, ...] as [{ value, score }] with numeric scores. */
function sortedSet(flat) {
  const out = []
  for (let i = 0; i < flat.length; i += 2) out.push({ value: flat[i], score: double(flat[i + 1]) })
  return out
}

/** Flat [a1, b1, a2, b2, ...] as [{ [a]: a1, [b]: b1 }, ...] (an odd tail gets undefined). */
function pairsAs(flat, a, b) {
  const out = []
  let i = 0
  while (i < flat.length) out.push({ [a]: flat[i++], [b]: flat[i++] })
  return out
}

/** One stream entry [id, [field, value, ...], (idle ms, deliveries)] as { id, message, ... }. */
function streamMessage(entry) {
  const [id, fields, millisElapsedFromDelivery, deliveriesCounter] = entry
  const out = { id, message: tuples(fields) }
  if (millisElapsedFromDelivery !== undefined) out.millisElapsedFromDelivery = millisElapsedFromDelivery
  if (deliveriesCounter !== undefined) out.deliveriesCounter = deliveriesCounter
  return out
}

const streamMessageOrNull = (entry) => (entry === null ? null : streamMessage(entry))

const streamMessages = (reply) => reply.map(streamMessage)

/** XREAD / XREADGROUP: null, or [{ name, messages }] per stream (node-redis 4's shape). */
const streams = (reply) => (reply === null ? null : reply.map((s) => ({ name: s[0], messages: streamMessages(s[1]) })))

const boolean = (reply) => reply === 1

/** COMMAND / COMMAND INFO entry: its first seven fields, flags and categories as Sets. */
function commandEntry([name, arity, flags, firstKeyIndex, lastKeyIndex, step, categories]) {
  return { name, arity, flags: new Set(flags), firstKeyIndex, lastKeyIndex, step, categories: new Set(categories) }
}

// ---------------------------------------------------------------------------------------------
// CLIENT INFO / CLIENT LIST lines: `k=v` pairs, numbers as Number() (NaN when absent).

const CLIENT_FIELD = /([^\s=]+)=([^\s]*)/g

function clientLine(line) {
  const f = {}
  for (const m of line.toString().matchAll(CLIENT_FIELD)) f[m[1]] = m[2]
  const n = (k) => Number(f[k])
  const out = {
    id: n('id'),
    addr: f.addr,
    fd: n('fd'),
    name: f.name,
    age: n('age'),
    idle: n('idle'),
    flags: f.flags,
    db: n('db'),
    sub: n('sub'),
    psub: n('psub'),
    multi: n('multi'),
    qbuf: n('qbuf'),
    qbufFree: n('qbuf-free'),
    argvMem: n('argv-mem'),
    obl: n('obl'),
    oll: n('oll'),
    omem: n('omem'),
    totMem: n('tot-mem'),
    events: f.events,
    cmd: f.cmd,
    user: f.user,
    libName: f['lib-name'],
    libVer: f['lib-ver'],
  }
  // Fields only some server versions report: present only when the server sent them.
  if (f.laddr !== undefined) out.laddr = f.laddr
  if (f.redir !== undefined) out.redir = n('redir')
  if (f.ssub !== undefined) out.ssub = n('ssub')
  if (f['multi-mem'] !== undefined) out.multiMem = n('multi-mem')
  if (f.resp !== undefined) out.resp = n('resp')
  return out
}

function clientList(reply) {
  // Every line ends with '\n': the piece after the last one is dropped.
  const lines = reply.toString().split('\n')
  const out = []
  for (let i = 0; i < lines.length - 1; i++) out.push(clientLine(lines[i]))
  return out
}

// ---------------------------------------------------------------------------------------------
// GEO* ... WITHDIST / WITHHASH / WITHCOORD: the reply's extra fields come in that order, for
// the options the call asked for (`replyWith`, an argument of the method).

function geoWith(reply, replyWith) {
  const asked = new Set(replyWith)
  let at = 0
  const dist = asked.has('WITHDIST') && ++at
  const hash = asked.has('WITHHASH') && ++at
  const coord = asked.has('WITHCOORD') && ++at
  return reply.map((item) => {
    const out = { member: item[0] }
    if (dist) out.distance = item[dist]
    if (hash) out.hash = item[hash]
    if (coord) {
      const [longitude, latitude] = item[coord]
      out.coordinates = { longitude, latitude }
    }
    return out
  })
}

/** geoRadius*With(key, from, radius, unit, replyWith, options) */
const geoRadiusWith = (reply, args) => geoWith(reply, args[4])

// ---------------------------------------------------------------------------------------------
// Sorted-set pops and ranks.

const zPop = (reply) => (reply.length === 0 ? null : { value: reply[0], score: double(reply[1]) })

const bzPop = (reply) => (reply === null ? null : { key: reply[0], value: reply[1], score: double(reply[2]) })

const zmPop = (reply) =>
  reply === null ? null : { key: reply[0], members: reply[1].map(([value, score]) => ({ value, score: double(score) })) }

const listPop = (reply) => (reply === null ? null : { key: reply[0], element: reply[1] })

// ---------------------------------------------------------------------------------------------
// Server introspection.

function aclLogEntry(e) {
  return {
    count: e[1],
    reason: e[3],
    context: e[5],
    object: e[7],
    username: e[9],
    'age-seconds': double(e[11]),
    'client-info': e[13],
    'entry-id': e[15],
    'timestamp-created': e[17],
    'timestamp-last-updated': e[19],
  }
}

function aclGetUser(reply) {
  const out = positional(reply, ['flags', 'passwords', 'commands', 'keys', 'channels'])
  // Servers before 7.0 have no selectors: then the property holds undefined.
  out.selectors = reply[11]?.map((s) => ({ commands: s[1], keys: s[3], channels: s[5] }))
  return out
}

const clusterNode = ([host, port, id]) => ({ host, port, id })

function functionLibraries(reply, withCode) {
  return reply.map((lib) => {
    const out = {
      library_name: lib[1],
      engine: lib[3],
      functions: lib[5].map((fn) => positional(fn, ['name', 'description', 'flags'])),
    }
    if (withCode) out.library_code = lib[7]
    return out
  })
}

function functionStats(reply) {
  const running = reply[1]
  const engines = Object.create(null)
  const flat = reply[3]
  for (let i = 0; i < flat.length; i += 2) {
    engines[flat[i].toString()] = { libraries_count: flat[i + 1][1], functions_count: flat[i + 1][3] }
  }
  return {
    running_script: running === null ? null : positional(running, ['name', 'command', 'duration_ms']),
    engines,
  }
}

function latencyHistogram(reply) {
  const out = {}
  for (let i = 1; i < reply.length; i += 2) {
    const h = reply[i]
    out[reply[i - 1]] = { calls: h[1], histogram_usec: tuples(h[3]) }
  }
  return out
}

// MEMORY STATS fields that node-redis reads as doubles; the others stay as they came.
const MEMORY_DOUBLES = new Set(['dataset.percentage', 'peak.percentage', 'allocator-fragmentation.ratio', 'allocator-rss.ratio', 'rss-overhead.ratio', 'fragmentation'])

function memoryStats(reply) {
  const out = {}
  for (let i = 0; i < reply.length; i += 2) {
    out[reply[i]] = MEMORY_DOUBLES.has(reply[i].toString()) ? double(reply[i + 1]) : reply[i + 1]
  }
  return out
}

function role(reply) {
  switch (reply[0]) {
    case 'master': {
      const [role, replicationOffest, replicas] = reply
      return {
        role,
        // node-redis' spelling.
        replicationOffest,
        replicas: replicas.map(([host, port, offset]) => ({ host, port: Number(port), replicationOffest: Number(offset) })),
      }
    }
    case 'slave': {
      const [role, host, port, state, dataReceived] = reply
      return { role, master: { host, port }, state, dataReceived }
    }
    case 'sentinel':
      return { role: reply[0], masterNames: reply[1] }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Streams.

function xInfoStream(reply) {
  const out = {}
  for (let i = 0; i < reply.length; i += 2) {
    const key = reply[i]
    const v = reply[i + 1]
    out[key] = (key === 'first-entry' || key === 'last-entry') && v !== null ? { id: v[0], message: tuples(v[1]) } : v
  }
  return out
}

function xPending(reply) {
  const consumers = reply[3]
  return {
    pending: reply[0],
    firstId: reply[1],
    lastId: reply[2],
    consumers: consumers === null ? null : consumers.map(([name, count]) => ({ name, deliveriesCounter: Number(count) })),
  }
}

// ---------------------------------------------------------------------------------------------
// HOTKEYS GET (Redis 8.6): one map inside an array; the fields node-redis knows, renamed.

const HOTKEYS_NUMBERS = {
  'tracking-active': 'trackingActive',
  'sample-ratio': 'sampleRatio',
  'sampled-commands-selected-slots-us': 'sampledCommandsSelectedSlotsUs',
  'all-commands-selected-slots-us': 'allCommandsSelectedSlotsUs',
  'all-commands-all-slots-us': 'allCommandsAllSlotsUs',
  'net-bytes-sampled-commands-selected-slots': 'netBytesSampledCommandsSelectedSlots',
  'net-bytes-all-commands-selected-slots': 'netBytesAllCommandsSelectedSlots',
  'net-bytes-all-commands-all-slots': 'netBytesAllCommandsAllSlots',
  'collection-start-time-unix-ms': 'collectionStartTimeUnixMs',
  'collection-duration-ms': 'collectionDurationMs',
  'total-cpu-time-sys-ms': 'totalCpuTimeSysMs',
  'total-cpu-time-user-ms': 'totalCpuTimeUserMs',
  'total-net-bytes': 'totalNetBytes',
}
const HOTKEYS_LISTS = { 'by-cpu-time-us': 'byCpuTimeUs', 'by-net-bytes': 'byNetBytes' }

function hotkeysGet(reply) {
  if (reply === null) return null
  const data = reply[0]
  const out = {}
  for (let i = 0; i < data.length; i += 2) {
    const key = data[i].toString()
    const v = data[i + 1]
    if (Object.hasOwn(HOTKEYS_NUMBERS, key)) out[HOTKEYS_NUMBERS[key]] = Number(v)
    else if (Object.hasOwn(HOTKEYS_LISTS, key)) {
      const list = []
      for (let j = 0; j < v.length; j += 2) list.push({ key: v[j].toString(), value: Number(v[j + 1]) })
      out[HOTKEYS_LISTS[key]] = list
    } else if (key === 'selected-slots') {
      // [slot] or [start, end] each.
      out.selectedSlots = v.map((r) => ({ start: Number(r[0]), end: Number(r.length === 1 ? r[0] : r[1]) }))
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Vector sets (Redis 8).

function vEmbRaw(reply) {
  const out = { quantization: reply[0], raw: reply[1], l2Norm: double(reply[2]) }
  if (reply[3] !== undefined) out.quantizationRange = double(reply[3])
  return out
}

/** VLINKS ... WITHSCORES: one null-prototype { element: score } per layer. */
const vLinksWithScores = (reply) => {
  const layers = []
  for (const layer of reply) layers.push(tuples(layer, double))
  return layers
}

/** VSIM ... WITHSCORES: a plain { element: score } object. */
function vSimWithScores(reply) {
  const out = {}
  for (let i = 0; i < reply.length; i += 2) out[reply[i].toString()] = double(reply[i + 1])
  return out
}

// ---------------------------------------------------------------------------------------------
// The table: camelCase method → (reply, args) => value.

const transforms = {
  aclGetUser,
  aclLog: (reply) => reply.map(aclLogEntry),
  blPop: listPop,
  brPop: listPop,
  bzmPop: zmPop,
  bzPopMax: bzPop,
  bzPopMin: bzPop,
  clientInfo: clientLine,
  clientList,
  clientTrackingInfo: (reply) => positional(reply, ['flags', 'redirect', 'prefixes']),
  clusterLinks: (reply) =>
    reply.map((l) => positional(l, ['direction', 'node', 'create-time', 'events', 'send-buffer-allocated', 'send-buffer-used'])),
  clusterSlots: (reply) => reply.map(([from, to, master, ...replicas]) => ({ from, to, master: clusterNode(master), replicas: replicas.map(clusterNode) })),
  command: (reply) => reply.map(commandEntry),
  commandGetKeysAndFlags: (reply) => reply.map(([key, flags]) => ({ key, flags })),
  commandInfo: (reply) => reply.map((c) => (c ? commandEntry(c) : null)),
  configGet: (reply) => tuples(reply),
  functionList: (reply) => functionLibraries(reply, false),
  functionListWithCode: (reply) => functionLibraries(reply, true),
  functionStats,
  geoDist: (reply) => (reply === null ? null : Number(reply)),
  geoPos: (reply) => reply.map((p) => (p === null ? null : { longitude: p[0], latitude: p[1] })),
  geoRadiusWith,
  geoRadiusRoWith: geoRadiusWith,
  geoRadiusByMemberWith: geoRadiusWith,
  geoRadiusByMemberRoWith: geoRadiusWith,
  // geoSearchWith(key, from, by, replyWith, options)
  geoSearchWith: (reply, args) => geoWith(reply, args[3]),
  hello: (reply) => positional(reply, ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']),
  hGetAll: (reply) => tuples(reply),
  hRandFieldCountWithValues: (reply) => pairsAs(reply, 'field', 'value'),
  hScan: ([cursor, flat]) => ({ cursor, entries: pairsAs(flat, 'field', 'value') }),
  hScanNoValues: ([cursor, fields]) => ({ cursor, fields }),
  hotkeysGet,
  latencyHistogram,
  lcsIdx: (reply) => ({ matches: reply[1], len: reply[3] }),
  lcsIdxWithMatchLen: (reply) => ({ matches: reply[1], len: reply[3] }),
  memoryStats,
  moduleList: (reply) => reply.map((m) => ({ name: m[1], ver: m[3] })),
  pubSubNumSub: (reply) => tuples(reply, Number),
  pubSubShardNumSub: (reply) => tuples(reply),
  role,
  scan: ([cursor, keys]) => ({ cursor, keys }),
  sScan: ([cursor, members]) => ({ cursor, members }),
  xAutoClaim: (reply) => ({ nextId: reply[0], messages: reply[1].map(streamMessageOrNull), deletedMessages: reply[2] }),
  xAutoClaimJustId: (reply) => ({ nextId: reply[0], messages: reply[1], deletedMessages: reply[2] }),
  xClaim: (reply) => reply.map(streamMessageOrNull),
  xInfoConsumers: (reply) => reply.map((c) => positional(c, ['name', 'pending', 'idle', 'inactive'])),
  xInfoGroups: (reply) => reply.map((g) => positional(g, ['name', 'consumers', 'pending', 'last-delivered-id', 'entries-read', 'lag'])),
  xInfoStream,
  xPending,
  xPendingRange: (reply) =>
    reply.map(([id, consumer, millisecondsSinceLastDelivery, deliveriesCounter]) => ({ id, consumer, millisecondsSinceLastDelivery, deliveriesCounter })),
  xRange: streamMessages,
  xRevRange: streamMessages,
  xRead: streams,
  xReadGroup: streams,
  zAdd: double,
  zAddIncr: nullableDouble,
  zIncrBy: double,
  zScore: nullableDouble,
  zmScore: (reply) => reply.map(nullableDouble),
  zDiffWithScores: sortedSet,
  zInterWithScores: sortedSet,
  zUnionWithScores: sortedSet,
  zRangeWithScores: sortedSet,
  zRangeByScoreWithScores: sortedSet,
  zRandMemberCountWithScores: sortedSet,
  zPopMinCount: sortedSet,
  zPopMaxCount: sortedSet,
  zPopMin: zPop,
  zPopMax: zPop,
  zmPop,
  zRankWithScore: (reply) => (reply === null ? null : { rank: reply[0], score: Number(reply[1]) }),
  zScan: ([cursor, flat]) => ({ cursor, members: sortedSet(flat) }),
  vAdd: boolean,
  vRem: boolean,
  vSetAttr: boolean,
  vEmb: (reply) => reply.map(double),
  vEmbRaw,
  vGetAttr: (reply) => (reply === null ? null : JSON.parse(reply.toString())),
  vInfo: (reply) => tuples(reply),
  vLinksWithScores,
  vSimWithScores,
}

module.exports = { transforms }
