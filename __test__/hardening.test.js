'use strict'
// Issue #13's defects, each with a test that failed before its fix: transactions all or
// nothing, no silent coercion of arguments, glob-safe prefixes, quit() that always ends,
// secrets kept out of what a logger prints, options checked before anything runs.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('util')
const { RedisServer, cli, waitFor, publishFromChild } = require('./helpers')
const { Redis, createClient, RedisStore, RateLimitStore } = require('..')

let server
let redis
let client
test.before(async () => {
  server = await RedisServer.start()
  redis = new Redis({ port: server.port })
  client = createClient({ socket: { port: server.port } })
  await client.connect()
})
test.after(async () => {
  await redis.quit()
  await client.quit()
  await server.stop()
})

const invalidArg = (err) => err.code === 'ERR_INVALID_ARG' && (err instanceof TypeError || err instanceof RangeError)

test('a transaction with one unusable argument is refused whole, before anything is sent (both faces)', async () => {
  await redis.set('balance', '100')
  await assert.rejects(redis.multi().decrby('balance', '\uD800').rpush('audit', 'debited').exec(), (err) => {
    assert.ok(invalidArg(err), err)
    assert.match(err.message, /^EXECABORT/)
    assert.equal(err.previousErrors.length, 1)
    return true
  })
  await assert.rejects(client.multi().decrBy('balance', '\uD800').rPush('audit', 'debited').exec(), invalidArg)
  assert.equal(await redis.llen('audit'), 0)
  assert.equal(await redis.get('balance'), '100')
  // The connection is not left inside a MULTI.
  assert.equal(await redis.incr('after'), 1)
  // A pipeline keeps per-command errors, as before.
  const rows = await redis.pipeline().incr('p').decrby('balance', '\uD800').incr('p').exec()
  assert.deepEqual(rows[0], [null, 1])
  assert.ok(invalidArg(rows[1][0]))
  assert.deepEqual(rows[2], [null, 2])
})

test('node-redis face: arguments are never coerced (as node-redis); lone surrogates refused on both faces', async () => {
  // (The ioredis face writes values as ioredis does: see ioredis.test.js.)
  for (const v of [true, 10n, {}, null, undefined, Symbol('s')]) {
    await assert.rejects(client.set('coerced', v), invalidArg, String(typeof v))
  }
  // Two different keys must never alias: '\uD800' would be sent as U+FFFD.
  await assert.rejects(redis.set('\uD800', 'x'), invalidArg)
  await assert.rejects(client.get('a\uDC00'), invalidArg)
  assert.equal(await redis.exists('coerced', '\uFFFD'), 0)
  // Well-formed astral characters pass.
  await redis.set('😀', '✓')
  assert.equal(await client.get('😀'), '✓')
})

test('prefixes are matched literally, never as globs; destructive calls refuse an empty prefix', async () => {
  await redis.set('tenant1:a', 'other tenant')
  const t = redis.cache({ prefix: 'tenant[1]:' })
  await t.set('mine', 1)
  assert.equal(await t.invalidatePattern('*'), 1)
  assert.equal(await redis.get('tenant1:a'), 'other tenant')
  await assert.rejects(t.invalidatePattern({}), invalidArg)
  await assert.rejects(redis.cache({ prefix: '' }).invalidatePattern('*'), invalidArg)

  await redis.set('sessX', 'not a session')
  const store = new RedisStore({ client: redis, prefix: 'sess?' })
  await store.set('one', { cookie: { maxAge: 60_000 } })
  assert.deepEqual(await store.ids(), ['one'])
  await store.clear()
  assert.equal(await redis.get('sessX'), 'not a session')
  await assert.rejects(new RedisStore({ client: redis, prefix: '' }).clear(), invalidArg)
  await assert.rejects(store.get({}), invalidArg)
  await assert.rejects(store.get(Symbol('sid')), invalidArg)
  assert.equal(cli(server.port, 'EXISTS', 'sess?[object Object]'), '0')

  // The limiter and the express-rate-limit store no longer share a default prefix.
  const limiter = redis.rateLimiter({ limit: 5, windowMs: 60_000, algorithm: 'fixed-window' })
  await limiter.limit('user')
  const rls = new RateLimitStore({ client: redis })
  rls.init({ windowMs: 60_000 })
  await rls.increment('ip')
  await rls.resetAll()
  assert.equal((await limiter.limit('user')).remaining, 3)
})

test('a session whose cookie expiry is no date is kept for the default TTL, not deleted', async () => {
  const store = new RedisStore({ client: redis, ttl: 100 })
  await store.set('s1', { cookie: { maxAge: 60_000 }, n: 1 })
  await store.set('s1', { cookie: { expires: 'garbage' }, n: 2 })
  assert.equal((await store.get('s1')).n, 2)
  const ttl = await redis.ttl('sess:s1')
  assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`)
  assert.throws(() => new RedisStore({ client: redis, ttl: 1.5 }), invalidArg)
})

test('quit() against a server that does not answer still ends the client and resolves (both faces)', async () => {
  const s = await RedisServer.start()
  const r = new Redis({ port: s.port, commandTimeout: 300 })
  const n = createClient({ socket: { port: s.port }, commandTimeout: 300 })
  n.on('error', () => {})
  await r.ping()
  await n.connect()
  s.proc.kill('SIGSTOP')
  try {
    const ended = new Promise((resolve) => r.once('end', resolve))
    assert.equal(await r.quit(), 'OK')
    await ended
    assert.equal(r.status, 'end')
    assert.equal(await n.quit(), 'OK')
    assert.equal(n.isOpen, false)
  } finally {
    s.proc.kill('SIGCONT')
    await s.stop()
  }
})

test('passwords never show in util.inspect, JSON.stringify or a spread of the options (both faces)', async () => {
  const secret = 'hunter2-secret'
  const a = new Redis({ port: server.port, password: secret, lazyConnect: true })
  const b = new Redis(`redis://:${secret}@127.0.0.1:${server.port}`, { lazyConnect: true })
  const c = createClient({ url: `redis://default:${secret}@127.0.0.1:${server.port}` })
  const d = createClient({ socket: { port: server.port }, password: secret })
  for (const x of [a, b, c, d, a.duplicate({ lazyConnect: true })]) {
    for (const text of [util.inspect(x, { depth: 10, showHidden: false }), JSON.stringify(x), JSON.stringify({ ...x.options })]) {
      assert.ok(!text.includes(secret), text)
    }
  }
  // Still readable where a user asks for it, and duplicate() keeps it.
  assert.equal(a.options.password, secret)
  assert.equal(a.duplicate({ lazyConnect: true }).options.password, secret)
  for (const x of [a, b]) x.disconnect()
})

test('options out of range are refused with a code before anything runs', async () => {
  assert.throws(() => new Redis(NaN), invalidArg)
  assert.throws(() => new Redis({ port: Infinity, lazyConnect: true }), invalidArg)
  assert.throws(() => new Redis({ maxRetriesPerRequest: 2 ** 32, lazyConnect: true }), invalidArg)
  assert.throws(() => redis.rateLimiter({ limit: 1e300, windowMs: 1000 }), invalidArg)
  assert.throws(() => redis.rateLimiter({ limit: 10, windowMs: 1e300 }), invalidArg)
  assert.throws(() => redis.rateLimiter({ limit: Symbol('x'), windowMs: 1000 }), invalidArg)
  await assert.rejects(redis.lock('r', 1000, { retryCount: -1 }), invalidArg)
  assert.throws(() => redis.cache({ lockTtlMs: -1 }), invalidArg)
})

test('a reply nested deeper than 512 levels becomes an error in its place; the rest of the tick is delivered', async () => {
  const nest = (n) => `local t = {1} for i = 1, ${n} do t = {t} end return t`
  const [deep, fine, after] = await Promise.allSettled([redis.eval(nest(600), 0), redis.eval(nest(100), 0), redis.get('balance')])
  assert.equal(deep.status, 'rejected')
  assert.equal(deep.reason.code, 'ERR_REDIS_REPLY')
  assert.match(deep.reason.message, /nested/)
  let v = fine.value
  let depth = 0
  while (Array.isArray(v)) {
    v = v[0]
    depth++
  }
  assert.equal(depth, 101)
  assert.equal(after.value, '100')
})

test("the package's own keys never collide with a user's (cache load locks, Redlock fences)", async () => {
  const { Redlock } = require('..')
  const cache = redis.cache({ prefix: 'c1:' })
  // A user entry named like the old load-lock key must not make wrap wait.
  await cache.set('lock:user:1', { mine: true })
  const t0 = Date.now()
  assert.deepEqual(await cache.wrap('user:1', async () => ({ id: 1 })), { id: 1 })
  assert.ok(Date.now() - t0 < 1000, `wrap waited ${Date.now() - t0} ms`)
  assert.deepEqual(await cache.get('lock:user:1'), { mine: true })
  // Reading a user key while another key loads never meets the lock token.
  let release
  const loading = cache.wrap('user:2', () => new Promise((r) => (release = r)))
  // The loader runs once the load lock is held: the lock is there while the user key is read.
  await waitFor(() => release !== undefined)
  assert.equal(await redis.exists('\u0000lock:c1:user:2'), 1)
  assert.equal(await cache.get('lock:user:2'), null)
  release({ id: 2 })
  assert.deepEqual(await loading, { id: 2 })

  const redlock = new Redlock([redis], { retryCount: 0 })
  const a = await redlock.acquire(['job'], 5000)
  const b = await redlock.acquire(['job:fence'], 5000)
  await a.release()
  await b.release()
})

test('values and arguments without a faithful form are refused with a code, never coerced or thrown bare', async () => {
  const cache = redis.cache({ prefix: 'c2:' })
  const circular = {}
  circular.self = circular
  for (const v of [NaN, Infinity, { a: -Infinity }, 10n, circular, () => 1]) {
    await assert.rejects(cache.set('k', v), invalidArg, String(typeof v))
  }
  assert.equal(await redis.exists('c2:k'), 0)
  await assert.rejects(cache.mget('abc'), invalidArg)
  await assert.rejects(cache.mset(null), invalidArg)
  let loaded = false
  await assert.rejects(
    cache.wrap('w', async () => (loaded = true), { ttl: -1 }),
    invalidArg
  )
  assert.equal(loaded, false)

  assert.throws(() => redis.defineCommand('x'), invalidArg)
  assert.throws(() => redis.pipeline([['nosuch']]), invalidArg)
  await assert.rejects(client.eval(undefined), invalidArg)
  const { Redlock } = require('..')
  await assert.rejects(new Redlock([redis]).using(['r'], 1000, 'x'), invalidArg)
  const stream = redis.stream('s:hard')
  const p = stream.publish(10n)
  assert.ok(p instanceof Promise)
  await assert.rejects(p, invalidArg)
  const rls = new RateLimitStore({ client: redis })
  assert.throws(() => rls.init({ windowMs: -1 }), invalidArg)
})

test('string arguments beyond what one JavaScript string holds are cut into batches, not thrown', async () => {
  // Two values of 2^27 + 1 characters: together more than one batch's 2^28.
  const big = 'a'.repeat(2 ** 27 + 1)
  const [r1, r2] = await Promise.all([redis.set('big:1', big), redis.set('big:2', big)])
  assert.equal(r1, 'OK')
  assert.equal(r2, 'OK')
  assert.equal(await redis.strlen('big:2'), big.length)
  await redis.del('big:1', 'big:2')
})

test('quitting a client ends its stream consumers, so the process can exit', async () => {
  const { execFile } = require('child_process')
  const script = `
    const { Redis } = require(${JSON.stringify(require('path').join(__dirname, '..'))})
    const redis = new Redis({ port: ${server.port} })
    const consumer = redis.stream('s:exit').consumer({ group: 'g', consumer: 'c1', blockMs: 1000 })
    consumer.run(async () => {})
    setTimeout(async () => { await redis.quit(); process.stdout.write('quit\\n') }, 300)
  `
  const out = await new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', script], { timeout: 15_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)))
    child.on('error', reject)
  })
  assert.equal(out.trim(), 'quit')
})

test("node-redis eval options: keys: 'ab' is one key (as node-redis sends it), never two", async () => {
  assert.equal(await client.eval('return #KEYS', { keys: 'ab' }), 1)
  assert.equal(await client.eval('return #KEYS', { keys: ['ab'] }), 1)
  await assert.rejects(client.eval(undefined), invalidArg)
})

test('a server that goes silent (stopped, sockets open) is left after two missed deadlines, and reconnected to', async () => {
  const s = await RedisServer.start()
  const r = new Redis({ port: s.port, commandTimeout: 300, connectTimeout: 500 })
  r.on('error', () => {})
  try {
    await r.ping()
    s.proc.kill('SIGSTOP')
    const closed = new Promise((resolve) => r.once('close', resolve))
    for (const k of ['a', 'b']) await assert.rejects(r.get(k), { code: 'ERR_REDIS_TIMEOUT' })
    let timer
    await Promise.race([closed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the silent connection was never left')), 5000)))])
    clearTimeout(timer)
    const ready = new Promise((resolve) => r.once('ready', resolve))
    s.proc.kill('SIGCONT')
    await ready
    assert.equal(await r.ping(), 'PONG')
  } finally {
    s.proc.kill('SIGCONT')
    r.disconnect()
    await s.stop()
  }
})

test('many RedisStores on one client add no listeners beyond the first', async () => {
  const c = new Redis({ port: server.port, lazyConnect: true })
  new RedisStore({ client: c })
  const after1 = c.listenerCount('close') + c.listenerCount('ready')
  for (let i = 0; i < 50; i++) new RedisStore({ client: c })
  assert.equal(c.listenerCount('close') + c.listenerCount('ready'), after1)
  // Each store is still told: 'connect' when the client is ready.
  const s = new RedisStore({ client: c })
  const told = new Promise((resolve) => s.once('connect', resolve))
  c.connect()
  await told
  await c.quit()
})

test('garbage from the server is a connection error, with an error event; a connect timeout says so', async () => {
  const net = require('net')
  // Answers the handshake like a server (HELLO, then the two CLIENT SETINFO), then sends
  // bytes that are not RESP.
  const fake = net.createServer((sock) => {
    let n = 0
    sock.on('data', () => {
      n++
      sock.write(n === 1 ? '%1\r\n+server\r\n+fake\r\n+OK\r\n+OK\r\n' : '?garbage\r\n')
    })
  })
  await new Promise((r) => fake.listen(0, '127.0.0.1', r))
  const r = new Redis({ port: fake.address().port, retryStrategy: () => null })
  const errored = new Promise((resolve) => r.once('error', resolve))
  try {
    await assert.rejects(r.get('k'), (err) => err.code === 'ERR_REDIS_CONNECTION' && /protocol/i.test(err.message))
    const e = await errored
    assert.equal(e.code, 'ERR_REDIS_CONNECTION')
    assert.match(e.message, /protocol/i)
  } finally {
    r.disconnect()
    fake.close()
  }

  const s = await RedisServer.start()
  s.proc.kill('SIGSTOP')
  const late = new Redis({ port: s.port, connectTimeout: 300, retryStrategy: () => null })
  try {
    const e = await new Promise((resolve) => late.once('error', resolve))
    assert.equal(e.code, 'ERR_REDIS_CONNECTION')
    assert.match(e.message, /connect timed out/)
  } finally {
    late.disconnect()
    s.proc.kill('SIGCONT')
    await s.stop()
  }
})

test('undrained pub/sub messages are bounded in bytes too: large payloads are dropped and counted, not buffered without end', async () => {
  const s = await RedisServer.start()
  const sub = new Redis({ port: s.port })
  try {
    let received = 0
    sub.on('message', () => received++)
    const dropped = new Promise((r) => sub.once('messagesDropped', r))
    await sub.subscribe('big')
    // 8,000 messages of 20 KB (160 MB) while this thread is blocked: far under the count
    // bound (100,000), over the byte budget (128 MiB).
    publishFromChild(s.port, 'big', 8000, 'p'.repeat(20 * 1024))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500)
    const count = await dropped
    assert.ok(count > 0)
    await waitFor(() => received + sub.droppedMessages >= 8000, 20_000)
    assert.ok(sub.droppedMessages > 0 && received > 0, `received ${received}, dropped ${sub.droppedMessages}`)
  } finally {
    sub.disconnect()
    await s.stop()
  }
})
