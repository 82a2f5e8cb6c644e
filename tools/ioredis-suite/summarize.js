'use strict'
// Usage: node summarize.js OUTDIR FILE...   (files relative to the ioredis work tree)
// Prints the per-file table, writes OUTDIR/failures.txt (and /tmp/harness/failures.txt for
// our run), /tmp/harness/excluded.txt, OUTDIR/summary.json. With both runs present, compares
// against the real ioredis results (/tmp/harness/real) for the headline percentage.
const fs = require('fs')
const path = require('path')
const H = '/tmp/harness'
const [outdir, ...files] = process.argv.slice(2)
const isReal = path.resolve(outdir) === path.join(H, 'real')
const { loadFile } = require('/tmp/harness/load.js')

const results = files.map((f) => loadFile(outdir, f))
const real = !isReal && fs.existsSync(path.join(H, 'real')) ? new Map(files.map((f) => [f, loadFile(path.join(H, 'real'), f)])) : null
const realPass = new Set()
if (real) for (const r of real.values()) for (const t of r.tests) if (t.state === 'passed') realPass.add(t.key)

// Exclusions: union over both runs (they are properties of the test text, not of the client).
const excluded = new Map()
const everyFile = (d) => { try { return fs.readdirSync(d).filter((n) => n.endsWith('.meta.json')).map((n) => JSON.parse(fs.readFileSync(path.join(d, n), 'utf8')).file) } catch { return [] } }
for (const d of [path.join(H, 'ours'), path.join(H, 'real')]) for (const f of everyFile(d)) for (const t of loadFile(d, f).tests) if (t.excluded.length) excluded.set(t.key, t)
const exLines = [...excluded.values()].sort((a, b) => a.key.localeCompare(b.key)).map((t) => `${t.file}\t${t.fullTitle}\t${t.excluded.join('; ')}`)
fs.writeFileSync(path.join(H, 'excluded.txt'), exLines.join('\n') + (exLines.length ? '\n' : ''))

const pad = (s, n) => String(s).padEnd(n)
const lpad = (s, n) => String(s).padStart(n)
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) + '%' : 'n/a')
let T = { total: 0, passed: 0, failed: 0, pending: 0, excl: 0, passNonEx: 0, nonEx: 0, realDen: 0, realNum: 0, realPassed: 0 }
const hdr = `${pad('file', 36)} ${lpad('tests', 5)} ${lpad('pass', 5)} ${lpad('fail', 5)} ${lpad('pend', 5)} ${lpad('excl', 5)}` + (real ? ` ${lpad('real', 5)} ${lpad('ours/realOK', 12)}` : '') + '  note'
console.log(hdr)
console.log('-'.repeat(hdr.length))
const failures = []
for (const r of results) {
  const c = { total: r.tests.length, passed: 0, failed: 0, pending: 0, excl: 0, passNonEx: 0, nonEx: 0, realDen: 0, realNum: 0, realPassed: 0 }
  for (const t of r.tests) {
    c[t.state]++
    const ex = excluded.has(t.key)
    if (ex) c.excl++
    else if (t.state !== 'pending') { c.nonEx++; if (t.state === 'passed') c.passNonEx++ }
    if (real && realPass.has(t.key)) { c.realPassed++; if (!ex) { c.realDen++; if (t.state === 'passed') c.realNum++ } }
    if (t.state === 'failed') failures.push(`${r.file}\t${t.fullTitle}\t${(t.message || '').replace(/\s+/g, ' ').slice(0, 300)}${ex ? '\t[EXCLUDED: ' + excluded.get(t.key).excluded.join('; ') + ']' : ''}${real && !realPass.has(t.key) ? '\t[REAL ALSO FAILS]' : ''}`)
  }
  if (r.loadError) failures.push(`${r.file}\t(file did not load)\t${r.loadError}`)
  for (const k of Object.keys(T)) T[k] += c[k]
  const note = r.loadError ? `LOAD ERROR: ${r.loadError.slice(0, 60)}` : r.timedOut ? 'TIMEOUT' : [r.hookFails.length ? `${r.hookFails.length} hook failure(s)` : '', r.attempts > 1 ? `${r.attempts} runs (aborted, rest re-run)` : ''].filter(Boolean).join('; ')
  const rr = real && real.get(r.file)
  console.log(`${pad(r.file.replace(/^test\/functional\//, ''), 36)} ${lpad(c.total, 5)} ${lpad(c.passed, 5)} ${lpad(c.failed, 5)} ${lpad(c.pending, 5)} ${lpad(c.excl, 5)}` + (real ? ` ${lpad(rr ? rr.tests.filter((t) => t.state === 'passed').length : '-', 5)} ${lpad(`${c.realNum}/${c.realDen}`, 12)}` : '') + `  ${note}`)
}
console.log('-'.repeat(hdr.length))
console.log(`${pad('TOTAL', 36)} ${lpad(T.total, 5)} ${lpad(T.passed, 5)} ${lpad(T.failed, 5)} ${lpad(T.pending, 5)} ${lpad(T.excl, 5)}` + (real ? ` ${lpad(T.realPassed, 5)} ${lpad(`${T.realNum}/${T.realDen}`, 12)}` : ''))
console.log(`passed / all tests:                       ${T.passed}/${T.total} = ${pct(T.passed, T.total)}`)
console.log(`passed / non-excluded, non-pending tests: ${T.passNonEx}/${T.nonEx} = ${pct(T.passNonEx, T.nonEx)}`)
if (real) console.log(`HEADLINE passed / (real-ioredis passes, not excluded): ${T.realNum}/${T.realDen} = ${pct(T.realNum, T.realDen)}`)
const failFile = path.join(outdir, 'failures.txt')
fs.writeFileSync(failFile, failures.join('\n') + (failures.length ? '\n' : ''))
if (!isReal) fs.writeFileSync(path.join(H, 'failures.txt'), failures.join('\n') + (failures.length ? '\n' : ''))
fs.writeFileSync(path.join(outdir, 'summary.json'), JSON.stringify({ totals: T, tests: results.flatMap((r) => r.tests) }, null, 1))
console.log(`failures: ${isReal ? failFile : path.join(H, 'failures.txt')} (${failures.length}); excluded: ${path.join(H, 'excluded.txt')} (${excluded.size})`)
