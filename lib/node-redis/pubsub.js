'use strict'
// node-redis' pub/sub on a client: per-call listeners for channels, patterns and sharded
// channels (string or Buffer mode), the listener registry node-redis exposes, and message
// dispatch. Mixed into `RedisClient`; subscriptions live on the subscriber connection.
const { typeError } = require('../errors')

class PubSub {
  /** node-redis' listener registry for a pub/sub type ('CHANNELS', 'PATTERNS', 'SHARDED'). */
  getPubSubListeners(type) {
    const map = this._listenersOf(type)
    const out = new Map()
    for (const [channel, set] of map) {
      const entry = { unsubscribing: false, buffers: new Set(), strings: new Set() }
      for (const [fn, { buffer }] of set) (buffer ? entry.buffers : entry.strings).add(fn)
      out.set(channel, entry)
    }
    return out
  }

  /** Adds `listeners` (as getPubSubListeners gives them) for one channel. */
  async extendPubSubChannelListeners(type, channel, listeners) {
    const [map, kind] = [this._listenersOf(type), type === 'SHARDED' ? 'shard' : type === 'PATTERNS']
    for (const fn of listeners.strings || []) await this._listen(map, kind, channel, fn, false)
    for (const fn of listeners.buffers || []) await this._listen(map, kind, channel, fn, true)
  }

  async extendPubSubListeners(type, listeners) {
    for (const [channel, l] of listeners) await this.extendPubSubChannelListeners(type, channel, l)
  }

  _listenersOf(type) {
    return type === 'SHARDED' ? this._shardListeners : type === 'PATTERNS' ? this._patternListeners : this._channelListeners
  }

  get isPubSubActive() {
    return this._subChannels.size + this._subPatterns.size + this._subShards.size > 0
  }

  async subscribe(channels, listener, bufferMode) {
    return this._listen(this._channelListeners, false, channels, listener, bufferMode)
  }

  async pSubscribe(patterns, listener, bufferMode) {
    return this._listen(this._patternListeners, true, patterns, listener, bufferMode)
  }

  async unsubscribe(channels, listener) {
    return this._unlisten(this._channelListeners, false, channels, listener)
  }

  async pUnsubscribe(patterns, listener) {
    return this._unlisten(this._patternListeners, true, patterns, listener)
  }

  /** Sharded channels (Redis Cluster): node-redis' sSubscribe / sUnsubscribe. */
  async sSubscribe(channels, listener, bufferMode) {
    return this._listen(this._shardListeners, 'shard', channels, listener, bufferMode)
  }

  async sUnsubscribe(channels, listener) {
    return this._unlisten(this._shardListeners, 'shard', channels, listener)
  }

  _registry(kind) {
    return kind === 'shard' ? this._subShards : kind ? this._subPatterns : this._subChannels
  }

  async _listen(map, pattern, names_, listener, bufferMode) {
    if (typeof listener !== 'function') throw typeError('subscribe needs a listener function')
    // Listeners are registered under the caller's function (so unsubscribe finds it) and
    // called through `call`, which parses JSON when asked to.
    let call = listener
    if (bufferMode && typeof bufferMode === 'object') {
      // subscribe(channel, listener, { json: true }): payloads parsed as JSON.
      if (bufferMode.json) {
        const inner = listener
        call = (message, channel) => {
          let value
          try {
            value = JSON.parse(message)
          } catch (err) {
            this._emitError(Object.assign(err, { code: 'ERR_INVALID_JSON_MESSAGE', channel }))
            return
          }
          inner(value, channel)
        }
      }
      bufferMode = false
    }
    const list = Array.isArray(names_) ? names_ : [names_]
    if (list.length === 0 || list.some((c) => typeof c !== 'string' || c.length === 0)) throw typeError('channels must be non-empty strings')
    if (bufferMode) this._wantBinaryMessages()
    const fresh = []
    for (const c of list) {
      let set = map.get(c)
      if (!set) {
        map.set(c, (set = new Map()))
        fresh.push(c)
      }
      set.set(listener, { call, buffer: !!bufferMode })
    }
    for (const c of fresh) this._registry(pattern).add(c)
    if (fresh.length) await this._subscriber().subscribe(pattern, false, fresh)
  }

  async _unlisten(map, pattern, names_, listener) {
    const list = names_ === undefined ? [...map.keys()] : Array.isArray(names_) ? names_ : [names_]
    const gone = []
    for (const c of list) {
      const set = map.get(c)
      if (!set) continue
      if (listener) set.delete(listener)
      if (!listener || set.size === 0) {
        map.delete(c)
        gone.push(c)
      }
    }
    for (const c of gone) this._registry(pattern).delete(c)
    if (gone.length && this._sub) await this._sub.subscribe(pattern, true, gone)
  }

  _onMessage(channel, payload, pattern, sharded) {
    const key = pattern === null ? channel : pattern
    const map = sharded ? this._shardListeners : pattern === null ? this._channelListeners : this._patternListeners
    const set = map.get(Buffer.isBuffer(key) ? key.toString() : key)
    if (!set) return
    for (const { call, buffer } of set.values()) {
      if (Buffer.isBuffer(payload) && !buffer) call(payload.toString(), channel.toString())
      else call(payload, channel)
    }
  }
}

module.exports = { PubSub }
