'use strict'
// One contender, one process: `node cache-worker.js <name> <port> <ops> <inflight>`.
const [, , name, portArg, nArg, inflightArg] = process.argv
const port = Number(portArg)
const N = Number(nArg)
const INFLIGHT = Number(inflightArg)
const KEYS = 1000
const VALUE = { id: 1, name: 'Alice', email: 'alice@example.com', roles: ['admin', 'editor'], score: 1234 }

async function contender() {
  if (name === 'hotpath-near-cache' || name === 'hotpath-cache' || name === 'hotpath-near-cache-shared') {
    const { Redis } = require('..')
    const r = new Redis({ port })
    await r.ping()
    const local = name === 'hotpath-cache' ? false : { maxEntries: 10_000, shared: name === 'hotpath-near-cache-shared' }
    const cache = r.cache({ prefix: 'bc:', local })
    for (let i = 0; i < KEYS; i++) await cache.set(`k${i}`, VALUE)
    return { op: (i) => cache.get(`k${i % KEYS}`), close: () => r.quit() }
  }
  if (name === 'ioredis-get-json') {
    const IORedis = require('ioredis')
    const io = new (IORedis.default || IORedis)({ port })
    for (let i = 0; i < KEYS; i++) await io.set(`bc:k${i}`, JSON.stringify(VALUE), 'EX', 300)
    return { op: async (i) => JSON.parse(await io.get(`bc:k${i % KEYS}`)), close: () => io.quit() }
  }
  // Session get+set pairs, same code for both stores.
  const sess = (i) => ({ cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000), httpOnly: true, path: '/' }, user: `u${i}`, cart: [1, 2, 3] })
  let store
  let close
  if (name === 'hotpath-RedisStore') {
    const { Redis, RedisStore } = require('..')
    const r = new Redis({ port })
    await r.ping()
    store = new RedisStore({ client: r })
    close = () => r.quit()
  } else if (name === 'connect-redis-node-redis5' || name === 'connect-redis-node-redis6-notimeout') {
    // connect-redis on node-redis at its fastest: 5, or 6 without its per-command timer.
    const { createClient } = require(name.endsWith('5') ? 'redis5' : 'redis')
    const { RedisStore } = require('connect-redis')
    const c = createClient(name.endsWith('5') ? { socket: { port } } : { socket: { port }, commandOptions: { timeout: 0 } })
    await c.connect()
    store = new RedisStore({ client: c })
    close = () => c.quit()
  } else throw new Error(`unknown contender ${name}`)
  for (let i = 0; i < KEYS; i++) await store.set(`s${i}`, sess(i))
  return {
    op: async (i) => {
      const sid = `s${i % KEYS}`
      const s = await store.get(sid)
      s.views = (s.views || 0) + 1
      await store.set(sid, s)
    },
    close,
  }
}

async function main() {
  const c = await contender()
  for (let i = 0; i < 2000; i++) await c.op(i)
  let next = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (next < N) await c.op(next++)
    })
  )
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  await c.close()
  process.stdout.write(JSON.stringify({ name, opsPerSec: N / secs }) + '\n')
  process.exit(0)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
