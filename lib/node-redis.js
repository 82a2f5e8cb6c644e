'use strict'
// The node-redis (v4+) face: `createClient(options)`, `connect()`, camelCase commands with
// option objects and node-redis' reply shapes, per-call pub/sub listeners. The client and
// the factories are here; options, multi(), scripts and pub/sub are in lib/node-redis/.
// node-redis 5's commands come from the command table (lib/command-table.json): each
// method's arguments as node-redis' own parser writes them (lib/node-redis/arguments.js) and
// its reply as node-redis' RESP2 transform returns it (lib/node-redis/replies.js), applied to
// the reply in RESP2's raw form (the wire is RESP3; `RESP2_SHAPES` restores the few forms
// that differ).
const { BaseClient, closedError } = require('./base')
const { blockingTimeout } = require('./commands')
const { SHAPES, RESP2_SHAPES } = require('./args')
const { runScript } = require('./script')
const { typeError, NodeRedisSimpleError, ClientClosedError } = require('./errors')
const { BLOB_BUFFERS } = require('./core')
const { argumentsOf } = require('./node-redis/arguments')
const { DEFAULTS, retryFor, socketTls, nativeOptions } = require('./node-redis/options')
const { Multi, replyOf, TABLE, OWN } = require('./node-redis/multi')
const { defineScript, checkScript, scriptCall, withScripts } = require('./node-redis/scripts')
const { PubSub } = require('./node-redis/pubsub')

class RedisClient extends BaseClient {
  constructor(options = {}) {
    const s = options.socket || {}
    const retry = retryFor(s.reconnectStrategy)
    super(nativeOptions(options, retry !== null), retry)
    this._keepOptions(options)
    // With RESP: 3, sendCommand's raw replies keep RESP3's types (maps as objects, doubles as numbers).
    this._rawShape = options.RESP === 3 ? SHAPES.resp3 : null
    this._channelListeners = new Map()
    this._patternListeners = new Map()
    this._shardListeners = new Map()
    this._buffers = false
    // node-redis' `scripts` option: defineScript() results become methods (and multi()'s).
    this._scripts = options.scripts || null
    if (this._scripts !== null) {
      if (typeof this._scripts !== 'object') throw typeError('scripts must be an object of defineScript() results')
      for (const [name, script] of Object.entries(this._scripts)) {
        checkScript(name, script)
        this[name] = (...args) => {
          const { rest, transform } = scriptCall(script, args)
          return this._exec({ script: script.SCRIPT, rest, transform }, this._buffers)
        }
      }
    }
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
    if (this._conn === null || this._conn.ended) throw new ClientClosedError()
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
    if ('script' in b) return runScript(conn, b.script, b.rest, binary, b.transform || null)
    return conn.send(b.args, binary, b.transform || null, blockingTimeout(b.args, conn.commandTimeout))
  }

  /** One of node-redis' command methods: `method` (camelCase) called with `args`. */
  _run(method, args) {
    let cmd
    try {
      cmd = argumentsOf(method, args)
    } catch (err) {
      return Promise.reject(err)
    }
    try {
      return this._exec({ args: cmd, transform: replyOf(method, args, cmd) }, this._buffers)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** SELECT: the database is kept for reconnects once the server has switched. */
  select(db) {
    try {
      const conn = this._conn_()
      return conn.send(['SELECT', String(db)], false, conn.selectTransform(Number(db)))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  SELECT(db) {
    return this.select(db)
  }

  /**
   * node-redis' `withTypeMapping`: a view of this client whose replies use the mapping.
   * Supported: `{ [RESP_TYPES.BLOB_STRING]: Buffer }` (Buffers instead of strings); other
   * mappings are accepted and leave replies in node-redis' default types.
   */
  withTypeMapping(mapping) {
    const view = Object.create(this)
    view._buffers = mapping && mapping[RESP_TYPES.BLOB_STRING] === Buffer ? BLOB_BUFFERS : false
    return view
  }

  /** node-redis' `withCommandOptions({ typeMapping, ... })`: as withTypeMapping for the mapping. */
  withCommandOptions(options) {
    return this.withTypeMapping(options && options.typeMapping)
  }

  /** node-redis' `withAbortSignal`: accepted; commands are not cancelled once issued. */
  withAbortSignal() {
    return Object.create(this)
  }

  /** node-redis' `asap`: commands are sent in the order issued, with this tick's batch. */
  get asap() {
    return this
  }

  /** node-redis' `asap()`: commands are sent in the order issued, with this tick's batch. */
  asap() {
    return this
  }

  /** node-redis' `legacy()`: the v3 interface, flat arguments and a trailing callback. */
  legacy() {
    return legacyClient(this)
  }

  /** node-redis' `createPool(options)`: a pool with this client's options. */
  createPool(options) {
    return createClientPool(this._fullOptions, options)
  }

  /** node-redis' `reAuthenticate({ username, password })`: AUTH on the open connection. */
  async reAuthenticate(credentials) {
    const c = credentials || {}
    await this.sendCommand(c.username ? ['AUTH', c.username, c.password] : ['AUTH', c.password])
  }

  /** Marks a WATCH as broken: the next multi().exec() rejects with WatchError(message). */
  setDirtyWatch(message) {
    this._dirtyWatch = message
  }

  get isWatching() {
    return this._watching === true
  }

  get isDirtyWatch() {
    return this._dirtyWatch !== undefined
  }

  /** Back to the defaults: no subscriptions, the configured database. */
  async reset() {
    await Promise.all([this.unsubscribe(), this.pUnsubscribe(), this.sUnsubscribe()])
    const db = this._fullOptions.database
    if (db !== undefined || this._conn_().native) await this.select(db || 0)
    this._dirtyWatch = undefined
  }

  async resetIfDirty() {
    if (this.isPubSubActive) await this.reset()
  }

  /** node-redis' `ref()` / `unref()` for the socket: the process-wide keep-alive decides here. */
  ref() {}

  unref() {}

  /** Any command: `sendCommand(['OBJECT', 'ENCODING', 'k'])`. */
  sendCommand(args, options) {
    if (!Array.isArray(args) || args.length === 0) return Promise.reject(typeError('sendCommand needs a non-empty array'))
    try {
      // RESP2's raw forms unless the client asked for RESP3 (the wire is RESP3 either way).
      const shape = this._rawShape !== null ? this._rawShape : RESP2_SHAPES[String(args[0]).toLowerCase()] || null
      return this._exec({ args: args.slice(), transform: shape }, !!(options && options.returnBuffers))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** node-redis' scan iterators: each batch of a SCAN-family loop, until the cursor is back at 0. */
  async *_scan(method, head, field, options = {}) {
    let cursor = options.cursor ?? '0'
    do {
      const r = await this[method](...head, cursor, options)
      cursor = r.cursor
      yield r[field]
    } while (cursor !== '0')
  }

  scanIterator(options) {
    return this._scan('scan', [], 'keys', options)
  }

  hScanIterator(key, options) {
    return this._scan('hScan', [key], 'entries', options)
  }

  hScanValuesIterator(key, options) {
    return this._scan('hScan', [key], 'entries', options)
  }

  hScanNoValuesIterator(key, options) {
    return this._scan('hScanNoValues', [key], 'fields', options)
  }

  sScanIterator(key, options) {
    return this._scan('sScan', [key], 'members', options)
  }

  zScanIterator(key, options) {
    return this._scan('zScan', [key], 'members', options)
  }

  multi() {
    return withScripts(new Multi(this, true), this._scripts)
  }

  MULTI() {
    return this.multi()
  }

  /** `MULTI`/`EXEC` off: the same queue sent as a plain pipeline. */
  pipeline() {
    return withScripts(new Multi(this, false), this._scripts)
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

// Pub/sub (lib/node-redis/pubsub.js), before the command methods below.
for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(PubSub.prototype))) if (key !== 'constructor') Object.defineProperty(RedisClient.prototype, key, desc)

for (const [method, spec] of Object.entries(TABLE)) {
  if (OWN.has(method)) continue
  const run = function (...args) {
    return this._run(method, args)
  }
  RedisClient.prototype[method] = run
  for (const alias of spec.aliases) if (!OWN.has(alias) && !(alias in RedisClient.prototype)) RedisClient.prototype[alias] = run
}
for (const m of ['subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe', 'sSubscribe', 'sUnsubscribe', 'monitor', 'quit']) {
  RedisClient.prototype[m.toUpperCase()] = RedisClient.prototype[m]
}
for (const m of ['watch', 'unwatch']) {
  RedisClient.prototype[m] = function (...keys) {
    return this._run(m, keys)
  }
  RedisClient.prototype[m.toUpperCase()] = RedisClient.prototype[m]
}

RedisClient.prototype.Multi = Multi

/** node-redis' legacy (v3) interface: `client.set('k', 'v', 'EX', 10, (err, reply) => ...)`. */
function legacyClient(client) {
  const call = (name, args) => {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null
    const flat = args.flat().map((a) => (typeof a === 'number' ? String(a) : a))
    const p = client.sendCommand([name, ...flat])
    if (cb !== null) p.then((v) => cb(null, v), (e) => cb(e))
    return p
  }
  return new Proxy(
    {},
    {
      get(_, prop) {
        if (typeof prop !== 'string') return undefined
        if (prop === 'sendCommand') return (...args) => call(args[0], args.slice(1))
        return (...args) => call(prop.toUpperCase(), args)
      },
    }
  )
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
  const _sentinel = { nodes: clusterNodes(options.sentinelRootNodes, DEFAULTS.sentinelPort), name: options.name, role, username: sc.username, password: sc.password, tls: socketTls(sc.socket || {}) }
  return new RedisClient({ ...(options.nodeClientOptions || {}), _sentinel })
}

/** node-redis' RESP type codes (for withTypeMapping). */
const RESP_TYPES = {
  NULL: 95,
  BOOLEAN: 35,
  NUMBER: 58,
  BIG_NUMBER: 40,
  DOUBLE: 44,
  SIMPLE_STRING: 43,
  BLOB_STRING: 36,
  VERBATIM_STRING: 61,
  SIMPLE_ERROR: 45,
  BLOB_ERROR: 33,
  ARRAY: 42,
  SET: 126,
  MAP: 37,
  PUSH: 62,
}

/**
 * node-redis' `createClientPool(clientOptions, poolOptions)`. One client here is one
 * multiplexed connection already, so the pool is a client: its commands, `execute(fn)`
 * (fn gets the client), `connect()`, `close()`, `destroy()`. Blocking commands hold the
 * connection, as on a node-redis client; give them a client of their own (`duplicate()`).
 */
function createClientPool(clientOptions, poolOptions) {
  const pool = new RedisClient(clientOptions || {})
  pool.poolOptions = poolOptions || {}
  pool.execute = async (fn) => fn(pool)
  return pool
}

module.exports = { createClient, createCluster, createSentinel, createClientPool, defineScript, RedisClient, Multi, RESP_TYPES }
