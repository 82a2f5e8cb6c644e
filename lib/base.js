'use strict'
// What both faces share: owning the command connection and the managed subscriber
// connection, turning native events into EventEmitter events, and asking the user's retry
// strategy for reconnection delays.
const { EventEmitter } = require('events')
const { Connection } = require('./core')
const { typeError, closedError } = require('./errors')
const native = require('./native')

// lib/lock.js, loaded on first use and kept: a require() per lock costs microseconds.
let locks = null
const lockModule = () => locks || (locks = require('./lock'))

let lastWarning = 0

const TYPE_NAMES = { f64: 'a number', bool: 'a boolean', String: 'a string' }

/** The message of a refused option, in JavaScript's terms rather than the binding's. */
function optionError(err) {
  const m = String(err && err.message)
  const field = m.match(/rust type `(\w+)` on \w+\.(\w+)/)
  if (!field) return m
  const got = m.match(/(?:napi value |JavaScript value `)(\w+)/)
  return `Invalid option ${field[2]}: expected ${TYPE_NAMES[field[1]] || field[1]}${got && got[1] ? `, got ${got[1].toLowerCase()}` : ''}`
}

/**
 * A face's options in the typed shape the core takes (`ClientOptions` in
 * src/core/config.rs): the few values that are more than one type in ioredis / node-redis
 * are mapped here; every other value crosses as it is and a wrong type is refused there.
 */
function typedOptions(o) {
  const out = { ...o }
  if (o.tls === true) out.tls = {}
  else if (o.tls === false || o.tls === null) out.tls = undefined
  else if (o.tls !== undefined && typeof o.tls !== 'object') throw typeError('Invalid option tls: expected a boolean or an object')
  if (o.keepAlive === false) out.keepAlive = 0
  else if (o.keepAlive === true) out.keepAlive = undefined
  if (o.maxRetriesPerRequest === null) {
    out.maxRetriesPerRequest = undefined
    out.unlimitedRetries = true
  }
  if (typeof o.port === 'string' && /^\d+$/.test(o.port)) out.port = Number(o.port)
  return out
}

/** A URL with its password masked. */
function maskUrl(url) {
  if (typeof url !== 'string') return url
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}

/**
 * The user's options as a client keeps and shows them: the password stays readable
 * (`options.password`) but is not enumerable, so neither `util.inspect`, `JSON.stringify`
 * nor a spread prints or copies it, and a URL's password is masked. (`duplicate()` uses
 * the full options, kept hidden: see `_keepOptions`.)
 */
function shownOptions(options) {
  const shown = {}
  for (const k of Object.keys(options)) {
    if (k === 'password' || k === 'sentinelPassword' || k === '_sentinel') Object.defineProperty(shown, k, { value: options[k], enumerable: false, writable: true, configurable: true })
    else if (k === 'url') shown.url = maskUrl(options.url)
    else shown[k] = options[k]
  }
  return shown
}

/**
 * The server a face's typed options name, in JavaScript's hands (MONITOR's own socket,
 * traces): a URL applied first, explicit fields winning, as the core reads them. `host` and
 * `port` stay undefined when nothing names them; a URL that does not parse adds nothing
 * (the core refuses it with a coded error).
 */
function serverOf(o) {
  const out = { path: o.path, host: o.host, port: o.port, username: o.username, password: o.password, secure: !!o.tls }
  if (!o.url) return out
  let u
  try {
    u = new URL(o.url)
  } catch {
    return out
  }
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') out.path = out.path ?? u.pathname
  out.host = out.host ?? (u.hostname || undefined)
  out.port = out.port ?? (u.port ? Number(u.port) : undefined)
  out.username = out.username ?? (u.username ? decodeURIComponent(u.username) : undefined)
  out.password = out.password ?? (u.password ? decodeURIComponent(u.password) : undefined)
  out.secure = out.secure || u.protocol === 'rediss:'
  return out
}

/** Defines a property that `util.inspect`, `JSON.stringify` and spreads leave out. */
function hidden(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: false, writable: true, configurable: true })
}

class BaseClient extends EventEmitter {
  constructor(nativeOptions, retryStrategy) {
    super()
    nativeOptions = typedOptions(nativeOptions)
    // Every option is checked for type now, before anything connects (lazy clients too).
    try {
      native.checkOptions(nativeOptions)
    } catch (err) {
      throw typeError(optionError(err))
    }
    // Holds the password: never enumerable (see shownOptions).
    hidden(this, '_nativeOptions', nativeOptions)
    this._retryStrategy = retryStrategy
    this._conn = null
    this._sub = null
    this._keeper = null
    this._binaryMessages = false
    this.status = 'wait'
    this._lockWatches = new Map()
    this._nearCaches = new Set()
    this._subChannels = new Set()
    this._subPatterns = new Set()
    this._subShards = new Set()
    this.droppedMessages = 0
    // Things with connections of their own (stream consumers) that end with this client.
    this._dependents = new Set()
    this._subOwner = { _nativeEvent: (name, detail) => this._subEvent(name, detail) }
    // What the helpers (cache, sessions, limiter, locks, streams, queues) may ask of this
    // client: nothing else of it is theirs to touch.
    Object.defineProperty(this, PORT, {
      value: Object.freeze({
        /** The command connection (lib/core.js Connection). */
        cmd: () => this._cmdConn(),
        /** The connection whose runtime keeps locks and leases alive. */
        keeper: () => this._keeperConn(),
        /** A connection of the helper's own (blocking reads), closed with the client. */
        own: (onEvent) => this._ownConnection(onEvent),
        /** Lock and lease watches: id -> what to do when the runtime reports a loss. */
        watches: this._lockWatches,
        /** Whether the client is a Redis Cluster client. */
        cluster: Array.isArray(nativeOptions.clusterNodes) && nativeOptions.clusterNodes.length > 0,
        /** SCAN over every primary (a Cluster's too), batch by batch. */
        scan: (match, count) => this._scanKeys(match, count),
        /** A near-cache starts (true: it may keep what it reads at once) or stops. */
        nearCache: (cache) => this._registerNearCache(cache),
        /** Things with connections of their own, ended with the client. */
        dependents: this._dependents,
        /** An error for the client's `error` event (or the process, with no listener). */
        error: (err) => this._emitError(err),
      }),
    })
  }

  /**
   * Keeps the user's options: `options` to show (with `defaults` for what was left out, as
   * ioredis shows its own), the full set for `duplicate()`.
   */
  _keepOptions(options, defaults = {}) {
    hidden(this, '_fullOptions', options)
    this.options = shownOptions({ ...defaults, ...options })
  }

  /** What `util.inspect` and loggers see: status and options, no secret. */
  [require('util').inspect.custom](depth, opts, inspect) {
    return `${this.constructor.name} ${inspect({ status: this.status, options: this.options }, opts)}`
  }

  /** What `JSON.stringify(client)` gives: status and options, no secret. */
  toJSON() {
    return { status: this.status, options: this.options }
  }

  _open() {
    if (this._conn === null || this._conn.ended) {
      this.status = 'connecting'
      this._conn = new Connection(this._nativeOptions, { owner: this })
      this._faceConnection(this._conn)
    }
    return this._conn
  }

  /** A face marks its command connection: its error replies' class and properties. */
  _faceConnection() {}

  /**
   * The connection that keeps locks and job leases alive: on the native runtime's own
   * thread (never the direct path, whose socket the JavaScript thread drives), so renewals
   * go out while the event loop is blocked. Opened on first use, closed with the client.
   */
  _keeperConn() {
    if (this._keeper === null || this._keeper.ended) {
      this._keeper = new Connection(this._internalOptions(), { runtime: true, owner: this })
    }
    return this._keeper
  }

  /**
   * A connection of its own for one helper's blocking reads (stream consumers, queue
   * workers, QueueEvents), so they never hold up the client's commands; it reconnects on
   * the client's retry strategy, and `onEvent(name, detail)` sees its other events.
   */
  _ownConnection(onEvent) {
    const owner = {
      _nativeEvent: (name, detail) => {
        if (name === 'retry') this._retry(conn, detail)
        if (onEvent) onEvent(name, detail)
      },
    }
    const conn = new Connection(this._internalOptions(), { owner })
    return conn
  }

  /**
   * Options for the connections the client opens for itself (subscriber, keeper, helpers'
   * blocking reads): connected at once, and RESP3 whatever `protocol` says, since pushes
   * (pub/sub messages) need it.
   */
  _internalOptions() {
    return { ...this._nativeOptions, lazyConnect: false, protocol: undefined }
  }

  /**
   * Every key matching `match` (a SCAN glob), in batches: on one server a SCAN loop; on a
   * Redis Cluster a SCAN loop on each primary (a cluster SCAN reaches one random node), each
   * on a short-lived connection of its own. Keys may repeat across batches, as with SCAN.
   */
  async *_scanKeys(match, count) {
    const conn = this._cmdConn()
    if (!conn.cluster) {
      yield* scanLoop(conn, match, count)
      return
    }
    const primaries = new Map()
    for (const range of await conn.send(['CLUSTER', 'SLOTS'], false, null)) {
      const [host, port] = range[2]
      primaries.set(`${host}:${port}`, { host: String(host), port: Number(port) })
    }
    for (const { host, port } of primaries.values()) {
      const node = new Connection({ ...this._internalOptions(), clusterNodes: undefined, url: undefined, path: undefined, host, port }, { runtime: true, owner: { _nativeEvent() {} } })
      try {
        yield* scanLoop(node, match, count)
      } finally {
        node.quit().catch(() => {})
      }
    }
  }

  /** The command connection, for helpers built on the client (rate limiter, stores). */
  _cmdConn() {
    throw new Error('not implemented by this face')
  }

  /** `client.rateLimiter({ limit, windowMs, algorithm })`: see lib/rate-limit.js. */
  rateLimiter(options) {
    const { RateLimiter } = require('./rate-limit')
    return new RateLimiter(this, options)
  }

  /** `client.cache({ prefix, ttl })`: see lib/cache.js. */
  cache(options) {
    const { Cache } = require('./cache')
    return new Cache(this, options)
  }

  _registerNearCache(cache) {
    // Invalidations arrive as RESP3 pushes; a RESP2 connection would never hear them.
    if (this._nativeOptions.protocol === 2) throw typeError('A near-cache needs RESP3: this client was created with protocol 2')
    this._nearCaches.add(cache)
    const conn = this._cmdConn()
    conn.native.enableTracking()
    // Whether this cache may keep what it reads right away: one server tracks every read
    // from the CLIENT TRACKING sent ahead of it; a Cluster once its tracking connection is up.
    return !conn.cluster || this._trackingLive === true
  }

  /** `client.stream(name, { maxLen, json })`: a durable channel on a Redis Stream; see lib/stream.js. */
  stream(name, options) {
    const { Stream } = require('./stream')
    return new Stream(this, name, options)
  }

  /** `client.lock(resources, ttlMs, options)`: see lib/lock.js. */
  lock(resources, ttlMs, options) {
    return lockModule().acquire(this, resources, ttlMs, options)
  }

  /** `client.withLock(resources, ttlMs, async (signal) => ..., options)`. */
  withLock(resources, ttlMs, routine, options) {
    return lockModule().withLock(this, resources, ttlMs, routine, options)
  }

  _emitError(err) {
    if (this.listenerCount('error') > 0) {
      this.emit('error', err)
      return
    }
    // An 'error' with no listener must never crash the process; say it, rarely.
    const now = Date.now()
    if (now - lastWarning > 10_000) {
      lastWarning = now
      console.warn(`[redis-hotpath] Unhandled error event: ${err && err.message} (${err && err.code})`)
    }
  }

  _nativeEvent(name, detail, conn) {
    if (name === 'lockLost') {
      const abort = this._lockWatches.get(detail.watchId)
      if (abort) abort(detail)
      return
    }
    if (conn !== this._conn) {
      // The keeper reconnects on the client's retry strategy; its other events stay quiet.
      if (name === 'retry' && conn === this._keeper) this._retry(conn, detail)
      return
    }
    if (name === 'invalidate') {
      for (const c of this._nearCaches) c._invalidate(detail)
      return
    }
    if (name === 'tracking') {
      this._trackingLive = true
      for (const c of this._nearCaches) c._trackingOn()
      return
    }
    // Invalidations may be missed while disconnected: near-caches start over.
    if (name === 'close' || name === 'end') {
      this._trackingLive = false
      for (const c of this._nearCaches) c._flushLocal(true)
    }
    switch (name) {
      case 'error':
        this._emitError(detail)
        return
      case 'warning':
        this._onHandshakeWarning(detail)
        return
      case 'retry':
        this._retry(conn, detail)
        return
      case 'reconnecting':
        this.status = 'reconnecting'
        this.emit('reconnecting', detail)
        return
      default:
        this.status = name
        this._onStatus(name)
        this.emit(name)
    }
  }

  _onStatus() {}

  /** A server reply the handshake let pass (see src/core/handshake.rs); faces that warn override this. */
  _onHandshakeWarning() {}

  _retry(conn, attempt) {
    let delay
    try {
      delay = this._retryStrategy(attempt)
    } catch (err) {
      this._emitError(err)
      delay = null
    }
    if (delay instanceof Error) {
      this._emitError(delay)
      delay = null
    }
    const decided = typeof delay === 'number' && delay >= 0 ? delay : null
    conn.native.retryDecision(decided)
    return decided
  }

  _subEvent(name, detail) {
    if (name === 'error') this._emitError(detail)
    else if (name === 'resubscribed') this.emit('resubscribed', { downMs: detail, ...this.subscriptions() })
    // Redis pub/sub is fire-and-forget: say when messages may be missed, and when not.
    else if (name === 'close') this.emit('subscriptionsLost', this.subscriptions())
    else if (name === 'messagesDropped') {
      this.droppedMessages += detail
      this.emit('messagesDropped', detail)
    } else if (name === 'retry') this._retry(this._sub, detail)
    else if (name === 'end' && this._sub && this._sub.ended) this._sub = null
  }

  /** The subscriptions this client holds (restored after every reconnect). */
  subscriptions() {
    return { channels: [...this._subChannels], patterns: [...this._subPatterns], shardChannels: [...this._subShards] }
  }

  _subscriber() {
    if (this._sub === null || this._sub.ended) {
      this._sub = new Connection(this._internalOptions(), { subscriber: true, owner: this._subOwner })
      this._sub.onMessage = (channel, payload, pattern, sharded) => this._onMessage(channel, payload, pattern, sharded)
      if (this._binaryMessages) this._sub.native.setBinaryMessages(true)
    }
    return this._sub
  }

  _wantBinaryMessages() {
    if (this._binaryMessages) return
    this._binaryMessages = true
    if (this._sub) this._sub.native.setBinaryMessages(true)
  }

  /** Closes both connections after their pending commands; resolves 'OK'. */
  async _quitAll() {
    this._closeDependents()
    const ps = []
    if (this._sub && !this._sub.ended) ps.push(this._sub.quit())
    if (this._keeper && !this._keeper.ended) ps.push(this._keeper.quit())
    if (this._conn && !this._conn.ended) ps.push(this._conn.quit())
    if (ps.length === 0) {
      if (this._conn === null) this.status = 'end'
      return 'OK'
    }
    await Promise.all(ps)
    return 'OK'
  }

  _closeDependents() {
    for (const d of [...this._dependents]) d.close()
  }

  _disconnectAll() {
    this._closeDependents()
    if (this._sub && !this._sub.ended) this._sub.disconnect()
    if (this._keeper && !this._keeper.ended) this._keeper.disconnect()
    if (this._conn && !this._conn.ended) this._conn.disconnect()
  }
}

/** SCAN ... MATCH ... COUNT on one connection, yielding each non-empty batch of keys. */
async function* scanLoop(conn, match, count) {
  let cursor = '0'
  do {
    const [next, keys] = await conn.send(['SCAN', cursor, 'MATCH', match, 'COUNT', count], false, null)
    cursor = String(next)
    if (keys.length) yield keys
  } while (cursor !== '0')
}

// The key of a client's internal port (see the constructor).
const PORT = Symbol('redis-hotpath internal port')

/** The internal port of a client of this package, or null for anything else. */
function portOf(client) {
  return (client !== null && typeof client === 'object' && client[PORT]) || null
}

module.exports = { BaseClient, closedError, serverOf, portOf }
