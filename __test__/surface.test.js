'use strict'
// Every method real ioredis 6 and node-redis 5 expose on a client, a pipeline and a multi()
// exists on ours (issue #22). The peers are devDependencies; nothing connects. ioredis'
// members its own type declarations mark `private` are its machinery, not its API, and are
// left out (read from its .d.ts files, so a member ioredis makes public joins the check).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const IORedis = require('ioredis')
const nodeRedis = require('@redis/client')
const ours = require('..')

/** Function-valued properties along the prototype chain, leaving out `_private` ones. */
function methods(obj) {
  const out = new Set()
  for (let p = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_')) continue
      const d = Object.getOwnPropertyDescriptor(p, name)
      if (d && typeof d.value === 'function') out.add(name)
    }
  }
  return out
}

/** Names ioredis' declarations mark private. */
function ioredisPrivate() {
  const dir = path.join(path.dirname(require.resolve('ioredis')), '..', 'built')
  const names = new Set()
  for (const f of ['Redis.d.ts', 'Pipeline.d.ts', 'utils/Commander.d.ts', 'cluster/index.d.ts']) {
    const file = path.join(dir, f)
    if (!fs.existsSync(file)) continue
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\s*private\s+(\w+)/gm)) names.add(m[1])
  }
  return names
}

function missing(theirs, mine, skip = new Set()) {
  const have = methods(mine)
  return [...methods(theirs)].filter((n) => !skip.has(n) && !have.has(n)).sort()
}

test('the ioredis face has every public method of ioredis 6 on a client, a pipeline and a multi()', () => {
  const skip = ioredisPrivate()
  assert.ok(skip.size > 10, 'read the private members from the declarations')
  const real = new IORedis({ lazyConnect: true })
  const mine = new ours.Redis({ lazyConnect: true })
  try {
    assert.deepEqual(missing(real, mine, skip), [])
    assert.deepEqual(missing(real.pipeline(), mine.pipeline(), skip), [])
    assert.deepEqual(missing(real.multi(), mine.multi(), skip), [])
    assert.ok(methods(mine).size >= 600, 'commands and their Buffer twins')
  } finally {
    real.disconnect()
    mine.disconnect()
  }
})

test('the node-redis face has every method of node-redis 5 on a client and a multi(), and its exports', () => {
  const real = nodeRedis.createClient()
  const mine = ours.createClient()
  assert.deepEqual(missing(real, mine), [])
  assert.deepEqual(missing(real.multi(), mine.multi()), [])
  // node-redis' spellings, not near misses.
  for (const m of ['blPop', 'zmScore', 'scriptLoad', 'clientSetName', 'xReadGroup', 'xAutoClaim', 'hScanIterator', 'zRangeWithScores', 'sPublish']) assert.equal(typeof mine[m], 'function', m)
  for (const name of ['createClient', 'createCluster', 'createSentinel', 'createClientPool', 'defineScript', 'RESP_TYPES', 'ErrorReply', 'SimpleError', 'MultiErrorReply', 'WatchError', 'ClientClosedError']) {
    assert.ok(name in ours, `exports ${name}`)
  }
  assert.deepEqual(ours.RESP_TYPES, nodeRedis.RESP_TYPES)
})

test('a sentinel named without a port is asked on 26379, never on a data port (both faces)', () => {
  const io = new ours.Redis({ sentinels: [{ host: '127.0.0.1' }, '10.0.0.2', { host: 'h', port: 5000 }], name: 'mymaster', lazyConnect: true })
  assert.deepEqual(
    io._nativeOptions.sentinels.map((s) => s.port),
    [26379, 26379, 5000]
  )
  const nr = ours.createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1' }] })
  assert.equal(nr._nativeOptions.sentinels[0].port, 26379)
  io.disconnect()
})
