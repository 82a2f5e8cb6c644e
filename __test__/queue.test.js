'use strict'
// Job queues (BullMQ-shaped Queue / Worker / Job / QueueEvents) against real redis-server
// processes: semantics, leases kept by the native runtime, crashes, schedules.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { spawn } = require('child_process')
const { RedisServer, waitFor, sleep, cli } = require('./helpers')
const { Queue, Worker, QueueEvents, UnrecoverableError, Redis, createClient } = require('..')

const WORKER = path.join(__dirname, 'fixtures', 'queue-worker.js')

let server
let redis
test.before(async () => {
  server = await RedisServer.start()
  redis = new Redis({ port: server.port })
})
test.after(async () => {
  await redis.quit()
  await server.stop()
})

let queues = 0
const fresh = () => `q${++queues}`

/** Resolves the first `n` emissions of `event` (their first arguments). */
function collect(emitter, event, n, ms = 15000) {
  return new Promise((resolve, reject) => {
    const seen = []
    const timer = setTimeout(() => reject(new Error(`${event}: ${seen.length} of ${n} in ${ms} ms`)), ms)
    emitter.on(event, function on(...args) {
      seen.push(args)
      if (seen.length === n) {
        clearTimeout(timer)
        emitter.off(event, on)
        resolve(seen)
      }
    })
  })
}

/** A worker process (fixtures/queue-worker.js); resolves once it says it is ready. */
function workerProcess(name, mode, env = {}) {
  const child = spawn(process.execPath, [WORKER, String(server.port), name, mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  child.lines = []
  let buf = ''
  child.stdout.on('data', (d) => {
    buf += d
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      child.lines.push(buf.slice(0, i))
      child.emit('line', buf.slice(0, i))
      buf = buf.slice(i + 1)
    }
  })
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
  child.ready = new Promise((r) => child.on('line', (l) => l === 'ready' && r()))
  return child
}

test('the seed: a node-redis client as the connection, attempts with exponential backoff, concurrency 5', async () => {
  const redis = createClient({ url: server.url })
  await redis.connect()
  const sent = []
  const sendEmail = async (data) => {
    sent.push(data)
    if (sent.length === 1) throw new Error('smtp down')
  }
  const userId = 'u1'
  const email = 'u1@example.com'
  // --- the seed, as written ---
  const emailQueue = new Queue('email', { connection: redis })
  await emailQueue.add('send-welcome', { userId, email }, {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
  })
  const worker = new Worker('email', async (job) => {
    await sendEmail(job.data)
  }, { connection: redis, concurrency: 5 })
  // ---
  try {
    const [[job]] = await collect(worker, 'completed', 1)
    assert.deepEqual(sent, [{ userId, email }, { userId, email }], 'failed once, retried after the backoff')
    assert.equal(job.attemptsMade, 2, 'BullMQ counts the successful run too')
    assert.equal(await job.getState(), 'completed')
  } finally {
    await worker.close()
    await emailQueue.close()
  }
  assert.equal(await redis.ping(), 'PONG', 'the passed client stays open')
  await redis.quit()
})

test('concurrency is held exactly, and every job runs once', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  await queue.addBulk(Array.from({ length: 60 }, (_, i) => ({ name: 'n', data: { i } })))
  let running = 0
  let peak = 0
  const seen = new Map()
  const worker = new Worker(
    name,
    async (job) => {
      running++
      peak = Math.max(peak, running)
      seen.set(job.data.i, (seen.get(job.data.i) || 0) + 1)
      await sleep(5 + (job.data.i % 7))
      running--
    },
    { connection: redis, concurrency: 7 }
  )
  await collect(worker, 'completed', 60)
  await worker.close()
  assert.equal(peak, 7)
  assert.equal(seen.size, 60)
  assert.ok([...seen.values()].every((n) => n === 1))
  assert.equal((await queue.getJobCounts('completed')).completed, 60)
  await queue.close()
})

test('attempts with exponential backoff: retried after delay, 2 x delay, then failed for good', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const times = []
  const worker = new Worker(
    name,
    async () => {
      times.push(Date.now())
      throw new Error(`attempt ${times.length}`)
    },
    { connection: redis }
  )
  const failed = collect(worker, 'failed', 3)
  const job = await queue.add('x', {}, { attempts: 3, backoff: { type: 'exponential', delay: 200 } })
  const events = await failed
  await worker.close()
  assert.deepEqual(
    events.map(([j, err]) => [j.attemptsMade, err.message]),
    [
      [1, 'attempt 1'],
      [2, 'attempt 2'],
      [3, 'attempt 3'],
    ]
  )
  const gaps = [times[1] - times[0], times[2] - times[1]]
  assert.ok(gaps[0] >= 200 && gaps[0] < 1500, `first retry after ${gaps[0]} ms`)
  assert.ok(gaps[1] >= 400 && gaps[1] < 2000, `second retry after ${gaps[1]} ms`)
  const stored = await queue.getJob(job.id)
  assert.equal(await stored.getState(), 'failed')
  assert.equal(stored.failedReason, 'attempt 3')
  assert.equal(stored.stacktrace.length, 3)
  // An UnrecoverableError fails at once, whatever attempts are left.
  const w2 = new Worker(
    name,
    async () => {
      throw new UnrecoverableError('no')
    },
    { connection: redis }
  )
  const once = collect(w2, 'failed', 1)
  const j2 = await queue.add('y', {}, { attempts: 5 })
  await once
  await w2.close()
  assert.equal((await queue.getJob(j2.id)).attemptsMade, 1)
  await queue.close()
})

test('delay, priority (lower first, FIFO within one), lifo', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const t0 = Date.now()
  const delayed = await queue.add('late', { k: 'late' }, { delay: 400 })
  assert.equal(await delayed.getState(), 'delayed')
  for (const [k, priority] of [['p3', 3], ['p1a', 1], ['p2', 2], ['p1b', 1]]) await queue.add(k, { k }, { priority })
  await queue.add('plain', { k: 'plain' })
  await queue.add('lifo', { k: 'lifo' }, { lifo: true })
  assert.equal((await queue.getJobCounts('prioritized')).prioritized, 4)
  const order = []
  const started = {}
  const worker = new Worker(
    name,
    async (job) => {
      order.push(job.data.k)
      started[job.data.k] = Date.now()
    },
    { connection: redis }
  )
  await collect(worker, 'completed', 7)
  await worker.close()
  assert.deepEqual(order.slice(0, 6), ['lifo', 'plain', 'p1a', 'p1b', 'p2', 'p3'])
  assert.equal(order[6], 'late')
  assert.ok(started.late - t0 >= 400, `delayed job started after ${started.late - t0} ms`)
  await queue.close()
})

test('jobId de-duplicates, even after completion; counts, getJob, getJobs, getState', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const a = await queue.add('n', { v: 1 }, { jobId: 'order:42' })
  const b = await queue.add('n', { v: 2 }, { jobId: 'order:42' })
  assert.equal(a.id, 'order:42')
  assert.equal(b.id, 'order:42')
  assert.equal((await queue.getJobCounts('waiting')).waiting, 1)
  assert.deepEqual((await queue.getJob('order:42')).data, { v: 1 })
  assert.equal(await queue.getJob('nope'), undefined)
  const worker = new Worker(name, async (job) => job.data.v * 10, { connection: redis })
  await collect(worker, 'completed', 1)
  await queue.add('n', { v: 3 }, { jobId: 'order:42' })
  assert.equal((await queue.getJobCounts('waiting')).waiting, 0, 'ignored after completion too')
  const done = await queue.getJob('order:42')
  assert.equal(done.returnvalue, 10)
  assert.ok(done.finishedOn >= done.processedOn && done.processedOn >= done.timestamp)
  await worker.close()
  await queue.add('w', {})
  await queue.add('d', {}, { delay: 60_000 })
  const counts = await queue.getJobCounts()
  assert.equal(counts.completed, 1)
  assert.equal(counts.waiting, 1)
  assert.equal(counts.delayed, 1)
  assert.equal(counts.active, 0)
  const jobs = await queue.getJobs(['completed', 'delayed'])
  assert.deepEqual(jobs.map((j) => j.name).sort(), ['d', 'n'])
  assert.equal(await queue.count(), 2)
  await queue.close()
})

test('bad arguments are refused before anything is sent', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  await assert.rejects(queue.add(42, {}), { name: 'TypeError', code: 'ERR_INVALID_ARG' })
  await assert.rejects(queue.add('n', {}, { delay: -1 }), { name: 'RangeError' })
  await assert.rejects(queue.add('n', {}, { priority: 1.5 }), { name: 'RangeError' })
  await assert.rejects(queue.add('n', {}, { attempts: 0.5 }), { name: 'RangeError' })
  await assert.rejects(queue.add('n', {}, { jobId: '17' }), { name: 'TypeError' })
  await assert.rejects(queue.add('n', {}, { jobId: {} }), { name: 'TypeError' })
  await assert.rejects(queue.add('n', {}, { backoff: 'soon' }), { name: 'TypeError' })
  const cyclic = {}
  cyclic.self = cyclic
  await assert.rejects(queue.add('n', cyclic), { name: 'TypeError' })
  await assert.rejects(queue.addBulk([{ name: 'ok', data: {} }, { name: 'bad', data: {}, opts: { delay: 'x' } }]), { name: 'RangeError' })
  assert.equal(await queue.count(), 0, 'a bulk with one bad job adds none')
  assert.throws(() => new Queue('a:b', { connection: redis }), { name: 'TypeError' })
  assert.throws(() => new Queue('', { connection: redis }), { name: 'TypeError' })
  assert.throws(() => new Worker(name, 'processor.js', { connection: redis }), { name: 'TypeError' })
  assert.throws(() => new Worker(name, async () => {}, { connection: redis, concurrency: 0 }), { name: 'RangeError' })
  await assert.rejects(queue.upsertJobScheduler('s', { pattern: '61 * * * *' }), { name: 'RangeError' })
  await assert.rejects(queue.upsertJobScheduler('s', { pattern: '* * * * *', tz: 'Mars/Base' }), { name: 'RangeError' })
  await queue.close()
})

test('pause, resume, drain, clean, remove, retry, removeOnComplete, obliterate', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  await queue.pause()
  assert.equal(await queue.isPaused(), true)
  let ran = 0
  const worker = new Worker(
    name,
    async (job) => {
      ran++
      if (job.data.fail) throw new Error('bad')
      return 'ok'
    },
    { connection: redis, drainDelay: 1 }
  )
  await queue.add('a', {})
  await sleep(300)
  assert.equal(ran, 0, 'a paused queue hands out nothing')
  const completed = collect(worker, 'completed', 1)
  await queue.resume()
  await completed
  // removeOnComplete: keep the last 2.
  const three = collect(worker, 'completed', 3)
  for (let i = 0; i < 3; i++) await queue.add('k', { i }, { removeOnComplete: 2 })
  await three
  assert.equal((await queue.getJobCounts('completed')).completed, 2)
  const failed = collect(worker, 'failed', 1)
  const bad = await queue.add('bad', { fail: true })
  await failed
  await worker.close()
  // retry moves it back to wait; remove deletes it.
  const job = await queue.getJob(bad.id)
  await job.retry()
  assert.equal(await job.getState(), 'waiting')
  assert.equal(await queue.remove(bad.id), 1)
  assert.equal(await queue.getJob(bad.id), undefined)
  await queue.add('w1', {})
  await queue.add('w2', {}, { delay: 60_000 })
  await queue.drain()
  const c = await queue.getJobCounts('waiting', 'delayed')
  assert.deepEqual(c, { waiting: 0, delayed: 1 })
  const cleaned = await queue.clean(0, 10, 'completed')
  assert.equal(cleaned.length, 2)
  await queue.obliterate()
  assert.equal(cli(server.port, 'EVAL', `return #redis.call('KEYS', ARGV[1])`, '0', `bull:{${name}}:*`), '0')
  await queue.close()
})

test('1,000 jobs over 4 worker processes: each processed exactly once', async () => {
  const name = fresh()
  await redis.del('runs')
  const queue = new Queue(name, { connection: redis })
  const children = [1, 2, 3, 4].map(() => workerProcess(name, 'count', { CONCURRENCY: '10' }))
  await Promise.all(children.map((c) => c.ready))
  await queue.addBulk(Array.from({ length: 1000 }, (_, i) => ({ name: 'n', data: { i } })))
  await waitFor(async () => (await queue.getJobCounts('completed')).completed === 1000, 60000)
  const runs = await redis.hgetall('runs')
  assert.equal(Object.keys(runs).length, 1000)
  assert.ok(Object.values(runs).every((n) => n === '1'), 'no job ran twice')
  const perProcess = children.map((c) => c.lines.filter((l) => l.startsWith('completed')).length)
  assert.equal(perProcess.reduce((a, b) => a + b, 0), 1000)
  for (const c of children) c.kill('SIGKILL')
  await Promise.all(children.map((c) => c.exited))
  await queue.close()
})

test('a worker killed with SIGKILL while holding jobs: another worker finishes them', async () => {
  const name = fresh()
  await redis.del('runs')
  const queue = new Queue(name, { connection: redis })
  const child = workerProcess(name, 'hang', { CONCURRENCY: '3', LOCK_MS: '1000' })
  await child.ready
  await queue.addBulk([1, 2, 3].map((i) => ({ name: 'n', data: { i } })))
  await waitFor(async () => (await queue.getJobCounts('active')).active === 3)
  child.kill('SIGKILL')
  await child.exited
  const t = Date.now()
  const worker = new Worker(name, async (job) => job.id, { connection: redis, concurrency: 3, stalledInterval: 300, lockDuration: 1000 })
  const stalled = collect(worker, 'stalled', 3)
  await collect(worker, 'completed', 3)
  const recovered = Date.now() - t
  assert.equal((await stalled).length, 3)
  assert.ok(recovered < 1000 + 300 + 2000, `recovered in ${recovered} ms`)
  await worker.close()
  assert.equal((await queue.getJobCounts('completed')).completed, 3)
  await queue.close()
})

test('a processor that blocks its event loop for 3 x lockDuration keeps its job: it runs once and completes', async () => {
  const name = fresh()
  await redis.del('runs')
  const queue = new Queue(name, { connection: redis })
  const child = workerProcess(name, 'block', { LOCK_MS: '500', BLOCK_MS: '1500' })
  await child.ready
  // A second worker here, checking for stalled jobs every 100 ms, ready to steal.
  const thief = new Worker(name, async () => 'stolen', { connection: redis, stalledInterval: 100, lockDuration: 500 })
  let stalled = 0
  thief.on('stalled', () => stalled++)
  const job = await queue.add('blocker', {})
  const done = new Promise((r) => child.on('line', (l) => l === `completed ${job.id}` && r()))
  await done
  await thief.close()
  assert.equal(stalled, 0)
  assert.equal(await redis.hget('runs', job.id), '1', 'ran once')
  const stored = await queue.getJob(job.id)
  assert.equal(stored.returnvalue, 'done')
  assert.equal(stored.attemptsMade, 1)
  child.kill('SIGKILL')
  await child.exited
  await queue.close()
})

test('close() waits for the active job, and the process then exits by itself', async () => {
  const name = fresh()
  await redis.del('runs')
  const queue = new Queue(name, { connection: redis })
  const child = workerProcess(name, 'close')
  await child.ready
  const job = await queue.add('slow', {})
  const { code, signal } = await child.exited
  assert.equal(signal, null)
  assert.equal(code, 0)
  const lines = child.lines
  assert.ok(lines.indexOf(`completed ${job.id}`) >= 0 && lines.indexOf(`completed ${job.id}`) < lines.indexOf('closed'), lines.join(' | '))
  assert.equal(await redis.hget('runs', job.id), '1')
  await queue.close()
})

test('a completion from a worker that lost its lease is not accepted, and says so', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  let release
  const gate = new Promise((r) => (release = r))
  const worker = new Worker(name, async () => gate, { connection: redis })
  const errors = collect(worker, 'error', 1)
  let completed = 0
  worker.on('completed', () => completed++)
  const job = await queue.add('n', {})
  await waitFor(async () => (await queue.getJobCounts('active')).active === 1)
  // Another party takes the lease over (as after an expiry and a re-delivery).
  await redis.set(`bull:{${name}}:l:${job.id}`, 'someone-else')
  release('late')
  const [[err]] = await errors
  assert.equal(err.code, 'ERR_QUEUE_LEASE_LOST')
  assert.equal(completed, 0)
  assert.equal(await (await queue.getJob(job.id)).getState(), 'active', 'the other holder still has it')
  await worker.close(true)
  await queue.close()
})

test('job schedulers: every and cron patterns fire on time; limit; remove', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const starts = []
  const worker = new Worker(
    name,
    async (job) => {
      starts.push([job.repeatJobKey, Date.now()])
    },
    { connection: redis }
  )
  await queue.upsertJobScheduler('tick', { every: 300, limit: 4 }, { name: 'tick', data: { n: 1 } })
  await waitFor(() => starts.filter(([k]) => k === 'tick').length >= 4)
  const ticks = starts.filter(([k]) => k === 'tick').map(([, t]) => t)
  for (let i = 1; i < ticks.length; i++) {
    const gap = ticks[i] - ticks[i - 1]
    assert.ok(gap >= 250 && gap < 900, `gap ${gap} ms`)
  }
  await sleep(500)
  assert.equal(starts.filter(([k]) => k === 'tick').length, 4, 'limit respected')
  // Every second, on the second (6-field pattern), in a named time zone.
  await queue.upsertJobScheduler('cron', { pattern: '*/1 * * * * *', tz: 'Europe/Paris' }, { name: 'c' })
  await waitFor(() => starts.filter(([k]) => k === 'cron').length >= 2, 5000)
  for (const [, t] of starts.filter(([k]) => k === 'cron')) assert.ok(t % 1000 < 400, `fired ${t % 1000} ms after the second`)
  const list = await queue.getJobSchedulers()
  assert.deepEqual(list.map((s) => s.key).sort(), ['cron', 'tick'])
  assert.equal(await queue.removeJobScheduler('cron'), true)
  const n = starts.filter(([k]) => k === 'cron').length
  await sleep(1500)
  assert.ok(starts.filter(([k]) => k === 'cron').length <= n + 1, 'no runs after removal (one may have started)')
  await worker.close()
  await queue.close()
})

test('cron: next runs across a daylight-saving change and in a DST gap', () => {
  const { nextRun } = require('../lib/cron')
  // 09:00 in Paris: 08:00Z before the change on 29 March 2026, 07:00Z after.
  assert.equal(new Date(nextRun('0 9 * * *', Date.UTC(2026, 2, 28, 10), 'Europe/Paris')).toISOString(), '2026-03-29T07:00:00.000Z')
  assert.equal(new Date(nextRun('0 9 * * *', Date.UTC(2026, 2, 27, 10), 'Europe/Paris')).toISOString(), '2026-03-28T08:00:00.000Z')
  // 02:30 does not exist in Paris on 29 March: the next one is the day after.
  assert.equal(new Date(nextRun('30 2 * * *', Date.UTC(2026, 2, 28, 12), 'Europe/Paris')).toISOString(), '2026-03-30T00:30:00.000Z')
  assert.equal(new Date(nextRun('0 0 * * MON', Date.UTC(2026, 0, 1))).toISOString(), '2026-01-05T00:00:00.000Z')
  assert.equal(new Date(nextRun('15,45 */6 1-3 JAN-FEB *', Date.UTC(2026, 0, 3, 19))).toISOString(), '2026-02-01T00:15:00.000Z')
})

test('QueueEvents: the job lifecycle, waitUntilFinished, and no event lost across a reconnect', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const events = new QueueEvents(name, { connection: redis, blockingTimeout: 500 })
  events.on('error', () => {})
  await events.waitUntilReady()
  const seen = []
  for (const e of ['waiting', 'active', 'progress', 'completed', 'failed', 'delayed', 'removed']) events.on(e, (args) => seen.push([e, args.jobId]))
  const worker = new Worker(
    name,
    async (job) => {
      await job.updateProgress(50)
      if (job.data.fail) throw new Error('nope')
      return { sum: job.data.a + job.data.b }
    },
    { connection: redis }
  )
  const job = await queue.add('sum', { a: 1, b: 2 })
  assert.deepEqual(await job.waitUntilFinished(events, 5000), { sum: 3 })
  const bad = await queue.add('sum', { fail: true })
  await assert.rejects(bad.waitUntilFinished(events, 5000), /nope/)
  await waitFor(() => seen.some(([e, id]) => e === 'failed' && id === bad.id))
  assert.deepEqual(
    seen.filter(([, id]) => id === job.id).map(([e]) => e),
    ['waiting', 'active', 'progress', 'completed']
  )
  await worker.close()
  // Kill QueueEvents' connection (the one blocked in XREAD); jobs added while it is down
  // still arrive, once each, in order.
  const waiting = []
  events.on('waiting', (args) => waiting.push(args.jobId))
  await waitFor(() => /cmd=xread/.test(cli(server.port, 'CLIENT', 'LIST')))
  const reader = cli(server.port, 'CLIENT', 'LIST')
    .split('\n')
    .find((l) => l.includes('cmd=xread'))
  cli(server.port, 'CLIENT', 'KILL', 'ID', reader.match(/id=(\d+)/)[1])
  const ids = []
  for (let i = 0; i < 5; i++) ids.push((await queue.add('after', { i })).id)
  await waitFor(() => waiting.length >= 5)
  await sleep(200)
  assert.deepEqual(waiting, ids)
  await events.close()
  await queue.close()
})

test('a Worker with connection options makes its own client and closes it', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: { port: server.port } })
  const worker = new Worker(name, async (job) => job.data.x * 2, { connection: server.url })
  const done = collect(worker, 'completed', 1)
  await queue.add('n', { x: 21 })
  const [[, result]] = await done
  assert.equal(result, 42)
  await worker.close()
  await queue.close()
  assert.equal(worker._client.status, 'end')
})

test('worker limiter, a custom backoff strategy, worker pause/resume, job logs, drained', async () => {
  const name = fresh()
  const queue = new Queue(name, { connection: redis })
  const starts = []
  const worker = new Worker(
    name,
    async (job) => {
      starts.push(Date.now())
      await job.log(`run ${job.attemptsMade + 1}`)
      if (job.data.flaky && job.attemptsMade === 0) throw new Error('first try fails')
    },
    { connection: redis, concurrency: 10, limiter: { max: 4, duration: 400 }, settings: { backoffStrategy: (attemptsMade, type) => (type === 'linear' ? attemptsMade * 150 : 0) } }
  )
  const drained = new Promise((r) => worker.once('drained', r))
  await queue.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'n', data: { i } })))
  await collect(worker, 'completed', 12)
  await drained
  // No window of 400 ms holds more than 4 starts.
  for (let i = 4; i < starts.length; i++) assert.ok(starts[i] - starts[i - 4] >= 390, `starts ${i - 4} and ${i} only ${starts[i] - starts[i - 4]} ms apart`)
  assert.ok(starts[11] - starts[0] >= 800, 'three windows for twelve jobs')
  // A custom backoff type goes to settings.backoffStrategy.
  const failedAt = []
  worker.on('failed', () => failedAt.push(Date.now()))
  const flaky = await queue.add('f', { flaky: true }, { attempts: 2, backoff: { type: 'linear' } })
  await collect(worker, 'completed', 1)
  const n = starts.length
  assert.ok(starts[n - 1] - failedAt[0] >= 140, `retried ${starts[n - 1] - failedAt[0]} ms after failing`)
  assert.deepEqual((await queue.getJobLogs(flaky.id)).logs, ['run 1', 'run 2'])
  // A paused worker takes nothing until resumed.
  await worker.pause()
  assert.equal(worker.isPaused(), true)
  await queue.add('p', {})
  await sleep(300)
  assert.equal((await queue.getJobCounts('waiting')).waiting, 1)
  const after = collect(worker, 'completed', 1)
  worker.resume()
  await after
  await worker.close()
  await queue.close()
})
