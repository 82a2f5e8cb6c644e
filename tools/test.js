'use strict'
// `npm test`: every phase (package, lint, Rust tests, types, JS tests); the first failure
// stops the run, and the time of each phase is printed at the end.
// The JavaScript suites run on the binary the package phase builds (the one that ships:
// glibc 2.17, cargo-zigbuild), so there is one release build, not two; where the package
// phase builds none (not Linux x64), `npm run build` makes one. That cross-build runs beside
// lint + Rust tests: they build in other target directories (debug), and each leaves a core
// idle for long stretches (the release build's single-threaded LTO step, the test binaries'
// links). The beside-lane's output is printed when it ends, not interleaved.
const { spawn } = require('child_process')

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// Each step: a phase, or [a phase, the phases run beside it one after another].
const STEPS = [['package', ['test:lint', 'test:rust']], 'build-if-none', 'test:types', 'test:js']


const times = []

// Extra arguments of a phase.
const ARGS = { package: ['--', '--local'] }

function phase(name, live) {
  if (name === 'build-if-none') {
    // tools/package.js packs (and with --local installs) a binary on Linux x64 only.
    if (process.platform === 'linux' && process.arch === 'x64') return Promise.resolve({ ok: true, name, out: Buffer.alloc(0) })
    name = 'build'
  }
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(npm, ['run', name, ...(ARGS[name] || [])], { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] })
    const out = []
    if (!live) {
      child.stdout.on('data', (d) => out.push(d))
      child.stderr.on('data', (d) => out.push(d))
    }
    child.on('close', (code) => {
      times.push([name, Number(process.hrtime.bigint() - t0) / 1e9])
      resolve({ ok: code === 0, name, out: Buffer.concat(out) })
    })
  })
}

async function sequence(names, live) {
  const outs = []
  for (const name of names) {
    const r = await phase(name, live)
    outs.push(r.out)
    if (!r.ok) return { ok: false, name, out: Buffer.concat(outs) }
  }
  return { ok: true, out: Buffer.concat(outs) }
}

async function main() {
  const t0 = Date.now()
  let failed = null
  for (const step of STEPS) {
    if (typeof step === 'string') {
      const r = await phase(step, true)
      if (!r.ok) failed = step
    } else {
      const [main, beside] = step
      const [a, b] = await Promise.all([phase(main, true), sequence(beside, false)])
      process.stdout.write(`\n--- ${beside.join(', ')} (run beside ${main}) ---\n`)
      process.stdout.write(b.out)
      if (!a.ok) failed = main
      else if (!b.ok) failed = b.name
    }
    if (failed) break
  }
  const wall = (Date.now() - t0) / 1000
  process.stdout.write(`\nnpm test phases:\n${times.map(([p, t]) => `  ${p.padEnd(11)} ${t.toFixed(1).padStart(6)} s`).join('\n')}\n  ${'total'.padEnd(11)} ${wall.toFixed(1).padStart(6)} s (wall clock)${failed ? `  (stopped: ${failed} failed)` : ''}\n`)
  process.exit(failed ? 1 : 0)
}

main()
