'use strict'
// Rate limiting on the client faces: `client.rateLimiter(options)`, the `rateLimit()`
// Express middleware, and `RateLimitStore` for express-rate-limit. Every decision is one
// EVALSHA of a script owned (and tested) by the Rust crate, sent through the batched
// connection, so a decision costs one round trip shared with the rest of the tick.
const crypto = require('crypto')
const net = require('net')
const native = require('./native')
const { runScript } = require('./script')
const { typeError, rangeError } = require('./errors')
const { globEscape } = require('./args')
const { portOf } = require('./base')

const SCRIPTS = native.rateLimitScripts()
const ALGORITHMS = native.rateLimitAlgorithms()
const FAILURE_POLICIES = ['fail-open', 'fail-closed', 'memory']
// Errors that mean "Redis could not answer", as opposed to a bad script or argument.
const UNAVAILABLE = new Set(['ERR_REDIS_CONNECTION', 'ERR_REDIS_TIMEOUT', 'ERR_REDIS_OFFLINE_QUEUE_FULL', 'ERR_REDIS_MAX_RETRIES', 'ERR_REDIS_CLOSED'])

const memberTag = crypto.randomBytes(6).toString('hex')
let memberSeq = 0

// Limits, windows and costs stay exact in Lua's doubles and Rust's i64.
const MAX_COUNT = 2 ** 48

function positiveInt(v, name) {
  if (typeof v !== 'number') throw typeError(`${name} must be a positive integer, got ${describe(v)}`)
  if (!Number.isInteger(v) || v <= 0 || v > MAX_COUNT) throw rangeError(`${name} must be an integer from 1 to ${MAX_COUNT}, got ${v}`)
  return v
}

/** A value as an error message may show it (a Symbol cannot be put in a template). */
function describe(v) {
  return typeof v === 'symbol' || typeof v === 'bigint' ? typeof v : String(v)
}

/** An in-process fixed-window limiter: the 'memory' failure policy's stand-in for Redis. */
class MemoryLimiter {
  constructor(limit, windowMs) {
    this.limit = limit
    this.windowMs = windowMs
    this.hits = new Map()
  }

  take(key, cost, now) {
    let e = this.hits.get(key)
    if (!e || e.resetAt <= now) {
      if (this.hits.size > 10000) for (const [k, v] of this.hits) if (v.resetAt <= now) this.hits.delete(k)
      e = { count: 0, resetAt: now + this.windowMs }
      this.hits.set(key, e)
    }
    const allowed = e.count + cost <= this.limit
    if (allowed) e.count += cost
    return { allowed, remaining: Math.max(0, this.limit - e.count), resetAt: e.resetAt, retryAfterMs: allowed ? 0 : e.resetAt - now }
  }
}

/** `client.rateLimiter({ limit, windowMs, algorithm, ... })`. */
class RateLimiter {
  constructor(client, options = {}) {
    if (!options || typeof options !== 'object') throw typeError('rateLimiter options must be an object')
    this.client = client
    Object.defineProperty(this, 'port', { value: portOf(client) })
    this.limitPerWindow = positiveInt(options.limit, 'limit')
    this.windowMs = positiveInt(options.windowMs, 'windowMs')
    this.algorithm = options.algorithm ?? 'sliding-window'
    if (!ALGORITHMS.includes(this.algorithm)) throw rangeError(`algorithm must be one of ${ALGORITHMS.join(', ')}`)
    this.burst = options.burst === undefined ? this.limitPerWindow : positiveInt(options.burst, 'burst')
    // Not RateLimitStore's `rl:` (rate-limit-redis' default), so its resetAll() leaves these.
    this.prefix = options.prefix ?? 'rlim:'
    if (typeof this.prefix !== 'string') throw typeError('prefix must be a string')
    this.onRedisError = options.onRedisError ?? 'fail-open'
    if (!FAILURE_POLICIES.includes(this.onRedisError)) throw rangeError(`onRedisError must be one of ${FAILURE_POLICIES.join(', ')}`)
    this.memory = this.onRedisError === 'memory' ? new MemoryLimiter(this.limitPerWindow, this.windowMs) : null
    // Keys known to be over their limit, until when: no Redis traffic for them meanwhile.
    this.blocked = options.blockOnExceeded ? new Map() : null
    this.lua = SCRIPTS[this.algorithm]
    // The key layout (`prefix{id}:tag`) is defined once, by `rate_limit::key_parts` in Rust.
    const [before, after, companion] = native.rateLimitKeyParts(this.prefix, this.algorithm)
    this.keyBefore = before
    this.keyAfter = after
    this.companionSuffix = companion
  }

  _key(id) {
    if (typeof id !== 'string' || id.length === 0) throw typeError('rate-limit key must be a non-empty string')
    // Hash-tagged: one slot per key, ready for Redis Cluster.
    return this.keyBefore + id + this.keyAfter
  }

  /** Decides one request: `{ allowed, remaining, limit, resetAt, retryAfterMs }`. */
  async limit(id, options) {
    const cost = options && options.cost !== undefined ? options.cost : 1
    if (!Number.isInteger(cost) || cost < 0) throw rangeError(`cost must be a non-negative integer, got ${cost}`)
    const key = this._key(id)
    if (this.blocked !== null && cost > 0) {
      const until = this.blocked.get(key)
      if (until !== undefined) {
        const now = Date.now()
        if (until > now) return this._result(false, 0, until, until - now)
        this.blocked.delete(key)
      }
    }
    const args = [1, key, this.limitPerWindow, this.windowMs, cost]
    if (this.algorithm === 'sliding-window') args.push(`${memberTag}:${memberSeq++}`)
    else if (this.algorithm === 'token-bucket') args.push(this.burst)
    let r
    try {
      r = await runScript(this.port.cmd(), this.lua, args, false, null)
    } catch (err) {
      if (!UNAVAILABLE.has(err && err.code)) throw err
      return this._unavailable(key, cost, err)
    }
    const [allowed, remaining, resetAtMs, retryAfterMs, nowMs] = r
    // Report times on this process' clock: the server's decided, its offset is removed.
    const skew = Date.now() - nowMs
    const result = this._result(allowed === 1, remaining, resetAtMs + skew, retryAfterMs)
    if (this.blocked !== null && !result.allowed && retryAfterMs > 0) {
      if (this.blocked.size > 10000) this.blocked.clear()
      this.blocked.set(key, Date.now() + retryAfterMs)
    }
    return result
  }

  /** The state for `id` without consuming anything. */
  peek(id) {
    return this.limit(id, { cost: 0 })
  }

  /** Forgets `id`'s history. */
  async reset(id) {
    const key = this._key(id)
    if (this.blocked !== null) this.blocked.delete(key)
    await this.port.cmd().send(['DEL', key, key + this.companionSuffix], false, null)
  }

  _result(allowed, remaining, resetAtMs, retryAfterMs) {
    return { allowed, remaining, limit: this.limitPerWindow, resetAt: new Date(resetAtMs), retryAfterMs: retryAfterMs < 0 ? Infinity : retryAfterMs }
  }

  _unavailable(key, cost, err) {
    const now = Date.now()
    if (this.onRedisError === 'fail-closed') return { ...this._result(false, 0, now + this.windowMs, this.windowMs), error: err }
    if (this.onRedisError === 'memory') {
      const m = this.memory.take(key, cost, now)
      return { ...this._result(m.allowed, m.remaining, m.resetAt, m.retryAfterMs), error: err }
    }
    return { ...this._result(true, this.limitPerWindow, now + this.windowMs, 0), error: err }
  }
}

// --- Express middleware -------------------------------------------------------------

/** The client's address, with IPv6 addresses reduced to their /`subnet` network. */
function ipKey(ip, subnet) {
  if (typeof ip !== 'string' || ip.length === 0) return 'unknown'
  if (ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7))) return ip.slice(7)
  if (!subnet || !net.isIPv6(ip)) return ip
  const [head, tail = ''] = ip.split('::')
  const a = head ? head.split(':') : []
  const b = tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...a, ...Array(8 - a.length - b.length).fill('0'), ...b] : a
  const bits = groups.map((g) => parseInt(g, 16) || 0)
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, subnet - i * 16))
    bits[i] = keep === 0 ? 0 : bits[i] & ((0xffff << (16 - keep)) & 0xffff)
  }
  return `${bits.map((x) => x.toString(16)).join(':')}/${subnet}`
}

function partitionKey(key) {
  return Buffer.from(crypto.createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64')
}

function setHeaders(res, d, windowMs, standard, legacy, key) {
  if (res.headersSent) return
  const resetSeconds = Math.max(0, Math.ceil((d.resetAt.getTime() - Date.now()) / 1000))
  const windowSeconds = Math.ceil(windowMs / 1000)
  if (legacy) {
    res.setHeader('X-RateLimit-Limit', String(d.limit))
    res.setHeader('X-RateLimit-Remaining', String(d.remaining))
    res.setHeader('Date', new Date().toUTCString())
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(d.resetAt.getTime() / 1000)))
  }
  if (standard === 'draft-6') {
    res.setHeader('RateLimit-Policy', `${d.limit};w=${windowSeconds}`)
    res.setHeader('RateLimit-Limit', String(d.limit))
    res.setHeader('RateLimit-Remaining', String(d.remaining))
    if (resetSeconds) res.setHeader('RateLimit-Reset', String(resetSeconds))
  } else if (standard === 'draft-7') {
    res.setHeader('RateLimit-Policy', `${d.limit};w=${windowSeconds}`)
    res.setHeader('RateLimit', `limit=${d.limit}, remaining=${d.remaining}, reset=${resetSeconds}`)
  } else if (standard === 'draft-8') {
    const name = `${d.limit}-in-${windowSeconds}sec`
    res.append('RateLimit-Policy', `"${name}"; q=${d.limit}; w=${windowSeconds}; pk=:${partitionKey(key)}:`)
    res.append('RateLimit', `"${name}"; r=${d.remaining}; t=${resetSeconds}`)
  }
}

/**
 * Express middleware: one round trip per request, express-rate-limit's headers, a 429 JSON
 * body with `Retry-After` when limited.
 */
function rateLimit(options = {}) {
  const client = options.client
  if (portOf(client) === null) throw typeError('rateLimit needs { client } (a redis-hotpath client)')
  const windowMs = options.windowMs ?? 60_000
  const limiter = new RateLimiter(client, {
    limit: options.limit ?? options.max ?? 100,
    windowMs,
    algorithm: options.algorithm ?? 'sliding-window',
    prefix: options.prefix ?? 'rlim:',
    burst: options.burst,
    onRedisError: options.onRedisError,
    blockOnExceeded: options.blockOnExceeded,
  })
  let standard = options.standardHeaders ?? 'draft-7'
  if (standard === true) standard = 'draft-6'
  if (standard !== false && !['draft-6', 'draft-7', 'draft-8'].includes(standard)) throw rangeError("standardHeaders must be false, true, 'draft-6', 'draft-7' or 'draft-8'")
  const legacy = options.legacyHeaders ?? true
  const statusCode = options.statusCode ?? 429
  const subnet = options.ipv6Subnet === false ? 0 : options.ipv6Subnet ?? 56
  const keyGenerator = options.keyGenerator ?? ((req) => ipKey(req.ip, subnet))
  const requestPropertyName = options.requestPropertyName ?? 'rateLimit'

  return async function rateLimitMiddleware(req, res, next) {
    try {
      if (options.skip && (await options.skip(req, res))) return next()
      const key = String(await keyGenerator(req, res))
      const d = await limiter.limit(key)
      req[requestPropertyName] = { limit: d.limit, used: d.limit - d.remaining, remaining: d.remaining, resetTime: d.resetAt, key }
      setHeaders(res, d, windowMs, standard, legacy, key)
      if (d.allowed) return next()
      const retryAfter = Number.isFinite(d.retryAfterMs) ? Math.max(1, Math.ceil(d.retryAfterMs / 1000)) : Math.ceil(windowMs / 1000)
      if (!res.headersSent) res.setHeader('Retry-After', String(retryAfter))
      if (options.handler) return options.handler(req, res, next, { ...options, statusCode, retryAfter })
      let message = options.message ?? { error: 'Too many requests, please try again later.', retryAfter }
      if (typeof message === 'function') message = await message(req, res)
      res.status(statusCode)
      if (typeof message === 'object') res.json(message)
      else res.send(message)
    } catch (err) {
      next(err)
    }
  }
}

// --- express-rate-limit Store (rate-limit-redis replacement) -----------------------------

/** A Store for express-rate-limit v7/v8 with rate-limit-redis' fixed-window semantics. */
class RateLimitStore {
  constructor(options = {}) {
    if (portOf(options.client) === null) throw typeError('RateLimitStore needs { client } (a redis-hotpath client)')
    this.client = options.client
    Object.defineProperty(this, 'port', { value: portOf(options.client) })
    this.prefix = options.prefix ?? 'rl:'
    this.resetExpiryOnChange = options.resetExpiryOnChange ?? false
    this.localKeys = false
    this.windowMs = 60_000
  }

  init(options) {
    this.windowMs = positiveInt(options && options.windowMs, 'windowMs')
  }

  async get(key) {
    const conn = this.port.cmd()
    const k = this.prefix + key
    const [hits, ttl] = await Promise.all([conn.send(['GET', k], false, null), conn.send(['PTTL', k], false, null)])
    return { totalHits: Number(hits) || 0, resetTime: new Date(Date.now() + ttl) }
  }

  /**
   * rate-limit-redis' fixed window in plain commands, one round trip, no script: `SET NX PX`
   * opens a window with its expiry (so no counter is ever without one), `INCR` counts into
   * it and keeps the expiry, `PTTL` tells when it ends. A script doing the same costs the
   * server about four times as long (measured: 2.0 µs against 0.47 per decision).
   */
  async increment(key) {
    const conn = this.port.cmd()
    const k = this.prefix + key
    const w = this.windowMs
    if (this.resetExpiryOnChange) {
      const [hits] = await Promise.all([conn.send(['INCR', k], false, null), conn.send(['PEXPIRE', k, w], false, null)])
      return { totalHits: hits, resetTime: new Date(Date.now() + w) }
    }
    const [, hits, ttl] = await Promise.all([conn.send(['SET', k, '0', 'PX', w, 'NX'], false, null), conn.send(['INCR', k], false, null), conn.send(['PTTL', k], false, null)])
    if (ttl >= 0) return { totalHits: hits, resetTime: new Date(Date.now() + ttl) }
    // The window ended between SET and INCR, so INCR opened one without an expiry: give it one.
    if (ttl === -1) await conn.send(['PEXPIRE', k, w, 'NX'], false, null)
    return { totalHits: hits, resetTime: new Date(Date.now() + w) }
  }

  async decrement(key) {
    await this.port.cmd().send(['DECR', this.prefix + key], false, null)
  }

  async resetKey(key) {
    await this.port.cmd().send(['DEL', this.prefix + key], false, null)
  }

  async resetAll() {
    if (this.prefix === '') throw rangeError('RateLimitStore.resetAll() needs a non-empty prefix')
    const conn = this.port.cmd()
    for await (const keys of this.port.scan(`${globEscape(this.prefix)}*`, 1000)) {
      await conn.send(['UNLINK', ...keys], false, null)
    }
  }
}

module.exports = { RateLimiter, RateLimitStore, rateLimit, ipKey }
