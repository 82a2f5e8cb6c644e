'use strict'
// Redis Cluster with replicas (issue #15, part): a real local cluster of 3 primaries and 3
// replicas. Reads from replicas on request; a graceful CLUSTER FAILOVER and a primary
// killed with SIGKILL are followed, every promise settling with a result or a coded error.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisCluster, cli, waitFor, sleep } = require('./helpers')
const { Cluster, createCluster } = require('..')

let cluster
test.before(async () => {
  cluster = await RedisCluster.start(3, { replicas: 1 })
})
test.after(async () => {
  await cluster.stop()
})

function client(t, options) {
  const c = new Cluster(cluster.startupNodes, { redisOptions: { commandTimeout: 3000 }, ...options })
  c.on('error', () => {})
  t.after(() => c.disconnect())
  return c
}

/** GET calls each node has served since the last CONFIG RESETSTAT. */
function getCalls(node) {
  const m = /cmdstat_get:calls=(\d+)/.exec(cli(node.port, 'INFO', 'commandstats'))
  return m ? Number(m[1]) : 0
}

test('scaleReads slave (ioredis) / useReplicas (node-redis): reads go to replicas, writes to primaries', async (t) => {
  const c = client(t, { scaleReads: 'slave' })
  const keys = Array.from({ length: 30 }, (_, i) => `sr:${i}`)
  for (const k of keys) assert.equal(await c.set(k, k), 'OK')
  // Replicated everywhere before reading.
  await waitFor(() => cluster.replicas.every((r) => cli(r.port, 'INFO', 'replication').includes('master_link_status:up')))
  for (const node of cluster.allNodes) cli(node.port, 'CONFIG', 'RESETSTAT')
  for (const k of keys) {
    const v = await c.get(k)
    // A replica may lag by a moment; the value comes from there either way.
    assert.ok(v === k || v === null, String(v))
  }
  assert.equal(cluster.nodes.reduce((n, node) => n + getCalls(node), 0), 0, 'no GET on a primary')
  assert.equal(cluster.replicas.reduce((n, node) => n + getCalls(node), 0), keys.length)

  const nr = createCluster({ rootNodes: cluster.startupNodes, useReplicas: true })
  nr.on('error', () => {})
  await nr.connect()
  t.after(() => nr.disconnect())
  for (const node of cluster.allNodes) cli(node.port, 'CONFIG', 'RESETSTAT')
  for (const k of keys) await nr.get(k)
  assert.equal(cluster.nodes.reduce((n, node) => n + getCalls(node), 0), 0)
  assert.throws(() => new Cluster(cluster.startupNodes, { scaleReads: 'sometimes', lazyConnect: true }), TypeError)
})

test('durability knob on Cluster: WAIT goes to every primary and counts the fewest acknowledgements', async (t) => {
  const { Queue } = require('..')
  const c = client(t)
  const lock = await c.lock('dur:res', 5000, { waitReplicas: 1 })
  await lock.release()
  const e = await c.lock('dur:res', 5000, { waitReplicas: 2, waitTimeoutMs: 100, retryCount: 0 }).catch((x) => x)
  assert.equal(e.code, 'ERR_LOCK_NOT_ACQUIRED')
  assert.equal(e.acked, 1)
  const q = new Queue('dur-cq', { connection: c, waitReplicas: 1 })
  assert.ok((await q.add('j', {})).id)
  await q.close()
})

/** The node that is primary for `key`'s slot now (asks the live nodes, not the paused ones). */
function ownerOf(key, nodes = cluster.allNodes) {
  const slot = Number(cli(nodes[0].port, 'CLUSTER', 'KEYSLOT', key))
  return nodes.find((node) => {
    const line = cli(node.port, 'CLUSTER', 'NODES').split('\n').find((l) => l.includes('myself'))
    return line.includes('master') && line.split(' ').slice(8).some((r) => {
      const [lo, hi] = r.split('-').map(Number)
      return slot >= lo && slot <= (hi ?? lo)
    })
  })
}

/** Every live replica (whichever nodes are replicas now) is linked to its primary. */
const inSync = () => cluster.allNodes.every((node) => cli(node.port, 'ROLE').startsWith('master') || cli(node.port, 'INFO', 'replication').includes('master_link_status:up'))

test('near-cache on Cluster (both faces): every node connection tracks, invalidations come from every shard, coherent across a CLUSTER FAILOVER', async (t) => {
  const reader = client(t)
  const writer = client(t)
  // Connected (and reading) before the near-cache exists: the client moves to a tracking
  // connection in the background, without a close.
  assert.equal(await reader.set('nc:warm', '1'), 'OK')
  const events = []
  for (const e of ['close', 'reconnecting', 'end']) reader.on(e, () => events.push(e))
  assert.throws(() => reader.cache({ prefix: 'nc:', local: { clusterTrustMs: 10 } }), RangeError)
  const cache = reader.cache({ prefix: 'nc:', local: true })
  const other = writer.cache({ prefix: 'nc:' })
  // Keys on every shard.
  const keys = ['{a}k', '{b}k', '{c}k', 'k1', 'k2', 'k3', 'k4', 'k5']
  const shards = new Set(keys.map((k) => ownerOf(`nc:${k}`).port))
  assert.equal(shards.size, 3, 'the keys span the three shards')
  for (const k of keys) await other.set(k, 'v1')
  await waitFor(() => cache.tracked && cache.trustedUntil > Date.now())
  const hitsOf = () => cache.stats().hits
  for (const k of keys) assert.equal(await cache.get(k), 'v1')
  const before = hitsOf()
  for (const k of keys) assert.equal(await cache.get(k), 'v1')
  assert.equal(hitsOf() - before, keys.length, 'second reads are local')
  // Writes from another client, on every shard, reach the near-cache as invalidations.
  for (const k of keys) await other.set(k, 'v2')
  await waitFor(() => cache.stats().entries === 0)
  for (const k of keys) assert.equal(await cache.get(k), 'v2')
  assert.equal(cache.stats().entries, keys.length)

  // The node-redis face has the same near-cache.
  const nr = createCluster({ rootNodes: cluster.startupNodes })
  nr.on('error', () => {})
  await nr.connect()
  t.after(() => nr.disconnect())
  const nrCache = nr.cache({ prefix: 'nc:', local: true })
  await waitFor(() => nrCache.tracked && nrCache.trustedUntil > Date.now())
  assert.equal(await nrCache.get('{b}k'), 'v2')
  assert.equal(await nrCache.get('{b}k'), 'v2')
  assert.equal(nrCache.stats().hits, 1)
  await other.set('{b}k', 'v3')
  await waitFor(async () => (await nrCache.get('{b}k')) === 'v3')

  // A graceful failover of one shard: the demoted primary still hears the writes (now from
  // its new primary) and invalidates what it tracked, so nothing stale is served.
  await waitFor(inSync, 20000)
  const shard = ownerOf('nc:{a}k')
  const replica = cluster.replicas.find((r) => r.proc && cli(r.port, 'INFO', 'replication').includes(`master_port:${shard.port}`))
  assert.ok(replica, 'the shard of {a} has a replica')
  cli(replica.port, 'CLUSTER', 'FAILOVER')
  await waitFor(() => cli(replica.port, 'ROLE').startsWith('master'), 20000)
  await other.set('{a}k', 'v4')
  await waitFor(async () => (await cache.get('{a}k')) === 'v4', 5000)
  assert.deepEqual(events, [], 'no close: the tracking switch and the failover are quiet')
})

test('a primary paused past the node timeout: the client learns the new slot map; the near-cache serves nothing older than a completed write', async (t) => {
  await waitFor(inSync, 30000)
  const reader = client(t)
  const writer = client(t)
  const cache = reader.cache({ prefix: 'pz:', local: true })
  const other = writer.cache({ prefix: 'pz:' })
  const key = '{a}k'
  await other.set(key, 'old')
  await waitFor(() => cache.tracked && cache.trustedUntil > Date.now())
  assert.equal(await cache.get(key), 'old')
  assert.equal(await cache.get(key), 'old')
  const paused = ownerOf(`pz:${key}`)
  const failures = []
  let written = null
  let stale = 0
  let reads = 0
  paused.proc.kill('SIGSTOP')
  const t0 = Date.now()
  try {
    // The writer retries until the replica has taken over and its client follows.
    const write = (async () => {
      while (Date.now() - t0 < 60000) {
        try {
          await other.set(key, 'new')
          written = Date.now()
          return
        } catch (e) {
          failures.push(e)
          await sleep(50)
        }
      }
    })()
    // The reader keeps reading through the pause: once the write has completed, it must
    // never see the old value again.
    const read = (async () => {
      while (written === null ? Date.now() - t0 < 60000 : Date.now() - written < 1000) {
        const doneBefore = written !== null
        const v = await cache.get(key).catch((e) => {
          failures.push(e)
          return null
        })
        reads++
        if (doneBefore && v === 'old') stale++
        await sleep(10)
      }
    })()
    await Promise.all([write, read])
  } finally {
    paused.proc.kill('SIGCONT')
  }
  assert.ok(written !== null, 'writes flow again while the old primary is still paused')
  assert.equal(stale, 0, 'no read after the completed write returned the old value')
  assert.equal(await cache.get(key), 'new')
  for (const e of failures) assert.ok(typeof e.code === 'string' && e.code.startsWith('ERR_'), String(e && e.stack))
  t.diagnostic(`primary paused (SIGSTOP): writes to its slots completed again ${written - t0} ms after the pause (node timeout 2 s); ${failures.length} commands failed meanwhile, each with a code; ${reads} near-cache reads, none stale`)
  await cluster.waitOk(30000)
  await waitFor(inSync, 30000)
})

/**
 * Runs increments on keys of every slot range while `fault()` happens; resolves with the
 * outcome once writes flow again on every shard.
 */
async function underFault(t, c, fault) {
  const keys = ['{a}:n', '{b}:n', '{c}:n', '{d}:n', '{e}:n', '{f}:n']
  for (const k of keys) await c.set(k, '0')
  const acked = Object.fromEntries(keys.map((k) => [k, 0]))
  const failures = []
  let stop = false
  const loops = keys.map(async (k) => {
    while (!stop) {
      try {
        await c.incr(k)
        acked[k]++
      } catch (e) {
        failures.push(e)
        await sleep(20)
      }
      await sleep(2)
    }
  })
  await waitFor(() => keys.every((k) => acked[k] > 10))
  const t0 = Date.now()
  await fault()
  // Every shard takes writes again.
  const at = { ...acked }
  await waitFor(() => keys.every((k) => acked[k] > at[k] + 10), 30000)
  const recovered = Date.now() - t0
  stop = true
  await Promise.all(loops)
  for (const e of failures) assert.ok(typeof e.code === 'string' && e.code.startsWith('ERR_'), String(e && e.stack))
  return { recovered, failures: failures.length, kinds: [...new Set(failures.map((e) => `${e.code}: ${String(e.message).slice(0, 60)}`))], keys, acked }
}

test('a graceful CLUSTER FAILOVER is followed; no acknowledged write is lost', async (t) => {
  const c = client(t)
  const replica = cluster.replicas[0]
  const { recovered, failures, keys, acked } = await underFault(t, c, async () => {
    cli(replica.port, 'CLUSTER', 'FAILOVER')
    await waitFor(() => cli(replica.port, 'ROLE').startsWith('master'), 20000)
  })
  // A graceful failover waits for the replica to catch up: nothing acknowledged is lost.
  for (const k of keys) assert.ok(Number(await c.get(k)) >= acked[k], `${k}: ${await c.get(k)} < ${acked[k]}`)
  t.diagnostic(`CLUSTER FAILOVER followed: writes on every shard again ${recovered} ms after it was asked for; ${failures} commands failed meanwhile`)
})

test('a primary killed with SIGKILL: its replica takes over and the client follows; every promise settles', async (t) => {
  const c = client(t)
  // The primary of the shard holding {a}, whichever node that is now.
  const owner = ownerOf('{a}:n')
  assert.ok(owner, 'found the owner of {a}')
  const { recovered, failures, kinds } = await underFault(t, c, async () => {
    await owner.kill()
    await cluster.waitOk(30000)
  })
  t.diagnostic(`SIGKILL of a primary followed: writes on every shard again ${recovered} ms after the kill (node timeout 2 s); ${failures} commands failed meanwhile, each with a code (${kinds.join("; ")})`)
})

test('TLS on Cluster: a cluster speaking TLS, trusted by its CA, on both faces', async (t) => {
  const fs = require('fs')
  const os = require('os')
  const path = require('path')
  const { makeCerts } = require('./helpers')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-tls-cluster-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  makeCerts(dir)
  const tls = { cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key'), ca: path.join(dir, 'ca.pem') }
  const secure = await RedisCluster.start(3, { tls })
  t.after(() => secure.stop())
  const ca = fs.readFileSync(tls.ca)
  const c = new Cluster(secure.tlsStartupNodes, { redisOptions: { tls: { ca } } })
  c.on('error', () => {})
  t.after(() => c.disconnect())
  for (const k of ['{a}', '{b}', '{c}']) assert.equal(await c.set(`tls:${k}`, k), 'OK')
  for (const k of ['{a}', '{b}', '{c}']) assert.equal(await c.get(`tls:${k}`), k)
  const nr = createCluster({ rootNodes: secure.tlsStartupNodes.map((n) => ({ url: `rediss://127.0.0.1:${n.port}` })), defaults: { socket: { tls: true, ca } } })
  nr.on('error', () => {})
  await nr.connect()
  t.after(() => nr.disconnect())
  assert.equal(await nr.get('tls:{b}'), '{b}')
  // Without the CA the certificate is refused.
  const untrusted = new Cluster(secure.tlsStartupNodes, { redisOptions: { tls: {}, maxRetriesPerRequest: 0, retryStrategy: () => null } })
  untrusted.on('error', () => {})
  t.after(() => untrusted.disconnect())
  await assert.rejects(untrusted.get('tls:{a}'), (e) => typeof e.code === 'string')
})

test('every capability on Cluster: cache, sessions, all four limiters, locks with fences, Redlock over independent primaries, streams, pub/sub', async (t) => {
  const { RedisStore, Redlock, Redis } = require('..')
  const c = client(t)
  const cache = c.cache({ prefix: 'cap:c:' })
  let loads = 0
  for (let i = 0; i < 3; i++) assert.deepEqual(await cache.wrap('u1', async () => ({ n: ++loads })), { n: 1 })
  await cache.mset({ a: 1, b: 2, c: 3 })
  assert.deepEqual(await cache.mget(['a', 'b', 'c']), [1, 2, 3])
  await cache.invalidatePattern('*')
  assert.equal(await cache.get('a'), null)

  const store = new RedisStore({ client: c, prefix: 'cap:s:' })
  await new Promise((resolve, reject) => store.set('sid', { cookie: { maxAge: 60_000 }, user: 7 }, (e) => (e ? reject(e) : resolve())))
  const sess = await new Promise((resolve, reject) => store.get('sid', (e, v) => (e ? reject(e) : resolve(v))))
  assert.equal(sess.user, 7)

  for (const algorithm of ['sliding-window', 'sliding-window-counter', 'fixed-window', 'token-bucket']) {
    const limiter = c.rateLimiter({ limit: 3, windowMs: 60_000, algorithm, prefix: `cap:rl:${algorithm}:` })
    const seen = []
    for (let i = 0; i < 5; i++) seen.push((await limiter.limit(`ip${i % 1}`)).allowed)
    assert.deepEqual(seen, [true, true, true, false, false], algorithm)
  }

  const a = await c.lock('cap:res', 2000)
  await a.release()
  const b = await c.lock('cap:res', 2000)
  assert.ok(b.fence > a.fence)
  await b.release()
  // Several resources in one lock must share a hash tag on a Cluster (one slot, one script).
  assert.equal(await c.withLock(['{cap}:r1', '{cap}:r2'], 2000, async () => 'both'), 'both')

  // Redlock: a quorum over independent primaries (three standalone servers; cluster nodes
  // refuse keys outside their own slots).
  const { RedisServer } = require('./helpers')
  const servers = [await RedisServer.start(), await RedisServer.start(), await RedisServer.start()]
  t.after(() => Promise.all(servers.map((x) => x.stop())))
  const singles = servers.map((x) => {
    const r = new Redis({ port: x.port })
    r.on('error', () => {})
    t.after(() => r.disconnect())
    return r
  })
  const redlock = new Redlock(singles, { retryCount: 0 })
  const l = await redlock.acquire(['cap:rl-res'], 2000)
  await assert.rejects(redlock.acquire(['cap:rl-res'], 2000), (e) => e.code === 'ERR_LOCK_NOT_ACQUIRED')
  // One server down: the quorum (2 of 3) still decides.
  await l.release()
  await servers[0].kill()
  const l2 = await redlock.acquire(['cap:rl-res'], 2000)
  await l2.release()

  const s = c.stream('cap:{events}')
  await s.publish({ n: 1 })
  const consumer = s.consumer({ group: 'g', consumer: 'c1', startId: '0' })
  const got = await new Promise((resolve, reject) => consumer.run(async (m) => resolve(m)).catch(reject))
  assert.deepEqual(got, { n: 1 })
  await consumer.close()

  const sub = client(t)
  const heard = new Promise((resolve) => sub.on('message', (ch, m) => resolve(m)))
  await sub.subscribe('cap:news')
  await waitFor(async () => (await c.publish('cap:news', 'hi')) >= 0 && (await Promise.race([heard, sleep(50).then(() => null)])) === 'hi', 10000)
})
