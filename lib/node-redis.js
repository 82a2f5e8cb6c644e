'use strict'
// The node-redis (v4+) face: `createClient(options)`, `connect()`, camelCase commands with
// option objects and node-redis' reply shapes, per-call pub/sub listeners.
const { BaseClient, closedError } = require('./base')
const { names, blockingTimeout } = require('./commands')
const { flatten, SHAPES, RESP2_SHAPES } = require('./args')
const { runScript } = require('./script')
const { typeError, NodeRedisSimpleError } = require('./errors')
const { checkTransaction } = require('./core')

// Reply shapes the core builds (see `src/core/reply.rs`).
const withScores = SHAPES.scored
const num = SHAPES.number

function setOptions(o, out) {
  if (!o) return out
  if (o.expiration) out.push(o.expiration.type, o.expiration.value)
  for (const k of ['EX', 'PX', 'EXAT', 'PXAT']) if (o[k] !== undefined) out.push(k, o[k])
  if (o.KEEPTTL) out.push('KEEPTTL')
  if (o.condition) out.push(o.condition)
  if (o.NX) out.push('NX')
  if (o.XX) out.push('XX')
  if (o.GET) out.push('GET')
  return out
}

function rangeOptions(o, out) {
  if (!o) return out
  if (o.BY) out.push('BY' + String(o.BY).toUpperCase())
  if (o.REV) out.push('REV')
  if (o.LIMIT) out.push('LIMIT', o.LIMIT.offset, o.LIMIT.count)
  return out
}

function scriptArgs(o) {
  const keys = (o && o.keys) || []
  const args = (o && o.arguments) || []
  // An array each: a string would be spread into one key per character.
  if (!Array.isArray(keys) || !Array.isArray(args)) throw typeError('eval options: keys and arguments must be arrays')
  return [keys.length, ...keys, ...args]
}

// Command builders shared by the client and its `multi()`: each returns
// `{ args, transform }`, or `{ script, rest }` for Lua.
const builders = {
  set: (key, value, o) => ({ args: setOptions(o, ['SET', key, value]) }),
  getEx: (key, o) => {
    const a = ['GETEX', key]
    if (o) {
      for (const k of ['EX', 'PX', 'EXAT', 'PXAT']) if (o[k] !== undefined) a.push(k, o[k])
      if (o.PERSIST) a.push('PERSIST')
    }
    return { args: a }
  },
  hSet: (key, ...rest) => ({ args: flatten('hset', rest, ['HSET', key]) }),
  hGetAll: (key) => ({ args: ['HGETALL', key], transform: SHAPES.object }),
  mSet: (pairs) => ({ args: flatten('mset', [pairs], ['MSET']) }),
  zAdd: (key, members, o) => {
    const a = ['ZADD', key]
    if (o) for (const k of ['NX', 'XX', 'GT', 'LT', 'CH']) if (o[k]) a.push(k)
    if (o && o.condition) a.push(o.condition)
    if (o && o.comparison) a.push(o.comparison)
    for (const m of Array.isArray(members) ? members : [members]) {
      if (!m || m.score === undefined || m.value === undefined) throw typeError('zAdd members must be { score, value }')
      a.push(m.score, m.value)
    }
    return { args: a }
  },
  zRange: (key, min, max, o) => ({ args: rangeOptions(o, ['ZRANGE', key, min, max]) }),
  zRangeWithScores: (key, min, max, o) => ({ args: rangeOptions(o, ['ZRANGE', key, min, max]).concat('WITHSCORES'), transform: withScores }),
  zRangeByScore: (key, min, max, o) => ({ args: rangeOptions({ LIMIT: o && o.LIMIT }, ['ZRANGEBYSCORE', key, min, max]) }),
  zRangeByScoreWithScores: (key, min, max, o) => ({
    args: rangeOptions({ LIMIT: o && o.LIMIT }, ['ZRANGEBYSCORE', key, min, max]).concat('WITHSCORES'),
    transform: withScores,
  }),
  zScore: (key, member) => ({ args: ['ZSCORE', key, member], transform: num }),
  zIncrBy: (key, by, member) => ({ args: ['ZINCRBY', key, by, member], transform: num }),
  zMScore: (key, members) => ({ args: flatten('', [members], ['ZMSCORE', key]), transform: SHAPES.numbers }),
  scan: (cursor, o) => {
    const a = ['SCAN', cursor]
    if (o && o.MATCH) a.push('MATCH', o.MATCH)
    if (o && o.COUNT) a.push('COUNT', o.COUNT)
    if (o && o.TYPE) a.push('TYPE', o.TYPE)
    return { args: a, transform: ([c, keys]) => ({ cursor: c, keys }) }
  },
  eval: (script, o) => ({ args: ['EVAL', script, ...scriptArgs(o)] }),
  evalSha: (sha, o) => ({ args: ['EVALSHA', sha, ...scriptArgs(o)] }),
  ping: (message) => ({ args: message === undefined ? ['PING'] : ['PING', message] }),
}

// camelCase name -> command, for everything without a builder of its own.
const CAMEL = `append bitCount decr decrBy del dbSize exists expire expireAt flushAll flushDb get getDel getRange getSet
hDel hExists hGet hIncrBy hIncrByFloat hKeys hLen hmGet hRandField hSetNX hStrLen hVals incr incrBy incrByFloat info keys
lIndex lInsert lLen lMove lPop lPos lPush lPushX lRange lRem lSet lTrim mGet move objectEncoding persist pExpire pExpireAt
pSetEx pTTL publish randomKey rename renameNX rPop rPopLPush rPush rPushX sAdd sCard sDiff sDiffStore select setEx setNX
setRange sInter sInterStore sIsMember sMembers sMIsMember sMove sPop sRandMember sRem strLen sUnion sUnionStore time touch
ttl type unlink watch unwatch xAck xAdd xDel xLen xRange xRevRange xTrim zCard zCount zDiff zInter zLexCount zPopMax
zPopMin zRandMember zRank zRem zRemRangeByLex zRemRangeByRank zRemRangeByScore zRevRank zUnion bLPop bRPop bLMove
bZPopMin bZPopMax copy dump echo lastSave`
  .trim()
  .split(/\s+/)

function generic(name) {
  const cmd = name === 'objectEncoding' ? ['OBJECT', 'ENCODING'] : [name.toUpperCase()]
  const transform = RESP2_SHAPES[name.toLowerCase()]
  return (...args) => ({ args: flatten(name.toLowerCase(), args, cmd.slice()), transform })
}
for (const n of CAMEL) if (!builders[n]) builders[n] = generic(n)

function retryFor(strategy) {
  if (strategy === undefined) return null
  if (strategy === false) return () => null
  if (typeof strategy === 'number') return () => strategy
  if (typeof strategy === 'function') {
    return (attempt) => {
      const r = strategy(attempt - 1, undefined)
      return r === false ? null : r
    }
  }
  throw typeError('socket.reconnectStrategy must be a function, a number or false')
}

/** node-redis' `socket: { tls: true, ca, cert, key, rejectUnauthorized }` for the core. */
function socketTls(s) {
  return s.tls ? { ca: s.ca && String(s.ca), cert: s.cert && String(s.cert), key: s.key && String(s.key), rejectUnauthorized: s.rejectUnauthorized !== false } : undefined
}

class RedisClient extends BaseClient {
  constructor(options = {}) {
    const s = options.socket || {}
    const retry = retryFor(s.reconnectStrategy)
    super(
      {
        url: options.url,
        host: s.host,
        port: s.port,
        path: s.path,
        username: options.username,
        password: options.password,
        db: options.database,
        tls: socketTls(s),
        connectTimeout: s.connectTimeout,
        commandTimeout: options.commandTimeout ?? 5000,
        keepAlive: s.keepAlive,
        connectionName: options.name,
        maxRetriesPerRequest: null,
        enableOfflineQueue: options.disableOfflineQueue ? false : undefined,
        maxOfflineQueue: options.commandsQueueMaxLength,
        maxInFlight: options.maxInFlight,
        lazyConnect: false,
        clusterNodes: options._clusterNodes,
        readFromReplicas: options._readFromReplicas || undefined,
        ...sentinelOptions(options._sentinel),
        externalRetry: retry !== null,
        // node-redis' RESP option (2 by default there; 3 here, which the server's HELLO
        // decides: the typed commands' replies are the same either way).
        protocol: options.RESP,
        clientInfoTag: options.clientInfoTag,
        disableClientInfo: options.disableClientInfo,
      },
      retry
    )
    this._keepOptions(options)
    // With RESP: 3, sendCommand's raw replies keep RESP3's types (maps as objects, doubles as numbers).
    this._rawShape = options.RESP === 3 ? SHAPES.resp3 : null
    this._channelListeners = new Map()
    this._patternListeners = new Map()
    this._shardListeners = new Map()
  }

  get isOpen() {
    return this._conn !== null && !this._conn.ended
  }

  get isReady() {
    return this.status === 'ready'
  }

  /** Opens the connection; resolves with the client once it is ready. */
  connect() {
    if (this.isOpen) return Promise.reject(Object.assign(new Error('Socket already opened'), { code: 'ERR_INVALID_STATE' }))
    return new Promise((resolve, reject) => {
      const onReady = () => {
        this.off('end', onEnd)
        resolve(this)
      }
      const onEnd = () => {
        this.off('ready', onReady)
        reject(closedError())
      }
      this.once('ready', onReady)
      this.once('end', onEnd)
      this._open()
    })
  }

  _onStatus(name) {
    if (name === 'close') this.status = 'reconnecting'
  }

  _nativeEvent(name, detail, conn) {
    // node-redis' 'reconnecting' carries no argument.
    if (name === 'reconnecting' && conn === this._conn) {
      this.status = 'reconnecting'
      this.emit('reconnecting')
      return
    }
    super._nativeEvent(name, detail, conn)
  }

  _conn_() {
    if (this._conn === null || this._conn.ended) throw closedError()
    return this._conn
  }

  _cmdConn() {
    return this._conn_()
  }

  /** Error replies are node-redis' SimpleErrors (ErrorReply), as node-redis gives them. */
  _faceConnection(conn) {
    conn.replyProto = NodeRedisSimpleError.prototype
  }

  _exec(b, binary) {
    const conn = this._conn_()
    if ('script' in b) return runScript(conn, b.script, b.rest, binary, null)
    if (String(b.args[0]).toUpperCase() === 'SELECT') b = { args: b.args, transform: conn.selectTransform(Number(b.args[1])) }
    return conn.send(b.args, binary, b.transform || null, blockingTimeout(b.args, conn.commandTimeout))
  }

  /** Any command: `sendCommand(['OBJECT', 'ENCODING', 'k'])`. */
  sendCommand(args, options) {
    if (!Array.isArray(args) || args.length === 0) return Promise.reject(typeError('sendCommand needs a non-empty array'))
    try {
      return this._exec({ args: args.slice(), transform: this._rawShape }, !!(options && options.returnBuffers))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  async *scanIterator(options = {}) {
    let cursor = '0'
    do {
      const r = await this.scan(cursor, options)
      cursor = r.cursor
      yield r.keys
    } while (cursor !== '0')
  }

  multi() {
    return new Multi(this, true)
  }

  /** `MULTI`/`EXEC` off: the same queue sent as a plain pipeline. */
  pipeline() {
    return new Multi(this, false)
  }

  async subscribe(channels, listener, bufferMode) {
    return this._listen(this._channelListeners, false, channels, listener, bufferMode)
  }

  async pSubscribe(patterns, listener, bufferMode) {
    return this._listen(this._patternListeners, true, patterns, listener, bufferMode)
  }

  async unsubscribe(channels, listener) {
    return this._unlisten(this._channelListeners, false, channels, listener)
  }

  async pUnsubscribe(patterns, listener) {
    return this._unlisten(this._patternListeners, true, patterns, listener)
  }

  /** Sharded channels (Redis Cluster): node-redis' sSubscribe / sUnsubscribe. */
  async sSubscribe(channels, listener, bufferMode) {
    return this._listen(this._shardListeners, 'shard', channels, listener, bufferMode)
  }

  async sUnsubscribe(channels, listener) {
    return this._unlisten(this._shardListeners, 'shard', channels, listener)
  }

  _registry(kind) {
    return kind === 'shard' ? this._subShards : kind ? this._subPatterns : this._subChannels
  }

  async _listen(map, pattern, names_, listener, bufferMode) {
    if (typeof listener !== 'function') throw typeError('subscribe needs a listener function')
    // Listeners are registered under the caller's function (so unsubscribe finds it) and
    // called through `call`, which parses JSON when asked to.
    let call = listener
    if (bufferMode && typeof bufferMode === 'object') {
      // subscribe(channel, listener, { json: true }): payloads parsed as JSON.
      if (bufferMode.json) {
        const inner = listener
        call = (message, channel) => {
          let value
          try {
            value = JSON.parse(message)
          } catch (err) {
            this._emitError(Object.assign(err, { code: 'ERR_INVALID_JSON_MESSAGE', channel }))
            return
          }
          inner(value, channel)
        }
      }
      bufferMode = false
    }
    const list = Array.isArray(names_) ? names_ : [names_]
    if (list.length === 0 || list.some((c) => typeof c !== 'string' || c.length === 0)) throw typeError('channels must be non-empty strings')
    if (bufferMode) this._wantBinaryMessages()
    const fresh = []
    for (const c of list) {
      let set = map.get(c)
      if (!set) {
        map.set(c, (set = new Map()))
        fresh.push(c)
      }
      set.set(listener, { call, buffer: !!bufferMode })
    }
    for (const c of fresh) this._registry(pattern).add(c)
    if (fresh.length) await this._subscriber().subscribe(pattern, false, fresh)
  }

  async _unlisten(map, pattern, names_, listener) {
    const list = names_ === undefined ? [...map.keys()] : Array.isArray(names_) ? names_ : [names_]
    const gone = []
    for (const c of list) {
      const set = map.get(c)
      if (!set) continue
      if (listener) set.delete(listener)
      if (!listener || set.size === 0) {
        map.delete(c)
        gone.push(c)
      }
    }
    for (const c of gone) this._registry(pattern).delete(c)
    if (gone.length && this._sub) await this._sub.subscribe(pattern, true, gone)
  }

  _onMessage(channel, payload, pattern, sharded) {
    const key = pattern === null ? channel : pattern
    const map = sharded ? this._shardListeners : pattern === null ? this._channelListeners : this._patternListeners
    const set = map.get(Buffer.isBuffer(key) ? key.toString() : key)
    if (!set) return
    for (const { call, buffer } of set.values()) {
      if (Buffer.isBuffer(payload) && !buffer) call(payload.toString(), channel.toString())
      else call(payload, channel)
    }
  }

  /**
   * MONITOR: `listener(line)` gets every command the server runs, as the raw line. The
   * monitor has a connection of its own (so this client keeps working); resolves with it,
   * to `disconnect()` when done.
   */
  async monitor(listener) {
    if (typeof listener !== 'function') throw typeError('monitor(listener) needs a listener function')
    const m = await require('./monitor').openMonitor(this._nativeOptions)
    m.on('line', listener)
    return m
  }

  duplicate(overrides) {
    return new RedisClient({ ...this._fullOptions, ...overrides })
  }

  quit() {
    return this._quitAll()
  }

  close() {
    return this._quitAll()
  }

  async disconnect() {
    this._disconnectAll()
  }

  destroy() {
    this._disconnectAll()
  }
}

for (const [name, build] of Object.entries(builders)) {
  const method = function (...args) {
    try {
      return this._exec(build(...args), false)
    } catch (err) {
      return Promise.reject(err)
    }
  }
  RedisClient.prototype[name] = method
  RedisClient.prototype[name.toUpperCase()] = method
}
// Every other command by its lower-case name too (node-redis' generic surface).
for (const name of names) {
  if (RedisClient.prototype[name] || ['multi', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'quit', 'exec'].includes(name)) continue
  RedisClient.prototype[name] = function (...args) {
    try {
      return this._exec({ args: flatten(name, args, [name.toUpperCase()]), transform: RESP2_SHAPES[name] }, false)
    } catch (err) {
      return Promise.reject(err)
    }
  }
}

/** `multi()`: chainable, `exec()` resolves with the replies (node-redis shape). */
class Multi {
  constructor(client, transaction) {
    this.client = client
    this.transaction = transaction
    this.queue = []
  }

  addCommand(args) {
    this.queue.push({ args })
    return this
  }

  async exec() {
    const conn = this.client._conn_()
    const cmds = this.queue
    if (!this.transaction) return this.execAsPipeline()
    // All or nothing: a command that cannot be sent rejects the transaction before any of
    // it is sent.
    const bad = checkTransaction(cmds.map((c) => c.args || ['EVAL', c.script, ...c.rest]))
    if (bad !== null) throw bad
    // One batch from MULTI to EXEC: shapes apply in the core to each command's element of
    // EXEC's reply; JavaScript transforms (a function) run in `finish`.
    const [multi, queued, exec] = conn.transaction(() => [
      conn.send(['MULTI'], false, null),
      cmds.map((c) => conn.send(c.args || ['EVAL', c.script, ...c.rest], false, shapeOf(c)).catch((e) => e)),
      conn.send(['EXEC'], false, null),
    ])
    multi.catch(() => {})
    const errors = (await Promise.all(queued)).filter((r) => r instanceof Error)
    let replies
    try {
      replies = await exec
    } catch (err) {
      if (errors.length) err.errors = errors
      throw err
    }
    if (replies === null) throw Object.assign(new Error('Watched keys changed; transaction discarded'), { code: 'ERR_REDIS_WATCH' })
    return finish(replies, cmds)
  }

  async execAsPipeline() {
    const conn = this.client._conn_()
    const replies = await Promise.all(
      this.queue.map((c) => ('script' in c ? runScript(conn, c.script, c.rest, false, null) : conn.send(c.args, false, shapeOf(c))).catch((e) => e))
    )
    return finish(replies, this.queue)
  }
}

/** A queued command's reply shape, when it has one the core applies. */
function shapeOf(c) {
  return typeof c.transform === 'number' ? c.transform : null
}

function finish(replies, cmds) {
  const errorIndexes = []
  const out = replies.map((v, i) => {
    if (v instanceof Error) {
      errorIndexes.push(i)
      return v
    }
    const t = cmds[i].transform
    return typeof t === 'function' ? t(v) : v
  })
  if (errorIndexes.length) {
    const e = new Error(`${errorIndexes.length} command(s) in the transaction failed`)
    e.code = 'ERR_REDIS_REPLY'
    e.replies = out
    e.errorIndexes = errorIndexes
    throw e
  }
  return out
}

for (const [name, build] of Object.entries(builders)) {
  const m = function (...args) {
    this.queue.push(build(...args))
    return this
  }
  Multi.prototype[name] = m
  Multi.prototype[name.toUpperCase()] = m
}

function createClient(options) {
  return new RedisClient(options)
}

/**
 * node-redis' `createCluster({ rootNodes: [{ url }], defaults })`: a client over a Redis
 * Cluster (call `connect()`), with `sSubscribe`/`sPublish` for sharded channels.
 */
function createCluster(options = {}) {
  const { clusterNodes } = require('./ioredis')
  return new RedisClient({ ...(options.defaults || {}), _clusterNodes: clusterNodes(options.rootNodes), _readFromReplicas: options.useReplicas === true })
}

/** The core's Sentinel options from createSentinel's (see below). */
function sentinelOptions(s) {
  if (!s) return {}
  return { sentinels: s.nodes, sentinelName: s.name, sentinelRole: s.role, sentinelUsername: s.username, sentinelPassword: s.password, sentinelTls: s.tls }
}

/**
 * node-redis' `createSentinel({ name, sentinelRootNodes, nodeClientOptions,
 * sentinelClientOptions, role })`: a client (call `connect()`) on the primary (or a replica
 * with `role: 'replica'`) Sentinel names, following failovers. Its commands are the client's.
 */
function createSentinel(options = {}) {
  const { clusterNodes } = require('./ioredis')
  if (typeof options.name !== 'string' || options.name.length === 0) throw typeError('createSentinel needs the monitored set\'s name')
  const sc = options.sentinelClientOptions || {}
  const role = options.role === 'replica' || options.role === 'slave' ? 'slave' : options.role === undefined || options.role === 'master' ? 'master' : null
  if (role === null) throw typeError("createSentinel: role must be 'master' or 'replica'")
  const _sentinel = { nodes: clusterNodes(options.sentinelRootNodes), name: options.name, role, username: sc.username, password: sc.password, tls: socketTls(sc.socket || {}) }
  return new RedisClient({ ...(options.nodeClientOptions || {}), _sentinel })
}

module.exports = { createClient, createCluster, createSentinel, RedisClient, Multi }
