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

/** The base of the classes below (redis-errors' `RedisError`, which ioredis users know). */
class RedisError extends Error {
  get name() {
    return this.constructor.name
  }
}

/**
 * An error reply from the server (`WRONGTYPE ...`, `ERR ...`): ioredis' `ReplyError` and
 * node-redis' `ErrorReply`, with this package's `code` ('ERR_REDIS_REPLY') kept.
 */
class ReplyError extends RedisError {}

/**
 * A command that was written but lost its connection before the reply (it may or may not
 * have run, and is never re-sent): ioredis' `AbortError`, code 'ERR_REDIS_CONNECTION'.
 */
class AbortError extends RedisError {}

/** A command that waited through `maxRetriesPerRequest` failed reconnections (ioredis' class). */
class MaxRetriesPerRequestError extends AbortError {}

/**
 * Gives an error the core made for a command its ioredis class, by code (only errors pass
 * here, never replies). Connection errors other than "aborted in flight" stay plain.
 */
function classify(x) {
  const code = x.code
  if (code === 'ERR_REDIS_REPLY') Object.setPrototypeOf(x, ReplyError.prototype)
  else if (code === 'ERR_REDIS_MAX_RETRIES') Object.setPrototypeOf(x, MaxRetriesPerRequestError.prototype)
  else if (code === 'ERR_REDIS_CONNECTION' && !String(x.message).startsWith("Stream isn't writeable")) Object.setPrototypeOf(x, AbortError.prototype)
  return x
}

/** The error for a command on a connection that has ended (ioredis' message). */
function closedError() {
  return redisError('ERR_REDIS_CLOSED', 'Connection is closed.')
}

module.exports = { typeError, rangeError, redisError, closedError, classify, RedisError, ReplyError, AbortError, MaxRetriesPerRequestError }
