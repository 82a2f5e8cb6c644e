'use strict'
// Cache and session benchmarks side by side, medians of rounds:
//   node bench/cache-run.js [--rounds 3] [--ops 200000] [--pairs 50000] [--inflight 256]
const { execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const os = require('os')
const { RedisServer } = require('../__test__/helpers')
const { opt, runJson, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const OPS = Number(opt('ops', 200000))
const PAIRS = Number(opt('pairs', 50000))
const INFLIGHT = Number(opt('inflight', 256))
const CACHE = ['hotpath-near-cache-shared', 'hotpath-near-cache', 'hotpath-cache', 'ioredis-get-json']
const SESSIONS = ['hotpath-RedisStore', 'connect-redis-node-redis5', 'connect-redis-node-redis6-notimeout']

async function main() {
  const server = await RedisServer.start()
  const res = {}
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const group of [CACHE, SESSIONS]) {
        const order = group.slice(r % group.length).concat(group.slice(0, r % group.length))
        for (const c of order) {
          execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
          const x = await runJson('cache-worker.js', [c, server.port, group === CACHE ? OPS : PAIRS, INFLIGHT])
          process.stderr.write(`round ${r + 1} ${c}: ${x ? Math.round(x.opsPerSec) + '/s' : 'FAILED'}\n`)
          if (x) (res[c] ||= []).push(x.opsPerSec)
        }
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c) => median(res[c] || [NaN])
  let md = `## Cache and sessions\n\nProduced by \`node bench/cache-run.js --rounds ${ROUNDS} --ops ${OPS} --pairs ${PAIRS} --inflight ${INFLIGHT}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by Node, the addon's tokio thread and redis-server. Medians of ${ROUNDS} rounds, each contender in its own process, ${INFLIGHT} operations in flight.\n\n`
  md += `\`cache.get\` at a 100 % hit rate on 1,000 hot keys (a 100-byte JSON object):\n\n| contender | gets/s |\n|---|---:|\n`
  for (const c of CACHE) md += `| ${c} | ${fmt(m(c))} |\n`
  md += `\nRatios vs ioredis \`get\` + \`JSON.parse\`: near-cache with \`shared: true\` **${(m('hotpath-near-cache-shared') / m('ioredis-get-json')).toFixed(1)}×**, near-cache parsing every hit **${(m('hotpath-near-cache') / m('ioredis-get-json')).toFixed(1)}×** (target ≥ 20×), without near-cache **${(m('hotpath-cache') / m('ioredis-get-json')).toFixed(2)}×** (target ≥ 1.5×).\n\n`
  md += `Session \`get\` + \`set\` pairs (same code on both stores, 1,000 sessions):\n\n| store | pairs/s |\n|---|---:|\n`
  for (const c of SESSIONS) md += `| ${c} | ${fmt(m(c))} |\n`
  const peer = Math.max(m('connect-redis-node-redis5'), m('connect-redis-node-redis6-notimeout'))
  md += `\nRatio vs connect-redis on its faster client: **${(m('hotpath-RedisStore') / peer).toFixed(2)}×** (target ≥ 1.5×).\n`
  const findings = path.join(__dirname, 'FINDINGS-cache.md')
  if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify(res)}\`\n`
  writeSection('cache', md)
  process.stdout.write(md)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
