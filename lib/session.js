'use strict'
const { durability, waitReplicas } = require('./durability')
// `RedisStore`: a drop-in for connect-redis. Same constructor options, defaults and Store
// methods (callback and promise styles), on either face of this package's client, sending
// its commands straight to the batched connection.
let Store
try {
  Store = require('express-session').Store
} catch {
  // express-session is an optional peer: without it the store still works stand-alone.
  Store = require('events').EventEmitter
}
const { typeError, rangeError } = require('./errors')
const { globEscape } = require('./args')
const { portOf } = require('./base')

const hubs = new WeakMap() // client -> Set of WeakRef<RedisStore>

/**
 * The stores of one client, told of its connection events by one set of listeners on the
 * client however many stores there are (and a store nobody holds any more is dropped).
 */
function storesOf(client) {
  let stores = hubs.get(client)
  if (stores === undefined) {
    stores = new Set()
    hubs.set(client, stores)
    const tell = (event) => () => {
      for (const ref of stores) {
        const store = ref.deref()
        if (store === undefined) stores.delete(ref)
        else store.emit(event)
      }
    }
    client.on('ready', tell('connect'))
    for (const ev of ['close', 'reconnecting', 'end']) client.on(ev, tell('disconnect'))
  }
  return stores
}

function settle(cb, err, data) {
  if (cb) return cb(err, data)
  if (err) throw err
  return data
}

class RedisStore extends Store {
  constructor(opts = {}) {
    super()
    if (portOf(opts.client) === null) throw typeError('RedisStore needs { client } (a redis-hotpath client)')
    this.client = opts.client
    Object.defineProperty(this, 'port', { value: portOf(opts.client) })
    this.prefix = opts.prefix == null ? 'sess:' : opts.prefix
    this.scanCount = opts.scanCount || 100
    this.serializer = opts.serializer || JSON
    this.ttl = opts.ttl || 86400
    if (typeof this.ttl !== 'function' && !(Number.isInteger(this.ttl) && this.ttl > 0)) {
      throw rangeError(`RedisStore ttl must be a positive integer of seconds or a function, got ${opts.ttl}`)
    }
    if (typeof this.prefix !== 'string') throw typeError('RedisStore prefix must be a string')
    this.disableTTL = opts.disableTTL || false
    this.disableTouch = opts.disableTouch || false
    this._durable = durability(opts)
    // express-session stops using a store that emitted 'disconnect' until it emits 'connect'.
    storesOf(opts.client).add(new WeakRef(this))
  }

  _send(args) {
    return this.port.cmd().send(args, false, null)
  }

  /** A write, followed by the replica wait when `waitReplicas` is set. */
  async _write(args) {
    const conn = this.port.cmd()
    const r = await conn.send(args, false, null)
    if (this._durable !== null) await waitReplicas(conn, this._durable, 'session write')
    return r
  }

  /** A session's key; a session id is a non-empty string, never coerced. */
  _key(sid) {
    if (typeof sid !== 'string' || sid.length === 0) throw typeError(`session id must be a non-empty string, got ${sid === null ? 'null' : typeof sid}`)
    return this.prefix + sid
  }

  async get(sid, cb) {
    try {
      const data = await this._send(['GET', this._key(sid)])
      if (!data) return settle(cb, null, null)
      return settle(cb, null, await this.serializer.parse(data))
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async set(sid, sess, cb) {
    try {
      const key = this._key(sid)
      const ttl = this._ttl(sess)
      if (!(ttl > 0)) return this.destroy(sid, cb)
      let val
      try {
        val = this.serializer.stringify(sess)
      } catch (err) {
        // A bigint or a cycle in the session: an error with a code, the cause kept.
        throw Object.assign(typeError(`the session cannot be serialized: ${err && err.message}`), { cause: err })
      }
      await this._write(this.disableTTL ? ['SET', key, val] : ['SET', key, val, 'EX', ttl])
      return settle(cb, null, null)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async touch(sid, sess, cb) {
    if (this.disableTouch || this.disableTTL) return settle(cb, null, null)
    try {
      await this._write(['EXPIRE', this._key(sid), this._ttl(sess)])
      return settle(cb, null, null)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async destroy(sid, cb) {
    try {
      await this._write(['DEL', this._key(sid)])
      return settle(cb, null, null)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async clear(cb) {
    try {
      // With no prefix, "every session" would be every key of the database.
      if (this.prefix === '') throw rangeError('RedisStore.clear() needs a non-empty prefix')
      const keys = await this._keys()
      for (let i = 0; i < keys.length; i += 1000) await this._send(['DEL', ...keys.slice(i, i + 1000)])
      return settle(cb, null, null)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async length(cb) {
    try {
      return settle(cb, null, (await this._keys()).length)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async ids(cb) {
    try {
      const n = this.prefix.length
      return settle(cb, null, (await this._keys()).map((k) => k.substring(n)))
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  async all(cb) {
    try {
      const keys = await this._keys()
      const n = this.prefix.length
      const out = []
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000)
        const values = await this._send(['MGET', ...chunk])
        values.forEach((raw, j) => {
          if (!raw) return
          const sess = this.serializer.parse(raw)
          sess.id = chunk[j].substring(n)
          out.push(sess)
        })
      }
      return settle(cb, null, out)
    } catch (err) {
      return settle(cb, err, null)
    }
  }

  _ttl(sess) {
    if (typeof this.ttl === 'function') return this.ttl(sess)
    if (sess && sess.cookie && sess.cookie.expires) {
      const at = Number(new Date(sess.cookie.expires))
      // An expiry that is no date keeps the session for the default TTL rather than
      // deleting it.
      if (Number.isFinite(at)) return Math.ceil((at - Date.now()) / 1000)
    }
    return this.ttl
  }

  async _keys() {
    const seen = new Set()
    for await (const keys of this.port.scan(`${globEscape(this.prefix)}*`, this.scanCount)) {
      for (const k of keys) seen.add(k)
    }
    return [...seen]
  }
}

module.exports = { RedisStore }
