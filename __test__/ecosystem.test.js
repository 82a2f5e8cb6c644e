'use strict'
// The libraries that take a client, handed ours (issue #22): BullMQ, socket.io's Redis
// adapters (classic and sharded), rate-limiter-flexible, rate-limit-redis, connect-redis,
// redlock and @keyv/redis with cache-manager, each given the ioredis face and/or the
// node-redis face (whichever the library takes), on a real redis-server.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { RedisServer, waitFor } = require('./helpers')
const { Redis, createClient } = require('..')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(async () => {
  await server.stop()
})

/** A connected client of `face`, closed after the test. */
async function clientOf(t, face, options = {}, closeAfter = true) {
  if (face === 'ioredis') {
    const r = new Redis({ port: server.port, ...options })
    if (closeAfter) t.after(() => r.disconnect())
    await once(r, 'ready')
    return r
  }
  const c = createClient({ url: server.url })
  if (closeAfter) t.after(() => c.isOpen && c.destroy())
  await c.connect()
  return c
}

const FACES = ['ioredis', 'node-redis']

for (const face of FACES) {
  test(`BullMQ on the ${face} face: 100 jobs, retries with backoff, delayed, progress, QueueEvents, a flow`, async (t) => {
    const { Queue, Worker, QueueEvents, FlowProducer } = require('bullmq')
    const connection = await clientOf(t, face, { maxRetriesPerRequest: null })
    const name = `eco-${face}`
    const queue = new Queue(name, { connection })
    const events = new QueueEvents(name, { connection })
    await events.waitUntilReady()
    const flows = new FlowProducer({ connection })
    const completed = new Map()
    const failures = []
    let allDone
    const finished = new Promise((resolve) => (allDone = resolve))
    const worker = new Worker(
      name,
      async (job) => {
        await job.updateProgress(50)
        if (job.data.flaky && job.attemptsMade < 2) throw new Error(`flaky ${job.data.i}`)
        if (job.name === 'parent') return Object.values(await job.getChildrenValues()).reduce((a, b) => a + b, 0)
        return job.data.i * 2
      },
      { connection, concurrency: 8 }
    )
    const workerErrors = []
    worker.on('error', (err) => workerErrors.push(err))
    worker.on('failed', (job, err) => failures.push(err.message))
    worker.on('completed', (job, value) => {
      completed.set(job.id, value)
      if (completed.size === 103) allDone()
    })
    t.after(async () => {
      await worker.close()
      await events.close()
      await flows.close()
      await queue.close()
    })
    const seen = new Promise((resolve) => events.on('completed', ({ jobId, returnvalue }) => jobId === 'watched' && resolve(returnvalue)))
    const delayedAt = Date.now()
    await queue.addBulk(
      Array.from({ length: 100 }, (_, i) => ({
        name: 'work',
        data: { i, flaky: i % 10 === 0 },
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 20 }, delay: i >= 95 ? 200 : undefined, jobId: i === 1 ? 'watched' : undefined },
      }))
    )
    const flow = await flows.add({
      name: 'parent',
      queueName: name,
      data: { i: -1 },
      children: [
        { name: 'child', queueName: name, data: { i: 10 } },
        { name: 'child', queueName: name, data: { i: 20 } },
      ],
    })
    await finished
    assert.deepEqual(workerErrors, [])
    // The watched job's value reached QueueEvents; every job ran once to completion.
    assert.equal(String(await seen), '2')
    assert.equal(completed.get(flow.job.id), 60, 'the parent summed its children')
    // Each flaky job failed twice, then completed on its third attempt.
    assert.equal(failures.length, 20)
    const flaky = await queue.getJob(String((await queue.getJobs(['completed'], 0, -1)).find((j) => j.data.i === 10).id))
    assert.equal(flaky.attemptsMade, 3)
    assert.equal(flaky.progress, 50)
    assert.equal(flaky.returnvalue, 20)
    const delayed = (await queue.getJobs(['completed'], 0, -1)).find((j) => j.data.i === 99)
    assert.ok(delayed.processedOn - delayedAt >= 190, `the delayed job waited (${delayed.processedOn - delayedAt} ms)`)
    const counts = await queue.getJobCounts()
    assert.equal(counts.completed, 103)
    assert.equal(counts.failed + counts.waiting + counts.active + counts.delayed, 0)
  })

  for (const sharded of [false, true]) {
    test(`@socket.io/redis-adapter (${sharded ? 'sharded' : 'classic'}) on the ${face} face: rooms, broadcasts, fetchSockets, serverSideEmitWithAck`, async (t) => {
      const { createServer } = require('http')
      const { Server } = require('socket.io')
      const { io: connectTo } = require('socket.io-client')
      const { createAdapter, createShardedAdapter } = require('@socket.io/redis-adapter')
      const start = async () => {
        // (Closed by the server's close below: the adapter unsubscribes on its way out.)
        const pub = await clientOf(t, face, {}, false)
        const sub = await clientOf(t, face, {}, false)
        const http = createServer()
        const io = new Server(http, { adapter: sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub) })
        t.after(async () => {
          await new Promise((resolve) => io.close(resolve))
          await Promise.all([pub.quit(), sub.quit()])
        })
        await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
        io.on('connection', (socket) => socket.join('room1'))
        const client = connectTo(`http://127.0.0.1:${http.address().port}`, { transports: ['websocket'] })
        t.after(() => client.close())
        await once(client, 'connect')
        return { io, client }
      }
      const a = await start()
      const b = await start()
      b.io.on('ping-all', (arg, ack) => ack(`${arg}-pong`))
      // Both servers see both sockets once each has subscribed.
      await waitFor(async () => (await a.io.fetchSockets()).length === 2)
      const got = once(b.client, 'hello')
      a.io.to('room1').emit('hello', 'from-a')
      assert.deepEqual(await got, ['from-a'])
      assert.deepEqual(await a.io.serverSideEmitWithAck('ping-all', 'x'), ['x-pong'])
      const inRoom = await b.io.in('room1').fetchSockets()
      assert.equal(inRoom.length, 2)
    })
  }

  test(`rate-limiter-flexible (RateLimiterRedis) on the ${face} face`, async (t) => {
    const { RateLimiterRedis } = require('rate-limiter-flexible')
    const storeClient = await clientOf(t, face)
    const limiter = new RateLimiterRedis({ storeClient, useRedisPackage: face === 'node-redis', keyPrefix: `rlf-${face}`, points: 3, duration: 60 })
    for (let i = 0; i < 3; i++) assert.equal((await limiter.consume('u')).remainingPoints, 2 - i)
    await assert.rejects(limiter.consume('u'), (r) => r.remainingPoints === 0 && r.msBeforeNext > 0)
  })

  test(`rate-limit-redis with express-rate-limit on the ${face} face`, async (t) => {
    const { RedisStore: LimitStore } = require('rate-limit-redis')
    const { rateLimit } = require('express-rate-limit')
    const express = require('express')
    const request = require('supertest')
    const c = await clientOf(t, face)
    const sendCommand = face === 'ioredis' ? (cmd, ...args) => c.call(cmd, ...args) : (...args) => c.sendCommand(args)
    const app = express()
    app.use(rateLimit({ windowMs: 60_000, limit: 2, store: new LimitStore({ sendCommand, prefix: `rlr-${face}:` }) }))
    app.get('/', (req, res) => res.send('ok'))
    assert.equal((await request(app).get('/')).status, 200)
    assert.equal((await request(app).get('/')).status, 200)
    assert.equal((await request(app).get('/')).status, 429)
  })

}

test('connect-redis 11 (node-redis only) on the node-redis face', async (t) => {
    const { RedisStore: SessionStore } = await import('connect-redis')
    const client = await clientOf(t, 'node-redis')
    const store = new SessionStore({ client, prefix: 'cr:' })
    const call = (fn, ...args) => new Promise((resolve, reject) => store[fn](...args, (err, v) => (err ? reject(err) : resolve(v))))
    await call('set', 'sid1', { cookie: { maxAge: 60_000 }, user: 'alice' })
    assert.equal((await call('get', 'sid1')).user, 'alice')
    assert.equal(await call('length'), 1)
    assert.deepEqual(await call('ids'), ['sid1'])
    await call('destroy', 'sid1')
    assert.equal(await call('get', 'sid1'), null)
})

test('redlock 4 on the ioredis face: acquire, extend, release, and a second holder refused', async (t) => {
  const Redlock = require('redlock')
  const r = await clientOf(t, 'ioredis')
  const redlock = new Redlock([r], { retryCount: 0 })
  const lock = await redlock.lock('eco:lock', 2000)
  await assert.rejects(redlock.lock('eco:lock', 2000), (e) => e.name === 'LockError')
  const extended = await lock.extend(4000)
  assert.ok((await r.pttl('eco:lock')) > 2000)
  await extended.unlock()
  assert.equal(await r.exists('eco:lock'), 0)
})

test('@keyv/redis with cache-manager on the node-redis face', async (t) => {
  const { default: KeyvRedis, Keyv } = require('@keyv/redis')
  const { createCache } = require('cache-manager')
  const client = await clientOf(t, 'node-redis')
  const keyv = new Keyv({ store: new KeyvRedis(client), namespace: 'eco' })
  const cache = createCache({ stores: [keyv] })
  await cache.set('k', { n: 1 }, 60_000)
  assert.deepEqual(await cache.get('k'), { n: 1 })
  assert.deepEqual(await cache.wrap('w', async () => 'computed', 60_000), 'computed')
  await cache.del('k')
  assert.equal(await cache.get('k'), undefined)
})
