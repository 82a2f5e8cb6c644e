'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, sleep, cli, bothFaces, publishFromChild } = require('./helpers')
const { Redis, createClient } = require('..')

async function until(pred, ms = 5000) {
  const t = Date.now()
  while (!pred()) {
    if (Date.now() - t > ms) throw new Error('condition not met in time')
    await sleep(10)
  }
}

test('ioredis face: message, pmessage, messageBuffer, order, unsubscribe', async () => {
  const server = await RedisServer.start()
  const pub = new Redis({ port: server.port })
  const sub = new Redis({ port: server.port })
  try {
    const got = []
    const bufs = []
    sub.on('message', (ch, m) => got.push([ch, m]))
    sub.on('messageBuffer', (ch, m) => bufs.push(m))
    assert.equal(await sub.subscribe('a', 'b'), 2)
    for (let i = 0; i < 200; i++) pub.publish('a', String(i))
    await pub.publish('b', Buffer.from([0xff, 0x00]))
    await until(() => got.length === 201)
    assert.deepEqual(got.slice(0, 200).map(([, m]) => Number(m)), [...Array(200).keys()])
    assert.ok(Buffer.isBuffer(bufs[0]))
    assert.deepEqual(bufs[200], Buffer.from([0xff, 0x00]))
    const pm = []
    sub.on('pmessage', (p, ch, m) => pm.push([p, ch, m]))
    await sub.psubscribe('news.*')
    await pub.publish('news.tech', 'hi')
    await until(() => pm.length === 1)
    assert.deepEqual(pm[0], ['news.*', 'news.tech', 'hi'])
    await sub.unsubscribe('a')
    await pub.publish('a', 'gone')
    await pub.publish('b', 'still')
    await until(() => got.some(([, m]) => m === 'still'))
    assert.ok(!got.some(([, m]) => m === 'gone'))
  } finally {
    await pub.quit()
    await sub.quit()
    await server.stop()
  }
})

test('node-redis face: per-call listeners, pSubscribe, unsubscribe one listener', async () => {
  const server = await RedisServer.start()
  const client = createClient({ url: server.url })
  await client.connect()
  const sub = client.duplicate()
  await sub.connect()
  try {
    const l1 = []
    const l2 = []
    const f1 = (m, ch) => l1.push([m, ch])
    await sub.subscribe('ch', f1)
    await sub.subscribe('ch', (m) => l2.push(m))
    const pl = []
    await sub.pSubscribe('ev:*', (m, ch) => pl.push([m, ch]))
    await client.publish('ch', 'one')
    await client.publish('ev:x', 'two')
    await until(() => l1.length === 1 && l2.length === 1 && pl.length === 1)
    assert.deepEqual(l1[0], ['one', 'ch'])
    assert.deepEqual(pl[0], ['two', 'ev:x'])
    await sub.unsubscribe('ch', f1)
    await client.publish('ch', 'three')
    await until(() => l2.length === 2)
    assert.equal(l1.length, 1)
  } finally {
    await sub.quit()
    await client.quit()
    await server.stop()
  }
})

test('subscriptions are restored after a server restart, with a resubscribed event', async () => {
  const server = await RedisServer.start()
  const sub = new Redis({ port: server.port, retryStrategy: () => 30 })
  sub.on('error', () => {})
  const pub = new Redis({ port: server.port, retryStrategy: () => 30 })
  pub.on('error', () => {})
  try {
    const got = []
    sub.on('message', (ch, m) => got.push(m))
    sub.on('pmessage', (p, ch, m) => got.push(`p:${m}`))
    await sub.subscribe('live')
    await sub.psubscribe('li*')
    const resub = new Promise((resolve) => sub.once('resubscribed', resolve))
    await server.restart()
    const info = await resub
    // The subscriber was down for the whole restart: a kill and a fresh start take time.
    assert.ok(Number.isInteger(info.downMs) && info.downMs > 0, `downMs ${info.downMs}`)
    await until(() => pub.status === 'ready')
    await pub.publish('live', 'after')
    await until(() => got.includes('after') && got.includes('p:after'))
  } finally {
    await sub.quit()
    await pub.quit()
    await server.stop()
  }
})

test('1000 subscribe/unsubscribe cycles leak no connections', async () => {
  const server = await RedisServer.start()
  const sub = new Redis({ port: server.port })
  try {
    await sub.ping()
    for (let i = 0; i < 1000; i++) {
      await sub.subscribe(`c${i}`)
      await sub.unsubscribe(`c${i}`)
    }
    const clients = cli(server.port, 'CLIENT', 'LIST').split('\n').filter((l) => !l.includes('cmd=client'))
    assert.equal(clients.length, 2, clients.join('\n')) // the command and the subscriber connection
    assert.equal(cli(server.port, 'PUBSUB', 'NUMSUB', 'c999'), 'c999\n0')
  } finally {
    await sub.quit()
    await server.stop()
  }
})

test('subscriptions(), JSON handlers on both faces, subscriptionsLost and resubscribed', async () => {
  const server = await RedisServer.start()
  const { io, nr } = await bothFaces(server)
  try {
    const got = []
    await io.subscribe('orders', (evt, ch) => got.push(['io', ch, evt]), { json: true })
    await io.psubscribe('ord*', (evt) => got.push(['io-p', evt.id]), { json: true })
    const nrListener = (evt, ch) => got.push(['nr', ch, evt])
    await nr.subscribe('orders', nrListener, { json: true })
    assert.deepEqual(io.subscriptions(), { channels: ['orders'], patterns: ['ord*'], shardChannels: [] })
    assert.deepEqual(nr.subscriptions(), { channels: ['orders'], patterns: [], shardChannels: [] })
    await io.publish('orders', JSON.stringify({ id: 7 }))
    await until(() => got.length === 3)
    assert.deepEqual(got.find((g) => g[0] === 'io'), ['io', 'orders', { id: 7 }])
    assert.deepEqual(got.find((g) => g[0] === 'nr'), ['nr', 'orders', { id: 7 }])
    assert.deepEqual(got.find((g) => g[0] === 'io-p'), ['io-p', 7])

    const lost = new Promise((r) => io.once('subscriptionsLost', r))
    const back = new Promise((r) => io.once('resubscribed', r))
    await server.restart()
    assert.deepEqual(await lost, { channels: ['orders'], patterns: ['ord*'], shardChannels: [] })
    const info = await back
    assert.deepEqual(info.channels, ['orders'])
    await nr.unsubscribe('orders', nrListener)
    assert.deepEqual(nr.subscriptions(), { channels: [], patterns: [], shardChannels: [] })
    await io.unsubscribe()
    assert.deepEqual(io.subscriptions().channels, [])
  } finally {
    io.disconnect()
    await nr.disconnect()
    await server.stop()
  }
})

test('a stalled JS thread: messages beyond the bound are dropped, counted and reported', async () => {
  const server = await RedisServer.start()
  const sub = new Redis({ port: server.port })
  try {
    let received = 0
    sub.on('message', () => received++)
    const dropped = new Promise((r) => sub.once('messagesDropped', r))
    await sub.subscribe('flood')
    // Block this thread while another process (this package, no external tool needed)
    // publishes 150 000 messages, and a while longer so the native reader has taken them
    // all off the socket.
    publishFromChild(server.port, 'flood', 150000, 'x')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500)
    const count = await Promise.race([dropped, new Promise((r) => setTimeout(r, 10000, 0).unref())])
    await until(() => received + sub.droppedMessages >= 150000, 10000)
    assert.ok(count > 0 && sub.droppedMessages > 0)
    // At least the bound's worth was kept; whatever was still in the socket when the thread
    // woke up arrives normally afterwards.
    assert.ok(received >= 100000, `received ${received}`)
    assert.equal(received + sub.droppedMessages, 150000, 'every message either delivered or counted')
  } finally {
    await sub.quit()
    await server.stop()
  }
})

test('batched delivery keeps every payload exact: UTF-8, invalid bytes, empty, Buffers, interleaved channels and patterns', async () => {
  const server = await RedisServer.start()
  const pub = new Redis({ port: server.port })
  const sub = new Redis({ port: server.port })
  const subB = new Redis({ port: server.port })
  try {
    const payloads = ['plain', '', 'é à ü', '😀 emoji', 'ascii after emoji', Buffer.from([0x61, 0xff, 0x62]), 'x'.repeat(70000)]
    const expected = []
    const got = []
    const bufs = []
    sub.on('message', (ch, m) => got.push([null, ch, m]))
    sub.on('pmessage', (p, ch, m) => got.push([p, ch, m]))
    // A Buffer listener switches a subscriber to Buffers: a second one covers that path.
    subB.on('messageBuffer', (ch, m) => bufs.push(Buffer.from(m)))
    await sub.subscribe('one', 'two')
    await sub.psubscribe('p.*')
    await subB.subscribe('one', 'two')
    // One pipeline: the messages reach the subscriber back to back, in one or few batches.
    const p = pub.pipeline()
    for (let i = 0; i < 300; i++) {
      const payload = payloads[i % payloads.length]
      const channel = ['one', 'two', 'p.x'][i % 3]
      p.publish(channel, payload)
      const text = Buffer.isBuffer(payload) ? payload.toString() : payload
      expected.push([channel === 'p.x' ? 'p.*' : null, channel, text])
    }
    await p.exec()
    await until(() => got.length === 300 && bufs.length === 200)
    assert.deepEqual(got, expected)
    // The invalid byte became U+FFFD in the string, and stays exact as a Buffer.
    assert.equal(got[5][2], 'a\ufffdb')
    const raw = []
    for (let i = 0; i < 300; i++) if (i % 3 !== 2) raw.push(Buffer.from(payloads[i % payloads.length]))
    assert.deepEqual(bufs, raw)
  } finally {
    await pub.quit()
    await sub.quit()
    await subB.quit()
    await server.stop()
  }
})
