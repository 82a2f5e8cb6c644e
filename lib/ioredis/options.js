'use strict'
// ioredis' options: the constructor's argument forms, its defaults (one object), and the
// translation of its option names into the core's typed options.
const { serverOf } = require('../base')
const { typeError } = require('../errors')
const { DEFAULT_COMMAND_TIMEOUT_MS } = require('../constants')

/**
 * ioredis 6's defaults: what `redis.options` shows for options left out, and the one place
 * the face reads a default from.
 */
const DEFAULTS = {
  port: 6379,
  host: 'localhost',
  family: 0,
  connectTimeout: 10000,
  disconnectTimeout: 2000,
  keepAlive: 30000,
  noDelay: true,
  connectionName: null,
  disableClientInfo: false,
  role: 'master',
  db: 0,
  enableOfflineQueue: true,
  enableReadyCheck: true,
  autoResubscribe: true,
  autoResendUnfulfilledCommands: false,
  lazyConnect: false,
  keyPrefix: '',
  reconnectOnError: null,
  readOnly: false,
  stringNumbers: false,
  protocol: 3,
  replyMapping: 'legacy',
  maxRetriesPerRequest: 20,
  maxLoadingRetryTime: 10000,
  enableAutoPipelining: false,
  autoPipeliningIgnoredCommands: [],
  blockingTimeoutGrace: 100,
}

function pem(v) {
  if (v == null) return undefined
  if (Array.isArray(v)) return v.map(pem).join('\n')
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

/** ioredis' constructor forms: (port, host, options), (url, options), (options)... */
function parseArgs(args) {
  const o = {}
  let sawPort = false
  for (const a of args) {
    if (a === undefined || a === null) continue
    if (typeof a === 'number') {
      o.port = a
      sawPort = true
    } else if (typeof a === 'string') {
      if (a.includes('://')) o.url = a
      else if (a.startsWith('/')) o.path = a
      else if (/^\d+$/.test(a) && !sawPort) {
        o.port = Number(a)
        sawPort = true
      } else o.host = a
    } else if (typeof a === 'object') Object.assign(o, a)
    else throw typeError(`Invalid Redis constructor argument: ${typeof a}`)
  }
  return o
}

/**
 * ioredis' `retryStrategy`: the user's function runs in JavaScript; one given as null (or any
 * non-function) means no reconnection at all, as in ioredis; left out, the core's capped
 * exponential backoff with jitter applies (ioredis' default shape, without a JS round trip).
 */
function retryOf(o) {
  if (typeof o.retryStrategy === 'function') return o.retryStrategy
  return o.retryStrategy === undefined ? null : () => null
}

/** ioredis' `tls` / `sentinelTLS` (Node TLS options; `true`: the defaults) for the core. */
function tlsSettings(t) {
  if (t && typeof t === 'object') return { ca: pem(t.ca), cert: pem(t.cert), key: pem(t.key), rejectUnauthorized: t.rejectUnauthorized !== false }
  if (t === true) return {}
  return t === undefined || t === null || t === false ? undefined : t
}

function nativeOptions(o) {
  // As in ioredis, with sentinels `tls` is for the data servers only with
  // enableTLSForSentinelMode; `sentinelTLS` is for the sentinels.
  const tls = o.sentinels && !o.enableTLSForSentinelMode ? undefined : tlsSettings(o.tls)
  return {
    url: o.url,
    host: o.host,
    port: o.port,
    path: o.path,
    username: o.username,
    password: o.password,
    db: o.db,
    tls,
    connectTimeout: o.connectTimeout,
    commandTimeout: o.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
    keepAlive: o.keepAlive,
    connectionName: o.connectionName,
    maxRetriesPerRequest: o.maxRetriesPerRequest === undefined ? DEFAULTS.maxRetriesPerRequest : o.maxRetriesPerRequest,
    enableOfflineQueue: o.enableOfflineQueue,
    maxOfflineQueue: o.maxOfflineQueue,
    maxInFlight: o.maxInFlight,
    lazyConnect: false,
    clusterNodes: o._clusterNodes,
    readFromReplicas: o._readFromReplicas || undefined,
    // Sentinel: the server is whichever these name for `name` (ioredis' option names).
    // A sentinel named without a port is on Sentinel's own, 26379 (as in ioredis).
    sentinels: o.sentinels ? clusterNodes(o.sentinels, 26379) : undefined,
    sentinelName: o.sentinels ? o.name : undefined,
    sentinelRole: o.sentinels ? o.role : undefined,
    sentinelUsername: o.sentinelUsername,
    sentinelPassword: o.sentinelPassword,
    sentinelTls: o.sentinels ? tlsSettings(o.sentinelTLS) : undefined,
    protocol: o.protocol,
    clientInfoTag: o.clientInfoTag,
    disableClientInfo: o.disableClientInfo,
    // The handshake as ioredis writes it (src/core/handshake.rs), with its ready check.
    wire: 'ioredis',
    enableReadyCheck: o.enableReadyCheck,
    readOnly: o.readOnly,
    // The user's strategy (or ioredis' default shape) runs here in JavaScript; without one
    // the native capped exponential backoff with jitter applies.
    externalRetry: retryOf(o) !== null,
  }
}

/** The server a client's traces name: its unix socket path, or host and port. */
function traceTarget(o) {
  const t = serverOf(o)
  if (t.path) return { address: t.path, port: undefined }
  return { address: t.host || DEFAULTS.host, port: Number(t.port) || DEFAULTS.port }
}

/** Seed nodes as `[{ host, port }]`, from ports, 'host:port' / URL strings or objects (no port: `defaultPort`). */
function clusterNodes(list, defaultPort = 6379) {
  if (!Array.isArray(list) || list.length === 0) throw typeError('cluster: startup nodes must be a non-empty array')
  return list.map((n) => {
    let host = '127.0.0.1'
    let port = defaultPort
    if (typeof n === 'number' || (typeof n === 'string' && /^\d+$/.test(n))) port = Number(n)
    else if (typeof n === 'string') {
      const u = new URL(n.includes('://') ? n : `redis://${n}`)
      host = u.hostname || host
      port = u.port ? Number(u.port) : port
    } else if (n && typeof n === 'object') {
      if (n.url) return clusterNodes([n.url], defaultPort)[0]
      host = n.host ?? (n.socket && n.socket.host) ?? host
      port = Number(n.port ?? (n.socket && n.socket.port) ?? port)
    } else throw typeError('cluster: a node is a port, a "host:port" string or { host, port }')
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw typeError(`cluster: bad port in ${JSON.stringify(n)}`)
    return { host, port }
  })
}

module.exports = { DEFAULTS, parseArgs, retryOf, nativeOptions, traceTarget, clusterNodes }
