'use strict'
const { durability, waitReplicas } = require('./durability')
// Locks on the client faces: `client.lock(...)`, `client.withLock(...)` (kept alive by the
// native runtime's timers) and a redlock-compatible `Redlock` over several servers.
// The scripts come from the Rust crate (`src/core/scripts/lock_*.lua`), which tests them.
const crypto = require('crypto')
const { EventEmitter } = require('events')
const native = require('./native')
const { runScript } = require('./script')
const { typeError, rangeError, redisError } = require('./errors')
const { portOf } = require('./base')

const SCRIPTS = native.NativeClient.lockScripts()
let watchIds = 1
/** A watch id unique in this process (lock watches and queue leases share a client's table). */
const nextWatchId = () => watchIds++

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const token = () => crypto.randomBytes(16).toString('hex')

function resourcesOf(resources) {
  const list = Array.isArray(resources) ? resources : [resources]
  if (list.length === 0 || list.some((r) => typeof r !== 'string' || r.length === 0)) {
    throw typeError('lock resources must be a non-empty string or array of non-empty strings')
  }
  return list
}

function ttlOf(ttlMs) {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw rangeError(`lock ttl must be a positive integer of milliseconds, got ${ttlMs}`)
  return ttlMs
}

/** A non-negative integer option (retry counts and delays). */
function count(v, name, fallback) {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw rangeError(`${name} must be a non-negative integer, got ${typeof v === 'number' ? v : typeof v}`)
  return v
}

function retrySettings(o = {}) {
  return {
    retryCount: count(o.retryCount, 'retryCount', 10),
    retryDelay: count(o.retryDelay, 'retryDelay', 200),
    retryJitter: count(o.retryJitter, 'retryJitter', 100),
    signal: o.signal,
  }
}

function abortedError(signal) {
  return redisError('ERR_LOCK_NOT_ACQUIRED', 'Lock not acquired: the wait was aborted', { cause: signal.reason })
}

/** A held lock (single server). */
class Lock {
  constructor(client, resources, keys, tokenValue, fences, ttlMs) {
    this.client = client
    this.resources = resources
    this.resource = resources[0]
    this.keys = keys
    this.token = tokenValue
    this.fences = fences
    // Strictly greater than every earlier fence of this resource: pass it to storage that
    // rejects writes carrying a smaller fence than one it has seen.
    this.fence = fences[0]
    this.expiresAt = new Date(Date.now() + ttlMs)
  }

  /** Releases the lock if still ours; resolves whether it was. */
  async release() {
    const n = await runScript(portOf(this.client).cmd(), SCRIPTS.release, [this.keys.length, ...this.keys, this.token], false, null)
    return n === this.keys.length
  }

  /** Extends the lock to `ttlMs` from now if still ours; resolves whether it was. */
  async extend(ttlMs) {
    ttlOf(ttlMs)
    const ok = await runScript(portOf(this.client).cmd(), SCRIPTS.extend, [this.keys.length, ...this.keys, this.token, ttlMs], false, null)
    if (ok === 1) this.expiresAt = new Date(Date.now() + ttlMs)
    return ok === 1
  }
}

// The key layout is defined once, by `lock::key_parts` in Rust; asked once per prefix.
const keyLayouts = new Map()
function keyParts(prefix) {
  let parts = keyLayouts.get(prefix)
  if (parts === undefined) {
    parts = native.lockKeyParts(prefix)
    if (keyLayouts.size < 1000) keyLayouts.set(prefix, parts)
  }
  return parts
}

/** `client.lock(resources, ttlMs, options)`: all-or-nothing, retried with jitter. */
async function acquire(client, resources, ttlMs, options = {}) {
  const list = resourcesOf(resources)
  ttlOf(ttlMs)
  const { retryCount, retryDelay, retryJitter, signal } = retrySettings(options)
  const prefix = options.prefix ?? 'lock:'
  if (typeof prefix !== 'string') throw typeError('lock prefix must be a string')
  const [before, after] = keyParts(prefix)
  const lockKeys = list.map((r) => before + r + after)
  const t = token()
  const durable = durability(options)
  let held = null
  for (let attempt = 1; attempt <= retryCount + 1; attempt++) {
    if (signal && signal.aborted) throw abortedError(signal)
    const conn = portOf(client).cmd()
    const r = await runScript(conn, SCRIPTS.acquire, [list.length, ...lockKeys, t, ttlMs, 1], false, null)
    if (r[0] === 1) {
      // One fence for the whole acquire: the server clock when it took every resource.
      const lock = new Lock(client, list, lockKeys, t, list.map(() => r[1]), ttlMs)
      if (durable !== null) {
        // Held only once replicas have it too, so a failover cannot hand it out again.
        try {
          await waitReplicas(conn, durable, 'lock acquire')
        } catch (err) {
          await lock.release().catch(() => false)
          throw redisError('ERR_LOCK_NOT_ACQUIRED', `Lock not acquired: ${err.message}`, { attempts: attempt, resource: list[0], acked: err.acked, cause: err })
        }
      }
      return lock
    }
    held = list[r[1] - 1]
    if (attempt <= retryCount) await sleep(Math.max(0, retryDelay + Math.round((Math.random() * 2 - 1) * retryJitter)))
  }
  throw redisError(
    'ERR_LOCK_NOT_ACQUIRED',
    `Lock not acquired after ${retryCount + 1} attempt(s): resource "${held}" is held by another owner`,
    { attempts: retryCount + 1, resource: held }
  )
}

/**
 * `client.withLock(resources, ttlMs, routine, options)`: acquires, keeps the lock alive from
 * the native runtime's timers, aborts `signal` if the lock is lost, always releases, and
 * returns the routine's value.
 */
async function withLock(client, resources, ttlMs, routine, options = {}) {
  if (typeof routine !== 'function') throw typeError('withLock needs a routine function')
  const lock = await acquire(client, resources, ttlMs, options)
  const controller = new AbortController()
  const port = portOf(client)
  const conn = port.keeper()
  const watchId = nextWatchId()
  port.watches.set(watchId, (err) => controller.abort(err))
  // Extend when a third of the TTL is left (redlock's automaticExtensionThreshold, if given).
  const every = options.automaticExtensionThreshold ? Math.max(10, ttlMs - options.automaticExtensionThreshold) : Math.max(10, Math.floor((ttlMs * 2) / 3))
  conn.native.watchLock(watchId, lock.keys, lock.token, ttlMs, every)
  try {
    return await routine(controller.signal, lock)
  } finally {
    conn.native.unwatchLock(watchId)
    port.watches.delete(watchId)
    await lock.release().catch(() => false)
  }
}

// --- Redlock: quorum over independent servers, redlock's API --------------------------

class RedlockLock {
  constructor(redlock, resources, value, attempts, expiration) {
    this.redlock = redlock
    this.resources = resources
    this.value = value
    this.attempts = attempts
    this.expiration = expiration
  }

  release() {
    return this.redlock.release(this)
  }

  unlock() {
    return this.release()
  }

  extend(duration) {
    return this.redlock.extend(this, duration)
  }
}

/** Per-server wait for a vote: `voteTimeout` ms if set, else a tenth of the lock's TTL (at least 10 ms). */
function voteTimeout(duration, settings) {
  return settings.voteTimeout ?? Math.max(10, Math.floor(duration / 10))
}

/** Drop-in for `redlock`: `new Redlock([clients], settings)`. */
class Redlock extends EventEmitter {
  constructor(clients, settings = {}) {
    super()
    if (!Array.isArray(clients) || clients.length === 0 || clients.some((c) => portOf(c) === null)) {
      throw typeError('Redlock needs an array of redis-hotpath clients')
    }
    this.clients = clients
    this.settings = {
      driftFactor: settings.driftFactor ?? 0.01,
      retryCount: settings.retryCount ?? 10,
      retryDelay: settings.retryDelay ?? 200,
      retryJitter: settings.retryJitter ?? 100,
      automaticExtensionThreshold: settings.automaticExtensionThreshold ?? 500,
      voteTimeout: settings.voteTimeout,
    }
    if (settings.voteTimeout !== undefined && !(Number.isInteger(settings.voteTimeout) && settings.voteTimeout > 0)) {
      throw rangeError(`Redlock voteTimeout must be a positive whole number of ms, got ${settings.voteTimeout}`)
    }
  }

  get quorum() {
    return Math.floor(this.clients.length / 2) + 1
  }

  /**
   * One script on every server, each answer awaited at most `timeoutMs` (the Redlock
   * algorithm's per-instance timeout, small next to the lock's TTL: a server that is down
   * must cost a vote, not the lock's whole validity while its command waits to reconnect).
   */
  async _vote(script, keysAndArgs, timeoutMs) {
    const timers = []
    const results = await Promise.allSettled(
      this.clients.map((c) => {
        const vote = runScript(portOf(c).cmd(), script, keysAndArgs, false, null)
        if (timeoutMs === undefined) return vote
        vote.catch(() => {})
        return Promise.race([
          vote,
          new Promise((resolve, reject) => {
            timers.push(setTimeout(() => reject(redisError('ERR_REDIS_TIMEOUT', `No vote within ${timeoutMs} ms`)), timeoutMs))
          }),
        ])
      })
    )
    for (const t of timers) clearTimeout(t)
    return results
  }

  async acquire(resources, duration, settings = {}) {
    const list = resourcesOf(resources)
    ttlOf(duration)
    const s = { ...this.settings, ...settings }
    const attempts = []
    for (let attempt = 1; attempt <= s.retryCount + 1; attempt++) {
      const value = token()
      const start = Date.now()
      // Redlock's keys and values (the resource name, holding the token), without a fence.
      const votes = await this._vote(SCRIPTS.acquire, [list.length, ...list, value, duration, 0], voteTimeout(duration, s))
      const votesFor = votes.filter((v) => v.status === 'fulfilled' && v.value[0] === 1).length
      const why = votes.map((v, i) => (v.status === 'rejected' ? `server ${i}: ${v.reason && v.reason.code}` : v.value[0] === 1 ? null : `server ${i}: held`)).filter(Boolean)
      attempts.push({ votesFor, votesAgainst: votes.length - votesFor, reasons: why })
      const drift = Math.round(s.driftFactor * duration) + 2
      const expiration = start + duration - drift
      if (votesFor >= this.quorum && expiration > Date.now()) return new RedlockLock(this, list, value, attempts, expiration)
      await this._vote(SCRIPTS.release, [list.length, ...list, value])
      if (attempt <= s.retryCount) await sleep(Math.max(0, s.retryDelay + Math.round((Math.random() * 2 - 1) * s.retryJitter)))
    }
    const last = attempts[attempts.length - 1]
    throw redisError(
      'ERR_LOCK_NOT_ACQUIRED',
      `Lock not acquired after ${attempts.length} attempt(s): ${last.votesFor} of ${this.clients.length} servers agreed, ${this.quorum} needed (${last.reasons.join('; ')})`,
      { attempts }
    )
  }

  async release(lock) {
    const votes = await this._vote(SCRIPTS.release, [lock.resources.length, ...lock.resources, lock.value])
    return { attempts: [{ votesFor: votes.filter((v) => v.status === 'fulfilled' && v.value > 0).length }] }
  }

  async extend(lock, duration) {
    ttlOf(duration)
    const start = Date.now()
    const votes = await this._vote(SCRIPTS.extend, [lock.resources.length, ...lock.resources, lock.value, duration], voteTimeout(duration, this.settings))
    const votesFor = votes.filter((v) => v.status === 'fulfilled' && v.value === 1).length
    const expiration = start + duration - (Math.round(this.settings.driftFactor * duration) + 2)
    if (votesFor < this.quorum || expiration <= Date.now()) {
      throw redisError('ERR_LOCK_LOST', `Lock not extended: ${votesFor} of ${this.clients.length} servers still held it, ${this.quorum} needed`)
    }
    return new RedlockLock(this, lock.resources, lock.value, [...lock.attempts, { votesFor }], expiration)
  }

  /** redlock's `using`: acquire, extend automatically, abort `signal` on loss, release. */
  async using(resources, duration, settings, routine) {
    if (typeof settings === 'function') {
      routine = settings
      settings = {}
    }
    if (typeof routine !== 'function') throw typeError('using(resources, duration, [settings], routine) needs a routine function')
    if (settings !== undefined && (settings === null || typeof settings !== 'object')) throw typeError('using: settings must be an object')
    const s = { ...this.settings, ...settings }
    let lock = await this.acquire(resources, duration, s)
    const controller = new AbortController()
    let timer = null
    const schedule = () => {
      const wait = Math.max(10, lock.expiration - Date.now() - s.automaticExtensionThreshold)
      timer = setTimeout(async () => {
        try {
          lock = await this.extend(lock, duration)
          schedule()
        } catch (err) {
          controller.abort(err)
        }
      }, wait)
    }
    schedule()
    try {
      return await routine(controller.signal)
    } finally {
      clearTimeout(timer)
      await this.release(lock).catch(() => {})
    }
  }
}

module.exports = { nextWatchId, acquire, withLock, Lock, Redlock, RedlockLock, SCRIPTS }
