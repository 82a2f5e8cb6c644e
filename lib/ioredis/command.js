'use strict'
// ioredis' callback convention (`withCallback`) and its `Command` object for `sendCommand`.

/**
 * Calls a Node-style callback when `p` settles, as ioredis does: whatever the callback
 * returns is ignored (a returned promise must not become an unhandled rejection here), and
 * what it throws is thrown again outside the promise chain.
 */
function withCallback(p, cb) {
  if (typeof cb !== 'function') return p
  const call = (err, v) => {
    try {
      if (err) cb(err)
      else cb(null, v)
    } catch (thrown) {
      process.nextTick(() => {
        throw thrown
      })
    }
  }
  p.then(
    (v) => call(null, v),
    (e) => call(e)
  )
  return p
}

/**
 * ioredis' `Command`: `new Redis.Command(name, args, { replyEncoding }, callback)` for
 * `sendCommand`; `promise` settles with the reply.
 */
class Command {
  constructor(name, args = [], options = {}, callback) {
    this.name = name
    this.args = Array.isArray(args) ? args.flat() : []
    this.replyEncoding = options && options.replyEncoding
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    if (typeof callback === 'function') withCallback(this.promise, callback)
  }
}

module.exports = { withCallback, Command }
