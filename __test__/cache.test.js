'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('child_process')
const path = require('path')
const { RedisServer, cli, sleep } = require('./helpers')
const { Redis, createClient } = require('..')

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
