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
const ALL = 'hotpath,hotpath-node,hotpath-runtime,ioredis,ioredis-auto,node-redis5,node-redis6,node-redis6-notimeout,glide'
const CLIENTS = opt('only', ALL).split(',')
const OUT = opt('out', path.join(__dirname, 'RESULTS.md'))

function seed(port) {
  const cli = (...a) => execFileSync('redis-cli', ['-p', String(port), ...a.map(String)])
  cli('FLUSHALL')
  const h = []
  for (let i = 0; i < 20; i++) h.push(`field:${i}`, `value-${i}-${'v'.repeat(16)}`)
  cli('HSET', 'bench:h', ...h)
  const z = []
  for (let i = 0; i < 100; i++) z.push(i * 1.5, `member:${i}`)
  cli('ZADD', 'bench:z', ...z)
}

async function main() {
  const server = await RedisServer.start()
  const results = {}
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      // Rotate the order each round so no client always runs first (warm server) or last.
      const order = CLIENTS.slice(r % CLIENTS.length).concat(CLIENTS.slice(0, r % CLIENTS.length))
      for (const c of order) {
        seed(server.port)
        const res = await runJson('client-bench.js', [c, server.port, SEQ, PIPE, INFLIGHT])
        process.stderr.write(`round ${r} ${c}: ${res ? `p50 ${res.p50us.toFixed(0)}µs get ${res.getOps.toFixed(0)}/s set ${res.setOps.toFixed(0)}/s cpu ${res.cpuUsPerCmd.toFixed(2)}µs` : 'FAILED'}\n`)
        if (res) (results[c] ||= []).push(res)
      }
    }
    const med = (rs, f) => median(rs.map(f))
    const rows = CLIENTS.filter((c) => results[c]).map((c) => {
      const rs = results[c]
      const row = { c, version: rs[0].version, n: rs.length }
      for (const k of ['seqOps', 'p50us', 'p99us', 'getOps', 'setOps', 'cpuUsPerCmd', 'rssMiB']) row[k] = med(rs, (x) => x[k])
      row.sweep = {}
      for (const k of Object.keys(rs[0].sweep)) row.sweep[k] = med(rs, (x) => x.sweep[k])
      row.shapes = {}
      for (const k of Object.keys(rs[0].shapes)) row.shapes[k] = med(rs, (x) => x.shapes[k])
      return row
    })
    const fmt = (n) => Math.round(n).toLocaleString('en-US')
    const by = Object.fromEntries(rows.map((r) => [r.c, r]))
    const ours = by.hotpath
    const peers = rows.filter((r) => !r.c.startsWith('hotpath'))
    const best = (f) => peers.reduce((a, b) => (f(b) > (a ? f(a) : -Infinity) ? b : a), null)
    let md = `## Client\n\n`
    md += `Produced by \`node bench/run.js --rounds ${ROUNDS} --seq ${SEQ} --pipe ${PIPE} --inflight ${INFLIGHT}\` on ${new Date().toISOString().slice(0, 10)} `
    md += `(peers installed by \`npm install --prefix bench\`).\n\n`
    md += `Machine: **${os.cpus().length} cores** (${os.cpus()[0].model.trim()}), shared by Node, the addon's runtime thread and redis-server ${execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)[1]}; Node ${process.version}. `
    md += `One fresh local redis-server; each client runs in its own process, one after another, ${ROUNDS} rounds in rotating order; every number is the median over rounds.\n\n`
    const pkgName = (c) => (c.startsWith('node-redis') ? 'node-redis' : c.startsWith('ioredis') ? 'ioredis' : c.startsWith('hotpath') ? 'redis-hotpath' : c)
    md += `Peers (versions as loaded): ${rows.map((r) => `\`${r.c}\` = ${pkgName(r.c)} ${r.version}`).join(', ')}. `
    md += `\`hotpath\` is this package (direct path: socket driven from the JS thread); \`hotpath-runtime\` is the same package with \`REDIS_HOTPATH_DIRECT=0\` (socket on the tokio thread); \`hotpath-node\` is this package's node-redis face driven with node-redis' own calls (\`hGetAll\`, \`zRangeWithScores\` giving \`{ value, score }\`, \`mGet\`, \`multi().execAsPipeline()\`), the apples-to-apples row for node-redis. `
    md += `Timeout policy: hotpath has a 5 s deadline per batch (one timer per connection, not per command); node-redis 6 arms a 5 s AbortSignal per command by default (\`node-redis6\`), \`node-redis6-notimeout\` sets \`commandOptions.timeout: 0\`; ioredis, node-redis 5 and GLIDE run with their defaults (no per-command timer on ioredis/node-redis 5).\n\n`
    md += `- (a) ${fmt(SEQ)} sequential awaited GETs of a 100-byte value: ops/s, p50 and p99 latency.\n`
    md += `- (b) ${fmt(PIPE)} GETs, then ${fmt(PIPE)} SETs (100 bytes), ${INFLIGHT} awaits in flight: ops/s; main-thread CPU per command (from \`/proc/self/task/<main tid>/stat\`, 10 ms ticks).\n`
    md += `- (c) peak RSS of the whole benchmark process.\n\n`
    md += `| client | (a) ops/s | p50 µs | p99 µs | (b) GET ops/s | (b) SET ops/s | main-thread CPU µs/cmd | (c) RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|\n`
    for (const r of rows) md += `| ${r.c} ${r.version} | ${fmt(r.seqOps)} | ${r.p50us.toFixed(0)} | ${r.p99us.toFixed(0)} | ${fmt(r.getOps)} | ${fmt(r.setOps)} | ${r.cpuUsPerCmd.toFixed(2)} | ${r.rssMiB.toFixed(0)} |\n`
    md += `\nConcurrency sweep, GET ops/s by awaits in flight:\n\n| client | ${Object.keys(rows[0].sweep).join(' | ')} |\n|---|${Object.keys(rows[0].sweep).map(() => '---:').join('|')}|\n`
    for (const r of rows) md += `| ${r.c} | ${Object.values(r.sweep).map(fmt).join(' | ')} |\n`
    const shapeNames = { hgetall20: 'HGETALL 20 fields', zrange100: 'ZRANGE 0 99 REV WITHSCORES', mget100: 'MGET 100 keys', get16k: 'GET 16 KB', pipeline100: '100-command pipeline' }
    md += `\nReply shapes, ops/s (64 in flight; the pipeline 8 in flight), each in the client's own reply shape (objects for HGETALL, { value, score } on node-redis):\n\n| client | ${Object.keys(rows[0].shapes).map((k) => shapeNames[k]).join(' | ')} |\n|---|${Object.keys(rows[0].shapes).map(() => '---:').join('|')}|\n`
    for (const r of rows) md += `| ${r.c} | ${Object.values(r.shapes).map(fmt).join(' | ')} |\n`
    if (ours && peers.length) {
      md += `\nRatios (hotpath / best peer at that measure, from this run; higher is better unless noted):\n\n`
      const nr5 = by['node-redis5']
      const io = by.ioredis
      const line = (label, v, target) => (md += `- ${label}: **${v.toFixed(2)}×**${target ? ` (target ${target})` : ''}\n`)
      for (const k of ['getOps', 'setOps']) {
        const b = best((r) => r[k])
        line(`(b) ${k === 'getOps' ? 'GET' : 'SET'} vs ${b.c}`, ours[k] / b[k], '≥ 1.5× node-redis 5')
      }
      if (nr5) line('(b) vs node-redis 5, GET', ours.getOps / nr5.getOps, '≥ 1.5×')
      if (nr5) line('main-thread CPU per command vs node-redis 5 (lower is better)', ours.cpuUsPerCmd / nr5.cpuUsPerCmd, '≤ 0.5×')
      if (io) line('(a) p50 vs ioredis (lower is better)', ours.p50us / io.p50us, '≤ 1.0×')
      if (io) line('(a) p99 vs ioredis (lower is better)', ours.p99us / io.p99us, '≤ 1.0×')
      if (io) line('(c) RSS vs ioredis (lower is better)', ours.rssMiB / io.rssMiB, '≤ 1.0×')
      for (const k of Object.keys(ours.shapes)) {
        const b = best((r) => r.shapes[k])
        line(`${shapeNames[k]} vs ${b.c}`, ours.shapes[k] / b.shapes[k], '≥ 1.2×')
      }
      const node = by['hotpath-node']
      if (node) {
        for (const k of Object.keys(node.shapes)) {
          const b = best((r) => r.shapes[k])
          line(`node-redis face: ${shapeNames[k]} vs ${b.c}`, node.shapes[k] / b.shapes[k], '≥ 1.2×')
        }
      }
    }
    const findings = path.join(__dirname, 'FINDINGS.md')
    if (require('fs').existsSync(findings)) md += `\nWhat these numbers say, target by target: [${path.basename(findings)}](${path.basename(findings)}).\n`
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
