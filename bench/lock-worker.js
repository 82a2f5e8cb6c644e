'use strict'
// One contender, one process: `node lock-worker.js <name> <port> <pairs> <workers> <seconds>`.
// (1) `pairs` uncontended acquire+release pairs in sequence, each on its own resource;
// (2) `workers` loops, each on a resource of its own, for `seconds` (64 in flight, no
// contention); (3) `workers` loops on 10 hot resources for `seconds`: completed pairs/s.
// Each phase also reports the Redis server's cost per completed pair (retries of contended
// acquires included; see `serverStats`) and this process' CPU per pair.
const { serverStats } = require('./common')
const [, , name, portArg, pairsArg, workersArg, secondsArg] = process.argv
const port = Number(portArg)
const PAIRS = Number(pairsArg)
const WORKERS = Number(workersArg)
const SECONDS = Number(secondsArg)
const TTL = 5000

async function contender() {
  if (name === 'hotpath') {
    const { Redis } = require('..')
    const r = new Redis({ port })
    await r.ping()
    const opts = { retryCount: 100000, retryDelay: 5, retryJitter: 5 }
    return { pair: async (res) => (await r.lock(res, TTL, opts)).release(), close: () => r.quit(), sent: [] }
  }
  const IORedis = require('ioredis')
  const R = IORedis.default || IORedis
  const io = new R({ port })
  await io.ping()
  if (name === 'redlock-ioredis') {
    const Redlock = require('redlock')
    const rl = new Redlock([io], { retryCount: 100000, retryDelay: 5, retryJitter: 5 })
    rl.on('clientError', () => {})
    return { pair: async (res) => (await rl.lock(res, TTL)).unlock(), close: () => io.quit(), sent: [] }
  }
  if (name === 'redis-semaphore') {
    const { Mutex } = require('redis-semaphore')
    return {
      pair: async (res) => {
        const m = new Mutex(io, res, { lockTimeout: TTL, acquireTimeout: 60_000, retryInterval: 5, refreshInterval: 0 })
        await m.acquire()
        await m.release()
      },
      close: () => io.quit(),
      // Acquires with a plain SET NX PX; releases by script.
      sent: ['set'],
    }
  }
  throw new Error(`unknown contender ${name}`)
}

async function main() {
  const c = await contender()
  const stats = serverStats(port)
  for (let i = 0; i < 200; i++) await c.pair(`warm:${i}`)
  /** Runs a phase; returns pairs/s, server µs and main-thread CPU µs per pair. */
  async function phase(body) {
    stats.reset()
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    const n = await body()
    const secs = Number(process.hrtime.bigint() - t0) / 1e9
    const cpu = process.cpuUsage(cpu0)
    const s = stats.read(c.sent)
    return { rate: n / secs, cmdUs: s.cmdUs / n, serverCpuUs: s.cpuUs / n, calls: s.calls / n, cpuUs: (cpu.user + cpu.system) / n }
  }
  const solo = await phase(async () => {
    for (let i = 0; i < PAIRS; i++) await c.pair(`solo:${i}`)
    return PAIRS
  })
  const loops = (resource) =>
    phase(async () => {
      let done = 0
      const until = Date.now() + SECONDS * 1000
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          let i = w
          while (Date.now() < until) {
            await c.pair(resource(w, i++))
            done++
          }
        })
      )
      return done
    })
  const par = await loops((w) => `own:${w}`)
  const hot = await loops((w, i) => `hot:${i % 10}`)
  await c.close()
  process.stdout.write(JSON.stringify({ name, solo, par, hot }) + '\n')
  process.exit(0)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
