'use strict'
// The durable channel: `client.stream(name)` on a Redis Stream with consumer groups.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, sleep, cli, waitFor } = require('./helpers')
const { Redis, createClient } = require('..')

/** Reads from `consumer` until `pred(seen)` holds; returns every message read, in order. */
async function collect(consumer, pred, ms = 10000) {
  const seen = []
  const deadline = Date.now() + ms
  while (!pred(seen)) {
    if (Date.now() > deadline) throw new Error(`condition not met in time; saw ${JSON.stringify(seen.map((m) => m.data))}`)
    seen.push(...(await consumer.read()))
  }
  return seen
}

test('publish and consume: JSON in and out, order, ack, pending, bad arguments', async () => {
  const server = await RedisServer.start()
  const redis = new Redis({ port: server.port })
  const stream = redis.stream('events', { maxLen: 1000 })
  const consumer = stream.consumer({ group: 'g', consumer: 'c1', count: 7, blockMs: 200, startId: '0' })
  try {
    for (let i = 0; i < 20; i++) await stream.publish({ i, at: 'x' })
    const seen = await collect(consumer, (s) => s.length >= 20)
    assert.deepEqual(
      seen.map((m) => m.data.i),
      [...Array(20).keys()]
    )
    assert.match(seen[0].id, /^\d+-\d+$/)
    assert.equal(await stream.pending('g'), 20)
    assert.equal(await seen[0].ack(), 1)
    assert.equal(await seen[0].ack(), 0, 'a second ack finds nothing pending')
    assert.equal(await stream.ack('g', ...seen.slice(1).map((m) => m.id)), 19)
    assert.equal(await stream.pending('g'), 0)
    assert.equal(await stream.length(), 20)
    assert.equal(await stream.createGroup('g'), false, 'the group exists')
    // Nothing new: a read waits blockMs and resolves empty.
    const t = Date.now()
    assert.deepEqual(await consumer.read(), [])
    assert.ok(Date.now() - t >= 150)
    assert.throws(() => redis.stream(''), { name: 'TypeError', code: 'ERR_INVALID_ARG' })
    assert.throws(() => stream.consumer({ group: 'g' }), { name: 'TypeError' })
    assert.throws(() => stream.consumer({ group: 'g', consumer: 'c', count: 0 }), { name: 'RangeError' })
    await assert.rejects(stream.publish(undefined), { name: 'TypeError' })
    await assert.rejects(redis.stream('raw', { json: false }).publish({}), { name: 'TypeError' })
    assert.equal(cli(server.port, 'XLEN', 'raw'), '0', 'nothing was sent for the bad publish')
  } finally {
    await consumer.close()
    await redis.quit()
    await server.stop()
  }
})

test('a consumer survives a server restart; entries acknowledged after it are not lost or repeated', async () => {
  // Persistence on every write, as a durable deployment would run it.
  const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always'])
  const redis = new Redis({ port: server.port })
  redis.on('error', () => {})
  const stream = redis.stream('orders')
  await stream.createGroup('billing', { startId: '0' })
  const consumer = stream.consumer({ group: 'billing', consumer: 'w1', count: 5, blockMs: 200 })
  const errors = []
  consumer.on('error', (e) => errors.push(e))
  try {
    for (let i = 0; i < 10; i++) await stream.publish({ n: i })
    const first = await consumer.read()
    assert.deepEqual(
      first.map((m) => m.data.n),
      [0, 1, 2, 3, 4]
    )
    await server.restart()
    // Acknowledged after the restart: the group's pending list survived it.
    assert.equal(await stream.ack('billing', first[0].id, first[1].id), 2)
    await stream.publish({ n: 10 })
    const rest = await collect(consumer, (s) => [5, 6, 7, 8, 9, 10].every((n) => s.some((m) => m.data.n === n)))
    const got = rest.map((m) => m.data.n)
    // Entries 2-4 are still pending (delivered, never acknowledged): after the connection
    // dropped, the consumer reads its own pending entries first, so they come again, once;
    // 0 and 1, acknowledged, never do.
    assert.deepEqual(
      [...got].sort((a, b) => a - b),
      [2, 3, 4, 5, 6, 7, 8, 9, 10]
    )
    for (const m of [...first.slice(2), ...rest]) await m.ack()
    assert.equal(await stream.pending('billing'), 0)
    assert.equal(await stream.length(), 11)

    // Killed during a blocking read: that read fails, and the next one starts with this
    // consumer's own pending entries (the reply of a read can be lost with a connection).
    await stream.publish({ n: 11 })
    const [eleven] = await consumer.read()
    assert.equal(eleven.data.n, 11)
    const blocked = assert.rejects(consumer.read(), { code: 'ERR_REDIS_CONNECTION' })
    // Kill once the server holds the read blocked.
    while (!cli(server.port, 'CLIENT', 'LIST').includes('cmd=xreadgroup')) await sleep(5)
    await server.kill()
    await blocked
    await server.spawn()
    const again = await collect(consumer, (s) => s.length >= 1)
    assert.equal(again[0].data.n, 11)
    assert.equal(await again[0].ack(), 1)
    assert.equal(await stream.pending('billing'), 0)
  } finally {
    await consumer.close()
    await redis.quit()
    await server.stop()
  }
})

test('a consumer that crashed gets its unacknowledged entries again; claimIdleMs takes over abandoned ones', async () => {
  const server = await RedisServer.start()
  const client = createClient({ url: server.url })
  await client.connect()
  const stream = client.stream('jobs')
  try {
    await stream.createGroup('workers')
    for (let i = 0; i < 4; i++) await stream.publish({ job: i })
    const crashed = stream.consumer({ group: 'workers', consumer: 'a', count: 2, blockMs: 100 })
    const taken = await crashed.read()
    assert.equal(taken.length, 2)
    await crashed.close()
    // The same consumer name, restarted: its own pending entries come first.
    const again = stream.consumer({ group: 'workers', consumer: 'a', count: 10, blockMs: 100 })
    const redelivered = await again.read()
    assert.deepEqual(
      redelivered.map((m) => m.data.job),
      [0, 1]
    )
    await again.close()
    // Another consumer takes entries idle for longer than claimIdleMs.
    await sleep(150)
    const other = stream.consumer({ group: 'workers', consumer: 'b', count: 10, blockMs: 100, claimIdleMs: 100 })
    const claimed = await collect(other, (s) => s.filter((m) => m.data.job < 2).length >= 2)
    for (const m of claimed) await m.ack()
    const rest = await collect(other, (s) => s.length >= 2)
    assert.deepEqual(
      rest.map((m) => m.data.job),
      [2, 3]
    )
    for (const m of rest) await m.ack()
    assert.equal(await stream.pending('workers'), 0)
    await other.close()
  } finally {
    await client.quit()
    await server.stop()
  }
})

test('run(handler): acknowledges after the handler, leaves failed entries pending, stops on close', async () => {
  const server = await RedisServer.start()
  const redis = new Redis({ port: server.port })
  const stream = redis.stream('mail')
  const consumer = stream.consumer({ group: 'senders', consumer: 'x', blockMs: 100, startId: '0' })
  try {
    for (let i = 0; i < 5; i++) await stream.publish({ i })
    const handled = []
    const failed = []
    consumer.on('failed', (m, err) => failed.push([m.data.i, err.message]))
    const running = consumer.run(async (data) => {
      if (data.i === 3) throw new Error('smtp down')
      handled.push(data.i)
    })
    await waitFor(() => handled.length >= 4 && failed.length >= 1, 5000).catch(() => {})
    assert.deepEqual(handled, [0, 1, 2, 4])
    assert.deepEqual(failed, [[3, 'smtp down']])
    assert.equal(await stream.pending('senders'), 1, 'the failed entry stays pending')
    await consumer.close()
    await running
    assert.equal(consumer.closed, true)
    // Its connection is gone: only the command connection remains (once the server has
    // seen the close).
    const others = () => cli(server.port, 'CLIENT', 'LIST').split('\n').filter((l) => !l.includes('cmd=client'))
    await waitFor(() => others().length === 1, 5000).catch(() => {})
    assert.equal(others().length, 1, others().join('\n'))
  } finally {
    await consumer.close()
    await redis.quit()
    await server.stop()
  }
})
