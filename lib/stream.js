'use strict'
// `client.stream(name, options)`: a durable channel on a Redis Stream, for events that must
// not be lost. Pub/sub is fire-and-forget: a subscriber that is disconnected misses what was
// published meanwhile. A stream keeps every entry; a consumer group hands each one to one
// consumer and remembers it as pending until the consumer acknowledges it, so a consumer
// that crashes, or a server that restarts (with persistence), loses nothing: unacknowledged
// entries are delivered again.
const { EventEmitter } = require('events')
const { typeError, rangeError } = require('./errors')
const { blockingTimeout } = require('./commands')
const { SHAPES } = require('./args')
const { portOf } = require('./base')

function nonEmptyString(value, what) {
  if (typeof value !== 'string' || value.length === 0) throw typeError(`${what} must be a non-empty string`)
  return value
}

function integer(value, what, min, fallback) {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw rangeError(`${what} must be an integer >= ${min}`)
  return value
}

class Stream {
  /**
   * @param client a client of either face
   * @param name the stream's key
   * @param options `maxLen` (trim to about this many entries on publish), `json` (default
   *   true: publish serialises, consumers parse)
   */
  constructor(client, name, options = {}) {
    this.client = client
    Object.defineProperty(this, 'port', { value: portOf(client) })
    this.name = nonEmptyString(name, 'stream name')
    this.maxLen = integer(options.maxLen, 'maxLen', 1, 0)
    this.json = options.json !== false
  }

  _send(args) {
    const conn = this.port.cmd()
    return conn.send(args, false, null, undefined)
  }

  /** Appends one entry (field `data`); resolves with its id. */
  publish(data) {
    let payload = data
    if (this.json) {
      try {
        payload = JSON.stringify(data)
      } catch (err) {
        // A bigint or a cycle: a rejection with a code, never a synchronous throw.
        return Promise.reject(typeError(`publish: the value has no JSON form (${err && err.message})`))
      }
      if (payload === undefined) return Promise.reject(typeError('publish: the value has no JSON form'))
    } else if (typeof data !== 'string' && !Buffer.isBuffer(data)) {
      return Promise.reject(typeError('publish: with json: false the value must be a string or Buffer'))
    }
    const args = ['XADD', this.name]
    if (this.maxLen > 0) args.push('MAXLEN', '~', this.maxLen)
    args.push('*', 'data', payload)
    return this._send(args)
  }

  /**
   * Creates a consumer group (and the stream if needed). Resolves true if created, false if
   * it already existed. `startId`: '$' (default: only new entries) or '0' (everything).
   */
  async createGroup(group, { startId = '$' } = {}) {
    nonEmptyString(group, 'group')
    try {
      await this._send(['XGROUP', 'CREATE', this.name, group, startId, 'MKSTREAM'])
      return true
    } catch (err) {
      if (/BUSYGROUP/.test(String(err && err.message))) return false
      throw err
    }
  }

  /** Acknowledges entries of `group`; resolves with how many were pending. */
  ack(group, ...ids) {
    nonEmptyString(group, 'group')
    if (ids.length === 0) return Promise.resolve(0)
    return this._send(['XACK', this.name, group, ...ids])
  }

  /** The number of entries in the stream. */
  length() {
    return this._send(['XLEN', this.name])
  }

  /** How many entries `group` has delivered and not yet had acknowledged. */
  async pending(group) {
    const summary = await this._send(['XPENDING', this.name, nonEmptyString(group, 'group')])
    return Array.isArray(summary) ? Number(summary[0]) : 0
  }

  /** A reader in a consumer group: see {@link StreamConsumer}. */
  consumer(options) {
    return new StreamConsumer(this, options)
  }
}

/**
 * One consumer of a group, reading on its own connection (its blocking reads never hold up
 * the client's commands). Iterate it (`for await (const msg of consumer)`) and call
 * `msg.ack()`, or let `run(handler)` acknowledge after the handler resolves.
 *
 * Delivery is at least once. A consumer first re-reads its own pending entries (delivered
 * before a crash, a restart or a lost reply), then new ones; with `claimIdleMs` it also
 * takes over entries other consumers left pending that long. A handler that throws leaves
 * its entry pending.
 */
class StreamConsumer extends EventEmitter {
  constructor(stream, options = {}) {
    super()
    this.stream = stream
    this.group = nonEmptyString(options.group, 'group')
    this.name = nonEmptyString(options.consumer, 'consumer')
    this.count = integer(options.count, 'count', 1, 10)
    this.blockMs = integer(options.blockMs, 'blockMs', 1, 5000)
    this.claimIdleMs = integer(options.claimIdleMs, 'claimIdleMs', 0, 0)
    this.startId = options.startId === undefined ? '$' : String(options.startId)
    this.closed = false
    this._conn = null
    this._groupReady = false
    // Own pending entries are read first: on start and after every failure.
    this._recover = true
    this._recoverFrom = '0'
    this._claimCursor = '0-0'
    this._lastClaim = 0
    // Quitting (or disconnecting) the client closes its consumers too.
    stream.port.dependents.add(this)
  }

  _connection() {
    if (this._conn === null || this._conn.ended) {
      // A read's reply can be lost with a connection: after any drop, this consumer's own
      // pending entries are read again first.
      this._conn = this.stream.port.own((name) => name === 'close' && this._startRecovery())
    }
    return this._conn
  }

  /** The next reads walk this consumer's pending entries from the start. */
  _startRecovery() {
    this._recover = true
    this._recoverFrom = '0'
  }

  _message(id, fields) {
    let data = null
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') data = fields[i + 1]
    }
    if (this.stream.json && typeof data === 'string') {
      try {
        data = JSON.parse(data)
      } catch {
        // Someone else's entry: hand it over as it is.
      }
    }
    return { id, data, ack: () => this.stream.ack(this.group, id) }
  }

  async _readGroup(id, block) {
    const args = ['XREADGROUP', 'GROUP', this.group, this.name, 'COUNT', this.count]
    if (block) args.push('BLOCK', this.blockMs)
    args.push('STREAMS', this.stream.name, id)
    const conn = this._connection()
    const reply = await conn.send(args, false, SHAPES.streamPairs, blockingTimeout(args, conn.commandTimeout))
    if (!Array.isArray(reply) || reply.length === 0) return []
    const out = []
    const deleted = []
    for (const [entryId, fields] of reply[0][1]) {
      // A pending entry trimmed from the stream since: nothing to deliver, so let it go.
      if (fields === null) deleted.push(entryId)
      else out.push(this._message(entryId, fields))
    }
    if (deleted.length) await this.stream.ack(this.group, ...deleted)
    return out
  }

  async _claim() {
    const reply = await this._connection().send(
      ['XAUTOCLAIM', this.stream.name, this.group, this.name, this.claimIdleMs, this._claimCursor, 'COUNT', this.count],
      false,
      null,
      undefined
    )
    this._claimCursor = reply[0]
    return reply[1].filter((e) => Array.isArray(e) && e[1] !== null).map(([id, fields]) => this._message(id, fields))
  }

  /**
   * The next entries for this consumer: its own pending ones first, then (with
   * `claimIdleMs`) abandoned ones, then new ones, waiting up to `blockMs`. Resolves `[]`
   * when nothing arrived or the consumer is closed.
   */
  async read() {
    if (this.closed) return []
    try {
      if (!this._groupReady) {
        await this.stream.createGroup(this.group, { startId: this.startId })
        this._groupReady = true
      }
      if (this._recover) {
        // Walk this consumer's pending entries once, oldest first (an explicit id reads
        // those after it), then go on with new ones.
        const mine = await this._readGroup(this._recoverFrom, false)
        if (mine.length > 0) {
          this._recoverFrom = mine[mine.length - 1].id
          return mine
        }
        this._recover = false
        this._recoverFrom = '0'
      }
      if (this.claimIdleMs > 0 && Date.now() - this._lastClaim >= Math.min(this.claimIdleMs, 1000)) {
        const claimed = await this._claim()
        if (claimed.length > 0) return claimed
        this._lastClaim = Date.now()
      }
      return await this._readGroup('>', true)
    } catch (err) {
      if (this.closed) return []
      // The reply to a read may be lost with the connection after the server recorded the
      // entries as delivered: read our own pending ones again first.
      this._startRecovery()
      if (/NOGROUP/.test(String(err && err.message))) this._groupReady = false
      throw err
    }
  }

  async *[Symbol.asyncIterator]() {
    let failures = 0
    while (!this.closed) {
      let batch
      try {
        batch = await this.read()
        failures = 0
      } catch (err) {
        this._error(err)
        failures++
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** failures, 2000)))
        continue
      }
      for (const m of batch) {
        if (this.closed) return
        yield m
      }
    }
  }

  /**
   * Calls `handler(data, message)` for each entry, one at a time, and acknowledges it once
   * the handler resolves. A handler that throws emits `failed` and leaves the entry pending.
   * Resolves when the consumer is closed.
   */
  async run(handler) {
    if (typeof handler !== 'function') throw typeError('run: handler must be a function')
    for await (const m of this) {
      try {
        await handler(m.data, m)
      } catch (err) {
        this.emit('failed', m, err)
        continue
      }
      try {
        await m.ack()
      } catch (err) {
        // The entry stays pending and comes back: at least once.
        this._error(err)
      }
    }
  }

  _error(err) {
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else this.stream.port.error(err)
  }

  /** Stops reading and closes the consumer's connection (an ongoing blocking read ends now). */
  async close() {
    this.closed = true
    this.stream.port.dependents.delete(this)
    if (this._conn !== null && !this._conn.ended) this._conn.disconnect()
    this._conn = null
  }
}

module.exports = { Stream, StreamConsumer }
