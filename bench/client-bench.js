'use strict'
// One client, one process: `node client-bench.js <client> <port> <seqN> <pipeN> <inflight>`.
// Prints one JSON line: sequential GET ops/s + p50/p99 (µs), pipelined ops/s, peak RSS (MiB).
const [, , name, portArg, seqArg, pipeArg, inflightArg] = process.argv
const port = Number(portArg)
const SEQ = Number(seqArg)
const PIPE = Number(pipeArg)
const INFLIGHT = Number(inflightArg)
const VALUE = 'x'.repeat(100)

async function makeClient() {
  switch (name) {
    case 'hotpath': {
      const { Redis } = require('..')
      const r = new Redis({ port })
      await r.ping()
      return { get: (k) => r.get(k), set: (k, v) => r.set(k, v), close: () => r.quit() }
    }
    case 'ioredis':
    case 'ioredis-auto': {
      const Redis = require('ioredis')
      const R = Redis.default || Redis
      const r = new R({ port, enableAutoPipelining: name === 'ioredis-auto' })
      await r.ping()
      return { get: (k) => r.get(k), set: (k, v) => r.set(k, v), close: () => r.quit() }
    }
    case 'node-redis': {
      const { createClient } = require('redis')
      const c = createClient({ socket: { port } })
      await c.connect()
      return { get: (k) => c.get(k), set: (k, v) => c.set(k, v), close: () => c.quit() }
    }
    case 'glide': {
      const { GlideClient } = require('@valkey/valkey-glide')
      const c = await GlideClient.createClient({ addresses: [{ host: '127.0.0.1', port }] })
      return { get: (k) => c.get(k), set: (k, v) => c.set(k, v), close: () => c.close() }
    }
    default:
      throw new Error(`unknown client ${name}`)
  }
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
}

async function main() {
  const c = await makeClient()
  await c.set('bench:key', VALUE)
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

  // (b) PIPE GETs then PIPE SETs with INFLIGHT in flight
  async function phase(op) {
    let next = 0
    const worker = async () => {
      while (next < PIPE) {
        const i = next++
        await op(i)
      }
    }
    await Promise.all(Array.from({ length: INFLIGHT }, worker))
  }
  const t1 = process.hrtime.bigint()
  await phase(() => c.get('bench:key'))
  await phase((i) => c.set(`bench:k:${i & 1023}`, VALUE))
  const pipeSecs = Number(process.hrtime.bigint() - t1) / 1e9

  await c.close()
  const out = {
    client: name,
    seqOps: SEQ / seqSecs,
    p50us: pct(lat, 50),
    p99us: pct(lat, 99),
    pipeOps: (2 * PIPE) / pipeSecs,
    rssMiB: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(JSON.stringify(out) + '\n')
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
