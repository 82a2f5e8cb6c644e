'use strict'
// Reads one test file's results (all attempts: NAME.json.events, NAME.a1.json.events, ...).
const fs = require('fs')
const path = require('path')
const nameOf = (f) => f.replace(/^test\//, '').replace(/\//g, '__').replace(/\.ts$/, '')
function readJSON(p) { try { return JSON.parse(fs.readFileSync(p, 'utf8')) } catch { return null } }
function readEvents(p) { try { return fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) } catch { return null } }

function loadFile(dir, file) {
  const base = path.join(dir, nameOf(file))
  const meta = readJSON(base + '.meta.json') || { rcs: [], seconds: 0 }
  let all = null
  const attempts = [] // per attempt: Map title -> [result...]
  const hookFails = []
  for (let i = 0; ; i++) {
    const events = readEvents(i === 0 ? base + '.json.events' : `${base}.a${i}.json.events`)
    if (!events) break
    const state = new Map()
    const push = (t, s) => { if (!state.has(t)) state.set(t, []); state.get(t).push(s) }
    for (const e of events) {
      if (e.type === 'all') all = e.tests
      else if (e.type === 'pass') push(e.fullTitle, { state: 'passed' })
      else if (e.type === 'pending') push(e.fullTitle, { state: 'pending' })
      else if (e.type === 'fail') push(e.fullTitle, { state: 'failed', message: e.message })
      else if (e.type === 'failAfterPass') {
        const list = state.get(e.fullTitle) || []
        const last = [...list].reverse().find((r) => r.state === 'passed')
        if (last) Object.assign(last, { state: 'failed', message: `failed after passing (mocha aborted the run): ${e.message}` })
        else push(e.fullTitle, { state: 'failed', message: e.message })
      } else if (e.type === 'hookfail') hookFails.push(e)
    }
    attempts.push(state)
  }
  let loadError = null
  if (!all) {
    let err = ''
    try { err = fs.readFileSync(base + '.stderr', 'utf8') } catch {}
    const line = err.split('\n').find((l) => /Error|error|TSError/.test(l)) || err.split('\n')[0] || `no output (rc ${meta.rcs})`
    loadError = line.trim().slice(0, 200)
    all = []
  }
  const timedOut = (meta.rcs || []).some((rc) => rc === 124 || rc === 137)
  const seen = new Map()
  const tests = all.map((t) => {
    const k = seen.get(t.fullTitle) || 0
    seen.set(t.fullTitle, k + 1)
    const key = `${file}::${t.fullTitle}${k ? '#' + k : ''}`
    let r = null
    for (const st of attempts) { r = (st.get(t.fullTitle) || [])[k]; if (r) break }
    if (!r) {
      if (t.pendingDecl) r = { state: 'pending' }
      else {
        const h = hookFails.find((h) => h.forTest === t.fullTitle) || hookFails[hookFails.length - 1]
        const why = h ? `hook failed: ${h.fullTitle}: ${h.message}` : timedOut ? 'killed by the per-file timeout' : `mocha exited (rc ${(meta.rcs || []).join(',')})`
        r = { state: 'failed', message: `not run (${why})`, notRun: true }
      }
    }
    return { key, file, fullTitle: t.fullTitle, excluded: t.excluded || [], ...r }
  })
  return { file, meta, tests, loadError, hookFails, timedOut, attempts: attempts.length }
}
module.exports = { loadFile, nameOf }
