'use strict'
// Pub/sub delivery to a JS handler, side by side, medians of rounds:
//   node bench/pubsub-run.js [--rounds 3] [--messages 1000000] [--latency-messages 20000] [--rate 10000]
const { spawn, execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const os = require('os')
const { RedisServer } = require('../__test__/helpers')
const { opt, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const N = Number(opt('messages', 1000000))
const LN = Number(opt('latency-messages', 20000))
const RATE = Number(opt('rate', 10000))
const CLIENTS = String(opt('clients', 'hotpath,ioredis,node-redis')).split(',')

async function measure(client, port, mode, n, publish) {
  const w = spawn(process.execPath, [path.join(__dirname, 'pubsub-worker.js'), client, String(port), mode, String(n)], { cwd: __dirname, stdio: ['pipe', 'pipe', 'inherit'] })
  // Taken now: the worker may finish before the publisher does.
  const exited = new Promise((r) => w.once('exit', r))
  let out = ''
  w.stdout.on('data', (d) => (out += d))
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 10))
  if (process.env.BENCH_TRACE) process.stderr.write(`${client} ${mode}: subscribed\n`)
  await publish()
  w.stdin.end()
  await exited
  return JSON.parse(out.trim().split('\n').pop())
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: __dirname, stdio: 'ignore' })
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))))
  })
}

async function main() {
  const server = await RedisServer.start()
  const res = {}
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = CLIENTS.slice(r % CLIENTS.length).concat(CLIENTS.slice(0, r % CLIENTS.length))
      for (const c of order) {
        const t = await measure(c, server.port, 'throughput', N, () =>
          run('redis-benchmark', ['-p', String(server.port), '-n', String(N), '-P', '64', '-c', '1', '-q', 'PUBLISH', 'bench', 'x'.repeat(100)])
        )
        const l = await measure(c, server.port, 'latency', LN, () => run(process.execPath, [path.join(__dirname, 'pubsub-publisher.js'), String(server.port), String(LN), String(RATE)]))
        process.stderr.write(`round ${r + 1} ${c}: ${Math.round(t.perSec)} msg/s (received ${t.received}, dropped ${t.dropped}); latency p50 ${l.p50ms.toFixed(2)} ms p99 ${l.p99ms.toFixed(2)} ms\n`)
        ;(res[c] ||= []).push({ perSec: t.perSec, received: t.received, dropped: t.dropped, p50: l.p50ms, p99: l.p99ms })
        execFileSync('redis-cli', ['-p', String(server.port), 'PING'])
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c, k) => median(res[c].map((x) => x[k]))
  let md = `## Pub/sub\n\nProduced by \`node bench/pubsub-run.js --rounds ${ROUNDS} --messages ${N} --latency-messages ${LN} --rate ${RATE}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `${os.cpus().length} cores shared by the publisher, the subscriber's Node and tokio threads, and redis-server. One subscriber process per client; medians of ${ROUNDS} rounds. `
  md += `Throughput: \`redis-benchmark -P 64\` publishes ${fmt(N)} 100-byte messages as fast as it can, and the subscriber counts deliveries to its JS handler (from first to last). `
  md += `Latency: a paced publisher sends ${fmt(LN)} timestamped 100-byte messages at ${fmt(RATE)}/s, and the handler measures publish → handler time.\n\n`
  md += `| client | msgs/s to the handler | received of ${fmt(N)} | dropped | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n`
  for (const c of CLIENTS) md += `| ${c} | ${fmt(m(c, 'perSec'))} | ${fmt(m(c, 'received'))} | ${fmt(m(c, 'dropped'))} | ${m(c, 'p50').toFixed(2)} | ${m(c, 'p99').toFixed(2)} |\n`
  md += `\nRatio vs ioredis throughput: **${(m('hotpath', 'perSec') / m('ioredis', 'perSec')).toFixed(2)}×** (target ≥ 2×).\n`
  const findings = path.join(__dirname, 'FINDINGS-pubsub.md')
  if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify(res)}\`\n`
  writeSection('pubsub', md)
  process.stdout.write(md)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
