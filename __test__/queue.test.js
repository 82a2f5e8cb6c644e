'use strict'
// Job queues (BullMQ-shaped Queue / Worker / Job / QueueEvents) against one real
// redis-server: the shared suite in fixtures/queue-suite.js.
const test = require('node:test')
const { RedisServer, cli } = require('./helpers')
const { Redis, createClient } = require('..')
const { queueSuite } = require('./fixtures/queue-suite')

queueSuite(test, async () => {
  const server = await RedisServer.start()
  return {
    single: true,
    redis: new Redis({ port: server.port }),
    nodeRedis: () => createClient({ url: server.url }),
    target: String(server.port),
    ports: [server.port],
    countKeys: (pattern) => Number(cli(server.port, 'EVAL', "return #redis.call('KEYS', ARGV[1])", '0', pattern)),
    stop: () => server.stop(),
  }
})
