'use strict'
// Job queues on BullMQ 6's own data: Queue, Worker, Job, QueueEvents read and write the keys,
// fields and events BullMQ does, so BullMQ processes and ours can share a queue. Every state
// change of a job is one Lua script of our own (src/core/scripts/queue/, tested by the Rust
// crate), so one atomic step and one round trip. What differs from BullMQ on purpose: a
// job's lease is renewed by the native runtime's timers (like withLock's locks), so a
// processor that blocks the event loop does not lose its job; a completion is accepted only
// from the lease holder, and the worker says so when it was not.
//
// This file: the pieces every part shares (scripts, limits, option checks, the connection a
// queue uses), QueueBase, and Job. lib/queue/index.js gathers the public classes.
const { durability } = require('../durability')
const { EventEmitter } = require('events')
const native = require('../native')
const { runScript } = require('../script')
const { SHAPES } = require('../args')
const { typeError, rangeError, redisError } = require('../errors')
const { portOf } = require('../base')
const { hasHashTag } = require('../slot')

const SCRIPTS = native.queueScripts()
const MAX_EVENTS = 10000
const MAX_PRIORITY = 2097152
// The fields of a fetched job, in the order the fetch script returns them (from Rust).
const ROW_FIELDS = native.queueRowFields()
const STATES = ['completed', 'failed', 'active', 'delayed', 'prioritized', 'waiting', 'wait', 'paused', 'waiting-children']

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Thrown by a processor to fail its job at once, whatever attempts are left (BullMQ's). */
class UnrecoverableError extends Error {
  constructor(message) {
    super(message)
    this.name = 'UnrecoverableError'
  }
}

// --- connections ------------------------------------------------------------------------

function isClient(c) {
  return portOf(c) !== null
}

/**
 * `connection` as BullMQ takes it: an existing client of either face (used as it is and
 * left open on close) or ioredis-style options / a URL (a client of our own, closed on close).
 */
function clientOf(connection) {
  if (isClient(connection)) return { client: connection, owned: false }
  if (connection === undefined || typeof connection === 'string' || (connection !== null && typeof connection === 'object' && !Array.isArray(connection))) {
    const { Redis } = require('../ioredis')
    return { client: connection === undefined ? new Redis() : new Redis(connection), owned: true }
  }
  throw typeError('connection must be a client, connection options or a redis:// URL')
}

function prefixOf(opts) {
  const prefix = opts.prefix === undefined ? 'bull' : opts.prefix
  if (typeof prefix !== 'string' || prefix.length === 0) throw typeError('prefix must be a non-empty string')
  return prefix
}

/**
 * The prefix of the queue's keys: BullMQ's `<prefix>:<name>:`. On a Cluster, BullMQ needs a
 * hash tag in the prefix or the name (its scripts touch several keys); where neither has
 * one, BullMQ cannot run at all, so the name is made the tag (`<prefix>:{<name>}:`) and the
 * queue works; it is then ours alone.
 */
function baseOf(prefix, name, cluster) {
  if (typeof name !== 'string') throw typeError('a queue name must be a string')
  try {
    if (cluster && !hasHashTag(prefix) && !hasHashTag(name)) native.queueKeyBase(prefix, name)
    else return native.queueKeyBase(prefix, name)
  } catch (err) {
    throw typeError(String(err && err.message))
  }
  return `${prefix}:{${name}}:`
}

/** Shared by Queue, Worker and QueueEvents: the queue's client, keys and script runner. */
class QueueBase extends EventEmitter {
  constructor(name, opts) {
    super()
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw typeError('options must be an object')
    opts = opts || {}
    this.name = name
    this.prefix = prefixOf(opts)
    this.qualifiedName = `${this.prefix}:${name}`
    // (The name is checked before a connection is made for it.)
    this._base = baseOf(this.prefix, name, false)
    const { client, owned } = clientOf(opts.connection)
    if (portOf(client).cluster) this._base = baseOf(this.prefix, name, true)
    this._client = client
    this._owned = owned
    this.closing = null
    this.opts = { ...opts, prefix: this.prefix }
    // waitReplicas: adds count only once that many replicas have them (lib/durability.js).
    this._durable = durability(this.opts)
  }

  /** The client used for commands (BullMQ's `client` is a promise of it). */
  get client() {
    return Promise.resolve(this._client)
  }

  _conn() {
    if (this.closing) throw redisError('ERR_QUEUE_CLOSED', `${this.constructor.name} "${this.name}" is closed`)
    return portOf(this._client).cmd()
  }

  /** Runs queue script `name` with `args` after the queue prefix. */
  _script(name, args) {
    let conn
    try {
      conn = this._conn()
    } catch (err) {
      return Promise.reject(err)
    }
    return runScript(conn, SCRIPTS[name], [1, this._base + 'meta', this._base, ...args], false, null)
  }

  _send(args, transform) {
    let conn
    try {
      conn = this._conn()
    } catch (err) {
      return Promise.reject(err)
    }
    return conn.send(args, false, transform === undefined ? null : transform, undefined)
  }

  /** Resolves once the server answers. */
  async waitUntilReady() {
    await this._send(['PING'])
    return this._client
  }

  _key(suffix) {
    return this._base + suffix
  }

  /** Emits `error` when someone listens (a queue's background work must not crash the process). */
  _error(err) {
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }

  /** The job with this id, or undefined. */
  async _getJob(id) {
    const f = await this._send(['HGETALL', this._key(id)], SHAPES.object)
    if (!f || Object.keys(f).length === 0) return undefined
    return Job.fromFields(this, id, f)
  }

  async _closeClient() {
    if (this._owned) await this._client.quit().catch(() => {})
  }
}

// --- jobs ---------------------------------------------------------------------------------

function parseJson(s, fallback) {
  if (typeof s !== 'string' || s.length === 0) return fallback
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

function num(s, fallback) {
  if (s === undefined || s === null || s === '') return fallback
  const n = Number(s)
  return Number.isFinite(n) ? n : fallback
}

/** A flat [field, value, ...] array (from a script) as an object. */
function fieldsOf(flat) {
  if (!Array.isArray(flat)) return flat || {}
  const o = Object.create(null)
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]] = flat[i + 1]
  return o
}

/** One job, as BullMQ's `Job`: its data, options and progress through its states. */
class Job {
  constructor(queue, name, data, opts = {}, id) {
    this.queue = queue
    this.queueName = queue.name
    this.queueQualifiedName = queue.qualifiedName
    this.name = name
    this.data = data
    this.opts = opts
    this.id = id
    this.progress = 0
    this.returnvalue = null
    this.failedReason = undefined
    this.stacktrace = []
    this.attemptsMade = 0
    this.attemptsStarted = 0
    this.stalledCounter = 0
    this.timestamp = opts.timestamp === undefined ? Date.now() : opts.timestamp
    this.delay = opts.delay || 0
    this.priority = opts.priority || 0
    this.processedOn = undefined
    this.finishedOn = undefined
    this.token = undefined
    this.repeatJobKey = undefined
    this.deferredFailure = undefined
    this.deduplicationId = opts.deduplication ? opts.deduplication.id : undefined
    this._manualToken = undefined
    this._worker = null
  }

  /** A job from the fields a fetch returns (ROW_FIELDS, in that order). */
  static fromRow(queue, id, row) {
    const f = Object.create(null)
    for (let i = 0; i < ROW_FIELDS.length; i++) if (row[i] !== null) f[ROW_FIELDS[i]] = row[i]
    return Job.fromFields(queue, id, f)
  }

  /** A job from its stored fields. */
  static fromFields(queue, id, fields) {
    const f = fieldsOf(fields)
    const job = new Job(queue, f.name, parseJson(f.data, {}), optsFromStored(parseJson(f.opts, {})), id)
    job.timestamp = num(f.timestamp, job.timestamp)
    job.delay = num(f.delay, 0)
    job.priority = num(f.priority, 0)
    job.attemptsMade = num(f.atm, 0)
    job.attemptsStarted = num(f.ats, 0)
    job.stalledCounter = num(f.stc, 0)
    job.processedOn = num(f.processedOn, undefined)
    job.finishedOn = num(f.finishedOn, undefined)
    job.progress = parseJson(f.progress, 0)
    job.returnvalue = f.returnvalue === undefined ? null : parseJson(f.returnvalue, null)
    job.failedReason = f.failedReason
    job.stacktrace = parseJson(f.stacktrace, []) || []
    job.repeatJobKey = f.rjk
    // BullMQ 6's deferred failure: the job must fail when a worker takes it (stalled too often).
    job.deferredFailure = f.defa
    if (f.deid !== undefined) job.deduplicationId = f.deid
    return job
  }

  /** Records progress (a number or an object); emits `progress` on the worker and QueueEvents. */
  async updateProgress(progress) {
    if (typeof progress !== 'number' && (progress === null || typeof progress !== 'object')) throw typeError('progress must be a number or an object')
    const r = await this.queue._script('progress', [this.id, JSON.stringify(progress), MAX_EVENTS])
    if (r === 0) throw redisError('ERR_QUEUE_NO_JOB', `Missing key for job ${this.id}. updateProgress`)
    this.progress = progress
    if (this._worker) this._worker.emit('progress', this, progress)
  }

  /** Appends a line to the job's log; resolves the log's length. */
  log(row) {
    if (typeof row !== 'string') return Promise.reject(typeError('a log row must be a string'))
    return this.queue._send(['RPUSH', this.queue._key(this.id + ':logs'), row])
  }

  /** 'completed', 'failed', 'active', 'delayed', 'prioritized', 'waiting' or 'unknown'. */
  getState() {
    return this.queue._script('state', [this.id])
  }

  async isCompleted() {
    return (await this.getState()) === 'completed'
  }

  async isFailed() {
    return (await this.getState()) === 'failed'
  }

  async isActive() {
    return (await this.getState()) === 'active'
  }

  async isDelayed() {
    return (await this.getState()) === 'delayed'
  }

  async isWaiting() {
    return (await this.getState()) === 'waiting'
  }

  /** Removes the job (refused while a worker holds it). */
  async remove() {
    const r = await this.queue._script('remove', [this.id, MAX_EVENTS])
    if (r === -1) throw redisError('ERR_QUEUE_JOB_LOCKED', `Job ${this.id} could not be removed because it is locked by a worker`)
  }

  /** A delayed job runs now (BullMQ's `promote`). */
  async promote() {
    const r = await this.queue._script('jobOp', ['promote', this.id, Date.now(), MAX_EVENTS])
    if (r !== 1) throw redisError('ERR_QUEUE_JOB_STATE', `Job ${this.id} is not in the delayed state. promote`)
    this.delay = 0
  }

  /** Re-queues a waiting job under a new priority (BullMQ's `changePriority({ priority, lifo })`). */
  async changePriority(opts = {}) {
    const priority = nonNegativeInt(opts.priority, 'priority')
    if (priority > MAX_PRIORITY) throw rangeError(`priority must be between 0 and ${MAX_PRIORITY}`)
    const r = await this.queue._script('jobOp', ['priority', this.id, Date.now(), MAX_EVENTS, priority, opts.lifo ? '1' : '0'])
    if (r !== 1) throw redisError('ERR_QUEUE_JOB_STATE', `Job ${this.id} is not waiting. changePriority`)
    this.priority = priority
  }

  /** Extends the job's lock by `duration` ms while `token` holds it; resolves 1, or 0 if it does not. */
  extendLock(token, duration) {
    if (typeof token !== 'string' || token.length === 0) return Promise.reject(typeError('extendLock needs the token the job was taken with'))
    if (!Number.isInteger(duration) || duration < 1) return Promise.reject(rangeError('extendLock needs a positive duration in ms'))
    // A job taken by hand holds its lock under the token it was taken with plus its attempt.
    const held = token === this._manualToken ? this.token : token
    return this.queue._script('jobOp', ['extend', this.id, Date.now(), MAX_EVENTS, held, duration])
  }

  /**
   * Manual processing (BullMQ's): completes the job taken with `token` (from
   * `worker.getNextJob(token)`); with `fetchNext`, resolves the next job taken with the
   * same token, else undefined.
   */
  moveToCompleted(returnValue, token, fetchNext = false) {
    return this._manualFinish(token, null, returnValue, fetchNext)
  }

  /** Manual processing: fails the job taken with `token` (retried while attempts are left). */
  moveToFailed(err, token, fetchNext = false) {
    return this._manualFinish(token, err instanceof Error ? err : new Error(String(err)), undefined, fetchNext)
  }

  async _manualFinish(token, error, result, fetchNext) {
    const w = this._worker
    if (!w || typeof w._manualFinish !== 'function') throw redisError('ERR_INVALID_STATE', `Job ${this.id} was not taken by a worker of this process (worker.getNextJob)`)
    if (token !== this._manualToken) throw redisError('ERR_QUEUE_LEASE_LOST', `Missing lock for job ${this.id}. moveToFinished`, { jobId: this.id })
    return w._manualFinish(this, result, error, fetchNext)
  }

  /** Moves a failed (or completed) job back to wait. */
  async retry(state = 'failed', opts = {}) {
    if (state !== 'failed' && state !== 'completed') throw rangeError("retry(state): state must be 'failed' or 'completed'")
    const r = await this.queue._script('retry', [this.id, state, MAX_EVENTS, opts.resetAttemptsMade ? '1' : '0'])
    if (r !== 1) throw redisError('ERR_QUEUE_JOB_STATE', `Job ${this.id} is not in the ${state} state`)
    this.failedReason = undefined
    this.finishedOn = undefined
    if (opts.resetAttemptsMade) this.attemptsMade = 0
  }

  /**
   * Resolves the job's return value once it completes (rejects with its failure), as told
   * by `queueEvents`; `ttl` ms bounds the wait.
   */
  waitUntilFinished(queueEvents, ttl) {
    if (!(queueEvents instanceof require('./events').QueueEvents)) return Promise.reject(typeError('waitUntilFinished needs a QueueEvents'))
    return new Promise((resolve, reject) => {
      let timer = null
      const done = () => {
        queueEvents.off(`completed:${this.id}`, onCompleted)
        queueEvents.off(`failed:${this.id}`, onFailed)
        if (timer) clearTimeout(timer)
      }
      const onCompleted = ({ returnvalue }) => {
        done()
        resolve(returnvalue)
      }
      const onFailed = ({ failedReason }) => {
        done()
        reject(redisError('ERR_QUEUE_JOB_FAILED', failedReason, { jobId: this.id }))
      }
      queueEvents.on(`completed:${this.id}`, onCompleted)
      queueEvents.on(`failed:${this.id}`, onFailed)
      if (ttl) {
        timer = setTimeout(() => {
          done()
          reject(redisError('ERR_QUEUE_TIMEOUT', `Job wait ${this.name} timed out before finishing, no finish notification arrived after ${ttl}ms (id=${this.id})`))
        }, ttl)
      }
      // It may have finished before we listened.
      this.queue._send(['HMGET', this.queue._key(this.id), 'finishedOn', 'returnvalue', 'failedReason']).then(([finishedOn, rv, reason]) => {
        if (finishedOn === null) return
        if (reason !== null && rv === null) onFailed({ failedReason: reason })
        else onCompleted({ returnvalue: parseJson(rv, null) })
      }, () => {})
    })
  }

  /** The job as BullMQ's `asJSON()` gives it (stored form). */
  asJSON() {
    return {
      id: this.id,
      name: this.name,
      data: JSON.stringify(this.data === undefined ? {} : this.data),
      opts: this.opts,
      progress: JSON.stringify(this.progress),
      attemptsMade: this.attemptsMade,
      finishedOn: this.finishedOn,
      processedOn: this.processedOn,
      timestamp: this.timestamp,
      failedReason: JSON.stringify(this.failedReason),
      stacktrace: JSON.stringify(this.stacktrace),
      returnvalue: JSON.stringify(this.returnvalue),
    }
  }

  toJSON() {
    const { queue, _worker, _manualToken, ...rest } = this
    return rest
  }
}

// --- job options ----------------------------------------------------------------------------

function nonNegativeInt(v, name) {
  if (v === undefined) return 0
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw rangeError(`${name} must be a non-negative integer, got ${typeof v === 'number' ? v : typeof v}`)
  return v
}

function keepOf(v, name) {
  if (v === undefined || v === false) return [-1, 0]
  if (v === true) return [0, 0]
  if (typeof v === 'number') return [nonNegativeInt(v, name), 0]
  if (v !== null && typeof v === 'object') {
    const count = v.count === undefined ? -1 : nonNegativeInt(v.count, `${name}.count`)
    const age = v.age === undefined ? 0 : nonNegativeInt(v.age, `${name}.age`) * 1000
    return [count, age]
  }
  throw typeError(`${name} must be a boolean, a count or { age, count }`)
}

function backoffOf(b) {
  if (b === undefined) return undefined
  if (typeof b === 'number') {
    nonNegativeInt(b, 'backoff')
    return { type: 'fixed', delay: b }
  }
  if (b === null || typeof b !== 'object' || typeof b.type !== 'string') throw typeError('backoff must be a number of ms or { type, delay }')
  if (b.delay !== undefined) nonNegativeInt(b.delay, 'backoff.delay')
  if (b.jitter !== undefined && !(typeof b.jitter === 'number' && b.jitter >= 0 && b.jitter <= 1)) throw rangeError('backoff.jitter must be between 0 and 1')
  return b
}

/** Checks a job's name, data and options (merged over the queue's defaults) before sending. */
function prepare(queue, name, data, opts) {
  if (typeof name !== 'string') throw typeError('a job name must be a string')
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw typeError('job options must be an object')
  const o = { attempts: 0, delay: 0, ...queue.defaultJobOptions, ...opts }
  let id = ''
  if (o.jobId !== undefined) {
    if (typeof o.jobId !== 'string' || o.jobId.length === 0) throw typeError('jobId must be a non-empty string')
    // Numeric ids belong to the queue's counter.
    if (/^\d+$/.test(o.jobId)) throw typeError(`Custom Ids cannot be integers, got "${o.jobId}"`)
    // A job's keys are `<queue key><id>` and `<id>:lock`, `<id>:logs`: an id with ':' could
    // name another job's key (BullMQ refuses them too).
    if (o.jobId.includes(':')) throw typeError(`Custom Id cannot contain :, got "${o.jobId}"`)
    id = o.jobId
  }
  const delay = nonNegativeInt(o.delay, 'delay')
  const priority = nonNegativeInt(o.priority, 'priority')
  if (priority > MAX_PRIORITY) throw rangeError(`priority must be between 0 and ${MAX_PRIORITY}`)
  if (o.attempts !== undefined && o.attempts !== 0) {
    if (!Number.isInteger(o.attempts) || o.attempts < 1) throw rangeError(`attempts must be a positive integer, got ${o.attempts}`)
  }
  o.backoff = backoffOf(o.backoff)
  if (o.backoff === undefined) delete o.backoff
  if (o.lifo !== undefined && typeof o.lifo !== 'boolean') throw typeError('lifo must be a boolean')
  keepOf(o.removeOnComplete, 'removeOnComplete')
  keepOf(o.removeOnFail, 'removeOnFail')
  let text
  try {
    text = JSON.stringify(data === undefined ? {} : data)
  } catch (err) {
    throw typeError(`job data must be serialisable to JSON: ${err.message}`)
  }
  if (typeof text !== 'string') throw typeError('job data must be serialisable to JSON')
  if (o.attempts === 0) delete o.attempts
  const de = dedupOf(o.deduplication)
  const stored = storedOpts(o)
  delete stored.jobId
  delete stored.repeat
  return { id, name, data, text, opts: o, optsText: JSON.stringify(stored), delay, priority, lifo: o.lifo === true, de: de === null ? '' : JSON.stringify(de) }
}

/** `deduplication: { id, ttl, extend, replace }` checked, or null. */
function dedupOf(d) {
  if (d === undefined) return null
  if (d === null || typeof d !== 'object' || typeof d.id !== 'string' || d.id.length === 0) throw typeError('deduplication must be { id, ttl?, extend?, replace? } with a non-empty string id')
  if (d.ttl !== undefined) nonNegativeInt(d.ttl, 'deduplication.ttl')
  return { id: d.id, ttl: d.ttl || 0, extend: d.extend === true, replace: d.replace === true }
}

// The option names BullMQ stores shortened in a job's `opts` (the rest are kept as they are).
const SHORT_OPTS = { deduplication: 'de', failParentOnFailure: 'fpof', continueParentOnFailure: 'cpof', ignoreDependencyOnFailure: 'idof', removeDependencyOnFailure: 'rdof', keepLogs: 'kl' }
const LONG_OPTS = Object.fromEntries(Object.entries(SHORT_OPTS).map(([k, v]) => [v, k]))

/** Job options as BullMQ stores them. */
function storedOpts(o) {
  const out = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[SHORT_OPTS[k] || k] = v
  return out
}

/** Stored job options as BullMQ's Job gives them. */
function optsFromStored(o) {
  if (o === null || typeof o !== 'object') return {}
  const out = {}
  for (const [k, v] of Object.entries(o)) out[LONG_OPTS[k] || k] = v
  return out
}

/** Holds every worker of the queue back for `ms` (BullMQ's `rateLimit`, on a queue or a worker). */
async function holdWorkers(base, ms) {
  nonNegativeInt(ms, 'ms')
  if (ms > 0) await base._send(['SET', base._key('limiter'), String(Number.MAX_SAFE_INTEGER), 'PX', ms])
}

function positiveInt(v, name, fallback) {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw rangeError(`${name} must be a positive integer, got ${typeof v === 'number' ? v : typeof v}`)
  return v
}

module.exports = { Job, MAX_EVENTS, QueueBase, STATES, UnrecoverableError, holdWorkers, keepOf, nonNegativeInt, num, parseJson, positiveInt, prepare, sleep }
