'use strict'
// The same queue tests on a real local 3-master Redis Cluster (both faces' cluster clients).
const test = require('node:test')
const { RedisCluster, cli } = require('./helpers')
const { Cluster, createCluster } = require('..')
const { queueSuite } = require('./fixtures/queue-suite')

queueSuite(test, async () => {
  const cluster = await RedisCluster.start(3)
  const nodes = cluster.startupNodes
  return {
    single: false,
    redis: new Cluster(nodes),
    nodeRedis: () => createCluster({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) }),
    target: 'cluster:' + nodes.map((n) => n.port).join(','),
    ports: nodes.map((n) => n.port),
    countKeys: (pattern) => nodes.reduce((sum, n) => sum + Number(cli(n.port, 'EVAL', "return #redis.call('KEYS', ARGV[1])", '0', pattern)), 0),
    stop: () => cluster.stop(),
  }
})
