'use strict'
// One contender, one process: `node rate-limit-worker.js <name> <port> <decisions> <inflight> <keys>`.
// Prints { name, decisionsPerSec, allowed, cmdUs, serverCpuUs, calls, cpuUs } (per decision:
// the server's time in the commands sent, its CPU, the commands it ran, this process' CPU;
// see serverStats in common.js).
const { serverStats } = require('./common')
const [, , name, portArg, nArg, inflightArg, keysArg] = process.argv
const port = Number(portArg)
const N = Number(nArg)
const INFLIGHT = Number(inflightArg)
const KEYS = Number(keysArg)
const LIMIT = 100
const WINDOW_MS = 60_000

async function contender() {
  if (name.startsWith('hotpath-')) {
    const { Redis } = require('..')
    const r = new Redis({ port })
    await r.ping()
    if (name === 'hotpath-store') {
      // RateLimitStore, the express-rate-limit store: plain commands, no script.
      const { RateLimitStore } = require('..')
      const store = new RateLimitStore({ client: r, prefix: 'rlh:' })
      store.init({ windowMs: WINDOW_MS })
      return { decide: async (k) => (await store.increment(k)).totalHits <= LIMIT, close: () => r.quit(), sent: ['set', 'incr', 'pttl', 'pexpire'] }
    }
    const limiter = r.rateLimiter({ limit: LIMIT, windowMs: WINDOW_MS, algorithm: name.slice(8) })
    return { decide: async (k) => (await limiter.limit(k)).allowed, close: () => r.quit() }
  }
  if (name.endsWith('-node-redis5')) {
    // The same peers on node-redis 5, their fastest client here.
    const { createClient } = require('redis5')
    const c = createClient({ socket: { port } })
    await c.connect()
    if (name === 'rate-limiter-flexible-node-redis5') {
      const { RateLimiterRedis } = require('rate-limiter-flexible')
      const rl = new RateLimiterRedis({ storeClient: c, useRedisPackage: true, points: LIMIT, duration: WINDOW_MS / 1000, keyPrefix: 'rlflex' })
      return { decide: (k) => rl.consume(k).then(() => true, (e) => (e instanceof Error ? Promise.reject(e) : false)), close: () => c.quit() }
    }
    const { RedisStore } = require('rate-limit-redis')
    const store = new RedisStore({ sendCommand: (...args) => c.sendCommand(args), prefix: 'rlr:' })
    store.init({ windowMs: WINDOW_MS })
    return { decide: async (k) => (await store.increment(k)).totalHits <= LIMIT, close: () => c.quit() }
  }
  const IORedis = require('ioredis')
  const R = IORedis.default || IORedis
  const io = new R({ port })
  await io.ping()
  if (name === 'seed-multi-ioredis') {
    // The seeds' limiter: ZREMRANGEBYSCORE + ZADD + ZCARD + EXPIRE in a MULTI.
    return {
      decide: async (key) => {
        const now = Date.now()
        const results = await io
          .multi()
          .zremrangebyscore(`seed:${key}`, 0, now - WINDOW_MS)
          .zadd(`seed:${key}`, now, `${now}:${Math.random()}`)
          .zcard(`seed:${key}`)
          .expire(`seed:${key}`, WINDOW_MS / 1000)
          .exec()
        return results[2][1] <= LIMIT
      },
      close: () => io.quit(),
      sent: ['multi', 'exec', 'zremrangebyscore', 'zadd', 'zcard', 'expire'],
    }
  }
  if (name === 'rate-limiter-flexible') {
    const { RateLimiterRedis } = require('rate-limiter-flexible')
    const rl = new RateLimiterRedis({ storeClient: io, points: LIMIT, duration: WINDOW_MS / 1000, keyPrefix: 'rlflex' })
    return { decide: (k) => rl.consume(k).then(() => true, (e) => (e instanceof Error ? Promise.reject(e) : false)), close: () => io.quit() }
  }
  if (name === 'rate-limit-redis') {
    const { RedisStore } = require('rate-limit-redis')
    const store = new RedisStore({ sendCommand: (...args) => io.call(...args), prefix: 'rlr:' })
    store.init({ windowMs: WINDOW_MS })
    return { decide: async (k) => (await store.increment(k)).totalHits <= LIMIT, close: () => io.quit() }
  }
  throw new Error(`unknown contender ${name}`)
}

async function main() {
  const c = await contender()
  for (let i = 0; i < 500; i++) await c.decide(`warm:${i % 10}`)
  const stats = serverStats(port)
  let next = 0
  let allowed = 0
  stats.reset()
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (next < N) {
        const i = next++
        if (await c.decide(`k:${i % KEYS}`)) allowed++
      }
    })
  )
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const s = stats.read(c.sent || [])
  await c.close()
  const per = { cmdUs: s.cmdUs / N, serverCpuUs: s.cpuUs / N, calls: s.calls / N, cpuUs: (cpu.user + cpu.system) / N }
  process.stdout.write(JSON.stringify({ name, decisionsPerSec: N / secs, allowed, ...per }) + '\n')
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
