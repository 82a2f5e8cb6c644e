'use strict'
// A bounded, seeded fuzz run: random calls with random (often invalid) arguments at both
// faces, the cache, the limiter, locks and the session store, while the server is killed
// (SIGKILL) and restarted underneath them. Asserts: nothing crashes, every promise settles,
// every error is an Error with a code, and every write the server acknowledged is there
// afterwards (the server persists each write before answering: appendfsync always).
//   FUZZ_SEED=<n> picks the run; FUZZ_MS=<ms> makes it longer (default 4000).
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, sleep, waitFor } = require('./helpers')
const { Redis, createClient, RedisStore } = require('..')

const SEED = Number(process.env.FUZZ_SEED || 20261201)
const DURATION = Number(process.env.FUZZ_MS || 4000)

const { rng } = require('./fixtures/differential')

test(`fuzz: random calls while the server is killed and restarted (seed ${SEED}, ${DURATION} ms)`, { timeout: DURATION + 90_000 }, async (t) => {
  const rand = rng(SEED)
  const pick = (list) => list[Math.floor(rand() * list.length)]
  const int = (n) => Math.floor(rand() * n)
  const values = [
    () => `v${int(1000)}`,
    () => 'ünïcødé😀'.repeat(1 + int(3)),
    () => '\uD800',
    () => int(1e6),
    () => rand() * 1e6,
    () => NaN,
    () => Infinity,
    () => -0,
    () => 1e300,
    () => Buffer.from([int(256), int(256), 0]),
    () => true,
    () => null,
    () => undefined,
    () => ({ nested: { a: [1, 'two'] } }),
    () => [1, 2, 3],
    () => 10n,
    () => 'x'.repeat(int(10_000)),
  ]
  const value = () => pick(values)()
  const key = () => (rand() < 0.9 ? `fz:${int(50)}` : value())

  const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always'])
  const opts = { port: server.port, commandTimeout: 1500, connectTimeout: 1000, retryStrategy: () => 50 }
  const io = new Redis(opts)
  const nr = createClient({ socket: { port: server.port, connectTimeout: 1000, reconnectStrategy: () => 50 }, commandTimeout: 1500 })
  for (const c of [io, nr]) c.on('error', () => {})
  await nr.connect()
  const cache = io.cache({ prefix: 'fzc:' })
  const limiter = io.rateLimiter({ limit: 20, windowMs: 1000, algorithm: pick(['sliding-window', 'fixed-window', 'token-bucket', 'sliding-window-counter']) })
  const store = new RedisStore({ client: nr, prefix: 'fzs:' })

  const acked = new Map() // durable key -> value the server acknowledged
  let nextWrite = 0
  const ops = [
    () => io.set(key(), value()),
    () => nr.set(key(), value()),
    () => io.get(key()),
    () => io.getBuffer(key()),
    () => io.hgetallBuffer(key()),
    () => nr.sendCommand(['GET', typeof key() === 'string' ? key() : 'fz:0'], { returnBuffers: true }),
    () => nr.get(key()),
    () => io.hset(key(), { f: value() }),
    () => nr.hGetAll(key()),
    () => io.incrby(key(), value()),
    () => io.zadd(key(), value(), value()),
    () => io.zrange(key(), 0, -1, 'WITHSCORES'),
    () => io.multi().set(key(), value()).incr(key()).exec(),
    () => nr.multi().set(key(), value()).get(key()).exec(),
    () => io.pipeline().set(key(), value()).get(key()).hgetall(key()).exec(),
    () => cache.set(key(), value()),
    () => cache.get(key()),
    () => cache.wrap(key(), async () => ({ at: int(100) })),
    () => limiter.limit(typeof key() === 'string' ? `id${int(10)}` : value(), { cost: pick([0, 1, 2, 5, 30, -1, 1.5, NaN]) }),
    async () => (await io.lock(`fzl:${int(5)}`, 500, { retryCount: 1, retryDelay: 5 })).release(),
    () => store.set(rand() < 0.9 ? `s${int(10)}` : value(), { cookie: { maxAge: 60_000 }, n: value() }),
    () => store.get(rand() < 0.9 ? `s${int(10)}` : value()),
    () => io.eval('return ARGV[1]', 0, value()),
    // Reply shapes of every kind: maps, sets, doubles, verbatim text, nested arrays.
    () => io.config('GET', 'max*'),
    () => io.info(),
    () => io.zpopmin(key(), 2),
    () => nr.zRangeWithScores(key(), 0, -1),
    () => nr.zScore(key(), 'x'),
    () => io.hrandfield(key(), 2, 'WITHVALUES'),
    () => io.smembers(key()),
    () => io.xadd('fzx', '*', 'f', value()),
    () => io.xrange('fzx', '-', '+', 'COUNT', 3),
    () => io.xread('COUNT', 2, 'STREAMS', 'fzx', '0'),
    () => io.call('COMMAND', 'COUNT'),
    () => io.call('LOLWUT'),
    () => io.scan(0, 'MATCH', 'fz:*', 'COUNT', 10),
    () => nr.eval('return #KEYS', { keys: rand() < 0.8 ? [key()] : value() }),
    () => {
      // A durable write on a key of its own: once acknowledged it must survive restarts.
      const k = `fzw:${nextWrite++}`
      const v = `w${int(1e9)}`
      const client = rand() < 0.5 ? io : nr
      return client.set(k, v).then((r) => {
        if (r === 'OK') acked.set(k, v)
        return r
      })
    },
  ]

  let issued = 0
  let settled = 0
  const badErrors = []
  const track = (run) => {
    let p
    try {
      p = Promise.resolve(run())
    } catch (err) {
      p = Promise.reject(err)
    }
    issued++
    return p.then(
      () => settled++,
      (err) => {
        settled++
        if (!(err instanceof Error) || typeof err.code !== 'string' || err.code.length === 0) badErrors.push(err)
      }
    )
  }

  // The chaos: SIGKILL and restart the server at random moments while calls run.
  let running = true
  let restarts = 0
  const chaos = (async () => {
    while (running) {
      await sleep(200 + int(600))
      if (!running) break
      await server.kill()
      await sleep(20 + int(200))
      await server.spawn()
      restarts++
    }
  })()

  const all = []
  const until = Date.now() + DURATION
  while (Date.now() < until) {
    const burst = 1 + int(40)
    for (let i = 0; i < burst; i++) all.push(track(pick(ops)))
    await sleep(int(15))
  }
  running = false
  await chaos
  if (!server.proc) await server.spawn()

  // Every promise settles: deadlines are 1.5 s, the server is back.
  let timer
  await Promise.race([
    Promise.all(all),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${issued - settled} of ${issued} promises never settled`)), 30_000))),
  ])
  clearTimeout(timer)
  assert.equal(settled, issued)
  const kinds = [...new Set(badErrors.map((e) => String(e && e.stack).split('\n').slice(0, 3).join(' | ')))]
  assert.deepEqual(kinds, [], `${badErrors.length} errors without a code`)

  // Every acknowledged write is there, read by a fresh client once the server answers.
  const check = new Redis({ port: server.port })
  check.on('error', () => {})
  try {
    await waitFor(async () => (await check.ping().catch(() => null)) === 'PONG', 20_000)
    const keys = [...acked.keys()]
    const got = keys.length ? await check.mget(keys) : []
    const missing = keys.filter((k, i) => got[i] !== acked.get(k))
    assert.deepEqual(missing, [], `${missing.length} of ${keys.length} acknowledged writes missing`)
    assert.ok(keys.length > 0, 'some writes were acknowledged')
    assert.ok(restarts > 0, 'the server was restarted under load')
    t.diagnostic(`${issued} calls, ${issued - badErrors.length} settled with a value or a coded error, ${keys.length} acknowledged writes all present, ${restarts} kills and restarts`)
  } finally {
    check.disconnect()
    io.disconnect()
    await nr.disconnect()
    await server.stop()
  }
})
