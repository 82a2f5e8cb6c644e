'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('child_process')
const path = require('path')
const { RedisServer, cli, sleep, withRedis, waitFor } = require('./helpers')
const { Redis, createClient } = require('..')

let server
let redis
withRedis(test, (s, r) => {
  server = s
  redis = r
})

test('JSON in and out, default TTL, ttl 0, Buffers, mget/mset, del', async () => {
  const cache = redis.cache({ prefix: 'c:', ttl: 300 })
  await cache.set('user:1', { name: 'Alice', tags: ['a'] })
  assert.deepEqual(await cache.get('user:1'), { name: 'Alice', tags: ['a'] })
  const ttl = Number(cli(server.port, 'TTL', 'c:user:1'))
  assert.ok(ttl > 290 && ttl <= 300)
  await cache.set('user:2', 'text', 600)
  assert.equal(await cache.get('user:2'), 'text')
  assert.ok(Number(cli(server.port, 'TTL', 'c:user:2')) > 590)
  await cache.set('forever', 1, 0)
  assert.equal(cli(server.port, 'TTL', 'c:forever'), '-1')
  assert.equal(await cache.get('missing'), null)
  const bin = Buffer.from([0, 255, 7])
  await cache.set('bin', bin)
  assert.deepEqual(await cache.getBuffer('bin'), bin)
  await cache.mset({ a: 1, b: [2] })
  assert.deepEqual(await cache.mget(['a', 'b', 'zz']), [1, [2], null])
  assert.equal(await cache.del('a', 'b'), 2)
  await assert.rejects(cache.set('u', undefined), TypeError)
  await assert.rejects(cache.set('u', 1, -5), RangeError)
  // The seed's CacheService stores JSON too: the two read each other's entries.
  await redis.set('c:seed', JSON.stringify({ id: 9 }), 'EX', 60)
  assert.deepEqual(await cache.get('seed'), { id: 9 })
})

test('wrap: 100 concurrent callers, one loader call; errors reach every waiter and are not cached', async () => {
  const node = createClient({ url: server.url })
  await node.connect()
  try {
    const cache = node.cache({ prefix: 'w:' })
    let loads = 0
    const loader = async () => {
      loads++
      await sleep(50)
      return { id: 1 }
    }
    const all = await Promise.all(Array.from({ length: 100 }, () => cache.wrap('user:1', loader, { ttl: 600 })))
    assert.equal(loads, 1)
    assert.ok(all.every((v) => v.id === 1))
    assert.ok(Number(cli(server.port, 'TTL', 'w:user:1')) > 590)
    assert.deepEqual(await cache.wrap('user:1', loader), { id: 1 })
    assert.equal(loads, 1, 'a hit does not load')

    let failures = 0
    const failing = async () => {
      failures++
      await sleep(20)
      throw new Error('db down')
    }
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.wrap('broken', failing)))
    assert.equal(failures, 1)
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason.message === 'db down'))
    assert.equal(cli(server.port, 'EXISTS', 'w:broken'), '0')
    assert.equal(cli(server.port, 'EXISTS', 'w:lock:broken'), '0', 'the load lock is released')
    assert.equal(await cache.wrap('nothing', async () => undefined), undefined)
    assert.equal(cli(server.port, 'EXISTS', 'w:nothing'), '0')
  } finally {
    await node.quit()
  }
})

test('wrap across 4 processes: the database is hit once', async () => {
  const startAt = Date.now() + 700
  const run = () =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, [path.join(__dirname, 'fixtures', 'wrap-worker.js'), String(server.port), String(startAt)], (err, out) =>
        err ? reject(err) : resolve(JSON.parse(out))
      )
    )
  const values = await Promise.all([run(), run(), run(), run()])
  assert.ok(values.every((v) => v.answer === 42))
  assert.equal(cli(server.port, 'GET', 'xp-loads'), '1')
})

test('wrap: a caller whose miss came just before another process stored the value does not load again', async () => {
  // The window, made deterministic: B missed (its first get) while A was loading; A then
  // stored the value and released its lock; only now does B try for the lock.
  const other = new Redis({ port: server.port })
  try {
    const a = redis.cache({ prefix: 'race:' })
    const b = other.cache({ prefix: 'race:' })
    let loads = 0
    assert.deepEqual(await a.wrap('k', async () => (loads++, { v: 1 })), { v: 1 })
    assert.deepEqual(await b._load('k', async () => (loads++, { v: 2 }), {}), { v: 1 })
    assert.equal(loads, 1)
  } finally {
    await other.quit()
  }
})

test('invalidatePattern removes 10 000 keys with SCAN + UNLINK, and only those', async () => {
  const cache = redis.cache({ prefix: 'inv:' })
  const entries = {}
  for (let i = 0; i < 10000; i++) entries[`user:${i}`] = i
  await cache.mset(entries)
  await cache.set('order:1', 1)
  assert.equal(await cache.invalidatePattern('user:*'), 10000)
  assert.equal(cli(server.port, 'EXISTS', 'inv:user:5'), '0')
  assert.equal(await cache.get('order:1'), 1)
  assert.equal(cli(server.port, 'INFO', 'commandstats').includes('cmdstat_keys:'), false, 'never KEYS')
})

test('near-cache: hits locally, stays coherent when another client writes, flushes on disconnect', async () => {
  const s2 = await RedisServer.start()
  const reader = new Redis({ port: s2.port, retryStrategy: () => 30 })
  reader.on('error', () => {})
  const writer = new Redis({ port: s2.port, retryStrategy: () => 30 })
  writer.on('error', () => {})
  try {
    const cache = reader.cache({ prefix: 'nc:', local: { maxEntries: 3, ttl: 60_000 } })
    await writer.set('nc:k', JSON.stringify({ v: 1 }))
    assert.deepEqual(await cache.get('k'), { v: 1 })
    const before = Number((cli(s2.port, 'INFO', 'commandstats').match(/cmdstat_get:calls=(\d+)/) || [0, 0])[1])
    for (let i = 0; i < 50; i++) assert.deepEqual(await cache.get('k'), { v: 1 })
    const after = Number((cli(s2.port, 'INFO', 'commandstats').match(/cmdstat_get:calls=(\d+)/) || [0, 0])[1])
    assert.equal(after, before, 'hits never reach Redis')
    const mutated = await cache.get('k')
    mutated.v = 99
    assert.deepEqual(await cache.get('k'), { v: 1 }, 'callers get their own copy')

    // Another client writes: the local copy goes as soon as the invalidation arrives.
    const delays = []
    for (let round = 2; round < 12; round++) {
      await writer.set('nc:k', JSON.stringify({ v: round }))
      const t0 = process.hrtime.bigint()
      let v
      do {
        await new Promise((r) => setImmediate(r))
        v = await cache.get('k')
      } while (v.v !== round && process.hrtime.bigint() - t0 < 2_000_000_000n)
      assert.equal(v.v, round)
      delays.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    delays.sort((a, b) => a - b)
    assert.ok(delays[delays.length - 1] < 100, `stale for at most ${delays[delays.length - 1]} ms`)
    console.log(`# near-cache: another client's write visible after median ${delays[5].toFixed(2)} ms, max ${delays[9].toFixed(2)} ms`)

    for (const k of ['a', 'b', 'c', 'd']) {
      await writer.set(`nc:${k}`, '1')
      await cache.get(k)
    }
    assert.ok(cache.stats().entries <= 3)
    assert.ok(cache.stats().evictions >= 1)

    const closed = new Promise((r) => reader.once('close', r))
    await s2.restart()
    await closed
    assert.equal(cache.stats().entries, 0, 'flushed on disconnect')
    // Ready again (it may already be: the reconnect can beat this line on a loaded machine).
    await waitFor(() => reader.status === 'ready')
    // The writer may still be reconnecting to the restarted server: retry until it is back.
    await waitFor(() => writer.set('nc:k', JSON.stringify({ v: 'after' })).then(() => true, () => false))
    assert.deepEqual(await cache.get('k'), { v: 'after' })
    await writer.set('nc:k', JSON.stringify({ v: 'tracked again' }))
    let v
    await waitFor(async () => {
      v = await cache.get('k')
      return v.v === 'tracked again'
    }, 5000)
    assert.equal(v.v, 'tracked again', 'tracking is back on after the reconnect')
  } finally {
    reader.disconnect()
    writer.disconnect()
    await s2.stop()
  }
})

test('near-cache shared mode returns one frozen object per entry', async () => {
  const cache = redis.cache({ prefix: 'sh:', local: { shared: true } })
  await cache.set('k', { a: { b: 1 } })
  const first = await cache.get('k') // a miss: fetched and remembered
  const hit1 = await cache.get('k')
  const hit2 = await cache.get('k')
  assert.deepEqual(first, { a: { b: 1 } })
  assert.equal(hit1, hit2, 'the same object')
  assert.ok(Object.isFrozen(hit1) && Object.isFrozen(hit1.a))
  assert.throws(() => {
    'use strict'
    hit1.a.b = 2
  }, TypeError)
})
