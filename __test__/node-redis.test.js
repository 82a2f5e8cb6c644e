'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer } = require('./helpers')
const { createClient } = require('..')

let server
let client
test.before(async () => {
  server = await RedisServer.start()
  client = createClient({ url: server.url, socket: { reconnectStrategy: (n) => Math.min(n * 50, 2000) } })
  client.on('error', () => {})
  assert.equal(client.isOpen, false)
  assert.equal(await client.connect(), client)
  assert.equal(client.isOpen, true)
  assert.equal(client.isReady, true)
})
test.after(async () => {
  await client.quit()
  await server.stop()
})

test('commands before connect() reject, connect twice rejects', async () => {
  const c = createClient({ url: server.url })
  await assert.rejects(c.get('x'), (e) => e.code === 'ERR_REDIS_CLOSED')
  await c.connect()
  await assert.rejects(c.connect(), /already opened/)
  await c.quit()
  assert.equal(c.isOpen, false)
})

test('strings with option objects', async () => {
  assert.equal(await client.set('k', 'v', { EX: 100, NX: true }), 'OK')
  assert.equal(await client.set('k', 'v2', { NX: true }), null)
  assert.equal(await client.setEx('k2', 300, 'v2'), 'OK')
  assert.equal(await client.get('k2'), 'v2')
  assert.ok((await client.ttl('k2')) > 290)
  assert.deepEqual(await client.mGet(['k', 'k2', 'none']), ['v', 'v2', null])
  assert.equal(await client.mSet({ m1: 'a', m2: 'b' }), 'OK')
  assert.equal(await client.incrBy('n', 3), 3)
  assert.equal(await client.del(['m1', 'm2']), 2)
  assert.equal(await client.exists('k'), 1)
  assert.equal(await client.getDel('k'), 'v')
  assert.equal(await client.GET('k2'), 'v2')
})

test('hashes, lists, sets', async () => {
  assert.equal(await client.hSet('h', { a: '1', b: '2' }), 2)
  assert.equal(await client.hSet('h', 'c', '3'), 1)
  // node-redis 5 gives hashes as objects without a prototype.
  assert.deepEqual(await client.hGetAll('h'), Object.assign(Object.create(null), { a: '1', b: '2', c: '3' }))
  assert.equal(await client.hGet('h', 'a'), '1')
  assert.deepEqual(await client.hmGet('h', ['a', 'zz']), ['1', null])
  assert.equal(await client.lPush('l', ['x', 'y']), 2)
  assert.deepEqual(await client.lRange('l', 0, -1), ['y', 'x'])
  assert.equal(await client.rPop('l'), 'x')
  assert.equal(await client.sAdd('s', ['a', 'b']), 2)
  assert.equal(await client.sIsMember('s', 'a'), 1)
  assert.deepEqual((await client.sMembers('s')).sort(), ['a', 'b'])
})

test('sorted sets with node-redis shapes', async () => {
  assert.equal(await client.zAdd('lb', [{ score: 1, value: 'a' }, { score: 5, value: 'b' }, { score: 3, value: 'c' }]), 3)
  assert.equal(await client.zAdd('lb', { score: 2, value: 'a' }), 0)
  assert.deepEqual(await client.zRangeWithScores('lb', 0, 9, { REV: true }), [
    { value: 'b', score: 5 },
    { value: 'c', score: 3 },
    { value: 'a', score: 2 },
  ])
  assert.deepEqual(await client.zRange('lb', 0, 1), ['a', 'c'])
  assert.deepEqual(await client.zRange('lb', '+inf', 3, { BY: 'SCORE', REV: true }), ['b', 'c'])
  assert.equal(await client.zRevRank('lb', 'a'), 2)
  assert.equal(await client.zRevRank('lb', 'nobody'), null)
  assert.equal(await client.zScore('lb', 'c'), 3)
  assert.equal(await client.zScore('lb', 'nobody'), null)
  assert.equal(await client.zRemRangeByScore('lb', 0, 2), 1)
  assert.equal(await client.zCard('lb'), 2)
})

test('multi().exec() returns values; errors carry replies', async () => {
  const results = await client.multi().incr('x').expire('x', 10).exec()
  assert.deepEqual(results, [1, 1])
  const now = Date.now()
  const r = await client
    .multi()
    .zRemRangeByScore('rl:u', 0, now - 1000)
    .zAdd('rl:u', { score: now, value: `${now}` })
    .zCard('rl:u')
    .expire('rl:u', 1)
    .exec()
  assert.equal(r[2], 1)
  await client.set('str', 'v')
  await assert.rejects(client.multi().incr('str').get('str').exec(), (e) => e.errorIndexes[0] === 0 && e.replies[1] === 'v')
  assert.deepEqual(await client.pipeline().get('str').incr('pp').execAsPipeline(), ['v', 1])
})

test('scripts, sendCommand, scanIterator, duplicate', async () => {
  assert.equal(await client.eval("return ARGV[1] .. KEYS[1]", { keys: ['k'], arguments: ['a'] }), 'ak')
  await client.sendCommand(['SCRIPT', 'FLUSH'])
  assert.equal(await client.eval("return ARGV[1] .. KEYS[1]", { keys: ['z'], arguments: ['b'] }), 'bz')
  assert.equal(await client.sendCommand(['OBJECT', 'ENCODING', 'str']), 'embstr')
  const buf = await client.sendCommand(['GET', 'str'], { returnBuffers: true })
  assert.ok(Buffer.isBuffer(buf))
  for (let i = 0; i < 30; i++) await client.set(`it:${i}`, '1')
  const keys = []
  for await (const batch of client.scanIterator({ MATCH: 'it:*', COUNT: 10 })) keys.push(...batch)
  assert.equal(new Set(keys).size, 30)
  const dup = client.duplicate()
  assert.equal(dup.isOpen, false)
  await dup.connect()
  assert.equal(await dup.get('str'), 'v')
  await dup.quit()
})

test('bad arguments reject with TypeError', async () => {
  await assert.rejects(client.zAdd('lb', [{ score: 1 }]), TypeError)
  await assert.rejects(client.set('k', null), TypeError)
  await assert.rejects(client.sendCommand('GET k'), TypeError)
  await assert.rejects(client.subscribe('ch'), TypeError)
})

test("hScanIterator / sScanIterator / zScanIterator yield node-redis' batches", async () => {
  await client.hSet('iter:h', { f1: 'a', f2: 'b' })
  await client.sAdd('iter:s', ['x', 'y'])
  await client.zAdd('iter:z', [{ score: 2, value: 'm' }])
  const h = []
  for await (const batch of client.hScanIterator('iter:h')) h.push(...batch)
  assert.deepEqual(h.sort((a, b) => a.field.localeCompare(b.field)), [
    { field: 'f1', value: 'a' },
    { field: 'f2', value: 'b' },
  ])
  const s = []
  for await (const batch of client.sScanIterator('iter:s')) s.push(...batch)
  assert.deepEqual(s.sort(), ['x', 'y'])
  const z = []
  for await (const batch of client.zScanIterator('iter:z')) z.push(...batch)
  assert.deepEqual(z, [{ value: 'm', score: 2 }])
})
