'use strict'
// Errors raised in JavaScript before anything is sent. Every error carries a stable `code`.

function typeError(message) {
  const e = new TypeError(message)
  e.code = 'ERR_INVALID_ARG'
  return e
}

function rangeError(message) {
  const e = new RangeError(message)
  e.code = 'ERR_INVALID_ARG'
  return e
}

function redisError(code, message, extra) {
  const e = new Error(message)
  e.code = code
  if (extra) Object.assign(e, extra)
  return e
}

/**
 * An error reply from the server (`WRONGTYPE ...`, `ERR ...`): ioredis' `ReplyError` and
 * node-redis' `ErrorReply`, with this package's `code` ('ERR_REDIS_REPLY') kept.
 */
class ReplyError extends Error {
  get name() {
    return 'ReplyError'
  }
}

/** The error for a command on a connection that has ended. */
function closedError() {
  return redisError('ERR_REDIS_CLOSED', 'Connection is closed')
}

module.exports = { typeError, rangeError, redisError, closedError, ReplyError }
