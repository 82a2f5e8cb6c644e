'use strict'
// Lua scripts run by EVALSHA, falling back to EVAL once when the server answers NOSCRIPT
// (first use, or after SCRIPT FLUSH / a restart). The EVAL also loads it for next time.
const crypto = require('crypto')

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

/** `rest` is `[numkeys, ...keys, ...args]`. */
function runScript(conn, lua, rest, binary, transform) {
  if (typeof lua !== 'string' && !Buffer.isBuffer(lua)) {
    return Promise.reject(Object.assign(new TypeError('script must be a string'), { code: 'ERR_INVALID_ARG' }))
  }
  const sha = sha1(String(lua))
  return conn.send(['EVALSHA', sha, ...rest], binary, transform).catch((err) => {
    if (err && typeof err.message === 'string' && err.message.startsWith('NOSCRIPT')) {
      return conn.send(['EVAL', lua, ...rest], binary, transform)
    }
    throw err
  })
}

module.exports = { sha1, runScript }
