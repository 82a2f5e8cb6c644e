'use strict'
// Queue benchmarks side by side with BullMQ against one fresh redis-server, medians of rounds:
//   node bench/queue-run.js [--rounds 3] [--add 100000] [--jobs 100000] [--concurrency 1,10,100] [--seconds 5]
const { execFileSync } = require('child_process')
const os = require('os')
const path = require('path')
const fs = require('fs')
const { RedisServer } = require('../__test__/helpers')
const { opt, runJson, writeSection, median } = require('./common')

const ROUNDS = Number(opt('rounds', 3))
const ADD = Number(opt('add', 100000))
const JOBS = Number(opt('jobs', 100000))
const CONC = opt('concurrency', '1,10,100')
const SECONDS = Number(opt('seconds', 5))
// bullmq-on-hotpath: BullMQ itself with this package's ioredis face as its connection.
const CONTENDERS = (opt('only', '') || 'hotpath,bullmq,bullmq-on-hotpath').split(',')

async function main() {
  const server = await RedisServer.start()
  const res = {}
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...CONTENDERS].reverse() : CONTENDERS
      for (const c of order) {
        execFileSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'])
        const x = await runJson('queue-worker.js', [c, server.port, ADD, JOBS, CONC, SECONDS])
        process.stderr.write(`round ${r + 1} ${c}: ${x ? JSON.stringify(x) : 'FAILED'}\n`)
        if (x) (res[c] ||= []).push(x)
      }
    }
  } finally {
    await server.stop()
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const m = (c, f) => median(res[c].map(f))
  const bullmq = require('./node_modules/bullmq/package.json').version
  const concs = CONC.split(',')
  let md = `## Queues\n\nProduced by \`node bench/queue-run.js --rounds ${ROUNDS} --add ${ADD} --jobs ${JOBS} --concurrency ${CONC} --seconds ${SECONDS}\` on ${new Date().toISOString().slice(0, 10)}; `
  md += `BullMQ ${bullmq} (on ioredis, \`maxRetriesPerRequest: null\` as it asks; \`bullmq-on-hotpath\`: the same BullMQ given this package's ioredis face as its connection). Since #23 both sides keep BullMQ's data layout. ${os.cpus().length} cores shared by Node, the addon's runtime thread and redis-server. `
  md += `One server, flushed before each contender; each contender in its own process, order alternating; medians of ${ROUNDS} rounds. `
  md += `(a) \`addBulk\` of ${fmt(ADD)} small jobs in bulks of 1,000; (b) ${fmt(JOBS)} jobs, one worker, empty processor, \`removeOnComplete: true\`, with the Redis server's command time per job (\`INFO commandstats\`, reset after the adds: the commands clients sent, scripts counted with the commands they call inside), the server process's CPU per job (\`INFO cpu\`) and round trips (commands sent) per job; (c) \`add\` → processor start at a steady 1,000 jobs/s for ${SECONDS} s (concurrency 10); (d) peak RSS of the process over the whole run.\n\n`
  md += `| contender | addBulk jobs/s | ${concs.map((c) => `process c=${c} jobs/s`).join(' | ')} | latency p50 / p99 ms | CPU µs/job c=${concs[concs.length - 1]} | peak RSS MB |\n|---|---:|${concs.map(() => '---:').join('|')}|---:|---:|---:|\n`
  for (const c of CONTENDERS) {
    if (!res[c]) continue
    md += `| ${c} | ${fmt(m(c, (x) => x.add))} | ${concs.map((k) => fmt(m(c, (x) => x.process[k]))).join(' | ')} | ${m(c, (x) => x.p50)} / ${m(c, (x) => x.p99)} | ${fmt(m(c, (x) => x.cpuUsPerJob[concs[concs.length - 1]]))} | ${Math.round(m(c, (x) => x.rssMb))} |\n`
  }
  const f1 = (n) => n.toFixed(1)
  md += `\nRedis server per job processed, by concurrency: command time (µs), server CPU (µs) and commands sent:\n\n| contender | ${concs.map((c) => `c=${c} command µs`).join(' | ')} | ${concs.map((c) => `c=${c} server CPU µs`).join(' | ')} | ${concs.map((c) => `c=${c} commands`).join(' | ')} |\n|---|${concs.map(() => '---:').join('|')}|${concs.map(() => '---:').join('|')}|${concs.map(() => '---:').join('|')}|\n`
  for (const c of CONTENDERS) {
    if (!res[c]) continue
    md += `| ${c} | ${concs.map((k) => f1(m(c, (x) => x.serverUsPerJob[k]))).join(' | ')} | ${concs.map((k) => f1(m(c, (x) => x.serverCpuUsPerJob[k]))).join(' | ')} | ${concs.map((k) => f1(m(c, (x) => x.callsPerJob[k]))).join(' | ')} |\n`
  }
  if (res.hotpath && res.bullmq) {
    const ratio = (f) => (m('hotpath', f) / m('bullmq', f)).toFixed(2)
    md += `\nRatios vs BullMQ (targets: ≥ 2× on (a) and (b), lower p99 on (c), RSS no higher): addBulk **${ratio((x) => x.add)}×**`
    for (const k of concs) md += `, c=${k} **${ratio((x) => x.process[k])}×**`
    md += `; p99 ${m('hotpath', (x) => x.p99)} vs ${m('bullmq', (x) => x.p99)} ms; RSS ${ratio((x) => x.rssMb)}×; server command µs/job ${concs.map((k) => `c=${k} ${ratio((x) => x.serverUsPerJob[k])}×`).join(', ')}.\n`
  }
  const findings = path.join(__dirname, 'FINDINGS-queue.md')
  if (fs.existsSync(findings)) md += `\nWhat these numbers say: [${path.basename(findings)}](${path.basename(findings)}).\n`
  md += `\nRaw: \`${JSON.stringify(res)}\`\n`
  writeSection('queues', md)
  process.stdout.write(md)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
