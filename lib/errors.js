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

/** ioredis 6's class for a simple-string error reply: a ReplyError still named 'ReplyError'. */
class SimpleError extends ReplyError {
  get name() {
    return 'ReplyError'
  }
}

// node-redis 5's error classes: plain Errors (their name is 'Error'), as node-redis has them.
/** An error reply from the server (node-redis' `ErrorReply`; a simple error is a `SimpleError`). */
class ErrorReply extends Error {}
// (Its class name is node-redis' own: `err.constructor.name` reads 'SimpleError'.)
const NodeRedisSimpleError = class SimpleError extends ErrorReply {}
/** Some commands of a transaction / pipeline failed: `replies` and `errorIndexes` say which. */
class MultiErrorReply extends ErrorReply {
  constructor(replies, errorIndexes) {
    super(`${errorIndexes.length} commands failed, see .replies and .errorIndexes for more information`)
    this.replies = replies
    this.errorIndexes = errorIndexes
    this.code = 'ERR_REDIS_REPLY'
  }

  *errors() {
    for (const i of this.errorIndexes) yield this.replies[i]
  }
}
/** A WATCHed key changed: EXEC ran nothing. */
class WatchError extends Error {
  constructor(message = 'One (or more) of the watched keys has been changed') {
    super(message)
    this.code = 'ERR_REDIS_WATCH'
  }
}
/** A command on a client that is not open. */
class ClientClosedError extends Error {
  constructor() {
    super('The client is closed')
    this.code = 'ERR_REDIS_CLOSED'
  }
}

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
 * `replyProto`: the prototype an error reply gets (ioredis' SimpleError unless a face says).
 */
function classify(x, replyProto) {
  const code = x.code
  if (code === 'ERR_REDIS_REPLY') Object.setPrototypeOf(x, replyProto || SimpleError.prototype)
  else if (code === 'ERR_REDIS_MAX_RETRIES') Object.setPrototypeOf(x, MaxRetriesPerRequestError.prototype)
  else if (code === 'ERR_REDIS_CONNECTION' && !String(x.message).startsWith("Stream isn't writeable")) Object.setPrototypeOf(x, AbortError.prototype)
  return x
}

/** The error for a command on a connection that has ended (ioredis' message). */
function closedError() {
  return redisError('ERR_REDIS_CLOSED', 'Connection is closed.')
}

module.exports = {
  typeError,
  rangeError,
  redisError,
  closedError,
  classify,
  RedisError,
  ReplyError,
  SimpleError,
  AbortError,
  MaxRetriesPerRequestError,
  ErrorReply,
  NodeRedisSimpleError,
  MultiErrorReply,
  WatchError,
  ClientClosedError,
}
