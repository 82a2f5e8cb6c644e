'use strict'
// Lock benchmarks side by side against one fresh redis-server, medians of rounds:
//   node bench/lock-run.js [--rounds 3] [--pairs 5000] [--workers 64] [--seconds 5]
const { execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const os = require('os')
const { RedisServer } = require('../__test__/helpers')
const { opt, runJson, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const PAIRS = Number(opt('pairs', 5000))
const WORKERS = Number(opt('workers', 64))
const SECONDS = Number(opt('seconds', 5))
const CONTENDERS = ['hotpath', 'redlock-ioredis', 'redis-semaphore']

async function main() {
  const server = await RedisServer.start()
  const res = {}
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = CONTENDERS.slice(r % CONTENDERS.length).concat(CONTENDERS.slice(0, r % CONTENDERS.length))
      for (const c of order) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const x = await runJson('lock-worker.js', [c, server.port, PAIRS, WORKERS, SECONDS])
        process.stderr.write(`round ${r + 1} ${c}: ${x ? `solo ${Math.round(x.solo)}/s hot ${Math.round(x.hot)}/s` : 'FAILED'}\n`)
        if (x) (res[c] ||= []).push(x)
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c, k) => median(res[c].map((x) => x[k]))
  let md = `## Locks\n\nProduced by \`node bench/lock-run.js --rounds ${ROUNDS} --pairs ${PAIRS} --workers ${WORKERS} --seconds ${SECONDS}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by Node, the addon's tokio thread and redis-server. One server; medians of ${ROUNDS} rounds, each contender in its own process, rotating order. `
  md += `Every contender retries every 5 ms (± 5 ms jitter) so retry pacing does not decide the contended result.\n\n`
  md += `| contender | uncontended acquire+release pairs/s | contended pairs/s (10 hot resources, ${WORKERS} workers) |\n|---|---:|---:|\n`
  for (const c of CONTENDERS) if (res[c]) md += `| ${c} | ${fmt(m(c, 'solo'))} | ${fmt(m(c, 'hot'))} |\n`
  if (res.hotpath && res['redlock-ioredis']) {
    md += `\nRatios vs redlock: uncontended **${(m('hotpath', 'solo') / m('redlock-ioredis', 'solo')).toFixed(2)}×**, contended **${(m('hotpath', 'hot') / m('redlock-ioredis', 'hot')).toFixed(2)}×** (target ≥ 2×).\n`
  }
  const findings = path.join(__dirname, 'FINDINGS-lock.md')
  if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify(res)}\`\n`
  writeSection('locks', md)
  process.stdout.write(md)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
