'use strict'
// ioredis' pub/sub on a client: (un)subscribe to channels, patterns and sharded channels,
// per-channel handlers, and the message events (string and Buffer forms). Mixed into `Redis`;
// the subscriptions themselves live on the client's subscriber connection (lib/base.js).
const { typeError } = require('../errors')

class PubSub {
  _subscription(name, channels) {
    const pattern = name.startsWith('p')
    const kind = name === 'ssubscribe' || name === 'sunsubscribe' ? 'shard' : pattern
    const unsubscribe = name.includes('unsub')
    if (unsubscribe && this._sub === null) return Promise.resolve(this._stringNumbers ? '0' : 0)
    if (!unsubscribe && channels.length === 0) return Promise.reject(typeError(`${name} needs at least one channel`))
    for (const c of channels) if (typeof c !== 'string' && !Buffer.isBuffer(c)) return Promise.reject(typeError('channels must be strings or Buffers'))
    const registry = kind === 'shard' ? this._subShards : pattern ? this._subPatterns : this._subChannels
    const names = channels.map(String)
    // Sharded channels go one command each, so "all of them" is named here.
    if (unsubscribe && kind === 'shard' && channels.length === 0) channels = [...registry]
    if (unsubscribe) {
      for (const c of names.length ? names : [...registry]) {
        registry.delete(c)
        this._handlers.delete((kind === 'shard' ? 's:' : pattern ? 'p:' : 'c:') + c)
      }
    } else for (const c of names) registry.add(c)
    // The count Redis reports: channels and patterns together; sharded channels apart.
    const count = kind === 'shard' ? this._subShards.size : this._subChannels.size + this._subPatterns.size
    return this._subscriber()
      .subscribe(kind, unsubscribe, channels)
      .then(() => (this._stringNumbers ? String(count) : count))
  }

  /**
   * `subscribe(channel, handler, { json })` / `psubscribe(...)`: a per-channel handler
   * `(message, channel)`, with the payload parsed as JSON when `json` is set. (With a
   * plain function and no options, ioredis' `(err, count)` callback form applies.)
   */
  _handlerSubscription(name, channel, handler, options) {
    const pattern = name === 'psubscribe'
    const key = (name === 'ssubscribe' ? 's:' : pattern ? 'p:' : 'c:') + channel
    let set = this._handlers.get(key)
    if (!set) this._handlers.set(key, (set = new Set()))
    set.add({ fn: handler, json: !!(options && options.json) })
    return this._subscription(name, [channel])
  }

  subscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('subscribe', args[0], args[1], args[2])
    return this._run('subscribe', args, false)
  }

  ssubscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('ssubscribe', args[0], args[1], args[2])
    return this._run('ssubscribe', args, false)
  }

  psubscribe(...args) {
    if (args.length === 3 && typeof args[1] === 'function' && args[2] && typeof args[2] === 'object') return this._handlerSubscription('psubscribe', args[0], args[1], args[2])
    return this._run('psubscribe', args, false)
  }

  _dispatchHandlers(channel, payload, pattern, sharded) {
    const set = this._handlers.get(sharded ? 's:' + channel : pattern === null ? 'c:' + channel : 'p:' + pattern)
    if (!set) return
    for (const h of set) {
      let msg = Buffer.isBuffer(payload) ? payload.toString() : payload
      if (h.json) {
        try {
          msg = JSON.parse(msg)
        } catch (err) {
          this._emitError(Object.assign(err, { code: 'ERR_INVALID_JSON_MESSAGE', channel: String(channel) }))
          continue
        }
      }
      h.fn(msg, String(channel))
    }
  }

  _onMessage(channel, payload, pattern, sharded) {
    if (this._handlers.size > 0) this._dispatchHandlers(channel, payload, pattern, sharded)
    if (sharded) {
      // Sharded channels (Redis Cluster): ioredis' smessage / smessageBuffer.
      if (Buffer.isBuffer(payload)) {
        this.emit('smessageBuffer', channel, payload)
        if (this.listenerCount('smessage') > 0) this.emit('smessage', channel.toString(), payload.toString())
      } else this.emit('smessage', channel, payload)
    } else if (Buffer.isBuffer(payload)) {
      if (pattern === null) {
        this.emit('messageBuffer', channel, payload)
        if (this.listenerCount('message') > 0) this.emit('message', channel.toString(), payload.toString())
      } else {
        // ioredis hands the pattern over as a string, also to pmessageBuffer.
        this.emit('pmessageBuffer', pattern.toString(), channel, payload)
        if (this.listenerCount('pmessage') > 0) this.emit('pmessage', pattern.toString(), channel.toString(), payload.toString())
      }
    } else if (pattern === null) this.emit('message', channel, payload)
    else this.emit('pmessage', pattern, channel, payload)
  }
}

module.exports = { PubSub }
