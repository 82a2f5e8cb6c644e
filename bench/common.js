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

module.exports = { opt, runJson, writeSection, median }
