'use strict'
// The same Express app on two stacks: `node e2e-app.js <hotpath|peers> <redisPort> <httpPort>`.
// GET /api/profile: session-bearing, rate-limited, reads one cached object.
const express = require('express')
const session = require('express-session')
const [, , stack, redisPort, httpPort] = process.argv
const PROFILE = { id: 'u1', name: 'Alice', email: 'alice@example.com', plan: 'pro', roles: ['admin'] }

async function main() {
  const app = express()
  let sessionStore
  let limiter
  let getProfile
  if (stack === 'hotpath') {
    const { Redis, RedisStore, rateLimit } = require('..')
    const redis = new Redis({ port: Number(redisPort) })
    await redis.ping()
    sessionStore = new RedisStore({ client: redis })
    limiter = rateLimit({ client: redis, limit: 1e9, windowMs: 60_000, algorithm: 'fixed-window' })
    const cache = redis.cache({ prefix: 'profile:', ttl: 300, local: { maxEntries: 10_000 } })
    getProfile = (id) => cache.wrap(id, async () => PROFILE)
  } else {
    // The peer stacks, each on its fastest client (node-redis 5; 6 arms a timer per command).
    const { createClient } = require('redis5')
    const nodeRedis = createClient({ socket: { port: Number(redisPort) } })
    await nodeRedis.connect()
    const { RedisStore } = require('connect-redis')
    sessionStore = new RedisStore({ client: nodeRedis })
    const { rateLimit: expressRateLimit } = require('express-rate-limit')
    const { RedisStore: RateLimitRedisStore } = require('rate-limit-redis')
    if (stack === 'peers') {
      // ioredis for the limiter and the seeds' hand-written cache-aside.
      const IORedis = require('ioredis')
      const io = new (IORedis.default || IORedis)({ port: Number(redisPort) })
      limiter = expressRateLimit({ windowMs: 60_000, limit: 1e9, standardHeaders: 'draft-7', store: new RateLimitRedisStore({ sendCommand: (...a) => io.call(...a) }) })
      getProfile = async (id) => {
        const hit = await io.get(`profile:${id}`)
        if (hit) return JSON.parse(hit)
        await io.set(`profile:${id}`, JSON.stringify(PROFILE), 'EX', 300)
        return PROFILE
      }
    } else {
      // peers-node-redis5: everything on the one node-redis 5 client.
      limiter = expressRateLimit({ windowMs: 60_000, limit: 1e9, standardHeaders: 'draft-7', store: new RateLimitRedisStore({ sendCommand: (...a) => nodeRedis.sendCommand(a) }) })
      getProfile = async (id) => {
        const hit = await nodeRedis.get(`profile:${id}`)
        if (hit) return JSON.parse(hit)
        await nodeRedis.set(`profile:${id}`, JSON.stringify(PROFILE), { EX: 300 })
        return PROFILE
      }
    }
  }
  app.use(session({ store: sessionStore, secret: 'bench', resave: false, saveUninitialized: false, cookie: { maxAge: 3_600_000 } }))
  app.post('/login', (req, res) => {
    req.session.user = 'u1'
    res.json({ ok: true })
  })
  app.use('/api/', limiter)
  app.get('/api/profile', async (req, res, next) => {
    try {
      if (!req.session.user) return res.status(401).end()
      res.json(await getProfile(req.session.user))
    } catch (e) {
      next(e)
    }
  })
  app.listen(Number(httpPort), () => process.stdout.write('ready\n'))
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
