'use strict'
const { Redis, Pipeline } = require('./lib/ioredis')
const { createClient, RedisClient } = require('./lib/node-redis')
const { RateLimiter, RateLimitStore, rateLimit } = require('./lib/rate-limit')
const { Lock, Redlock } = require('./lib/lock')

module.exports = { Redis, Pipeline, createClient, RedisClient, RateLimiter, RateLimitStore, rateLimit, Lock, Redlock, default: Redis }
