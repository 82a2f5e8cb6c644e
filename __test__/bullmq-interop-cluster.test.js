'use strict'
// BullMQ and our queues on one Redis Cluster (a local 3-master cluster), with the hash-tagged
// prefix BullMQ asks for on a Cluster ('{bull}'): BullMQ (on ioredis' Cluster) adds and our
// workers process, and the reverse; each side's QueueEvents sees the other's completions.
const test = require('node:test')
const assert = require('node:assert/strict')
const bullmq = require('bullmq')
const IORedis = require('ioredis')
const { RedisCluster, waitFor } = require('./helpers')
const ours = require('..')

let cluster
let client
let bullConn
const prefix = '{bull}'
// Connections BullMQ is given stay open after it closes: every one made here is ended here.
const extra = []
const dup = () => {
  const c = bullConn.duplicate()
  extra.push(c)
  return c
}

test.before(async () => {
  cluster = await RedisCluster.start(3)
  client = new ours.Cluster(cluster.startupNodes)
  bullConn = new IORedis.Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: null } })
})
test.after(async () => {
  client.disconnect()
  bullConn.disconnect()
  for (const c of extra) c.disconnect()
  await cluster.stop()
})

test('on a Cluster with prefix {bull}: BullMQ adds, our worker processes, and the reverse', async (t) => {
  const theirs = new bullmq.Queue('cq', { connection: bullConn, prefix })
  const mine = new ours.Queue('cq', { connection: client, prefix })
  // Both read the stream from its start: a reader starting at '$' misses what completes
  // before its first read is sent.
  const theirEvents = new bullmq.QueueEvents('cq', { connection: dup(), prefix, lastEventId: '0-0' })
  const ourEvents = new ours.QueueEvents('cq', { connection: client, prefix, lastEventId: '0-0' })
  t.after(() => Promise.all([theirs.close(), mine.close(), theirEvents.close(), ourEvents.close()]))
  await Promise.all([theirEvents.waitUntilReady(), ourEvents.waitUntilReady()])
  const seenByThem = new Set()
  const seenByUs = new Set()
  theirEvents.on('completed', ({ jobId }) => seenByThem.add(jobId))
  ourEvents.on('completed', ({ jobId }) => seenByUs.add(jobId))

  const ourWorker = new ours.Worker('cq', async (job) => job.data.n * 2, { connection: client, prefix, concurrency: 5 })
  t.after(() => ourWorker.close())
  const added = await theirs.addBulk(Array.from({ length: 100 }, (_, n) => ({ name: 'a', data: { n }, opts: n % 10 === 0 ? { priority: 2 } : {} })))
  await waitFor(() => added.every((j) => seenByThem.has(j.id)), 20000)
  await ourWorker.close()
  const one = await bullmq.Job.fromId(theirs, added[7].id)
  assert.equal(one.returnvalue, 14)

  const theirWorker = new bullmq.Worker('cq', async (job) => job.data.n + 1, { connection: dup(), prefix, concurrency: 5 })
  t.after(() => theirWorker.close())
  const mineAdded = await mine.addBulk(Array.from({ length: 100 }, (_, n) => ({ name: 'b', data: { n }, opts: n % 7 === 0 ? { delay: 100 } : {} })))
  await waitFor(() => mineAdded.every((j) => seenByUs.has(j.id)), 20000)
  assert.equal((await mine.getJob(mineAdded[3].id)).returnvalue, 4)
  const counts = await mine.getJobCounts('completed', 'waiting', 'active', 'delayed')
  assert.deepEqual(counts, await theirs.getJobCounts('completed', 'waiting', 'active', 'delayed'))
  assert.equal(counts.completed, 200)
})
