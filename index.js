'use strict'
const { Redis, Pipeline } = require('./lib/ioredis')
const { createClient, RedisClient } = require('./lib/node-redis')

module.exports = { Redis, Pipeline, createClient, RedisClient, default: Redis }
