'use strict'
// `client.cache({ prefix, ttl })`: cache-aside and write-through helpers with stampede
// protection. Values are stored as JSON (so `get` returns exactly what `set` stored: objects,
// arrays, numbers, strings, booleans, null); Buffers are stored as raw bytes and read back
// with `getBuffer`.
const crypto = require('crypto')
const { typeError, rangeError } = require('./errors')
const { globEscape } = require('./args')
const { runScript } = require('./script')
const { portOf } = require('./base')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function deepFreeze(v) {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const k of Object.keys(v)) deepFreeze(v[k])
  }
  return v
}

/**
 * `value` as JSON, refusing what JSON would change or cannot hold: NaN and ±Infinity
 * (stored as null), bigints and cycles (which JSON.stringify throws on without a code).
 */
function toJson(value) {
  let raw
  try {
    raw = JSON.stringify(value, (k, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw typeError(`cannot cache ${v}${k ? ` (at "${k}")` : ''}: JSON would store null`)
      return v
    })
  } catch (err) {
    if (err && err.code === 'ERR_INVALID_ARG') throw err
    throw typeError(`cannot cache this value as JSON: ${err && err.message}`)
  }
  if (raw === undefined) throw typeError(`cannot cache a ${typeof value} as JSON`)
  return raw
}

/** A stored value read back; what is not JSON (written raw or by someone else) is an error with a code. */
function fromJson(raw, key) {
  try {
    return JSON.parse(raw)
  } catch (err) {
    throw Object.assign(new Error(`the cached value of ${JSON.stringify(String(key))} is not JSON (read it with getBuffer)`), { code: 'ERR_INVALID_JSON', key: String(key), cause: err })
  }
}

class Cache {
  constructor(client, options = {}) {
    this.client = client
    Object.defineProperty(this, 'port', { value: portOf(client) })
    this.prefix = options.prefix ?? 'cache:'
    this.ttl = options.ttl ?? 300
    if (!Number.isInteger(this.ttl) || this.ttl < 0) throw rangeError('ttl must be a whole number of seconds (0: no expiry)')
    if (typeof this.prefix !== 'string') throw typeError('cache prefix must be a string')
    // The cache's own keys (wrap's load locks) start with NUL, which no data key
    // (prefix + key) can: a user key can never name one, nor a pattern match one.
    if (this.prefix.startsWith('\u0000')) throw rangeError('a cache prefix cannot start with NUL')
    this.lockPrefix = `\u0000lock:${this.prefix}`
    this.lockTtlMs = options.lockTtlMs ?? 5000
    if (!Number.isInteger(this.lockTtlMs) || this.lockTtlMs < 1) throw rangeError(`lockTtlMs must be a positive integer of milliseconds, got ${this.lockTtlMs}`)
    this.negativeTtl = options.negativeTtl ?? 0
    this.inflight = new Map()
    this.local = null
    if (options.local) this._enableLocal(options.local === true ? {} : options.local)
  }

  /**
   * The near-cache: an in-process copy of values read through this cache, kept coherent by
   * Redis server-assisted invalidation (RESP3 `CLIENT TRACKING`): when any client changes a
   * key, the server tells this connection, and the local copy goes. Everything local is
   * dropped whenever the connection closes, since invalidations may have been missed.
   *
   * On a Redis Cluster every node connection tracks (in OPTIN mode, near-cache reads only)
   * from its handshake on, including connections to nodes that appear later; a client
   * connected before its first near-cache switches to a tracking connection in the
   * background, and until the core reports `tracking` nothing read is kept.
   */
  _enableLocal({ maxEntries = 10_000, maxBytes = 64 * 1024 * 1024, ttl = 60_000, shared = false, clusterTrustMs = 1000 }) {
    if (!Number.isInteger(clusterTrustMs) || clusterTrustMs < 100) throw rangeError(`clusterTrustMs must be a whole number of milliseconds >= 100, got ${clusterTrustMs}`)
    this.local = new Map()
    // shared: every hit returns one deep-frozen object instead of a fresh parse (no
    // JSON.parse per hit; callers must not, and cannot, mutate it).
    this.localShared = shared
    this.localBytes = 0
    this.localLimits = { maxEntries, maxBytes, ttl }
    this.epoch = 0
    // Reads in flight per key, and whether an invalidation of the key arrived meanwhile: on
    // a Cluster (and on any connection the core drives) a reply and the invalidation that
    // follows it on the wire may reach us in either order, so a read overtaken by one is
    // not kept.
    this.reading = new Map()
    this.counters = { hits: 0, misses: 0, evictions: 0, invalidations: 0 }
    this.tracked = this.port.nearCache(this)
    // Local hits are served only until `trustedUntil`. On one server that is forever (a lost
    // connection flushes everything). On a Cluster a primary can go silent (paused, cut off)
    // without its connection closing, and once its replica is promoted, writes there never
    // reach us as invalidations: so every primary is pinged every clusterTrustMs / 4, and a
    // hit needs a ping answered by all of them that started less than clusterTrustMs ago.
    // A failover needs the old primary unreachable for cluster-node-timeout (Redis' default
    // 15 s), longer than clusterTrustMs; after a lapse everything local goes.
    this.onCluster = this._conn().cluster
    this.trustedUntil = Infinity
    if (this.onCluster) {
      this.trustedUntil = 0
      this.trustMs = clusterTrustMs
      this._beating = false
      this._beatTimer = setInterval(() => this._beat(), clusterTrustMs >> 2)
      this._beatTimer.unref()
      this._beat()
    }
  }

  /** One heartbeat (Cluster near-caches): PING reaches every primary. */
  _beat() {
    if (this.client.status === 'end') {
      clearInterval(this._beatTimer)
      return
    }
    if (this._beating) return
    const start = Date.now()
    let ping
    try {
      ping = this._conn().send(['PING'], false, null)
    } catch {
      // The client is closing (a face may refuse synchronously): nothing to trust.
      return
    }
    this._beating = true
    ping
      .then(
        () => {
          if (!this.tracked) return
          // Trust had lapsed before this ping left, or the ping itself took longer than the
          // trust window (the library retried it across a failover until a new primary
          // answered): what is kept may predate a failover.
          if (this.trustedUntil < start || Date.now() - start > this.trustMs) this._flushLocal()
          this.trustedUntil = Math.max(this.trustedUntil, start + this.trustMs)
        },
        () => {}
      )
      .finally(() => {
        this._beating = false
      })
  }

  /** The core reports that near-cache reads are tracked from now on (Cluster clients). */
  _trackingOn() {
    this.tracked = true
  }

  /** Near-cache counters: `{ hits, misses, evictions, invalidations, entries, bytes }`. */
  stats() {
    if (!this.local) return null
    return { ...this.counters, entries: this.local.size, bytes: this.localBytes }
  }

  _invalidate(keys) {
    if (!this.local) return
    if (keys === null) return this._flushLocal()
    for (const k of keys) {
      const r = this.reading.get(k)
      if (r !== undefined) r.dirty = true
      const e = this.local.get(k)
      if (e !== undefined) {
        this.local.delete(k)
        this.localBytes -= e.size
        this.counters.invalidations++
      }
    }
  }

  /** Everything local goes; `untracked`: the connection went away, so later reads are kept only once it tracks again. */
  _flushLocal(untracked) {
    if (!this.local) return
    if (untracked && this.onCluster) this.tracked = false
    this.epoch++
    this.counters.invalidations += this.local.size
    this.local.clear()
    this.localBytes = 0
  }

  _remember(k, raw) {
    const size = 2 * (k.length + raw.length) + 64
    const { maxEntries, maxBytes, ttl } = this.localLimits
    if (size > maxBytes) return
    const old = this.local.get(k)
    if (old !== undefined) {
      this.local.delete(k)
      this.localBytes -= old.size
    }
    this.local.set(k, { raw, size, expiresAt: Date.now() + ttl })
    this.localBytes += size
    for (const [oldest, e] of this.local) {
      if (this.local.size <= maxEntries && this.localBytes <= maxBytes) break
      this.local.delete(oldest)
      this.localBytes -= e.size
      this.counters.evictions++
    }
  }

  _forget(k) {
    if (!this.local) return
    const e = this.local.get(k)
    if (e !== undefined) {
      this.local.delete(k)
      this.localBytes -= e.size
    }
  }

  _conn() {
    return this.port.cmd()
  }

  _key(key) {
    if (typeof key !== 'string' || key.length === 0) throw typeError('cache keys must be non-empty strings')
    if (this.prefix === '' && key.startsWith('\u0000')) throw typeError('with an empty prefix, cache keys cannot start with NUL')
    return this.prefix + key
  }

  _setArgs(key, value, ttl) {
    if (value === undefined) throw typeError('cannot cache undefined (use del to remove a key)')
    const t = ttl === undefined ? this.ttl : ttl
    if (!Number.isInteger(t) || t < 0) throw rangeError('ttl must be a whole number of seconds (0: no expiry)')
    const raw = Buffer.isBuffer(value) ? value : toJson(value)
    return t > 0 ? ['SET', this._key(key), raw, 'EX', t] : ['SET', this._key(key), raw]
  }

  /** The cached value, or null on a miss. */
  get(key) {
    if (this.local !== null) {
      // Hot path: a local hit settles without touching the connection.
      const k = typeof key === 'string' && key.length > 0 ? this.prefix + key : this._key(key)
      const e = this.local.get(k)
      const now = Date.now()
      if (e !== undefined && e.expiresAt > now && now < this.trustedUntil) {
        this.counters.hits++
        try {
          if (this.localShared) return Promise.resolve(e.value === undefined ? (e.value = deepFreeze(fromJson(e.raw, k))) : e.value)
          return Promise.resolve(fromJson(e.raw, k))
        } catch (err) {
          return Promise.reject(err)
        }
      }
    }
    try {
      return this._getRemote(this._key(key))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  _getRemote(k) {
    if (this.local === null) {
      return this._conn().send(['GET', k], false, (raw) => (raw === null ? null : fromJson(raw, k)))
    }
    this._forget(k)
    this.counters.misses++
    const epoch = this.epoch
    const keep = this.tracked
    let r = this.reading.get(k)
    if (r === undefined) this.reading.set(k, (r = { n: 0, dirty: false }))
    r.n++
    let finished = false
    const done = () => {
      if (finished) return
      finished = true
      if (--r.n === 0 && this.reading.get(k) === r) this.reading.delete(k)
    }
    // Remember the reply while it is being delivered (synchronously, in the same drain as
    // any invalidation that follows it), never later in a continuation that an
    // invalidation could have overtaken.
    const p = this._conn().send(
      ['GET', k],
      false,
      (raw) => {
        const clean = !r.dirty
        done()
        if (raw === null) return null
        if (keep && clean && this.epoch === epoch && typeof raw === 'string') this._remember(k, raw)
        return fromJson(raw, k)
      },
      undefined,
      true
    )
    // A read that fails never reaches the transform.
    p.catch(done)
    return p
  }

  /** The cached bytes, or null. */
  getBuffer(key) {
    return this._conn().send(['GET', this._key(key)], true, null)
  }

  /** Stores `value` for `ttl` seconds (default: the cache's ttl; 0: no expiry). */
  async set(key, value, ttl) {
    const args = this._setArgs(key, value, ttl)
    this._forget(args[1])
    await this._conn().send(args, false, null)
  }

  async del(...keys) {
    const flat = keys.flat()
    for (const k of flat) this._forget(this._key(k))
    if (flat.length === 0) return 0
    return this._conn().send(['DEL', ...flat.map((k) => this._key(k))], false, null)
  }

  async mget(keys) {
    if (!Array.isArray(keys)) throw typeError('mget needs an array of keys')
    const raws = await this._conn().send(['MGET', ...keys.map((k) => this._key(k))], false, null)
    return raws.map((r, i) => (r === null ? null : fromJson(r, keys[i])))
  }

  /** Stores many entries (object, Map or [key, value] pairs) in one round trip. */
  async mset(entries, ttl) {
    if (entries === null || typeof entries !== 'object') throw typeError('mset needs an object, a Map or an array of [key, value] pairs')
    const list = entries instanceof Map ? [...entries] : Array.isArray(entries) ? entries : Object.entries(entries)
    const cmds = list.map(([k, v]) => this._setArgs(k, v, ttl))
    for (const c of cmds) this._forget(c[1])
    const conn = this._conn()
    await Promise.all(cmds.map((c) => conn.send(c, false, null)))
  }

  /** Removes every key matching `pattern` (under the prefix) by SCAN + UNLINK, never KEYS. */
  async invalidatePattern(pattern, { count = 1000 } = {}) {
    if (typeof pattern !== 'string' || pattern.length === 0) throw typeError('invalidatePattern needs a non-empty string pattern')
    // The prefix matches only itself (a `[` or `*` in it is no glob); the pattern is one.
    if (this.prefix === '') throw rangeError('invalidatePattern needs a cache with a non-empty prefix')
    const conn = this._conn()
    let removed = 0
    // Every primary of a Cluster is scanned; UNLINK of keys in several slots is split by node.
    for await (const keys of this.port.scan(globEscape(this.prefix) + pattern, count)) {
      removed += await conn.send(['UNLINK', ...keys], false, null)
    }
    return removed
  }

  /**
   * Cache-aside with single-flight: concurrent callers in this process share one loader
   * call; with `lock` (default on), callers in other processes wait for that one load
   * instead of running their own. Loader errors are never cached and reach every waiter
   * here. `undefined` is never cached; `null` only when `negativeTtl` is set.
   */
  async wrap(key, loader, options = {}) {
    if (typeof loader !== 'function') throw typeError('wrap needs a loader function')
    // Checked before the loader runs, not when its value is stored.
    if (options.ttl !== undefined && !(Number.isInteger(options.ttl) && options.ttl >= 0)) {
      throw rangeError(`wrap: ttl must be a whole number of seconds (0: no expiry), got ${options.ttl}`)
    }
    const hit = await this.get(key)
    if (hit !== null) return hit
    let p = this.inflight.get(key)
    if (!p) {
      p = this._load(key, loader, options).finally(() => this.inflight.delete(key))
      this.inflight.set(key, p)
    }
    return p
  }

  async _load(key, loader, options) {
    const ttl = options.ttl
    const useLock = options.lock !== false
    const conn = this._conn()
    const lockKey = this.lockPrefix + key
    const token = crypto.randomBytes(8).toString('hex')
    if (useLock) {
      const deadline = Date.now() + (options.waitMs ?? this.lockTtlMs)
      while ((await conn.send(['SET', lockKey, token, 'NX', 'PX', this.lockTtlMs], false, null)) === null) {
        // Another process is loading: wait for its value (or for its lock to go away).
        await sleep(20)
        const v = await this.get(key)
        if (v !== null) return v
        if (Date.now() > deadline) break
      }
    }
    try {
      if (useLock) {
        // Another process may have stored the value and released its lock between our
        // first miss and our lock: look once more before loading.
        const v = await this.get(key)
        if (v !== null) return v
      }
      const value = await loader()
      if (value === null && this.negativeTtl > 0) await this.set(key, null, this.negativeTtl)
      else if (value !== undefined && value !== null) await this.set(key, value, ttl)
      return value
    } finally {
      // The lock module's compare-and-delete: only our own load lock is removed.
      if (useLock) await runScript(conn, require('./lock').SCRIPTS.release, [1, lockKey, token], false, null).catch(() => {})
    }
  }
}

module.exports = { Cache }
