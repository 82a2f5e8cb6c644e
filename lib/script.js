'use strict'
// Lua scripts run in the order they were issued. The first time a connection runs a script
// it is sent as EVAL in place (which also loads it on the server); after that as EVALSHA.
// Only a server that lost its script cache behind our back (SCRIPT FLUSH, a restart we did
// not see) answers NOSCRIPT: the script is then sent again as EVAL, as ioredis does.
const crypto = require('crypto')
const { keySlot } = require('./slot')

const shas = new Map()
function sha1(lua) {
  let s = shas.get(lua)
  if (s === undefined) {
    s = crypto.createHash('sha1').update(lua).digest('hex')
    if (shas.size > 1000) shas.clear()
    shas.set(lua, s)
  }
  return s
}

/**
 * Which server a script's run goes to, as a key of `conn.scripts`: one server has one
 * script cache; on a Cluster each node has its own, found by the slot of the first key
 * (null: a keyless script goes to any node, so it is always sent whole).
 */
function cacheKey(conn, sha, rest) {
  if (!conn.cluster) return sha
  return Number(rest[0]) > 0 ? `${sha}:${keySlot(rest[1])}` : null
}

/** `rest` is `[numkeys, ...keys, ...args]`. (Names in lower case, as ioredis writes them.) */
function runScript(conn, lua, rest, binary, transform) {
  if (typeof lua !== 'string' && !Buffer.isBuffer(lua)) {
    return Promise.reject(Object.assign(new TypeError('script must be a string'), { code: 'ERR_INVALID_ARG' }))
  }
  const sha = sha1(String(lua))
  const key = cacheKey(conn, sha, rest)
  const loaded = conn.scripts
  if (key === null || !loaded.has(key)) {
    if (key !== null) loaded.add(key)
    return conn.send(['eval', lua, ...rest], binary, transform)
  }
  return conn.send(['evalsha', sha, ...rest], binary, transform).catch((err) => {
    if (err && typeof err.message === 'string' && err.message.startsWith('NOSCRIPT')) {
      loaded.delete(key)
      return runScript(conn, lua, rest, binary, transform)
    }
    throw err
  })
}

/**
 * Notes that a script goes out as EVAL inside a transaction: once EXEC runs, the server has
 * it (as ioredis counts it; should the transaction be aborted, the next EVALSHA's NOSCRIPT
 * sends it again).
 */
function markSent(conn, lua, rest) {
  const key = cacheKey(conn, sha1(String(lua)), rest)
  if (key !== null) conn.scripts.add(key)
}

module.exports = { sha1, runScript, markSent }
