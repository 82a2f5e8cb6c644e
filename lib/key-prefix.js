'use strict'
// ioredis' `keyPrefix`: the prefix goes in front of every key argument, found by the key
// positions Redis itself reports (lib/command-keys.json, from `COMMAND`; regenerate with
// tools/command-keys.js) and, for commands whose keys move with their arguments, by the
// rules below. Channels, patterns (KEYS, SCAN MATCH) and values are never prefixed, as in
// ioredis.
const TABLE = require('./command-keys.json')

function withPrefix(prefix, a) {
  if (Buffer.isBuffer(a) || a instanceof Uint8Array) return Buffer.concat([Buffer.from(prefix), a])
  // A Buffer prefix (ioredis accepts one) keeps its bytes: the key becomes bytes too.
  if (Buffer.isBuffer(prefix)) return Buffer.concat([prefix, Buffer.from(String(a))])
  return prefix + a
}

/** SORT's BY and GET patterns (not `GET #`): keys too, for a prefix (as ioredis prefixes them). */
function sortPatterns(flat) {
  const out = []
  for (let i = 2; i < flat.length - 1; i++) {
    if (typeof flat[i] !== 'string') continue
    const word = flat[i].toUpperCase()
    if (word === 'GET') {
      i++
      if (flat[i] !== '#') out.push(i)
    } else if (word === 'BY') out.push(++i)
    else if (word === 'STORE') i++
  }
  return out
}

function upper(a) {
  return typeof a === 'string' ? a.toUpperCase() : Buffer.isBuffer(a) ? a.toString().toUpperCase() : String(a)
}

/** The indexes (into `flat`, name first) of the key arguments. */
function keyIndexes(flat) {
  const name = String(flat[0]).toLowerCase()
  const n = flat.length
  const range = (from, to) => {
    const out = []
    for (let i = from; i < Math.min(to, n); i++) out.push(i)
    return out
  }
  const counted = (at) => {
    const k = Number(flat[at])
    return Number.isInteger(k) && k > 0 ? range(at + 1, at + 1 + k) : []
  }
  const after = (token) => {
    const out = []
    for (let i = 1; i + 1 < n; i++) if (upper(flat[i]) === token) out.push(i + 1)
    return out
  }
  switch (name) {
    case 'eval':
    case 'evalsha':
    case 'eval_ro':
    case 'evalsha_ro':
    case 'fcall':
    case 'fcall_ro':
    case 'zinter':
    case 'zunion':
    case 'zdiff':
    case 'zintercard':
    case 'sintercard':
    case 'lmpop':
    case 'zmpop':
      return counted(name.startsWith('eval') || name.startsWith('fcall') ? 2 : 1)
    case 'zinterstore':
    case 'zunionstore':
    case 'zdiffstore':
      return [1, ...counted(2)]
    case 'blmpop':
    case 'bzmpop':
      return counted(2)
    case 'xread':
    case 'xreadgroup': {
      const s = flat.findIndex((a, i) => i > 0 && upper(a) === 'STREAMS')
      if (s < 0) return []
      const count = Math.floor((n - s - 1) / 2)
      return range(s + 1, s + 1 + count)
    }
    case 'sort':
    case 'sort_ro':
      return [1, ...after('STORE')]
    case 'georadius':
    case 'georadiusbymember':
      return [1, ...after('STORE'), ...after('STOREDIST')]
    case 'migrate': {
      if (flat[3] !== '' && !(Buffer.isBuffer(flat[3]) && flat[3].length === 0)) return [3]
      const k = flat.findIndex((a, i) => i > 5 && upper(a) === 'KEYS')
      return k < 0 ? [] : range(k + 1, n)
    }
  }
  let spec = TABLE[name]
  if (spec === undefined && n > 1) spec = TABLE[`${name}|${String(flat[1]).toLowerCase()}`]
  if (spec === undefined) return []
  const [first, last, step] = spec
  const end = last < 0 ? n + last : last
  const out = []
  for (let i = first; i <= end && i < n; i += step) out.push(i)
  return out
}

/** `flat` (name first) with `prefix` in front of every key; `flat` itself is not changed. */
function prefixKeys(prefix, flat) {
  const n0 = flat[0]
  // SORT only (a length test first: this runs for every prefixed command).
  const sort = typeof n0 === 'string' && (n0.length === 4 || n0.length === 7) && /^sort(_ro)?$/i.test(n0)
  const idx = sort ? [...keyIndexes(flat), ...sortPatterns(flat)] : keyIndexes(flat)
  if (idx.length === 0) return flat
  const out = flat.slice()
  for (const i of idx) out[i] = withPrefix(prefix, out[i])
  return out
}

module.exports = { prefixKeys, keyIndexes }
