'use strict'
// BullMQ's `QueueEvents`: the queue's event stream read by XREAD, as events.
const { SHAPES } = require('../args')
const { redisError } = require('../errors')
const { QueueBase, parseJson, positiveInt, sleep } = require('./job')
const { portOf } = require('../base')

/**
 * BullMQ's `QueueEvents`: the queue's events (`waiting`, `active`, `progress`, `completed`,
 * `failed`, `delayed`, `stalled`, `removed`, `drained`, ...) read from its event stream on a
 * connection of its own. It remembers the last event read, so after a reconnect it goes on
 * from there and misses nothing the stream still holds.
 */
class QueueEvents extends QueueBase {
  constructor(name, opts) {
    super(name, opts)
    this.blockingTimeout = positiveInt(this.opts.blockingTimeout, 'blockingTimeout', 10000)
    this.lastEventId = this.opts.lastEventId === undefined ? null : String(this.opts.lastEventId)
    this._conn_ = null
    this._running = null
    this._ready = null
    if (this.opts.autorun !== false) this.run().catch((err) => this._error(err))
  }

  _connection() {
    if (this._conn_ === null || this._conn_.ended) this._conn_ = portOf(this._client).own()
    return this._conn_
  }

  /** Resolves once reading has started (events from then on are delivered). */
  waitUntilReady() {
    if (!this._ready) this._ready = this._start()
    return this._ready
  }

  async _start() {
    if (this.lastEventId === null || this.lastEventId === '$') {
      const last = await this._connection().send(['XREVRANGE', this._key('events'), '+', '-', 'COUNT', 1], false, null, undefined)
      this.lastEventId = last.length > 0 ? last[0][0] : '0-0'
    }
    return this._client
  }

  run() {
    if (this._running) return Promise.reject(redisError('ERR_INVALID_STATE', 'Queue Events is already running.'))
    this._running = this._loop()
    return this._running
  }

  async _loop() {
    let failures = 0
    while (!this.closing) {
      try {
        await this.waitUntilReady()
        const conn = this._connection()
        const args = ['XREAD', 'BLOCK', this.blockingTimeout, 'STREAMS', this._key('events'), this.lastEventId]
        const reply = await conn.send(args, false, SHAPES.streamPairs, this.blockingTimeout + conn.commandTimeout)
        failures = 0
        if (!Array.isArray(reply) || reply.length === 0) continue
        for (const [id, fields] of reply[0][1]) {
          this.lastEventId = id
          this._dispatch(id, fields)
        }
      } catch (err) {
        if (this.closing) break
        this._error(err)
        await sleep(Math.min(2000, 50 * 2 ** failures++))
      }
    }
  }

  _dispatch(id, fields) {
    const args = {}
    let event = null
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'event') event = fields[i + 1]
      else args[fields[i]] = fields[i + 1]
    }
    if (event === null) return
    if (event === 'completed') args.returnvalue = parseJson(args.returnvalue, null)
    if (event === 'progress') args.data = parseJson(args.data, args.data)
    if (event === 'drained') {
      this.emit('drained', id)
      return
    }
    this.emit(event, args, id)
    if (args.jobId !== undefined) this.emit(`${event}:${args.jobId}`, args, id)
  }

  async close() {
    if (this.closing) return this.closing
    this.closing = (async () => {
      if (this._conn_) this._conn_.disconnect()
      if (this._running) await this._running.catch(() => {})
      await this._closeClient()
      this.emit('closed')
    })()
    return this.closing
  }
}

module.exports = { QueueEvents }
