'use strict'
const { durability, waitReplicas } = require('./durability')
// Job queues shaped like BullMQ's: Queue, Worker, Job, QueueEvents. Every state change of
// a job is one Lua script (src/core/scripts/queue/, tested by the Rust crate), so one
// atomic step and one round trip. What differs from BullMQ on purpose: a job's lease is
// renewed by the native runtime's timers (like withLock's locks), so a processor that
// blocks the event loop does not lose its job; a completion is accepted only from the
// lease holder, and the worker says so when it was not.
const crypto = require('crypto')
const { EventEmitter } = require('events')
const native = require('./native')
const { runScript } = require('./script')
const { SHAPES } = require('./args')
const { typeError, rangeError, redisError } = require('./errors')
const { nextWatchId } = require('./lock')
const cron = require('./cron')

const SCRIPTS = native.queueScripts()
const MAX_EVENTS = 10000
const MAX_PRIORITY = 2097152
// The fields a fetch returns for each job, in order (see `fetch` in common.lua).
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
  return c !== null && typeof c === 'object' && typeof c._cmdConn === 'function' && c._nativeOptions !== undefined
}

/**
 * `connection` as BullMQ takes it: an existing client of either face (used as it is and
 * left open on close) or ioredis-style options / a URL (a client of our own, closed on close).
 */
function clientOf(connection) {
  if (isClient(connection)) return { client: connection, owned: false }
  if (connection === undefined || typeof connection === 'string' || (connection !== null && typeof connection === 'object' && !Array.isArray(connection))) {
    const { Redis } = require('./ioredis')
    return { client: connection === undefined ? new Redis() : new Redis(connection), owned: true }
  }
  throw typeError('connection must be a client, connection options or a redis:// URL')
}

function prefixOf(opts) {
  const prefix = opts.prefix === undefined ? 'bull' : opts.prefix
  if (typeof prefix !== 'string' || prefix.length === 0) throw typeError('prefix must be a non-empty string')
  return prefix
}

function baseOf(prefix, name) {
  if (typeof name !== 'string') throw typeError('a queue name must be a string')
  try {
    return native.queueKeyBase(prefix, name)
  } catch (err) {
    throw typeError(String(err && err.message))
  }
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
    this._base = baseOf(this.prefix, name)
    const { client, owned } = clientOf(opts.connection)
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
    return this._client._cmdConn()
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
    const f = await this._send(['HGETALL', this._key('j:' + id)], SHAPES.object)
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
    const job = new Job(queue, f.name, parseJson(f.data, {}), parseJson(f.opts, {}), id)
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
    job.repeatJobKey = f.sched
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
    return this.queue._send(['RPUSH', this.queue._key('g:' + this.id), row])
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
    if (!(queueEvents instanceof QueueEvents)) return Promise.reject(typeError('waitUntilFinished needs a QueueEvents'))
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
      this.queue._send(['HMGET', this.queue._key('j:' + this.id), 'finishedOn', 'returnvalue', 'failedReason']).then(([finishedOn, rv, reason]) => {
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
    const { queue, _worker, ...rest } = this
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
  const stored = { ...o }
  delete stored.jobId
  delete stored.repeat
  return { id, name, data, text, opts: o, optsText: JSON.stringify(stored), delay, priority, lifo: o.lifo === true }
}

// --- Queue -----------------------------------------------------------------------------------

/** BullMQ's `Queue`: adds jobs and looks after them. */
class Queue extends QueueBase {
  constructor(name, opts) {
    super(name, opts)
    this.defaultJobOptions = { ...(this.opts.defaultJobOptions || {}) }
    this.jobsOpts = this.defaultJobOptions
  }

  /** Adds a job; resolves the Job (for a duplicate jobId, the one already there). */
  async add(name, data, opts) {
    if (opts && opts.repeat) return this._addRepeat(name, data, opts)
    const [job] = await this._addAll([prepare(this, name, data, opts)])
    return job
  }

  /** Adds many jobs in one atomic step. */
  async addBulk(jobs) {
    if (!Array.isArray(jobs)) throw typeError('addBulk takes an array of { name, data, opts }')
    const list = jobs.map((j) => {
      if (j === null || typeof j !== 'object') throw typeError('addBulk takes an array of { name, data, opts }')
      if (j.opts && j.opts.repeat) throw typeError('addBulk does not take repeat options; use upsertJobScheduler')
      return prepare(this, j.name, j.data, j.opts)
    })
    return this._addAll(list)
  }

  async _addAll(list) {
    const now = Date.now()
    const out = []
    // Large bulks go in chunks, each one script call, all sent together.
    const calls = []
    for (let i = 0; i < list.length; i += 1000) {
      const args = [now, MAX_EVENTS]
      for (const p of list.slice(i, i + 1000)) args.push(p.id, p.name, p.text, p.optsText, p.delay, p.priority, p.lifo ? '1' : '0', '')
      calls.push(this._script('add', args))
    }
    const replies = await Promise.all(calls)
    if (this._durable !== null) await waitReplicas(this._conn(), this._durable, 'queue add')
    let k = 0
    for (const r of replies) {
      for (let i = 0; i < r.length; i += 2) {
        const p = list[k++]
        const job = new Job(this, p.name, p.data, p.opts, r[i])
        job.timestamp = now
        out.push(job)
      }
    }
    return out
  }

  /** `add(name, data, { repeat })`, as BullMQ 5 had it: a job scheduler keyed by the repeat. */
  async _addRepeat(name, data, opts) {
    const { repeat, ...rest } = opts
    const key = repeat.key || rest.jobId || `${name}:${repeat.pattern || ''}:${repeat.every || ''}:${repeat.tz || ''}`
    delete rest.jobId
    return this.upsertJobScheduler(key, repeat, { name, data, opts: rest })
  }

  /** The job with this id, or undefined. */
  async getJob(id) {
    if (typeof id !== 'string' || id.length === 0) throw typeError('a job id must be a non-empty string')
    return this._getJob(id)
  }

  /** Jobs in the given states, newest first unless `asc`. */
  async getJobs(types, start = 0, end = -1, asc = false) {
    const list = typesOf(types)
    const ids = []
    for (const t of list) {
      const [set, lo, hi] = rangeOf(t)
      const args = lo === null ? ['ZRANGE', this._key(set), 0, -1] : ['ZRANGE', this._key(set), lo, hi, 'BYSCORE']
      if (!asc && lo === null && set !== 'wait') args.push('REV')
      const r = await this._send(args)
      if (!asc && lo !== null) r.reverse()
      ids.push(...r)
    }
    const picked = end === -1 ? ids.slice(start) : ids.slice(start, end + 1)
    const jobs = await Promise.all(picked.map((id) => this.getJob(id)))
    return jobs.filter(Boolean)
  }

  /** Counts per state: `{ waiting: n, active: n, ... }` (all states when none are named). */
  async getJobCounts(...types) {
    const list = types.length === 0 ? ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting', 'waiting-children'] : typesOf(types.flat())
    const counts = await Promise.all(list.map((t) => this._count(t)))
    const out = {}
    list.forEach((t, i) => (out[t] = counts[i]))
    return out
  }

  /** The number of jobs in all the given states together. */
  async getJobCountByTypes(...types) {
    const c = await this.getJobCounts(...types)
    return Object.values(c).reduce((a, b) => a + b, 0)
  }

  /** Jobs waiting or delayed (BullMQ's `count`). */
  count() {
    return this.getJobCountByTypes('waiting', 'prioritized', 'delayed')
  }

  _count(type) {
    const [set, lo, hi] = rangeOf(type)
    if (set === null) return Promise.resolve(0)
    if (lo === null) return this._send(['ZCARD', this._key(set)])
    return this._send(['ZCOUNT', this._key(set), lo, hi])
  }

  getWaiting(start, end) {
    return this.getJobs(['waiting'], start, end, true)
  }

  getActive(start, end) {
    return this.getJobs(['active'], start, end, true)
  }

  getDelayed(start, end) {
    return this.getJobs(['delayed'], start, end, true)
  }

  getCompleted(start, end) {
    return this.getJobs(['completed'], start, end, false)
  }

  getFailed(start, end) {
    return this.getJobs(['failed'], start, end, false)
  }

  getWaitingCount() {
    return this._count('waiting')
  }

  getActiveCount() {
    return this._count('active')
  }

  getDelayedCount() {
    return this._count('delayed')
  }

  getCompletedCount() {
    return this._count('completed')
  }

  getFailedCount() {
    return this._count('failed')
  }

  getPrioritizedCount() {
    return this._count('prioritized')
  }

  /** A job's log lines: `{ logs, count }`. */
  async getJobLogs(id, start = 0, end = -1) {
    const key = this._key('g:' + id)
    const [logs, count] = await Promise.all([this._send(['LRANGE', key, start, end]), this._send(['LLEN', key])])
    return { logs, count }
  }

  /** Stops workers taking new jobs (those running finish). */
  async pause() {
    await this._script('pause', ['1', MAX_EVENTS])
  }

  async resume() {
    await this._script('pause', ['0', MAX_EVENTS])
  }

  async isPaused() {
    return (await this._send(['HEXISTS', this._key('meta'), 'paused'])) === 1
  }

  /** Deletes the waiting jobs (and the delayed ones with `delayed`). */
  async drain(delayed = false) {
    await this._script('drain', [delayed ? '1' : '0'])
  }

  /** Deletes up to `limit` jobs of `type` older than `grace` ms; resolves their ids. */
  async clean(grace, limit, type = 'completed') {
    nonNegativeInt(grace, 'grace')
    nonNegativeInt(limit, 'limit')
    const [set] = rangeOf(type)
    if (set === null) return []
    return this._script('clean', [set, Date.now() - grace, limit, MAX_EVENTS])
  }

  /** Deletes the whole queue; refused while jobs are active unless `{ force: true }`. */
  async obliterate(opts = {}) {
    for (;;) {
      const left = await this._script('obliterate', [opts.force ? '1' : '0', opts.count || 1000])
      if (left === -1) throw redisError('ERR_QUEUE_ACTIVE', 'Cannot obliterate queue with active jobs')
      if (left === 0) return
    }
  }

  /** Removes a job; resolves 1 if removed, 0 if there was none (refused while a worker holds it). */
  async remove(id) {
    const r = await this._script('remove', [id, MAX_EVENTS])
    if (r === -1) throw redisError('ERR_QUEUE_JOB_LOCKED', `Job ${id} could not be removed because it is locked by a worker`)
    return r
  }

  /**
   * Creates or replaces job scheduler `id`: `{ every: ms }` or `{ pattern: cron, tz }`, with
   * `limit`, `startDate`, `endDate`, `immediately`; `template` is `{ name, data, opts }`.
   * Resolves the job of the next run.
   */
  async upsertJobScheduler(id, repeat, template = {}) {
    if (typeof id !== 'string' || id.length === 0) throw typeError('a job scheduler id must be a non-empty string')
    const spec = schedulerSpec(repeat)
    const name = template.name === undefined ? id : template.name
    const p = prepare(this, name, template.data, { ...(template.opts || {}), repeat: undefined })
    const now = Date.now()
    const first = firstRun(spec, now)
    if (first === null) return undefined
    const opts = { ...JSON.parse(p.optsText), repeat: spec }
    const optsText = JSON.stringify(opts)
    const jobId = await this._script('scheduler', ['upsert', id, now, MAX_EVENTS, JSON.stringify(spec), p.name, p.text, optsText, p.priority, first])
    const job = new Job(this, p.name, p.data, opts, jobId || `repeat:${id}:${first}`)
    job.repeatJobKey = id
    job.delay = Math.max(0, first - now)
    return job
  }

  /** The schedulers: `[{ key, name, every | pattern, tz, next }]`. */
  async getJobSchedulers(start = 0, end = -1) {
    const ids = await this._send(['ZRANGE', this._key('schedulers'), start, end])
    const out = await Promise.all(ids.map((id) => this.getJobScheduler(id)))
    return out.filter(Boolean)
  }

  async getJobScheduler(id) {
    const f = await this._send(['HGETALL', this._key('s:' + id)], SHAPES.object)
    if (!f || !f.spec) return undefined
    const spec = parseJson(f.spec, {})
    return { key: id, id, name: f.name, ...spec, next: num(f.next, undefined), iterationCount: num(f.count, 0), template: { data: parseJson(f.data, {}), opts: parseJson(f.opts, {}) } }
  }

  /** Removes a scheduler and its pending run; resolves whether it existed. */
  async removeJobScheduler(id) {
    return (await this._script('scheduler', ['remove', id, Date.now(), MAX_EVENTS])) === 1
  }

  /** Closes the queue (and its connection, when it made one). */
  async close() {
    if (this.closing) return this.closing
    this.closing = this._closeClient()
    await this.closing
    this.emit('closed')
  }
}

function typesOf(types) {
  const list = types === undefined ? ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'] : Array.isArray(types) ? types : [types]
  for (const t of list) if (!STATES.includes(t)) throw rangeError(`unknown job state "${t}"`)
  return list
}

/** The set holding a state's jobs and, for states sharing the wait set, its score range. */
function rangeOf(type) {
  switch (type) {
    case 'waiting':
    case 'wait':
      return ['wait', '-inf', '(2147483648']
    case 'prioritized':
      return ['wait', 2147483648, '+inf']
    case 'active':
    case 'delayed':
    case 'completed':
    case 'failed':
      return [type, null, null]
    // BullMQ 6 has no 'paused' state (a paused queue's jobs are 'waiting'); no flows here.
    case 'paused':
    case 'waiting-children':
      return [null, null, null]
    default:
      throw rangeError(`unknown job state "${type}"`)
  }
}

// --- schedulers ------------------------------------------------------------------------------

function schedulerSpec(r) {
  if (r === null || typeof r !== 'object') throw typeError('repeat options must be an object: { every } or { pattern, tz }')
  const spec = {}
  if (r.every !== undefined) {
    if (!Number.isInteger(r.every) || r.every < 1) throw rangeError('every must be a positive integer of ms')
    spec.every = r.every
  }
  if (r.pattern !== undefined) {
    if (spec.every !== undefined) throw typeError('a scheduler has either every or pattern, not both')
    cron.parse(r.pattern)
    spec.pattern = r.pattern
  }
  if (spec.every === undefined && spec.pattern === undefined) throw typeError('repeat options need every or pattern')
  if (r.tz !== undefined) {
    if (typeof r.tz !== 'string') throw typeError('tz must be an IANA time zone name')
    cron.nextRun('* * * * *', Date.now(), r.tz)
    spec.tz = r.tz
  }
  if (r.limit !== undefined) spec.limit = nonNegativeInt(r.limit, 'limit')
  for (const k of ['startDate', 'endDate']) {
    if (r[k] !== undefined) {
      const t = new Date(r[k]).getTime()
      if (!Number.isFinite(t)) throw rangeError(`${k} must be a date`)
      spec[k] = t
    }
  }
  if (r.immediately) spec.immediately = true
  if (r.offset !== undefined) spec.offset = nonNegativeInt(r.offset, 'offset')
  return spec
}

function firstRun(spec, now) {
  const from = Math.max(now, spec.startDate || 0)
  let at
  if (spec.every !== undefined) at = spec.immediately || spec.startDate === undefined ? from : Math.ceil(from / spec.every) * spec.every + (spec.offset || 0)
  else at = spec.immediately ? from : cron.nextRun(spec.pattern, from - 1, spec.tz)
  if (at === null || (spec.endDate !== undefined && at > spec.endDate)) return null
  return at
}

/** The run after the one at `prev` (not in the past). */
function nextRunOf(spec, prev, now) {
  let at
  if (spec.every !== undefined) {
    at = prev + spec.every
    if (at <= now) at = prev + Math.ceil((now - prev + 1) / spec.every) * spec.every
  } else {
    at = cron.nextRun(spec.pattern, Math.max(prev, now - 1), spec.tz)
  }
  if (at === null || (spec.endDate !== undefined && at > spec.endDate)) return null
  return at
}

// --- Worker ----------------------------------------------------------------------------------

function positiveInt(v, name, fallback) {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw rangeError(`${name} must be a positive integer, got ${typeof v === 'number' ? v : typeof v}`)
  return v
}

/** BullMQ's `Worker`: runs `processor(job, token, signal)` for the queue's jobs. */
class Worker extends QueueBase {
  constructor(name, processor, opts) {
    if (typeof processor !== 'function') {
      throw typeError(typeof processor === 'string' ? 'sandboxed processors (a file path) are not supported: pass a function' : 'a Worker needs a processor function')
    }
    super(name, opts)
    const o = this.opts
    this.processor = processor
    this.concurrency = positiveInt(o.concurrency, 'concurrency', 1)
    this.lockDuration = positiveInt(o.lockDuration, 'lockDuration', 30000)
    this.lockRenewTime = positiveInt(o.lockRenewTime, 'lockRenewTime', Math.max(1, Math.floor(this.lockDuration / 2)))
    this.stalledInterval = positiveInt(o.stalledInterval, 'stalledInterval', 30000)
    this.maxStalledCount = o.maxStalledCount === undefined ? 1 : nonNegativeInt(o.maxStalledCount, 'maxStalledCount')
    this.drainDelay = positiveInt(o.drainDelay, 'drainDelay', 5)
    if (o.limiter !== undefined) {
      if (o.limiter === null || typeof o.limiter !== 'object') throw typeError('limiter must be { max, duration }')
      this.limiter = { max: positiveInt(o.limiter.max, 'limiter.max'), duration: positiveInt(o.limiter.duration, 'limiter.duration') }
    } else {
      this.limiter = null
    }
    this._keepCompleted = o.removeOnComplete === undefined ? null : keepOf(o.removeOnComplete, 'removeOnComplete')
    this._keepFailed = o.removeOnFail === undefined ? null : keepOf(o.removeOnFail, 'removeOnFail')
    const settings = o.settings || {}
    if (settings.backoffStrategy !== undefined && typeof settings.backoffStrategy !== 'function') throw typeError('settings.backoffStrategy must be a function')
    this._backoffStrategy = settings.backoffStrategy || null
    this.id = crypto.randomUUID()
    this._active = new Map()
    this._running = null
    this._paused = false
    this._slotWaiters = []
    this._resumeWaiters = []
    this._blocking = null
    this._hadJobs = false
    this._stalledTimer = null
    this._sleepTimer = null
    this._leaseSet = nextWatchId()
    this._leaseConn = null
    this._finishing = []
    this._flushFinishes = this._flushFinishes.bind(this)
    if (o.autorun !== false) {
      this.run().catch((err) => this._error(err))
    }
  }

  /** Starts taking jobs; resolves when the worker closes. */
  run() {
    if (this._running) return Promise.reject(redisError('ERR_INVALID_STATE', 'Worker is already running.'))
    if (this.closing) return Promise.reject(redisError('ERR_QUEUE_CLOSED', 'Worker is closed'))
    this._running = this._loop()
    return this._running
  }

  isRunning() {
    return this._running !== null && !this.closing
  }

  isPaused() {
    return this._paused
  }

  /** Stops taking new jobs; resolves once the active ones finish (unless `doNotWaitActive`). */
  async pause(doNotWaitActive) {
    if (this._paused) return
    this._paused = true
    this._interrupt()
    if (!doNotWaitActive) await this._whenIdle()
    this.emit('paused')
  }

  resume() {
    if (!this._paused) return
    this._paused = false
    for (const w of this._resumeWaiters.splice(0)) w()
    this.emit('resumed')
  }

  async _whenIdle() {
    while (this._active.size > 0) await new Promise((r) => this._slotWaiters.push(r))
  }

  _slotFreed() {
    for (const w of this._slotWaiters.splice(0)) w()
  }

  /** Ends a blocking wait or a rate-limit sleep early. */
  _interrupt() {
    if (this._blocking) {
      this._blocking.disconnect()
      this._blocking = null
    }
    if (this._sleepTimer) {
      const [timer, resolve] = this._sleepTimer
      clearTimeout(timer)
      this._sleepTimer = null
      resolve()
    }
    this._slotFreed()
    for (const w of this._resumeWaiters.splice(0)) w()
  }

  _sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this._sleepTimer = null
        resolve()
      }, ms)
      this._sleepTimer = [timer, resolve]
    })
  }

  _startStalledChecks() {
    const check = () => this._checkStalled().catch((err) => this._error(err))
    check()
    this._stalledTimer = setInterval(check, this.stalledInterval)
    this._stalledTimer.unref()
  }

  async _checkStalled() {
    if (this.closing) return
    const [recovered, failed] = await this._script('stalled', [Date.now(), this.maxStalledCount, MAX_EVENTS, this.stalledInterval])
    for (const id of recovered) this.emit('stalled', id, 'active')
    for (const id of failed) {
      const job = await this._getJob(id)
      if (job) this.emit('failed', job, redisError('ERR_QUEUE_STALLED', job.failedReason, { jobId: id }), 'active')
    }
  }

  _fetchArgs(n) {
    const lim = this.limiter
    return [this.id, this.lockDuration, Date.now(), n, lim ? lim.max : 0, lim ? lim.duration : 0, MAX_EVENTS]
  }

  async _loop() {
    this._startStalledChecks()
    let failures = 0
    while (!this.closing) {
      if (this._paused) {
        await new Promise((r) => this._resumeWaiters.push(r))
        continue
      }
      const free = this.concurrency - this._active.size
      if (free <= 0) {
        await new Promise((r) => this._slotWaiters.push(r))
        continue
      }
      let r
      try {
        r = await this._script('fetch', this._fetchArgs(free))
        failures = 0
      } catch (err) {
        if (this.closing) break
        this._error(err)
        await this._sleep(Math.min(5000, 100 * 2 ** failures++))
        continue
      }
      if (this.closing || this._paused) {
        // Fetched while closing: those jobs run still (their leases are ours).
        if (r[0] === 1) this._startAll(r, 2)
        continue
      }
      const kind = r[0]
      if (kind === 1) {
        this._hadJobs = true
        this._startAll(r, 2)
        continue
      }
      if (kind === 2) {
        await this._sleep(Math.max(1, Number(r[1])))
        continue
      }
      if (kind === 0 && this._hadJobs && this._active.size === 0) {
        this._hadJobs = false
        this.emit('drained')
      }
      let wait = this.drainDelay * 1000
      const next = Number(r[1])
      if (kind === 0 && next > 0) wait = Math.min(wait, next - Date.now())
      if (wait > 0) await this._block(wait)
    }
  }

  /** Waits up to `ms` for the marker a producer sets when it adds a job. */
  async _block(ms) {
    if (this._blocking === null || this._blocking.ended) this._blocking = this._client._ownConnection()
    const conn = this._blocking
    const secs = Math.max(0.001, ms / 1000).toFixed(3)
    try {
      await conn.send(['BZPOPMIN', this._key('marker'), secs], false, null, ms + conn.commandTimeout)
    } catch (err) {
      if (this.closing || this._paused || conn !== this._blocking) return
      this._error(err)
      await this._sleep(100)
    }
  }

  /** Starts the jobs of a fetch reply (`r[from]` is the first job's id). */
  _startAll(r, from) {
    for (let i = from; i + 2 < r.length; i += 3) {
      const job = Job.fromRow(this, r[i], r[i + 2])
      job.token = r[i + 1]
      job._worker = this
      this._process(job)
    }
  }

  async _process(job) {
    const conn = this._leases()
    const watchId = nextWatchId()
    const controller = new AbortController()
    let lost = null
    this._active.set(job.id, { job, controller })
    this._client._lockWatches.set(watchId, (detail) => {
      lost = detail
      controller.abort(redisError('ERR_QUEUE_LEASE_LOST', `the lease of job ${job.id} was lost`))
    })
    // Renewed with the worker's other leases by the runtime's timers: a blocked event
    // loop does not lose the job.
    conn.native.addLease(this._leaseSet, watchId, this._key('l:' + job.id), job.token)
    if (job.repeatJobKey) this._scheduleNext(job)
    this.emit('active', job, 'waiting')
    let result
    let error = null
    try {
      result = await this.processor(job, job.token, controller.signal)
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err))
    }
    conn.native.removeLease(this._leaseSet, watchId)
    this._client._lockWatches.delete(watchId)
    try {
      await this._finish(job, result, error, lost)
    } catch (err) {
      this._active.delete(job.id)
      this._slotFreed()
      this._error(err)
    }
  }

  /** The keeper connection, with this worker's lease set started on it. */
  _leases() {
    const conn = this._client._keeperConn()
    if (this._leaseConn !== conn) {
      this._leaseConn = conn
      conn.native.keepLeases(this._leaseSet, this.lockDuration, this.lockRenewTime)
    }
    return conn
  }

  async _scheduleNext(job) {
    try {
      const spec = job.opts.repeat
      const prev = Number(String(job.id).slice(String(job.id).lastIndexOf(':') + 1))
      if (!spec || !Number.isFinite(prev)) return
      const at = nextRunOf(spec, prev, Date.now())
      if (at === null) return
      const stored = { ...job.opts }
      await this._script('scheduler', ['next', job.repeatJobKey, Date.now(), MAX_EVENTS, String(prev), at, spec.limit || 0, job.name, JSON.stringify(job.data), JSON.stringify(stored), job.priority])
    } catch (err) {
      this._error(err)
    }
  }

  _retryDelay(job, attemptsMade, err) {
    const b = job.opts.backoff
    if (this._backoffStrategy && (!b || (b.type !== 'fixed' && b.type !== 'exponential'))) {
      const d = this._backoffStrategy(attemptsMade, b && b.type, err, job)
      return typeof d === 'number' ? d : 0
    }
    if (!b) return 0
    let d = b.delay || 0
    if (b.type === 'exponential') d = Math.round(2 ** (attemptsMade - 1) * d)
    else if (b.type !== 'fixed') throw redisError('ERR_QUEUE_BACKOFF', `Unknown backoff strategy ${b.type}. If a custom one, set settings.backoffStrategy on the worker`)
    if (b.jitter) d = Math.floor(d * (1 - b.jitter) + Math.random() * d * b.jitter)
    return d
  }

  async _finish(job, result, error, lost) {
    let outcome
    let value
    let stack = ''
    let delay = 0
    let keep
    const attemptsMade = job.attemptsMade + 1
    if (error === null) {
      outcome = 'completed'
      value = JSON.stringify(result === undefined ? null : result)
      if (value === undefined) value = 'null'
      keep = job.opts.removeOnComplete !== undefined ? keepOf(job.opts.removeOnComplete) : this._keepCompleted || [-1, 0]
    } else {
      value = error.message
      const trace = job.stacktrace.concat(error.stack ? [error.stack] : [])
      stack = JSON.stringify(trace.slice(-(job.opts.stackTraceLimit || 10)))
      job.stacktrace = trace
      outcome = 'failed'
      const attempts = job.opts.attempts || 1
      if (attemptsMade < attempts && !(error instanceof UnrecoverableError) && error.name !== 'UnrecoverableError') {
        delay = this._retryDelay(job, attemptsMade, error)
        if (delay !== -1) outcome = 'retry'
      }
      if (delay < 0) delay = 0
      keep = job.opts.removeOnFail !== undefined ? keepOf(job.opts.removeOnFail) : this._keepFailed || [-1, 0]
    }
    job._ending = { result, error, lost, outcome }
    this._finishing.push(job, [job.id, job.token, outcome, value, stack, keep[0], keep[1], delay, attemptsMade])
    if (this._finishing.length === 2) process.nextTick(this._flushFinishes)
  }

  /**
   * Sends every attempt that ended in this tick in one finish script; each freed slot
   * takes a next job in the same step, unless the worker is winding down.
   */
  async _flushFinishes() {
    const list = this._finishing
    this._finishing = []
    const jobs = []
    const args = []
    for (let i = 0; i < list.length; i += 2) {
      jobs.push(list[i])
      for (const v of list[i + 1]) args.push(v)
    }
    const n = this.closing || this._paused ? 0 : jobs.length
    const lim = this.limiter
    let r
    try {
      r = await this._script('finish', [Date.now(), MAX_EVENTS, n, this.id, this.lockDuration, lim ? lim.max : 0, lim ? lim.duration : 0, ...args])
    } catch (err) {
      for (const job of jobs) this._active.delete(job.id)
      this._slotFreed()
      this._error(err)
      return
    }
    const now = Date.now()
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[k]
      const { result, error, lost, outcome } = job._ending
      job._ending = undefined
      this._active.delete(job.id)
      if (r[2 * k] === 1) {
        job.attemptsMade = r[2 * k + 1]
        job.finishedOn = now
        if (outcome === 'completed') {
          job.returnvalue = result === undefined ? null : result
          this.emit('completed', job, job.returnvalue, 'active')
        } else {
          job.failedReason = error.message
          this.emit('failed', job, error, 'active')
        }
      } else {
        const err = redisError('ERR_QUEUE_LEASE_LOST', `job ${job.id}: the lease was lost before the attempt ended, so its outcome was not recorded (another worker may run it again)`, { jobId: job.id, cause: lost || undefined })
        this._error(err)
      }
    }
    const at = 2 * jobs.length
    if (r[at] === 1) {
      this._hadJobs = true
      this._startAll(r, at + 2)
    } else if (r[at] === 0 && this._hadJobs && this._active.size === 0 && n > 0) {
      this._hadJobs = false
      this.emit('drained')
    }
    // Slots the fetch did not fill go back to the main loop.
    if (this._active.size < this.concurrency) this._slotFreed()
  }

  /**
   * Closes the worker: stops taking jobs and resolves once the active ones have finished
   * (at once with `force`, leaving them to be recovered as stalled). The connection it was
   * given stays open.
   */
  async close(force = false) {
    if (this.closing) return this.closing
    this.closing = (async () => {
      if (this._stalledTimer) clearInterval(this._stalledTimer)
      this._interrupt()
      if (!force) await this._whenIdle()
      else for (const { controller } of this._active.values()) controller.abort(redisError('ERR_QUEUE_CLOSED', 'Worker closed'))
      if (this._running) await this._running.catch(() => {})
      if (this._blocking) this._blocking.disconnect()
      if (this._leaseConn && !this._leaseConn.ended) this._leaseConn.native.dropLeases(this._leaseSet)
      await this._closeClient()
      this.emit('closed')
    })()
    return this.closing
  }

  _conn() {
    // A closing worker still finishes its active jobs.
    return this._client._cmdConn()
  }
}

// --- QueueEvents -----------------------------------------------------------------------------

/**
 * BullMQ's `QueueEvents`: the queue's events (`waiting`, `active`, `progress`, `completed`,
 * `failed`, `delayed`, `stalled`, `removed`, `drained`, ...) read from its event stream on a
 * connection of its own. It remembers the last event read, so after a reconnect it goes on
 * from there and misses nothing the stream still holds.
 */
class QueueEvents extends QueueBase {
  constructor(name, opts) {
    super(name, opts)
    this.blockingTimeout = positiveInt(this.opts.blockingTimeout, 'blockingTimeout', 10000)
    this.lastEventId = this.opts.lastEventId === undefined ? null : String(this.opts.lastEventId)
    this._conn_ = null
    this._running = null
    this._ready = null
    if (this.opts.autorun !== false) this.run().catch((err) => this._error(err))
  }

  _connection() {
    if (this._conn_ === null || this._conn_.ended) this._conn_ = this._client._ownConnection()
    return this._conn_
  }

  /** Resolves once reading has started (events from then on are delivered). */
  waitUntilReady() {
    if (!this._ready) this._ready = this._start()
    return this._ready
  }

  async _start() {
    if (this.lastEventId === null || this.lastEventId === '$') {
      const last = await this._connection().send(['XREVRANGE', this._key('events'), '+', '-', 'COUNT', 1], false, null, undefined)
      this.lastEventId = last.length > 0 ? last[0][0] : '0-0'
    }
    return this._client
  }

  run() {
    if (this._running) return Promise.reject(redisError('ERR_INVALID_STATE', 'Queue Events is already running.'))
    this._running = this._loop()
    return this._running
  }

  async _loop() {
    let failures = 0
    while (!this.closing) {
      try {
        await this.waitUntilReady()
        const conn = this._connection()
        const args = ['XREAD', 'BLOCK', this.blockingTimeout, 'STREAMS', this._key('events'), this.lastEventId]
        const reply = await conn.send(args, false, SHAPES.streamPairs, this.blockingTimeout + conn.commandTimeout)
        failures = 0
        if (!Array.isArray(reply) || reply.length === 0) continue
        for (const [id, fields] of reply[0][1]) {
          this.lastEventId = id
          this._dispatch(id, fields)
        }
      } catch (err) {
        if (this.closing) break
        this._error(err)
        await sleep(Math.min(2000, 50 * 2 ** failures++))
      }
    }
  }

  _dispatch(id, fields) {
    const args = {}
    let event = null
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'event') event = fields[i + 1]
      else args[fields[i]] = fields[i + 1]
    }
    if (event === null) return
    if (event === 'completed') args.returnvalue = parseJson(args.returnvalue, null)
    if (event === 'progress') args.data = parseJson(args.data, args.data)
    if (event === 'drained') {
      this.emit('drained', id)
      return
    }
    this.emit(event, args, id)
    if (args.jobId !== undefined) this.emit(`${event}:${args.jobId}`, args, id)
  }

  async close() {
    if (this.closing) return this.closing
    this.closing = (async () => {
      if (this._conn_) this._conn_.disconnect()
      if (this._running) await this._running.catch(() => {})
      await this._closeClient()
      this.emit('closed')
    })()
    return this.closing
  }
}

module.exports = { Queue, Worker, Job, QueueEvents, UnrecoverableError }
