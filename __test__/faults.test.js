'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, freePort, sleep, cli, bothFaces, waitFor } = require('./helpers')
const { Redis, createClient } = require('..')

const unhandled = []
process.on('unhandledRejection', (e) => unhandled.push(e))

function once(emitter, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms)
    emitter.once(event, (...a) => {
      clearTimeout(t)
      resolve(a)
    })
  })
}

test('wrong password: auth error code, no secret in messages; right password works', async () => {
  const server = await RedisServer.start(['--requirepass', 'correct-horse-42'])
  try {
    const bad = new Redis({ port: server.port, password: 'wrong-battery-17', retryStrategy: () => null })
    const errors = []
    bad.on('error', (e) => errors.push(e))
    const err = await bad.get('k').catch((e) => e)
    assert.equal(err.code, 'ERR_REDIS_AUTH')
    assert.ok(errors.length >= 1)
    for (const e of [err, ...errors]) {
      assert.ok(!e.message.includes('wrong-battery-17'), e.message)
      assert.ok(!String(e.stack).includes('wrong-battery-17'))
    }
    bad.disconnect()
    const good = new Redis(`redis://:correct-horse-42@127.0.0.1:${server.port}`)
    assert.equal(await good.ping(), 'PONG')
    await good.quit()
  } finally {
    await server.stop()
  }
})

test('command deadline covers a slow server (DEBUG SLEEP) and the client stays usable', async () => {
  const server = await RedisServer.start()
  const redis = new Redis({ port: server.port, commandTimeout: 200 })
  try {
    await redis.ping()
    const t0 = Date.now()
    const err = await redis.debug('SLEEP', '1').catch((e) => e)
    const took = Date.now() - t0
    assert.equal(err.code, 'ERR_REDIS_TIMEOUT')
    assert.ok(took >= 190 && took < 800, `took ${took} ms`)
    // The server itself stays busy until its sleep ends (redis-cli's PING returns then);
    // then the client carries on.
    assert.equal(cli(server.port, 'PING'), 'PONG')
    assert.equal(await redis.set('after', '1'), 'OK')
    // Blocking commands get their own block time on top of the deadline.
    assert.equal(await redis.blpop('empty-list', 0.5), null)
    // BLMPOP's block time is its first argument (then numkeys): 1.5 s here. Reading numkeys
    // (1) as the block time would give a 1.2 s deadline and a timeout instead of null.
    assert.equal(await redis.blmpop(1.5, 1, 'empty-list', 'LEFT'), null)
  } finally {
    await redis.quit()
    await server.stop()
  }
})

test('server killed mid-load: every promise settles, no unhandled rejection, client recovers', async () => {
  const server = await RedisServer.start()
  const redis = new Redis({ port: server.port, maxRetriesPerRequest: 2, retryStrategy: (n) => Math.min(n * 20, 200) })
  const events = []
  for (const ev of ['close', 'reconnecting', 'ready', 'error']) redis.on(ev, () => events.push(ev))
  try {
    await redis.ping()
    let issued = 0
    let settled = 0
    let ok = 0
    let failed = 0
    const codes = new Set()
    const all = []
    const pump = (async () => {
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 100; i++) {
          issued++
          all.push(
            redis.set(`load:${i}`, 'x'.repeat(100)).then(
              () => {
                settled++
                ok++
              },
              (e) => {
                settled++
                failed++
                codes.add(e.code)
              }
            )
          )
        }
        await sleep(5)
      }
    })()
    // Some commands have completed before the server goes.
    await waitFor(() => ok > 0)
    await server.kill()
    await pump
    await Promise.race([Promise.all(all), sleep(15000)])
    assert.equal(settled, issued, 'every pending command settled')
    assert.ok(ok > 0 && failed > 0, `ok=${ok} failed=${failed}`)
    for (const c of codes) assert.ok(['ERR_REDIS_CONNECTION', 'ERR_REDIS_MAX_RETRIES', 'ERR_REDIS_TIMEOUT'].includes(c), c)
    assert.ok(events.includes('close') && events.includes('reconnecting'))
    const ready = once(redis, 'ready')
    await server.spawn()
    await ready
    assert.equal(await redis.set('back', 'yes'), 'OK')
    assert.equal(await redis.get('back'), 'yes')
    assert.deepEqual(unhandled, [])
  } finally {
    await redis.quit()
    await server.stop()
  }
})

test('offline queue is bounded; queued commands run once the server appears', async () => {
  const port = await freePort()
  const redis = new Redis({ port, maxOfflineQueue: 5, maxRetriesPerRequest: null, retryStrategy: () => 50 })
  redis.on('error', () => {})
  const ps = []
  // One command per tick: the bound applies to each tick's batch as a whole.
  for (let i = 0; i < 8; i++) {
    ps.push(redis.set(`q:${i}`, String(i)).then((v) => v, (e) => e))
    await new Promise((r) => setImmediate(r))
  }
  const whole = await Promise.all([redis.get('a'), redis.get('b'), redis.get('c'), redis.get('d'), redis.get('e'), redis.get('f')].map((p) => p.catch((e) => e.code)))
  assert.deepEqual(whole, Array(6).fill('ERR_REDIS_OFFLINE_QUEUE_FULL'))
  const server = new RedisServer()
  server.port = port
  try {
    await sleep(150)
    await server.spawn()
    const res = await Promise.all(ps)
    assert.deepEqual(res.slice(0, 5), ['OK', 'OK', 'OK', 'OK', 'OK'])
    for (const r of res.slice(5)) assert.equal(r.code, 'ERR_REDIS_OFFLINE_QUEUE_FULL')
    assert.equal(cli(port, 'GET', 'q:4'), '4')
  } finally {
    await redis.quit()
    await server.stop()
  }
})

test('maxRetriesPerRequest rejects waiting commands; an error with no listener does not crash', async () => {
  const port = await freePort()
  // No 'error' listener on purpose.
  const redis = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => 20 })
  const err = await redis.get('k').catch((e) => e)
  assert.equal(err.code, 'ERR_REDIS_MAX_RETRIES')
  // Further failed attempts (each an 'error' nobody listens to) leave the process standing.
  await once(redis, 'reconnecting')
  await once(redis, 'reconnecting')
  const ended = once(redis, 'end')
  redis.disconnect()
  await ended
})

test('retry strategy giving up ends the client and rejects what waits', async () => {
  const port = await freePort()
  const redis = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: (n) => (n < 2 ? 10 : null) })
  redis.on('error', () => {})
  const ended = once(redis, 'end')
  const err = await redis.get('k').catch((e) => e)
  await ended
  assert.ok(['ERR_REDIS_CONNECTION', 'ERR_REDIS_CLOSED'].includes(err.code), err.code)
  assert.equal(redis.status, 'end')
  await assert.rejects(redis.get('k'), (e) => e.code === 'ERR_REDIS_CLOSED')

  const c = createClient({ socket: { port, reconnectStrategy: false } })
  c.on('error', () => {})
  await assert.rejects(c.connect(), (e) => e.code === 'ERR_REDIS_CLOSED')
})

test('db and connection name are re-applied after a restart; disconnect() rejects in-flight commands', async () => {
  const server = await RedisServer.start()
  const redis = new Redis({ port: server.port, db: 3, connectionName: 'hp-test', retryStrategy: () => 30 })
  redis.on('error', () => {})
  try {
    await redis.set('where', 'db3')
    assert.equal(cli(server.port, '-n', '3', 'GET', 'where'), 'db3')
    const ready = once(redis, 'ready')
    await server.restart()
    await ready
    assert.equal(await redis.client('GETNAME'), 'hp-test')
    await redis.set('where', 'again')
    assert.equal(cli(server.port, '-n', '3', 'GET', 'where'), 'again')
    const pending = redis.blpop('never', 0)
    await waitFor(() => cli(server.port, 'CLIENT', 'LIST').includes('cmd=blpop'))
    redis.disconnect()
    await assert.rejects(pending, (e) => ['ERR_REDIS_CONNECTION', 'ERR_REDIS_CLOSED'].includes(e.code))
  } finally {
    await server.stop()
  }
})

test('a command that times out in the offline queue reports its own timeout, not the default', async () => {
  const port = await freePort()
  const r = new Redis({ port, commandTimeout: 200, retryStrategy: () => 50, maxRetriesPerRequest: null })
  r.on('error', () => {})
  try {
    // No server: both wait in the offline queue until their deadlines (issued in two ticks,
    // so they are two batches, each with its own deadline).
    const first = r.get('k')
    await new Promise((resolve) => setImmediate(resolve))
    const [plain, blocking] = await Promise.allSettled([first, r.blpop('q', 1)])
    assert.equal(plain.reason.code, 'ERR_REDIS_TIMEOUT')
    assert.match(plain.reason.message, /after 200 ms/)
    // A blocking command's deadline is its block time on top of the command timeout.
    assert.equal(blocking.reason.code, 'ERR_REDIS_TIMEOUT')
    assert.match(blocking.reason.message, /after 1200 ms/)
  } finally {
    r.disconnect()
  }
})

test('enableOfflineQueue: false rejects at once while disconnected', async () => {
  const server = await RedisServer.start()
  // A long deadline: a command that waited (queued) instead of rejecting at once would end
  // as a timeout, not as the connection error asserted below.
  const redis = new Redis({ port: server.port, enableOfflineQueue: false, retryStrategy: () => 5000, commandTimeout: 60_000 })
  redis.on('error', () => {})
  try {
    // Before ready it would be refused too (as in ioredis): wait for it.
    await once(redis, 'ready')
    await redis.ping()
    const closed = once(redis, 'close')
    await server.kill()
    await closed
    await assert.rejects(redis.get('k'), (e) => e.code === 'ERR_REDIS_CONNECTION' && /enableOfflineQueue/.test(e.message))
  } finally {
    redis.disconnect()
    await server.stop()
  }
})

test('a database chosen with SELECT survives a reconnection (both faces)', async () => {
  const server = await RedisServer.start()
  const { io, nr } = await bothFaces(server)
  try {
    assert.equal(await io.select(4), 'OK')
    assert.equal(await nr.select(5), 'OK')
    const ready = Promise.all([once(io, 'ready'), once(nr, 'ready')])
    await server.restart()
    await ready
    await io.set('where', 'four')
    await nr.set('where', 'five')
    assert.equal(cli(server.port, '-n', '4', 'GET', 'where'), 'four')
    assert.equal(cli(server.port, '-n', '5', 'GET', 'where'), 'five')
    assert.equal(cli(server.port, '-n', '0', 'EXISTS', 'where'), '0')
  } finally {
    io.disconnect()
    await nr.disconnect()
    await server.stop()
  }
})
