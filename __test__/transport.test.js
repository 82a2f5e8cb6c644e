'use strict'
// TLS (with a real CA chain made by openssl) and unix-socket connections, both faces.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { RedisServer, freePort, makeCerts } = require('./helpers')
const { Redis, createClient } = require('..')

let hasOpenssl = true
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' })
} catch {
  hasOpenssl = false
}

test('TLS: trusted CA on both faces, insecure mode, and an untrusted server refused', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-tls-'))
  makeCerts(dir)
  const tlsPort = await freePort()
  const server = await RedisServer.start(['--tls-port', String(tlsPort), '--tls-cert-file', path.join(dir, 'server.pem'), '--tls-key-file', path.join(dir, 'server.key'), '--tls-ca-cert-file', path.join(dir, 'ca.pem'), '--tls-auth-clients', 'no'])
  const ca = fs.readFileSync(path.join(dir, 'ca.pem'))
  try {
    const a = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { ca } })
    assert.equal(await a.set('tls', 'yes'), 'OK')
    assert.equal(await a.get('tls'), 'yes')
    const b = createClient({ url: `rediss://127.0.0.1:${tlsPort}`, socket: { tls: true, ca } })
    await b.connect()
    assert.equal(await b.get('tls'), 'yes')
    const insecure = new Redis({ host: '127.0.0.1', port: tlsPort, tls: { rejectUnauthorized: false } })
    assert.equal(await insecure.ping(), 'PONG')
    const untrusted = new Redis({ host: '127.0.0.1', port: tlsPort, tls: {}, maxRetriesPerRequest: 0, retryStrategy: () => null })
    const events = []
    untrusted.on('error', (e) => events.push(e))
    await assert.rejects(untrusted.ping())
    assert.equal(events[0].code, 'ERR_REDIS_CONNECTION')
    assert.match(events[0].message, /certificate/)
    await Promise.all([a.quit(), b.quit(), insecure.quit()])
  } finally {
    await server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('unix socket: path option, unix:// URL, node-redis socket.path', async () => {
  const sock = path.join(os.tmpdir(), `rh-${process.pid}-${Date.now()}.sock`)
  const server = await RedisServer.start(['--unixsocket', sock, '--unixsocketperm', '700'])
  try {
    const a = new Redis({ path: sock })
    assert.equal(await a.set('u', '1'), 'OK')
    const b = new Redis(`unix://${sock}`)
    assert.equal(await b.get('u'), '1')
    const c = createClient({ socket: { path: sock } })
    await c.connect()
    assert.equal(await c.get('u'), '1')
    await Promise.all([a.quit(), b.quit(), c.quit()])
  } finally {
    await server.stop()
  }
})
