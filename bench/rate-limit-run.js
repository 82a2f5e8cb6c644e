'use strict'
// Rate-limit benchmarks, side by side against one fresh redis-server, medians of rounds:
//   node bench/rate-limit-run.js [--rounds 3] [--decisions 100000] [--inflight 256] [--keys 1000] [--seconds 5]
const { spawn, execFileSync } = require('child_process')
const path = require('path')
const os = require('os')
const autocannon = require('autocannon')
const { RedisServer, freePort, sleep } = require('../__test__/helpers')
const { opt, runJson, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const N = Number(opt('decisions', 100000))
const INFLIGHT = Number(opt('inflight', 256))
const KEYS = Number(opt('keys', 1000))
const SECONDS = Number(opt('seconds', 5))
const CONTENDERS = ['hotpath-sliding-window', 'hotpath-sliding-window-counter', 'hotpath-fixed-window', 'hotpath-token-bucket', 'hotpath-store', 'seed-multi-ioredis', 'rate-limiter-flexible', 'rate-limiter-flexible-node-redis5', 'rate-limit-redis', 'rate-limit-redis-node-redis5']

async function http(variant, redisPort) {
  const port = await freePort()
  const app = spawn(process.execPath, [path.join(__dirname, 'rate-limit-app.js'), variant, String(redisPort), String(port)], { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((r) => app.stdout.once('data', r))
  const res = await autocannon({ url: `http://127.0.0.1:${port}/api/ping`, connections: 50, duration: SECONDS })
  app.kill()
  await new Promise((r) => app.once('exit', r))
  return { rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, non2xx: res.non2xx }
}

async function main() {
  const server = await RedisServer.start()
  const dec = {}
  const web = { ours: [], erl: [] }
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = CONTENDERS.slice(r % CONTENDERS.length).concat(CONTENDERS.slice(0, r % CONTENDERS.length))
      for (const c of order) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const res = await runJson('rate-limit-worker.js', [c, server.port, N, INFLIGHT, KEYS])
        process.stderr.write(`round ${r + 1} ${c}: ${res ? `${Math.round(res.decisionsPerSec)} decisions/s, allowed ${res.allowed}, ${res.cmdUs.toFixed(2)} command µs` : 'FAILED'}\n`)
        if (res) (dec[c] ||= []).push(res)
      }
      for (const v of r % 2 ? ['erl', 'ours'] : ['ours', 'erl']) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const res = await http(v, server.port)
        process.stderr.write(`round ${r + 1} http ${v}: ${Math.round(res.rps)} req/s p99 ${res.p99} ms\n`)
        web[v].push(res)
        await sleep(200)
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c, k = 'decisionsPerSec') => median(dec[c].map((x) => x[k]))
  let md = `## Rate limiting\n\nProduced by \`node bench/rate-limit-run.js --rounds ${ROUNDS} --decisions ${N} --inflight ${INFLIGHT} --keys ${KEYS} --seconds ${SECONDS}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by Node, the addon's tokio thread, redis-server (and autocannon for the HTTP part). Medians of ${ROUNDS} rounds, each contender in its own process, rotating order.\n\n`
  md += `Decisions: ${fmt(N)} decisions over ${fmt(KEYS)} keys (limit 100 per minute each), ${INFLIGHT} in flight. Per decision: **command µs** = the server's time in the commands the contender sent (\`INFO commandstats\`, reset before the measured phase: scripts whole, plus plain commands sent as such; what a shared Redis pays, barely moved by a noisy machine); **server CPU µs** = the redis-server process' CPU (\`INFO cpu\`: also parsing and socket I/O); **calls** = commands the server ran (those called by scripts included); **client CPU µs** = the contender process' CPU. \`hotpath-store\` is \`RateLimitStore\` (the express-rate-limit store), the one to set beside rate-limit-redis.\n\n`
  md += `| contender | decisions/s | command µs | server CPU µs | calls | client CPU µs |\n|---|---:|---:|---:|---:|---:|\n`
  for (const c of CONTENDERS) if (dec[c]) md += `| ${c} | ${fmt(m(c))} | ${m(c, 'cmdUs').toFixed(2)} | ${m(c, 'serverCpuUs').toFixed(2)} | ${m(c, 'calls').toFixed(2)} | ${m(c, 'cpuUs').toFixed(2)} |\n`
  const algos = CONTENDERS.filter((c) => c.startsWith('hotpath-') && c !== 'hotpath-store' && dec[c])
  const best = Math.max(...algos.map((c) => m(c)))
  const worst = Math.min(...algos.map((c) => m(c)))
  const peerMin = (k, names) => Math.min(...names.filter((c) => dec[c]).map((c) => m(c, k)))
  if (dec['hotpath-store'] && (dec['rate-limit-redis'] || dec['rate-limit-redis-node-redis5'])) {
    const rlr = ['rate-limit-redis', 'rate-limit-redis-node-redis5']
    md += `\nRateLimitStore ÷ rate-limit-redis (its lighter client): command µs **${(m('hotpath-store', 'cmdUs') / peerMin('cmdUs', rlr)).toFixed(2)}×** (target ≤ 0.5), server CPU ${(m('hotpath-store', 'serverCpuUs') / peerMin('serverCpuUs', rlr)).toFixed(2)}×, client CPU ${(m('hotpath-store', 'cpuUs') / peerMin('cpuUs', rlr)).toFixed(2)}×, decisions/s ${(m('hotpath-store') / Math.max(...rlr.filter((c) => dec[c]).map((c) => m(c)))).toFixed(2)}×.\n`
  }
  if (dec['hotpath-fixed-window'] && dec['rate-limiter-flexible']) {
    const rlf = ['rate-limiter-flexible', 'rate-limiter-flexible-node-redis5']
    md += `Fixed window ÷ rate-limiter-flexible (its lighter client): command µs **${(m('hotpath-fixed-window', 'cmdUs') / peerMin('cmdUs', rlf)).toFixed(2)}×**; every algorithm's command µs against it: ${algos.map((c) => `${c.slice(8)} ${(m(c, 'cmdUs') / peerMin('cmdUs', rlf)).toFixed(2)}×`).join(', ')}.\n`
  }
  if (dec['seed-multi-ioredis'] && dec['rate-limiter-flexible']) {
    // rate-limiter-flexible at its best of the two clients it was run on.
    const flex = Math.max(...['rate-limiter-flexible', 'rate-limiter-flexible-node-redis5'].filter((c) => dec[c]).map(m))
    md += `\nRatios (our slowest … fastest algorithm): vs the seeds' MULTI limiter **${(worst / m('seed-multi-ioredis')).toFixed(2)}–${(best / m('seed-multi-ioredis')).toFixed(2)}×** (target ≥ 3×); `
    md += `vs rate-limiter-flexible on its faster client **${(worst / flex).toFixed(2)}–${(best / flex).toFixed(2)}×** (target ≥ 1.5×).\n`
  }
  const w = (v, k) => median(web[v].map((x) => x[k]))
  md += `\nExpress app under autocannon (50 connections, ${SECONDS} s, \`GET /api/ping\` behind the limiter, limit high enough that every request passes):\n\n`
  md += `| stack | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n`
  md += `| our \`rateLimit\` middleware (fixed-window) | ${fmt(w('ours', 'rps'))} | ${w('ours', 'p50')} | ${w('ours', 'p99')} |\n`
  md += `| express-rate-limit + rate-limit-redis on ioredis | ${fmt(w('erl', 'rps'))} | ${w('erl', 'p50')} | ${w('erl', 'p99')} |\n`
  md += `\nRatio: **${(w('ours', 'rps') / w('erl', 'rps')).toFixed(2)}×** req/s.\n`
  const findings = path.join(__dirname, 'FINDINGS-rate-limit.md')
  if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify({ dec, web })}\`\n`
  writeSection('rate-limit', md)
  process.stdout.write(md)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
