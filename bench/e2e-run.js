'use strict'
// End-to-end: the same app on both stacks under autocannon, medians of rounds:
//   node bench/e2e-run.js [--rounds 3] [--seconds 8] [--connections 50]
const { spawn, execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const os = require('os')
const autocannon = require('autocannon')
const { RedisServer, freePort, sleep } = require('../__test__/helpers')
const { opt, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const SECONDS = Number(opt('seconds', 8))
const CONNECTIONS = Number(opt('connections', 50))
const STACKS = ['hotpath', 'peers', 'peers-node-redis5']

async function round(stack, redisPort) {
  const port = await freePort()
  const app = spawn(process.execPath, [path.join(__dirname, 'e2e-app.js'), stack, String(redisPort), String(port)], { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((r) => app.stdout.once('data', r))
  const login = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' })
  const cookie = login.headers.get('set-cookie').split(';')[0]
  const check = await fetch(`http://127.0.0.1:${port}/api/profile`, { headers: { cookie } })
  if (check.status !== 200) throw new Error(`${stack}: /api/profile answered ${check.status}`)
  const r = await autocannon({ url: `http://127.0.0.1:${port}/api/profile`, connections: CONNECTIONS, duration: SECONDS, headers: { cookie } })
  app.kill()
  await new Promise((res) => app.once('exit', res))
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }
}

async function main() {
  const server = await RedisServer.start()
  const res = Object.fromEntries(STACKS.map((s) => [s, []]))
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const s of STACKS.slice(i % STACKS.length).concat(STACKS.slice(0, i % STACKS.length))) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const r = await round(s, server.port)
        process.stderr.write(`round ${i + 1} ${s}: ${Math.round(r.rps)} req/s p50 ${r.p50} ms p99 ${r.p99} ms non2xx ${r.non2xx}\n`)
        res[s].push(r)
        await sleep(300)
      }
    }
  } finally {
    await server.stop()
  }
  const m = (s, k) => median(res[s].map((x) => x[k]))
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  let md = `## End to end: the demo's hot route on both stacks\n\nProduced by \`node bench/e2e-run.js --rounds ${ROUNDS} --seconds ${SECONDS} --connections ${CONNECTIONS}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by autocannon, the Express app, the addon's tokio thread and redis-server. `
  md += `\`GET /api/profile\`: express-session with a Redis store (get + touch), a Redis rate limit, one cached object. `
  md += `(1) this package: \`RedisStore\`, \`rateLimit\` (fixed-window), \`cache.wrap\` with near-cache; (2) \`peers\`: connect-redis on node-redis 5 + express-rate-limit with rate-limit-redis on ioredis + the seeds' hand-written cache-aside on ioredis; (3) \`peers-node-redis5\`: the same on one node-redis 5 client. Medians of ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections.\n\n`
  md += `| stack | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n`
  md += `| redis-hotpath | ${fmt(m('hotpath', 'rps'))} | ${m('hotpath', 'p50')} | ${m('hotpath', 'p99')} |\n`
  md += `| peers: ioredis + connect-redis (node-redis 5) + express-rate-limit/rate-limit-redis | ${fmt(m('peers', 'rps'))} | ${m('peers', 'p50')} | ${m('peers', 'p99')} |\n`
  md += `| peers-node-redis5: the same on node-redis 5 alone | ${fmt(m('peers-node-redis5', 'rps'))} | ${m('peers-node-redis5', 'p50')} | ${m('peers-node-redis5', 'p99')} |\n`
  const best = m('peers', 'rps') >= m('peers-node-redis5', 'rps') ? 'peers' : 'peers-node-redis5'
  md += `\nRatio vs the faster peer stack (${best}): **${(m('hotpath', 'rps') / m(best, 'rps')).toFixed(2)}×** req/s (target ≥ 1.3×), p99 ${m('hotpath', 'p99')} ms vs ${m(best, 'p99')} ms (target: lower).\n`
  const findings = path.join(__dirname, 'FINDINGS-e2e.md')
  if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify(res)}\`\n`
  writeSection('e2e', md)
  process.stdout.write(md)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
