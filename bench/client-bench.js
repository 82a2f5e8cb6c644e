'use strict'
// One client, one process: `node client-bench.js <client> <port> <seqN> <pipeN> <inflight>`.
// Prints one JSON line: sequential GET ops/s + p50/p99 (µs); GET and SET ops/s with
// <inflight> awaits in flight and the main thread's CPU µs per command; a concurrency sweep;
// real reply shapes; peak RSS (MiB).
const fs = require('fs')
const [, , name, portArg, seqArg, pipeArg, inflightArg] = process.argv
const port = Number(portArg)
const SEQ = Number(seqArg)
const PIPE = Number(pipeArg)
const INFLIGHT = Number(inflightArg)
const VALUE = 'x'.repeat(100)
const BIG = 'y'.repeat(16 * 1024)
const MGET_KEYS = Array.from({ length: 100 }, (_, i) => `bench:m:${i}`)

if (name === 'hotpath-runtime') process.env.REDIS_HOTPATH_DIRECT = '0'

/** Per client: the operations measured, each resolving like the client's own API does. */
async function makeClient() {
  switch (name) {
    case 'hotpath':
    case 'hotpath-runtime':
    case 'hotpath-base': {
      // hotpath-base: another checkout of this package (HOTPATH_BASE), for before/after runs.
      const { Redis } = require(name === 'hotpath-base' ? process.env.HOTPATH_BASE : '..')
      const r = new Redis({ port })
      await r.ping()
      return ioredisLike(r, require('../package.json').version)
    }
    case 'ioredis':
    case 'ioredis-auto': {
      const Redis = require('ioredis')
      const R = Redis.default || Redis
      const r = new R({ port, enableAutoPipelining: name === 'ioredis-auto' })
      await r.ping()
      return ioredisLike(r, require('ioredis/package.json').version)
    }
    case 'hotpath-node':
    case 'node-redis5':
    case 'node-redis6':
    case 'node-redis6-notimeout': {
      // hotpath-node: this package's node-redis face, measured with node-redis' own calls.
      const pkg = name === 'node-redis5' ? 'redis5' : name === 'hotpath-node' ? '..' : 'redis'
      const { createClient } = require(pkg)
      // node-redis 6 arms an AbortSignal per command for its default 5 s command timeout;
      // `timeout: 0` turns that off. node-redis 5 has no command timeout.
      const o = { socket: { port } }
      if (name === 'node-redis6-notimeout') o.commandOptions = { timeout: 0 }
      const c = createClient(o)
      await c.connect()
      return {
        version: require(pkg === '..' ? '../package.json' : `${pkg}/package.json`).version,
        get: (k) => c.get(k),
        set: (k, v) => c.set(k, v),
        hgetall: (k) => c.hGetAll(k),
        zrangeRevWithScores: (k) => c.zRangeWithScores(k, 0, 99, { REV: true }),
        mget: (ks) => c.mGet(ks),
        pipeline100: (k) => {
          const m = c.multi()
          for (let i = 0; i < 100; i++) m.get(k)
          return m.execAsPipeline()
        },
        close: () => c.quit(),
      }
    }
    case 'glide': {
      const { GlideClient } = require('@valkey/valkey-glide')
      const { Batch } = require('@valkey/valkey-glide')
      // GLIDE rejects beyond 1,000 requests in flight by default; the sweep goes to 1,024.
      const c = await GlideClient.createClient({ addresses: [{ host: '127.0.0.1', port }], inflightRequestsLimit: 4096 })
      return {
        version: JSON.parse(fs.readFileSync(require.resolve('@valkey/valkey-glide').replace(/(node_modules\/@valkey\/valkey-glide\/).*$/, '$1package.json'), 'utf8')).version,
        get: (k) => c.get(k),
        set: (k, v) => c.set(k, v),
        hgetall: (k) => c.hgetall(k),
        zrangeRevWithScores: (k) => c.zrangeWithScores(k, { start: 0, end: 99 }, { reverse: true }),
        mget: (ks) => c.mget(ks),
        pipeline100: (k) => {
          const b = new Batch(false)
          for (let i = 0; i < 100; i++) b.get(k)
          return c.exec(b, false)
        },
        close: () => c.close(),
      }
    }
    default:
      throw new Error(`unknown client ${name}`)
  }
}

function ioredisLike(r, version) {
  return {
    version,
    get: (k) => r.get(k),
    set: (k, v) => r.set(k, v),
    hgetall: (k) => r.hgetall(k),
    zrangeRevWithScores: (k) => r.zrange(k, 0, 99, 'REV', 'WITHSCORES'),
    mget: (ks) => r.mget(ks),
    pipeline100: (k) => {
      const p = r.pipeline()
      for (let i = 0; i < 100; i++) p.get(k)
      return p.exec()
    },
    close: () => r.quit(),
  }
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
}

/** The main thread's CPU time so far, in µs (utime + stime of the main task). */
function mainThreadCpuUs() {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of stat (utime, stime) in clock ticks; here at offsets 11 and 12.
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100
}

/** `n` calls of `op` with `inflight` awaits in flight; ops/s and main-thread CPU µs per op. */
async function concurrent(n, inflight, op) {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      await op(i)
    }
  }
  const cpu0 = mainThreadCpuUs()
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: inflight }, worker))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  return { ops: n / secs, cpuUs: (mainThreadCpuUs() - cpu0) / n }
}

async function main() {
  const c = await makeClient()
  await c.set('bench:key', VALUE)
  await c.set('bench:big', BIG)
  // bench:h (20 fields) and bench:z (100 members) are seeded by the runner.
  for (const k of MGET_KEYS) await c.set(k, VALUE)
  // Warm-up.
  for (let i = 0; i < 2000; i++) await c.get('bench:key')

  // (a) sequential awaited GETs
  const lat = new Float64Array(SEQ)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < SEQ; i++) {
    const s = process.hrtime.bigint()
    await c.get('bench:key')
    lat[i] = Number(process.hrtime.bigint() - s) / 1000
  }
  const seqSecs = Number(process.hrtime.bigint() - t0) / 1e9
  lat.sort()

  // (b) GETs and SETs with INFLIGHT in flight
  const get = await concurrent(PIPE, INFLIGHT, () => c.get('bench:key'))
  const set = await concurrent(PIPE, INFLIGHT, (i) => c.set(`bench:k:${i & 1023}`, VALUE))

  // (d) concurrency sweep (GET)
  const sweep = {}
  for (const k of [1, 8, 64, 256, 1024]) sweep[k] = (await concurrent(Math.min(PIPE / 2, k * 2000), k, () => c.get('bench:key'))).ops

  // (e) reply shapes, 64 in flight
  const shapes = {}
  const S = Math.max(2000, Math.floor(PIPE / 20))
  shapes.hgetall20 = (await concurrent(S, 64, () => c.hgetall('bench:h'))).ops
  shapes.zrange100 = (await concurrent(S / 2, 64, () => c.zrangeRevWithScores('bench:z'))).ops
  shapes.mget100 = (await concurrent(S / 2, 64, () => c.mget(MGET_KEYS))).ops
  shapes.get16k = (await concurrent(S, 64, () => c.get('bench:big'))).ops
  shapes.pipeline100 = (await concurrent(S / 10, 8, () => c.pipeline100('bench:key'))).ops

  await c.close()
  const out = {
    client: name,
    version: c.version,
    seqOps: SEQ / seqSecs,
    p50us: pct(lat, 50),
    p99us: pct(lat, 99),
    getOps: get.ops,
    setOps: set.ops,
    cpuUsPerCmd: (get.cpuUs + set.cpuUs) / 2,
    sweep,
    shapes,
    rssMiB: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(JSON.stringify(out) + '\n')
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
