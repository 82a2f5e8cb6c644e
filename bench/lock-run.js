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
        const show = (p) => `${Math.round(p.rate)}/s ${p.cmdUs.toFixed(2)} command µs`
        process.stderr.write(`round ${r + 1} ${c}: ${x ? `solo ${show(x.solo)}, own ${show(x.par)}, hot ${show(x.hot)}` : 'FAILED'}\n`)
        if (x) (res[c] ||= []).push(x)
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c, ph, k) => median(res[c].map((x) => x[ph][k]))
  const PHASES = [
    ['solo', 'one pair at a time, each on a new resource'],
    ['par', `${WORKERS} in flight, each worker on its own resource`],
    ['hot', `${WORKERS} workers on 10 hot resources (contended; retries count)`],
  ]
  let md = `## Locks\n\nProduced by \`node bench/lock-run.js --rounds ${ROUNDS} --pairs ${PAIRS} --workers ${WORKERS} --seconds ${SECONDS}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by Node, the addon's tokio thread and redis-server. One server; medians of ${ROUNDS} rounds, each contender in its own process, rotating order. `
  md += `Every contender retries every 5 ms (± 5 ms jitter) so retry pacing does not decide the contended result. `
  md += `Per completed acquire+release pair: **command µs** = the server's time in the commands the contender sent (\`INFO commandstats\`, reset before each phase: scripts whole, plus plain commands sent as such; what a shared Redis pays, and what a noisy machine barely moves); **server CPU µs** = the redis-server process' CPU time (\`INFO cpu\`: also parsing and each round trip's socket I/O); **calls** = commands the server ran (those called by scripts included); **client CPU µs** = the contender process' CPU.\n\n`
  md += `| contender | phase | pairs/s | command µs | server CPU µs | calls | client CPU µs |\n|---|---|---:|---:|---:|---:|---:|\n`
  for (const [ph, what] of PHASES) {
    for (const c of CONTENDERS) if (res[c]) md += `| ${c} | ${what} | ${fmt(m(c, ph, 'rate'))} | ${m(c, ph, 'cmdUs').toFixed(2)} | ${m(c, ph, 'serverCpuUs').toFixed(1)} | ${m(c, ph, 'calls').toFixed(2)} | ${m(c, ph, 'cpuUs').toFixed(1)} |\n`
  }
  const ratio = (a, b, ph, k) => (m(a, ph, k) / m(b, ph, k)).toFixed(2)
  if (res.hotpath && res['redis-semaphore']) {
    md += `\nhotpath ÷ redis-semaphore: command µs ${PHASES.map(([ph]) => `${ph} **${ratio('hotpath', 'redis-semaphore', ph, 'cmdUs')}×**`).join(', ')} (target ≤ 1); server CPU ${PHASES.map(([ph]) => `${ph} ${ratio('hotpath', 'redis-semaphore', ph, 'serverCpuUs')}×`).join(', ')}; pairs/s ${PHASES.map(([ph]) => `${ph} ${ratio('hotpath', 'redis-semaphore', ph, 'rate')}×`).join(', ')}.\n`
  }
  if (res.hotpath && res['redlock-ioredis']) {
    md += `hotpath ÷ redlock: pairs/s ${PHASES.map(([ph]) => `${ph} ${ratio('hotpath', 'redlock-ioredis', ph, 'rate')}×`).join(', ')}.\n`
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
