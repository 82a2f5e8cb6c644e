'use strict'
// The ioredis face's connection lifecycle as ioredis 6 has it, each case checked against
// real ioredis on the same kind of server: connect() settles with its attempt, 'close' ends
// every attempt, retryStrategy null means no reconnection, disconnect(true) comes back
// without 'end', quit() while not connected makes no attempt, commands cut off by a lost
// connection are AbortErrors that name themselves, and a closing client never resets the
// server's socket.
const test = require('node:test')
const assert = require('node:assert/strict')
const IORedis = require('ioredis')
const { Redis } = require('..')
const { RedisServer, freePort } = require('./helpers')
const { mockServer } = require('./fixtures/mock-server')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(() => server.stop())

/** Runs `scenario(Client)` on real ioredis and on our face; both outcomes must be equal. */
async function same(scenario) {
  const real = await scenario(IORedis)
  const ours = await scenario(Redis)
  assert.deepEqual(ours, real)
  return ours
}

/** Events of `client` in order, until `until` is seen (or `ms` pass). */
function events(client, until, ms = 3000) {
  const seen = []
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([...seen]), ms)
    for (const name of ['connect', 'ready', 'close', 'reconnecting', 'end']) {
      client.on(name, () => {
        if (seen[seen.length - 1] !== name) seen.push(name)
        if (name === until) {
          clearTimeout(timer)
          resolve([...seen])
        }
      })
    }
    client.on('error', () => {})
  })
}

test('connect() rejects when its attempt closes: status end without retries, reconnecting with them', async () => {
  const port = await freePort()
  const out = await same(async (Client) => {
    const noRetry = new Client({ port, lazyConnect: true, retryStrategy: null })
    noRetry.on('error', () => {})
    const a = await noRetry.connect().then(
      () => 'resolved',
      (e) => [e.message, noRetry.status]
    )
    noRetry.disconnect()
    const retrying = new Client({ port, lazyConnect: true, retryStrategy: () => 50 })
    retrying.on('error', () => {})
    const b = await retrying.connect().then(
      () => 'resolved',
      (e) => [e.message, retrying.status]
    )
    retrying.disconnect()
    return [a, b]
  })
  assert.deepEqual(out, [
    ['Connection is closed.', 'end'],
    ['Connection is closed.', 'reconnecting'],
  ])
})

test("every failed attempt emits 'close'; retryStrategy returning null ends at once", async () => {
  const port = await freePort()
  await same(async (Client) => {
    let calls = 0
    let statusAfter = null
    const client = new Client({
      port,
      retryStrategy: (times) => {
        calls = times
        if (times < 2) return 10
        process.nextTick(() => (statusAfter = client.status))
        return null
      },
    })
    const seen = await events(client, 'end')
    client.disconnect()
    return { seen, calls, statusAfter }
  })
})

test('disconnect(true) reconnects without end; a command issued meanwhile runs after it', async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port })
    await new Promise((r) => client.once('ready', r))
    const seen = events(client, 'ready')
    client.disconnect(true)
    const value = await client.set('lifecycle:k', 'v').then(() => client.get('lifecycle:k'))
    const order = await seen
    client.disconnect()
    return { value, order }
  })
})

test('quit() before connecting resolves OK (quitBuffer: a Buffer) without a reconnection attempt', async () => {
  const port = await freePort()
  await same(async (Client) => {
    let attempts = 0
    const client = new Client({ port, retryStrategy: () => ++attempts })
    client.on('error', () => {})
    const ok = await client.quit()
    const other = new Client({ port, retryStrategy: () => ++attempts })
    other.on('error', () => {})
    const buf = await other.quitBuffer()
    return { ok, buf: Buffer.isBuffer(buf) && buf.toString(), attempts }
  })
})

test('quit() settles (and calls back) before end is emitted', async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port })
    const order = []
    client.on('end', () => order.push('end'))
    await new Promise((r) => client.once('ready', r))
    await new Promise((resolve) => {
      client.quit(() => order.push('callback'))
      client.once('end', resolve)
    })
    return order
  })
})

/** A server that reads `set` and `get` and answers neither, then closes the connection. */
function silentCloser() {
  return mockServer((argv, socket) => {
    if (argv[0] === 'get') setImmediate(() => socket.destroy())
    return argv[0] === 'get' || argv[0] === 'set' ? { raw: '' } : undefined
  })
}

/** set + get in flight when the server closes: how each settles. */
async function cutOff(Client, options) {
  const mock = await silentCloser()
  try {
    const client = new Client({ port: mock.port, ...options })
    client.on('error', () => {})
    await new Promise((r) => client.once('ready', r))
    const outcomes = await Promise.all([client.set('a', '1'), client.get('b')].map((p) => p.then(() => 'resolved', (e) => ({ name: e.name, message: e.message, command: e.command }))))
    client.disconnect()
    return outcomes
  } finally {
    await mock.close()
  }
}

test('commands in flight when the server closes, without reconnection: "Connection is closed." as from ioredis', async () => {
  await same((Client) => cutOff(Client, { retryStrategy: null }))
})

test('commands in flight when the connection is lost and comes back: an AbortError each, naming its command (ioredis re-sends them)', async () => {
  const out = await cutOff(Redis, { retryStrategy: () => 20 })
  assert.deepEqual(out, [
    { name: 'AbortError', message: 'Command aborted due to connection close', command: { name: 'set', args: ['a', '1'] } },
    { name: 'AbortError', message: 'Command aborted due to connection close', command: { name: 'get', args: ['b'] } },
  ])
})

test('pmessageBuffer gets the pattern as a string, the channel and message as Buffers', async () => {
  await same(async (Client) => {
    const sub = new Client({ port: server.port })
    const pub = new Client({ port: server.port })
    const got = new Promise((resolve) => sub.once('pmessageBuffer', (pattern, channel, message) => resolve([pattern, Buffer.isBuffer(channel), channel.toString(), Buffer.isBuffer(message), message.toString()])))
    await sub.psubscribe('life?cycle')
    await pub.publish('lifeXcycle', 'hello')
    const out = await got
    sub.disconnect()
    pub.disconnect()
    return out
  })
})

test('a client closing while the server still writes causes no reset on the server side', async () => {
  const resets = []
  const mock = await mockServer((argv, socket) => {
    if (!socket._watched) {
      socket._watched = true
      socket.on('error', (e) => resets.push(e.code))
    }
    return undefined
  })
  try {
    // disconnect() from inside the handshake, while the server is answering it.
    const client = new Redis({ port: mock.port, password: 'pw', protocol: 2 })
    client.on('error', () => {})
    await new Promise((resolve) => {
      const check = setInterval(() => {
        if (mock.log.some((argv) => argv[0] === 'auth')) {
          clearInterval(check)
          client.disconnect()
          resolve()
        }
      }, 1)
    })
    // And one disconnecting a ready client with replies on their way.
    const ready = new Redis({ port: mock.port })
    await new Promise((r) => ready.once('ready', r))
    ready.ping().catch(() => {})
    ready.disconnect()
    const closed = await new Promise((resolve) => setTimeout(() => resolve(mock.log.length), 300))
    assert.ok(closed > 0)
    assert.deepEqual(resets, [])
  } finally {
    await mock.close()
  }
})

test('stringNumbers: integer replies as text digit for digit (beyond 2^53 too), subscription counts too', async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port, stringNumbers: true })
    await client.set('sn:k', '9007199254740991')
    const incr = [await client.incr('sn:k'), await client.incr('sn:k')]
    const pipe = await client.pipeline().incr('sn:k').llen('sn:none').exec()
    const plain = new Client({ port: server.port })
    const number = await plain.incr('sn:small')
    await client.subscribe('sn:c')
    const count = await client.unsubscribe()
    await plain.del('sn:k', 'sn:small')
    client.disconnect()
    plain.disconnect()
    return { incr, pipe, number: typeof number, count }
  })
})

test('mode and commands while subscribed: RESP2 refuses them as ioredis does, RESP3 runs them', async () => {
  await same(async (Client) => {
    const out = {}
    for (const protocol of [2, 3]) {
      const client = new Client({ port: server.port, protocol })
      await client.subscribe('mode:c')
      const mode = client.mode
      const set = await client.set('mode:k', 'v').then(
        (v) => v,
        (e) => e.message
      )
      const ping = await client.ping()
      await client.unsubscribe()
      out[protocol] = { mode, set, ping, after: client.mode }
      client.disconnect()
    }
    return out
  })
})

test("keyPrefix: SORT's BY and GET patterns are prefixed as ioredis prefixes them", async () => {
  await same(async (Client) => {
    const plain = new Client({ port: server.port })
    await plain.flushall()
    const r = new Client({ port: server.port, keyPrefix: 'kp:' })
    await Promise.all([r.hset('object_1', 'name', 'better'), r.hset('weight_1', 'value', '20'), r.hset('object_2', 'name', 'best'), r.hset('weight_2', 'value', '10'), r.lpush('src', '1', '2')])
    await r.sort('src', 'BY', 'weight_*->value', 'GET', 'object_*->name', 'GET', '#', 'STORE', 'dest')
    const dest = await r.lrange('dest', 0, -1)
    const keys = (await plain.keys('kp:*')).sort()
    await plain.flushall()
    for (const c of [plain, r]) c.disconnect()
    return { dest, keys }
  })
})

test('a Buffer keyPrefix keeps its bytes, before Buffer and string keys alike', async () => {
  // (ioredis 6 itself writes a broken command for a string key after a Buffer prefix.)
  const b = new Redis({ port: server.port, keyPrefix: Buffer.from([0xff]) })
  const plain = new Redis({ port: server.port })
  try {
    await b.set('bar', 'baz')
    await b.set(Buffer.from([0xff]), 'x')
    assert.equal(await plain.get(Buffer.from([0xff, 0x62, 0x61, 0x72])), 'baz')
    assert.equal(await plain.get(Buffer.from([0xff, 0xff])), 'x')
  } finally {
    b.disconnect()
    plain.disconnect()
  }
})

test('without the offline queue, a command before ready is refused at once; select events only on a change', async () => {
  await same(async (Client) => {
    const r = new Client({ port: server.port, enableOfflineQueue: false })
    const early = await r.get('x').then(
      () => 'resolved',
      (e) => e.message
    )
    await new Promise((resolve) => r.once('ready', resolve))
    const changes = []
    r.on('select', (db) => changes.push(db))
    await r.select(2)
    await r.select(4)
    await r.select(4)
    r.disconnect()
    return { early, changes }
  })
})

test('disconnect(): replies already on their way still arrive; what is issued after fails "Connection is closed."', async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port })
    await new Promise((r) => client.once('ready', r))
    await client.set('drain:k', 'v')
    const ended = new Promise((r) => client.once('end', r))
    const inFlight = client.get('drain:k').then(
      (v) => v,
      (e) => e.message
    )
    client.disconnect()
    const after = await client.get('drain:k').then(
      (v) => v,
      (e) => e.message
    )
    const out = { inFlight: await inFlight, after }
    await ended
    return out
  })
})

test('multi({ pipeline: false }): MULTI now, the next commands QUEUED, redis.exec() gives [err, result] pairs (callback and promise)', async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port })
    const multi = await client.multi({ pipeline: false })
    const queued = await Promise.all([client.set('manual:k', 'bar'), client.get('manual:k'), client.incr('manual:k')])
    const viaCallback = await new Promise((resolve) => client.exec((err, results) => resolve({ err, results: results.map(([e, v]) => (e ? e.message : v)) })))
    await client.multi({ pipeline: false })
    await client.get('manual:k')
    const viaPromise = await client.exec()
    client.disconnect()
    return { multi, queued, viaCallback, viaPromise }
  })
})

test("pipeline([['multi'], ..., ['exec']]): an inline transaction in the array form, as ioredis takes it", async () => {
  await same(async (Client) => {
    const client = new Client({ port: server.port })
    const rows = await client.pipeline([['set', 'inline:k', '1'], ['multi'], ['incr', 'inline:k'], ['get', 'inline:k'], ['exec'], ['get', 'inline:k']]).exec()
    client.disconnect()
    return rows.map(([e, v]) => (e ? e.message : v))
  })
})
