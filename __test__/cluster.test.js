'use strict'
// A real local Redis Cluster (3 masters): commands routed by slot, and sharded pub/sub that
// survives a node restart.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisCluster, sleep, cli, waitFor } = require('./helpers')
const { Cluster, createCluster, Redis } = require('..')

let cluster
test.before(async () => {
  cluster = await RedisCluster.start(3)
})
test.after(async () => {
  await cluster.stop()
})

test('commands reach the node owning their slot; pipelines span nodes; MULTI stays in one slot', async () => {
  const redis = new Cluster(cluster.startupNodes)
  try {
    for (let i = 0; i < 60; i++) await redis.set(`key:${i}`, `v${i}`)
    // Every node holds some of the keys: the client routed them.
    for (const node of cluster.nodes) assert.ok(Number(cli(node.port, 'DBSIZE')) > 0, `node ${node.port} has keys`)
    assert.equal(await redis.get('key:42'), 'v42')
    const rows = await redis
      .pipeline()
      .get('key:1')
      .get('key:2')
      .get('key:3')
      .incr('counter')
      .exec()
    assert.deepEqual(rows, [
      [null, 'v1'],
      [null, 'v2'],
      [null, 'v3'],
      [null, 1],
    ])
    assert.deepEqual(await redis.multi().set('{user:1}:name', 'Ada').get('{user:1}:name').exec(), [
      [null, 'OK'],
      [null, 'Ada'],
    ])
    await assert.rejects(redis.multi().set('a', '1').set('b', '2').exec(), { code: 'ERR_REDIS_REPLY', message: /cross(ed )?slot/i })
    assert.throws(() => new Cluster([]), { name: 'TypeError' })
    assert.throws(() => new Cluster([{ host: 'x', port: 70000 }]), { name: 'TypeError' })
  } finally {
    await redis.quit()
  }
})

test('a MULTI sharing a tick with other commands stays a transaction on its node (both faces)', async () => {
  const redis = new Cluster(cluster.startupNodes)
  const nr = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) })
  await nr.connect()
  try {
    await redis.set('elsewhere', 'x')
    // One tick: a command before, the transaction, a command after (other slots).
    const [before, tx, after] = await Promise.all([
      redis.get('elsewhere'),
      redis.multi().set('{t}:a', '1').get('{t}:a').exec(),
      redis.get('elsewhere'),
    ])
    assert.equal(before, 'x')
    assert.deepEqual(tx, [
      [null, 'OK'],
      [null, '1'],
    ])
    assert.equal(after, 'x')
    const [nBefore, nTx] = await Promise.all([nr.get('elsewhere'), nr.multi().incr('{t}:n').get('{t}:n').exec()])
    assert.equal(nBefore, 'x')
    assert.deepEqual(nTx, [1, '1'])
    // No node connection is left inside a MULTI: plain reads answer plainly.
    for (let i = 0; i < 10; i++) assert.equal(await redis.get('{t}:a'), '1')
  } finally {
    await redis.quit()
    await nr.quit()
  }
})

test('sharded pub/sub on both faces: smessage, sSubscribe, sunsubscribe', async () => {
  const pub = new Cluster(cluster.startupNodes)
  const sub = new Cluster(cluster.startupNodes)
  const nr = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) })
  await nr.connect()
  // Channels in three different slots: the subscriptions go to their own nodes.
  const channels = ['orders{a}', 'news{b}', 'misc{c}']
  assert.equal(new Set(channels.map((c) => cluster.nodeFor(c).port)).size > 1, true)
  try {
    const got = []
    sub.on('smessage', (ch, m) => got.push([ch, m]))
    assert.equal(await sub.ssubscribe(...channels), 3)
    assert.deepEqual(sub.subscriptions().shardChannels, channels)
    const nrGot = []
    await nr.sSubscribe('orders{a}', (m, ch) => nrGot.push([ch, m]))
    for (let i = 0; i < 20; i++) for (const c of channels) await pub.spublish(c, `${c}:${i}`)
    await waitFor(() => got.length === 60 && nrGot.length === 20)
    for (const c of channels) {
      assert.deepEqual(
        got.filter(([ch]) => ch === c).map(([, m]) => m),
        [...Array(20).keys()].map((i) => `${c}:${i}`),
        `in publish order on ${c}`
      )
    }
    assert.deepEqual(nrGot[0], ['orders{a}', 'orders{a}:0'])
    // Plain pub/sub still works on a cluster client.
    const plain = []
    sub.on('message', (ch, m) => plain.push(m))
    await sub.subscribe('broadcast')
    await pub.publish('broadcast', 'hi')
    await waitFor(() => plain.length === 1)
    await sub.sunsubscribe('news{b}')
    await pub.spublish('news{b}', 'gone')
    await pub.spublish('misc{c}', 'still')
    await waitFor(() => got.some(([, m]) => m === 'still'))
    assert.ok(!got.some(([, m]) => m === 'gone'))
    // A single-server client pointed at one node of a cluster hears the node's redirect.
    const single = new Redis({ port: cluster.nodes[0].port, lazyConnect: true })
    const outcomes = await Promise.all(['a', 'b', 'c', 'x', 'y', 'z'].map((c) => single.ssubscribe(c).then(() => 'ok', (e) => e.message)))
    assert.ok(outcomes.every((o) => o === 'ok' || /^MOVED /.test(o)), outcomes.join())
    assert.ok(outcomes.some((o) => /^MOVED /.test(o)), outcomes.join())
    await single.quit()
  } finally {
    await nr.quit()
    await sub.quit()
    await pub.quit()
  }
})

test('a sharded subscription survives a restart of its node, with subscriptionsLost and resubscribed', async () => {
  const pub = new Cluster(cluster.startupNodes)
  const sub = new Cluster(cluster.startupNodes)
  pub.on('error', () => {})
  sub.on('error', () => {})
  try {
    const got = []
    sub.on('smessage', (ch, m) => got.push(m))
    const lost = new Promise((r) => sub.once('subscriptionsLost', r))
    const resubscribed = new Promise((r) => sub.once('resubscribed', r))
    await sub.ssubscribe('jobs{r}')
    await pub.spublish('jobs{r}', 'before')
    await waitFor(() => got.includes('before'))
    const node = cluster.nodeFor('jobs{r}')
    await node.kill()
    await sleep(300)
    await node.spawn()
    await cluster.waitOk()
    assert.deepEqual((await lost).shardChannels, ['jobs{r}'])
    const info = await resubscribed
    assert.ok(info.downMs > 0)
    assert.deepEqual(info.shardChannels, ['jobs{r}'])
    // Publish until delivered: the publisher's own connection to that node heals too.
    let i = 0
    await waitFor(() => {
      pub.spublish('jobs{r}', `after ${i++}`).catch(() => {})
      return got.some((m) => m.startsWith('after'))
    }, 15000)
  } finally {
    await sub.quit()
    await pub.quit()
  }
})

test('CLUSTERDOWN is retried within the command deadline: a command sent while the cluster is down completes once it is back; a short deadline rejects with a code', async (t) => {
  const c = new Cluster(cluster.startupNodes, { redisOptions: { commandTimeout: 20000 } })
  c.on('error', () => {})
  t.after(() => c.disconnect())
  // Keys on a shard that stays up, so their node answers CLUSTERDOWN (the whole cluster is
  // down while one shard is missing) rather than nothing.
  const node = cluster.nodeFor('{down}')
  const healthyKey = ['{h1}', '{h2}', '{h3}', '{h4}', '{h5}', '{h6}'].find((k) => cluster.nodeFor(k) !== node)
  assert.equal(await c.set(healthyKey, 'before'), 'OK')
  await node.kill()
  const healthy = cluster.nodes.filter((n) => n !== node)
  await waitFor(() => healthy.every((n) => cli(n.port, 'CLUSTER', 'INFO').includes('cluster_state:fail')), 20000)
  assert.match(String(cli(healthy[0].port, '-c', 'GET', healthyKey)), /CLUSTERDOWN/)
  // A short deadline: a coded rejection, not a hang.
  const quick = new Cluster(cluster.startupNodes, { redisOptions: { commandTimeout: 500 } })
  quick.on('error', () => {})
  t.after(() => quick.disconnect())
  const err = await quick.get(healthyKey).catch((e) => e)
  assert.ok(err instanceof Error && typeof err.code === 'string', String(err))
  t.diagnostic(`while down, a 500 ms deadline rejects with ${err.code}: ${err.message}`)
  // Sent while down; the cluster comes back within its 20 s deadline.
  const t0 = Date.now()
  const pending = c.set(healthyKey, 'after')
  await sleep(500)
  await node.spawn()
  await cluster.waitOk(20000)
  const back = Date.now()
  assert.equal(await pending, 'OK')
  t.diagnostic(`the command sent while the cluster was down completed ${Date.now() - back} ms after the cluster was ok again (${Date.now() - t0} ms after it was sent)`)
  assert.equal(await c.get(healthyKey), 'after')
})

test('queues on Cluster (both faces): add, process, counts, events, schedulers', async () => {
  const { Queue, Worker, QueueEvents } = require('..')
  const io = new Cluster(cluster.startupNodes)
  const nr = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) })
  await nr.connect()
  try {
    for (const [face, client] of [['ioredis', io], ['node-redis', nr]]) {
      const name = `cq-${face}`
      const queue = new Queue(name, { connection: client })
      const events = new QueueEvents(name, { connection: client, blockingTimeout: 300 })
      await events.waitUntilReady()
      const completedEvents = []
      events.on('completed', ({ jobId }) => completedEvents.push(jobId))
      const done = []
      const worker = new Worker(name, async (job) => job.data.n * 2, { connection: client, concurrency: 4 })
      worker.on('completed', (job, r) => done.push([job.id, r]))
      await queue.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'x', data: { n } })))
      await queue.add('later', { n: 100 }, { delay: 200, priority: 3, jobId: 'later-one' })
      await queue.upsertJobScheduler('every', { every: 200, limit: 2 }, { name: 's', data: { n: 7 } })
      await waitFor(() => done.length >= 23, 15000)
      await waitFor(() => completedEvents.length >= 23, 15000)
      assert.ok(done.some(([id, r]) => id === 'later-one' && r === 200))
      const counts = await queue.getJobCounts('completed', 'waiting', 'active')
      assert.deepEqual(counts, { completed: 23, waiting: 0, active: 0 })
      assert.equal((await queue.getJob('later-one')).returnvalue, 200)
      await worker.close()
      await events.close()
      await queue.obliterate()
      await queue.close()
    }
  } finally {
    await io.quit()
    await nr.quit()
  }
})

test('scripts keep their order on a Cluster: each node gets EVAL the first time, in place (both faces)', async () => {
  const redis = new Cluster(cluster.startupNodes)
  const nr = createCluster({ rootNodes: cluster.nodes.map((n) => ({ url: `redis://127.0.0.1:${n.port}` })) })
  await nr.connect()
  try {
    for (const node of cluster.nodes) cli(node.port, 'SCRIPT', 'FLUSH')
    redis.defineCommand('clSet', { numberOfKeys: 1, lua: "redis.call('SET', KEYS[1], ARGV[1]) return 1" })
    // Keys on every node: each node's first run must be the one that loads the script.
    const keys = Array.from({ length: 12 }, (_, i) => `cso:${i}`)
    const got = await Promise.all(keys.flatMap((k) => [redis.clSet(k, k), redis.get(k)]))
    assert.deepEqual(got, keys.flatMap((k) => [1, k]))
    const again = await Promise.all(keys.flatMap((k) => [redis.clSet(k, 'v2'), redis.get(k)]))
    assert.deepEqual(again, keys.flatMap(() => [1, 'v2']))
    const lua = "redis.call('SET', KEYS[1], ARGV[1]) return 9"
    const nrGot = await Promise.all(keys.flatMap((k) => [nr.eval(lua, { keys: [k], arguments: ['n'] }), nr.get(k)]))
    assert.deepEqual(nrGot, keys.flatMap(() => [9, 'n']))
  } finally {
    await redis.quit()
    await nr.quit()
  }
})
