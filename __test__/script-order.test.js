'use strict'
// Scripts keep their place in the order commands were issued (issue #22): a script the
// server has not loaded yet is sent as EVAL where it stands, never as an EVALSHA that fails
// and is re-sent after the commands that followed it. Both faces; plain calls, defined
// commands, pipelines and transactions. (On a Cluster: cluster.test.js.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, cli } = require('./helpers')
const { Redis, createClient } = require('..')

const SET_X = "redis.call('SET', KEYS[1], ARGV[1]) return 1"

let server
let redis
let client
test.before(async () => {
  server = await RedisServer.start()
  redis = new Redis({ port: server.port })
  client = createClient({ url: server.url })
  await client.connect()
})
test.after(async () => {
  await redis.quit()
  await client.quit()
  await server.stop()
})

function calls(name) {
  const m = cli(server.port, 'INFO', 'commandstats').match(new RegExp(`cmdstat_${name}:calls=(\\d+)`))
  return m ? Number(m[1]) : 0
}

test('ioredis face: eval, a defined command, a pipeline and multi() run before the commands issued after them', async () => {
  cli(server.port, 'SCRIPT', 'FLUSH')
  // A script the server has never seen, then a read in the same tick.
  assert.deepEqual(await Promise.all([redis.eval(SET_X, 1, 'so:a', 'x'), redis.get('so:a')]), [1, 'x'])

  redis.defineCommand('setTo', { numberOfKeys: 1, lua: SET_X.replace('return 1', 'return 2') })
  assert.deepEqual(await Promise.all([redis.setTo('so:b', 'y'), redis.get('so:b')]), [2, 'y'])
  // Loaded now: the next run is an EVALSHA (one EVAL, then EVALSHA, never a NOSCRIPT retry).
  const [evals, shas] = [calls('eval'), calls('evalsha')]
  assert.deepEqual(await Promise.all([redis.setTo('so:b', 'z'), redis.get('so:b')]), [2, 'z'])
  assert.equal(calls('eval'), evals)
  assert.equal(calls('evalsha'), shas + 1)

  redis.defineCommand('setThree', { numberOfKeys: 1, lua: SET_X.replace('return 1', 'return 3') })
  const rows = await redis.pipeline().setThree('so:c', 'p').get('so:c').exec()
  assert.deepEqual(rows, [
    [null, 3],
    [null, 'p'],
  ])
  redis.defineCommand('setFour', { numberOfKeys: 1, lua: SET_X.replace('return 1', 'return 4') })
  const tx = await redis.multi().setFour('so:d', 'q').get('so:d').exec()
  assert.deepEqual(tx, [
    [null, 4],
    [null, 'q'],
  ])
  // evalsha is sent as it is, as ioredis does: an unknown script is the server's NOSCRIPT.
  await assert.rejects(redis.evalsha('0'.repeat(40), 0), (e) => /^NOSCRIPT/.test(e.message))
})

test('ioredis face: after SCRIPT FLUSH a defined command still runs (re-sent as EVAL on NOSCRIPT)', async () => {
  redis.defineCommand('setFive', { numberOfKeys: 1, lua: SET_X.replace('return 1', 'return 5') })
  assert.equal(await redis.setFive('so:e', '1'), 5)
  cli(server.port, 'SCRIPT', 'FLUSH')
  assert.equal(await redis.setFive('so:e', '2'), 5)
  assert.equal(await redis.get('so:e'), '2')
})

test('node-redis face: eval, evalSha, multi() and a pipeline keep their order', async () => {
  cli(server.port, 'SCRIPT', 'FLUSH')
  const lua = SET_X.replace('return 1', 'return 6')
  assert.deepEqual(await Promise.all([client.eval(lua, { keys: ['so:f'], arguments: ['x'] }), client.get('so:f')]), [6, 'x'])
  const lua7 = SET_X.replace('return 1', 'return 7')
  assert.deepEqual(await client.multi().eval(lua7, { keys: ['so:g'], arguments: ['y'] }).get('so:g').exec(), [7, 'y'])
  const lua8 = SET_X.replace('return 1', 'return 8')
  assert.deepEqual(await client.multi().eval(lua8, { keys: ['so:h'], arguments: ['z'] }).get('so:h').execAsPipeline(), [8, 'z'])
  await assert.rejects(client.evalSha('0'.repeat(40)), (e) => /^NOSCRIPT/.test(e.message))
})

test("the package's own scripts keep their order too (a limiter decision, then a read of its key)", async () => {
  cli(server.port, 'SCRIPT', 'FLUSH')
  const limiter = redis.rateLimiter({ limit: 5, windowMs: 60_000, algorithm: 'fixed-window', prefix: 'so:rl:' })
  const [decision, keys] = await Promise.all([limiter.limit('u1'), redis.keys('so:rl:*')])
  assert.equal(decision.allowed, true)
  assert.equal(keys.length, 1, 'the read issued after the decision sees its key')
})
