'use strict'
// lib/node-redis/replies.js against node-redis 5.12.1 itself. Every camelCase method with a
// RESP2 reply transform in node-redis is covered, live or offline (a test fails when one is not).
// Live, on a redis-server of this suite's own: the same call on real node-redis (RESP2, its
// default) and as transforms[method](await ours.sendCommand(command), args), `command` being
// what node-redis' own parser writes for the call; the results must be equal, prototypes
// (null-prototype objects vs plain ones) and key order included. The raw replies of both
// clients are compared too (a difference there is the core's), and node-redis' transform and
// ours are run on one and the same raw reply. Replies that change from call to call (ids,
// ages, idle times, memory) are compared exactly on the one raw reply and by shape across the
// two clients. Offline, for what this server cannot answer (vector sets, HOTKEYS, commands
// newer than it, Cluster, other roles and versions): a recorded RESP2 reply goes to node-redis'
// transformReply[2] and to ours.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const COMMANDS = require('@redis/client/dist/lib/commands').default
const { BasicCommandParser } = require('@redis/client/dist/lib/client/parser')
const { getTransformReply } = require('@redis/client/dist/lib/commander')
const nodeRedis = require('@redis/client')
const TABLE = require('../lib/command-table.json').nodeRedis
const { transforms } = require('../lib/node-redis/replies')
const { RedisServer } = require('./helpers')
const { createClient } = require('..')

const METHODS = Object.keys(TABLE).filter((m) => TABLE[m].reply !== null)

/** What node-redis' parser writes for `method(...args)`, and what it preserves for the reply. */
function parse(method, args) {
  const parser = new BasicCommandParser()
  COMMANDS[method].parseCommand(parser, ...args)
  return { command: parser.redisArgs, preserve: parser.preserve }
}

/** node-redis' own RESP2 transform of `reply` (a copy: it never sees ours' input). */
function theirs(method, reply, preserve) {
  return getTransformReply(COMMANDS[method], 2)(structuredClone(reply), preserve, undefined)
}

const show = (v) => util.inspect(v, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity, sorted: false })

/** Deep equality with prototypes (deepStrictEqual) and the same key order (inspect). */
function same(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what)
  assert.equal(show(actual), show(expected), `${what}: key order`)
}

/** The shape of a value: types and keys (with prototypes), not the values themselves. */
function skeleton(v) {
  if (v === null || v === undefined || typeof v === 'boolean') return v
  if (typeof v !== 'object') return typeof v
  if (Array.isArray(v)) return v.map(skeleton)
  if (v instanceof Set) return new Set([...v].map(skeleton))
  const out = Object.create(Object.getPrototypeOf(v))
  for (const k of Object.keys(v)) out[k] = skeleton(v[k])
  return out
}

/** A copy of `v` with the named fields (at any depth, in objects) replaced by their type. */
function masked(v, fields) {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map((x) => masked(x, fields))
  if (v instanceof Set) return v
  const out = Object.create(Object.getPrototypeOf(v))
  for (const k of Object.keys(v)) out[k] = fields.includes(k) ? typeof v[k] : masked(v[k], fields)
  return out
}

/** RESP2 flat maps: the values after the named keys replaced by their type. */
function maskedRaw(v, fields) {
  if (!Array.isArray(v)) return v
  return v.map((x, i) => (i > 0 && fields.includes(v[i - 1]) ? typeof x : maskedRaw(x, fields)))
}

// ---------------------------------------------------------------------------------------------
// Live cases: method → [{ args, setup?, vary? }]. `setup` commands run before each of the calls
// (for commands that change what they read); `vary` is 'shape' (compare the two clients by
// shape only) or a list of fields whose values differ from call to call (masked in the
// transformed replies; in the raw ones, after those keys of flat maps, or by `rawMask`).

const LIB = [
  '#!lua name=replylib',
  "redis.register_function{function_name='rf1', callback=function(keys, args) return 1 end, flags={'no-writes'}, description='first'}",
  "redis.register_function('rf2', function(keys, args) return 2 end)",
].join('\n')

const SEED = [
  ['HSET', 'h', 'a', '1', 'b', '2', 'c', 'three'],
  ['SADD', 'set', '1', '2', '3'],
  ['SADD', 'sstr', 'x', 'y'],
  ['ZADD', 'zk', '1', 'a', '2.5', 'b', '+inf', 'c', '-inf', 'd', '0.1', 'e'],
  ['ZADD', 'zk2', '2', 'a', '3', 'x'],
  ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
  ['SET', 'k1', 'ohmytext'],
  ['SET', 'k2', 'mynewtext'],
  ['XADD', 'xs', '1-1', 'f', 'v', 'g', 'w'],
  ['XADD', 'xs', '2-1', 'f', 'v2'],
  ['XADD', 'xs', '3-1', 'n', '3'],
  ['XADD', 'xs2', '5-1', 'a', 'b'],
  ['XGROUP', 'CREATE', 'xs', 'g', '0'],
  ['XGROUP', 'CREATE', 'xs', 'g2', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '2', 'STREAMS', 'xs', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', 'xs', '>'],
  ['XGROUP', 'CREATE', 'xe', 'g', '$', 'MKSTREAM'],
  ['ACL', 'SETUSER', 'u1', 'on', '>pw', '~k*', '+get', '(~r* %R~q* +set)'],
  ['FUNCTION', 'LOAD', LIB],
]

// A stream whose group has pending entries, one of them deleted since (XAUTOCLAIM reports it).
const CLAIMS = [
  ['DEL', 'xc'],
  ['XADD', 'xc', '1-1', 'f', 'v'],
  ['XADD', 'xc', '2-1', 'f', 'v2'],
  ['XADD', 'xc', '3-1', 'f', 'v3'],
  ['XGROUP', 'CREATE', 'xc', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'xc', '>'],
  ['XDEL', 'xc', '2-1'],
]
const POPS = [['DEL', 'zp', 'l'], ['ZADD', 'zp', '1', 'a', '2.5', 'b', '+inf', 'c', '-inf', 'd'], ['RPUSH', 'l', 'x', 'y']]
const READS = [['DEL', 'xr'], ['XADD', 'xr', '1-1', 'f', 'v'], ['XADD', 'xr', '2-1', 'f', 'w', 'g', 'u'], ['XGROUP', 'CREATE', 'xr', 'gr', '0']]
const READ_PENDING = [...READS, ['XREADGROUP', 'GROUP', 'gr', 'c1', 'STREAMS', 'xr', '>']]

const GEO_ALL = ['WITHDIST', 'WITHHASH', 'WITHCOORD']
const AT = { longitude: 15, latitude: 37 }
const geoRadius = (extra = []) => [
  { args: ['g', AT, 200, 'km', GEO_ALL] },
  { args: ['g', AT, 200, 'km', ['WITHCOORD']] },
  { args: ['g', AT, 200, 'km', ['WITHHASH', 'WITHDIST'], { SORT: 'ASC' }] },
  { args: ['g', AT, 1, 'km', GEO_ALL] },
  ...extra,
]
const geoByMember = () => [
  { args: ['g', 'Palermo', 200, 'km', GEO_ALL] },
  { args: ['g', 'Palermo', 200, 'km', ['WITHDIST'], { SORT: 'DESC', COUNT: 1 }] },
]

const LIVE = {
  aclGetUser: [{ args: ['default'] }, { args: ['u1'] }],
  aclLog: [{ args: [], vary: 'shape' }, { args: [1], vary: 'shape' }],
  blPop: [{ args: ['l', 0], setup: POPS }, { args: [['nolist', 'l'], 1], setup: POPS }, { args: ['nolist', 0.01] }],
  brPop: [{ args: ['l', 0], setup: POPS }, { args: ['nolist', 0.01] }],
  bzmPop: [{ args: [0.01, 'zp', 'MIN'], setup: POPS }, { args: [0.01, ['nozset', 'zp'], 'MAX', { COUNT: 3 }], setup: POPS }, { args: [0.01, 'nozset', 'MIN'] }],
  bzPopMax: [{ args: ['zp', 0], setup: POPS }, { args: ['nozset', 0.01] }],
  bzPopMin: [{ args: [['nozset', 'zp'], 0], setup: POPS }, { args: ['nozset', 0.01] }],
  clientInfo: [{ args: [], vary: 'shape' }],
  clientList: [{ args: [], vary: 'shape' }, { args: [{ TYPE: 'normal' }], vary: 'shape' }, { args: [{ ID: ['999999'] }] }],
  clientTrackingInfo: [{ args: [] }],
  command: [{ args: [] }],
  commandGetKeysAndFlags: [{ args: [['SET', 'k', 'v']] }, { args: [['LMOVE', 'a', 'b', 'LEFT', 'RIGHT']] }],
  commandInfo: [{ args: [['get', 'set', 'nosuchcommand']] }],
  configGet: [{ args: ['maxmemory*'] }, { args: [['port', 'appendonly']] }, { args: ['nosuchparameter'] }],
  functionList: [{ args: [] }, { args: [{ LIBRARYNAME: 'reply' }] }, { args: [{ LIBRARYNAME: 'none' }] }],
  functionListWithCode: [{ args: [] }],
  functionStats: [{ args: [] }],
  geoDist: [{ args: ['g', 'Palermo', 'Catania'] }, { args: ['g', 'Palermo', 'Catania', 'km'] }, { args: ['g', 'Palermo', 'nowhere'] }],
  geoPos: [{ args: ['g', ['Palermo', 'nowhere', 'Catania']] }, { args: ['nogeo', 'x'] }],
  geoRadiusWith: geoRadius(),
  geoRadiusRoWith: geoRadius(),
  geoRadiusByMemberWith: geoByMember(),
  geoRadiusByMemberRoWith: geoByMember(),
  geoSearchWith: [
    { args: ['g', 'Palermo', { radius: 200, unit: 'km' }, GEO_ALL] },
    { args: ['g', AT, { width: 400, height: 400, unit: 'km' }, ['WITHCOORD', 'WITHDIST'], { SORT: 'ASC' }] },
    { args: ['g', AT, { radius: 200, unit: 'km' }, ['WITHHASH'], { COUNT: 1 }] },
  ],
  hello: [{ args: [], vary: ['id', 'proto'] }],
  hGetAll: [{ args: ['h'] }, { args: ['nohash'] }],
  hRandFieldCountWithValues: [{ args: ['h', 10] }, { args: ['nohash', 3] }],
  hScan: [{ args: ['h', '0'] }, { args: ['h', '0', { MATCH: 'a*', COUNT: 100 }] }, { args: ['nohash', '0'] }],
  latencyHistogram: [{ args: ['set', 'hset'] }, { args: ['nosuchcommand'] }],
  lcsIdx: [{ args: ['k1', 'k2'] }, { args: ['k1', 'k2', { MINMATCHLEN: 4 }] }],
  lcsIdxWithMatchLen: [{ args: ['k1', 'k2'] }, { args: ['k1', 'nokey'] }],
  memoryStats: [{ args: [], vary: 'shape' }],
  moduleList: [{ args: [] }],
  pubSubNumSub: [{ args: [['ch1', 'ch2', 'ch1']] }, { args: [] }],
  pubSubShardNumSub: [{ args: [['sch1', 'sch2']] }],
  role: [{ args: [] }],
  scan: [{ args: ['0', { MATCH: 'x*', COUNT: 1000 }] }, { args: ['0', { TYPE: 'zset', COUNT: 1000 }] }],
  sScan: [{ args: ['set', '0'] }, { args: ['sstr', '0', { MATCH: 'x' }] }],
  xAutoClaim: [{ args: ['xc', 'g', 'c2', 0, '0-0'], setup: CLAIMS }, { args: ['xc', 'g', 'c2', 0, '0-0', { COUNT: 1 }], setup: CLAIMS }],
  xAutoClaimJustId: [{ args: ['xc', 'g', 'c2', 0, '0-0'], setup: CLAIMS }],
  xClaim: [{ args: ['xc', 'g', 'c2', 0, ['1-1', '2-1', '3-1']], setup: CLAIMS }, { args: ['xc', 'g', 'c2', 0, '1-1', { FORCE: true }], setup: CLAIMS }],
  xInfoConsumers: [{ args: ['xs', 'g'], vary: ['idle', 'inactive'] }, { args: ['xs', 'g2'] }],
  xInfoGroups: [{ args: ['xs'] }],
  xInfoStream: [{ args: ['xs'] }, { args: ['xe'] }],
  xPending: [{ args: ['xs', 'g'] }, { args: ['xs', 'g2'] }],
  xPendingRange: [
    // Entries [id, consumer, idle ms, deliveries]: the idle time varies.
    { args: ['xs', 'g', '-', '+', 10], vary: ['millisecondsSinceLastDelivery'], rawMask: (r) => r.map(([id, c, idle, n]) => [id, c, typeof idle, n]) }, { args: ['xs', 'g', '-', '+', 10, { consumer: 'nobody' }] }],
  xRange: [{ args: ['xs', '-', '+'] }, { args: ['xs', '-', '+', { COUNT: 1 }] }, { args: ['nostream', '-', '+'] }],
  xRevRange: [{ args: ['xs', '+', '-'] }],
  xRead: [
    { args: [{ key: 'xs', id: '0-0' }] },
    { args: [[{ key: 'xs', id: '1-1' }, { key: 'xs2', id: '0-0' }], { COUNT: 1 }] },
    { args: [{ key: 'xs', id: '$' }] },
  ],
  xReadGroup: [
    { args: ['gr', 'c1', { key: 'xr', id: '>' }], setup: READS },
    { args: ['gr', 'c1', { key: 'xr', id: '0' }], setup: READ_PENDING },
    { args: ['gr', 'c1', { key: 'xr', id: '>' }], setup: READ_PENDING },
  ],
  zAdd: [{ args: ['za', [{ value: 'a', score: 1 }, { value: 'b', score: 2 }]], setup: [['DEL', 'za']] }],
  zAddIncr: [
    { args: ['za', { value: 'a', score: 1.5 }], setup: [['DEL', 'za']] },
    { args: ['za', { value: 'a', score: 1 }, { condition: 'XX' }], setup: [['DEL', 'za']] },
  ],
  zIncrBy: [{ args: ['za', 2.5, 'a'], setup: [['DEL', 'za']] }, { args: ['za', -Infinity, 'a'], setup: [['DEL', 'za']] }],
  zScore: [{ args: ['zk', 'b'] }, { args: ['zk', 'c'] }, { args: ['zk', 'nope'] }],
  zmScore: [{ args: ['zk', ['a', 'nope', 'c', 'd']] }],
  zDiffWithScores: [{ args: [['zk', 'zk2']] }],
  zInterWithScores: [{ args: [['zk', 'zk2']] }],
  zUnionWithScores: [{ args: [['zk', 'zk2']] }],
  zRangeWithScores: [{ args: ['zk', 0, -1] }, { args: ['zk', '-inf', '+inf', { BY: 'SCORE', REV: true }] }],
  zRangeByScoreWithScores: [{ args: ['zk', '-inf', '+inf'] }, { args: ['zk', 1, 2] }],
  zRandMemberCountWithScores: [{ args: ['zk', 10] }],
  zPopMinCount: [{ args: ['zp', 3], setup: POPS }],
  zPopMaxCount: [{ args: ['zp', 2], setup: POPS }, { args: ['nozset', 2] }],
  zPopMin: [{ args: ['zp'], setup: POPS }, { args: ['nozset'] }],
  zPopMax: [{ args: ['zp'], setup: POPS }],
  zmPop: [{ args: ['zp', 'MIN'], setup: POPS }, { args: [['nozset', 'zp'], 'MAX', { COUNT: 2 }], setup: POPS }, { args: ['nozset', 'MIN'] }],
  zScan: [{ args: ['zk', '0'] }],
}

// ---------------------------------------------------------------------------------------------
// Offline cases: method → [{ args, reply }], `reply` in RESP2's raw form as node-redis gets it.

const OFFLINE = {
  clusterLinks: [
    {
      args: [],
      reply: [
        ['direction', 'to', 'node', '8149d745fa551e40764fecaf7cab9dbdf6b659ae', 'create-time', 1639442739375, 'events', 'rw', 'send-buffer-allocated', 4512, 'send-buffer-used', 0],
        ['direction', 'from', 'node', '8149d745fa551e40764fecaf7cab9dbdf6b659ae', 'create-time', 1639442739411, 'events', 'r', 'send-buffer-allocated', 0, 'send-buffer-used', 0],
      ],
    },
    { args: [], reply: [] },
  ],
  clusterSlots: [
    {
      args: [],
      reply: [
        [0, 5460, ['127.0.0.1', 30001, '09dbe9720cda62f7865eabc5fd8857c5d2678366', ['hostname', 'host-1.redis.example.com']], ['127.0.0.1', 30004, '821d8ca00d7ccf931ed3ffc7e3db0599d2271abf', []]],
        [5461, 10922, ['127.0.0.1', 30002, 'c9d93d9f2c0c524ff34cc11838c2003d8c29e013']],
      ],
    },
  ],
  hotkeysGet: [
    {
      args: [],
      reply: [
        [
          'tracking-active', 1,
          'sample-ratio', 1,
          'selected-slots', [[0, 100], [200]],
          'sampled-commands-selected-slots-us', 10,
          'all-commands-selected-slots-us', 20,
          'all-commands-all-slots-us', 30,
          'net-bytes-sampled-commands-selected-slots', 40,
          'net-bytes-all-commands-selected-slots', 50,
          'net-bytes-all-commands-all-slots', 60,
          'collection-start-time-unix-ms', 1739000000000,
          'collection-duration-ms', 1500,
          'total-cpu-time-sys-ms', 3,
          'total-cpu-time-user-ms', 4,
          'total-net-bytes', 900,
          'by-cpu-time-us', ['k1', '100', 'k2', 50],
          'by-net-bytes', ['k2', 300],
          'future-field', 'ignored',
        ],
      ],
    },
    { args: [], reply: null },
  ],
  hScanNoValues: [{ args: ['h', '0'], reply: ['17', ['a', 'b']] }],
  zRankWithScore: [
    { args: ['zk', 'b'], reply: [2, '2.5'] },
    { args: ['zk', 'c'], reply: [4, 'inf'] },
    { args: ['zk', 'nope'], reply: null },
  ],
  vAdd: [{ args: ['v', [0.1, 0.2], 'e'], reply: 1 }, { args: ['v', [0.1, 0.2], 'e'], reply: 0 }],
  vRem: [{ args: ['v', 'e'], reply: 1 }, { args: ['v', 'e'], reply: 0 }],
  vSetAttr: [{ args: ['v', 'e', { a: 1 }], reply: 1 }, { args: ['v', 'e', '{}'], reply: 0 }],
  vEmb: [{ args: ['v', 'e'], reply: ['0.1', '-0.25', '1e-05', 'inf'] }],
  vEmbRaw: [
    { args: ['v', 'e'], reply: ['int8', '\u0001\u007f', '1.2345', '0.0078125'] },
    { args: ['v', 'e'], reply: ['f32', 'raw-bytes', '1'] },
  ],
  vGetAttr: [{ args: ['v', 'e'], reply: '{"a":1,"b":[true,null]}' }, { args: ['v', 'e'], reply: null }],
  vInfo: [{ args: ['v'], reply: ['quant-type', 'int8', 'vector-dim', 3, 'size', 2, 'max-level', 1, 'vset-uid', 1, 'hnsw-max-node-uid', 2] }],
  vLinksWithScores: [{ args: ['v', 'e'], reply: [['a', '0.98', 'b', '0.5'], ['a', '0.98']] }, { args: ['v', 'e'], reply: [] }],
  vSimWithScores: [{ args: ['v', { ELE: 'e' }], reply: ['e', '1', 'a', '0.98', 'b', '-inf'] }],

  // Methods also tested live, with replies this server (7.0) does not give.
  role: [
    { args: [], reply: ['master', 3129659, [['127.0.0.1', '9001', '3129242'], ['127.0.0.1', '9002', '3129543']]] },
    { args: [], reply: ['slave', '127.0.0.1', 9000, 'connected', 3167038] },
    { args: [], reply: ['sentinel', ['resque-master', 'html-fragments-master']] },
  ],
  functionStats: [
    {
      args: [],
      reply: ['running_script', ['name', 'slowfn', 'command', ['fcall', 'slowfn', '0'], 'duration_ms', 1051], 'engines', ['LUA', ['libraries_count', 1, 'functions_count', 2]]],
    },
  ],
  clientInfo: [
    {
      args: [],
      reply:
        'id=7 addr=127.0.0.1:52080 laddr=127.0.0.1:6379 fd=8 name=app age=3 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 watch=0 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=22426 events=r cmd=client|info user=default redir=-1 resp=2 lib-name=node-redis lib-ver=5.12.1\n',
    },
  ],
  clientList: [
    {
      args: [],
      reply:
        'id=3 addr=127.0.0.1:1 fd=8 name= age=1 idle=0 flags=N db=0 sub=0 psub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=client|list user=default\nid=4 addr=127.0.0.1:2 laddr=127.0.0.1:6379 fd=9 name=x age=2 idle=2 flags=P db=1 sub=0 psub=1 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=psubscribe user=u redir=-1 resp=3\n',
    },
    { args: [], reply: '' },
  ],
  aclGetUser: [
    // Redis 6.2: no selectors.
    { args: ['u'], reply: ['flags', ['on', 'allkeys'], 'passwords', ['5e88'], 'commands', '+@all', 'keys', ['*'], 'channels', ['*']] },
  ],
  aclLog: [
    {
      args: [],
      reply: [
        [
          'count', 1, 'reason', 'auth', 'context', 'toplevel', 'object', 'AUTH', 'username', 'someuser', 'age-seconds', '4.096',
          'client-info', 'id=6 addr=127.0.0.1:63026 fd=8 name= age=9 idle=0 flags=N db=0', 'entry-id', 0,
          'timestamp-created', 1675361492408, 'timestamp-last-updated', 1675361492408,
        ],
      ],
    },
  ],
  xInfoStream: [
    // Redis 8.6: more fields (read by name, not position).
    {
      args: ['s'],
      reply: [
        'length', 2, 'radix-tree-keys', 1, 'radix-tree-nodes', 2, 'last-generated-id', '2-1', 'max-deleted-entry-id', '0-0', 'entries-added', 2,
        'recorded-first-entry-id', '1-1', 'idmp-duration', 100, 'idmp-maxsize', 10, 'pids-tracked', 0, 'iids-tracked', 0, 'iids-added', 0, 'iids-duplicates', 0,
        'groups', 1, 'first-entry', ['1-1', ['a', '1']], 'last-entry', ['2-1', ['b', '2', 'c', '3']],
      ],
    },
  ],
  xAutoClaim: [
    // Redis 6.2: deleted entries as nulls, no third element.
    { args: ['s', 'g', 'c', 0, '0-0'], reply: ['0-0', [['1-1', ['a', '1']], null]] },
  ],
  xAutoClaimJustId: [{ args: ['s', 'g', 'c', 0, '0-0'], reply: ['0-0', ['1-1'], []] }],
  xClaim: [{ args: ['s', 'g', 'c', 0, ['1-1', '2-1']], reply: [['1-1', ['a', '1']], null] }],
  xReadGroup: [
    // Redis 8.4's CLAIM: entries with idle time and delivery count.
    { args: ['g', 'c', { key: 's', id: '>' }, { CLAIM: 100 }], reply: [['s', [['1-1', ['a', '1'], 5000, 2], ['2-1', ['b', '2'], 0, 0]]]] },
  ],
  xInfoGroups: [{ args: ['s'], reply: [['name', 'g', 'consumers', 1, 'pending', 2, 'last-delivered-id', '2-1']] }],
  geoSearchWith: [
    {
      args: ['g', 'm', { radius: 1, unit: 'km' }, ['WITHCOORD', 'WITHHASH', 'WITHDIST']],
      reply: [['a', '0.1', 3479099956230698, ['13.3', '38.1']], ['b', '0.2', 3479447370796909, ['15', '37']]],
    },
  ],
  memoryStats: [
    { args: [], reply: ['peak.allocated', 1, 'dataset.percentage', '99.5', 'fragmentation', 'nan', 'db.0', ['overhead.hashtable.main', 1], 'peak.percentage', 'inf'] },
  ],
  latencyHistogram: [
    { args: [], reply: ['set', ['calls', 2, 'histogram_usec', [1, 1, 2, 2]], 'get', ['calls', 1, 'histogram_usec', [4, 1]]] },
  ],
  pubSubNumSub: [{ args: [['a', 'b']], reply: ['a', 1, 'b', 0] }],
  moduleList: [{ args: [], reply: [['name', 'search', 'ver', 21005, 'path', '/x.so', 'args', []]] }],
  hello: [{ args: [], reply: ['server', 'redis', 'version', '7.2.4', 'proto', 2, 'id', 3, 'mode', 'standalone', 'role', 'master', 'modules', []] }],
  zAdd: [{ args: ['z', { value: 'a', score: 1 }], reply: 1 }],
}

// ---------------------------------------------------------------------------------------------

test('every method with a reply transform in node-redis 5.12.1 has one here, and is tested', () => {
  const withTransform = Object.keys(COMMANDS).filter((m) => /^[a-z]/.test(m) && getTransformReply(COMMANDS[m], 2))
  assert.deepEqual([...withTransform].sort(), [...METHODS].sort(), 'the table agrees with node-redis')
  assert.deepEqual(Object.keys(transforms).sort(), [...METHODS].sort(), 'transforms are exactly those methods')
  for (const m of Object.keys(transforms)) assert.equal(typeof transforms[m], 'function', m)
  const untested = METHODS.filter((m) => !LIVE[m] && !OFFLINE[m])
  assert.deepEqual(untested, [], 'methods without a case')
  for (const m of [...Object.keys(LIVE), ...Object.keys(OFFLINE)]) assert.ok(METHODS.includes(m), `${m} has no transform in node-redis`)
})

for (const [method, cases] of Object.entries(OFFLINE)) {
  test(`offline: ${method}`, () => {
    for (const c of cases) {
      const { preserve } = parse(method, c.args)
      const what = `${method}(${show(c.args)}) on ${show(c.reply)}`
      same(transforms[method](structuredClone(c.reply), c.args), theirs(method, c.reply, preserve), what)
    }
  })
}

// One server and four clients for the live tests: node-redis (the reference), node-redis for
// seeding and setups, node-redis holding subscriptions (for PUBSUB NUMSUB), and ours.
let server
let nr
let admin
const ours = { client: null }
const opened = []

test.before(async () => {
  server = await RedisServer.start()
  const open = async (client) => {
    client.on('error', () => {})
    await client.connect()
    opened.push(client)
    return client
  }
  nr = await open(nodeRedis.createClient({ url: server.url }))
  admin = await open(nodeRedis.createClient({ url: server.url }))
  const listener = await open(nodeRedis.createClient({ url: server.url }))
  ours.client = await open(createClient({ url: server.url }))
  for (const cmd of SEED) await admin.sendCommand(cmd)
  await listener.subscribe(['ch1', 'ch2'], () => {})
  await listener.sSubscribe('sch1', () => {})
  // An ACL LOG entry: a failed AUTH.
  await admin.sendCommand(['AUTH', 'u1', 'wrong']).catch(() => {})
})

test.after(async () => {
  for (const c of opened.reverse()) await c.close().catch(() => {})
  if (server) await server.stop()
})

/** Runs `setup` (on the admin connection), then `fn`. */
async function after(setup, fn) {
  for (const cmd of setup || []) await admin.sendCommand(cmd)
  return fn()
}

for (const [method, cases] of Object.entries(LIVE)) {
  test(`live: ${method}`, async () => {
    for (const c of cases) {
      const { command, preserve } = parse(method, c.args)
      const what = `${method}(${show(c.args)})`
      const expected = await after(c.setup, () => nr[method](...c.args))
      const ourRaw = await after(c.setup, () => ours.client.sendCommand(command))
      const theirRaw = await after(c.setup, () => nr.sendCommand(command))
      const actual = transforms[method](ourRaw, c.args)
      if (c.vary === undefined) {
        same(ourRaw, theirRaw, `${what}: raw reply (sendCommand)`)
        same(actual, expected, what)
      } else if (c.vary === 'shape') {
        same(skeleton(ourRaw), skeleton(theirRaw), `${what}: raw reply shape`)
        same(skeleton(actual), skeleton(expected), `${what}: shape`)
      } else {
        const mask = c.rawMask || ((r) => maskedRaw(r, c.vary))
        same(mask(ourRaw), mask(theirRaw), `${what}: raw reply`)
        same(masked(actual, c.vary), masked(expected, c.vary), what)
      }
      // Both transforms on one raw reply: equal to the last detail, volatile fields included.
      same(transforms[method](structuredClone(theirRaw), c.args), theirs(method, theirRaw, preserve), `${what}: on node-redis' raw reply`)
    }
  })
}

// Known difference in the core, not in the transforms: our connection speaks RESP3, so HELLO
// without a protocol version reports proto 3 where node-redis (RESP2 by default) reports 2.
test('live: hello() reports the protocol node-redis would (proto 2)', { todo: 'the core speaks RESP3: HELLO reports proto 3' }, async () => {
  assert.equal((await ours.client.hello()).proto, (await nr.hello()).proto)
})
