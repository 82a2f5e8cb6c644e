'use strict'
// The node-redis (v4+) face: `createClient(options)`, `connect()`, camelCase commands with
// option objects and node-redis' reply shapes, per-call pub/sub listeners.
const { BaseClient, closedError } = require('./base')
const { DEFAULT_COMMAND_TIMEOUT_MS } = require('./constants')
const { blockingTimeout } = require('./commands')
const { SHAPES, RESP2_SHAPES } = require('./args')
const { runScript, sha1 } = require('./script')
const { typeError, NodeRedisSimpleError, ClientClosedError, MultiErrorReply, WatchError } = require('./errors')
const { checkTransaction, BLOB_BUFFERS } = require('./core')

// node-redis 5's commands, from the command table (lib/command-table.json): each method's
// arguments as node-redis' own parser writes them (lib/node-redis/arguments.js) and its
// reply as node-redis' RESP2 transform returns it (lib/node-redis/replies.js), applied to
// the reply in RESP2's raw form (the wire is RESP3; `RESP2_SHAPES` restores the few forms
// that differ).
const TABLE = require('./command-table.json').nodeRedis
const { argumentsOf, isWriteError } = require('./node-redis/arguments')
const { transforms } = require('./node-redis/replies')

// Methods the client and its multi() define themselves.
const OWN = new Set(['select', 'subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe', 'sSubscribe', 'sUnsubscribe', 'multi', 'monitor', 'quit'])

/** The transform of `method` called with `args`: a shape code, a function, [code, fn] or null. */
function replyOf(method, args, cmd) {
  const t = transforms[method]
  const shape = RESP2_SHAPES[String(cmd[0]).toLowerCase()]
  if (t === undefined) return shape === undefined ? null : shape
  const fn = (reply) => t(reply, args)
  return shape === undefined ? fn : [shape, fn]
}

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
        commandTimeout: options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
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
        readOnly: options.readonly,
      },
      retry
    )
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

  /** node-redis' listener registry for a pub/sub type ('CHANNELS', 'PATTERNS', 'SHARDED'). */
  getPubSubListeners(type) {
    const map = this._listenersOf(type)
    const out = new Map()
    for (const [channel, set] of map) {
      const entry = { unsubscribing: false, buffers: new Set(), strings: new Set() }
      for (const [fn, { buffer }] of set) (buffer ? entry.buffers : entry.strings).add(fn)
      out.set(channel, entry)
    }
    return out
  }

  /** Adds `listeners` (as getPubSubListeners gives them) for one channel. */
  async extendPubSubChannelListeners(type, channel, listeners) {
    const [map, kind] = [this._listenersOf(type), type === 'SHARDED' ? 'shard' : type === 'PATTERNS']
    for (const fn of listeners.strings || []) await this._listen(map, kind, channel, fn, false)
    for (const fn of listeners.buffers || []) await this._listen(map, kind, channel, fn, true)
  }

  async extendPubSubListeners(type, listeners) {
    for (const [channel, l] of listeners) await this.extendPubSubChannelListeners(type, channel, l)
  }

  _listenersOf(type) {
    return type === 'SHARDED' ? this._shardListeners : type === 'PATTERNS' ? this._patternListeners : this._channelListeners
  }

  get isPubSubActive() {
    return this._subChannels.size + this._subPatterns.size + this._subShards.size > 0
  }

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

/**
 * `multi()` / `pipeline()`: chainable; `exec()` sends MULTI ... EXEC as one batch and
 * resolves with the transformed replies, throwing node-redis' MultiErrorReply when some
 * failed and WatchError when a WATCHed key changed; `execAsPipeline()` sends them without
 * MULTI and rejects with the first error, as node-redis does.
 */
class Multi {
  constructor(client, transaction) {
    this.client = client
    this.transaction = transaction
    this.queue = []
  }

  /** node-redis' raw form: the command's words and arguments as strings/Buffers. */
  addCommand(args, transformReply) {
    // RESP2's raw form, as node-redis 5 queues it (the wire is RESP3).
    const shape = RESP2_SHAPES[String(args[0]).toLowerCase()]
    const fn = typeof transformReply === 'function' ? (r) => transformReply(r) : null
    this.queue.push({ args, transform: fn === null ? (shape === undefined ? null : shape) : shape === undefined ? fn : [shape, fn] })
    return this
  }

  select(db) {
    this.queue.push({ args: ['SELECT', String(db)], transform: null, db: Number(db) })
    return this
  }

  SELECT(db) {
    return this.select(db)
  }

  _add(method, args) {
    let cmd
    try {
      cmd = argumentsOf(method, args)
    } catch (err) {
      // A value node-redis refuses only when writing: the command fails at exec(), which
      // still sends the others and then rejects with this error, as node-redis does.
      if (!isWriteError(err)) throw err
      this.queue.push({ args: null, error: err, transform: null })
      return this
    }
    this.queue.push({ args: cmd, transform: replyOf(method, args, cmd) })
    return this
  }

  async exec(execAsPipeline = false) {
    if (execAsPipeline === true || !this.transaction) return this.execAsPipeline()
    const conn = this.client._conn_()
    const dirty = this.client._dirtyWatch
    this.client._dirtyWatch = undefined
    if (dirty !== undefined) throw new WatchError(dirty)
    const refused = this.queue.find((c) => c.error !== undefined)
    const cmds = refused === undefined ? this.queue : this.queue.filter((c) => c.error === undefined)
    if (cmds.length === 0) {
      if (refused !== undefined) throw refused.error
      return []
    }
    if (refused !== undefined) {
      // node-redis runs the transaction without the commands it could not write, then
      // rejects with the first of their errors.
      await this._transaction(conn, cmds).catch(() => {})
      throw refused.error
    }
    return this._transaction(conn, cmds)
  }

  async _transaction(conn, cmds) {
    // All or nothing otherwise: a command that cannot be sent (a lone surrogate, a raw
    // argument of no wire form) rejects the transaction before any of it is sent.
    const bad = checkTransaction(cmds.map((c) => c.args))
    if (bad !== null) throw bad
    // One batch from MULTI to EXEC: shapes apply in the core to each command's element of
    // EXEC's reply; JavaScript transforms run in `finish`.
    // (node-redis' type mapping does not reach EXEC's replies: they stay strings.)
    const [multi, queued, exec] = conn.transaction(() => [conn.send(['MULTI'], false, null), cmds.map((c) => conn.send(c.args, false, shapeOf(c))), conn.send(['EXEC'], false, null)])
    multi.catch(() => {})
    exec.catch(() => {})
    // A command refused while queuing: the first such error, as node-redis rejects.
    await Promise.all(queued)
    const replies = await exec
    if (replies === null) throw new WatchError()
    for (const c of cmds) if (c.db !== undefined) conn.selectTransform(c.db)('OK')
    return finish(replies, cmds)
  }

  async execAsPipeline() {
    const cmds = this.queue
    if (cmds.length === 0) return []
    const conn = this.client._conn_()
    // The client's type mapping applies to a pipeline's replies, as in node-redis.
    const binary = this.client._buffers
    const sent = cmds.map((c) => (c.error !== undefined ? Promise.reject(c.error) : conn.send(c.args, binary, c.db !== undefined ? conn.selectTransform(c.db) : c.transform || null)))
    for (const p of sent) p.catch(() => {})
    return Promise.all(sent)
  }

  EXEC(execAsPipeline) {
    return this.exec(execAsPipeline)
  }

  /** node-redis' raw form inside multi(): the command as an array. */
  sendCommand(args) {
    return this.addCommand(args.slice())
  }

  execTyped(execAsPipeline) {
    return this.exec(execAsPipeline)
  }

  execAsPipelineTyped() {
    return this.execAsPipeline()
  }
}

/** Records what a node-redis `parseCommand` pushes (scripts defined with defineScript). */
class ArgsParser {
  constructor() {
    this.redisArgs = []
    this.keys = []
  }
  push(...a) {
    this.redisArgs.push(...a)
  }
  pushKey(k) {
    this.keys.push(k)
    this.redisArgs.push(k)
  }
  pushKeys(k) {
    for (const x of Array.isArray(k) ? k : [k]) this.pushKey(x)
  }
  pushKeysLength(k) {
    this.redisArgs.push(String(Array.isArray(k) ? k.length : 1))
    this.pushKeys(k)
  }
  pushVariadic(v) {
    this.redisArgs.push(...(Array.isArray(v) ? v : [v]))
  }
  pushVariadicWithLength(v) {
    this.redisArgs.push(String(Array.isArray(v) ? v.length : 1))
    this.pushVariadic(v)
  }
  pushVariadicNumber(v) {
    this.redisArgs.push(...(Array.isArray(v) ? v : [v]).map(String))
  }
  setCachable() {}
}

/** node-redis' `defineScript({ SCRIPT, NUMBER_OF_KEYS, parseCommand, transformReply })`. */
function defineScript(script) {
  return { ...script, SHA1: sha1(script.SCRIPT) }
}

function checkScript(name, script) {
  if (!script || typeof script.SCRIPT !== 'string' || typeof script.parseCommand !== 'function') throw typeError(`scripts.${name}: expected defineScript({ SCRIPT, parseCommand, ... })`)
}

/** A script call's `[numkeys, ...keys, ...args]` and its reply transform. */
function scriptCall(script, args) {
  const parser = new ArgsParser()
  script.parseCommand(parser, ...args)
  const numkeys = script.NUMBER_OF_KEYS !== undefined ? script.NUMBER_OF_KEYS : parser.keys.length
  const t = script.transformReply
  const fn = typeof t === 'function' ? t : t && typeof t === 'object' ? t[2] : undefined
  return { rest: [String(numkeys), ...parser.redisArgs], transform: fn ? (r) => fn(r, parser.preserve) : null }
}

/** A multi() with the client's scripts as methods (sent as EVAL inside it, in place). */
function withScripts(multi, scripts) {
  if (scripts === null) return multi
  for (const [name, script] of Object.entries(scripts)) {
    multi[name] = (...args) => {
      const { rest, transform } = scriptCall(script, args)
      multi.queue.push({ args: ['EVAL', script.SCRIPT, ...rest], transform })
      return multi
    }
  }
  return multi
}

/** A queued command's reply shape, when it has one the core applies. */
function shapeOf(c) {
  const t = c.transform
  return typeof t === 'number' ? t : Array.isArray(t) ? t[0] : null
}

/** EXEC's replies through each command's JavaScript transform; errors make a MultiErrorReply. */
function finish(replies, cmds) {
  const errorIndexes = []
  const out = replies.map((v, i) => {
    if (v instanceof Error) {
      errorIndexes.push(i)
      return v
    }
    const t = cmds[i].transform
    const fn = typeof t === 'function' ? t : Array.isArray(t) ? t[1] : null
    return fn === null ? v : fn(v)
  })
  if (errorIndexes.length) throw new MultiErrorReply(out, errorIndexes)
  return out
}

for (const [method, spec] of Object.entries(TABLE)) {
  if (OWN.has(method) || method in Multi.prototype) continue
  const add = function (...args) {
    return this._add(method, args)
  }
  Multi.prototype[method] = add
  for (const alias of spec.aliases) if (!(alias in Multi.prototype)) Multi.prototype[alias] = add
}
for (const m of ['watch', 'unwatch']) Multi.prototype[m] = Multi.prototype[m.toUpperCase()] = function (...keys) {
  return this._add(m, keys)
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
  const _sentinel = { nodes: clusterNodes(options.sentinelRootNodes, 26379), name: options.name, role, username: sc.username, password: sc.password, tls: socketTls(sc.socket || {}) }
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
