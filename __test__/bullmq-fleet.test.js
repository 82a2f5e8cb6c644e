'use strict'
// A mixed fleet in separate processes: 2 BullMQ workers and 2 of ours on one queue, 10,000
// jobs added by both sides with retries, delays and priorities. One of our workers and then
// one of BullMQ's are SIGKILLed mid-run; whichever stalled check runs first recovers their
// jobs. Every job completes exactly once, and both sides count the same.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { spawn } = require('child_process')
const bullmq = require('bullmq')
const { RedisServer, waitFor, cli } = require('./helpers')
const ours = require('..')

const WORKER = path.join(__dirname, 'fixtures', 'fleet-worker.js')

function fleetWorker(side, port, name) {
  const child = spawn(process.execPath, [WORKER, side, String(port), name], { stdio: ['ignore', 'pipe', 'inherit'] })
  child.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`${side} worker exited (${code}) before it was ready`)))
  })
  child.ready.catch(() => {})
  child.exited = new Promise((r) => child.once('exit', r))
  return child
}

test('2 BullMQ workers and 2 of ours, separate processes, 10,000 jobs, one of each side SIGKILLed: each job completes once', async (t) => {
  const server = await RedisServer.start()
  const redis = new ours.Redis({ port: server.port })
  const name = 'fleet'
  const theirs = new bullmq.Queue(name, { connection: { port: server.port } })
  const mine = new ours.Queue(name, { connection: redis })
  const children = [fleetWorker('ours', server.port, name), fleetWorker('ours', server.port, name), fleetWorker('bullmq', server.port, name), fleetWorker('bullmq', server.port, name)]
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await Promise.all(children.map((c) => c.exited))
    await Promise.all([theirs.close(), mine.close()])
    redis.disconnect()
    await server.stop()
  })
  await Promise.all(children.map((c) => c.ready))
  const total = 10000
  const spec = (i) => ({ name: 'f', data: { i }, opts: { attempts: 2, backoff: 10, removeOnComplete: false, ...(i % 9 === 0 ? { priority: 1 + (i % 4) } : {}), ...(i % 17 === 0 ? { delay: 30 } : {}) } })
  for (let i = 0; i < total; i += 1000) {
    const list = Array.from({ length: 1000 }, (_, j) => spec(i + j))
    await (i % 2000 === 0 ? mine.addBulk(list) : theirs.addBulk(list))
  }
  const completed = () => mine.getJobCountByTypes('completed')
  await waitFor(async () => (await completed()) >= total * 0.3, 60000)
  children[0].kill('SIGKILL')
  await children[0].exited
  await waitFor(async () => (await completed()) >= total * 0.6, 60000)
  children[2].kill('SIGKILL')
  await children[2].exited
  await waitFor(async () => (await completed()) === total, 60000)

  const a = await mine.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized')
  const b = await theirs.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized')
  assert.deepEqual(a, b, 'both sides count the same')
  assert.deepEqual(a, { completed: total, failed: 0, active: 0, waiting: 0, delayed: 0, prioritized: 0 })
  // Runs: once per job, twice where the first attempt fails by design; a job active in a
  // killed worker may have run once more (at least once, as with any queue).
  const runs = cli(server.port, 'HGETALL', 'runs').split('\n')
  const byId = new Map()
  for (let i = 0; i + 1 < runs.length; i += 2) byId.set(runs[i], Number(runs[i + 1]))
  assert.equal(byId.size, total, 'every job ran')
  const jobs = await mine.getJobs(['completed'])
  assert.equal(new Set(jobs.map((j) => j.id)).size, total, 'each completed once')
  let extra = 0
  for (const j of jobs) {
    const expected = j.data.i % 13 === 0 ? 2 : 1
    assert.ok(byId.get(j.id) >= expected, `job ${j.id} ran ${byId.get(j.id)} times`)
    extra += byId.get(j.id) - expected
    assert.equal(j.returnvalue, j.data.i)
  }
  assert.ok(extra <= 2 * 8, `re-runs only for jobs active in the two killed workers (concurrency 8): ${extra}`)
  t.diagnostic(`10,000 jobs, 2 workers killed; ${extra} re-runs after the kills`)
})
