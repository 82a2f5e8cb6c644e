'use strict'
// Issue #24's measurement: on a local Cluster of 3 primaries + 3 replicas (node timeout
// 2000 ms), a steady stream of writes to keys of every shard while one primary is killed
// (SIGKILL) or paused (SIGSTOP); per shard, the longest gap between completions and the
// failed writes, over the whole failover.
//   node bench/shard-isolation.js [hotpath|ioredis] [kill|stop]
const { RedisCluster, cli, sleep } = require('../__test__/helpers')
const { keySlot } = require('../lib/slot')

const WHO = process.argv[2] || 'hotpath'
const FAULT = process.argv[3] || 'kill'

async function main() {
  const cluster = await RedisCluster.start(3, { replicas: 1 })
  let client
  try {
    const nodes = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))
    if (WHO === 'ioredis') {
      const IORedis = require('ioredis')
      client = new IORedis.Cluster(nodes, { redisOptions: { commandTimeout: 5000 } })
    } else {
      const { Redis } = require('..')
      client = new Redis.Cluster(nodes)
    }
    client.on('error', (e) => process.env.ISO_DEBUG && console.error(Date.now() % 100000, 'error', e.message))
    for (const ev of ['close', 'reconnecting', 'ready', 'connect']) client.on(ev, () => process.env.ISO_DEBUG && console.error(Date.now() % 100000, ev))
    // One key per shard (by the shard's slot range), the victim's first.
    const per = Math.ceil(16384 / 3)
    const keys = []
    for (let s = 0; s < 3; s++) {
      for (let i = 0; ; i++) {
        const k = `iso:${s}:${i}`
        if (Math.floor(keySlot(k) / per) === s) {
          keys.push(k)
          break
        }
      }
    }
    await Promise.all(keys.map((k) => client.set(k, '0')))
    const stats = keys.map(() => ({ last: 0, gap: 0, ok: 0, failed: 0, codes: {} }))
    let running = true
    const t0 = Date.now()
    const loops = keys.map((k, s) =>
      (async () => {
        const st = stats[s]
        st.last = Date.now()
        while (running) {
          try {
            await client.incr(k)
            st.ok++
          } catch (e) {
            st.failed++
            st.codes[e.code || e.message] = (st.codes[e.code || e.message] || 0) + 1
          }
          const now = Date.now()
          st.gap = Math.max(st.gap, now - st.last)
          st.last = now
        }
      })()
    )
    await sleep(1000)
    for (const st of stats) st.gap = 0
    const victim = cluster.nodes[0]
    const faultAt = Date.now()
    if (FAULT === 'kill') await victim.kill()
    else process.kill(victim.proc.pid, 'SIGSTOP')
    // Until the replica has taken over and the victim's shard writes again.
    const replica = cluster.replicas[0]
    let recovered = null
    while (Date.now() - faultAt < 20000) {
      if (cli(replica.port, 'ROLE').startsWith('master') && Date.now() - stats[0].last < 50) {
        recovered = Date.now() - faultAt
        break
      }
      await sleep(20)
    }
    await sleep(1000)
    running = false
    await Promise.all(loops)
    if (FAULT === 'stop') process.kill(victim.proc.pid, 'SIGCONT')
    const out = { who: WHO, fault: FAULT, recoveredMs: recovered, shards: stats.map((s, i) => ({ shard: i === 0 ? 'failed' : `healthy ${i}`, longestGapMs: s.gap, ok: s.ok, failed: s.failed, codes: s.codes })), seconds: (Date.now() - t0) / 1000 }
    console.log(JSON.stringify(out))
  } finally {
    if (client) client.disconnect()
    await cluster.stop()
  }
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
