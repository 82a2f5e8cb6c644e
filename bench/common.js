'use strict'
// What every benchmark runner shares: command-line options, running one contender in its
// own process, medians, and writing its own section of bench/RESULTS.md.
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')

/** `--name value` from the command line, else `fallback`. */
function opt(name, fallback) {
  const argv = process.argv.slice(2)
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}

/** Runs `node <script> ...args` here; resolves with the last JSON line it printed, or null. */
function runJson(script, args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(__dirname, script), ...args.map(String)], { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.on('exit', (code) => {
      try {
        resolve(code === 0 ? JSON.parse(out.trim().split('\n').pop()) : null)
      } catch {
        resolve(null)
      }
    })
  })
}

// BENCH_RESULTS points a trial run elsewhere, leaving the recorded results alone.
const FILE = process.env.BENCH_RESULTS || path.join(__dirname, 'RESULTS.md')

function writeSection(name, md, file = FILE) {
  const begin = `<!-- begin ${name} -->`
  const end = `<!-- end ${name} -->`
  const block = `${begin}\n${md.trim()}\n${end}\n`
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : text.trimEnd() + '\n\n' + block
  fs.writeFileSync(file, text)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN
}

/**
 * The Redis server's own account of what a phase cost it. `reset()` before the phase;
 * `read(sent)` after it gives:
 * - `cmdUs`: the time of the commands the contender sent, from `INFO commandstats`: scripts
 *   (EVAL, EVALSHA, FCALL: their time holds the commands they call) plus the plain commands
 *   named in `sent` (lower case). Commands called by scripts are counted in commandstats a
 *   second time, so they are summed only when the contender sends them itself.
 * - `cpuUs`: the server process' CPU time (`INFO cpu`, user + system): commands, parsing and
 *   socket I/O, so it also charges each round trip's wake-up.
 * - `calls`: every command the server ran, those called by scripts included.
 * The probe's own INFO and CONFIG are left out. Asked through redis-cli, so the contender's
 * connections carry nothing extra.
 */
function serverStats(port) {
  const { execFileSync } = require('child_process')
  const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' })
  const cpu = () => {
    const info = cli('INFO', 'cpu')
    const v = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)[1])
    return (v('used_cpu_user') + v('used_cpu_sys')) * 1e6
  }
  let cpu0 = 0
  return {
    reset() {
      cli('CONFIG', 'RESETSTAT')
      cpu0 = cpu()
    },
    read(sent = []) {
      const cpuUs = cpu() - cpu0
      let calls = 0
      let cmdUs = 0
      // sentCalls: the calls counted in cmdUs (scripts and the `sent` commands).
      let sentCalls = 0
      for (const m of cli('INFO', 'commandstats').matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
        const name = m[1]
        if (name === 'info' || name.startsWith('config')) continue
        calls += Number(m[2])
        if (/^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/.test(name) || sent.includes(name)) {
          cmdUs += Number(m[3])
          sentCalls += Number(m[2])
        }
      }
      return { cmdUs, cpuUs, calls, sentCalls }
    },
  }
}

module.exports = { opt, runJson, writeSection, median, serverStats }
