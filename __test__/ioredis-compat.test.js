'use strict'
// ioredis 6 behaviours users' code leans on (issue #16): connection lifecycle, error
// classes, pub/sub counts, inline transactions, blocking commands, monitor, protocol,
// client info and diagnostics channels. Each against a real redis-server.
const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const dc = require('node:diagnostics_channel')
const { RedisServer, freePort, waitFor } = require('./helpers')
const { Redis, createClient, ReplyError, AbortError, MaxRetriesPerRequestError } = require('..')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(async () => {
  await server.stop()
})

/** A client that is closed after the test, whatever happens. */
function client(t, options) {
  const r = new Redis({ port: server.port, ...options })
  r.on('error', () => {})
  t.after(() => r.disconnect())
  return r
}

test('error classes: ReplyError, AbortError, MaxRetriesPerRequestError (codes kept), reachable as Redis.X', async (t) => {
  assert.equal(Redis.ReplyError, ReplyError)
  assert.equal(Redis.AbortError, AbortError)
  assert.ok(MaxRetriesPerRequestError.prototype instanceof AbortError)
  const r = client(t)
  await r.set('ec:s', 'x')
  const reply = await r.hget('ec:s', 'f').catch((e) => e)
  assert.ok(reply instanceof ReplyError && reply.code === 'ERR_REDIS_REPLY' && reply.name === 'ReplyError')

  // A command cut off by a lost connection: AbortError (it may have run; never re-sent).
  const killer = client(t)
  await killer.ping()
  const blocked = r.blpop('ec:none', 0).catch((e) => e)
  await waitFor(async () => (await killer.client('list')).includes('cmd=blpop'))
  await killer.client('kill', 'type', 'normal', 'skipme', 'yes')
  const aborted = await blocked
  assert.ok(aborted instanceof AbortError, String(aborted && aborted.stack))
  assert.equal(aborted.code, 'ERR_REDIS_CONNECTION')
  assert.equal(aborted.name, 'AbortError')

  // Waiting through maxRetriesPerRequest failed attempts: MaxRetriesPerRequestError, ioredis' words.
  const port = await freePort()
  const lost = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => 10 })
  lost.on('error', () => {})
  t.after(() => lost.disconnect())
  const e = await lost.get('k').catch((x) => x)
  assert.ok(e instanceof MaxRetriesPerRequestError && e instanceof AbortError, String(e && e.stack))
  assert.equal(e.code, 'ERR_REDIS_MAX_RETRIES')
  assert.equal(e.message, 'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.')
})

test("'Connection is closed.' after quit; enableOfflineQueue false says \"Stream isn't writeable\"", async (t) => {
  const r = client(t)
  await r.ping()
  await r.quit()
  const e = await r.get('k').catch((x) => x)
  assert.equal(e.message, 'Connection is closed.')
  assert.equal(e.code, 'ERR_REDIS_CLOSED')

  const s = await RedisServer.start()
  t.after(() => s.stop())
  const off = new Redis({ port: s.port, enableOfflineQueue: false, retryStrategy: () => 60_000 })
  off.on('error', () => {})
  t.after(() => off.disconnect())
  await once(off, 'ready')
  await off.ping()
  const closed = once(off, 'close')
  await s.kill()
  await closed
  const w = await off.get('k').catch((x) => x)
  assert.equal(w.message, "Stream isn't writeable and enableOfflineQueue options is false")
  assert.equal(w.code, 'ERR_REDIS_CONNECTION')
  assert.ok(!(w instanceof AbortError), 'refused unsent: not an abort')
})

test('connect(): a promise; refused while connected; again after quit() and disconnect(); lazyConnect + disconnect() ends', async (t) => {
  const lazy = new Redis({ port: server.port, lazyConnect: true })
  lazy.on('error', () => {})
  t.after(() => lazy.disconnect())
  assert.equal(lazy.status, 'wait')
  const ends = []
  lazy.on('close', () => ends.push('close'))
  lazy.on('end', () => ends.push('end'))
  lazy.disconnect()
  assert.equal(lazy.status, 'end')
  assert.deepEqual(ends, ['close', 'end'])
  await lazy.connect()
  assert.equal(lazy.status, 'ready')
  assert.equal(await lazy.ping(), 'PONG')

  await assert.rejects(lazy.connect(), /already connecting\/connected/)
  await lazy.quit()
  assert.equal(lazy.status, 'end')
  await lazy.connect()
  assert.equal(await lazy.set('lc:k', 'v'), 'OK')
  const ended = once(lazy, 'end')
  lazy.disconnect()
  await ended
  await lazy.connect()
  assert.equal(await lazy.get('lc:k'), 'v')
})

test('AUTH is the first command on every connection, and again after a reconnect', async (t) => {
  const s = await RedisServer.start(['--requirepass', 'sekrit'])
  t.after(() => s.stop())
  for (const direct of [true, false]) {
    // TLS-less single servers use the direct path; a cluster-less runtime connection is the other.
    const r = new Redis({ port: s.port, password: 'sekrit', db: 3, connectionName: 'authfirst', retryStrategy: () => 20 })
    r.on('error', () => {})
    t.after(() => r.disconnect())
    const conn = direct ? r : r.duplicate()
    assert.equal(await r.set('a:k', '1'), 'OK')
    const killer = new Redis({ port: s.port, password: 'sekrit' })
    t.after(() => killer.disconnect())
    await killer.client('kill', 'type', 'normal', 'skipme', 'yes')
    await once(r, 'ready')
    // Back on db 3, authenticated, named: nothing ran before AUTH (NOAUTH would reject).
    assert.equal(await r.get('a:k'), '1')
    assert.match(await r.client('info'), /name=authfirst .*db=3 /)
    if (conn !== r) conn.disconnect()
  }
})

test('reconnectOnError: true reconnects (command rejects), 2 reconnects and resends', async (t) => {
  const seen = []
  let answer = true
  const r = client(t, {
    reconnectOnError(err) {
      seen.push(err.message)
      return /WRONGTYPE/.test(err.message) ? answer : false
    },
  })
  await r.set('roe:s', 'x')
  const id1 = await r.client('id')
  await assert.rejects(r.lpush('roe:s', 'a'), ReplyError)
  await waitFor(async () => (await r.client('id')) !== id1)
  assert.equal(seen.length, 1)

  // 2: the failing command is sent again once reconnected; here the key has been fixed
  // meanwhile, so the resend succeeds.
  answer = 2
  const id2 = await r.client('id')
  const other = client(t)
  const p = r.lpush('roe:s', 'b')
  const fixed = other.del('roe:s')
  assert.equal(await p, 1)
  await fixed
  assert.notEqual(await r.client('id'), id2)
  // Errors it declines, and CLIENT's own errors, change nothing.
  answer = false
  const id3 = await r.client('id')
  await assert.rejects(r.hget('roe:s', 'x'), ReplyError)
  await assert.rejects(r.client('nosuchsub'), ReplyError)
  assert.equal(await r.client('id'), id3)
})

test('subscribe counts are channels + patterns, as Redis reports; callbacks get them; mode returns to normal', async (t) => {
  const r = client(t)
  assert.equal(await r.subscribe('c1', 'c2'), 2)
  const viaCallback = await new Promise((resolve, reject) => r.psubscribe('p*', (err, n) => (err ? reject(err) : resolve(n))))
  assert.equal(viaCallback, 3)
  // RESP3 (the default): ioredis 6 stays in 'normal' mode and runs other commands.
  assert.equal(r.mode, 'normal')
  assert.equal(await r.ping(), 'PONG')
  assert.equal(await r.unsubscribe('c1'), 2)
  assert.equal(await r.punsubscribe(), 1)
  assert.equal(await r.unsubscribe(), 0)
  assert.equal(r.mode, 'normal')
})

test('psubscribe with glob characters delivers strings to pmessage; ssubscribe/spublish on one server', async (t) => {
  const r = client(t)
  const pub = client(t)
  assert.equal(await r.psubscribe('news.[ab]*', 'x?z'), 2)
  const got = new Promise((resolve) => r.on('pmessage', (...a) => resolve(a)))
  await waitFor(async () => (await pub.publish('news.a1', 'hello')) === 1)
  const [pattern, channel, message] = await got
  assert.deepEqual([pattern, channel, message], ['news.[ab]*', 'news.a1', 'hello'])
  for (const v of [pattern, channel, message]) assert.equal(typeof v, 'string')

  assert.equal(await r.ssubscribe('orders:{1}', 'orders:{2}'), 2)
  const smsg = new Promise((resolve) => r.on('smessage', (...a) => resolve(a)))
  assert.equal(await pub.spublish('orders:{1}', 'paid'), 1)
  assert.deepEqual(await smsg, ['orders:{1}', 'paid'])
  assert.equal(await r.sunsubscribe('orders:{1}'), 1)
  assert.equal(await pub.spublish('orders:{1}', 'late'), 0)
  assert.equal(await r.sunsubscribe(), 0)
  assert.deepEqual(await pub.call('pubsub', 'shardchannels'), [])

  // node-redis: sSubscribe on one server.
  const nr = createClient({ url: server.url })
  await nr.connect()
  t.after(() => nr.disconnect())
  const heard = new Promise((resolve) => nr.sSubscribe('orders:{3}', (m, ch) => resolve([m, ch])))
  await waitFor(async () => (await pub.spublish('orders:{3}', 'shipped')) === 1)
  assert.deepEqual(await heard, ['shipped', 'orders:{3}'])
})

test('inline transactions in a pipeline; EXECABORT with previousErrors; no half-sent inline transaction', async (t) => {
  const r = client(t)
  const rows = await r.pipeline().set('it:a', '0').multi().set('it:foo', 'bar').get('it:foo').hgetall('it:none').exec().get('it:a').exec()
  assert.deepEqual(
    rows.map((x) => x[1]),
    ['OK', 'OK', 'QUEUED', 'QUEUED', 'QUEUED', ['OK', 'bar', {}], '0']
  )
  // Errors in EXEC's results: at their command's position, as ReplyErrors.
  const mixed = await r.multi().set('it:s', 'x').lpush('it:s', 'y').get('it:s').exec()
  assert.equal(mixed[0][1], 'OK')
  // ioredis' row for an error is [err] alone.
  assert.ok(mixed[1][0] instanceof ReplyError && /^WRONGTYPE/.test(mixed[1][0].message) && mixed[1].length === 1)
  assert.deepEqual(mixed[2], [null, 'x'])
  // A command the server refuses while queuing: EXEC is aborted, and says why.
  const e = await r.multi().set('it:x', '1').incr().get('it:x').exec().catch((x) => x)
  assert.ok(e instanceof ReplyError, String(e))
  assert.match(e.message, /^EXECABORT/)
  assert.equal(e.previousErrors.length, 1)
  assert.match(e.previousErrors[0].message, /wrong number of arguments/)
  assert.equal(await r.get('it:x'), null)
  // Defined commands (scripts) inside multi() and an inline transaction.
  r.defineCommand('swap', { numberOfKeys: 1, lua: "local v = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return v" })
  assert.deepEqual(await r.multi().set('it:w', 'a').swap('it:w', 'b').get('it:w').exec(), [[null, 'OK'], [null, 'a'], [null, 'b']])
  const inl = await r.pipeline().multi().swap('it:w', 'c').exec().exec()
  assert.deepEqual(inl.map((x) => x[1]), ['OK', 'QUEUED', ['b']])
  // An argument that cannot be sent refuses the whole pipeline holding an inline MULTI.
  // (ioredis writes every value; a lone surrogate is the one thing this face refuses, since
  // sent as U+FFFD two different keys would alias.)
  await assert.rejects(r.pipeline().multi().set('it:y', '1').set('it:z', '\uD800').exec().exec(), TypeError)
  assert.equal(await r.exists('it:y', 'it:z'), 0)
})

test('blockingTimeout: a block-forever command resolves null after it; XREAD BLOCK elapses as null', async (t) => {
  const r = client(t, { blockingTimeout: 150, commandTimeout: 60_000 })
  let t0 = Date.now()
  assert.equal(await r.blpop('bt:none', 0), null)
  const waited = Date.now() - t0
  assert.ok(waited >= 140 && waited < 2000, `${waited} ms`)
  await r.disconnect()

  // Without the option: a finite BLOCK that elapses is null, not a timeout.
  const x = client(t, { commandTimeout: 100 })
  t0 = Date.now()
  assert.equal(await x.xread('BLOCK', 300, 'STREAMS', 'bt:s', '$'), null)
  assert.ok(Date.now() - t0 >= 290)
  assert.equal(await x.blpop('bt:none', 0.3), null)
})

test('scan*BufferStream yield Buffers; autoPipelineQueueSize counts this tick\'s commands', async (t) => {
  const r = client(t)
  await r.hset('bs:h', { a: '1', b: '2' })
  await r.sadd('bs:s', 'x')
  await r.set(Buffer.from([0xff, 0x01]), 'bin')
  const keys = []
  for await (const batch of r.scanBufferStream({ count: 100 })) keys.push(...batch)
  assert.ok(keys.every(Buffer.isBuffer))
  assert.ok(keys.some((k) => k.equals(Buffer.from([0xff, 0x01]))))
  const fields = []
  for await (const batch of r.hscanBufferStream('bs:h')) fields.push(...batch)
  assert.deepEqual(fields.map(String).sort(), ['1', '2', 'a', 'b'])
  const members = []
  for await (const batch of r.sscanBufferStream('bs:s')) members.push(...batch)
  assert.ok(Buffer.isBuffer(members[0]) && String(members[0]) === 'x')

  assert.equal(r.autoPipelineQueueSize, 0)
  const ps = [r.get('bs:a'), r.get('bs:b'), r.get('bs:c')]
  assert.equal(r.autoPipelineQueueSize, 3)
  await Promise.all(ps)
  assert.equal(r.autoPipelineQueueSize, 0)
})

test('monitor(): a connection of its own, monitor events with args, mode monitor; node-redis monitor(listener)', async (t) => {
  const r = client(t)
  const m = await r.monitor()
  t.after(() => m.disconnect())
  assert.equal(m.mode, 'monitor')
  const seen = []
  m.on('monitor', (time, args, source, db) => seen.push({ time, args, source, db }))
  await r.set('mon:k', 'va"l ue\n')
  await waitFor(() => seen.some((e) => e.args[0] === 'set'))
  const e = seen.find((x) => x.args[0] === 'set')
  assert.deepEqual(e.args, ['set', 'mon:k', 'va"l ue\n'])
  assert.match(e.time, /^\d+\.\d+$/)
  assert.match(e.source, /^127\.0\.0\.1:\d+$/)
  assert.equal(e.db, '0')
  assert.equal(await r.get('mon:k'), 'va"l ue\n', 'the client itself keeps working')

  const nr = createClient({ url: server.url })
  await nr.connect()
  t.after(() => nr.disconnect())
  const lines = []
  const nm = await nr.monitor((line) => lines.push(line))
  t.after(() => nm.disconnect())
  await nr.get('mon:k')
  await waitFor(() => lines.some((l) => l.toLowerCase().includes('"get" "mon:k"')))

  // Wrong password: the monitor is refused, coded.
  const s = await RedisServer.start(['--requirepass', 'pw1'])
  t.after(() => s.stop())
  const bad = new Redis({ port: s.port, password: 'nope', lazyConnect: true })
  await assert.rejects(bad.monitor(), (x) => x.code === 'ERR_REDIS_AUTH')
})

test('protocol 2 and 3: HELLO and CLIENT INFO report it; replyMapping resp3 gives objects and numbers', async (t) => {
  const two = client(t, { protocol: 2 })
  assert.match(await two.client('info'), /\bresp=2\b/)
  const three = client(t)
  assert.match(await three.client('info'), /\bresp=3\b/)
  await three.zadd('pr:z', 1.5, 'a', 2, 'b')
  await three.hset('pr:h', 'f', 'v', '__proto__', 'own')
  // Legacy mapping (the default): the same shapes on both protocols.
  for (const c of [two, three]) {
    assert.deepEqual(await c.zpopmin('pr:z'), ['a', '1.5'])
    await c.zadd('pr:z', 1.5, 'a')
    assert.deepEqual(await c.zrange('pr:z', 0, -1, 'WITHSCORES'), ['a', '1.5', 'b', '2'])
    const h = await c.hgetall('pr:h')
    assert.ok(Object.prototype.hasOwnProperty.call(h, '__proto__') && h.__proto__ === 'own')
    assert.deepEqual(await c.config('get', 'maxmemory'), ['maxmemory', '0'])
  }
  const raw = client(t, { replyMapping: 'resp3' })
  assert.deepEqual(await raw.config('get', 'maxmemory'), { maxmemory: '0' })
  assert.deepEqual(await raw.zpopmin('pr:z'), ['a', 1.5])
  assert.deepEqual(await raw.zrange('pr:z', 0, -1, 'WITHSCORES'), [['b', 2]])
  assert.equal(await raw.zincrby('pr:z', 0.5, 'b'), 2.5)
  const hello = await raw.hello()
  assert.equal(hello.proto, 3)
  assert.throws(() => new Redis({ protocol: 2, replyMapping: 'resp3', lazyConnect: true }), TypeError)
  assert.throws(() => new Redis({ protocol: 4, lazyConnect: true }), TypeError)
  assert.throws(() => two.cache({ prefix: 'pc:', local: true }), TypeError)

  // node-redis: RESP 2 / 3.
  const nr2 = createClient({ url: server.url, RESP: 2 })
  await nr2.connect()
  t.after(() => nr2.disconnect())
  assert.match(await nr2.sendCommand(['CLIENT', 'INFO']), /\bresp=2\b/)
  const nr3 = createClient({ url: server.url, RESP: 3 })
  await nr3.connect()
  t.after(() => nr3.disconnect())
  assert.deepEqual(await nr3.sendCommand(['CONFIG', 'GET', 'maxmemory']), { maxmemory: '0' })
})

test('a server that refuses HELLO gets RESP2 (direct and runtime paths), and works', async (t) => {
  const s = await RedisServer.start(['--rename-command', 'HELLO', '""', '--requirepass', 'pw'])
  t.after(() => s.stop())
  const r = new Redis({ port: s.port, password: 'pw', db: 2 })
  r.on('error', () => {})
  t.after(() => r.disconnect())
  assert.equal(await r.set('dg:k', 'v'), 'OK')
  assert.match(await r.client('info'), /\bdb=2\b/)
  assert.match(await r.client('info'), /\bresp=2\b/)
  // The runtime path (a withLock keeper connection) downgrades too.
  assert.equal(await r.withLock('dg:res', 2000, async () => 'locked'), 'locked')
})

/**
 * A TCP relay in front of the real server that keeps what clients send (redis-server 7.0
 * has no CLIENT SETINFO, so neither MONITOR nor CLIENT LIST can show it).
 */
async function recordingRelay(t, port) {
  const net = require('net')
  const sent = []
  const relay = net.createServer((sock) => {
    const up = net.connect(port, '127.0.0.1')
    sock.on('data', (d) => {
      sent.push(d)
      up.write(d)
    })
    up.pipe(sock)
    sock.on('close', () => up.destroy())
    up.on('close', () => sock.destroy())
    sock.on('error', () => {})
    up.on('error', () => {})
  })
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve))
  t.after(() => relay.close())
  return { port: relay.address().port, text: () => Buffer.concat(sent).toString() }
}

test('CLIENT SETINFO is sent in the handshake (LIB-NAME with clientInfoTag), or not with disableClientInfo', async (t) => {
  const arg = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
  const version = require('../package.json').version
  for (const direct of [true, false]) {
    const relay = await recordingRelay(t, server.port)
    // TLS-less single servers take the direct path; a lock keeper takes the runtime path.
    const tagged = new Redis({ port: relay.port, clientInfoTag: 'api-v2' })
    t.after(() => tagged.disconnect())
    if (direct) await tagged.ping()
    else await tagged.withLock('ci:res', 2000, async () => {})
    const text = relay.text()
    assert.ok(text.includes(arg('SETINFO') + arg('LIB-NAME') + arg('redis-hotpath(api-v2)')), text)
    assert.ok(text.includes(arg('SETINFO') + arg('LIB-VER') + arg(version)), text)
    // The handshake comes first, as ioredis writes it: hello, then SETINFO, then the first command.
    const upper = text.toUpperCase()
    const hello = upper.indexOf('HELLO')
    const info = upper.indexOf('SETINFO')
    assert.ok(hello >= 0 && hello < info && info < upper.indexOf(direct ? 'PING' : 'EVAL'), text)
  }
  const relay = await recordingRelay(t, server.port)
  const quiet = new Redis({ port: relay.port, disableClientInfo: true })
  t.after(() => quiet.disconnect())
  await quiet.withLock('ci:res2', 2000, async () => {})
  assert.ok(relay.text().includes('hello') && !relay.text().includes('SETINFO'), relay.text())
  // node-redis' clientInfoTag the same way.
  const nrRelay = await recordingRelay(t, server.port)
  const nr = createClient({ socket: { port: nrRelay.port }, clientInfoTag: 'nr' })
  await nr.connect()
  t.after(() => nr.disconnect())
  await nr.ping()
  assert.ok(nrRelay.text().includes(arg('LIB-NAME') + arg('redis-hotpath(nr)')), nrRelay.text())
  // A tag SETINFO would refuse is refused here first.
  assert.throws(() => new Redis({ clientInfoTag: 'has space', lazyConnect: true }), TypeError)
})

test('diagnostics channels ioredis:command / ioredis:batch / ioredis:connect, values never shown', async (t) => {
  const events = []
  const sub = (name) => {
    const handlers = {
      start: (ctx) => events.push([name, 'start', ctx]),
      asyncEnd: (ctx) => events.push([name, 'asyncEnd', ctx]),
      error: (ctx) => events.push([name, 'error', ctx]),
    }
    dc.tracingChannel(name).subscribe(handlers)
    t.after(() => dc.tracingChannel(name).unsubscribe(handlers))
  }
  sub('ioredis:command')
  sub('ioredis:batch')
  sub('ioredis:connect')
  const r = client(t, { db: 1 })
  await once(r, 'ready')
  await r.set('dc:k', 'secret-value')
  await r.hget('dc:k', 'f').catch(() => {})
  await r.multi().incr('dc:n').get('dc:n').exec()
  const conn = events.filter((e) => e[0] === 'ioredis:connect')
  assert.deepEqual(conn.map((e) => e[1]), ['start', 'asyncEnd'])
  assert.deepEqual({ ...conn[0][2], result: undefined }, { serverAddress: 'localhost', serverPort: server.port, connectionEpoch: 1, result: undefined })
  const set = events.find((e) => e[0] === 'ioredis:command' && e[2].command === 'set')
  assert.deepEqual({ command: set[2].command, args: set[2].args, database: set[2].database, serverPort: set[2].serverPort }, { command: 'set', args: ['dc:k', '?'], database: 1, serverPort: server.port })
  assert.ok(!JSON.stringify(events.map((e) => e[2].args)).includes('secret-value'))
  assert.ok(events.some((e) => e[0] === 'ioredis:command' && e[1] === 'error' && e[2].command === 'hget'))
  const batch = events.find((e) => e[0] === 'ioredis:batch' && e[1] === 'asyncEnd')
  assert.equal(batch[2].batchMode, 'MULTI')
  assert.equal(batch[2].batchSize, 2)
})

test('ready check: a server still loading its data set gets commands only once loaded (both paths)', async (t) => {
  const { cli } = require('./helpers')
  const s = await RedisServer.start()
  t.after(() => s.stop())
  cli(s.port, 'DEBUG', 'POPULATE', '3000')
  cli(s.port, 'SAVE')
  // Loading 3000 keys at 400 µs each takes over a second, answering LOADING meanwhile.
  s.extra = ['--key-load-delay', '400', '--loading-process-events-interval-bytes', '1024']
  await s.restart()
  assert.match(cli(s.port, 'GET', 'key:1'), /LOADING/)
  const r = new Redis({ port: s.port, connectTimeout: 20_000, commandTimeout: 20_000 })
  r.on('error', () => {})
  t.after(() => r.disconnect())
  const seen = []
  r.on('ready', () => seen.push('ready'))
  assert.equal(await r.get('key:1'), 'value:1')
  assert.deepEqual(seen, ['ready'])
  assert.equal(await r.dbsize(), 3000)
  // The runtime path (a lock's keeper connection) waits the same way.
  await s.restart()
  assert.match(cli(s.port, 'GET', 'key:1'), /LOADING/)
  assert.equal(await r.withLock('rc:res', 5000, async () => 'held'), 'held')
})
