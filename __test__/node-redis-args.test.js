'use strict'
// lib/node-redis/arguments.js against node-redis 5.12.1 itself: for every camelCase command
// method of node-redis' command map, representative argument lists go through node-redis' own
// parseCommand (on its BasicCommandParser, which records what is pushed) and through
// argumentsOf; the two commands must be identical. Where node-redis would throw (in the parser,
// or in its encoder for a value that is not a string or Buffer), argumentsOf must throw a
// TypeError with code 'ERR_INVALID_ARG'. No server is needed.
// (Long by nature: one table of representative argument lists per node-redis command family.)
const test = require('node:test')
const assert = require('node:assert/strict')
const COMMANDS = require('@redis/client/dist/lib/commands').default
const { BasicCommandParser } = require('@redis/client/dist/lib/client/parser')
const { pushVariadicArguments } = require('@redis/client/dist/lib/commands/generic-transformers')
const { argumentsOf } = require('../lib/node-redis/arguments')

const METHODS = Object.keys(COMMANDS).filter((k) => /^[a-z]/.test(k))

// A case is an argument list (the result must be equal as it is), L(...) for the sanctioned
// leniency (node-redis would push a number where it wants a string; we send String(n)) or
// T(...) where node-redis throws.
const L = (...args) => ({ args, lenient: true })
const T = (...args) => ({ args, throws: true })

const b = (s) => Buffer.from(s)
const DATE = new Date(1700000000999)
const AT = { longitude: 13.361389, latitude: 38.115556 }
const BY_RADIUS = { radius: 100, unit: 'km' }
const BY_BOX = { width: 400, height: 200.5, unit: 'm' }
const GEO_OPTIONS = [undefined, { SORT: 'ASC' }, { SORT: 'DESC', COUNT: 5 }, { COUNT: { value: 3, ANY: true } }, { COUNT: { value: 2 } }, { COUNT: 0 }]
const ZKEYS = [['a', 'b'], 'a', [b('a'), 'b'], { key: 'a', weight: 2 }, [{ key: 'a', weight: 1 }, { key: 'b', weight: Infinity }], [{ key: 'a', weight: -Infinity }], []]
const ZCOMBINE_OPTIONS = [undefined, { AGGREGATE: 'SUM' }, { AGGREGATE: 'MIN' }, { AGGREGATE: 'MAX' }]
const EVAL_CASES = [['return 1'], ['s', { keys: ['a', 'b'], arguments: ['1', '2'] }], ['s', { arguments: ['x'] }], ['s', { keys: [] }], ['s', { keys: 'k' }], ['s', {}], ['s', { keys: ['a'], arguments: 'xy' }], L('s', { arguments: [1, 2] }), T()]
const SORT_CASES = [
  ['k'],
  ['k', { BY: 'w_*', LIMIT: { offset: 0, count: 10 }, GET: ['#', 'o_*'], DIRECTION: 'DESC', ALPHA: true }],
  ['k', { GET: 'o_*' }],
  ['k', { BY: 'nosort', DIRECTION: 'ASC', ALPHA: false }],
  ['k', { LIMIT: { offset: 5, count: 1 } }]
]
const SCAN_OPTIONS = [undefined, { MATCH: 'a*' }, { COUNT: 100 }, { MATCH: 'f*', COUNT: 10 }, { MATCH: '', COUNT: 0 }]
const ZRANGE_OPTIONS = [undefined, { BY: 'SCORE' }, { BY: 'LEX' }, { REV: true }, { LIMIT: { offset: 0, count: 10 } }, { BY: 'SCORE', REV: true, LIMIT: { offset: 1, count: 2 } }, { BY: 'OTHER', REV: false }]
const RANGE_BOUNDS = [[0, -1], [-Infinity, Infinity], ['(1', '+inf'], ['[a', '(z'], [1.5, 2]]

/** Each argument list, then each with every option value appended. */
function withOptions(base, options) {
  const out = []
  for (const args of base) for (const o of options) out.push(o === undefined ? args : [...args, o])
  return out
}

const zRangeCases = (prefix) => {
  const out = []
  for (const [min, max] of RANGE_BOUNDS) for (const o of ZRANGE_OPTIONS) out.push([...prefix, min, max, ...(o === undefined ? [] : [o])])
  return out
}

const zRangeByCases = (extra) => [
  ...RANGE_BOUNDS.map(([min, max]) => ['k', min, max]),
  ['k', -Infinity, '(5', { LIMIT: { offset: 0, count: 1 } }],
  ['k', '-', '+', { LIMIT: { offset: 10, count: 5 } }],
  ['k', 0, 1, {}],
  ...extra
]

const geoRadiusCases = (withReply, store) => {
  const base = [['k', AT, 100, 'km'], ['k', { longitude: '1.5', latitude: -2 }, 0.5, 'm']]
  const out = []
  for (const args of base) {
    for (const o of GEO_OPTIONS) {
      const mid = withReply ? [['WITHDIST', 'WITHCOORD']] : store ? ['dest'] : []
      out.push(o === undefined ? [...args, ...mid] : [...args, ...mid, o])
    }
  }
  if (withReply) out.push(['k', AT, 1, 'mi', 'WITHHASH'], ['k', AT, 1, 'mi', []])
  if (store) out.push(['k', AT, 1, 'km', 'd', { STOREDIST: true }], ['k', AT, 1, 'km', 'd', { STOREDIST: true, COUNT: 2, SORT: 'ASC' }], ['k', AT, 1, 'km', 'd', { STOREDIST: false }])
  out.push(T('k', undefined, 1, 'km'))
  return out
}

const geoRadiusByMemberCases = (withReply, store) => {
  const out = []
  for (const o of GEO_OPTIONS) {
    const mid = withReply ? [['WITHDIST', 'WITHHASH']] : store ? ['dest'] : []
    out.push(o === undefined ? ['k', 'm', 100, 'km', ...mid] : ['k', 'm', 100, 'km', ...mid, o])
  }
  if (withReply) out.push(['k', 'm', 5, 'ft', []])
  if (store) out.push(['k', 'm', 1, 'km', 'd', { STOREDIST: true, COUNT: { value: 1, ANY: true } }])
  out.push(['k', b('m'), 2.5, 'mi'].slice(0, withReply ? 4 : 4).concat(withReply ? [['WITHCOORD']] : store ? ['d'] : []))
  return out
}

const geoSearchCases = (prefix, withReply) => {
  const out = []
  for (const from of ['m', b('m'), AT]) {
    for (const by of [BY_RADIUS, BY_BOX]) {
      for (const o of GEO_OPTIONS) {
        const mid = withReply ? [['WITHDIST', 'WITHCOORD', 'WITHHASH']] : []
        out.push(o === undefined ? [...prefix, from, by, ...mid] : [...prefix, from, by, ...mid, o])
      }
    }
  }
  out.push(T(...prefix, 'm'))
  return out
}

const hashFieldsCases = [['k', 'f'], ['k', ['a', 'b']], ['k', [b('a')]], T('k')]
const expireModes = [undefined, 'NX', 'XX', 'GT', 'LT', '']

const CASES = {
  aclCat: [[], ['keyspace'], [''], [undefined]],
  aclDelUser: [['u'], [['u1', 'u2']]],
  aclDryRun: [['u', ['GET', 'k']], ['u', []], ['u', 'PING'], T('u')],
  aclGenPass: [[], [128], [0], ['64']],
  aclGetUser: [['u'], T()],
  aclList: [[]],
  aclLoad: [[]],
  aclLogReset: [[]],
  aclLog: [[], [10], [0], [null]],
  aclSave: [[]],
  aclSetUser: [['u', 'on'], ['u', ['on', '>pw', '~*', '+@all']]],
  aclUsers: [[]],
  aclWhoAmI: [[]],
  append: [['k', 'v'], [b('k'), Buffer.from([0, 255])], L('k', 5), T('k'), T('k', true)],
  asking: [[]],
  auth: [[{ password: 'p' }], [{ username: 'u', password: 'p' }], T(), T({ username: 'u' })],
  bgRewriteAof: [[]],
  bgSave: [[], [{ SCHEDULE: true }], [{ SCHEDULE: false }], [{}]],
  bitCount: [['k'], ['k', { start: 0, end: -1 }], ['k', { start: 1, end: 5, mode: 'BIT' }], ['k', { start: 1, end: 5, mode: 'BYTE' }], T('k', { start: 1 })],
  bitFieldRo: [['k', [{ encoding: 'u8', offset: 0 }, { encoding: 'i4', offset: '#1' }]], ['k', []], T('k')],
  bitField: [
    ['k', [
      { operation: 'GET', encoding: 'u8', offset: 0 },
      { operation: 'SET', encoding: 'i8', offset: '#1', value: -3 },
      { operation: 'INCRBY', encoding: 'u2', offset: 100, increment: 1 },
      { operation: 'OVERFLOW', behavior: 'SAT' },
      { operation: 'OVERFLOW', behavior: 'FAIL' }
    ]],
    ['k', [{ operation: 'UNKNOWN' }]],
    ['k', []],
    T('k'),
    T('k', [{ operation: 'SET', encoding: 'u8', offset: 0 }])
  ],
  bitOp: [['AND', 'd', ['a', 'b']], ['NOT', 'd', 'a'], ['OR', b('d'), [b('a')]]],
  bitPos: [['k', 1], ['k', 0, 2], ['k', 1, 0, -1], ['k', 1, 0, -1, 'BIT'], ['k', 1, undefined, undefined, ''], ['k', 1, undefined, 5], T('k')],
  blMove: [['a', 'b', 'LEFT', 'RIGHT', 0], ['a', 'b', 'RIGHT', 'LEFT', 1.5]],
  blmPop: [[0, ['a', 'b'], 'LEFT'], [1, 'a', 'RIGHT', { COUNT: 2 }], [1, 'a', 'RIGHT', { COUNT: 0 }], [0.5, ['a'], 'LEFT', {}], T(undefined, 'a', 'LEFT')],
  blPop: [[['a', 'b'], 0], ['a', 1.5]],
  brPop: [[['a', 'b'], 0], ['a', 1.5]],
  brPopLPush: [['a', 'b', 0], ['a', 'b', 2]],
  bzmPop: [[0, ['a', 'b'], 'MIN'], [1, 'a', 'MAX', { COUNT: 2 }], [1, 'a', 'MAX', { COUNT: 0 }]],
  bzPopMax: [[['a', 'b'], 0], ['a', 2]],
  bzPopMin: [[['a', 'b'], 0], ['a', 2]],
  clientCaching: [[true], [false]],
  clientGetName: [[]],
  clientGetRedir: [[]],
  clientId: [[]],
  clientInfo: [[]],
  clientKill: [
    ['SKIPME'],
    [{ filter: 'ADDR', address: '1.2.3.4:5' }],
    [[
      { filter: 'LADDR', localAddress: 'x:1' },
      { filter: 'ID', id: 5 },
      { filter: 'ID', id: '6' },
      { filter: 'TYPE', type: 'normal' },
      { filter: 'USER', username: 'u' },
      { filter: 'SKIPME', skipMe: false },
      { filter: 'SKIPME', skipMe: true },
      { filter: 'MAXAGE', maxAge: 10 },
      'SKIPME'
    ]],
    T('ID'),
    T()
  ],
  clientList: [[], [{ TYPE: 'normal' }], [{ ID: ['1', '2'] }], [{ ID: '3' }], L({ ID: [1, 2] })],
  clientNoEvict: [[true], [false]],
  clientNoTouch: [[true], [false]],
  clientPause: [[1000], [1000, 'WRITE'], [1000, 'ALL']],
  clientSetName: [['n']],
  clientTracking: [
    [false],
    [true],
    [true, { REDIRECT: 5, BCAST: true, PREFIX: ['a', 'b'], NOLOOP: true }],
    [true, { BCAST: true, PREFIX: 'a' }],
    [true, { BCAST: true }],
    [true, { OPTIN: true }],
    [true, { OPTOUT: true, NOLOOP: false }],
    [true, { REDIRECT: 0, OPTIN: 'yes' }],
    [false, { OPTIN: true, REDIRECT: 5 }]
  ],
  clientTrackingInfo: [[]],
  clientUnpause: [[]],
  clusterAddSlots: [[[1, 2, 3]], [5], ['7']],
  clusterAddSlotsRange: [[{ start: 0, end: 100 }], [[{ start: 0, end: 1 }, { start: 5, end: 6 }]], T()],
  clusterBumpEpoch: [[]],
  clusterCountFailureReports: [['id']],
  clusterCountKeysInSlot: [[7]],
  clusterDelSlots: [[[1, 2]], [3]],
  clusterDelSlotsRange: [[{ start: 0, end: 1 }], [[{ start: 3, end: 4 }, { start: 8, end: 9 }]]],
  clusterFailover: [[], [{ mode: 'FORCE' }], [{ mode: 'TAKEOVER' }], [{}]],
  clusterFlushSlots: [[]],
  clusterForget: [['id']],
  clusterGetKeysInSlot: [[7, 10]],
  clusterInfo: [[]],
  clusterKeySlot: [['k']],
  clusterLinks: [[]],
  clusterMeet: [['127.0.0.1', 7000]],
  clusterMyId: [[]],
  clusterMyShardId: [[]],
  clusterNodes: [[]],
  clusterReplicas: [['id']],
  clusterReplicate: [['id']],
  clusterReset: [[], [{ mode: 'HARD' }], [{ mode: 'SOFT' }]],
  clusterSaveConfig: [[]],
  clusterSetConfigEpoch: [[3]],
  clusterSetSlot: [[1, 'IMPORTING', 'id'], [1, 'STABLE'], [1, 'NODE', '']],
  clusterSlots: [[]],
  commandCount: [[]],
  commandGetKeys: [[['GET', 'k']], [['SET', 'k', 'v']]],
  commandGetKeysAndFlags: [[['GET', 'k']]],
  commandInfo: [[['GET', 'SET']], [[]]],
  commandList: [[], [{ FILTERBY: { type: 'MODULE', value: 'json' } }], [{ FILTERBY: { type: 'PATTERN', value: 'x*' } }]],
  command: [[]],
  configGet: [['maxmemory'], [['a', 'b']]],
  configResetStat: [[]],
  configRewrite: [[]],
  configSet: [['maxmemory', '100mb'], [{ maxmemory: '1mb', 'maxmemory-policy': 'allkeys-lru' }], [b('maxmemory'), '1mb'], L({ hz: 10 })],
  copy: [['a', 'b'], ['a', 'b', { DB: 1 }], ['a', 'b', { DB: 0, REPLACE: true }], ['a', 'b', { REPLACE: true }], ['a', 'b', { DB: 2, REPLACE: false }]],
  dbSize: [[]],
  decr: [['k']],
  decrBy: [['k', 5], ['k', -1]],
  del: [['k'], [['a', 'b']], T()],
  delEx: [['k'], ['k', { condition: 'IFEQ', matchValue: 'v' }], ['k', { condition: 'IFDNE', matchValue: b('d') }], T('k', { condition: 'IFEQ' })],
  digest: [['k']],
  dump: [['k']],
  echo: [['m']],
  evalRo: EVAL_CASES,
  eval: EVAL_CASES,
  evalShaRo: EVAL_CASES,
  evalSha: EVAL_CASES,
  exists: [['k'], [['a', 'b']]],
  expire: [...expireModes.map((m) => ['k', 10, m]), T('k')],
  expireAt: [['k', 1700000000], ['k', DATE], ['k', new Date(1700000000000), 'GT'], ['k', DATE, ''], T('k', 'tomorrow')],
  expireTime: [['k']],
  flushAll: [[], ['ASYNC'], ['SYNC']],
  flushDb: [[], ['ASYNC'], ['SYNC']],
  fCall: EVAL_CASES,
  fCallRo: EVAL_CASES,
  functionDelete: [['lib']],
  functionDump: [[]],
  functionFlush: [[], ['SYNC'], ['ASYNC']],
  functionKill: [[]],
  functionListWithCode: [[], [{ LIBRARYNAME: 'lib' }], [{}]],
  functionList: [[], [{ LIBRARYNAME: 'lib' }], [{ LIBRARYNAME: '' }]],
  functionLoad: [['code'], ['code', { REPLACE: true }], ['code', { REPLACE: false }]],
  functionRestore: [[b('dump')], [b('d'), { mode: 'REPLACE' }], [b('d'), { mode: 'FLUSH' }]],
  functionStats: [[]],
  geoAdd: [
    ['k', { longitude: 1, latitude: 2, member: 'm' }],
    ['k', [{ longitude: '1.5', latitude: 2, member: 'a' }, { longitude: 3, latitude: 4, member: b('b') }], { condition: 'XX', CH: true }],
    ['k', { longitude: 1, latitude: 2, member: 'm' }, { NX: true }],
    ['k', { longitude: 1, latitude: 2, member: 'm' }, { XX: true, CH: true }],
    ['k', { longitude: 1, latitude: 2, member: 'm' }, { condition: 'NX', XX: true }],
    ['k', { longitude: 1, latitude: 2, member: 'm' }, { CH: true }],
    T('k', { latitude: 2, member: 'm' })
  ],
  geoDist: [['k', 'a', 'b'], ['k', 'a', 'b', 'km'], ['k', 'a', 'b', '']],
  geoHash: [['k', 'a'], ['k', ['a', 'b']]],
  geoPos: [['k', 'a'], ['k', ['a', 'b']]],
  geoRadiusRoWith: geoRadiusCases(true, false),
  geoRadiusRo: geoRadiusCases(false, false),
  geoRadiusStore: geoRadiusCases(false, true),
  geoRadiusWith: geoRadiusCases(true, false),
  geoRadius: geoRadiusCases(false, false),
  geoRadiusByMemberRoWith: geoRadiusByMemberCases(true, false),
  geoRadiusByMemberRo: geoRadiusByMemberCases(false, false),
  geoRadiusByMemberStore: geoRadiusByMemberCases(false, true),
  geoRadiusByMemberWith: geoRadiusByMemberCases(true, false),
  geoRadiusByMember: geoRadiusByMemberCases(false, false),
  geoSearchWith: [...geoSearchCases(['k'], true), ['k', 'm', BY_RADIUS, 'WITHDIST']],
  geoSearch: geoSearchCases(['k'], false),
  geoSearchStore: [...geoSearchCases(['d', 's'], false), ['d', 's', 'm', BY_RADIUS, { STOREDIST: true }], ['d', 's', AT, BY_BOX, { STOREDIST: true, COUNT: 2, SORT: 'DESC' }], [undefined, 's', 'm', BY_RADIUS]],
  get: [['k'], [b('k')], T(), T(null), T({})],
  getBit: [['k', 7]],
  getDel: [['k']],
  getEx: [
    ['k', { EX: 10 }], ['k', { PX: 10 }], ['k', { EXAT: 1700000000 }], ['k', { EXAT: DATE }], ['k', { PXAT: DATE }],
    ['k', { PXAT: 1700000000000 }], ['k', { PERSIST: true }], ['k', {}],
    ['k', { type: 'EX', value: 5 }], ['k', { type: 'PX', value: 5 }], ['k', { type: 'EXAT', value: DATE }],
    ['k', { type: 'PXAT', value: DATE }], ['k', { type: 'PXAT', value: 1700000000000 }], ['k', { type: 'PERSIST' }],
    ['k', { type: 'OTHER' }],
    T('k'), T('k', { EX: undefined }), T('k', { type: 'EX' })
  ],
  getRange: [['k', 0, -1]],
  getSet: [['k', 'v']],
  hDel: [['k', 'f'], ['k', ['a', 'b']]],
  hello: [[], [3], [3, { AUTH: { username: 'u', password: 'p' }, SETNAME: 'n' }], [2, { SETNAME: 'x' }], [undefined, { SETNAME: 'x' }], ['3', { AUTH: { username: 'default', password: 'p' } }]],
  hExists: [['k', 'f']],
  hExpire: [...expireModes.map((m) => ['k', ['a', 'b'], 10, m]), ['k', 'f', 10], T('k', 'f')],
  hExpireAt: [['k', ['a'], 1700000000], ['k', 'a', DATE, 'GT'], ['k', 'a', DATE, '']],
  hExpireTime: hashFieldsCases,
  hGet: [['k', 'f']],
  hGetAll: [['k']],
  hGetDel: hashFieldsCases,
  hGetEx: [
    ['k', ['a']],
    ['k', 'a', { expiration: 'PERSIST' }],
    ['k', ['a', 'b'], { expiration: { type: 'EX', value: 10 } }],
    ['k', ['a'], { expiration: { type: 'PX', value: 10 } }],
    ['k', ['a'], { expiration: { type: 'EXAT', value: 1700000000 } }],
    ['k', ['a'], { expiration: { type: 'PXAT', value: 1700000000000 } }],
    ['k', ['a'], { expiration: { type: 'PERSIST' } }],
    ['k', ['a'], {}],
    T('k', ['a'], { expiration: { type: 'EX' } })
  ],
  hIncrBy: [['k', 'f', 2]],
  hIncrByFloat: [['k', 'f', 1.5]],
  hKeys: [['k']],
  hLen: [['k']],
  hmGet: [['k', ['a', 'b']], ['k', 'a']],
  hPersist: hashFieldsCases,
  hpExpire: [...expireModes.map((m) => ['k', ['a'], 1000, m]), ['k', 'a', 1000]],
  hpExpireAt: [['k', ['a'], 1700000000000], ['k', 'a', DATE, 'LT'], ['k', 'a', DATE]],
  hpExpireTime: hashFieldsCases,
  hpTTL: hashFieldsCases,
  hRandFieldCountWithValues: [['k', 3], ['k', -3]],
  hRandFieldCount: [['k', -2]],
  hRandField: [['k']],
  hScan: [...withOptions([['k', '0'], ['k', '17']], SCAN_OPTIONS), L('k', 0)],
  hScanNoValues: withOptions([['k', '0']], SCAN_OPTIONS),
  hSet: [
    ['k', 'f', 'v'], ['k', 'f', 5], ['k', 5, 'v'], ['k', b('f'), b('v')],
    ['k', { a: '1', b: 2 }], ['k', new Map([['a', '1'], ['b', 2]])], ['k', new Map([[3, b('x')]])],
    ['k', [['a', '1'], ['b', '2']]], ['k', ['a', '1', 'b', 2]], ['k', [[['a'], '1']]],
    T('k', 'f'), T('k', null), T('k', { a: undefined })
  ],
  hSetEx: [
    ['k', { a: '1' }],
    ['k', { a: '1', b: 2 }, { mode: 'FNX', expiration: { type: 'EX', value: 10 } }],
    ['k', new Map([['a', '1']]), { expiration: 'KEEPTTL' }],
    ['k', new Map(), {}],
    ['k', [['a', '1']], { expiration: { type: 'KEEPTTL' } }],
    ['k', ['a', '1', 'b', 2], { mode: 'FXX', expiration: { type: 'PXAT', value: 1700000000000 } }],
    ['k', [[['a', '1']], ['b', '2']], { expiration: { type: 'EXAT', value: 1700000000 } }],
    ['k', { a: '1' }, { expiration: { type: 'PX', value: 5 } }],
    T('k', {}), T('k', ['a']), T('k', 5), T('k', null)
  ],
  hSetNX: [['k', 'f', 'v']],
  hStrLen: [['k', 'f']],
  hTTL: hashFieldsCases,
  hVals: [['k']],
  hotkeysGet: [[]],
  hotkeysReset: [[]],
  hotkeysStart: [
    [{ METRICS: { count: 1, CPU: true } }],
    [{ METRICS: { count: 2, CPU: true, NET: true }, COUNT: 10, DURATION: 5, SAMPLE: 2, SLOTS: { count: 2, slots: [1, 2] } }],
    [{ METRICS: { count: 1, NET: true }, COUNT: 0 }],
    T({}), T()
  ],
  hotkeysStop: [[]],
  incr: [['k']],
  incrBy: [['k', 3], ['k', '4']],
  incrByFloat: [['k', 0.5], ['k', -1e-7]],
  info: [[], ['memory'], ['']],
  keys: [['*']],
  lastSave: [[]],
  latencyDoctor: [[]],
  latencyGraph: [['command']],
  latencyHistory: [['command']],
  latencyHistogram: [[], ['GET'], ['GET', 'SET']],
  latencyLatest: [[]],
  latencyReset: [[], ['command', 'fast-command']],
  lcsIdxWithMatchLen: [['a', 'b'], ['a', 'b', { MINMATCHLEN: 2 }], ['a', 'b', { MINMATCHLEN: 0 }]],
  lcsIdx: [['a', 'b'], ['a', 'b', { MINMATCHLEN: 3 }], ['a', 'b', { MINMATCHLEN: 0 }]],
  lcsLen: [['a', 'b']],
  lcs: [['a', 'b'], T('a')],
  lIndex: [['k', 0], ['k', -1]],
  lInsert: [['k', 'BEFORE', 'p', 'e'], ['k', 'AFTER', 'p', b('e')]],
  lLen: [['k']],
  lMove: [['a', 'b', 'LEFT', 'RIGHT']],
  lmPop: [[['a', 'b'], 'LEFT'], ['a', 'RIGHT', { COUNT: 2 }], ['a', 'RIGHT', { COUNT: 0 }], ['a', 'LEFT', {}]],
  lPopCount: [['k', 2]],
  lPop: [['k']],
  lPosCount: [['k', 'e', 0], ['k', 'e', 2, { RANK: -1, MAXLEN: 100 }], ['k', 'e', 1, { RANK: 0 }], ['k', 'e', 1, { MAXLEN: 0 }], T('k', 'e')],
  lPos: [['k', 'e'], ['k', 'e', { RANK: 2 }], ['k', 'e', { MAXLEN: 0 }], ['k', 'e', { RANK: -1, MAXLEN: 10 }], ['k', 'e', {}]],
  lPush: [['k', 'e'], ['k', ['a', 'b']], L('k', 5)],
  lPushX: [['k', 'e'], ['k', ['a', 'b']]],
  lRange: [['k', 0, -1]],
  lRem: [['k', 0, 'e']],
  lSet: [['k', 1, 'e']],
  lTrim: [['k', 0, 10]],
  memoryDoctor: [[]],
  memoryMallocStats: [[]],
  memoryPurge: [[]],
  memoryStats: [[]],
  memoryUsage: [['k'], ['k', { SAMPLES: 5 }], ['k', { SAMPLES: 0 }]],
  mGet: [[['a', 'b']], ['a']],
  migrate: [
    ['h', 6379, 'k', 0, 1000],
    ['h', 6379, ['a', 'b'], 0, 1000, { COPY: true, REPLACE: true, AUTH: { password: 'p' } }],
    ['h', '6380', 'k', 1, 500, { AUTH: { username: 'u', password: 'p' } }],
    ['h', 6379, 'k', 0, 1000, { COPY: true }],
    ['h', 6379, 'k', 0, 1000, { REPLACE: true, AUTH: { username: '', password: 'p' } }],
    ['h', 6379, [], 0, 1000],
    T('h', 6379, 'k', 0)
  ],
  moduleList: [[]],
  moduleLoad: [['/p.so'], ['/p.so', ['a', 'b']], ['/p.so', []], ['/p.so', '']],
  moduleUnload: [['m']],
  move: [['k', 1]],
  mSet: [[{ a: '1', b: '2' }], [[['a', '1'], ['b', '2']]], [['a', '1', 'b', '2']], [[['a', '1', 'ignored']]], L([['a', 1]]), T([]), T(['a', '1', 'b']), T()],
  mSetEx: [
    [{ a: '1' }],
    [[['a', '1'], ['b', '2']], { mode: 'NX', expiration: { type: 'EX', value: 10 } }],
    [['a', '1'], { expiration: { type: 'PX', value: 100 } }],
    [{ a: '1' }, { expiration: { type: 'EXAT', value: DATE } }],
    [{ a: '1' }, { expiration: { type: 'PXAT', value: DATE } }],
    [{ a: '1' }, { expiration: { type: 'EXAT', value: 1700000000 } }],
    [{ a: '1' }, { mode: 'XX', expiration: { type: 'KEEPTTL' } }],
    [{ a: '1' }, { expiration: { type: 'OTHER', value: 1 } }],
    [{ a: '1' }, { mode: 'NX' }],
    T([]), T({ a: '1' }, { expiration: { type: 'EX' } })
  ],
  mSetNX: [[{ a: '1', b: '2' }], [[['a', '1'], ['b', '2']]], [['a', '1', 'b', '2']], T([])],
  objectEncoding: [['k']],
  objectFreq: [['k']],
  objectIdleTime: [['k']],
  objectRefCount: [['k']],
  persist: [['k']],
  pExpire: [...expireModes.map((m) => ['k', 100, m])],
  pExpireAt: [['k', 1700000000000], ['k', DATE, 'NX'], ['k', DATE, '']],
  pExpireTime: [['k']],
  pfAdd: [['k'], ['k', 'a'], ['k', ['a', 'b']], ['k', ''], ['k', []]],
  pfCount: [['k'], [['a', 'b']]],
  pfMerge: [['d'], ['d', ['a', 'b']], ['d', 'a']],
  ping: [[], ['hi'], ['']],
  pSetEx: [['k', 100, 'v']],
  pTTL: [['k']],
  publish: [['c', 'm'], [b('c'), b('m')]],
  pubSubChannels: [[], ['a*'], ['']],
  pubSubNumPat: [[]],
  pubSubNumSub: [[], ['a'], [['a', 'b']], ['']],
  pubSubShardNumSub: [[], ['a'], [['a', 'b']]],
  pubSubShardChannels: [[], ['a*']],
  randomKey: [[]],
  readonly: [[]],
  rename: [['a', 'b']],
  renameNX: [['a', 'b']],
  replicaOf: [['h', 6379], ['NO', 'ONE']],
  restoreAsking: [[]],
  restore: [
    ['k', 0, b('x')],
    ['k', 1000, 'x', { REPLACE: true, ABSTTL: true, IDLETIME: 10, FREQ: 5 }],
    ['k', 0, 'x', { IDLETIME: 0, FREQ: 0 }],
    ['k', 0, 'x', { FREQ: 3 }],
    ['k', 0, 'x', { ABSTTL: true }]
  ],
  rPopCount: [['k', 2]],
  role: [[]],
  rPop: [['k']],
  rPopLPush: [['a', 'b']],
  rPush: [['k', 'a'], ['k', ['a', 'b']]],
  rPushX: [['k', 'a'], ['k', ['a', 'b']]],
  sAdd: [['k', 'a'], ['k', ['a', 'b']], L('k', [1, 2])],
  scan: [...withOptions([['0'], ['17']], SCAN_OPTIONS), ['0', { TYPE: 'string' }], ['0', { MATCH: 'a*', COUNT: 100, TYPE: 'hash' }], L(0), T()],
  sCard: [['k']],
  scriptDebug: [['YES']],
  scriptExists: [['sha'], [['a', 'b']]],
  scriptFlush: [[], ['ASYNC']],
  scriptKill: [[]],
  scriptLoad: [['return 1']],
  sDiff: [[['a', 'b']]],
  sDiffStore: [['d', ['a', 'b']]],
  set: [
    ['k', 'v'], ['k', 5], ['k', b('v')], ['k', 'v', {}],
    ['k', 'v', { EX: 10 }], ['k', 'v', { PX: 100 }], ['k', 'v', { EXAT: 1700000000 }], ['k', 'v', { PXAT: 1700000000000 }],
    ['k', 'v', { KEEPTTL: true }], ['k', 'v', { EX: 0 }], ['k', 'v', { EX: 1, PX: 2 }], ['k', 'v', { EXAT: DATE }],
    ['k', 'v', { expiration: { type: 'EX', value: 10 } }], ['k', 'v', { expiration: { type: 'PXAT', value: 1700000000000 } }],
    ['k', 'v', { expiration: 'KEEPTTL' }], ['k', 'v', { expiration: { type: 'KEEPTTL' } }],
    ['k', 'v', { NX: true }], ['k', 'v', { XX: true }], ['k', 'v', { NX: false, XX: true }],
    ['k', 'v', { condition: 'NX' }], ['k', 'v', { condition: 'IFEQ', matchValue: 'old' }], ['k', 'v', { condition: 'XX', NX: true }],
    ['k', 'v', { GET: true }], ['k', 'v', { EX: 10, NX: true, GET: true }],
    ['k', 'v', { expiration: { type: 'PX', value: 5 }, condition: 'XX', GET: true }],
    ['k', 'v', { KEEPTTL: true, XX: true, GET: false }],
    T('k', 'v', { expiration: { type: 'EX' } }), T('k'), T('k', 'v', { EX: null })
  ],
  setBit: [['k', 7, 1], ['k', 7, 0]],
  setEx: [['k', 10, 'v']],
  setNX: [['k', 'v']],
  setRange: [['k', 0, 'v']],
  sInter: [[['a', 'b']], ['a']],
  sInterCard: [[['a', 'b']], ['a', 5], [['a', 'b'], { LIMIT: 0 }], [['a'], { LIMIT: 3 }], [['a'], {}]],
  sInterStore: [['d', ['a', 'b']]],
  sIsMember: [['k', 'm']],
  sMembers: [['k']],
  smIsMember: [['k', ['a', 'b']]],
  sMove: [['a', 'b', 'm']],
  sortRo: SORT_CASES,
  sortStore: SORT_CASES.map(([key, options]) => (options === undefined ? [key, 'd'] : [key, 'd', options])),
  sort: SORT_CASES,
  sPopCount: [['k', 2]],
  sPop: [['k']],
  sPublish: [['c', 'm']],
  sRandMemberCount: [['k', 3]],
  sRandMember: [['k']],
  sRem: [['k', ['a']], ['k', 'a']],
  sScan: withOptions([['k', '0']], SCAN_OPTIONS),
  strLen: [['k']],
  sUnion: [[['a', 'b']]],
  sUnionStore: [['d', ['a', 'b']]],
  swapDb: [[0, 1]],
  time: [[]],
  touch: [['k'], [['a', 'b']]],
  ttl: [['k']],
  type: [['k']],
  unlink: [[['a', 'b']], ['a']],
  wait: [[1, 100]],
  xAck: [['k', 'g', '1-0'], ['k', 'g', ['1-0', '2-0']]],
  xAckDel: [['k', 'g', '1-0'], ['k', 'g', ['1-0', '2-0'], 'KEEPREF'], ['k', 'g', ['1-0'], 'ACKED']],
  xAddNoMkStream: [
    ['k', '*', { a: '1' }],
    ['k', '*', { a: '1' }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 1000, limit: 10 } }],
    ['k', '*', { a: '1' }, { policy: 'DELREF' }]
  ],
  xAdd: [
    ['k', '*', { a: '1', b: '2' }],
    ['k', '1-0', { f: b('v') }, { TRIM: { strategy: 'MINID', threshold: '0-1' } }],
    ['k', '*', { f: 'v' }, { TRIM: { threshold: 100 } }],
    ['k', '*', { f: 'v' }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '=', threshold: 10, policy: 'DELREF' } }],
    ['k', '*', { f: 'v' }, { TRIM: { strategy: 'MAXLEN', threshold: 0, limit: 0 } }],
    ['k', '*', { f: 'v' }, { policy: 'ACKED', IDMPAUTO: { pid: 'p' } }],
    ['k', '*', { f: 'v' }, { IDMP: { pid: 'p', iid: 'i' } }],
    ['k', '*', { f: 'v' }, { IDMPAUTO: { pid: 'p' }, IDMP: { pid: 'q', iid: 'i' }, policy: 'KEEPREF', TRIM: { strategy: 'MAXLEN', threshold: 5 } }],
    ['k', '*', {}],
    L('k', '*', { f: 5 }),
    T('k', '*', { f: 'v' }, { TRIM: {} }),
    T('k', '*')
  ],
  xAutoClaimJustId: [['k', 'g', 'c', 1000, '0-0'], ['k', 'g', 'c', 1000, '0-0', { COUNT: 10 }]],
  xAutoClaim: [['k', 'g', 'c', 1000, '0-0'], ['k', 'g', 'c', 1000, '0-0', { COUNT: 10 }], ['k', 'g', 'c', 0, '0-0', { COUNT: 0 }]],
  xClaimJustId: [['k', 'g', 'c', 1000, '1-0'], ['k', 'g', 'c', 1000, ['1-0', '2-0'], { IDLE: 5, TIME: DATE, RETRYCOUNT: 2, FORCE: true, LASTID: '3-0' }]],
  xClaim: [
    ['k', 'g', 'c', 1000, '1-0'],
    ['k', 'g', 'c', 1000, ['1-0', '2-0'], { IDLE: 5, TIME: DATE, RETRYCOUNT: 2, FORCE: true, LASTID: '3-0' }],
    ['k', 'g', 'c', 1000, '1-0', { TIME: 1700000000000 }],
    ['k', 'g', 'c', 1000, '1-0', { IDLE: 0, RETRYCOUNT: 0, FORCE: false }]
  ],
  xCfgSet: [['k'], ['k', { IDMP_DURATION: 100, IDMP_MAXSIZE: 10 }], ['k', { IDMP_MAXSIZE: 0 }]],
  xDel: [['k', '1-0'], ['k', ['1-0', '2-0']]],
  xDelEx: [['k', '1-0'], ['k', ['1-0'], 'ACKED'], ['k', ['1-0', '2-0'], 'KEEPREF']],
  xGroupCreate: [['k', 'g', '$'], ['k', 'g', '0', { MKSTREAM: true, ENTRIESREAD: 5 }], ['k', 'g', '0', { ENTRIESREAD: 0 }], ['k', 'g', '$', { MKSTREAM: true }]],
  xGroupCreateConsumer: [['k', 'g', 'c']],
  xGroupDelConsumer: [['k', 'g', 'c']],
  xGroupDestroy: [['k', 'g']],
  xGroupSetId: [['k', 'g', '$'], ['k', 'g', '0', { ENTRIESREAD: 3 }], ['k', 'g', '0', { ENTRIESREAD: 0 }]],
  xInfoConsumers: [['k', 'g']],
  xInfoGroups: [['k']],
  xInfoStream: [['k']],
  xLen: [['k']],
  xPendingRange: [['k', 'g', '-', '+', 10], ['k', 'g', '-', '+', 10, { IDLE: 1000, consumer: 'c' }], ['k', 'g', '-', '+', 10, { IDLE: 0 }], ['k', 'g', '-', '+', 10, { consumer: 'c' }], T('k', 'g', '-', '+')],
  xPending: [['k', 'g']],
  xRange: [['k', '-', '+'], ['k', '-', '+', { COUNT: 10 }], ['k', '-', '+', { COUNT: 0 }]],
  xRead: [
    [{ key: 'k', id: '0' }],
    [[{ key: 'a', id: '0' }, { key: 'b', id: '$' }], { COUNT: 10, BLOCK: 0 }],
    [{ key: 'k', id: '0' }, { COUNT: 0, BLOCK: 100 }],
    [{ key: b('k'), id: '+' }, { BLOCK: 5 }],
    T()
  ],
  xReadGroup: [
    ['g', 'c', { key: 'k', id: '>' }],
    ['g', 'c', [{ key: 'a', id: '>' }, { key: 'b', id: '0' }], { COUNT: 10, BLOCK: 0, NOACK: true, CLAIM: 1000 }],
    ['g', 'c', { key: 'k', id: '>' }, { COUNT: 0, NOACK: false }],
    ['g', 'c', { key: 'k', id: '>' }, { CLAIM: 0 }]
  ],
  xRevRange: [['k', '+', '-'], ['k', '+', '-', { COUNT: 5 }]],
  xSetId: [['k', '1-0'], ['k', '1-0', { ENTRIESADDED: 10, MAXDELETEDID: '0-5' }], ['k', '1-0', { ENTRIESADDED: 0 }]],
  xTrim: [['k', 'MAXLEN', 100], ['k', 'MINID', '0-1', { strategyModifier: '~', LIMIT: 10, policy: 'KEEPREF' }], ['k', 'MAXLEN', 0, { strategyModifier: '=', LIMIT: 0 }], T('k', 'MAXLEN')],
  zAddIncr: [
    ['k', { score: 1, value: 'm' }],
    ['k', { score: -Infinity, value: 'm' }, { condition: 'XX', comparison: 'GT', CH: true }],
    ['k', [{ score: 2.5, value: 'm' }], { condition: 'NX' }],
    ['k', { score: 1, value: 'm' }, { NX: true, LT: true }]
  ],
  zAdd: [
    ['k', { score: 1, value: 'm' }],
    ['k', [{ score: 1, value: 'a' }, { score: Infinity, value: 'b' }, { score: -Infinity, value: b('c') }]],
    ['k', { score: 1, value: 'm' }, { condition: 'NX' }],
    ['k', { score: 1, value: 'm' }, { NX: true }],
    ['k', { score: 1, value: 'm' }, { XX: true, GT: true }],
    ['k', { score: 1, value: 'm' }, { LT: true, CH: true }],
    ['k', { score: 1, value: 'm' }, { comparison: 'LT' }],
    ['k', { score: 1, value: 'm' }, { condition: 'XX', comparison: 'GT', CH: true }],
    ['k', { score: 1, value: 'm' }, { condition: 'XX', NX: true, comparison: 'GT', LT: true }],
    ['k', { score: '1.5', value: 'a' }],
    ['k', []],
    T('k', { value: 'm' }), T('k')
  ],
  zCard: [['k']],
  zCount: RANGE_BOUNDS.map(([min, max]) => ['k', min, max]),
  zDiffWithScores: [[['a', 'b']], ['a']],
  zDiff: [[['a', 'b']], ['a']],
  zDiffStore: [['d', ['a', 'b']], ['d', 'a']],
  zIncrBy: [['k', 1.5, 'm'], ['k', Infinity, 'm'], ['k', -Infinity, 'm'], ['k', '2', 'm']],
  zInterWithScores: withOptions(ZKEYS.map((k) => [k]), ZCOMBINE_OPTIONS),
  zInter: [...withOptions(ZKEYS.map((k) => [k]), ZCOMBINE_OPTIONS), T([{ key: 'a', weight: 1 }, 'b'])],
  zInterCard: [[['a', 'b']], [['a', 'b'], 5], [['a'], { LIMIT: 3 }], [['a'], { LIMIT: 0 }], ['a']],
  zInterStore: withOptions(ZKEYS.map((k) => ['d', k]), ZCOMBINE_OPTIONS),
  zLexCount: [['k', '[a', '[z'], ['k', '-', '+']],
  zmPop: [[['a', 'b'], 'MIN'], ['a', 'MAX', { COUNT: 2 }], ['a', 'MAX', { COUNT: 0 }]],
  zmScore: [['k', ['a', 'b']], ['k', 'a']],
  zPopMaxCount: [['k', 2]],
  zPopMax: [['k']],
  zPopMinCount: [['k', 2]],
  zPopMin: [['k']],
  zRandMemberCountWithScores: [['k', 3], ['k', -1]],
  zRandMemberCount: [['k', 3]],
  zRandMember: [['k']],
  zRangeWithScores: zRangeCases(['k']),
  zRange: [...zRangeCases(['k']), T('k', 0)],
  zRangeByLex: zRangeByCases([]),
  zRangeByScoreWithScores: zRangeByCases([]),
  zRangeByScore: zRangeByCases([T('k', 0, 1, { LIMIT: { offset: 0 } })]),
  zRangeStore: zRangeCases(['d', 's']),
  zRankWithScore: [['k', 'm']],
  zRank: [['k', 'm']],
  zRem: [['k', ['a', 'b']], ['k', 'a']],
  zRemRangeByLex: [['k', '[a', '[z'], ['k', '-', '+']],
  zRemRangeByRank: [['k', 0, 1]],
  zRemRangeByScore: RANGE_BOUNDS.map(([min, max]) => ['k', min, max]),
  zRevRank: [['k', 'm']],
  zScan: withOptions([['k', '0']], SCAN_OPTIONS),
  zScore: [['k', 'm']],
  zUnionWithScores: withOptions(ZKEYS.map((k) => [k]), ZCOMBINE_OPTIONS),
  zUnion: withOptions(ZKEYS.map((k) => [k]), ZCOMBINE_OPTIONS),
  zUnionStore: withOptions(ZKEYS.map((k) => ['d', k]), ZCOMBINE_OPTIONS),
  vAdd: [
    ['k', [0.1, 0.2], 'e'],
    ['k', [1, 2, 3], 'e', { REDUCE: 2, CAS: true, QUANT: 'Q8', EF: 200, SETATTR: { a: 1 }, M: 16 }],
    ['k', [Infinity, -Infinity], 'e', { QUANT: 'NOQUANT', REDUCE: 0, EF: 0, M: 0 }],
    ['k', [], 'e', { CAS: false, SETATTR: { nested: { x: [1, 'y'] } } }]
  ],
  vCard: [['k']],
  vDim: [['k']],
  vEmb: [['k', 'e']],
  vEmbRaw: [['k', 'e']],
  vGetAttr: [['k', 'e']],
  vInfo: [['k']],
  vLinks: [['k', 'e']],
  vLinksWithScores: [['k', 'e']],
  vRandMember: [['k'], ['k', 3], ['k', -2], T('k', null)],
  vRange: [['k', '-', '+'], ['k', '[a', '(z', 10], ['k', '-', '+', 0]],
  vRem: [['k', 'e']],
  vSetAttr: [['k', 'e', { a: 1 }], ['k', 'e', '{"a":1}'], ['k', 'e', ''], T('k', 'e', null)],
  vSim: [
    ['k', [0.1, 0.2]],
    ['k', 'e', { COUNT: 10, EPSILON: 0.1, EF: 100, FILTER: '.a > 1', 'FILTER-EF': 10, TRUTH: true, NOTHREAD: true }],
    ['k', 'e', { COUNT: 0, EF: 0, FILTER: '' }],
    ['k', [Infinity], { TRUTH: false }]
  ],
  vSimWithScores: [['k', 'e'], ['k', [1, 2], { COUNT: 5 }]]
}

// ---------------------------------------------------------------------------------------------

const isWire = (v) => typeof v === 'string' || Buffer.isBuffer(v)

/** What node-redis sends: { args } or { threw }; `numbers` when its encoder would reject numbers only. */
function nodeRedis(command, args) {
  const parser = new BasicCommandParser()
  try {
    command.parseCommand(parser, ...args)
  } catch (err) {
    return { threw: err }
  }
  const sent = parser.redisArgs
  if (sent.every(isWire)) return { args: sent }
  if (sent.every((v) => isWire(v) || typeof v === 'number')) return { args: sent.map((v) => (typeof v === 'number' ? String(v) : v)), numbers: true }
  return { threw: new TypeError('node-redis encoder rejects ' + sent.find((v) => !isWire(v))) }
}

function ours(method, args) {
  try {
    return { args: argumentsOf(method, args) }
  } catch (err) {
    return { threw: err }
  }
}

const show = (args) => require('node:util').inspect(args, { depth: 4, breakLength: Infinity })

function check(method, command, c) {
  const { args, lenient = false, throws = false } = Array.isArray(c) ? { args: c } : c
  const label = `${method}(${show(args).slice(1, -1)})`
  const expected = nodeRedis(command, args)
  const actual = ours(method, args)
  if (throws) {
    assert.ok(expected.threw, `${label}: marked T() but node-redis sends ${show(expected.args)}`)
  } else {
    assert.ok(!expected.threw, `${label}: node-redis throws (${expected.threw?.message}); mark the case T()`)
    assert.equal(Boolean(expected.numbers), lenient, `${label}: node-redis ${lenient ? 'sends no number' : 'would send a number; mark the case L()'}`)
  }
  if (expected.threw) {
    assert.ok(actual.threw, `${label}: node-redis throws (${expected.threw.message}) but argumentsOf gave ${show(actual.args)}`)
    // The class node-redis throws: a TypeError for a wrong type, a plain Error where it
    // throws one (an empty mSet).
    assert.equal(actual.threw instanceof TypeError, expected.threw instanceof TypeError, `${label}: ${actual.threw} (node-redis: ${expected.threw})`)
    assert.equal(actual.threw.code, 'ERR_INVALID_ARG', label)
    return
  }
  assert.ok(!actual.threw, `${label}: argumentsOf threw ${actual.threw?.stack}`)
  assert.deepStrictEqual(actual.args, expected.args, label)
}

test('node-redis 5.12.1 has the 371 camelCase command methods this suite knows', () => {
  assert.equal(METHODS.length, 371)
})

test('every camelCase method of node-redis has cases', () => {
  const missing = METHODS.filter((m) => !CASES[m] || CASES[m].length === 0)
  assert.deepStrictEqual(missing, [])
  const unknown = Object.keys(CASES).filter((m) => !COMMANDS[m])
  assert.deepStrictEqual(unknown, [])
})

/** Runs every check, then fails once with all the mismatches. */
function checkAll(run) {
  const failures = []
  let n = 0
  run((method, c) => {
    n++
    try {
      check(method, COMMANDS[method], c)
    } catch (err) {
      failures.push(err.message)
    }
  })
  assert.deepStrictEqual(failures, [])
  return n
}

test('argumentsOf writes what node-redis parseCommand writes, for every method', () => {
  const n = checkAll((each) => {
    for (const method of METHODS) for (const c of CASES[method]) each(method, c)
  })
  assert.ok(n > 1000, `${n} cases`)
})

test('arguments beyond the ones node-redis reads are ignored, as node-redis ignores them', () => {
  const rest = new Set(['latencyHistogram', 'latencyReset'])
  checkAll((each) => {
    for (const method of METHODS) {
      if (rest.has(method)) continue
      for (const c of CASES[method]) {
        if (Array.isArray(c)) each(method, [...c, ...new Array(8 - c.length).fill(undefined), 'EXTRA'])
      }
    }
  })
})

test('LOLWUT (UPPER_CASE only in node-redis), WATCH and UNWATCH', () => {
  for (const args of [[], [5], [5, 1, 2], [0, 3], ['6', 'x']]) check('LOLWUT', COMMANDS.LOLWUT, args)
  for (const key of ['k', ['a', 'b'], b('k')]) {
    assert.deepStrictEqual(argumentsOf('watch', [key]), pushVariadicArguments(['WATCH'], key))
  }
  assert.deepStrictEqual(argumentsOf('unwatch', []), ['UNWATCH'])
})

test('numbers where node-redis wants strings are sent as String(n); Dates as node-redis converts them', () => {
  assert.deepStrictEqual(argumentsOf('set', [1, 2, { EX: 3 }]), ['SET', '1', '2', 'EX', '3'])
  assert.deepStrictEqual(argumentsOf('hSet', ['k', { f: 1.5 }]), ['HSET', 'k', 'f', '1.5'])
  assert.deepStrictEqual(argumentsOf('expireAt', ['k', new Date(1700000000999)]), ['EXPIREAT', 'k', '1700000000'])
  assert.deepStrictEqual(argumentsOf('pExpireAt', ['k', new Date(1700000000999)]), ['PEXPIREAT', 'k', '1700000000999'])
  assert.deepStrictEqual(argumentsOf('zAdd', ['k', { score: -Infinity, value: 'm' }]), ['ZADD', 'k', '-inf', 'm'])
})

test('bad input throws a TypeError with code ERR_INVALID_ARG and names the method', () => {
  for (const [method, args] of [['get', []], ['set', ['k', 'v', { expiration: { type: 'EX' } }]], ['getEx', ['k']], ['zAdd', ['k', null]]]) {
    assert.throws(() => argumentsOf(method, args), (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG' && err.message.includes(method))
  }
  // node-redis' own plain Error for an empty mSet, with our code.
  assert.throws(() => argumentsOf('mSet', [[]]), (err) => !(err instanceof TypeError) && err.code === 'ERR_INVALID_ARG' && err.message.includes('empty toSet Argument'))
  assert.throws(() => argumentsOf('noSuchCommand', []), (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG')
})
