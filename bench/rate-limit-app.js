'use strict'
// The same Express app twice, for autocannon: `node rate-limit-app.js <ours|erl> <redisPort> <httpPort>`.
const express = require('express')
const [, , variant, redisPort, httpPort] = process.argv

async function main() {
  const app = express()
  if (variant === 'ours') {
    const { Redis, rateLimit } = require('..')
    const redis = new Redis({ port: Number(redisPort) })
    await redis.ping()
    app.use('/api/', rateLimit({ client: redis, limit: 1e9, windowMs: 60_000, algorithm: 'fixed-window' }))
  } else {
    const IORedis = require('ioredis')
    const R = IORedis.default || IORedis
    const io = new R({ port: Number(redisPort) })
    await io.ping()
    const { rateLimit: expressRateLimit } = require('express-rate-limit')
    const { RedisStore } = require('rate-limit-redis')
    app.use('/api/', expressRateLimit({ windowMs: 60_000, limit: 1e9, standardHeaders: 'draft-7', store: new RedisStore({ sendCommand: (...a) => io.call(...a) }) }))
  }
  app.get('/api/ping', (req, res) => res.json({ ok: true }))
  app.listen(Number(httpPort), () => process.stdout.write('ready\n'))
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
