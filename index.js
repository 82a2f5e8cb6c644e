'use strict'
const { Redis, Pipeline, Cluster } = require('./lib/ioredis')
const { createClient, createCluster, createSentinel, createClientPool, defineScript, RESP_TYPES, RedisClient } = require('./lib/node-redis')
const { RateLimiter, RateLimitStore, rateLimit } = require('./lib/rate-limit')
const { Lock, Redlock } = require('./lib/lock')
const { Queue, Worker, Job, QueueEvents, UnrecoverableError } = require('./lib/queue')
const { ReplyError, AbortError, MaxRetriesPerRequestError, ErrorReply, NodeRedisSimpleError, MultiErrorReply, WatchError, ClientClosedError } = require('./lib/errors')

module.exports = { Redis, Pipeline, Cluster, createClient, createCluster, createSentinel, createClientPool, defineScript, RESP_TYPES, RedisClient, RateLimiter, RateLimitStore, rateLimit, Lock, Redlock, Queue, Worker, Job, QueueEvents, UnrecoverableError, ReplyError, AbortError, MaxRetriesPerRequestError, ErrorReply, SimpleError: NodeRedisSimpleError, MultiErrorReply, WatchError, ClientClosedError, default: Redis }
// (`SimpleError`, `ErrorReply`, `MultiErrorReply`, `WatchError`, `ClientClosedError`: node-redis' classes.)
// ioredis users also reach the error classes through the constructor (`Redis.ReplyError`).
Object.assign(Redis, { ReplyError, AbortError, MaxRetriesPerRequestError })
// TypeScript's `import Redis from 'redis-hotpath'` compiled to CommonJS (esModuleInterop)
// takes `default` only from a module marked as transpiled ESM, as ioredis' is.
Object.defineProperty(module.exports, '__esModule', { value: true })
// Loaded on first use, so express-session (an optional peer) is only needed by those who use it.
Object.defineProperty(module.exports, 'RedisStore', { enumerable: true, get: () => require('./lib/session').RedisStore })
