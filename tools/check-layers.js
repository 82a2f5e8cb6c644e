'use strict'
// The Rust modules form layers: no import cycle among the modules of src/core, nor among
// those of src/node. A module's dependencies are the sibling modules its code names
// (`crate::core::x` / `super::x`), outside comments and its `#[cfg(test)] mod tests`.
// Prints each cycle with the lines that close it, and exits 1 if there is one.
//   node tools/check-layers.js
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')

/** A module's source outside comments and its tests: a file, or every file of a directory module. */
function sourceOf(p) {
  const files = fs.statSync(p).isDirectory() ? fs.readdirSync(p).filter((f) => f.endsWith('.rs')).map((f) => path.join(p, f)) : [p]
  const lines = []
  for (const f of files) {
    let src = fs.readFileSync(f, 'utf8')
    const tests = src.search(/#\[cfg\(test\)\]\s*(pub(\(\w+\))?\s+)?mod tests/)
    if (tests >= 0) src = src.slice(0, tests)
    for (const line of src.split('\n')) if (!line.trim().startsWith('//')) lines.push(line)
  }
  return lines
}

/**
 * module -> Map(dependency -> first line naming it), for the modules of `dir`: its .rs
 * files (not mod.rs) and its directory modules, each taken whole.
 */
function graph(dir, patterns) {
  const g = new Map()
  for (const entry of fs.readdirSync(dir)) {
    const p = path.join(dir, entry)
    const isDir = fs.statSync(p).isDirectory()
    if (!isDir && (!entry.endsWith('.rs') || entry === 'mod.rs')) continue
    const name = isDir ? entry : entry.slice(0, -3)
    const deps = new Map()
    for (const line of sourceOf(p)) {
      for (const re of patterns) {
        for (const m of line.matchAll(re)) if (m[1] !== name && !deps.has(m[1])) deps.set(m[1], line.trim())
      }
    }
    g.set(name, deps)
  }
  for (const deps of g.values()) for (const d of [...deps.keys()]) if (!g.has(d)) deps.delete(d)
  return g
}

/** The strongly connected components with more than one module (Tarjan). */
function cycles(g) {
  let next = 0
  const index = new Map()
  const low = new Map()
  const stack = []
  const on = new Set()
  const out = []
  const visit = (v) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    on.add(v)
    for (const w of g.get(v).keys()) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) === index.get(v)) {
      const comp = []
      let w
      do {
        w = stack.pop()
        on.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1) out.push(comp)
    }
  }
  for (const v of g.keys()) if (!index.has(v)) visit(v)
  return out
}

// Each layer, and inside each directory module its files (naming each other `super::x`).
const layers = [
  ['src/core', [/crate::core::(\w+)/g]],
  ['src/node', [/crate::node::(\w+)/g, /super::(\w+)/g]],
]
for (const [dir] of layers.slice()) {
  for (const entry of fs.readdirSync(path.join(root, dir))) {
    const sub = path.join(root, dir, entry)
    if (fs.statSync(sub).isDirectory() && fs.readdirSync(sub).some((f) => f.endsWith('.rs'))) layers.push([`${dir}/${entry}`, [/super::(\w+)/g]])
  }
}

let failed = false
for (const [dir, patterns] of layers) {
  const g = graph(path.join(root, dir), patterns)
  for (const comp of cycles(g)) {
    failed = true
    console.error(`${dir}: import cycle among ${comp.sort().join(', ')}:`)
    for (const a of comp) for (const [b, line] of g.get(a)) if (comp.includes(b)) console.error(`  ${a} -> ${b}: ${line}`)
  }
}
if (failed) process.exit(1)
console.log(`no import cycle in ${layers.map(([d]) => d).join(', ')}`)
