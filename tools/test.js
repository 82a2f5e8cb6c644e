'use strict'
// `npm test`: every phase in order (package, build, lint, Rust tests, types, JS tests), the
// first failure stops the run, and the time of each phase is printed at the end. The
// package's cross-build goes first: the native build then reuses its compiled dependencies
// (tools/build.js), where the other order compiles everything twice.
const { spawnSync } = require('child_process')

const PHASES = ['package', 'build', 'test:lint', 'test:rust', 'test:types', 'test:js']
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const times = []
let failed = null
for (const phase of PHASES) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(npm, ['run', phase], { stdio: 'inherit' })
  times.push([phase, Number(process.hrtime.bigint() - t0) / 1e9])
  if (r.status !== 0) {
    failed = phase
    break
  }
}
const total = times.reduce((s, [, t]) => s + t, 0)
process.stdout.write(`\nnpm test phases:\n${times.map(([p, t]) => `  ${p.padEnd(11)} ${t.toFixed(1).padStart(6)} s`).join('\n')}\n  ${'total'.padEnd(11)} ${total.toFixed(1).padStart(6)} s${failed ? `  (stopped: ${failed} failed)` : ''}\n`)
process.exit(failed ? 1 : 0)
