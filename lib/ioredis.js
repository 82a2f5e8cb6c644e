'use strict'
// The ioredis face: `new Redis(...)`, auto-connect, lower-case variadic commands, ioredis'
// reply shapes and events. Every command goes through the shared native core.
const { Readable } = require('stream')
const { BaseClient, closedError, serverOf } = require('./base')
const { names, blockingTimeout } = require('./commands')
const { prefixKeys } = require('./key-prefix')
const { ioredisArgs, SHAPES, RESP2_SHAPES } = require('./args')
const { runScript, markSent } = require('./script')
const { typeError, rangeError, redisError, ReplyError, SimpleError } = require('./errors')
const { checkTransaction } = require('./core')
const { DEFAULT_COMMAND_TIMEOUT_MS } = require('./constants')
const { openMonitor } = require('./monitor')
const { traceCommand, traceBatch, traceConnect, listening, connectChannel } = require('./tracing')

const SUB_COMMANDS = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'])
// Reply shapes (codes the core applies) by command name.
const TRANSFORMS = { ...RESP2_SHAPES, hgetall: SHAPES.object }

function pem(v) {
  if (v == null) return undefined
  if (Array.isArray(v)) return v.map(pem).join('\n')
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

/** ioredis' constructor forms: (port, host, options), (url, options), (options)... */
function parseArgs(args) {
  const o = {}
  let sawPort = false
  for (const a of args) {
    if (a === undefined || a === null) continue
    if (typeof a === 'number') {
      o.port = a
      sawPort = true
    } else if (typeof a === 'string') {
      if (a.includes('://')) o.url = a
      else if (a.startsWith('/')) o.path = a
      else if (/^\d+$/.test(a) && !sawPort) {
        o.port = Number(a)
        sawPort = true
      } else o.host = a
    } else if (typeof a === 'object') Object.assign(o, a)
    else throw typeError(`Invalid Redis constructor argument: ${typeof a}`)
  }
  return o
}

/** The commands ioredis lets a RESP2 connection in subscriber mode send. */
const VALID_IN_SUBSCRIBER_MODE = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit'])

/** What ioredis writes on a connection still handshaking (status 'connect'). */
const HANDSHAKE_COMMANDS = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info'])

/** ioredis 6's defaults, as `redis.options` shows them for options left out. */
const SHOWN_DEFAULTS = {
  port: 6379,
  host: 'localhost',
  family: 0,
  connectTimeout: 10000,
  keepAlive: 30000,
  noDelay: true,
  connectionName: null,
  disableClientInfo: false,
  role: 'master',
  db: 0,
  enableOfflineQueue: true,
  enableReadyCheck: true,
  autoResubscribe: true,
  autoResendUnfulfilledCommands: false,
  lazyConnect: false,
  keyPrefix: '',
  reconnectOnError: null,
  readOnly: false,
  stringNumbers: false,
  protocol: 3,
  replyMapping: 'legacy',
  maxRetriesPerRequest: 20,
  maxLoadingRetryTime: 10000,
  enableAutoPipelining: false,
  autoPipeliningIgnoredCommands: [],
  blockingTimeoutGrace: 100,
}

/**
 * ioredis' `retryStrategy`: the user's function runs in JavaScript; one given as null (or any
 * non-function) means no reconnection at all, as in ioredis; left out, the core's capped
 * exponential backoff with jitter applies (ioredis' default shape, without a JS round trip).
 */
function retryOf(o) {
  if (typeof o.retryStrategy === 'function') return o.retryStrategy
  return o.retryStrategy === undefined ? null : () => null
}

/** ioredis' `tls` / `sentinelTLS` (Node TLS options; `true`: the defaults) for the core. */
function tlsSettings(t) {
  if (t && typeof t === 'object') return { ca: pem(t.ca), cert: pem(t.cert), key: pem(t.key), rejectUnauthorized: t.rejectUnauthorized !== false }
  if (t === true) return {}
  return t === undefined || t === null || t === false ? undefined : t
}

function nativeOptions(o) {
  // As in ioredis, with sentinels `tls` is for the data servers only with
  // enableTLSForSentinelMode; `sentinelTLS` is for the sentinels.
  const tls = o.sentinels && !o.enableTLSForSentinelMode ? undefined : tlsSettings(o.tls)
  return {
    url: o.url,
    host: o.host,
    port: o.port,
    path: o.path,
    username: o.username,
    password: o.password,
    db: o.db,
    tls,
    connectTimeout: o.connectTimeout,
    commandTimeout: o.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
    keepAlive: o.keepAlive,
    connectionName: o.connectionName,
    maxRetriesPerRequest: o.maxRetriesPerRequest === undefined ? 20 : o.maxRetriesPerRequest,
    enableOfflineQueue: o.enableOfflineQueue,
    maxOfflineQueue: o.maxOfflineQueue,
    maxInFlight: o.maxInFlight,
    lazyConnect: false,
    clusterNodes: o._clusterNodes,
    readFromReplicas: o._readFromReplicas || undefined,
    // Sentinel: the server is whichever these name for `name` (ioredis' option names).
    // A sentinel named without a port is on Sentinel's own, 26379 (as in ioredis).
    sentinels: o.sentinels ? clusterNodes(o.sentinels, 26379) : undefined,
    sentinelName: o.sentinels ? o.name : undefined,
    sentinelRole: o.sentinels ? o.role : undefined,
    sentinelUsername: o.sentinelUsername,
    sentinelPassword: o.sentinelPassword,
    sentinelTls: o.sentinels ? tlsSettings(o.sentinelTLS) : undefined,
    protocol: o.protocol,
    clientInfoTag: o.clientInfoTag,
    disableClientInfo: o.disableClientInfo,
    // The handshake as ioredis writes it (src/core/handshake.rs), with its ready check.
    wire: 'ioredis',
    enableReadyCheck: o.enableReadyCheck,
    readOnly: o.readOnly,
    // The user's strategy (or ioredis' default shape) runs here in JavaScript; without one
    // the native capped exponential backoff with jitter applies.
    externalRetry: retryOf(o) !== null,
  }
}

class Redis extends BaseClient {
  constructor(...args) {
    const options = parseArgs(args)
    super(nativeOptions(options), retryOf(options))
    // `redis.options` shows ioredis' defaults for what was left out (as ioredis does), with
    // this package's values where they differ (commands in flight are never re-sent).
    this._keepOptions(options, SHOWN_DEFAULTS)
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
    this._blockingGrace = options.blockingTimeoutGrace ?? 100
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

  /** Any command, by name: `call('OBJECT', 'ENCODING', 'k')`. */
  call(command, ...args) {
    if (typeof command !== 'string' || command.length === 0) return Promise.reject(typeError('call() needs a command name'))
    return this._run(command.toLowerCase(), args, false, command)
  }

  /**
   * ioredis' `sendCommand(new Redis.Command(name, args, { replyEncoding }))`: the command's
   * promise settles with the reply (Buffers unless a replyEncoding is given, as in ioredis).
   */
  sendCommand(command) {
    if (!(command instanceof Command)) return Promise.reject(typeError('sendCommand takes a Redis.Command'))
    const name = String(command.name)
    this._run(name.toLowerCase(), command.args, !command.replyEncoding, name).then(command.resolve, command.reject)
    return command.promise
  }

  /** ioredis' command names (its built-in command methods). */
  getBuiltinCommands() {
    return names.slice()
  }

  /** `{ string, buffer }` functions sending `name` (ioredis' createBuiltinCommand). */
  createBuiltinCommand(name) {
    const run = (binary) =>
      function (...args) {
        return this._run(String(name).toLowerCase(), args, binary, name)
      }
    return { string: run(false), buffer: run(true) }
  }

  /** Adds a method (and its Buffer twin) for `name` to this client and its pipelines. */
  addBuiltinCommand(name) {
    const { string, buffer } = this.createBuiltinCommand(name)
    this[name] = string
    this[name + 'Buffer'] = buffer
    this._addedCommands = (this._addedCommands || new Set()).add(name)
  }

  /** Emits `event` only if someone listens (an 'error' after the end is dropped), as ioredis. */
  silentEmit(event, arg) {
    if (event === 'error' && this.status === 'end') return false
    if (this.listenerCount(event) > 0) return this.emit(event, arg)
    if (event === 'error') this._emitError(arg)
    return false
  }

  /** ioredis' recovery from a broken protocol stream: drop the connection and reconnect. */
  recoverFromFatalError(commandError, err) {
    this.silentEmit('error', err)
    if (this._conn !== null && !this._conn.ended) this._conn.native.reconnect()
  }

  /** ioredis' reconnectOnError hook for an error reply (reconnects when it says so). */
  handleReconnection(err) {
    if (this._reconnectOnError === null) return
    let decision = false
    try {
      decision = this._reconnectOnError(err)
    } catch (e) {
      this._emitError(e)
    }
    if ((decision === true || decision === 1 || decision === 2) && this._conn !== null && !this._conn.ended) this._conn.native.reconnect()
  }

  /** ioredis' old name for `call`. */
  send_command(command, ...args) {
    return this.call(command, ...args)
  }

  callBuffer(command, ...args) {
    if (typeof command !== 'string' || command.length === 0) return Promise.reject(typeError('callBuffer() needs a command name'))
    return this._run(command.toLowerCase(), args, true, command)
  }

  /** Registers a Lua command run by EVALSHA (NOSCRIPT-safe), like ioredis' defineCommand. */
  defineCommand(name, definition) {
    const { lua, numberOfKeys } = definition && typeof definition === 'object' ? definition : {}
    if (typeof name !== 'string' || name.length === 0 || typeof lua !== 'string') throw typeError('defineCommand(name, { lua, numberOfKeys }) needs a name and the script as strings')
    if (numberOfKeys !== undefined && !(Number.isInteger(numberOfKeys) && numberOfKeys >= 0)) throw rangeError('defineCommand: numberOfKeys must be a non-negative integer')
    const rest = (args) => {
      const flat = ioredisArgs('', args, [])
      return typeof numberOfKeys === 'number' ? [String(numberOfKeys), ...flat] : flat
    }
    const make = (binary) =>
      function (...args) {
        let cb
        if (typeof args[args.length - 1] === 'function') cb = args.pop()
        return withCallback(runScript(this._command(), lua, this._prefixedRest(rest(args)), binary, null), cb)
      }
    this[name] = make(false)
    this[name + 'Buffer'] = make(true)
    // This client's pipelines and multi()s get it too (and only this client's).
    if (!this._defined) Object.defineProperty(this, '_defined', { value: new Map(), enumerable: false })
    this._defined.set(name, { lua, rest })
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

  _subscription(name, channels) {
    const pattern = name.startsWith('p')
    const kind = name === 'ssubscribe' || name === 'sunsubscribe' ? 'shard' : pattern
    const unsubscribe = name.includes('unsub')
    if (unsubscribe && this._sub === null) return Promise.resolve(this._stringNumbers ? '0' : 0)
    if (!unsubscribe && channels.length === 0) return Promise.reject(typeError(`${name} needs at least one channel`))
    for (const c of channels) if (typeof c !== 'string' && !Buffer.isBuffer(c)) return Promise.reject(typeError('channels must be strings or Buffers'))
    const registry = kind === 'shard' ? this._subShards : pattern ? this._subPatterns : this._subChannels
    const names = channels.map(String)
    // Sharded channels go one command each, so "all of them" is named here.
    if (unsubscribe && kind === 'shard' && channels.length === 0) channels = [...registry]
    if (unsubscribe) {
      for (const c of names.length ? names : [...registry]) {
        registry.delete(c)
        this._handlers.delete((kind === 'shard' ? 's:' : pattern ? 'p:' : 'c:') + c)
      }
    } else for (const c of names) registry.add(c)
    // The count Redis reports: channels and patterns together; sharded channels apart.
    const count = kind === 'shard' ? this._subShards.size : this._subChannels.size + this._subPatterns.size
    return this._subscriber()
      .subscribe(kind, unsubscribe, channels)
      .then(() => (this._stringNumbers ? String(count) : count))
  }

  /**
   * `subscribe(channel, handler, { json })` / `psubscribe(...)`: a per-channel handler
   * `(message, channel)`, with the payload parsed as JSON when `json` is set. (With a
   * plain function and no options, ioredis' `(err, count)` callback form applies.)
   */
  _handlerSubscription(name, channel, handler, options) {
    const pattern = name === 'psubscribe'
    const key = (name === 'ssubscribe' ? 's:' : pattern ? 'p:' : 'c:') + channel
    let set = this._handlers.get(key)
    if (!set) this._handlers.set(key, (set = new Set()))
    set.add({ fn: handler, json: !!(options && options.json) })
    return this._subscription(name, [channel])
  }

  subscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('subscribe', args[0], args[1], args[2])
    return this._run('subscribe', args, false)
  }

  ssubscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('ssubscribe', args[0], args[1], args[2])
    return this._run('ssubscribe', args, false)
  }

  psubscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('psubscribe', args[0], args[1], args[2])
    return this._run('psubscribe', args, false)
  }

  _dispatchHandlers(channel, payload, pattern, sharded) {
    const set = this._handlers.get(sharded ? 's:' + channel : pattern === null ? 'c:' + channel : 'p:' + pattern)
    if (!set) return
    for (const h of set) {
      let msg = Buffer.isBuffer(payload) ? payload.toString() : payload
      if (h.json) {
        try {
          msg = JSON.parse(msg)
        } catch (err) {
          this._emitError(Object.assign(err, { code: 'ERR_INVALID_JSON_MESSAGE', channel: String(channel) }))
          continue
        }
      }
      h.fn(msg, String(channel))
    }
  }

  _onMessage(channel, payload, pattern, sharded) {
    if (this._handlers.size > 0) this._dispatchHandlers(channel, payload, pattern, sharded)
    if (sharded) {
      // Sharded channels (Redis Cluster): ioredis' smessage / smessageBuffer.
      if (Buffer.isBuffer(payload)) {
        this.emit('smessageBuffer', channel, payload)
        if (this.listenerCount('smessage') > 0) this.emit('smessage', channel.toString(), payload.toString())
      } else this.emit('smessage', channel, payload)
    } else if (Buffer.isBuffer(payload)) {
      if (pattern === null) {
        this.emit('messageBuffer', channel, payload)
        if (this.listenerCount('message') > 0) this.emit('message', channel.toString(), payload.toString())
      } else {
        // ioredis hands the pattern over as a string, also to pmessageBuffer.
        this.emit('pmessageBuffer', pattern.toString(), channel, payload)
        if (this.listenerCount('pmessage') > 0) this.emit('pmessage', pattern.toString(), channel.toString(), payload.toString())
      }
    } else if (pattern === null) this.emit('message', channel, payload)
    else this.emit('pmessage', pattern, channel, payload)
  }

  scanStream(options = {}) {
    return this._scanStream('scan', [], options)
  }
  sscanStream(key, options = {}) {
    return this._scanStream('sscan', [key], options)
  }
  hscanStream(key, options = {}) {
    return this._scanStream('hscan', [key], options)
  }
  zscanStream(key, options = {}) {
    return this._scanStream('zscan', [key], options)
  }

  scanBufferStream(options = {}) {
    return this._scanStream('scan', [], options, true)
  }
  sscanBufferStream(key, options = {}) {
    return this._scanStream('sscan', [key], options, true)
  }
  hscanBufferStream(key, options = {}) {
    return this._scanStream('hscan', [key], options, true)
  }
  zscanBufferStream(key, options = {}) {
    return this._scanStream('zscan', [key], options, true)
  }

  _scanStream(cmd, head, options, binary = false) {
    let cursor = '0'
    let done = false
    const self = this
    return new Readable({
      objectMode: true,
      read() {
        if (done) return this.push(null)
        const args = [...head, cursor]
        if (options.match) args.push('MATCH', options.match)
        if (options.type) args.push('TYPE', options.type)
        if (options.count) args.push('COUNT', options.count)
        self._send(cmd, args, binary).then(
          ([next, keys]) => {
            cursor = String(next)
            if (cursor === '0') done = true
            this.push(keys)
          },
          (err) => this.destroy(err)
        )
      },
    })
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
      timer = setTimeout(done, this._fullOptions.disconnectTimeout ?? 2000)
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

/** Queues `[[name, ...args], ...]` on a pipeline; an unknown command is an ERR_INVALID_ARG. */
function queueAll(p, commands) {
  if (commands === undefined) return p
  if (!Array.isArray(commands)) throw typeError('pipeline(commands) takes an array of [name, ...args]')
  for (const c of commands) {
    const n = Array.isArray(c) && typeof c[0] === 'string' ? c[0].toLowerCase() : null
    // ['exec'] closes an inline ['multi'] (the pipeline itself runs at its own exec()).
    const closes = n === 'exec' && p._openMulti > 0
    if (n === null || typeof p[n] !== 'function' || (n === 'exec' && !closes)) throw typeError(`pipeline: unknown command ${Array.isArray(c) ? String(c[0]) : typeof c}`)
    p[n](...c.slice(1))
  }
  return p
}

/** The server a client's traces name: its unix socket path, or host and port. */
function traceTarget(o) {
  const t = serverOf(o)
  if (t.path) return { address: t.path, port: undefined }
  return { address: t.host || 'localhost', port: Number(t.port) || 6379 }
}

/**
 * Calls a Node-style callback when `p` settles, as ioredis does: whatever the callback
 * returns is ignored (a returned promise must not become an unhandled rejection here), and
 * what it throws is thrown again outside the promise chain.
 */
function withCallback(p, cb) {
  if (typeof cb !== 'function') return p
  const call = (err, v) => {
    try {
      if (err) cb(err)
      else cb(null, v)
    } catch (thrown) {
      process.nextTick(() => {
        throw thrown
      })
    }
  }
  p.then(
    (v) => call(null, v),
    (e) => call(e)
  )
  return p
}

/** `pipeline()` / `multi()`: commands queued, then sent together by `exec()`. */
class Pipeline {
  constructor(redis, transaction) {
    this.redis = redis
    // ioredis: a pipeline carries its client's options.
    this.options = redis.options
    this.transaction = transaction
    this.queue = []
    // MULTIs opened inside a plain pipeline and not yet closed by an inner exec().
    this._openMulti = 0
    // ioredis' pipeline promise (what exec() resolves), with its resolve / reject.
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.promise.catch(() => {})
    this._result = []
    // The client's defined commands (defineCommand), with their Buffer twins.
    if (redis._defined) {
      for (const [name, { lua, rest }] of redis._defined) {
        const queue = (binary) => (...args) => {
          // A trailing function is the command's own callback (see _add).
          const cb = typeof args[args.length - 1] === 'function' ? [args.pop()] : []
          return this._add('evalsha_script', [lua, ...rest(args), ...cb], binary)
        }
        this[name] = queue(false)
        this[name + 'Buffer'] = queue(true)
      }
    }
  }

  /** ioredis' row setter: the reply at `position` (exec() fills every row itself). */
  fillResult(value, position) {
    this._result[position] = value
  }

  /** Inside a pipeline: opens an inline transaction, closed by `exec()` (ioredis'). */
  multi(...args) {
    if (this.transaction) throw typeError('multi() inside multi(): transactions do not nest')
    this._openMulti++
    return this._add('multi', args, false)
  }

  _add(name, args, binary, wire = name) {
    // A trailing function is the command's own callback (ioredis' per-command callbacks).
    let cb = null
    if (args.length > 0 && typeof args[args.length - 1] === 'function') {
      cb = args[args.length - 1]
      args = args.slice(0, -1)
    }
    this.queue.push({ name, args, binary, cb, wire })
    return this
  }

  /** Calls each command's callback with its `[err, result]` row (after exec settles). */
  _callBack(rows) {
    for (let i = 0; i < rows.length; i++) {
      const cb = this.queue[i] && this.queue[i].cb
      if (!cb) continue
      try {
        cb(rows[i][0], rows[i][1])
      } catch (err) {
        process.nextTick(() => {
          throw err
        })
      }
    }
  }

  get length() {
    return this.queue.length
  }

  exec(callback) {
    if (this._openMulti > 0) {
      // Closes the inline transaction; the pipeline itself runs at the outer exec().
      this._openMulti--
      return this._add('exec', typeof callback === 'function' ? [callback] : [], false)
    }
    let p
    try {
      p = this._exec()
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(this.resolve, this.reject)
    return withCallback(p, callback)
  }

  _exec() {
    const conn = this.redis._command()
    // Build every command first, so a bad argument rejects the whole exec before anything is sent.
    const cmds = this.queue.map(({ name, args, binary, wire }) => {
      if (name === 'evalsha_script') return { script: [args[0], ...this.redis._prefixedRest(args.slice(1))], binary }
      const flat = this.redis._prefixed(ioredisArgs(wire, args, [wire]))
      return { flat, binary, transform: this.redis._shapeOf(name, wire), timeout: blockingTimeout(flat, conn.commandTimeout) }
    })
    // ioredis' rows: [null, value], or [err] alone.
    const settle = (p) => p.then((v) => [null, v], (e) => [e])
    if (!this.transaction) {
      const redis = this.redis
      // An inline MULTI ... EXEC crosses as one batch, so EXEC's reply gets its commands' shapes.
      const inline = cmds.some((c) => c.flat && c.flat[0] === 'multi')
      const one = (c) => {
        const p = c.script ? runScript(conn, c.script[0], c.script.slice(1), c.binary, null) : traceCommand(conn.send(c.flat, c.binary, c.transform, c.timeout), redis, c.flat)
        // reconnectOnError per command, as ioredis; never inside an inline transaction
        // (one of its commands sent again alone would run outside it).
        if (redis._reconnectOnError === null || c.script || inline || c.flat[0] === 'client') return p
        return redis._onReplyError(p, () => redis._command().send(c.flat, c.binary, c.transform, c.timeout))
      }
      if (inline) {
        // Never half a transaction: a command that cannot be sent refuses the whole pipeline.
        const bad = checkTransaction(cmds.map((c) => c.flat || ['evalsha', ...c.script]))
        if (bad !== null) return Promise.reject(bad)
      }
      const sent = inline ? conn.transaction(() => cmds.map(one)) : cmds.map(one)
      return Promise.all(sent.map(settle)).then((rows) => {
        this._callBack(rows)
        return rows
      })
    }
    for (const c of cmds) {
      if (!c.script) continue
      c.flat = ['eval', ...c.script]
      markSent(conn, c.script[0], c.script.slice(1))
    }
    // All or nothing: a command that cannot be sent discards the transaction before any of
    // it is (ioredis users see EXECABORT with the reasons in `previousErrors`).
    const bad = checkTransaction(cmds.map((c) => c.flat))
    if (bad !== null) {
      const e = (bad instanceof RangeError ? rangeError : typeError)(`EXECABORT Transaction discarded because of previous errors: ${bad.message}`)
      e.previousErrors = bad.previousErrors
      return Promise.reject(e)
    }
    // One batch from MULTI to EXEC; each queued command's shape (and Buffer choice) applies
    // to its element of EXEC's reply.
    const [multi, queued, exec] = conn.transaction(() => [
      conn.send(['multi'], false, null),
      cmds.map((c) => conn.send(c.flat, c.binary, c.transform, c.timeout).catch((e) => e)),
      traceBatch(conn.send(['exec'], false, null), this.redis, cmds.length),
    ])
    multi.catch(() => {})
    // Inside a transaction a command's callback gets its queuing reply ('QUEUED'), as in ioredis.
    return Promise.all(queued).then((acks) => {
      this._callBack(acks.map((v) => (v instanceof Error ? [v] : [null, v])))
      return exec.then(
        (replies) => {
          if (replies === null) return null
          return replies.map((v) => (v instanceof Error ? [v] : [null, v]))
        },
        (err) => {
          // EXECABORT: the server refused commands as they were queued; say which, in order.
          if (/^EXECABORT/.test(err && err.message)) err.previousErrors = acks.filter((v) => v instanceof Error)
          throw err
        }
      )
    })
  }
}

for (const name of names) {
  if (name === 'exec' || name === 'multi') continue
  Pipeline.prototype[name] = function (...args) {
    return this._add(name, args, false)
  }
  Pipeline.prototype[name + 'Buffer'] = function (...args) {
    return this._add(name, args, true)
  }
}
Pipeline.prototype.call = function (command, ...args) {
  return this._add(String(command).toLowerCase(), args, false, String(command))
}
Pipeline.prototype.callBuffer = function (command, ...args) {
  return this._add(String(command).toLowerCase(), args, true, String(command))
}
Pipeline.prototype.send_command = Pipeline.prototype.call
for (const name of ['sentinel']) {
  Pipeline.prototype[name] = function (...args) {
    return this._add(name, args, false)
  }
  Pipeline.prototype[name + 'Buffer'] = function (...args) {
    return this._add(name, args, true)
  }
}
for (const m of ['getBuiltinCommands', 'createBuiltinCommand']) Pipeline.prototype[m] = Redis.prototype[m]
/** Adds a command method to this pipeline (ioredis' addBuiltinCommand). */
Pipeline.prototype.addBuiltinCommand = function (name) {
  this[name] = (...args) => this._add(String(name).toLowerCase(), args, false, name)
  this[name + 'Buffer'] = (...args) => this._add(String(name).toLowerCase(), args, true, name)
}
/** ioredis' `multiBuffer`, `execBuffer`: the same as multi / exec here. */
Pipeline.prototype.multiBuffer = Pipeline.prototype.multi
Pipeline.prototype.execBuffer = function (callback) {
  return this.exec(callback)
}
/** Queues `[[name, ...args], ...]` (ioredis' addBatch). */
Pipeline.prototype.addBatch = function (commands) {
  queueAll(this, commands)
  return this
}
/** Queues a `Redis.Command` (ioredis' sendCommand on a pipeline). */
Pipeline.prototype.sendCommand = function (command) {
  const name = String(command.name)
  this._add(name.toLowerCase(), command.args, !command.replyEncoding, name)
  return this
}
/** A Lua command on this pipeline only (ioredis' defineCommand on a pipeline). */
Pipeline.prototype.defineCommand = function (name, definition) {
  const { lua, numberOfKeys } = definition || {}
  this[name] = function (...args) {
    const flat = ioredisArgs('', args, [])
    return this._add('evalsha_script', [lua, ...(typeof numberOfKeys === 'number' ? [String(numberOfKeys), ...flat] : flat)], false)
  }
}

/**
 * ioredis' `Command`: `new Redis.Command(name, args, { replyEncoding }, callback)` for
 * `sendCommand`; `promise` settles with the reply.
 */
class Command {
  constructor(name, args = [], options = {}, callback) {
    this.name = name
    this.args = Array.isArray(args) ? args.flat() : []
    this.replyEncoding = options && options.replyEncoding
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    if (typeof callback === 'function') withCallback(this.promise, callback)
  }
}
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

/** Seed nodes as `[{ host, port }]`, from ports, 'host:port' / URL strings or objects (no port: `defaultPort`). */
function clusterNodes(list, defaultPort = 6379) {
  if (!Array.isArray(list) || list.length === 0) throw typeError('cluster: startup nodes must be a non-empty array')
  return list.map((n) => {
    let host = '127.0.0.1'
    let port = defaultPort
    if (typeof n === 'number' || (typeof n === 'string' && /^\d+$/.test(n))) port = Number(n)
    else if (typeof n === 'string') {
      const u = new URL(n.includes('://') ? n : `redis://${n}`)
      host = u.hostname || host
      port = u.port ? Number(u.port) : port
    } else if (n && typeof n === 'object') {
      if (n.url) return clusterNodes([n.url], defaultPort)[0]
      host = n.host ?? (n.socket && n.socket.host) ?? host
      port = Number(n.port ?? (n.socket && n.socket.port) ?? port)
    } else throw typeError('cluster: a node is a port, a "host:port" string or { host, port }')
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw typeError(`cluster: bad port in ${JSON.stringify(n)}`)
    return { host, port }
  })
}

module.exports = { Redis, Pipeline, Cluster, Command, clusterNodes }
