'use strict'
// Redis Sentinel (issue #15, part): both faces find the primary (or a replica) through real
// redis-sentinel processes, follow a failover, skip a dead sentinel and learn the others.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisSentinelSet, freePort, waitFor, sleep, cli } = require('./helpers')
const { Redis, createSentinel } = require('..')

let set
test.before(async () => {
  set = await RedisSentinelSet.start({ replicas: 1, sentinels: 2 })
})
test.after(async () => {
  await set.stop()
})

function client(t, options) {
  const r = new Redis({ sentinels: set.sentinelNodes, name: set.name, retryStrategy: () => 50, ...options })
  r.on('error', () => {})
  t.after(() => r.disconnect())
  return r
}

test('ioredis face: the primary through Sentinel; role slave reaches a replica; a dead first sentinel is skipped', async (t) => {
  const dead = await freePort()
  const r = client(t, { sentinels: [{ host: '127.0.0.1', port: dead }, ...set.sentinelNodes] })
  assert.equal(await r.set('s:k', 'v'), 'OK')
  const [role] = await r.role()
  assert.equal(role, 'master')
  assert.match(await r.client('info'), new RegExp(`laddr=127\\.0\\.0\\.1:${set.masterPort()} `))

  const replica = client(t, { role: 'slave' })
  assert.equal((await replica.role())[0], 'slave')
  await waitFor(async () => (await replica.get('s:k')) === 'v')
  await assert.rejects(replica.set('s:x', '1'), /READONLY/)

  // The wrong set name: refused with a connection error that says why.
  const wrong = new Redis({ sentinels: set.sentinelNodes, name: 'nosuchset', retryStrategy: () => null, maxRetriesPerRequest: 0 })
  wrong.on('error', () => {})
  t.after(() => wrong.disconnect())
  const err = await wrong.get('k').catch((e) => e)
  assert.ok(['ERR_REDIS_CONNECTION', 'ERR_REDIS_MAX_RETRIES', 'ERR_REDIS_CLOSED'].includes(err.code), String(err))
  assert.throws(() => new Redis({ sentinels: set.sentinelNodes, lazyConnect: true }), TypeError)
})

test('node-redis face: createSentinel reaches the primary and a replica', async (t) => {
  const c = createSentinel({ name: set.name, sentinelRootNodes: set.sentinelNodes })
  c.on('error', () => {})
  await c.connect()
  t.after(() => c.disconnect())
  assert.equal(await c.set('s:nr', 'x'), 'OK')
  assert.equal((await c.sendCommand(['ROLE']))[0], 'master')
  const r = createSentinel({ name: set.name, sentinelRootNodes: set.sentinelNodes, role: 'replica' })
  r.on('error', () => {})
  await r.connect()
  t.after(() => r.disconnect())
  assert.equal((await r.sendCommand(['ROLE']))[0], 'slave')
})

test('a failover is followed: writes flow again on the new primary, every promise settles with a result or a coded error', async (t) => {
  const r = client(t, { commandTimeout: 2000, db: 2 })
  const before = set.masterPort()
  assert.equal(await r.set('fo:n', '0'), 'OK')
  // A subscriber and a near-cache through Sentinel too: both must carry on after the switch.
  const sub = client(t)
  const heard = []
  sub.on('message', (ch, m) => heard.push(m))
  await sub.subscribe('fo:ch')
  const cache = r.cache({ prefix: 'fo:c:', local: true })
  await cache.set('x', 1)
  assert.equal(await cache.get('x'), 1)
  let stop = false
  let ok = 0
  const failures = []
  const writer = (async () => {
    while (!stop) {
      try {
        await r.incr('fo:n')
        ok++
      } catch (e) {
        failures.push(e)
      }
      await sleep(5)
    }
  })()
  await waitFor(() => ok > 20)
  const t0 = Date.now()
  cli(set.sentinels[0].port, 'SENTINEL', 'FAILOVER', set.name)
  await waitFor(() => set.masterPort() !== before, 20000)
  // Writes succeed against the new primary.
  await waitFor(async () => {
    const [role] = await r.role().catch(() => [null])
    const info = await r.client('info').catch(() => '')
    return role === 'master' && info.includes(`laddr=127.0.0.1:${set.masterPort()} `)
  }, 20000)
  const okAt = ok
  const base = Number(await r.get('fo:n'))
  // The database is still 2; messages published on the new primary arrive; the near-cache
  // hears invalidations from the new primary.
  assert.match(await r.client('info'), /\bdb=2\b/)
  const pub = client(t)
  await waitFor(async () => {
    await pub.publish('fo:ch', 'after')
    return heard.includes('after')
  }, 10000)
  assert.equal(await cache.get('x'), 1)
  await pub.select(2)
  await pub.set('fo:c:x', '2')
  await waitFor(async () => (await cache.get('x')) === 2, 5000)
  await waitFor(() => ok > okAt + 20, 10000)
  const recovered = Date.now() - t0
  stop = true
  await writer
  for (const e of failures) assert.ok(typeof e.code === 'string' && e.code.startsWith('ERR_'), String(e))
  // Every increment acknowledged once the client is on the new primary is there. (Those the
  // old primary acknowledged between the promotion and its demotion are gone: replication
  // is asynchronous, which is what the README's durability section is about.)
  const final = Number(await r.get('fo:n'))
  assert.ok(final - base >= ok - okAt - 1, `${final - base} < ${ok - okAt}`)
  t.diagnostic(`failover followed in ${recovered} ms; ${failures.length} commands failed meanwhile; ${Math.max(0, okAt - base)} increments acknowledged by the old primary were lost`)
})

test('a sentinel learned from another is asked when the configured one is gone', async (t) => {
  // Only the first sentinel is configured; the client learns the second from it.
  const r = client(t, { sentinels: [set.sentinelNodes[0]] })
  assert.equal(await r.set('ls:k', '1'), 'OK')
  // On the replica before the failover (replication is asynchronous). The previous test's
  // failover leaves the former primary resyncing as a replica, which on a loaded machine
  // takes a while.
  await waitFor(async () => (await r.wait(1, 1000).catch(() => 0)) === 1, 60000)
  const first = set.sentinels[0]
  await first.kill()
  t.after(() => first.spawn())
  const before = set.masterPort(set.sentinels[1])
  cli(set.sentinels[1].port, 'SENTINEL', 'FAILOVER', set.name)
  await waitFor(() => set.masterPort(set.sentinels[1]) !== before, 20000)
  await waitFor(async () => {
    const info = await r.client('info').catch(() => '')
    return info.includes(`laddr=127.0.0.1:${set.masterPort(set.sentinels[1])} `)
  }, 20000)
  assert.equal(await r.incr('ls:k'), 2)
})

test('every capability through Sentinel: cache (near-cache too), sessions, all four limiters, locks with fences, streams, queue', async (t) => {
  const { RedisStore, Queue, Worker } = require('..')
  const r = client(t)
  // Cache, with a near-cache kept coherent.
  const cache = r.cache({ prefix: 'cap:c:', local: true })
  let loads = 0
  assert.deepEqual(await cache.wrap('u1', async () => ({ n: ++loads })), { n: 1 })
  assert.deepEqual(await cache.wrap('u1', async () => ({ n: ++loads })), { n: 1 })
  const other = client(t)
  await other.set('cap:c:u1', JSON.stringify({ n: 9 }))
  await waitFor(async () => (await cache.get('u1')).n === 9, 5000)
  // Sessions.
  const store = new RedisStore({ client: r, prefix: 'cap:s:' })
  await new Promise((resolve, reject) => store.set('sid', { cookie: { maxAge: 60_000 }, user: 7 }, (e) => (e ? reject(e) : resolve())))
  const sess = await new Promise((resolve, reject) => store.get('sid', (e, v) => (e ? reject(e) : resolve(v))))
  assert.equal(sess.user, 7)
  // Every limiter algorithm holds its limit.
  for (const algorithm of ['sliding-window', 'sliding-window-counter', 'fixed-window', 'token-bucket']) {
    const limiter = r.rateLimiter({ limit: 3, windowMs: 60_000, algorithm, prefix: `cap:rl:${algorithm}:` })
    const seen = []
    for (let i = 0; i < 5; i++) seen.push((await limiter.limit('ip')).allowed)
    assert.deepEqual(seen, [true, true, true, false, false], algorithm)
  }
  // Locks: fences grow.
  const a = await r.lock('cap:res', 2000)
  await a.release()
  const b = await r.lock('cap:res', 2000)
  assert.ok(b.fence > a.fence)
  await b.release()
  assert.equal(await r.withLock('cap:res', 2000, async () => 'done'), 'done')
  // Streams: published, consumed, acknowledged.
  const s = r.stream('cap:events')
  await s.publish({ n: 1 })
  const consumer = s.consumer({ group: 'g', consumer: 'c1', startId: '0' })
  const got = await new Promise((resolve, reject) => {
    consumer.run(async (msg) => resolve(msg)).catch(reject)
  })
  assert.deepEqual(got, { n: 1 })
  await consumer.close()
  // Queue: a job added through Sentinel is processed.
  const queue = new Queue('cap-q', { connection: r })
  const worker = new Worker('cap-q', async (job) => job.data.x * 2, { connection: r })
  t.after(() => worker.close())
  const done = new Promise((resolve) => worker.on('completed', (job, result) => resolve(result)))
  await queue.add('double', { x: 21 })
  assert.equal(await done, 42)
  await queue.close()
})

test('durability knob: waitReplicas makes lock acquire, session writes and queue adds wait for replicas, and fail when too few acknowledge', async (t) => {
  const { RedisStore, Queue } = require('..')
  const r = client(t)
  // The earlier failovers leave a replica resyncing: wait until one is back in sync.
  await waitFor(async () => (await r.wait(1, 200).catch(() => 0)) >= 1, 30000)
  // One replica: waiting for one succeeds.
  // (Generous deadlines where success is expected: a loaded machine delays the replica's ack.)
  const lock = await r.lock('dur:res', 5000, { waitReplicas: 1, waitTimeoutMs: 5000 })
  assert.ok(lock.fence >= 1)
  await lock.release()
  // Two asked, one there: not acquired, and the lock is not left behind.
  const e = await r.lock('dur:res', 5000, { waitReplicas: 2, waitTimeoutMs: 100, retryCount: 0 }).catch((x) => x)
  assert.equal(e.code, 'ERR_LOCK_NOT_ACQUIRED')
  assert.equal(e.acked, 1)
  const free = await r.lock('dur:res', 5000, { retryCount: 0 })
  await free.release()

  const store = (n) => new RedisStore({ client: r, prefix: 'dur:s:', waitReplicas: n, waitTimeoutMs: n === 1 ? 5000 : 100 })
  const set = (s) => new Promise((resolve) => s.set('sid', { cookie: { maxAge: 60_000 }, n: 1 }, resolve))
  assert.equal(await set(store(1)), null)
  const se = await set(store(2))
  assert.equal(se && se.code, 'ERR_REDIS_NOT_REPLICATED')
  assert.deepEqual([se.acked, se.replicas], [1, 2])

  const ok = new Queue('dur-q', { connection: r, waitReplicas: 1, waitTimeoutMs: 5000 })
  assert.ok((await ok.add('j', {})).id)
  const strict = new Queue('dur-q', { connection: r, waitReplicas: 2, waitTimeoutMs: 100 })
  await assert.rejects(strict.add('j', {}), (x) => x.code === 'ERR_REDIS_NOT_REPLICATED')
  await ok.close()
  await strict.close()
  assert.throws(() => new Queue('dur-q', { connection: r, waitReplicas: -1 }), RangeError)
})

test('sentinels over TLS (ioredis sentinelTLS, node-redis sentinelClientOptions.socket.tls); tls reaches the data servers only with enableTLSForSentinelMode, as in ioredis', async (t) => {
  const fs = require('fs')
  const os = require('os')
  const path = require('path')
  const { makeCerts } = require('./helpers')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-tls-sentinel-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  makeCerts(dir)
  const tls = { cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key'), ca: path.join(dir, 'ca.pem') }
  const secure = await RedisSentinelSet.start({ replicas: 0, sentinels: 1, tls })
  t.after(() => secure.stop())
  const ca = fs.readFileSync(tls.ca)
  const open = (options) => {
    const r = new Redis({ sentinels: secure.tlsSentinelNodes, name: secure.name, ...options })
    r.on('error', () => {})
    t.after(() => r.disconnect())
    return r
  }
  const once = { retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 }

  const r = open({ sentinelTLS: { ca } })
  assert.equal(await r.set('tls:s', 'v'), 'OK')
  assert.match(await r.client('info'), new RegExp(`laddr=127\\.0\\.0\\.1:${secure.primary.port} `))
  // `tls` alone is not for the data servers in Sentinel mode (they speak plain TCP here).
  assert.equal(await open({ sentinelTLS: { ca }, tls: { ca } }).get('tls:s'), 'v')
  const both = await open({ sentinelTLS: { ca }, tls: { ca }, enableTLSForSentinelMode: true, ...once }).get('tls:s').catch((e) => e)
  assert.ok(both instanceof Error && typeof both.code === 'string', 'TLS to a plain data server fails, coded')
  // Plain TCP to a TLS sentinel, and a sentinel certificate from an unknown CA: refused.
  for (const options of [{}, { sentinelTLS: {} }]) {
    const refused = open({ ...options, ...once })
    const why = new Promise((resolve) => refused.once('error', resolve))
    const e = await refused.get('tls:s').catch((x) => x)
    assert.ok(e instanceof Error && typeof e.code === 'string', String(e))
    assert.match((await why).message, /sentinel 127\.0\.0\.1:\d+/)
  }

  const nr = createSentinel({ name: secure.name, sentinelRootNodes: secure.tlsSentinelNodes, sentinelClientOptions: { socket: { tls: true, ca } } })
  nr.on('error', () => {})
  await nr.connect()
  t.after(() => nr.disconnect())
  assert.equal(await nr.get('tls:s'), 'v')
})
