'use strict'
// Mocha reporter: mocha's JSON shape ({stats, tests, passes, failures, pending}) plus, for
// every test loaded, the exclusion reasons found by scanning its body (and the bodies of
// its suites' before/beforeEach hooks) as transpiled by ts-node. Output file: $HARNESS_OUT.
// Events are also appended to $HARNESS_OUT.events as they happen, so a run killed by the
// wall-clock cap still leaves a partial record.
const fs = require('fs')
const path = require('path')
const Mocha = require('/tmp/harness/ioredis/node_modules/mocha')
const { Base } = Mocha.reporters
const C = Mocha.Runner.constants

const OUT = process.env.HARNESS_OUT || '/tmp/harness/out.json'
const EVENTS = OUT + '.events'

const RULES = [
  [/sinon\s*\.\s*(stub|spy|replace\w*)\s*\(\s*(net|tls)\b|\b(net|tls)\s*\.\s*(createConnection|connect)\s*=|stub\s*\(\s*(net|tls)\s*,/, 'stubs/spies net or tls'],
  [/useFakeTimers|\bclock\s*\.\s*tick|stub\s*\(\s*(global|globalThis)\s*,\s*["'](setTimeout|setInterval|clearTimeout)|lolex|fake-timers/, 'stubs timers'],
  [/(?<![\w$])[\w$]+\s*\.\s*stream(?![\w$])/, 'reads redis.stream'],
]

function fileImports(file) {
  // ioredis internal modules imported by the test file (anything under lib/ other than
  // the entry points lib, lib/index, lib/Redis), as the identifiers TypeScript emits for them.
  const src = fs.readFileSync(file, 'utf8')
  const names = []
  const re = /import\s+(?:[\s\S]*?)\s+from\s+["']((?:\.\.\/)+lib(?:\/[^"']*)?)["']|import\s+\w+\s*=\s*require\(\s*["']((?:\.\.\/)+lib(?:\/[^"']*)?)["']\s*\)/g
  let m
  while ((m = re.exec(src))) {
    const spec = m[1] || m[2]
    const sub = spec.replace(/^(\.\.\/)+lib\/?/, '')
    if (sub === '' || sub === 'index' || sub === 'Redis') continue
    const base = path.basename(sub).replace(/[^\w$]/g, '_')
    names.push({ spec, re: new RegExp(`(?<![\\w$])${base}_\\d+(?![\\w$])`) })
  }
  return names
}

const importCache = new Map()
function reasonsFor(test) {
  const bodies = [test.body || '']
  for (let s = test.parent; s; s = s.parent) {
    for (const h of [...(s._beforeEach || []), ...(s._beforeAll || [])]) bodies.push(h.body || '')
  }
  const text = bodies.join('\n')
  const reasons = []
  for (const [re, why] of RULES) if (re.test(text)) reasons.push(why)
  // inline require of an internal module
  for (const m of text.matchAll(/require\(\s*["']((?:\.\.\/)+lib\/[^"']+)["']\s*\)/g)) {
    const sub = m[1].replace(/^(\.\.\/)+lib\/?/, '')
    if (sub !== 'index' && sub !== 'Redis') reasons.push(`imports ioredis internal ${m[1]}`)
  }
  if (test.file) {
    if (!importCache.has(test.file)) importCache.set(test.file, fileImports(test.file))
    for (const imp of importCache.get(test.file)) if (imp.re.test(text)) reasons.push(`imports ioredis internal ${imp.spec}`)
  }
  return [...new Set(reasons)]
}

function errLine(err) {
  if (!err) return ''
  const msg = (err.message !== undefined ? String(err.message) : String(err)).split('\n')[0]
  return msg
}

class HarnessReporter extends Base {
  constructor(runner, options) {
    super(runner, options)
    const all = []
    const passes = []
    const failures = []
    const pending = []
    const hookFailures = []
    fs.writeFileSync(EVENTS, '')
    const ev = (o) => fs.appendFileSync(EVENTS, JSON.stringify(o) + '\n')
    const rel = (f) => (f ? path.relative('/tmp/harness/ioredis', f) : '')
    const clean = (t, extra) => ({ title: t.title, fullTitle: t.fullTitle(), file: rel(t.file), duration: t.duration, ...extra })

    runner.once(C.EVENT_RUN_BEGIN, () => {
      const walk = (suite) => {
        for (const t of suite.tests) all.push(clean(t, { pendingDecl: t.isPending(), excluded: reasonsFor(t) }))
        suite.suites.forEach(walk)
      }
      walk(runner.suite)
      if (process.env.HARNESS_ATTEMPT && process.env.HARNESS_ATTEMPT !== '0') ev({ type: 'rerun', attempt: Number(process.env.HARNESS_ATTEMPT) })
      else ev({ type: 'all', tests: all })
    })
    const passed = new WeakSet()
    runner.on(C.EVENT_TEST_PASS, (t) => { passed.add(t); passes.push(clean(t)); ev({ type: 'pass', fullTitle: t.fullTitle() }) })
    runner.on(C.EVENT_TEST_PENDING, (t) => { pending.push(clean(t)); ev({ type: 'pending', fullTitle: t.fullTitle() }) })
    runner.on(C.EVENT_TEST_FAIL, (t, err) => {
      const rec = clean(t, { err: { message: errLine(err), stack: err && err.stack } })
      if (t.type === 'hook') {
        const cur = t.ctx && t.ctx.currentTest
        rec.hook = true
        rec.forTest = cur ? cur.fullTitle() : null
        hookFailures.push(rec)
        ev({ type: 'hookfail', fullTitle: t.fullTitle(), forTest: rec.forTest, message: errLine(err) })
      } else if (passed.has(t)) {
        // An error (uncaught exception / unhandled rejection) attributed to a test that had
        // already passed: mocha fails it and aborts the rest of the run.
        failures.push(rec)
        ev({ type: 'failAfterPass', fullTitle: t.fullTitle(), message: errLine(err) })
      } else {
        failures.push(rec)
        ev({ type: 'fail', fullTitle: t.fullTitle(), message: errLine(err) })
      }
    })
    runner.once(C.EVENT_RUN_END, () => {
      const out = { stats: this.stats, all, tests: [...passes, ...failures, ...pending], passes, failures, pending, hookFailures }
      fs.writeFileSync(OUT, JSON.stringify(out, null, 1))
    })
  }
}
module.exports = HarnessReporter
