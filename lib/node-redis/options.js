'use strict'
// node-redis' options: its defaults (one object), `socket.reconnectStrategy`, TLS, Sentinel,
// and the translation of its option names into the core's typed options.
const { typeError } = require('../errors')
const { DEFAULT_COMMAND_TIMEOUT_MS } = require('../constants')

/** The defaults this face applies where node-redis' options leave a value out. */
const DEFAULTS = {
  commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
  // Sentinel's own port, for a sentinel root node named without one.
  sentinelPort: 26379,
}

function retryFor(strategy) {
  if (strategy === undefined) return null
  if (strategy === false) return () => null
  if (typeof strategy === 'number') return () => strategy
  if (typeof strategy === 'function') {
    return (attempt) => {
      const r = strategy(attempt - 1, undefined)
      return r === false ? null : r
    }
  }
  throw typeError('socket.reconnectStrategy must be a function, a number or false')
}

/** node-redis' `socket: { tls: true, ca, cert, key, rejectUnauthorized }` for the core. */
function socketTls(s) {
  return s.tls ? { ca: s.ca && String(s.ca), cert: s.cert && String(s.cert), key: s.key && String(s.key), rejectUnauthorized: s.rejectUnauthorized !== false } : undefined
}

/** The core's Sentinel options from createSentinel's (see below). */
function sentinelOptions(s) {
  if (!s) return {}
  return { sentinels: s.nodes, sentinelName: s.name, sentinelRole: s.role, sentinelUsername: s.username, sentinelPassword: s.password, sentinelTls: s.tls }
}

/** The core's options for node-redis' `options`; `externalRetry`: a reconnectStrategy runs in JavaScript. */
function nativeOptions(options, externalRetry) {
  const s = options.socket || {}
  return {
    url: options.url,
    host: s.host,
    port: s.port,
    path: s.path,
    username: options.username,
    password: options.password,
    db: options.database,
    tls: socketTls(s),
    connectTimeout: s.connectTimeout,
    commandTimeout: options.commandTimeout ?? DEFAULTS.commandTimeout,
    keepAlive: s.keepAlive,
    connectionName: options.name,
    maxRetriesPerRequest: null,
    enableOfflineQueue: options.disableOfflineQueue ? false : undefined,
    maxOfflineQueue: options.commandsQueueMaxLength,
    maxInFlight: options.maxInFlight,
    lazyConnect: false,
    clusterNodes: options._clusterNodes,
    readFromReplicas: options._readFromReplicas || undefined,
    ...sentinelOptions(options._sentinel),
    externalRetry,
    // node-redis' RESP option (2 by default there; 3 here, which the server's HELLO
    // decides: the typed commands' replies are the same either way).
    protocol: options.RESP,
    clientInfoTag: options.clientInfoTag,
    disableClientInfo: options.disableClientInfo,
    readOnly: options.readonly,
  }
}

module.exports = { DEFAULTS, retryFor, socketTls, nativeOptions }
