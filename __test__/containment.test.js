'use strict'
// Issue #24: a fault inside the addon never takes Node down nor strands a promise. Each
// test arms one injected fault (a panic in a libuv callback, a socket the direct path
// cannot watch, a conversion to JavaScript that fails), checks that it fired, that every
// promise it touched settled with a coded error, and that the client goes on.
process.env.REDIS_HOTPATH_FAULTS = '1'

const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const { Worker } = require('node:worker_threads')
const path = require('node:path')
const native = require('../lib/native')
const { RedisServer, waitFor, cli } = require('./helpers')
const { Redis, createClient } = require('..')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(() => server.stop())

function arm(name) {
  native.injectFault(name)
  assert.ok(native.armedFaults().includes(name))
}

function fired(name) {
  assert.ok(!native.armedFaults().includes(name), `the fault ${name} did not fire`)
}

/** Every result rejected with `code`. */
function allRejected(results, code) {
  for (const r of results) {
    assert.equal(r.status, 'rejected', `expected a rejection, got ${JSON.stringify(r.value)}`)
    assert.ok(r.reason instanceof Error)
    assert.equal(r.reason.code, code, r.reason.message)
  }
}

test('fault injection is refused unless the process was started for it', () => {
  const { execFileSync } = require('node:child_process')
  const out = execFileSync(process.execPath, ['-e', "try { require('./lib/native').injectFault('poll-panic'); console.log('armed') } catch (e) { console.log(e.message) }"], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, REDIS_HOTPATH_FAULTS: '' },
    encoding: 'utf8',
  })
  assert.match(out, /REDIS_HOTPATH_FAULTS=1/)
  assert.throws(() => native.injectFault('no-such-fault'), /unknown fault/)
})

test('a panic in the poll callback after replies were read: those and the rest in flight fail with ERR_INTERNAL, the client reconnects (both faces)', async () => {
  const redis = new Redis({ port: server.port })
  const client = createClient({ socket: { port: server.port } })
  await client.connect()
  try {
    await redis.set('k', 'v')
    arm('poll-panic')
    allRejected(await Promise.allSettled([redis.get('k'), redis.incr('n'), redis.get('k')]), 'ERR_INTERNAL')
    fired('poll-panic')
    assert.equal(await redis.get('k'), 'v')

    arm('poll-panic')
    allRejected(await Promise.allSettled([client.get('k'), client.incr('n')]), 'ERR_INTERNAL')
    fired('poll-panic')
    assert.equal(await client.get('k'), 'v')
  } finally {
    redis.disconnect()
    await client.close()
  }
})

test('a panic in the deadline timer after a command timed out: it fails with ERR_INTERNAL, the client reconnects', async () => {
  const redis = new Redis({ port: server.port, commandTimeout: 100 })
  try {
    await redis.set('k', 'v')
    arm('timer-panic')
    const [r] = await Promise.allSettled([redis.blpop('nothing-here', 0)])
    allRejected([r], 'ERR_INTERNAL')
    fired('timer-panic')
    assert.equal(await redis.get('k'), 'v')
  } finally {
    redis.disconnect()
  }
})

test('a socket the direct path cannot watch: what waited for it fails with a coded error and the next attempt works', async () => {
  arm('attach-fail')
  const redis = new Redis({ port: server.port })
  try {
    // Issued before the connection is up: handed over with the socket, so failed with it.
    const [first] = await Promise.allSettled([redis.get('k')])
    fired('attach-fail')
    allRejected([first], 'ERR_REDIS_CONNECTION')
    // ioredis' form for a command cut off by its connection; the core's account is the cause:
    // the failed hand-over itself, or (when the command was still queued at the actor as the
    // hand-over failed, which a loaded machine makes likely) the connection it ended.
    assert.match(first.reason.cause.message, /cannot watch the socket|Connection lost/)
    await redis.set('k', 'after')
    assert.equal(await redis.get('k'), 'after')
  } finally {
    redis.disconnect()
  }
})

test('a conversion to JavaScript that fails: the replies it carried reject with ERR_INTERNAL on the direct path and on the runtime path', async () => {
  const redis = new Redis({ port: server.port })
  const sub = new Redis({ port: server.port })
  const errors = []
  sub.on('error', (e) => errors.push(e))
  try {
    await redis.set('k', 'v')
    arm('convert-fail')
    allRejected(await Promise.allSettled([redis.get('k'), redis.set('k2', 'x')]), 'ERR_INTERNAL')
    fired('convert-fail')
    // Nothing was reset: the same connection answers the next command.
    assert.equal(await redis.get('k'), 'v')

    // A subscriber's replies come through the runtime's thread-safe function.
    await sub.subscribe('a')
    arm('convert-fail')
    allRejected(await Promise.allSettled([sub.subscribe('b')]), 'ERR_INTERNAL')
    fired('convert-fail')
    // A message lost in a failed conversion is reported as an error event.
    errors.length = 0
    arm('convert-fail')
    // Published by another process, so that the message's drain is the only one here.
    cli(server.port, 'PUBLISH', 'a', 'lost')
    await waitFor(() => errors.length > 0)
    assert.equal(errors[0].code, 'ERR_INTERNAL')
    fired('convert-fail')
    const message = once(sub, 'message')
    cli(server.port, 'PUBLISH', 'a', 'delivered')
    assert.deepEqual(await message, ['a', 'delivered'])
  } finally {
    redis.disconnect()
    sub.disconnect()
  }
})

test('a panic in a close callback is contained: the client ends and a new one works', async () => {
  const redis = new Redis({ port: server.port })
  await redis.set('k', 'v')
  arm('close-panic')
  const ended = once(redis, 'end')
  redis.disconnect()
  await ended
  // The close callbacks run on a later turn of the loop.
  await new Promise((resolve) => setImmediate(resolve))
  fired('close-panic')
  const again = new Redis({ port: server.port })
  assert.equal(await again.get('k'), 'v')
  again.disconnect()
})

test('a panic in the environment cleanup hook (a worker thread terminated with a client open) is contained', async () => {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Redis } = require(workerData.pkg)
    const redis = new Redis({ port: workerData.port })
    redis.set('from-worker', '1').then(() => parentPort.postMessage('ready'))
    `,
    { eval: true, workerData: { pkg: path.join(__dirname, '..'), port: server.port } }
  )
  assert.equal((await once(worker, 'message'))[0], 'ready')
  arm('cleanup-panic')
  await worker.terminate()
  fired('cleanup-panic')
  const redis = new Redis({ port: server.port })
  assert.equal(await redis.get('from-worker'), '1')
  redis.disconnect()
})
