'use strict'
// The boundary: one completion channel per Node environment (worker threads), the direct
// path's in-flight cap and deadlines, reply shapes, and options checked for type.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { Worker } = require('worker_threads')
const { RedisServer, cli } = require('./helpers')
const { Redis, createClient } = require('..')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(async () => {
  await server.stop()
})

const WORKER = `
const { parentPort, workerData } = require('worker_threads')
const { Redis } = require(${JSON.stringify(path.join(__dirname, '..'))})
const redis = new Redis({ port: workerData.port })
parentPort.on('message', async (m) => {
  try {
    if (m === 'exit') {
      // Leave without quitting: the environment's teardown must close the socket.
      process.exit(0)
    }
    await redis.set('w:' + workerData.name, m)
    parentPort.postMessage({ ok: await redis.get('w:' + workerData.name) })
  } catch (err) {
    parentPort.postMessage({ error: err.message })
  }
})
parentPort.postMessage({ ready: true })
`

/** A worker whose messages are queued from the start (a message with no listener is lost). */
function startWorker(name) {
  const w = new Worker(WORKER, { eval: true, workerData: { port: server.port, name } })
  const inbox = []
  const waiting = []
  w.on('message', (m) => (waiting.length ? waiting.shift().resolve(m) : inbox.push(m)))
  w.on('error', (err) => waiting.splice(0).forEach((p) => p.reject(err)))
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })))
  return { w, next }
}

test('the addon serves the main thread and two workers at once; a worker exiting leaves the others working', async () => {
  const main = new Redis({ port: server.port })
  const a = startWorker('a')
  const b = startWorker('b')
  assert.deepEqual(await a.next(), { ready: true })
  assert.deepEqual(await b.next(), { ready: true })
  a.w.postMessage('one')
  b.w.postMessage('two')
  const [ra, rb] = await Promise.all([a.next(), b.next()])
  assert.deepEqual(ra, { ok: 'one' })
  assert.deepEqual(rb, { ok: 'two' })
  assert.equal(await main.get('w:a'), 'one')

  // Worker a exits with its client still open.
  const exited = new Promise((resolve) => a.w.once('exit', resolve))
  a.w.postMessage('exit')
  assert.equal(await exited, 0)

  // The main thread and worker b keep getting replies.
  const many = await Promise.all(Array.from({ length: 100 }, (_, i) => main.incr('w:count').then(() => i)))
  assert.equal(many.length, 100)
  assert.equal(await main.get('w:count'), '100')
  b.w.postMessage('three')
  assert.deepEqual(await b.next(), { ok: 'three' })
  await b.w.terminate()
  assert.equal(await main.get('w:b'), 'three')
  await main.quit()
})

test('a hash field named __proto__ comes back as an own property on both faces', async () => {
  const io = new Redis({ port: server.port })
  const nr = createClient({ url: server.url })
  await nr.connect()
  await io.hset('proto', { __proto__: null, a: '1' })
  await io.hset('proto', '__proto__', 'x', 'constructor', 'y')
  // ioredis gives a plain object, node-redis 5 one without a prototype.
  for (const [h, proto] of [
    [await io.hgetall('proto'), Object.prototype],
    [await nr.hGetAll('proto'), null],
  ]) {
    assert.equal(Object.getPrototypeOf(h), proto)
    assert.ok(Object.prototype.hasOwnProperty.call(h, '__proto__'))
    assert.equal(h['__proto__'], 'x')
    assert.equal(h.constructor, 'y')
    assert.equal(h.a, '1')
    assert.deepEqual(Object.keys(h).sort(), ['__proto__', 'a', 'constructor'])
  }
  await io.quit()
  await nr.quit()
})

test('beyond the in-flight cap commands wait unsent, and their deadline still runs', async () => {
  const redis = new Redis({ port: server.port, maxInFlight: 1, commandTimeout: 300 })
  try {
    await redis.ping()
    cli(server.port, 'DEL', 'cap:list', 'cap:n')
    // The BLPOP is written and blocks the server side for ~1 s; with one command in flight
    // allowed, the INCR (issued in a later tick, so in a batch of its own) must wait on our
    // side, time out there, and never be sent.
    const blocked = redis.blpop('cap:list', 1)
    await new Promise((resolve) => setImmediate(resolve))
    const incr = redis.incr('cap:n')
    await assert.rejects(incr, { code: 'ERR_REDIS_TIMEOUT' })
    assert.equal(await blocked, null)
    // Anything written before this PING has been executed by the time it answers.
    assert.equal(await redis.ping(), 'PONG')
    assert.equal(cli(server.port, 'GET', 'cap:n'), '')
    // Below the cap, work still flows, in order.
    const replies = []
    for (let i = 0; i < 3; i++) {
      replies.push(redis.incr('cap:m'))
      await new Promise((resolve) => setImmediate(resolve))
    }
    assert.deepEqual(await Promise.all(replies), [1, 2, 3])
  } finally {
    redis.disconnect()
  }
})

test('wrongly typed options are rejected with ERR_INVALID_ARG before anything connects', () => {
  const bad = [
    { port: {} },
    { port: 'not-a-port' },
    { commandTimeout: '100' },
    { connectTimeout: true },
    { maxOfflineQueue: 'many' },
    { maxInFlight: -1 },
    { enableOfflineQueue: 'yes' },
    { db: '1x' },
    { connectionName: 42 },
    { tls: 'on' },
    // Not coerced: NaN and Infinity are no durations (JSON would have turned them into
    // null, i.e. the default), a fractional port is no port.
    { commandTimeout: NaN },
    { connectTimeout: Infinity },
    { port: 6379.5 },
    { maxRetriesPerRequest: 'three' },
  ]
  for (const o of bad) {
    assert.throws(
      () => new Redis({ port: server.port, lazyConnect: true, ...o }),
      (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG' && err.message.includes(Object.keys(o)[0]) && !/rust|f64|napi/i.test(err.message),
      String(Object.entries(o))
    )
  }
  assert.throws(
    () => createClient({ url: server.url, commandTimeout: 'soon' }),
    (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG'
  )
})

test('the numbers both sides share come from Rust alone: every one the JavaScript side names exists, and no hand-written copy remains in lib/', () => {
  const fs = require('fs')
  const constants = require('../lib/constants')
  const lib = path.join(__dirname, '..', 'lib')
  // Every name destructured from lib/constants.js is defined (a rename in Rust would
  // otherwise read as undefined).
  for (const file of fs.readdirSync(lib).filter((f) => f.endsWith('.js'))) {
    const src = fs.readFileSync(path.join(lib, file), 'utf8')
    for (const m of src.matchAll(/const \{([^}]*)\} = require\('\.\/constants'\)/g)) {
      for (const part of m[1].split(',')) {
        const name = part.split(':')[0].trim()
        if (name) assert.equal(typeof constants[name], 'number', `${file}: ${name}`)
      }
    }
    // The values only Rust may define, written as literals: the header bits, the markers.
    for (const literal of [/0x80000000/i, /0x40000000/i, /0xfffffffe/i, /0x7fffffff/i, /\b(?:BUFFER_ARG|NO_PATTERN|SHARDED)\s*=\s*0x/i]) {
      assert.doesNotMatch(src, literal, `${file} writes a boundary number by hand`)
    }
  }
  // The tape's codes are distinct, values below the records.
  const ops = Object.entries(constants).filter(([k]) => k.startsWith('OP_')).map(([, v]) => v)
  const records = Object.entries(constants).filter(([k]) => k.startsWith('RECORD_')).map(([, v]) => v)
  assert.equal(new Set([...ops, ...records]).size, ops.length + records.length)
  assert.ok(Math.max(...ops) < Math.min(...records))
  assert.ok(Object.isFrozen(constants))
})
