'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const express = require('express')
const request = require('supertest')
const { rateLimit: expressRateLimit } = require('express-rate-limit')
const { RedisServer, cli, sleep, withRedis } = require('./helpers')
const { Redis, createClient, RateLimitStore, rateLimit } = require('..')
const { ipKey } = require('../lib/rate-limit')

let server
let redis
withRedis(test, (s, r) => {
  server = s
  redis = r
})

const ALGORITHMS = ['sliding-window', 'sliding-window-counter', 'fixed-window', 'token-bucket']

test('1000 concurrent calls on limit 100: exactly 100 allowed, for every algorithm', async () => {
  for (const algorithm of ALGORITHMS) {
    const limiter = redis.rateLimiter({ limit: 100, windowMs: 60_000, algorithm })
    const rs = await Promise.all(Array.from({ length: 1000 }, () => limiter.limit('ip:1.2.3.4')))
    assert.equal(rs.filter((r) => r.allowed).length, 100, algorithm)
    const denied = rs.find((r) => !r.allowed)
    assert.equal(denied.remaining, 0)
    assert.equal(denied.limit, 100)
    assert.ok(denied.resetAt instanceof Date && denied.resetAt.getTime() > Date.now(), algorithm)
    assert.ok(denied.retryAfterMs > 0, algorithm)
  }
})

test('result shape, cost, peek and reset; two clients on one key agree', async () => {
  const node = createClient({ url: server.url })
  await node.connect()
  try {
    const a = redis.rateLimiter({ limit: 5, windowMs: 10_000, prefix: 'shared:' })
    const b = node.rateLimiter({ limit: 5, windowMs: 10_000, prefix: 'shared:' })
    const r1 = await a.limit('u', { cost: 3 })
    assert.deepEqual(Object.keys(r1).sort(), ['allowed', 'limit', 'remaining', 'resetAt', 'retryAfterMs'])
    assert.deepEqual([r1.allowed, r1.remaining, r1.retryAfterMs], [true, 2, 0])
    assert.equal((await b.limit('u', { cost: 3 })).allowed, false)
    assert.equal((await b.limit('u', { cost: 2 })).allowed, true)
    assert.equal((await a.peek('u')).remaining, 0)
    assert.equal((await a.limit('u')).allowed, false)
    await b.reset('u')
    assert.equal((await a.limit('u')).remaining, 4)
    assert.equal(cli(server.port, 'EXISTS', 'shared:{u}:sw'), '1')
    await assert.rejects(a.limit(''), TypeError)
    await assert.rejects(a.limit('u', { cost: -1 }), RangeError)
    assert.throws(() => redis.rateLimiter({ limit: 0, windowMs: 1000 }), RangeError)
    assert.throws(() => redis.rateLimiter({ limit: 1, windowMs: 1000, algorithm: 'leaky' }), RangeError)
  } finally {
    await node.quit()
  }
})

test('window rollover frees the key', async () => {
  for (const algorithm of ALGORITHMS) {
    const l = redis.rateLimiter({ limit: 2, windowMs: 300, algorithm, prefix: `roll:${algorithm}:` })
    await l.limit('k')
    await l.limit('k')
    assert.equal((await l.limit('k')).allowed, false, algorithm)
    await sleep(650)
    assert.equal((await l.limit('k')).allowed, true, algorithm)
  }
})

test('blockOnExceeded answers from memory without Redis traffic', async () => {
  const l = redis.rateLimiter({ limit: 1, windowMs: 5000, blockOnExceeded: true, prefix: 'blk:' })
  await l.limit('k')
  assert.equal((await l.limit('k')).allowed, false)
  const calls = () => Number((cli(server.port, 'INFO', 'commandstats').match(/cmdstat_evalsha:calls=(\d+)/) || [0, 0])[1])
  const before = calls()
  for (let i = 0; i < 20; i++) assert.equal((await l.limit('k')).allowed, false)
  assert.equal(calls(), before)
})

test('failure policies while the server is down: fail-open, fail-closed, memory', async () => {
  const down = await RedisServer.start()
  const c = new Redis({ port: down.port, commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  c.on('error', () => {})
  try {
    await c.ping()
    const lost = new Promise((r) => c.once('close', r))
    await down.kill()
    await lost
    const open = await c.rateLimiter({ limit: 1, windowMs: 1000, onRedisError: 'fail-open' }).limit('k')
    assert.equal(open.allowed, true)
    assert.ok(open.error && open.error.code)
    const closed = await c.rateLimiter({ limit: 1, windowMs: 1000, onRedisError: 'fail-closed' }).limit('k')
    assert.equal(closed.allowed, false)
    const mem = c.rateLimiter({ limit: 2, windowMs: 1000, onRedisError: 'memory' })
    const verdicts = []
    for (let i = 0; i < 3; i++) verdicts.push((await mem.limit('k')).allowed)
    assert.deepEqual(verdicts, [true, true, false])
  } finally {
    c.disconnect()
    await down.stop()
  }
})

test('express-rate-limit + RateLimitStore: 200, 200, 200, 429 at limit 3, no validation warning', async () => {
  const warnings = []
  const origError = console.error
  const origWarn = console.warn
  console.error = (...a) => warnings.push(a.join(' '))
  console.warn = (...a) => warnings.push(a.join(' '))
  try {
    const app = express()
    app.use(expressRateLimit({ windowMs: 60_000, limit: 3, standardHeaders: 'draft-7', store: new RateLimitStore({ client: redis, prefix: 'erl:' }) }))
    app.get('/', (req, res) => res.send('ok'))
    const codes = []
    let last
    for (let i = 0; i < 4; i++) {
      last = await request(app).get('/')
      codes.push(last.status)
    }
    assert.deepEqual(codes, [200, 200, 200, 429])
    assert.equal(last.headers['x-ratelimit-limit'], '3')
    assert.equal(last.headers['x-ratelimit-remaining'], '0')
    assert.match(last.headers['ratelimit'], /^limit=3, remaining=0, reset=\d+$/)
    assert.ok(Number(last.headers['retry-after']) > 0)
    const store = new RateLimitStore({ client: redis, prefix: 'erl2:' })
    store.init({ windowMs: 1000 })
    const inc = await store.increment('k')
    assert.equal(inc.totalHits, 1)
    assert.ok(inc.resetTime instanceof Date && inc.resetTime.getTime() > Date.now())
    assert.equal((await store.get('k')).totalHits, 1)
    await store.decrement('k')
    assert.equal((await store.get('k')).totalHits, 0)
    await store.increment('a')
    await store.resetAll()
    assert.equal(cli(server.port, 'EXISTS', 'erl2:a'), '0')
    // (express-rate-limit's validations warn while it handles a request, so every warning
    // has been written by now.)
  } finally {
    console.error = origError
    console.warn = origWarn
  }
  assert.deepEqual(warnings, [])
})

test('RateLimitStore: plain commands, no script; a window opens with its expiry, and a counter left without one gets it back', async () => {
  const store = new RateLimitStore({ client: redis, prefix: 'rlx:' })
  store.init({ windowMs: 5000 })
  const scripts = () => Number((cli(server.port, 'INFO', 'commandstats').match(/cmdstat_evalsha:calls=(\d+)/) || [0, 0])[1])
  const before = scripts()
  const first = await store.increment('fresh')
  assert.equal(first.totalHits, 1)
  assert.ok(first.resetTime.getTime() - Date.now() > 4000)
  assert.equal((await store.increment('fresh')).totalHits, 2)
  assert.equal((await store.get('fresh')).totalHits, 2)
  assert.equal(scripts(), before, 'no script ran')
  // What the window-ending race leaves (the window expired between SET NX and INCR, so INCR
  // made a counter without an expiry): the next increment gives it one.
  cli(server.port, 'SET', 'rlx:stuck', '3')
  assert.equal((await store.increment('stuck')).totalHits, 4)
  const pttl = Number(cli(server.port, 'PTTL', 'rlx:stuck'))
  assert.ok(pttl > 0 && pttl <= 5000, `PTTL ${pttl}`)
})

test('our middleware: headers, 429 JSON body, Retry-After, keyGenerator, skip', async () => {
  const app = express()
  app.use('/api/', rateLimit({ client: redis, limit: 2, windowMs: 60_000, prefix: 'mw:' }))
  app.use('/skip/', rateLimit({ client: redis, limit: 1, windowMs: 60_000, prefix: 'mw2:', skip: (req) => req.query.vip === '1' }))
  app.use('/k/', rateLimit({ client: redis, limit: 1, windowMs: 60_000, prefix: 'mw3:', keyGenerator: (req) => req.get('x-user') || 'anon', standardHeaders: 'draft-8', legacyHeaders: false }))
  app.get(['/api/x', '/skip/x', '/k/x'], (req, res) => res.json({ ok: true, remaining: req.rateLimit && req.rateLimit.remaining }))
  const a = await request(app).get('/api/x')
  assert.equal(a.status, 200)
  assert.equal(a.headers['x-ratelimit-limit'], '2')
  assert.equal(a.headers['x-ratelimit-remaining'], '1')
  assert.match(a.headers['ratelimit'], /^limit=2, remaining=1, reset=\d+$/)
  assert.equal(a.headers['ratelimit-policy'], '2;w=60')
  await request(app).get('/api/x')
  const c = await request(app).get('/api/x')
  assert.equal(c.status, 429)
  assert.equal(c.body.error, 'Too many requests, please try again later.')
  assert.ok(Number(c.headers['retry-after']) >= 1 && Number(c.headers['retry-after']) <= 60)
  await request(app).get('/skip/x')
  assert.equal((await request(app).get('/skip/x')).status, 429)
  assert.equal((await request(app).get('/skip/x?vip=1')).status, 200)
  assert.equal((await request(app).get('/k/x').set('x-user', 'alice')).status, 200)
  assert.equal((await request(app).get('/k/x').set('x-user', 'bob')).status, 200)
  const d = await request(app).get('/k/x').set('x-user', 'alice')
  assert.equal(d.status, 429)
  assert.match(d.headers['ratelimit'], /^"1-in-60sec"; r=0; t=\d+$/)
  assert.equal(d.headers['x-ratelimit-limit'], undefined)
})

test('default key: IPv4 as is, IPv6 reduced to its /56', () => {
  assert.equal(ipKey('1.2.3.4', 56), '1.2.3.4')
  assert.equal(ipKey('::ffff:10.0.0.1', 56), '10.0.0.1')
  assert.equal(ipKey('2001:db8:abcd:12ff:1:2:3:4', 56), '2001:db8:abcd:1200:0:0:0:0/56')
  assert.equal(ipKey('2001:db8::1', 64), '2001:db8:0:0:0:0:0:0/64')
})
