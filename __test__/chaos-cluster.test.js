'use strict'
// The chaos suite's short run on a Redis Cluster with replicas (issue #15): see
// __test__/fixtures/chaos.js. The long run: `npm run chaos`.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisCluster } = require('./helpers')
const { runChaos, clusterFaults } = require('./fixtures/chaos')
const { Cluster } = require('..')

test('chaos on Cluster: the mixed workload keeps its promises while primaries and replicas fail', async (t) => {
  const cluster = await RedisCluster.start(3, { replicas: 1, persist: true })
  t.after(() => cluster.stop())
  const make = () => new Cluster(cluster.startupNodes, { redisOptions: { retryStrategy: () => 50, commandTimeout: 2000 } })
  // The default, without waitReplicas (on a Cluster WAIT counts the fewest acknowledgements
  // over every primary): fences and acknowledged jobs are reported, not asserted, here.
  const report = await runChaos({ make, faults: clusterFaults(cluster), durable: false, nearCache: true, cluster: true, log: (m) => t.diagnostic(m) })
  t.diagnostic(JSON.stringify({ recoveries: report.recoveries, ops: report.ops, errors: report.errors, notes: report.notes.slice(0, 5), acked: report.acked, processed: report.processed }))
  if (report.findings.length) t.diagnostic(`findings: ${report.findings.length}; first: ${report.findings[0]}`)
  assert.deepEqual(report.violations, [])
  assert.ok(report.ops > 1000, `${report.ops} operations`)
})
