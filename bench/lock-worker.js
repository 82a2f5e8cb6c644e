'use strict'
// One contender, one process: `node lock-worker.js <name> <port> <pairs> <workers> <seconds>`.
// (1) `pairs` uncontended acquire+release pairs in sequence, each on its own resource;
// (2) `workers` loops on 10 hot resources for `seconds`: completed pairs/s.
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
    return { pair: async (res) => (await r.lock(res, TTL, opts)).release(), close: () => r.quit() }
  }
  const IORedis = require('ioredis')
  const R = IORedis.default || IORedis
  const io = new R({ port })
  await io.ping()
  if (name === 'redlock-ioredis') {
    const Redlock = require('redlock')
    const rl = new Redlock([io], { retryCount: 100000, retryDelay: 5, retryJitter: 5 })
    rl.on('clientError', () => {})
    return { pair: async (res) => (await rl.lock(res, TTL)).unlock(), close: () => io.quit() }
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
    }
  }
  throw new Error(`unknown contender ${name}`)
}

async function main() {
  const c = await contender()
  for (let i = 0; i < 200; i++) await c.pair(`warm:${i}`)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < PAIRS; i++) await c.pair(`solo:${i}`)
  const solo = PAIRS / (Number(process.hrtime.bigint() - t0) / 1e9)
  let done = 0
  const until = Date.now() + SECONDS * 1000
  const t1 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      let i = w
      while (Date.now() < until) {
        await c.pair(`hot:${i++ % 10}`)
        done++
      }
    })
  )
  const hot = done / (Number(process.hrtime.bigint() - t1) / 1e9)
  await c.close()
  process.stdout.write(JSON.stringify({ name, solo, hot }) + '\n')
  process.exit(0)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
