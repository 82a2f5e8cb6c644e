'use strict'
// Writes lib/command-table.json, the one description of the command set both faces are
// generated from, taken from the libraries they imitate (devDependencies, pinned):
// - `ioredis`: ioredis 6's command methods (the list ioredis installs, @ioredis/commands);
//   each also gets its `*Buffer` twin.
// - `nodeRedis`: for every camelCase method of node-redis 5's command map: the command words
//   it sends first (found by running node-redis' own argument parser on placeholder
//   arguments), its UPPER_CASE aliases, whether it is read-only, and the name of its RESP2
//   reply transform (one of node-redis' generic transformers, 'custom', or null).
//   node tools/command-table.js
const fs = require('fs')
const path = require('path')

const commands = require('@redis/client/dist/lib/commands').default
const generic = require('@redis/client/dist/lib/commands/generic-transformers')
const version = require('@redis/client/package.json').version

const transformNames = new Map()
for (const [name, v] of Object.entries(generic)) {
  if (typeof v === 'function') transformNames.set(v, name)
  else if (v && typeof v === 'object' && typeof v[2] === 'function') transformNames.set(v[2], name)
}

/** Records what a parseCommand pushes. */
class Recorder {
  constructor() {
    this.args = []
  }
  push(...a) {
    this.args.push(...a)
  }
  pushKey(k) {
    this.args.push(k)
  }
  pushKeys(k) {
    this.args.push(...(Array.isArray(k) ? k : [k]))
  }
  pushKeysLength(k) {
    this.args.push(String(Array.isArray(k) ? k.length : 1))
    this.pushKeys(k)
  }
  pushVariadic(v) {
    this.args.push(...(Array.isArray(v) ? v : [v]))
  }
  pushVariadicWithLength(v) {
    this.args.push(String(Array.isArray(v) ? v.length : 1))
    this.pushVariadic(v)
  }
  pushVariadicNumber(v) {
    this.args.push(...(Array.isArray(v) ? v : [v]).map(String))
  }
  setCachable() {}
}

const MARK = '\u0001'
/** The words a command pushes before its first argument (placeholders are marked). */
function wordsOf(mod) {
  const tries = [Array.from({ length: 8 }, (_, i) => `${MARK}${i}`), Array.from({ length: 8 }, (_, i) => ({ [MARK]: i, toString: () => `${MARK}${i}` }))]
  for (const args of tries) {
    const r = new Recorder()
    try {
      mod.parseCommand(r, ...args)
    } catch {
      // A parser that needs real option objects: the words it pushed first still count.
    }
    const words = []
    for (const a of r.args) {
      if (typeof a !== 'string' || a.startsWith(MARK) || a.includes(MARK)) break
      words.push(a)
    }
    if (words.length) return words
  }
  return null
}

const aliases = new Map()
for (const [name, mod] of Object.entries(commands)) {
  if (/^[a-z]/.test(name)) continue
  if (!aliases.has(mod)) aliases.set(mod, [])
  aliases.get(mod).push(name)
}

// A module named only in upper case (LOLWUT) is its own method.
const camel = new Set(Object.entries(commands).filter(([n]) => /^[a-z]/.test(n)).map(([, m]) => m))
const table = {}
const unresolved = []
for (const [name, mod] of Object.entries(commands)) {
  if (!/^[a-z]/.test(name) && camel.has(mod)) continue
  const words = wordsOf(mod)
  if (words === null) unresolved.push(name)
  const t = mod.transformReply
  const f = typeof t === 'function' ? t : t && typeof t === 'object' ? t[2] : undefined
  const reply = f === undefined ? null : transformNames.get(f) || 'custom'
  table[name] = { command: words, aliases: camel.has(mod) ? aliases.get(mod) || [] : [], readOnly: !!mod.IS_READ_ONLY, reply }
}
const ioredis = require('@ioredis/commands').list.filter((n) => /^[a-z][a-z0-9_-]*$/.test(n))
const out = path.join(__dirname, '..', 'lib', 'command-table.json')
const sources = { ioredis: `ioredis ${require('ioredis/package.json').version} (@ioredis/commands ${require('@ioredis/commands/package.json').version})`, nodeRedis: `@redis/client ${version}` }
const text = JSON.stringify({ sources, ioredis, nodeRedis: table }, null, 0).replace(/\},"/g, '},\n"')
fs.writeFileSync(out, text + '\n')
console.log(`${ioredis.length} ioredis and ${Object.keys(table).length} node-redis methods written to ${path.relative(process.cwd(), out)}`)
if (unresolved.length) console.log(`command words not found for: ${unresolved.join(' ')}`)
