'use strict'
// `npm run test:js`: every file of __test__/ in two lanes at once. The Sentinel suites and
// the Cluster failover suite spend their time waiting for failovers (seconds of timers,
// little CPU), so they run in a lane of their own beside all the other files; each lane
// runs its files one at a time, as before. The second lane's report is printed when it ends
// (not interleaved).
// Arguments after `--` go to both `node --test` runs (e.g. `--test-name-pattern`).
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')

const dir = path.join(__dirname, '..', '__test__')
const SLOW_WAITERS = new Set(['sentinel.test.js', 'chaos-sentinel.test.js', 'cluster-ha.test.js'])
const files = fs
  .readdirSync(dir)
  .filter((f) => /\.test\.(c|m)?js$/.test(f))
  .sort()
const extra = process.argv.slice(2)
const lanes = [files.filter((f) => !SLOW_WAITERS.has(f)), files.filter((f) => SLOW_WAITERS.has(f))]

function run(list, live) {
  return new Promise((resolve) => {
    const args = ['--test', '--test-concurrency=1', '--test-timeout=120000', ...extra, ...list.map((f) => path.join(dir, f))]
    const child = spawn(process.execPath, args, { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] })
    const out = []
    if (!live) {
      child.stdout.on('data', (d) => out.push(d))
      child.stderr.on('data', (d) => out.push(d))
    }
    child.on('close', (code, signal) => resolve({ code: code === null ? 1 : code, signal, out: Buffer.concat(out) }))
  })
}

async function main() {
  const t0 = Date.now()
  const [main, waiters] = await Promise.all([run(lanes[0], true), run(lanes[1], false)])
  process.stdout.write(`\n--- ${lanes[1].join(', ')} (run alongside) ---\n`)
  process.stdout.write(waiters.out)
  process.stdout.write(`\ntest:js: ${lanes[0].length} + ${lanes[1].length} files in two lanes, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
  process.exit(main.code !== 0 || waiters.code !== 0 ? 1 : 0)
}

main()
