'use strict'
const { Redis, Pipeline } = require('./lib/ioredis')
const { createClient, RedisClient } = require('./lib/node-redis')
const { RateLimiter, RateLimitStore, rateLimit } = require('./lib/rate-limit')

module.exports = { Redis, Pipeline, createClient, RedisClient, RateLimiter, RateLimitStore, rateLimit, default: Redis }
