'use strict'
// The ioredis face: `new Redis(...)`, auto-connect, lower-case variadic commands, ioredis'
// reply shapes and events. Every command goes through the shared native core. The client's
// connection life (status, reconnects, quit/disconnect) and command path are here; its
// options, pipelines, pub/sub, scan streams and Commander surface are in lib/ioredis/.
const { BaseClient, closedError } = require('./base')
const { names, blockingTimeout } = require('./commands')
const { prefixKeys } = require('./key-prefix')
const { ioredisArgs, SHAPES, RESP2_SHAPES } = require('./args')
const { typeError, redisError, ReplyError, SimpleError } = require('./errors')
const { openMonitor } = require('./monitor')
const { traceCommand, traceConnect, listening, connectChannel } = require('./tracing')
const { DEFAULTS, parseArgs, retryOf, nativeOptions, traceTarget, clusterNodes } = require('./ioredis/options')
const { withCallback, Command } = require('./ioredis/command')
const { Pipeline, queueAll } = require('./ioredis/pipeline')
const { PubSub } = require('./ioredis/pubsub')
const { ScanStreams } = require('./ioredis/scan-stream')
const { Commander } = require('./ioredis/commander')

const SUB_COMMANDS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'])
// Reply shapes (codes the core applies) by command name.
const TRANSFORMS = { ...RESP2_SHAPES, hgetall: SHAPES.object }

/** The commands ioredis lets a RESP2 connection in subscriber mode send. */
const VALID_IN_SUBSCRIBER_MODE = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit'])

/** What ioredis writes on a connection still handshaking (status 'connect'). */
const HANDSHAKE_COMMANDS = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info'])

class Redis extends BaseClient {
  constructor(...args) {
    const options = parseArgs(args)
    super(nativeOptions(options), retryOf(options))
    // `redis.options` shows ioredis' defaults for what was left out (as ioredis does), with
    // this package's values where they differ (commands in flight are never re-sent).
    this._keepOptions(options, DEFAULTS)
    this._ready = null
    this.retryAttempts = 0
    this._holdEnd = false
    this._heldEnd = false
    this._draining = false
    this._handlers = new Map()
    this.on('newListener', (event) => {
      if (event === 'messageBuffer' || event === 'pmessageBuffer' || event === 'smessageBuffer') this._wantBinaryMessages()
    })
    if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string' && !Buffer.isBuffer(options.keyPrefix)) throw typeError('keyPrefix must be a string or a Buffer')
    this._keyPrefix = options.keyPrefix && options.keyPrefix.length > 0 ? options.keyPrefix : null
    if (options.reconnectOnError != null && typeof options.reconnectOnError !== 'function') throw typeError('reconnectOnError must be a function')
    // With Sentinel, a write refused by a demoted primary (READONLY) reconnects to the new
    // one and is sent again (it did not run), unless the user decides otherwise.
    const followReadonly = Array.isArray(options.sentinels) && options.role !== 'slave' ? (err) => (/^READONLY/.test(err.message) ? 2 : false) : null
    this._reconnectOnError = options.reconnectOnError || followReadonly
    if (options.blockingTimeout !== undefined && typeof options.blockingTimeout !== 'number') throw typeError('blockingTimeout must be a number of ms')
    if (options.blockingTimeoutGrace !== undefined && !(typeof options.blockingTimeoutGrace === 'number' && options.blockingTimeoutGrace >= 0)) throw typeError('blockingTimeoutGrace must be a number of ms')
    // ioredis' opt-in safety net: a blocking command with no reply by then resolves null.
    this._blockingTimeout = options.blockingTimeout > 0 ? options.blockingTimeout : 0
    this._blockingGrace = options.blockingTimeoutGrace ?? DEFAULTS.blockingTimeoutGrace
    // What traces name as the target (ioredis' context fields), and the attempts so far.
    this._db = Number(options.db) || 0
    this._target = traceTarget(options)
    this._epoch = 0
    if (options.replyMapping !== undefined && options.replyMapping !== 'legacy' && options.replyMapping !== 'resp3') throw typeError("replyMapping must be 'legacy' or 'resp3'")
    if (options.replyMapping === 'resp3' && options.protocol === 2) throw typeError('The "resp3" replyMapping is only supported with protocol 3')
    // replyMapping 'resp3': every reply keeps RESP3's types (maps as objects, doubles as numbers).
    this._resp3 = options.replyMapping === 'resp3'
    // ioredis' stringNumbers: integer replies as their text, digit for digit.
    this._stringNumbers = options.stringNumbers === true
    // Read per command: kept as plain fields.
    this._protocol2 = options.protocol === 2
    this._noOfflineQueue = options.enableOfflineQueue === false
    // ioredis' `scripts` option: commands defined at construction.
    if (options.scripts !== undefined) {
      if (options.scripts === null || typeof options.scripts !== 'object') throw typeError('scripts must be an object of { name: { lua, numberOfKeys } }')
      for (const [name, definition] of Object.entries(options.scripts)) this.defineCommand(name, definition)
    }
    if (!options.lazyConnect) this._open()
  }

  /**
   * Connects a `lazyConnect` client, or one that has ended (after `quit()` /
   * `disconnect()`); resolves once it is ready. Like ioredis, refuses while connecting or
   * connected.
   */
  connect(callback) {
    const p = new Promise((resolve, reject) => {
      if (this.status === 'connecting' || this.status === 'connect' || this.status === 'ready') {
        return reject(redisError('ERR_REDIS_CONNECTION', 'Redis is already connecting/connected'))
      }
      this._open()
      // As ioredis: ready resolves; the attempt's end (close) rejects, whether or not the
      // retry strategy tries again.
      const onReady = () => {
        this.off('close', onClose)
        resolve()
      }
      const onClose = () => {
        this.off('ready', onReady)
        reject(closedError())
      }
      this.once('ready', onReady)
      this.once('close', onClose)
    })
    return withCallback(p, callback)
  }

  /**
   * ioredis 6's `mode`: 'subscriber' while a RESP2 (`protocol: 2`) client holds
   * subscriptions, when ioredis refuses other commands; RESP3 clients stay 'normal'.
   * (Subscriptions live on a connection of their own here either way.)
   */
  get mode() {
    return this._resp2Subscribed() ? 'subscriber' : 'normal'
  }

  /** The reply's shape or transform: RESP3's types, ioredis' transforms, `stringNumbers`. */
  _shapeOf(name, wire) {
    if (this._resp3) return SHAPES.resp3
    const t = transformOf(name, wire)
    return t === null && this._stringNumbers ? SHAPES.text : t
  }

  _resp2Subscribed() {
    return this._protocol2 && this._subChannels.size + this._subPatterns.size + this._subShards.size > 0
  }

  /**
   * Runs a command: `name` lower-case (what the face looks up), `wire` as the caller spelled
   * it (what is sent and named in errors; ioredis keeps `call('HGETALL')`'s case).
   */
  _run(name, args, binary, wire = name) {
    let cb
    if (args.length > 0 && typeof args[args.length - 1] === 'function') {
      cb = args[args.length - 1]
      args = args.slice(0, -1)
    }
    let p
    try {
      if (this._draining) throw closedError()
      const subscribed = this._resp2Subscribed()
      if (subscribed && !VALID_IN_SUBSCRIBER_MODE.has(name)) {
        // ioredis' rule for a RESP2 connection in subscriber mode.
        throw redisError('ERR_REDIS_SUBSCRIBER_MODE', 'Connection in subscriber mode, only subscriber commands may be used')
      }
      // ioredis writes only to a ready connection: without the offline queue, a command
      // issued before ready (while connecting, during the handshake) is refused at once.
      if (this._noOfflineQueue && this.status !== 'ready' && !(this.status === 'connect' && HANDSHAKE_COMMANDS.has(name)) && !SUB_COMMANDS.has(name) && name !== 'quit') {
        throw redisError('ERR_REDIS_CONNECTION', "Stream isn't writeable and enableOfflineQueue options is false")
      }
      // There, PING is answered as a subscriber's: [ 'pong', <message or ''> ].
      if (subscribed && name === 'ping') p = Promise.resolve(binary ? [Buffer.from('pong'), Buffer.from(String(args[0] ?? ''))] : ['pong', String(args[0] ?? '')])
      else p = this._send(name, args, binary, wire)
    } catch (err) {
      p = Promise.reject(err)
    }
    if (this._reconnectOnError !== null && name !== 'client') p = this._onReplyError(p, () => this._send(name, args, binary, wire))
    return cb ? withCallback(p, cb) : p
  }

  /**
   * ioredis' `reconnectOnError(err)` for a command's error reply: true or 1 reconnects (the
   * command still rejects), 2 reconnects and sends the command again on the new connection.
   */
  _onReplyError(p, resend) {
    return p.catch((err) => {
      if (!(err instanceof ReplyError)) throw err
      let decision
      try {
        decision = this._reconnectOnError(err)
      } catch (e) {
        this._emitError(e)
        throw err
      }
      if (decision !== true && decision !== 1 && decision !== 2) throw err
      if (this.status !== 'reconnecting' && this._conn !== null && !this._conn.ended) this._conn.native.reconnect()
      if (decision === 2) return resend()
      throw err
    })
  }

  /** ioredis' `blockingTimeout`: a blocking command still unanswered by then resolves null. */
  _blockingNet(p, flat) {
    const head = String(flat[0]).toLowerCase()
    let ms = blockingTimeout(flat, 0)
    if (ms === undefined) {
      if (head !== 'xread' && head !== 'xreadgroup') return p
      ms = this._blockingTimeout
    } else ms = ms < 0 ? this._blockingTimeout : ms + this._blockingGrace
    let timer
    const net = new Promise((resolve) => {
      timer = setTimeout(resolve, ms, null)
    })
    return Promise.race([p, net]).finally(() => clearTimeout(timer))
  }

  /** Commands waiting in this tick's batch (ioredis' auto-pipeline queue; ours is always on). */
  get autoPipelineQueueSize() {
    const b = this._conn === null ? null : this._conn.cur
    return b === null ? 0 : b.resolves.length
  }

  _send(name, args, binary, wire = name) {
    if (SUB_COMMANDS.has(name)) return this._subscription(name, ioredisArgs(wire, args, []))
    if (name === 'quit') return this.quit()
    const conn = this._command()
    const flat = this._prefixed(ioredisArgs(wire, args, [wire]))
    const transform = name === 'select' ? this._selectTransform(conn, Number(flat[1])) : this._shapeOf(name, wire)
    const timeout = blockingTimeout(flat, conn.commandTimeout)
    const p = traceCommand(conn.send(flat, binary, transform, timeout), this, flat)
    if (this._blockingTimeout === 0 || (timeout === undefined && name !== 'xread' && name !== 'xreadgroup')) return p
    return this._blockingNet(p, flat)
  }

  /** `flat` (name first) with `keyPrefix` before each key (lib/key-prefix.js). */
  _prefixed(flat) {
    return this._keyPrefix === null ? flat : prefixKeys(this._keyPrefix, flat)
  }

  /** A script's `[numkeys, ...keys, ...args]` with `keyPrefix` before each key. */
  _prefixedRest(rest) {
    return this._keyPrefix === null ? rest : prefixKeys(this._keyPrefix, ['eval', '', ...rest]).slice(2)
  }

  /** SELECT's reply: the database is kept for reconnects and a `select` event says so (ioredis'). */
  _selectTransform(conn, db) {
    const keep = conn.selectTransform(db)
    return (reply) => {
      const r = keep(reply)
      if (r === 'OK' && this._db !== db) {
        // ioredis says so only when the database changes.
        this._db = db
        this.emit('select', db)
      }
      return r
    }
  }

  _command() {
    if (this._conn === null) return this._open()
    return this._conn
  }

  _open() {
    const fresh = this._conn === null || this._conn.ended
    const conn = super._open()
    if (fresh) this._traceAttempt()
    return conn
  }

  /** Error replies name their command (`err.command`), as ioredis' do. */
  _faceConnection(conn) {
    conn.tagErrors = true
    conn.endsOnLoss = this._fullOptions.retryStrategy !== undefined && typeof this._fullOptions.retryStrategy !== 'function'
  }

  /** ioredis' `retryAttempts`: reconnection attempts since the last ready. */
  _retry(conn, attempt) {
    if (conn === this._conn) this.retryAttempts = attempt
    const delay = super._retry(conn, attempt)
    if (delay === null && conn === this._conn && this.status !== 'end') {
      // No more attempts: ioredis is closed and ended at once (the core's end follows).
      if (this.status !== 'close') {
        this.status = 'close'
        this.emit('close')
      }
      this.status = 'end'
    }
    return delay
  }

  _onStatus(name) {
    if (name === 'ready') this.retryAttempts = 0
    super._onStatus(name)
  }

  /** ioredis' console warnings for the handshake replies it lets pass (event_handler.js). */
  _onHandshakeWarning(text) {
    if (text.includes('no password is set')) console.warn('[WARN] Redis server does not require a password, but a password was supplied.')
    else if (text.includes('without any password configured for the default user')) console.warn("[WARN] This Redis server's `default` user does not require a password, but a password was supplied")
    else if (text.includes("wrong number of arguments for 'auth' command")) {
      console.warn(`[ERROR] The server returned "wrong number of arguments for 'auth' command". You are probably passing both username and password to Redis version 5 or below. You should only pass the 'password' option for Redis version 5 and under.`)
    } else if (text.includes('NOPERM')) {
      console.warn(`Skipping the ready check because INFO command fails: "${text}". You can disable ready check with "enableReadyCheck". More: https://github.com/luin/ioredis/wiki/Disable-ready-check.`)
    }
  }

  _nativeEvent(name, detail, conn) {
    if (name === 'end' && conn === this._conn && this._holdEnd) {
      this._heldEnd = true
      return
    }
    // ioredis emits 'close' for every attempt that ends, also one that never connected
    // (error, close, reconnecting); the core reports only the loss of a live connection.
    if (conn === this._conn && (name === 'reconnecting' || name === 'end') && this.status !== 'close' && this.status !== 'end' && this.status !== 'wait') {
      this.status = 'close'
      this.emit('close')
    }
    super._nativeEvent(name, detail, conn)
    if (name === 'reconnecting' && conn === this._conn) this._traceAttempt()
  }

  /** One connection attempt on `ioredis:connect`, when someone listens: ready ends it, error fails it. */
  _traceAttempt() {
    if (!listening(connectChannel)) return
    traceConnect(this, ++this._epoch, () =>
      new Promise((resolve, reject) => {
        const done = () => {
          this.off('ready', onReady)
          this.off('error', onError)
          this.off('end', onEnd)
        }
        const onReady = () => {
          done()
          resolve()
        }
        const onError = (err) => {
          done()
          reject(err)
        }
        const onEnd = () => {
          done()
          reject(closedError())
        }
        this.on('ready', onReady)
        this.on('error', onError)
        this.on('end', onEnd)
      })
    )
  }

  /** `{ database, serverAddress, serverPort }` for traces. */
  _traceTarget() {
    return { database: this._db, serverAddress: this._target.address, serverPort: this._target.port }
  }

  _cmdConn() {
    return this._command()
  }

  pipeline(commands) {
    return queueAll(new Pipeline(this, false), commands)
  }

  multi(commands, options) {
    if (commands && !Array.isArray(commands)) {
      options = commands
      commands = undefined
    }
    // ioredis' manual transaction: MULTI goes out now, the client's next commands are queued
    // by the server (each answered QUEUED) until `exec()`. Whatever else this client sends
    // meanwhile lands inside it, as with ioredis; `multi()` without it is one batch.
    if (options && options.pipeline === false) return this._run('multi', [], false)
    return queueAll(new Pipeline(this, true), commands)
  }

  duplicate(override) {
    return new Redis({ ...this._fullOptions, ...override })
  }

  /**
   * ioredis' `monitor()`: resolves with a monitor connection of its own (`mode` 'monitor')
   * emitting `monitor` `(time, args, source, database)` for every command the server runs.
   */
  monitor(callback) {
    return withCallback(openMonitor(this._nativeOptions), callback)
  }

  quit(callback) {
    const c = this._conn
    const idle = c === null || !c.hasPending()
    if (idle && (this.status === 'connecting' || this.status === 'reconnecting' || this.status === 'close')) {
      // Not connected and nothing waiting: nothing to say goodbye to, so no attempt is made
      // (as in ioredis).
      this.disconnect()
      return withCallback(Promise.resolve('OK'), callback)
    }
    this.status = 'end'
    // ioredis settles quit() (and its callback) before it emits 'end'.
    this._holdEnd = true
    const out = withCallback(this._quitAll(), callback)
    const release = () => {
      this._holdEnd = false
      if (this._heldEnd) {
        this._heldEnd = false
        super._nativeEvent('end', undefined, this._conn)
      }
    }
    out.then(release, release)
    return out
  }

  disconnect(reconnect) {
    if (this.status === 'wait' && !reconnect) {
      // A lazy client that never connected ends here, as in ioredis.
      this.status = 'end'
      this.emit('close')
      this.emit('end')
      return
    }
    if (reconnect && this._conn !== null && !this._conn.ended) {
      // ioredis' disconnect(true): the connection drops and comes back through the retry
      // strategy (close, reconnecting, connect, ready; no end); commands issued meanwhile
      // wait for it. What was in flight fails, never re-sent (see README).
      // Subscriptions live on a connection of their own and simply carry on (ioredis
      // restores them on its one connection; here no message is lost meanwhile).
      this._conn.native.reconnect()
      return
    }
    const c = this._conn
    if (!reconnect && c !== null && !c.ended && this.status === 'ready' && c.hasPending()) {
      // ioredis ends its socket gracefully: replies already on their way still arrive (for
      // at most disconnectTimeout); commands issued meanwhile fail "Connection is closed.".
      this._draining = true
      let timer = null
      const done = () => {
        if (!this._draining) return
        this._draining = false
        clearTimeout(timer)
        this._disconnectAll()
      }
      timer = setTimeout(done, this._fullOptions.disconnectTimeout ?? DEFAULTS.disconnectTimeout)
      timer.unref()
      c.onIdle(done)
      return
    }
    this._disconnectAll()
    if (reconnect) setImmediate(() => this._open())
  }

  end() {
    this.disconnect()
  }
}

// The rest of ioredis' client surface (lib/ioredis/), before the command methods below.
for (const part of [Commander, PubSub, ScanStreams]) {
  for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(part.prototype))) if (key !== 'constructor') Object.defineProperty(Redis.prototype, key, desc)
}

// ioredis' *Buffer twins of its own methods, and SENTINEL (a command ioredis adds itself).
for (const name of ['subscribe', 'psubscribe', 'ssubscribe', 'quit', 'multi']) {
  Redis.prototype[name + 'Buffer'] = function (...args) {
    return this[name](...args)
  }
}
// ioredis' quitBuffer resolves with the reply as a Buffer.
Redis.prototype.quitBuffer = function (callback) {
  return withCallback(
    this.quit().then((v) => Buffer.from(String(v))),
    callback
  )
}
for (const name of ['sentinel']) {
  Redis.prototype[name] = function (...args) {
    return this._run(name, args, false)
  }
  Redis.prototype[name + 'Buffer'] = function (...args) {
    return this._run(name, args, true)
  }
}

for (const name of names) {
  if (name === 'multi' || name === 'quit' || name === 'monitor' || name === 'exec') continue
  if (name === 'subscribe' || name === 'psubscribe' || name === 'ssubscribe') continue
  Redis.prototype[name] = function (...args) {
    return this._run(name, args, false)
  }
  Redis.prototype[name + 'Buffer'] = function (...args) {
    return this._run(name, args, true)
  }
}
/** `exec()` on the client (after `multi({ pipeline: false })`): ioredis' `[err, result]` pairs. */
for (const [name, binary] of [['exec', false], ['execBuffer', true]]) {
  Redis.prototype[name] = function (callback) {
    const p = this._run('exec', [], binary).then((r) => (Array.isArray(r) ? r.map((v) => (v instanceof Error ? [v] : [null, v])) : r))
    return typeof callback === 'function' ? withCallback(p, callback) : p
  }
}

/**
 * A reply's shape: ioredis transforms by the name as called (`call('HGETALL')` stays an
 * array); its pair and stream transforms match any case.
 */
function transformOf(name, wire) {
  if (wire === name) return TRANSFORMS[name] || null
  return name === 'hgetall' ? null : TRANSFORMS[name] || null
}

for (const m of ['getBuiltinCommands', 'createBuiltinCommand']) Pipeline.prototype[m] = Redis.prototype[m]
Redis.Command = Command

Redis.Pipeline = Pipeline
Redis.SimpleError = SimpleError
Redis.default = Redis
Redis.Redis = Redis

/**
 * ioredis' `new Redis.Cluster(startupNodes, { redisOptions, lazyConnect })`: the same client
 * over a Redis Cluster. Commands go to the node owning their key's slot (redirects are
 * followed); a pipeline's commands each go to their own node, a MULTI must stay in one slot.
 * Sharded pub/sub (`ssubscribe`/`spublish`, `smessage`) works here.
 */
class Cluster extends Redis {
  constructor(startupNodes, options = {}) {
    if (options.scaleReads !== undefined && !['master', 'slave', 'all'].includes(options.scaleReads)) throw typeError("scaleReads must be 'master', 'slave' or 'all'")
    super({
      ...(options.redisOptions || {}),
      keyPrefix: options.keyPrefix ?? (options.redisOptions || {}).keyPrefix,
      lazyConnect: options.lazyConnect,
      _clusterNodes: clusterNodes(startupNodes),
      // 'slave' and 'all': read-only commands go to replicas (any replica of the slot).
      _readFromReplicas: options.scaleReads === 'slave' || options.scaleReads === 'all',
    })
    this.startupNodes = startupNodes
  }
}
Redis.Cluster = Cluster

module.exports = { Redis, Pipeline, Cluster, Command, clusterNodes }
