'use strict'
// The JavaScript half of the boundary. Commands issued in one tick are encoded into one
// string + one Uint32Array and cross into Rust in a single `submit` call; completions come
// back through one drain callback that settles every promise finished since the last one.
// Command connections to one server take the direct path: the addon writes to the socket
// from this thread and calls the drain from this thread's event loop when replies arrive
// (no other thread involved). Each worker thread loading the package has its own drain
// (lib/drain.js reads it and settles the batches and events of this module's connections).

const native = require('./native')
const { typeError, rangeError, closedError, AbortError, MaxRetriesPerRequestError } = require('./errors')
const { connections, value } = require('./drain')

// A command's header word (src/core/command.rs): argc, the reply shape, Buffer replies; a
// near-cache read (the server must track it for this connection; on a Cluster it goes out
// after CLIENT CACHING YES). These come from Rust (lib/constants.js).
const {
  BUFFER_REPLY,
  BLOBS_ONLY,
  TRACKED_READ,
  SHAPE_SHIFT,
  ARGC_MASK: MAX_ARGS,
  BUFFER_ARG,
  INTERNAL_IDS,
  SUB_CHANNEL,
  SUB_PATTERN,
  SUB_SHARD,
  DEFAULT_COMMAND_TIMEOUT_MS,
} = require('./constants')
// A tick's batch is sent once it holds this many commands, without waiting for the tick to
// end: the server starts on it while this thread is still settling replies and issuing the
// rest, so the two overlap instead of taking turns (measured: SET with 256 in flight went
// from about 0.95M to 1.5M ops/s on 2 cores).
const EARLY_FLUSH = 128

// `binary` for a command whose bulk strings alone come back as Buffers, simple strings as
// text (node-redis' BLOB_STRING type mapping); `true` makes every string a Buffer (ioredis).
const BLOB_BUFFERS = 'blobs'

let nextClientId = 1
// REDIS_HOTPATH_DIRECT=0 keeps every connection on the runtime thread (for comparisons).
const DIRECT = process.env.REDIS_HOTPATH_DIRECT !== '0'

// --- keeping the process alive while clients are open (the addon's signal is weak) ---
let openCount = 0
let keepAlive = null
function retain() {
  if (openCount++ === 0) keepAlive = setInterval(() => {}, 1 << 30)
}
function release() {
  if (openCount > 0 && --openCount === 0) {
    clearInterval(keepAlive)
    keepAlive = null
  }
}

/**
 * Why a command's arguments cannot be sent, or null. Accepted: strings (well-formed UTF-16:
 * a lone surrogate would be sent as U+FFFD, so two different keys would alias), finite
 * numbers and Buffers / Uint8Arrays. Everything else (booleans, bigints, objects, null,
 * undefined) is refused rather than coerced. The faces check a whole transaction with this
 * before sending any of it.
 */
function checkArgs(args) {
  if (args.length > MAX_ARGS) return rangeError(`Too many arguments for ${String(args[0])}: ${args.length} (at most ${MAX_ARGS})`)
  argsText = 0
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const t = typeof a
    if (t === 'string') {
      argsText += a.length
      if (!a.isWellFormed()) return typeError(`Invalid argument ${i} for ${String(args[0])}: the string has a lone surrogate (not valid UTF-16)`)
    } else if (t === 'number') {
      if (!Number.isFinite(a)) return typeError(`Invalid argument ${i} for ${String(args[0])}: ${a} is not a finite number`)
    } else if (!(a instanceof Uint8Array)) {
      return typeError(`Invalid argument ${i} for ${String(args[0])}: expected a string, a finite number or a Buffer, got ${a === null ? 'null' : t}`)
    }
  }
  if (argsText > MAX_TEXT) return rangeError(`The string arguments of ${String(args[0])} are too long to send together (${argsText} characters; pass large values as Buffers)`)
  return null
}

/**
 * Why a transaction (a list of commands' arguments) cannot be sent whole, or null: the
 * first unusable command's error, with every command's in `previousErrors`.
 */
function checkTransaction(list) {
  const errors = []
  let text = 0
  for (const args of list) {
    const err = checkArgs(args)
    if (err !== null) errors.push(err)
    text += argsText
  }
  if (errors.length === 0 && text > MAX_TEXT) errors.push(rangeError('A transaction\'s string arguments are too long to send as one batch; pass large values as Buffers'))
  if (errors.length === 0) return null
  errors[0].previousErrors = errors
  return errors[0]
}

// A tick's string arguments travel as one string, which V8 caps at about 2^29 characters:
// a batch is cut before it would pass MAX_TEXT. `argsText`: the string length of the
// command checkArgs saw last.
const MAX_TEXT = 2 ** 28
let argsText = 0

class Batch {
  constructor(conn) {
    this.conn = conn
    this.id = 0
    this.text = ''
    this.nlens = 0
    this.bufs = null
    this.resolves = []
    this.rejects = []
    this.transforms = []
    // Each command's arguments, kept only for connections that name the command on its
    // error (ioredis' `err.command`).
    this.cmds = conn.tagErrors ? [] : null
    this.timeout = NaN
  }

  /** Fails every command of the batch with `err`. */
  settle(err) {
    const rejects = this.rejects
    const cmds = this.cmds
    const lost = cmds !== null && err instanceof AbortError && !(err instanceof MaxRetriesPerRequestError) && !/protocol/i.test(err.message)
    if (lost && this.conn.endsOnLoss) {
      // ioredis without reconnection flushes what waits with one "Connection is closed."
      const closed = closedError()
      closed.cause = err
      for (let i = 0; i < rejects.length; i++) rejects[i](closed)
      return
    }
    if (lost) {
      // ioredis' form: each command cut off by the lost connection gets an AbortError of its
      // own, in ioredis' words, naming the command; the core's account stays as `cause`.
      // (A protocol error fails them with itself, as ioredis' fatal-error recovery does.)
      for (let i = 0; i < rejects.length; i++) {
        const e = new AbortError('Command aborted due to connection close')
        e.code = err.code
        e.cause = err
        if (cmds[i] !== undefined) e.command = commandOf(cmds[i])
        rejects[i](e)
      }
      return
    }
    for (let i = 0; i < rejects.length; i++) rejects[i](err)
  }

  /** Settles the batch's commands with the next `n` values on the drain's tape. */
  settleEach(n) {
    const { resolves, rejects, transforms, cmds } = this
    // Fewer replies than commands would be a bug in the core: nothing may stay pending.
    for (let i = n; i < rejects.length; i++) rejects[i](Object.assign(new Error('No reply for this command in its batch'), { code: 'ERR_INTERNAL' }))
    for (let i = 0; i < n; i++) {
      const v = value()
      if (i >= resolves.length) continue
      if (v instanceof Error) {
        if (cmds !== null && cmds[i] !== undefined && v.code === 'ERR_REDIS_REPLY') v.command = commandOf(cmds[i])
        rejects[i](v)
      } else {
        const t = transforms[i]
        if (t === null) resolves[i](v)
        else {
          let out
          try {
            out = t(v)
          } catch (err) {
            rejects[i](err)
            continue
          }
          resolves[i](out)
        }
      }
    }
  }
}

// Commands whose arguments may hold secrets: an error names them without (as ioredis does).
const SENSITIVE = new Set(['auth', 'hello', 'migrate', 'acl', 'config', 'sentinel'])

/** ioredis' `err.command`: `{ name, args }` with secrets left out. */
function commandOf(args) {
  const name = String(args[0])
  const rest = args.slice(1)
  if (!SENSITIVE.has(name.toLowerCase())) return { name, args: rest }
  return { name, args: rest.map(() => '[REDACTED]') }
}

/**
 * One native connection plus the batch being filled this tick. Faces own one for commands
 * and, lazily, one for subscriptions.
 */
class Connection {
  constructor(options, { subscriber = false, runtime = false, owner }) {
    this.id = nextClientId++
    this.owner = owner
    this.onMessage = null
    this.cur = null
    this.lens = new Uint32Array(1024)
    this.inflight = new Map() // batch id -> Batch
    this.nextBatchId = 1
    // While positive, the batch is not sent early (a MULTI ... EXEC must cross as one batch,
    // which is how the core applies the queued commands' shapes to EXEC's reply).
    this.holding = 0
    this.ended = false
    this.endWaiters = []
    // Called once nothing is in flight any more (see `onIdle`).
    this.idleWaiters = []
    this.commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS
    // Set by a face: the class its error replies get, and whether they name their command.
    this.replyProto = null
    this.tagErrors = false
    // ioredis with `retryStrategy: null`: a lost connection ends the client, and what was in
    // flight fails with "Connection is closed." (set by the face).
    this.endsOnLoss = false
    // The scripts this connection's server has loaded (lib/script.js); forgotten on close,
    // since the next server may not have them.
    this.scripts = new Set()
    // On a cluster each command of a batch goes to its own node: a MULTI ... EXEC must be a
    // batch of its own (see `transaction`).
    this.cluster = Array.isArray(options.clusterNodes) && options.clusterNodes.length > 0
    this.flush = this.flush.bind(this)
    connections.set(this.id, this)
    retain()
    try {
      this.native = new native.NativeClient(this.id, { ...options, direct: DIRECT && !subscriber && !runtime }, subscriber)
    } catch (err) {
      connections.delete(this.id)
      release()
      throw typeError(String(err && err.message))
    }
  }

  /**
   * Queues one command. `args` is the flat argument list (command name first) of strings,
   * numbers and Buffers. `transform`: null, a reply shape's code (`SHAPES` in args.js; the
   * core builds the shape), a function run on the reply, or `[code, fn]` for both. `tracked`: a near-cache read.
   * Rejects with a TypeError, sending nothing, if an argument is unusable.
   */
  send(args, binary, transform, timeoutMs, tracked) {
    const bad = checkArgs(args)
    if (bad !== null) return Promise.reject(bad)
    let b = this.cur
    if (b !== null && b.text.length + argsText > MAX_TEXT) {
      if (this.holding > 0) return Promise.reject(rangeError('A transaction\'s string arguments are too long to send as one batch; pass large values as Buffers'))
      this.flush()
      b = null
    }
    if (b === null) {
      b = this.cur = new Batch(this)
      process.nextTick(this.flush)
    }
    let lens = this.lens
    const need = b.nlens + args.length + 1
    if (need > lens.length) {
      const grown = new Uint32Array(Math.max(need, lens.length * 2))
      grown.set(lens)
      lens = this.lens = grown
    }
    let k = b.nlens
    let head = tracked === true ? args.length | TRACKED_READ : args.length
    if (typeof transform === 'number') {
      head |= transform << SHAPE_SHIFT
      transform = null
    } else if (transform !== null && typeof transform === 'object') {
      // [shape, fn]: the core's shape, then a function on its result.
      head |= transform[0] << SHAPE_SHIFT
      transform = transform[1]
    }
    lens[k++] = binary ? (binary === BLOB_BUFFERS ? head | BUFFER_REPLY | BLOBS_ONLY : head | BUFFER_REPLY) >>> 0 : head
    let text = b.text
    for (let i = 0; i < args.length; i++) {
      let a = args[i]
      if (typeof a !== 'string') {
        if (a instanceof Uint8Array) {
          if (b.bufs === null) b.bufs = []
          b.bufs.push(Buffer.isBuffer(a) ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength))
          lens[k++] = BUFFER_ARG
          continue
        }
        a = String(a)
      }
      text += a
      lens[k++] = a.length
    }
    b.text = text
    b.nlens = k
    if (timeoutMs !== undefined && b.timeout !== -1) {
      // A blocking command stretches its batch's deadline (-1: no deadline at all).
      b.timeout = timeoutMs < 0 ? -1 : Math.max(timeoutMs, b.timeout >= 0 ? b.timeout : this.commandTimeout)
    }
    const p = new Promise((resolve, reject) => {
      b.resolves.push(resolve)
      b.rejects.push(reject)
      b.transforms.push(transform || null)
    })
    if (b.cmds !== null) b.cmds.push(args)
    if (b.resolves.length >= EARLY_FLUSH && this.holding === 0) this.flush()
    return p
  }

  /**
   * Runs `queue` (which sends a MULTI, the queued commands and EXEC) so that they cross as
   * one batch: never sent early, and on a cluster alone, without commands of the same tick
   * before or after them.
   */
  transaction(queue) {
    if (this.cluster) this.flush()
    this.holding++
    try {
      return queue()
    } finally {
      this.holding--
      if (this.cluster) this.flush()
    }
  }

  flush() {
    const b = this.cur
    if (b === null) return
    this.cur = null
    if (this.ended) {
      // Nothing can answer any more (and completions are routed by open connections).
      b.settle(closedError())
      return
    }
    const id = (b.id = this._nextId())
    this.inflight.set(id, b)
    try {
      this.native.submit(id, b.text, this.lens.subarray(0, b.nlens), b.bufs, b.timeout)
    } catch (err) {
      this.inflight.delete(id)
      b.settle(typeError(String(err && err.message)))
    }
  }

  /** Runs a native operation that completes like a one-command batch. */
  op(start) {
    this.flush()
    const b = new Batch(this)
    const p = new Promise((resolve, reject) => {
      b.resolves.push(resolve)
      b.rejects.push(reject)
      b.transforms.push(null)
    })
    if (this.ended) {
      b.settle(closedError())
      return p
    }
    const id = (b.id = this._nextId())
    this.inflight.set(id, b)
    start(id)
    return p
  }

  /** A batch id unique on this connection (below INTERNAL_IDS: the addon's own are above). */
  _nextId() {
    const id = this.nextBatchId++
    if (this.nextBatchId >= INTERNAL_IDS) this.nextBatchId = 1
    return id
  }

  /**
   * A reply transform for SELECT: once the server has switched databases, reconnections
   * must select the same one (runs as the reply is delivered, before anything after it).
   */
  selectTransform(db) {
    return (reply) => {
      if (reply === 'OK' && Number.isInteger(db) && db >= 0) this.native.setDb(db)
      return reply
    }
  }

  /** `kind`: false (channels), true (patterns) or 'shard' (sharded channels). */
  subscribe(kind, unsubscribe, names) {
    const k = kind === 'shard' ? SUB_SHARD : kind ? SUB_PATTERN : SUB_CHANNEL
    return this.op((id) => this.native.subscribe(id, k, unsubscribe, names.map((n) => Buffer.from(n)))).then(
      (r) => r[0] ?? r
    )
  }

  /**
   * Sends QUIT after everything pending; resolves once the connection has ended, always:
   * when the server does not answer in time (or is gone), the connection is closed anyway.
   */
  async quit() {
    let reply = 'OK'
    try {
      reply = await this.op((id) => this.native.quit(id))
    } catch {
      // No goodbye from the server: end here rather than reconnect.
      if (!this.ended) this.native.disconnect()
    }
    if (!this.ended) {
      await new Promise((resolve) => {
        this.endWaiters.push(resolve)
        // The server closes right after its OK; should that not be noticed, close ourselves.
        setTimeout(() => this.ended || this.native.disconnect(), 1000).unref()
      })
    }
    return reply
  }

  _event(name, detail) {
    if (name === 'switchMaster') {
      // Sentinel named a new primary: reconnect now (the attempt asks the sentinels again).
      if (!this.ended) this.native.reconnect()
      return
    }
    if (name === 'reset') {
      // A fault in the addon lost replies this connection waited for (see Event::Reset):
      // fail everything still in flight with its coded error; the connection reconnects.
      this._failInflight(detail)
      if (this.idleWaiters.length > 0) this._idle()
      return
    }
    if (name === 'end') this._ended()
    if (name === 'close' || name === 'end') this.scripts.clear()
    this.owner._nativeEvent(name, detail, this)
  }

  _ended() {
    if (this.ended) return
    this.ended = true
    connections.delete(this.id)
    release()
    // Backstop: nothing may stay pending once the connection is gone.
    this._failInflight(closedError())
    for (const w of this.endWaiters.splice(0)) w()
  }

  _failInflight(err) {
    const pending = [...this.inflight.values()]
    this.inflight.clear()
    for (const b of pending) b.settle(err)
  }

  disconnect() {
    this.flush()
    this.native.disconnect()
  }

  /** Whether a command of this connection waits: in this tick's batch or sent and unsettled. */
  hasPending() {
    return this.cur !== null || this.inflight.size > 0
  }

  /** Calls `fn` once every command sent so far has settled (at once if none is pending). */
  onIdle(fn) {
    this.flush()
    if (this.inflight.size === 0) queueMicrotask(fn)
    else this.idleWaiters.push(fn)
  }

  _idle() {
    // After the drain that settled the last batch, never inside it.
    for (const w of this.idleWaiters.splice(0)) queueMicrotask(w)
  }
}

module.exports = { Connection, checkArgs, checkTransaction, BLOB_BUFFERS }
