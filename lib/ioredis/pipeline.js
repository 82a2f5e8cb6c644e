'use strict'
// ioredis' `Pipeline`: `pipeline()` and `multi()` queue commands that `exec()` sends as one
// batch (a transaction from MULTI to EXEC for `multi()`), with ioredis' `[err, result]` rows.
const { names, blockingTimeout } = require('../commands')
const { ioredisArgs } = require('../args')
const { runScript, markSent } = require('../script')
const { typeError, rangeError } = require('../errors')
const { checkTransaction } = require('../core')
const { traceCommand, traceBatch } = require('../tracing')
const { withCallback } = require('./command')

/** Queues `[[name, ...args], ...]` on a pipeline; an unknown command is an ERR_INVALID_ARG. */
function queueAll(p, commands) {
  if (commands === undefined) return p
  if (!Array.isArray(commands)) throw typeError('pipeline(commands) takes an array of [name, ...args]')
  for (const c of commands) {
    const n = Array.isArray(c) && typeof c[0] === 'string' ? c[0].toLowerCase() : null
    // ['exec'] closes an inline ['multi'] (the pipeline itself runs at its own exec()).
    const closes = n === 'exec' && p._openMulti > 0
    if (n === null || typeof p[n] !== 'function' || (n === 'exec' && !closes)) throw typeError(`pipeline: unknown command ${Array.isArray(c) ? String(c[0]) : typeof c}`)
    p[n](...c.slice(1))
  }
  return p
}

/** `pipeline()` / `multi()`: commands queued, then sent together by `exec()`. */
class Pipeline {
  constructor(redis, transaction) {
    this.redis = redis
    // ioredis: a pipeline carries its client's options.
    this.options = redis.options
    this.transaction = transaction
    this.queue = []
    // MULTIs opened inside a plain pipeline and not yet closed by an inner exec().
    this._openMulti = 0
    // ioredis' pipeline promise (what exec() resolves), with its resolve / reject.
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.promise.catch(() => {})
    this._result = []
    // The client's defined commands (defineCommand), with their Buffer twins.
    if (redis._defined) {
      for (const [name, { lua, rest }] of redis._defined) {
        const queue = (binary) => (...args) => {
          // A trailing function is the command's own callback (see _add).
          const cb = typeof args[args.length - 1] === 'function' ? [args.pop()] : []
          return this._add('evalsha_script', [lua, ...rest(args), ...cb], binary)
        }
        this[name] = queue(false)
        this[name + 'Buffer'] = queue(true)
      }
    }
  }

  /** ioredis' row setter: the reply at `position` (exec() fills every row itself). */
  fillResult(value, position) {
    this._result[position] = value
  }

  /** Inside a pipeline: opens an inline transaction, closed by `exec()` (ioredis'). */
  multi(...args) {
    if (this.transaction) throw typeError('multi() inside multi(): transactions do not nest')
    this._openMulti++
    return this._add('multi', args, false)
  }

  _add(name, args, binary, wire = name) {
    // A trailing function is the command's own callback (ioredis' per-command callbacks).
    let cb = null
    if (args.length > 0 && typeof args[args.length - 1] === 'function') {
      cb = args[args.length - 1]
      args = args.slice(0, -1)
    }
    this.queue.push({ name, args, binary, cb, wire })
    return this
  }

  /** Calls each command's callback with its `[err, result]` row (after exec settles). */
  _callBack(rows) {
    for (let i = 0; i < rows.length; i++) {
      const cb = this.queue[i] && this.queue[i].cb
      if (!cb) continue
      try {
        cb(rows[i][0], rows[i][1])
      } catch (err) {
        process.nextTick(() => {
          throw err
        })
      }
    }
  }

  get length() {
    return this.queue.length
  }

  exec(callback) {
    if (this._openMulti > 0) {
      // Closes the inline transaction; the pipeline itself runs at the outer exec().
      this._openMulti--
      return this._add('exec', typeof callback === 'function' ? [callback] : [], false)
    }
    let p
    try {
      p = this._exec()
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(this.resolve, this.reject)
    return withCallback(p, callback)
  }

  _exec() {
    const conn = this.redis._command()
    // Build every command first, so a bad argument rejects the whole exec before anything is sent.
    const cmds = this.queue.map(({ name, args, binary, wire }) => {
      if (name === 'evalsha_script') return { script: [args[0], ...this.redis._prefixedRest(args.slice(1))], binary }
      const flat = this.redis._prefixed(ioredisArgs(wire, args, [wire]))
      return { flat, binary, transform: this.redis._shapeOf(name, wire), timeout: blockingTimeout(flat, conn.commandTimeout) }
    })
    // ioredis' rows: [null, value], or [err] alone.
    const settle = (p) => p.then((v) => [null, v], (e) => [e])
    if (!this.transaction) {
      const redis = this.redis
      // An inline MULTI ... EXEC crosses as one batch, so EXEC's reply gets its commands' shapes.
      const inline = cmds.some((c) => c.flat && c.flat[0] === 'multi')
      const one = (c) => {
        const p = c.script ? runScript(conn, c.script[0], c.script.slice(1), c.binary, null) : traceCommand(conn.send(c.flat, c.binary, c.transform, c.timeout), redis, c.flat)
        // reconnectOnError per command, as ioredis; never inside an inline transaction
        // (one of its commands sent again alone would run outside it).
        if (redis._reconnectOnError === null || c.script || inline || c.flat[0] === 'client') return p
        return redis._onReplyError(p, () => redis._command().send(c.flat, c.binary, c.transform, c.timeout))
      }
      if (inline) {
        // Never half a transaction: a command that cannot be sent refuses the whole pipeline.
        const bad = checkTransaction(cmds.map((c) => c.flat || ['evalsha', ...c.script]))
        if (bad !== null) return Promise.reject(bad)
      }
      const sent = inline ? conn.transaction(() => cmds.map(one)) : cmds.map(one)
      return Promise.all(sent.map(settle)).then((rows) => {
        this._callBack(rows)
        return rows
      })
    }
    for (const c of cmds) {
      if (!c.script) continue
      c.flat = ['eval', ...c.script]
      markSent(conn, c.script[0], c.script.slice(1))
    }
    // All or nothing: a command that cannot be sent discards the transaction before any of
    // it is (ioredis users see EXECABORT with the reasons in `previousErrors`).
    const bad = checkTransaction(cmds.map((c) => c.flat))
    if (bad !== null) {
      const e = (bad instanceof RangeError ? rangeError : typeError)(`EXECABORT Transaction discarded because of previous errors: ${bad.message}`)
      e.previousErrors = bad.previousErrors
      return Promise.reject(e)
    }
    // One batch from MULTI to EXEC; each queued command's shape (and Buffer choice) applies
    // to its element of EXEC's reply.
    const [multi, queued, exec] = conn.transaction(() => [
      conn.send(['multi'], false, null),
      cmds.map((c) => conn.send(c.flat, c.binary, c.transform, c.timeout).catch((e) => e)),
      traceBatch(conn.send(['exec'], false, null), this.redis, cmds.length),
    ])
    multi.catch(() => {})
    // Inside a transaction a command's callback gets its queuing reply ('QUEUED'), as in ioredis.
    return Promise.all(queued).then((acks) => {
      this._callBack(acks.map((v) => (v instanceof Error ? [v] : [null, v])))
      return exec.then(
        (replies) => {
          if (replies === null) return null
          return replies.map((v) => (v instanceof Error ? [v] : [null, v]))
        },
        (err) => {
          // EXECABORT: the server refused commands as they were queued; say which, in order.
          if (/^EXECABORT/.test(err && err.message)) err.previousErrors = acks.filter((v) => v instanceof Error)
          throw err
        }
      )
    })
  }
}

for (const name of names) {
  if (name === 'exec' || name === 'multi') continue
  Pipeline.prototype[name] = function (...args) {
    return this._add(name, args, false)
  }
  Pipeline.prototype[name + 'Buffer'] = function (...args) {
    return this._add(name, args, true)
  }
}
Pipeline.prototype.call = function (command, ...args) {
  return this._add(String(command).toLowerCase(), args, false, String(command))
}
Pipeline.prototype.callBuffer = function (command, ...args) {
  return this._add(String(command).toLowerCase(), args, true, String(command))
}
Pipeline.prototype.send_command = Pipeline.prototype.call
for (const name of ['sentinel']) {
  Pipeline.prototype[name] = function (...args) {
    return this._add(name, args, false)
  }
  Pipeline.prototype[name + 'Buffer'] = function (...args) {
    return this._add(name, args, true)
  }
}
/** Adds a command method to this pipeline (ioredis' addBuiltinCommand). */
Pipeline.prototype.addBuiltinCommand = function (name) {
  this[name] = (...args) => this._add(String(name).toLowerCase(), args, false, name)
  this[name + 'Buffer'] = (...args) => this._add(String(name).toLowerCase(), args, true, name)
}
/** ioredis' `multiBuffer`, `execBuffer`: the same as multi / exec here. */
Pipeline.prototype.multiBuffer = Pipeline.prototype.multi
Pipeline.prototype.execBuffer = function (callback) {
  return this.exec(callback)
}
/** Queues `[[name, ...args], ...]` (ioredis' addBatch). */
Pipeline.prototype.addBatch = function (commands) {
  queueAll(this, commands)
  return this
}
/** Queues a `Redis.Command` (ioredis' sendCommand on a pipeline). */
Pipeline.prototype.sendCommand = function (command) {
  const name = String(command.name)
  this._add(name.toLowerCase(), command.args, !command.replyEncoding, name)
  return this
}
/** A Lua command on this pipeline only (ioredis' defineCommand on a pipeline). */
Pipeline.prototype.defineCommand = function (name, definition) {
  const { lua, numberOfKeys } = definition || {}
  this[name] = function (...args) {
    const flat = ioredisArgs('', args, [])
    return this._add('evalsha_script', [lua, ...(typeof numberOfKeys === 'number' ? [String(numberOfKeys), ...flat] : flat)], false)
  }
}

module.exports = { Pipeline, queueAll }
