'use strict'
// The handshake as the imitated libraries write it (src/core/handshake.rs), proven
// differentially: real ioredis 6 / node-redis 5 and our face each connect to a mock server
// (standing for Redis 5, a proxy or a managed service) and the commands each sends before
// its first own command are compared, in order and case. Deliberate differences: CLIENT
// SETINFO reports this package's library name and version, and ioredis' RESP3
// `client MAINT_NOTIFICATIONS ON …` (Redis Enterprise's endpoint-move pushes, which this
// package does not act on) is not sent, as with ioredis' `maintNotifications: 'disabled'`.
const test = require('node:test')
const assert = require('node:assert/strict')
const IORedis = require('ioredis')
const nodeRedis = require('@redis/client')
const { mockServer } = require('./fixtures/mock-server')
const { Redis, createClient } = require('..')

/** The commands before `get probe`, with SETINFO's values blanked (deliberately ours). */
function handshakeOf(log) {
  const end = log.findIndex((argv) => argv[0].toLowerCase() === 'get' && argv[1] === 'probe')
  return log
    .slice(0, end < 0 ? log.length : end)
    .filter((argv) => !(argv[1] && argv[1].toUpperCase() === 'MAINT_NOTIFICATIONS'))
    .map((argv) => (argv[1] && argv[1].toLowerCase() === 'setinfo' ? [...argv.slice(0, 3), '…'] : argv))
}

/** Connects `make(port)` to a fresh mock, sends `get probe`, returns what the mock saw. */
async function wireOf(make, handler, { close = (c) => c.disconnect() } = {}) {
  const server = await mockServer(handler)
  const client = await make(server.port)
  client.on('error', () => {})
  try {
    await client.get('probe').catch(() => {})
    return handshakeOf(server.log)
  } finally {
    await close(client)
    await server.close()
  }
}

const ioredisCases = {
  'protocol 3 with password, db, name': { password: 'pw', db: 2, connectionName: 'app' },
  'protocol 3, user without password': { username: 'u' },
  'protocol 2 with user and password': { protocol: 2, username: 'u', password: 'pw', db: 1 },
  'protocol 2, no credentials, no client info': { protocol: 2, disableClientInfo: true },
  'no ready check': { enableReadyCheck: false, password: 'pw' },
}

for (const [name, options] of Object.entries(ioredisCases)) {
  test(`ioredis face: handshake as ioredis 6 writes it (${name})`, async () => {
    const make = (Client) => (port) => new Client({ port, maxRetriesPerRequest: 0, ...options })
    const real = await wireOf(make(IORedis))
    const ours = await wireOf(make(Redis))
    assert.ok(real.length >= 1, `ioredis sent ${JSON.stringify(real)}`)
    assert.deepEqual(ours, real)
  })
}

test('ioredis face: a server without HELLO (Redis 5) gets the RESP2 handshake, as from ioredis', async () => {
  const redis5 = (argv) => (argv[0].toLowerCase() === 'hello' ? new Error("ERR unknown command 'hello'") : undefined)
  const make = (Client) => (port) => new Client({ port, password: 'pw', maxRetriesPerRequest: 0 })
  const real = await wireOf(make(IORedis), redis5)
  const ours = await wireOf(make(Redis), redis5)
  assert.equal(real[0][0], 'hello')
  assert.deepEqual(ours, real)
})

test('ioredis face: a password the server does not need is a warning, not an error', async () => {
  const server = await mockServer((argv) => (argv[0] === 'auth' ? new Error('ERR Client sent AUTH, but no password is set') : argv[0] === 'get' ? 'v' : undefined))
  const warnings = []
  const warn = console.warn
  console.warn = (text) => warnings.push(text)
  const redis = new Redis({ port: server.port, password: 'pw', protocol: 2 })
  const errors = []
  redis.on('error', (e) => errors.push(e))
  try {
    assert.equal(await redis.get('k'), 'v')
    assert.deepEqual(errors, [])
    assert.ok(warnings.some((w) => w.includes('but a password was supplied')), JSON.stringify(warnings))
  } finally {
    console.warn = warn
    redis.disconnect()
    await server.close()
  }
})

test('ioredis face: a wrong password is an error event and fails the waiting command with the server message', async () => {
  const server = await mockServer((argv) => (argv[0] === 'auth' ? new Error('ERR invalid password') : undefined))
  const redis = new Redis({ port: server.port, password: 'pw', protocol: 2 })
  const emitted = new Promise((resolve) => redis.once('error', resolve))
  try {
    await assert.rejects(redis.get('k'), { message: 'ERR invalid password' })
    assert.equal((await emitted).message, 'ERR invalid password')
  } finally {
    redis.disconnect()
    await server.close()
  }
})

test('ioredis face: a ready check refused with NOAUTH is an error event with the server message', async () => {
  const server = await mockServer((argv) => (argv[0] === 'info' ? new Error('NOAUTH Authentication required.') : undefined))
  const redis = new Redis({ port: server.port, protocol: 2 })
  try {
    const err = await new Promise((resolve) => redis.once('error', resolve))
    assert.equal(err.message, 'NOAUTH Authentication required.')
  } finally {
    redis.disconnect()
    await server.close()
  }
})

test('ioredis face: a refused SELECT is reported and the connection goes on', async () => {
  const server = await mockServer((argv) => (argv[0] === 'select' ? new Error('ERR SELECT is not allowed in cluster mode') : argv[0] === 'get' ? 'v' : undefined))
  const redis = new Redis({ port: server.port, db: 3 })
  const emitted = new Promise((resolve) => redis.once('error', resolve))
  try {
    assert.equal((await emitted).message, 'ERR SELECT is not allowed in cluster mode')
    assert.equal(await redis.get('k'), 'v')
  } finally {
    redis.disconnect()
    await server.close()
  }
})

const nodeRedisCases = {
  'RESP2 with user, password, name, database': { username: 'u', password: 'pw', name: 'app', database: 2 },
  'RESP3 with password and name': { RESP: 3, password: 'pw', name: 'app' },
  'no client info': { disableClientInfo: true, password: 'pw' },
}

for (const [name, options] of Object.entries(nodeRedisCases)) {
  test(`node-redis face: handshake as node-redis 5 writes it (${name})`, async () => {
    const make = (create) => async (port) => {
      const client = create({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, ...options })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const close = (c) => c.destroy()
    // Our face speaks RESP3 on the wire whatever RESP says (its replies are shaped as
    // node-redis shapes RESP2's), so the reference is node-redis with RESP: 3.
    const real = await wireOf(make((o) => nodeRedis.createClient({ ...o, RESP: 3 })), undefined, { close })
    const ours = await wireOf(make(createClient), undefined, { close })
    assert.ok(real.length >= 1, `node-redis sent ${JSON.stringify(real)}`)
    // node-redis has no ready check; ours asks INFO persistence (a deliberate extra: it waits
    // for a server still loading its data set).
    assert.deepEqual(
      ours.filter((argv) => argv[0] !== 'INFO'),
      real
    )
  })
}
