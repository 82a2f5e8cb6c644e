'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('child_process')
const path = require('path')
const { RedisServer, cli, sleep, withRedis, waitFor } = require('./helpers')
const { Redis, Redlock, createClient } = require('..')

let server
let redis
withRedis(test, (s, r) => {
  server = s
  redis = r
})

test('mutual exclusion: 4 processes x 500 critical sections, fences strictly increasing', async () => {
  const run = () =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, [path.join(__dirname, 'fixtures', 'lock-worker.js'), String(server.port), '500'], { maxBuffer: 1 << 24 }, (err, out) =>
        err ? reject(err) : resolve(JSON.parse(out))
      )
    )
  const logs = await Promise.all([run(), run(), run(), run()])
  assert.equal(cli(server.port, 'GET', 'counter:value'), '2000')
  const all = logs.flat().sort((a, b) => a.seen - b.seen)
  assert.equal(all.length, 2000)
  for (let i = 0; i < all.length; i++) {
    assert.equal(all[i].seen, i, 'every section saw the previous one’s write')
    if (i > 0) assert.ok(all[i].fence > all[i - 1].fence, 'fences grow with every acquisition')
  }
})

test('lock: shape, expiry frees it, a non-owner cannot release, extend', async () => {
  const lock = await redis.lock('payment:42', 300)
  assert.equal(lock.resource, 'payment:42')
  assert.deepEqual(lock.resources, ['payment:42'])
  assert.equal(typeof lock.token, 'string')
  assert.ok(Number.isInteger(lock.fence) && lock.fence >= 1)
  assert.ok(lock.expiresAt instanceof Date)
  await assert.rejects(redis.lock('payment:42', 300, { retryCount: 0 }), (e) => e.code === 'ERR_LOCK_NOT_ACQUIRED' && e.attempts === 1 && /payment:42/.test(e.message))
  const impostor = Object.assign(Object.create(Object.getPrototypeOf(lock)), lock, { token: 'not-the-owner' })
  assert.equal(await impostor.release(), false)
  assert.equal(await impostor.extend(10_000), false)
  assert.equal(cli(server.port, 'GET', 'lock:{payment:42}'), lock.token)
  assert.equal(await lock.extend(300), true)
  await sleep(400)
  const again = await redis.lock('payment:42', 1000, { retryCount: 0 })
  assert.ok(again.fence > lock.fence)
  assert.equal(await lock.release(), false, 'the expired owner no longer holds it')
  assert.equal(await again.release(), true)
  await assert.rejects(redis.lock('', 100), TypeError)
  await assert.rejects(redis.lock('x', 0), RangeError)
})

test('no key left behind: 10,000 resources locked, half released, half expired, leave no key once their TTL passes; fences keep growing', async () => {
  // Other tests' keys come and go meanwhile: count this test's own.
  const count = async () => (await redis.keys('*leak:*')).length
  const locks = await Promise.all(Array.from({ length: 10_000 }, (_, i) => redis.lock(`leak:${i}`, 2000, { retryCount: 0 })))
  assert.equal(await count(), 10_000, 'one key per held resource, no fence key beside it')
  assert.deepEqual(new Set(await Promise.all(locks.filter((_, i) => i % 2 === 0).map((l) => l.release()))), new Set([true]))
  assert.equal(await count(), 5_000, 'a release leaves nothing')
  const next = await redis.lock('leak:0', 300, { retryCount: 0 })
  assert.ok(next.fence > locks[0].fence)
  assert.equal(await next.release(), true)
  await waitFor(async () => (await count()) === 0, 10_000)
  const later = await redis.lock('leak:1', 300, { retryCount: 0 })
  assert.ok(later.fence > locks[1].fence, 'the fence still grows after an expiry')
  assert.equal(await later.release(), true)
})

test('multi-resource locks are all-or-nothing', async () => {
  const a = await redis.lock(['{o:1}:a', '{o:1}:b'], 5000)
  await assert.rejects(redis.lock(['{o:1}:c', '{o:1}:b'], 5000, { retryCount: 0 }), (e) => e.code === 'ERR_LOCK_NOT_ACQUIRED')
  const c = await redis.lock('{o:1}:c', 5000, { retryCount: 0 })
  await c.release()
  await a.release()
})

test('retry with jitter gives up after retryCount with ERR_LOCK_NOT_ACQUIRED', async () => {
  const held = await redis.lock('busy', 10_000)
  const t0 = Date.now()
  const err = await redis.lock('busy', 1000, { retryCount: 3, retryDelay: 50, retryJitter: 10 }).catch((e) => e)
  const took = Date.now() - t0
  assert.equal(err.code, 'ERR_LOCK_NOT_ACQUIRED')
  assert.equal(err.attempts, 4)
  assert.ok(took >= 110 && took < 1000, `took ${took}`)
  await held.release()
})

test('withLock extends past several TTLs, returns the value, releases; aborts when the lock is lost', async () => {
  const node = createClient({ url: server.url })
  await node.connect()
  try {
    const value = await node.withLock('long-job', 300, async (signal) => {
      await sleep(1000)
      assert.equal(signal.aborted, false)
      assert.ok(cli(server.port, 'EXISTS', 'lock:{long-job}') === '1')
      return 'done'
    })
    assert.equal(value, 'done')
    assert.equal(cli(server.port, 'EXISTS', 'lock:{long-job}'), '0', 'released')

    const reason = await redis.withLock('stolen', 300, async (signal) => {
      cli(server.port, 'DEL', 'lock:{stolen}')
      for (let i = 0; i < 100 && !signal.aborted; i++) await sleep(10)
      return signal.reason
    })
    assert.equal(reason.code, 'ERR_LOCK_LOST')
    await assert.rejects(redis.withLock('thrower', 1000, async () => { throw new Error('boom') }), /boom/)
    assert.equal(cli(server.port, 'EXISTS', 'lock:{thrower}'), '0', 'released after a throw')
  } finally {
    await node.quit()
  }
})

test('Redlock on 3 servers: works with one down, refuses with two down; the seed runs', async () => {
  const servers = [await RedisServer.start(), await RedisServer.start(), await RedisServer.start()]
  const clients = servers.map((s) => {
    const c = new Redis({ port: s.port, commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => 100 })
    c.on('error', () => {})
    return c
  })
  try {
    // The seed's snippet, only the import changed.
    const redlock = new Redlock(clients, { retryCount: 3, retryDelay: 200, retryJitter: 200 });
    const db = { orders: { status: 'pending', findById: async () => ({ status: db.orders.status }), update: async (id, o) => Object.assign(db.orders, o) } }
    const paymentGateway = { charged: 0, charge: async () => paymentGateway.charged++ }
    async function processPayment(orderId) {
      const lockKey = `lock:payment:${orderId}`;
      const lock = await redlock.acquire([lockKey], 10000); // 10s lock
      try {
        const order = await db.orders.findById(orderId);
        if (order.status !== 'pending') {
          throw new Error('Order already processed');
        }
        await paymentGateway.charge(order);
        await db.orders.update(orderId, { status: 'paid' });
      } finally {
        await lock.release();
      }
    }
    await processPayment(1)
    await assert.rejects(processPayment(1), /already processed/)
    assert.equal(paymentGateway.charged, 1)

    const held = await redlock.acquire(['r'], 5000)
    await assert.rejects(new Redlock(clients, { retryCount: 0 }).acquire(['r'], 1000), (e) => e.code === 'ERR_LOCK_NOT_ACQUIRED' && e.attempts.length === 1)
    await held.release()

    await servers[0].kill()
    const one = await redlock.acquire(['r'], 2000)
    assert.equal(one.attempts[one.attempts.length - 1].votesFor, 2)
    const longer = await one.extend(3000)
    assert.ok(longer.expiration > one.expiration)
    await longer.release()
    const used = await redlock.using(['u'], 300, async (signal) => {
      await sleep(700)
      return signal.aborted
    })
    assert.equal(used, false, 'using() kept the lock across its TTL')

    await servers[1].kill()
    const err = await new Redlock(clients, { retryCount: 1, retryDelay: 10 }).acquire(['r'], 2000).catch((e) => e)
    assert.equal(err.code, 'ERR_LOCK_NOT_ACQUIRED')
    assert.match(err.message, /1 of 3 servers agreed, 2 needed/)
  } finally {
    for (const c of clients) c.disconnect()
    for (const s of servers) await s.stop()
  }
})

test('withLock keeps the lock while the event loop is blocked past its ttl (renewed off the JS thread)', async () => {
  const t = await redis.withLock('blocked-loop', 300, async (signal, lock) => {
    const until = Date.now() + 1000
    while (Date.now() < until) {
      // Busy: no timer and no I/O callback runs in here.
    }
    assert.equal(signal.aborted, false)
    return redis.get(lock.keys[0]).then((v) => v === lock.token)
  })
  assert.equal(t, true, 'the lock was still ours after 1 s of a blocked loop (ttl 300 ms)')
})
