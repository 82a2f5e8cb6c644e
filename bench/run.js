'use strict'
// Runs every client side by side against one fresh local redis-server, several rounds,
// each client in its own process, and writes medians to bench/RESULTS.md.
//   node bench/run.js [--rounds 3] [--seq 20000] [--pipe 200000] [--inflight 256] [--only a,b]
const { execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const os = require('os')
const { RedisServer } = require('../__test__/helpers')
const { opt, runJson, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const SEQ = Number(opt('seq', 20000))
const PIPE = Number(opt('pipe', 200000))
const INFLIGHT = Number(opt('inflight', 256))
const CLIENTS = opt('only', 'hotpath,ioredis,ioredis-auto,node-redis,glide').split(',')
const OUT = opt('out', path.join(__dirname, 'RESULTS.md'))

async function main() {
  const server = await RedisServer.start()
  const results = {}
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      // Rotate the order each round so no client always runs first (warm server) or last.
      const order = CLIENTS.slice(r % CLIENTS.length).concat(CLIENTS.slice(0, r % CLIENTS.length))
      for (const c of order) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const res = await runJson('client-bench.js', [c, server.port, SEQ, PIPE, INFLIGHT])
        process.stderr.write(`round ${r} ${c}: ${res ? `seq ${res.seqOps.toFixed(0)}/s p50 ${res.p50us.toFixed(0)}µs pipe ${res.pipeOps.toFixed(0)}/s rss ${res.rssMiB.toFixed(0)}MiB` : 'FAILED'}\n`)
        if (res) (results[c] ||= []).push(res)
      }
    }
    let ceiling = null
    const rb = []
    for (let r = 0; r < ROUNDS; r++) {
      const txt = execFileSync('redis-benchmark', ['-p', String(server.port), '-P', '16', '-n', String(PIPE), '-t', 'get,set', '-d', '100', '-q'], { encoding: 'utf8' })
      const nums = [...txt.matchAll(/([\d.]+) requests per second/g)].map((m) => Number(m[1]))
      if (nums.length === 2) rb.push((nums[0] + nums[1]) / 2)
    }
    if (rb.length) ceiling = median(rb)

    const rows = CLIENTS.filter((c) => results[c]).map((c) => {
      const rs = results[c]
      return { c, n: rs.length, seq: median(rs.map((x) => x.seqOps)), p50: median(rs.map((x) => x.p50us)), p99: median(rs.map((x) => x.p99us)), pipe: median(rs.map((x) => x.pipeOps)), rss: median(rs.map((x) => x.rssMiB)) }
    })
    const ours = rows.find((r) => r.c === 'hotpath')
    const peers = rows.filter((r) => r.c !== 'hotpath')
    const bestPipe = peers.reduce((a, b) => (b.pipe > (a ? a.pipe : 0) ? b : a), null)
    const io = rows.find((r) => r.c === 'ioredis')
    const fmt = (n) => Math.round(n).toLocaleString('en-US')
    let md = `## Client\n\n`
    md += `Produced by \`node bench/run.js --rounds ${ROUNDS} --seq ${SEQ} --pipe ${PIPE} --inflight ${INFLIGHT}\` on ${new Date().toISOString().slice(0, 10)} `
    md += `(peers installed by \`npm install --prefix bench\`).\n\n`
    md += `Machine: ${os.cpus().length} cores (${os.cpus()[0].model.trim()}), shared by Node, the addon's tokio thread and redis-server ${execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)[1]}; Node ${process.version}. `
    md += `One fresh local redis-server; each client runs in its own process, one after another, ${ROUNDS} rounds in rotating order; numbers are medians over rounds.\n\n`
    md += `- (a) ${fmt(SEQ)} sequential awaited GETs of a 100-byte value: ops/s, p50 and p99 latency.\n`
    md += `- (b) ${fmt(PIPE)} GETs then ${fmt(PIPE)} SETs (100 bytes) with ${INFLIGHT} in flight: ops/s.\n`
    md += `- (c) peak RSS of the client process (includes the whole benchmark process).\n\n`
    md += `| client | (a) ops/s | p50 µs | p99 µs | (b) ops/s | (c) peak RSS MiB |\n|---|---:|---:|---:|---:|---:|\n`
    for (const r of rows) md += `| ${r.c} | ${fmt(r.seq)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${fmt(r.pipe)} | ${r.rss.toFixed(0)} |\n`
    if (ceiling) md += `| redis-benchmark -P 16 (ceiling) | | | | ${fmt(ceiling)} | |\n`
    md += `\n`
    if (ours && bestPipe) {
      md += `Ratios: (b) hotpath / best peer (${bestPipe.c}) = **${(ours.pipe / bestPipe.pipe).toFixed(2)}×** (target ≥ 1.5×)`
      if (io) {
        md += `; (a) p50 hotpath / ioredis = **${(ours.p50 / io.p50).toFixed(2)}×** (target ≤ 1.0×)`
        md += `; (c) RSS hotpath / ioredis = **${(ours.rss / io.rss).toFixed(2)}×** (target ≤ 1.0×)`
      }
      md += `.\n`
    }
    const findings = path.join(__dirname, 'FINDINGS.md')
    if (fs.existsSync(findings)) md += `\n${fs.readFileSync(findings, 'utf8')}`
    md += `\nRaw per-round numbers:\n\n\`\`\`\n${JSON.stringify(results)}\n\`\`\`\n`
    writeSection('client', md, OUT)
    process.stdout.write(md)
  } finally {
    await server.stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
