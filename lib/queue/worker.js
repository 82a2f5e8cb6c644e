'use strict'
// BullMQ's `Worker`: fetches jobs, runs the processor under a lease the native runtime
// renews, finishes them (retries, backoff, removal), recovers stalled jobs, and runs the
// schedulers' next occurrences.
const crypto = require('crypto')
const { typeError, redisError } = require('../errors')
const { nextWatchId } = require('../lock')
const { Job, MAX_EVENTS, QueueBase, UnrecoverableError, holdWorkers, keepOf, nonNegativeInt, positiveInt } = require('./job')
const { nextRunOf } = require('./scheduler')
const { portOf } = require('../base')


// BullMQ's name for the error `Worker.RateLimitError()` makes.
const RATE_LIMIT_ERROR = 'bullmq:rateLimitExceeded'

/**
 * BullMQ's `Worker`: runs `processor(job, token, signal)` for the queue's jobs. Without a
 * processor (null), jobs are taken by hand: `getNextJob(token)`, then `job.moveToCompleted`.
 */
class Worker extends QueueBase {
  constructor(name, processor, opts) {
    if (typeof processor !== 'function' && processor !== null && processor !== undefined) {
      throw typeError(typeof processor === 'string' ? 'sandboxed processors (a file path) are not supported: pass a function' : 'a Worker needs a processor function (or null, to take jobs by hand)')
    }
    super(name, opts)
    const o = this.opts
    this.processor = typeof processor === 'function' ? processor : null
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
    if (o.autorun !== false && this.processor !== null) {
      this.run().catch((err) => this._error(err))
    }
  }

  /** Starts taking jobs; resolves when the worker closes. */
  run() {
    if (this.processor === null) return Promise.reject(redisError('ERR_INVALID_STATE', 'No process function is defined.'))
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
    // Jobs stalled too often come back with a deferred failure: the worker that takes one
    // fails it (and emits 'failed'), as BullMQ 6 does.
    const [recovered] = await this._script('stalled', [Date.now(), this.maxStalledCount, MAX_EVENTS, this.stalledInterval])
    for (const id of recovered) this.emit('stalled', id, 'active')
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
    if (this._blocking === null || this._blocking.ended) this._blocking = portOf(this._client).own()
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
    portOf(this._client).watches.set(watchId, (detail) => {
      lost = detail
      controller.abort(redisError('ERR_QUEUE_LEASE_LOST', `the lease of job ${job.id} was lost`))
    })
    // Renewed with the worker's other leases by the runtime's timers: a blocked event
    // loop does not lose the job.
    conn.native.addLease(this._leaseSet, watchId, this._key(job.id + ':lock'), job.token)
    if (job.repeatJobKey) this._scheduleNext(job)
    this.emit('active', job, 'waiting')
    let result
    let error = null
    try {
      // A deferred failure (stalled too often, BullMQ 6's `defa`) fails the job unprocessed.
      if (job.deferredFailure !== undefined) throw new UnrecoverableError(job.deferredFailure)
      result = await this.processor(job, job.token, controller.signal)
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err))
    }
    conn.native.removeLease(this._leaseSet, watchId)
    portOf(this._client).watches.delete(watchId)
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
    const conn = portOf(this._client).keeper()
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
      // The iteration count rides in the job's repeat options, as BullMQ's does.
      const stored = { ...job.opts, repeat: { ...spec, count: (spec.count || 1) + 1 }, prevMillis: at }
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

  /** What the finish script is told about an attempt that ended: its outcome and 10 values. */
  _attempt(job, result, error) {
    let outcome
    let value
    let stack = ''
    let delay = 0
    let keep
    let attemptsMade = job.attemptsMade + 1
    if (error === null) {
      outcome = 'completed'
      value = JSON.stringify(result === undefined ? null : result)
      if (value === undefined) value = 'null'
      keep = job.opts.removeOnComplete !== undefined ? keepOf(job.opts.removeOnComplete) : this._keepCompleted || [-1, 0]
    } else if (error.name === RATE_LIMIT_ERROR) {
      // Worker.RateLimitError: the job goes back to wait; the attempt does not count.
      outcome = 'retry'
      value = error.message
      attemptsMade = job.attemptsMade
      keep = [-1, 0]
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
    return { outcome, args: [job.id, job.token, outcome, value, stack, keep[0], keep[1], delay, attemptsMade, job.deduplicationId || ''] }
  }

  async _finish(job, result, error, lost) {
    const { outcome, args } = this._attempt(job, result, error)
    job._ending = { result, error, lost, outcome }
    this._finishing.push(job, args)
    if (this._finishing.length === 2) process.nextTick(this._flushFinishes)
  }

  /**
   * Manual processing (BullMQ's): takes the next job for `token`, or undefined when none is
   * waiting. The caller finishes it with `job.moveToCompleted(value, token)` or
   * `moveToFailed(err, token)` and keeps its lock with `job.extendLock(token, ms)`.
   */
  async getNextJob(token) {
    if (typeof token !== 'string' || token.length === 0) throw typeError('getNextJob needs a token (any unique string)')
    const r = await this._script('fetch', [token, this.lockDuration, Date.now(), 1, this.limiter ? this.limiter.max : 0, this.limiter ? this.limiter.duration : 0, MAX_EVENTS])
    return r[0] === 1 ? this._manualJob(r, 2, token) : undefined
  }

  _manualJob(r, at, token) {
    const job = Job.fromRow(this, r[at], r[at + 2])
    job.token = r[at + 1]
    job._worker = this
    job._manualToken = token
    return job
  }

  async _manualFinish(job, result, error, fetchNext) {
    const { outcome, args } = this._attempt(job, result, error)
    const lim = this.limiter
    const r = await this._script('finish', [Date.now(), MAX_EVENTS, fetchNext ? 1 : 0, job._manualToken, this.lockDuration, lim ? lim.max : 0, lim ? lim.duration : 0, ...args])
    if (r[0] !== 1) throw redisError('ERR_QUEUE_LEASE_LOST', `Missing lock for job ${job.id}. moveToFinished`, { jobId: job.id })
    job.attemptsMade = r[1]
    job.finishedOn = Date.now()
    if (outcome === 'completed') job.returnvalue = result === undefined ? null : result
    else job.failedReason = error.message
    return fetchNext && r[2] === 1 ? this._manualJob(r, 4, job._manualToken) : undefined
  }

  /** Holds every worker of the queue back for `ms` (BullMQ's `worker.rateLimit`). */
  rateLimit(ms) {
    return holdWorkers(this, ms)
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
        } else if (error.name !== RATE_LIMIT_ERROR) {
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
    return portOf(this._client).cmd()
  }
}

/** BullMQ's `Worker.RateLimitError()`: thrown by a processor, puts its job back to wait without spending an attempt (pair it with `worker.rateLimit(ms)`). */
Worker.RateLimitError = function RateLimitError() {
  const e = new Error(RATE_LIMIT_ERROR)
  e.name = RATE_LIMIT_ERROR
  return e
}

module.exports = { Worker }
