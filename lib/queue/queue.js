'use strict'
// BullMQ's `Queue`: adding jobs (one, bulk, delayed, prioritized, repeated), the getters
// and counts, pausing, cleaning, draining, obliterating, and the job schedulers.
const { waitReplicas } = require('../durability')
const { SHAPES } = require('../args')
const { typeError, rangeError, redisError } = require('../errors')
const { Job, MAX_EVENTS, QueueBase, STATES, holdWorkers, nonNegativeInt, num, parseJson, prepare } = require('./job')
const { firstRun, schedulerSpec } = require('./scheduler')

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
      for (const p of list.slice(i, i + 1000)) args.push(p.id, p.name, p.text, p.optsText, p.delay, p.priority, p.lifo ? '1' : '0', '', p.de)
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
      const [key, kind] = keyOf(t)
      if (key === null) continue
      // Lists hold the next job at the right; sorted sets the oldest first.
      let r = await this._send(kind === 'list' ? ['LRANGE', this._key(key), 0, -1] : ['ZRANGE', this._key(key), 0, -1])
      if (kind === 'list') r = r.reverse()
      if (!asc) r.reverse()
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
    const [key, kind] = keyOf(type)
    if (key === null) return Promise.resolve(0)
    return this._send([kind === 'list' ? 'LLEN' : 'ZCARD', this._key(key)])
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
    const key = this._key(id + ':logs')
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
    const [key] = keyOf(type)
    if (key === 'waiting-children') return []
    return this._script('clean', [key, Date.now() - grace, limit, MAX_EVENTS])
  }

  /** Deletes the whole queue; refused while jobs are active unless `{ force: true }`. */
  async obliterate(opts = {}) {
    for (;;) {
      const left = await this._script('obliterate', [opts.force ? '1' : '0', opts.count || 1000])
      if (left === -1) throw redisError('ERR_QUEUE_ACTIVE', 'Cannot obliterate queue with active jobs')
      if (left === 0) return
    }
  }

  /** The id of the job holding deduplication id `id`, or null (BullMQ's). */
  getDeduplicationJobId(id) {
    if (typeof id !== 'string' || id.length === 0) return Promise.reject(typeError('a deduplication id must be a non-empty string'))
    return this._script('jobOp', ['dedup', id, Date.now(), MAX_EVENTS])
  }

  /** Trims the event stream to about `maxLength` entries (BullMQ's `trimEvents`); resolves how many went. */
  trimEvents(maxLength) {
    nonNegativeInt(maxLength, 'maxLength')
    return this._send(['XTRIM', this._key('events'), 'MAXLEN', '~', maxLength])
  }

  /** Holds every worker of the queue back for `ms` (BullMQ's global `rateLimit`). */
  rateLimit(ms) {
    return holdWorkers(this, ms)
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
    const opts = { ...JSON.parse(p.optsText), repeat: { ...spec, count: 1 }, prevMillis: first }
    const optsText = JSON.stringify(opts)
    const jobId = await this._script('scheduler', ['upsert', id, now, MAX_EVENTS, JSON.stringify(spec), p.name, p.text, optsText, p.priority, first])
    const job = new Job(this, p.name, p.data, opts, jobId || `repeat:${id}:${first}`)
    job.repeatJobKey = id
    job.delay = Math.max(0, first - now)
    return job
  }

  /** The schedulers: `[{ key, name, every | pattern, tz, next }]`. */
  async getJobSchedulers(start = 0, end = -1) {
    const ids = await this._send(['ZRANGE', this._key('repeat'), start, end])
    const out = await Promise.all(ids.map((id) => this.getJobScheduler(id)))
    return out.filter(Boolean)
  }

  async getJobScheduler(id) {
    const [f, next] = await Promise.all([this._send(['HGETALL', this._key('repeat:' + id)], SHAPES.object), this._send(['ZSCORE', this._key('repeat'), id])])
    if (!f || f.ic === undefined) return undefined
    const spec = {}
    for (const k of ['every', 'limit', 'startDate', 'endDate', 'offset']) if (f[k] !== undefined) spec[k] = num(f[k], undefined)
    for (const k of ['pattern', 'tz']) if (f[k] !== undefined) spec[k] = f[k]
    return { key: id, id, name: f.name, ...spec, next: num(next, undefined), iterationCount: num(f.ic, 0), template: { data: parseJson(f.data, {}), opts: parseJson(f.opts, {}) } }
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

/** The key holding a state's jobs (BullMQ's) and whether it is a list or a sorted set. */
function keyOf(type) {
  switch (type) {
    case 'waiting':
    case 'wait':
      return ['wait', 'list']
    case 'active':
      return ['active', 'list']
    // BullMQ 6 keeps a paused queue's jobs in `wait`; a BullMQ 5 process parked them here.
    case 'paused':
      return ['paused', 'list']
    case 'prioritized':
    case 'delayed':
    case 'completed':
    case 'failed':
    case 'waiting-children':
      return [type, 'zset']
    default:
      throw rangeError(`unknown job state "${type}"`)
  }
}

module.exports = { Queue }
