'use strict'
// Our queues on BullMQ's own data, proved with real BullMQ (devDependency) on a real
// redis-server: jobs added by BullMQ run on our workers and the reverse, each side's
// QueueEvents sees the other's events, BullMQ reads the job data we write, a mixed fleet
// shares one queue with retries, delays and priorities (every job exactly once, counts the
// same from both sides), and a stalled job of either side is recovered by the other.
const test = require('node:test')
const assert = require('node:assert/strict')
const bullmq = require('bullmq')
const { RedisServer, waitFor } = require('./helpers')
const ours = require('..')

let server
let redis
const connection = () => ({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null })
let n = 0
const fresh = () => `interop-${process.pid}-${++n}`

test.before(async () => {
  server = await RedisServer.start()
  redis = new ours.Redis({ port: server.port })
})
test.after(async () => {
  redis.disconnect()
  await server.stop()
})

test('BullMQ adds, our Worker processes; BullMQ QueueEvents and Job.fromId see what we wrote', async (t) => {
  const name = fresh()
  const queue = new bullmq.Queue(name, { connection: connection() })
  const events = new bullmq.QueueEvents(name, { connection: connection(), lastEventId: '0-0' })
  t.after(() => Promise.all([queue.close(), events.close()]))
  await events.waitUntilReady()
  const worker = new ours.Worker(
    name,
    async (job) => {
      await job.updateProgress({ step: 1 })
      await job.log(`handled ${job.data.x}`)
      if (job.data.x === 2 && job.attemptsMade === 0) throw new Error('first try fails')
      return { double: job.data.x * 2 }
    },
    { connection: redis }
  )
  t.after(() => worker.close())
  const completed = new Map()
  events.on('completed', ({ jobId, returnvalue }) => completed.set(jobId, returnvalue))
  const one = await queue.add('calc', { x: 1 })
  const [two, three] = await queue.addBulk([
    { name: 'calc', data: { x: 2 }, opts: { attempts: 2 } },
    { name: 'calc', data: { x: 3 }, opts: { priority: 3 } },
  ])
  const four = await queue.add('calc', { x: 4 }, { delay: 200 })
  await waitFor(() => completed.size === 4, 10000)
  // BullMQ's QueueEvents parses returnvalue as JSON.
  assert.deepEqual(completed.get(one.id), { double: 2 })
  assert.deepEqual(completed.get(four.id), { double: 8 })
  const j2 = await bullmq.Job.fromId(queue, two.id)
  assert.deepEqual(j2.returnvalue, { double: 4 })
  assert.equal(j2.attemptsMade, 2, 'one failed attempt and the successful one')
  assert.equal(j2.failedReason, 'first try fails')
  assert.ok(j2.finishedOn >= j2.processedOn && j2.processedOn >= j2.timestamp)
  assert.deepEqual(j2.progress, { step: 1 })
  assert.equal(await j2.getState(), 'completed')
  const logs = await queue.getJobLogs(three.id)
  assert.deepEqual(logs, { logs: ['handled 3'], count: 1 })
  assert.deepEqual(await queue.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed', 'prioritized'), { completed: 4, failed: 0, wait: 0, active: 0, delayed: 0, prioritized: 0 })
})

test('our Queue adds, BullMQ Worker processes; our QueueEvents sees BullMQ events; our getters read its results', async (t) => {
  const name = fresh()
  const queue = new ours.Queue(name, { connection: redis })
  const events = new ours.QueueEvents(name, { connection: redis })
  t.after(() => Promise.all([queue.close(), events.close()]))
  await events.waitUntilReady()
  const seen = []
  const worker = new bullmq.Worker(
    name,
    async (job) => {
      seen.push(job.data.x)
      await job.updateProgress(50)
      if (job.data.x === 5) throw new Error('no fives')
      return job.data.x + 100
    },
    { connection: connection() }
  )
  t.after(() => worker.close())
  const done = new Map()
  events.on('completed', ({ jobId, returnvalue }) => done.set(jobId, returnvalue))
  events.on('failed', ({ jobId, failedReason }) => done.set(jobId, failedReason))
  const jobs = await queue.addBulk([1, 2, 3, 4, 5].map((x) => ({ name: 'n', data: { x }, opts: x === 3 ? { priority: 1 } : x === 4 ? { delay: 150 } : {} })))
  await waitFor(() => done.size === 5, 10000)
  assert.equal(done.get(jobs[0].id), 101)
  assert.equal(done.get(jobs[4].id), 'no fives')
  // FIFO first, the prioritized one when wait is empty, the delayed one when due.
  assert.deepEqual(seen.slice(0, 2), [1, 2])
  const j = await queue.getJob(jobs[1].id)
  assert.equal(j.returnvalue, 102)
  assert.equal(j.attemptsMade, 1)
  assert.equal(j.progress, 50)
  assert.equal(await j.getState(), 'completed')
  const failed = await queue.getJob(jobs[4].id)
  assert.equal(failed.failedReason, 'no fives')
  assert.equal(await failed.getState(), 'failed')
  assert.deepEqual(await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'), { completed: 4, failed: 1, waiting: 0, active: 0, delayed: 0 })
})

test('a mixed fleet (2 BullMQ workers, 2 of ours) shares one queue with retries, delays and priorities: each job completes once', async (t) => {
  const name = fresh()
  const total = 600
  const theirs = new bullmq.Queue(name, { connection: connection() })
  const mine = new ours.Queue(name, { connection: redis })
  t.after(() => Promise.all([theirs.close(), mine.close()]))
  const runs = new Map()
  const by = { ours: 0, bullmq: 0 }
  const processor = (side) => async (job) => {
    runs.set(job.data.i, (runs.get(job.data.i) || 0) + 1)
    if (job.data.i % 7 === 0 && job.attemptsMade === 0) throw new Error('retry me')
    by[side]++
    return job.data.i
  }
  const workers = [
    new bullmq.Worker(name, processor('bullmq'), { connection: connection(), concurrency: 5 }),
    new bullmq.Worker(name, processor('bullmq'), { connection: connection(), concurrency: 5 }),
    new ours.Worker(name, processor('ours'), { connection: redis, concurrency: 5 }),
    new ours.Worker(name, processor('ours'), { connection: redis, concurrency: 5 }),
  ]
  t.after(() => Promise.all(workers.map((w) => w.close())))
  const spec = (i) => ({ name: 'j', data: { i }, opts: { attempts: 2, backoff: i % 2 ? 20 : 0, ...(i % 5 === 0 ? { priority: 1 + (i % 3) } : {}), ...(i % 11 === 0 ? { delay: 50 } : {}) } })
  const half = total / 2
  await theirs.addBulk(Array.from({ length: half }, (_, i) => spec(i)))
  await mine.addBulk(Array.from({ length: half }, (_, i) => spec(half + i)))
  await waitFor(async () => (await mine.getJobCountByTypes('completed')) === total, 60000)
  const twice = [...runs].filter(([i, c]) => c !== (i % 7 === 0 ? 2 : 1))
  assert.deepEqual(twice, [], 'every job ran once (twice for the ones failing their first attempt)')
  assert.ok(by.ours > 0 && by.bullmq > 0, `both sides worked: ${JSON.stringify(by)}`)
  const a = await mine.getJobCounts('completed', 'failed', 'active', 'delayed', 'prioritized', 'waiting')
  const b = await theirs.getJobCounts('completed', 'failed', 'active', 'delayed', 'prioritized', 'waiting')
  assert.deepEqual(a, b)
  assert.equal(a.completed, total)
})

test('a stalled job of either side is recovered by the other side', async (t) => {
  const name = fresh()
  const mine = new ours.Queue(name, { connection: redis })
  t.after(() => mine.close())
  // A job taken and never finished: an active job whose lock is gone (as after a crash).
  const job = await mine.add('s', { v: 1 })
  await redis.lmove(`bull:${name}:wait`, `bull:${name}:active`, 'RIGHT', 'LEFT')
  const worker = new bullmq.Worker(name, async (j) => j.data.v + 1, { connection: connection(), stalledInterval: 100 })
  t.after(() => worker.close())
  const done = new Promise((resolve) => worker.on('completed', (j, rv) => resolve([j.id, rv])))
  assert.deepEqual(await done, [job.id, 2], 'BullMQ recovered and ran our stalled job')

  const theirs = new bullmq.Queue(name, { connection: connection() })
  t.after(() => theirs.close())
  await worker.close()
  const job2 = await theirs.add('s', { v: 10 })
  await redis.lmove(`bull:${name}:wait`, `bull:${name}:active`, 'RIGHT', 'LEFT')
  const ourWorker = new ours.Worker(name, async (j) => j.data.v + 1, { connection: redis, stalledInterval: 100 })
  t.after(() => ourWorker.close())
  const stalled = new Promise((resolve) => ourWorker.on('stalled', resolve))
  const done2 = new Promise((resolve) => ourWorker.on('completed', (j, rv) => resolve([j.id, rv])))
  assert.equal(await stalled, job2.id)
  assert.deepEqual(await done2, [job2.id, 11], 'we recovered and ran a stalled job BullMQ added')
})

test('job schedulers made by either side run on the other, and a mixed fleet runs each iteration once', async (t) => {
  const name = fresh()
  const theirs = new bullmq.Queue(name, { connection: connection() })
  const mine = new ours.Queue(name, { connection: redis })
  t.after(() => Promise.all([theirs.close(), mine.close()]))
  await theirs.upsertJobScheduler('tick', { every: 200 }, { name: 'tick', data: { from: 'bullmq' } })
  await mine.upsertJobScheduler('tock', { every: 200 }, { name: 'tock', data: { from: 'ours' } })
  const s = await mine.getJobScheduler('tick')
  assert.equal(s.every, 200, 'we read the scheduler BullMQ wrote')
  assert.equal((await theirs.getJobScheduler('tock')).every, 200, 'BullMQ reads the one we wrote')
  const runs = []
  const processor = (side) => async (job) => {
    runs.push([job.id, job.name, side])
  }
  const workers = [new bullmq.Worker(name, processor('bullmq'), { connection: connection() }), new ours.Worker(name, processor('ours'), { connection: redis })]
  t.after(() => Promise.all(workers.map((w) => w.close())))
  const count = (n, side) => runs.filter(([, jn, s2]) => jn === n && (side === undefined || s2 === side)).length
  await waitFor(() => count('tick') >= 5 && count('tock') >= 5, 15000)
  const ids = runs.map(([id]) => id)
  assert.equal(new Set(ids).size, ids.length, `no iteration ran twice: ${ids.join(' ')}`)
  for (const [id, n] of runs) assert.match(id, new RegExp(`^repeat:${n}:\\d+$`))
  assert.ok(runs.some(([, , side]) => side === 'ours') && runs.some(([, , side]) => side === 'bullmq'), JSON.stringify(runs))
})

test("BullMQ's job operations on our side (deduplication, promote, changePriority, manual processing, rate limit), read back through BullMQ", async (t) => {
  const name = fresh()
  const mine = new ours.Queue(name, { connection: redis })
  const theirs = new bullmq.Queue(name, { connection: connection() })
  t.after(() => Promise.all([mine.close(), theirs.close()]))

  // Deduplication: one key, held by the first job, seen by BullMQ, honoured by BullMQ's adds.
  const first = await mine.add('d', { n: 1 }, { deduplication: { id: 'dd' } })
  const again = await mine.add('d', { n: 2 }, { deduplication: { id: 'dd' } })
  assert.equal(again.id, first.id, 'our second add is deduplicated')
  assert.equal(await theirs.getDeduplicationJobId('dd'), first.id)
  const viaBull = await theirs.add('d', { n: 3 }, { deduplication: { id: 'dd' } })
  assert.equal(await theirs.getJobCountByTypes('wait'), 1, `BullMQ's add was deduplicated too (got ${viaBull.id})`)
  assert.equal(await mine.getDeduplicationJobId('dd'), first.id)

  // promote and changePriority, read by BullMQ.
  const later = await mine.add('p', {}, { delay: 60_000 })
  assert.equal(await (await bullmq.Job.fromId(theirs, later.id)).getState(), 'delayed')
  await later.promote()
  assert.equal(await (await bullmq.Job.fromId(theirs, later.id)).getState(), 'waiting')
  await later.changePriority({ priority: 7 })
  const reread = await bullmq.Job.fromId(theirs, later.id)
  assert.equal(reread.priority, 7)
  assert.equal(await reread.getState(), 'prioritized')
  await assert.rejects(first.promote(), (e) => e.code === 'ERR_QUEUE_JOB_STATE')

  // Manual processing: jobs taken by hand in FIFO order, then by priority.
  const manual = new ours.Worker(name, null, { connection: redis })
  t.after(() => manual.close())
  const job = await manual.getNextJob('tok')
  assert.equal(job.id, first.id)
  assert.equal(await job.extendLock('tok', 60_000), 1)
  assert.equal(await job.extendLock('other', 60_000), 0)
  await assert.rejects(job.moveToCompleted('x', 'other'), (e) => e.code === 'ERR_QUEUE_LEASE_LOST')
  const next = await job.moveToCompleted({ ok: 1 }, 'tok', true)
  assert.equal(next.id, later.id, 'the next job comes with the completion')
  await next.moveToFailed(new Error('by hand'), 'tok')
  const done = await bullmq.Job.fromId(theirs, first.id)
  assert.deepEqual([done.returnvalue, await done.getState()], [{ ok: 1 }, 'completed'])
  const failed = await bullmq.Job.fromId(theirs, later.id)
  assert.deepEqual([failed.failedReason, await failed.getState()], ['by hand', 'failed'])
  assert.equal(await theirs.getDeduplicationJobId('dd'), null, 'the key went with its job')

  // A rate-limited processor: the job goes back without spending an attempt, and runs later.
  let calls = 0
  const worker = new ours.Worker(
    name,
    async (j) => {
      if (++calls === 1) {
        await worker.rateLimit(150)
        throw ours.Worker.RateLimitError()
      }
      return j.attemptsMade
    },
    // As in BullMQ, a manual rate limit holds workers that have a limiter.
    { connection: redis, limiter: { max: 1000, duration: 1000 } }
  )
  t.after(() => worker.close())
  const finished = new Promise((resolve) => worker.on('completed', (j, rv) => resolve(rv)))
  const failedEvents = []
  worker.on('failed', (j, e) => failedEvents.push(e))
  const t0 = Date.now()
  await mine.add('r', {})
  assert.equal(await finished, 0, 'the rate-limited attempt did not count')
  assert.ok(Date.now() - t0 >= 140, 'the queue waited for the limit')
  assert.deepEqual(failedEvents, [])
})

test('in a mixed fleet, our worker whose processor blocks its event loop for 3 × lockDuration keeps its job: BullMQ does not take it, it runs once', async (t) => {
  const path = require('path')
  const { spawn } = require('child_process')
  const name = fresh()
  await redis.del('runs')
  const theirs = new bullmq.Queue(name, { connection: connection() })
  t.after(() => theirs.close())
  // Ours, in a process of its own: blocks 3 s with a 1 s lock.
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'queue-worker.js'), String(server.port), name, 'block'], {
    env: { ...process.env, BLOCK_MS: '3000', LOCK_MS: '1000', STALLED_MS: '300' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise((r) => child.once('exit', r))
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  let out = ''
  const seen = (word) =>
    new Promise((resolve) => {
      const check = () => out.includes(word) && resolve()
      child.stdout.on('data', (d) => ((out += d), check()))
      check()
    })
  await seen('ready')
  const job = await theirs.add('b', {})
  await seen(`active ${job.id}`)
  // BullMQ's worker joins now, checking for stalled jobs every 300 ms.
  const stalled = []
  const ran = []
  const worker = new bullmq.Worker(name, async (j) => ran.push(j.id), { connection: connection(), stalledInterval: 300, lockDuration: 1000 })
  worker.on('stalled', (id) => stalled.push(id))
  t.after(() => worker.close())
  await seen(`completed ${job.id}`)
  const done = await bullmq.Job.fromId(theirs, job.id)
  assert.equal(await done.getState(), 'completed')
  assert.equal(done.returnvalue, 'done')
  assert.deepEqual([stalled, ran], [[], []], 'BullMQ neither recovered nor ran it')
  assert.equal(await redis.hget('runs', job.id), '1', 'it ran once')
})
