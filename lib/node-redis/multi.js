'use strict'
// node-redis' `multi()` / `pipeline()` (class Multi): commands queued with node-redis'
// arguments and reply transforms, sent as one batch by `exec()` / `execAsPipeline()`.
const { RESP2_SHAPES } = require('../args')
const { MultiErrorReply, WatchError } = require('../errors')
const { checkTransaction } = require('../core')
const { argumentsOf, isWriteError } = require('./arguments')
const { transforms } = require('./replies')

// node-redis 5's commands (lib/command-table.json).
const TABLE = require('../command-table.json').nodeRedis
// Methods the client and its multi() define themselves.
const OWN = new Set(['select', 'subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe', 'sSubscribe', 'sUnsubscribe', 'multi', 'monitor', 'quit'])

/** The transform of `method` called with `args`: a shape code, a function, [code, fn] or null. */
function replyOf(method, args, cmd) {
  const t = transforms[method]
  const shape = RESP2_SHAPES[String(cmd[0]).toLowerCase()]
  if (t === undefined) return shape === undefined ? null : shape
  const fn = (reply) => t(reply, args)
  return shape === undefined ? fn : [shape, fn]
}

/**
 * `multi()` / `pipeline()`: chainable; `exec()` sends MULTI ... EXEC as one batch and
 * resolves with the transformed replies, throwing node-redis' MultiErrorReply when some
 * failed and WatchError when a WATCHed key changed; `execAsPipeline()` sends them without
 * MULTI and rejects with the first error, as node-redis does.
 */
class Multi {
  constructor(client, transaction) {
    this.client = client
    this.transaction = transaction
    this.queue = []
  }

  /** node-redis' raw form: the command's words and arguments as strings/Buffers. */
  addCommand(args, transformReply) {
    // RESP2's raw form, as node-redis 5 queues it (the wire is RESP3).
    const shape = RESP2_SHAPES[String(args[0]).toLowerCase()]
    const fn = typeof transformReply === 'function' ? (r) => transformReply(r) : null
    this.queue.push({ args, transform: fn === null ? (shape === undefined ? null : shape) : shape === undefined ? fn : [shape, fn] })
    return this
  }

  select(db) {
    this.queue.push({ args: ['SELECT', String(db)], transform: null, db: Number(db) })
    return this
  }

  SELECT(db) {
    return this.select(db)
  }

  _add(method, args) {
    let cmd
    try {
      cmd = argumentsOf(method, args)
    } catch (err) {
      // A value node-redis refuses only when writing: the command fails at exec(), which
      // still sends the others and then rejects with this error, as node-redis does.
      if (!isWriteError(err)) throw err
      this.queue.push({ args: null, error: err, transform: null })
      return this
    }
    this.queue.push({ args: cmd, transform: replyOf(method, args, cmd) })
    return this
  }

  async exec(execAsPipeline = false) {
    if (execAsPipeline === true || !this.transaction) return this.execAsPipeline()
    const conn = this.client._conn_()
    const dirty = this.client._dirtyWatch
    this.client._dirtyWatch = undefined
    if (dirty !== undefined) throw new WatchError(dirty)
    const refused = this.queue.find((c) => c.error !== undefined)
    const cmds = refused === undefined ? this.queue : this.queue.filter((c) => c.error === undefined)
    if (cmds.length === 0) {
      if (refused !== undefined) throw refused.error
      return []
    }
    if (refused !== undefined) {
      // node-redis runs the transaction without the commands it could not write, then
      // rejects with the first of their errors.
      await this._transaction(conn, cmds).catch(() => {})
      throw refused.error
    }
    return this._transaction(conn, cmds)
  }

  async _transaction(conn, cmds) {
    // All or nothing otherwise: a command that cannot be sent (a lone surrogate, a raw
    // argument of no wire form) rejects the transaction before any of it is sent.
    const bad = checkTransaction(cmds.map((c) => c.args))
    if (bad !== null) throw bad
    // One batch from MULTI to EXEC: shapes apply in the core to each command's element of
    // EXEC's reply; JavaScript transforms run in `finish`.
    // (node-redis' type mapping does not reach EXEC's replies: they stay strings.)
    const [multi, queued, exec] = conn.transaction(() => [conn.send(['MULTI'], false, null), cmds.map((c) => conn.send(c.args, false, shapeOf(c))), conn.send(['EXEC'], false, null)])
    multi.catch(() => {})
    exec.catch(() => {})
    // A command refused while queuing: the first such error, as node-redis rejects.
    await Promise.all(queued)
    const replies = await exec
    if (replies === null) throw new WatchError()
    for (const c of cmds) if (c.db !== undefined) conn.selectTransform(c.db)('OK')
    return finish(replies, cmds)
  }

  async execAsPipeline() {
    const cmds = this.queue
    if (cmds.length === 0) return []
    const conn = this.client._conn_()
    // The client's type mapping applies to a pipeline's replies, as in node-redis.
    const binary = this.client._buffers
    const sent = cmds.map((c) => (c.error !== undefined ? Promise.reject(c.error) : conn.send(c.args, binary, c.db !== undefined ? conn.selectTransform(c.db) : c.transform || null)))
    for (const p of sent) p.catch(() => {})
    return Promise.all(sent)
  }

  EXEC(execAsPipeline) {
    return this.exec(execAsPipeline)
  }

  /** node-redis' raw form inside multi(): the command as an array. */
  sendCommand(args) {
    return this.addCommand(args.slice())
  }

  execTyped(execAsPipeline) {
    return this.exec(execAsPipeline)
  }

  execAsPipelineTyped() {
    return this.execAsPipeline()
  }
}

/** A queued command's reply shape, when it has one the core applies. */
function shapeOf(c) {
  const t = c.transform
  return typeof t === 'number' ? t : Array.isArray(t) ? t[0] : null
}

/** EXEC's replies through each command's JavaScript transform; errors make a MultiErrorReply. */
function finish(replies, cmds) {
  const errorIndexes = []
  const out = replies.map((v, i) => {
    if (v instanceof Error) {
      errorIndexes.push(i)
      return v
    }
    const t = cmds[i].transform
    const fn = typeof t === 'function' ? t : Array.isArray(t) ? t[1] : null
    return fn === null ? v : fn(v)
  })
  if (errorIndexes.length) throw new MultiErrorReply(out, errorIndexes)
  return out
}

for (const [method, spec] of Object.entries(TABLE)) {
  if (OWN.has(method) || method in Multi.prototype) continue
  const add = function (...args) {
    return this._add(method, args)
  }
  Multi.prototype[method] = add
  for (const alias of spec.aliases) if (!(alias in Multi.prototype)) Multi.prototype[alias] = add
}
for (const m of ['watch', 'unwatch']) Multi.prototype[m] = Multi.prototype[m.toUpperCase()] = function (...keys) {
  return this._add(m, keys)
}

module.exports = { Multi, replyOf, TABLE, OWN }
