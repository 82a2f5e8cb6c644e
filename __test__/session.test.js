'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('child_process')
const path = require('path')
const express = require('express')
const session = require('express-session')
const request = require('supertest')
const { RedisServer, cli, withRedis } = require('./helpers')
const { Redis, createClient, RedisStore } = require('..')

let server
let redis
withRedis(test, (s, r) => {
  server = s
  redis = r
})

function app(store) {
  const a = express()
  a.use(session({ store, secret: 'test-secret', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }))
  a.post('/login', (req, res) => {
    req.session.user = 'alice'
    res.json({ ok: true })
  })
  a.get('/me', (req, res) => res.json({ user: req.session.user || null }))
  a.post('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  return a
}

test('express-session: login persists across requests, TTL from the cookie, logout destroys', async () => {
  const store = new RedisStore({ client: redis, prefix: 'sess:', ttl: 86400 })
  const agent = request.agent(app(store))
  assert.deepEqual((await agent.get('/me')).body, { user: null })
  await agent.post('/login')
  assert.deepEqual((await agent.get('/me')).body, { user: 'alice' })
  const keys = cli(server.port, 'KEYS', 'sess:*').split('\n').filter(Boolean)
  assert.equal(keys.length, 1)
  const ttl = Number(cli(server.port, 'TTL', keys[0]))
  assert.ok(ttl > 50 && ttl <= 60, `TTL ${ttl} follows cookie.maxAge, not the 86400 default`)
  await agent.post('/logout')
  assert.equal(cli(server.port, 'EXISTS', keys[0]), '0')
  assert.deepEqual((await agent.get('/me')).body, { user: null })
})

test('Store methods: callback and promise styles, touch, expired sessions destroyed, ttl function, disableTTL', async () => {
  const node = createClient({ url: server.url })
  await node.connect()
  try {
    const store = new RedisStore({ client: node, prefix: 'm:' })
    const sess = { cookie: { originalMaxAge: 30_000, expires: new Date(Date.now() + 30_000) }, n: 1 }
    await store.set('a', sess)
    assert.deepEqual((await store.get('a')).n, 1)
    const viaCb = await new Promise((resolve, reject) => store.get('a', (err, s) => (err ? reject(err) : resolve(s))))
    assert.equal(viaCb.n, 1)
    assert.equal(await store.get('missing'), null)
    await new Promise((resolve) => store.touch('a', { cookie: { expires: new Date(Date.now() + 120_000) } }, resolve))
    assert.ok(Number(cli(server.port, 'TTL', 'm:a')) > 100)
    await store.set('a', { cookie: { expires: new Date(Date.now() - 1000) } })
    assert.equal(cli(server.port, 'EXISTS', 'm:a'), '0', 'an already expired session is destroyed')
    const fnStore = new RedisStore({ client: redis, prefix: 'f:', ttl: (s) => s.custom })
    await fnStore.set('x', { custom: 77, cookie: {} })
    assert.equal(cli(server.port, 'TTL', 'f:x'), '77')
    const noTtl = new RedisStore({ client: redis, prefix: 'n:', disableTTL: true })
    await noTtl.set('x', { cookie: {} })
    assert.equal(cli(server.port, 'TTL', 'n:x'), '-1')
  } finally {
    await node.quit()
  }
})

test('all, ids, length, clear over 1000 sessions; a session written by another process', async () => {
  const store = new RedisStore({ client: redis, prefix: 'many:', scanCount: 250 })
  await Promise.all(Array.from({ length: 1000 }, (_, i) => store.set(`s${i}`, { cookie: {}, i })))
  assert.equal(await store.length(), 1000)
  const ids = await store.ids()
  assert.equal(new Set(ids).size, 1000)
  assert.ok(ids.includes('s999'))
  const all = await store.all()
  assert.equal(all.length, 1000)
  assert.equal(all.find((s) => s.id === 's7').i, 7)
  await store.clear()
  assert.equal(await store.length(), 0)

  await new Promise((resolve, reject) =>
    execFile(process.execPath, [path.join(__dirname, 'fixtures', 'session-writer.js'), String(server.port)], (err) => (err ? reject(err) : resolve()))
  )
  const other = new RedisStore({ client: redis, prefix: 'xsess:' })
  assert.equal((await other.get('from-other-process')).user, 'carol')
})

test('the store tells express-session when Redis goes away and comes back', async () => {
  const s2 = await RedisServer.start()
  const c = new Redis({ port: s2.port, retryStrategy: () => 30 })
  c.on('error', () => {})
  try {
    await c.ping()
    const store = new RedisStore({ client: c })
    const events = []
    store.on('disconnect', () => events.push('disconnect'))
    store.on('connect', () => events.push('connect'))
    await s2.restart()
    for (let i = 0; i < 200 && !events.includes('connect'); i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(events[0], 'disconnect')
    assert.ok(events.includes('connect'))
  } finally {
    c.disconnect()
    await s2.stop()
  }
})
