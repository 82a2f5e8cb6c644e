'use strict'
// The chaos suite's short run on Sentinel (issue #15): see __test__/fixtures/chaos.js.
// The long run: `npm run chaos`.
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisSentinelSet } = require('./helpers')
const { runChaos, sentinelFaults } = require('./fixtures/chaos')
const { Redis } = require('..')

test('chaos on Sentinel: the mixed workload keeps its promises while primaries, replicas and sentinels fail', async (t) => {
  const set = await RedisSentinelSet.start({ replicas: 1, sentinels: 2, persist: true })
  t.after(() => set.stop())
  const make = () => new Redis({ sentinels: set.sentinelNodes, name: set.name, retryStrategy: () => 50, commandTimeout: 2000 })
  t.diagnostic(`servers: primary ${set.primary.port}, replica ${set.replicas[0].port}`)
  const report = await runChaos({ make, faults: sentinelFaults(set), durable: true, nearCache: true, log: (m) => t.diagnostic(m) })
  t.diagnostic(JSON.stringify({ recoveries: report.recoveries, ops: report.ops, errors: report.errors, notes: report.notes, acked: report.acked, processed: report.processed }))
  if (report.findings.length) t.diagnostic(`findings: ${report.findings.length}; first: ${report.findings[0]}`)
  assert.deepEqual(report.violations, [])
  assert.ok(report.ops > 1000, `${report.ops} operations`)
})
