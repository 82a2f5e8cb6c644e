'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { cli, withRedis } = require('./helpers')
const { Redis } = require('..')

let server
let redis
withRedis(test, (s, r) => {
  server = s
  redis = r
})

test('strings and keys', async () => {
  assert.equal(await redis.set('s:1', 'Alice'), 'OK')
  assert.equal(await redis.get('s:1'), 'Alice')
  assert.equal(await redis.set('s:tok', 'abc', 'EX', 3600), 'OK')
  const ttl = await redis.ttl('s:tok')
  assert.ok(ttl > 3590 && ttl <= 3600)
  assert.equal(await redis.get('missing'), null)
  assert.equal(await redis.incr('s:n'), 1)
  assert.equal(await redis.incrby('s:n', 5), 6)
  assert.equal(await redis.incrbyfloat('s:f', 1.5), '1.5')
  assert.deepEqual(await redis.mget('s:1', 'missing', 's:n'), ['Alice', null, '6'])
  assert.equal(await redis.mset({ 's:a': '1', 's:b': '2' }), 'OK')
  assert.equal(await redis.exists('s:a', 's:b', 'nope'), 2)
  assert.equal(await redis.expire('s:a', 100), 1)
  assert.equal(await redis.type('s:a'), 'string')
  assert.equal(await redis.del('s:a', 's:b'), 2)
  assert.equal(await redis.set('s:u', 'héllo 😀'), 'OK')
  assert.equal(await redis.get('s:u'), 'héllo 😀')
  assert.equal(await redis.strlen('s:u'), Buffer.byteLength('héllo 😀'))
  const keys = await redis.keys('s:*')
  assert.ok(keys.includes('s:1') && keys.includes('s:u'))
})

test('hashes', async () => {
  assert.equal(await redis.hset('user:1', { name: 'Alice', email: 'a@example.com', role: 'admin' }), 3)
  assert.equal(await redis.hget('user:1', 'name'), 'Alice')
  assert.deepEqual(await redis.hgetall('user:1'), { name: 'Alice', email: 'a@example.com', role: 'admin' })
  assert.deepEqual(await redis.hgetall('nohash'), {})
  assert.equal(await redis.hset('user:1', new Map([['age', 30]])), 1)
  assert.equal(await redis.hincrby('user:1', 'age', 2), 32)
  assert.deepEqual(await redis.hmget('user:1', 'name', 'nope'), ['Alice', null])
  assert.equal(await redis.hexists('user:1', 'role'), 1)
  assert.equal(await redis.hdel('user:1', 'role'), 1)
  assert.equal(await redis.hlen('user:1'), 3)
  assert.deepEqual((await redis.hkeys('user:1')).sort(), ['age', 'email', 'name'])
})

test('lists and sets', async () => {
  assert.equal(await redis.lpush('queue:emails', JSON.stringify({ to: 'a@b.c' })), 1)
  await redis.lpush('queue:emails', 'second')
  assert.deepEqual(JSON.parse(await redis.rpop('queue:emails')), { to: 'a@b.c' })
  await redis.rpush('l', 'a', 'b', 'c')
  assert.deepEqual(await redis.lrange('l', 0, -1), ['a', 'b', 'c'])
  assert.equal(await redis.llen('l'), 3)
  assert.equal(await redis.sadd('user:1:roles', 'admin', 'editor'), 2)
  assert.equal(await redis.sismember('user:1:roles', 'admin'), 1)
  assert.deepEqual((await redis.smembers('user:1:roles')).sort(), ['admin', 'editor'])
  assert.equal(await redis.scard('user:1:roles'), 2)
  assert.equal(await redis.srem('user:1:roles', 'editor'), 1)
})

test('sorted sets keep RESP2 shapes', async () => {
  assert.equal(await redis.zadd('leaderboard', 1500, 'player:1', 2200, 'player:2', 1800, 'player:3'), 3)
  assert.deepEqual(await redis.zrevrange('leaderboard', 0, 9, 'WITHSCORES'), ['player:2', '2200', 'player:3', '1800', 'player:1', '1500'])
  assert.deepEqual(await redis.zrange('leaderboard', 0, 1), ['player:1', 'player:3'])
  assert.equal(await redis.zscore('leaderboard', 'player:3'), '1800')
  assert.equal(await redis.zrevrank('leaderboard', 'player:2'), 0)
  assert.equal(await redis.zincrby('leaderboard', 0.5, 'player:1'), '1500.5')
  assert.deepEqual(await redis.zrangebyscore('leaderboard', 1600, '+inf', 'WITHSCORES'), ['player:3', '1800', 'player:2', '2200'])
  assert.equal(await redis.zremrangebyscore('leaderboard', 0, 1600), 1)
  assert.equal(await redis.zcard('leaderboard'), 2)
  assert.deepEqual(await redis.zpopmin('leaderboard'), ['player:3', '1800'])
})

test('pipeline and multi result shapes', async () => {
  await redis.set('a', '1')
  const rows = await redis.pipeline().get('a').incr('b').hgetall('user:1').exec()
  assert.equal(rows.length, 3)
  assert.deepEqual(rows[0], [null, '1'])
  assert.equal(rows[1][0], null)
  assert.equal(typeof rows[2][1], 'object')
  const withErr = await redis.pipeline().set('x', 'y').incr('x').get('x').exec()
  assert.equal(withErr[1][0].code, 'ERR_REDIS_REPLY')
  assert.match(withErr[1][0].message, /not an integer/)
  assert.deepEqual(withErr[2], [null, 'y'])
  const tx = await redis.multi().incr('m').incr('m').zrevrange('leaderboard', 0, 0, 'WITHSCORES').exec()
  assert.deepEqual(tx[0], [null, 1])
  assert.deepEqual(tx[1], [null, 2])
  assert.deepEqual(tx[2], [null, ['player:2', '2200']])
  await assert.rejects(redis.multi().set('k').exec(), /EXECABORT/)
  const p = redis.pipeline()
  for (const id of [1, 2]) p.hgetall(`user:${id}`)
  const users = (await p.exec()).map(([, data]) => data)
  assert.equal(users[0].name, 'Alice')
  assert.deepEqual(users[1], {})
})

test('Lua: eval, NOSCRIPT after SCRIPT FLUSH, defineCommand', async () => {
  const lua = `
    local current = redis.call('GET', KEYS[1])
    if current and tonumber(current) >= tonumber(ARGV[1]) then
      return redis.call('DECRBY', KEYS[1], ARGV[1])
    end
    return nil`
  await redis.set('balance:user:1', '120')
  assert.equal(await redis.eval(lua, 1, 'balance:user:1', 50), 70)
  assert.equal(await redis.eval(lua, 1, 'balance:user:1', 500), null)
  assert.equal(await redis.script('FLUSH'), 'OK')
  assert.equal(await redis.eval(lua, 1, 'balance:user:1', 50), 20)
  redis.defineCommand('getset2', { numberOfKeys: 1, lua: "local v = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return v" })
  await redis.set('d', 'old')
  assert.equal(await redis.getset2('d', 'new'), 'old')
  await redis.script('FLUSH')
  assert.equal(await redis.getset2('d', 'newer'), 'new')
  assert.deepEqual(await redis.pipeline().getset2('d', 'p').get('d').exec(), [[null, 'newer'], [null, 'p']])
  await assert.rejects(redis.eval('return redis.call("NOPE")', 0), (e) => e.code === 'ERR_REDIS_REPLY')
})

test('Buffers in and out', async () => {
  const bin = Buffer.from([0, 1, 2, 255, 254, 10, 13])
  await redis.set(Buffer.from('bin:key'), bin)
  const out = await redis.getBuffer('bin:key')
  assert.ok(Buffer.isBuffer(out))
  assert.deepEqual(out, bin)
  assert.deepEqual(await redis.callBuffer('GET', 'bin:key'), bin)
  await redis.hset('bin:h', 'f', bin)
  const h = await redis.hgetallBuffer('bin:h')
  assert.deepEqual(h.f, bin)
  await redis.set('u8', new Uint8Array([65, 66]))
  assert.equal(await redis.get('u8'), 'AB')
})

test('call() reaches any command', async () => {
  await redis.set('enc', 'v')
  assert.equal(await redis.call('OBJECT', 'ENCODING', 'enc'), 'embstr')
  const cfg = await redis.call('CONFIG', 'GET', 'maxmemory')
  assert.deepEqual(cfg, ['maxmemory', '0'])
  await redis.xadd('st', '*', 'a', '1')
  const xr = await redis.xread('COUNT', 1, 'STREAMS', 'st', '0')
  assert.equal(xr[0][0], 'st')
  assert.deepEqual(xr[0][1][0][1], ['a', '1'])
})

test('scanStream, duplicate, callbacks', async () => {
  for (let i = 0; i < 120; i++) await redis.set(`scan:${i}`, i)
  const seen = new Set()
  for await (const keys of redis.scanStream({ match: 'scan:*', count: 50 })) for (const k of keys) seen.add(k)
  assert.equal(seen.size, 120)
  const dup = redis.duplicate()
  assert.equal(await dup.get('scan:7'), '7')
  await dup.quit()
  const v = await new Promise((resolve, reject) => redis.get('scan:8', (err, val) => (err ? reject(err) : resolve(val))))
  assert.equal(v, '8')
})

test("arguments are written as ioredis writes them; what cannot be sent is refused and sends nothing", async () => {
  // ioredis 6: null/undefined as '', integers in full digits, anything else as String(),
  // arrays flattened one level.
  await redis.set('conv:null', null)
  await redis.set('conv:undef', undefined)
  await redis.set('conv:big', 1e21)
  await redis.set('conv:bool', true)
  await redis.set('conv:obj', { nested: true })
  await redis.set('conv:nan', NaN)
  await redis.rpush('conv:list', ['a', ['b', 'c']], 'd')
  assert.deepEqual(await redis.mget('conv:null', 'conv:undef', 'conv:big', 'conv:bool', 'conv:obj', 'conv:nan'), ['', '', '1000000000000000000000', 'true', '[object Object]', 'NaN'])
  assert.deepEqual(await redis.lrange('conv:list', 0, -1), ['a', 'b,c', 'd'])
  const before = cli(server.port, 'INFO', 'commandstats').match(/cmdstat_set:calls=(\d+)/)[1]
  // A lone surrogate would be sent as U+FFFD (two keys aliasing): refused.
  await assert.rejects(redis.set('k', '\uD800'), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG')
  await assert.rejects(redis.call(''), (e) => e instanceof TypeError)
  const after = cli(server.port, 'INFO', 'commandstats').match(/cmdstat_set:calls=(\d+)/)[1]
  // INFO itself is not a SET; the count must not have moved.
  assert.equal(after, before)
  assert.throws(() => new Redis({ port: 'nope' }), TypeError)
})

test('acl, georadius_ro / georadiusbymember_ro, and mode (normal / subscriber)', async () => {
  assert.equal(await redis.acl('WHOAMI'), 'default')
  assert.ok((await redis.acl('CAT')).includes('pubsub'))
  await redis.geoadd('geo:ro', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania')
  assert.deepEqual(await redis.georadius_ro('geo:ro', 15, 37, 200, 'km', 'ASC'), ['Catania', 'Palermo'])
  assert.deepEqual(await redis.georadiusbymember_ro('geo:ro', 'Palermo', 100, 'km'), ['Palermo'])
  // ioredis 6's subscriber mode is RESP2's: other commands are refused there, as ioredis does.
  const sub = new Redis({ port: server.port, protocol: 2 })
  try {
    assert.equal(sub.mode, 'normal')
    await sub.subscribe('mode:a')
    await sub.psubscribe('mode:*')
    assert.equal(sub.mode, 'subscriber')
    await assert.rejects(sub.set('mode:k', 'v'), { code: 'ERR_REDIS_SUBSCRIBER_MODE', message: 'Connection in subscriber mode, only subscriber commands may be used' })
    await sub.unsubscribe()
    assert.equal(sub.mode, 'subscriber', 'a pattern is still held')
    await sub.punsubscribe()
    assert.equal(sub.mode, 'normal', 'leaves subscriber mode once nothing is held')
    assert.equal(await sub.ping(), 'PONG')
  } finally {
    await sub.quit()
  }
})

test('server errors are ReplyErrors (ioredis) / ErrorReply (node-redis), with their code', async () => {
  const { ReplyError, ErrorReply, createClient } = require('..')
  await redis.set('re:str', 'x')
  const err = await redis.lpush('re:str', 'a').catch((e) => e)
  assert.ok(err instanceof ReplyError && err instanceof Error)
  assert.equal(err.name, 'ReplyError')
  assert.equal(err.code, 'ERR_REDIS_REPLY')
  assert.match(err.message, /^WRONGTYPE/)
  const rows = await redis.pipeline().get('re:str').lpush('re:str', 'b').exec()
  assert.equal(rows[0][0], null)
  assert.ok(rows[1][0] instanceof ReplyError)
  assert.equal(rows[1].length, 1, "ioredis' error row is [err]")
  // ioredis' err.command: the command as called, its arguments.
  assert.deepEqual(rows[1][0].command, { name: 'lpush', args: ['re:str', 'b'] })
  assert.deepEqual(err.command, { name: 'lpush', args: ['re:str', 'a'] })
  const called = await redis.call('LPUSH', 're:str', 'z').catch((e) => e)
  assert.deepEqual(called.command, { name: 'LPUSH', args: ['re:str', 'z'] })
  const m = await redis.multi().set('re:k', '1').lpush('re:str', 'c').exec()
  assert.ok(m[1][0] instanceof ReplyError, 'inside EXEC too')
  // Errors raised before sending stay TypeErrors; connection errors are not ReplyErrors.
  await assert.rejects(redis.set('re:k', '\uD800'), (e) => e instanceof TypeError && !(e instanceof ReplyError))
  // node-redis' classes are its own: ErrorReply / SimpleError, plain Errors.
  assert.notEqual(ErrorReply, ReplyError)
  const nr = createClient({ url: server.url })
  await nr.connect()
  try {
    const e2 = await nr.lPush('re:str', 'd').catch((e) => e)
    assert.ok(e2 instanceof ErrorReply && e2 instanceof require('..').SimpleError && !(e2 instanceof ReplyError))
    assert.equal(e2.name, 'Error')
    assert.equal(e2.code, 'ERR_REDIS_REPLY')
  } finally {
    await nr.quit()
  }
})

test('the scripts option defines commands at construction; select emits select', async () => {
  const r = new Redis({ port: server.port, scripts: { addTwo: { lua: 'return redis.call("INCRBY", KEYS[1], 2)', numberOfKeys: 1 } } })
  try {
    await r.del('sc:n')
    assert.equal(await r.addTwo('sc:n'), 2)
    assert.equal(await r.addTwo('sc:n'), 4)
    const selected = new Promise((resolve) => r.once('select', resolve))
    assert.equal(await r.select(3), 'OK')
    assert.equal(await selected, 3)
    assert.throws(() => new Redis({ port: server.port, lazyConnect: true, scripts: { bad: { numberOfKeys: 1 } } }), { name: 'TypeError' })
  } finally {
    await r.quit()
  }
})

test('per-command callbacks in pipeline() (results) and multi() (QUEUED), as ioredis calls them', async () => {
  const seen = []
  const rows = await redis
    .pipeline()
    .set('cb:a', '1', (err, v) => seen.push(['set', err, v]))
    .get('cb:a', (err, v) => seen.push(['get', err, v]))
    .lpush('cb:a', 'x', (err) => seen.push(['lpush', err && err.code]))
    .exec()
  assert.deepEqual(seen, [
    ['set', null, 'OK'],
    ['get', null, '1'],
    ['lpush', 'ERR_REDIS_REPLY'],
  ])
  assert.deepEqual(rows.slice(0, 2), [
    [null, 'OK'],
    [null, '1'],
  ])
  const queued = []
  const replies = await redis
    .multi()
    .set('cb:b', '2', (err, v) => queued.push([err, v]))
    .incr('cb:b', (err, v) => queued.push([err, v]))
    .exec()
  assert.deepEqual(queued, [
    [null, 'QUEUED'],
    [null, 'QUEUED'],
  ])
  assert.deepEqual(replies, [
    [null, 'OK'],
    [null, 3],
  ])
})

test('keyPrefix goes before every key (fixed and moving key positions), never before values, channels or patterns', async () => {
  const p = new Redis({ port: server.port, keyPrefix: 'app:' })
  p.defineCommand('getTwo', { lua: 'return {redis.call("GET", KEYS[1]), redis.call("GET", KEYS[2])}', numberOfKeys: 2 })
  try {
    await p.set('a', 'va')
    assert.equal(await redis.get('app:a'), 'va')
    assert.equal(await p.get('a'), 'va')
    await p.mset('m1', 'x', 'm2', 'y')
    await p.mset({ m3: 'z' })
    assert.deepEqual(await redis.mget('app:m1', 'app:m2', 'app:m3'), ['x', 'y', 'z'])
    assert.equal(await p.msetnx('m4', 'w', 'm5', 'v'), 1)
    assert.equal(await redis.get('app:m5'), 'v')
    assert.equal(await p.call('get', 'm4'), 'w', 'call() with a lower-case name too')
    assert.equal(await p.call('GET', 'm4'), 'w')
    assert.equal(await p.eval('return redis.call("GET", KEYS[1]) .. ARGV[1]', 1, 'a', '!'), 'va!')
    assert.deepEqual(await p.getTwo('a', 'm1'), ['va', 'x'])
    await p.zadd('z1', 1, 'one')
    await p.zadd('z2', 2, 'two')
    assert.equal(await p.zunionstore('zu', 2, 'z1', 'z2'), 2)
    assert.deepEqual(await redis.zrange('app:zu', 0, -1), ['one', 'two'])
    await p.xadd('s', '*', 'f', 'v')
    const read = await p.xread('COUNT', 1, 'STREAMS', 's', '0')
    assert.equal(read[0][0], 'app:s', 'XREAD names the stream as the server does')
    await p.rpush('l', 'x')
    assert.deepEqual(await p.blpop('l', 1), ['app:l', 'x'])
    assert.equal(await p.object('ENCODING', 'a'), 'embstr', 'subcommand key positions')
    const rows = await p.pipeline().set('pp', '1').get('pp').getTwo('pp', 'a').exec()
    assert.deepEqual(rows.map((r) => r[1]), ['OK', '1', ['1', 'va']])
    const tx = await p.multi().incr('n').incr('n').exec()
    assert.deepEqual(tx, [[null, 1], [null, 2]])
    assert.equal(await redis.get('app:n'), '2')
    // Values, KEYS patterns and channels are left alone (as ioredis does).
    await p.set('v', 'a')
    assert.equal(await redis.get('app:v'), 'a')
    assert.ok((await p.keys('app:m*')).includes('app:m1'))
    const sub = new Redis({ port: server.port, keyPrefix: 'app:' })
    const got = new Promise((r) => sub.once('message', (ch, m) => r([ch, m])))
    await sub.subscribe('news')
    await redis.publish('news', 'hi')
    assert.deepEqual(await got, ['news', 'hi'])
    await sub.quit()
    assert.throws(() => new Redis({ lazyConnect: true, keyPrefix: 42 }), { name: 'TypeError' })
  } finally {
    await p.quit()
  }
})
