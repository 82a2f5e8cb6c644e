'use strict'
// Argument flattening shared by both faces: arrays are spread; a plain object or Map
// becomes field/value pairs where Redis takes pairs (HSET, MSET, ...).
const { typeError } = require('./errors')

const PAIR_COMMANDS = new Set(['hset', 'hmset', 'mset', 'msetnx', 'hsetnx'])

function pushFlat(out, a, pairs) {
  if (Array.isArray(a)) {
    for (const x of a) pushFlat(out, x, pairs)
  } else if (a instanceof Map) {
    if (!pairs) throw typeError('A Map is only accepted where Redis takes field/value pairs')
    for (const [k, v] of a) out.push(k, v)
  } else if (a !== null && typeof a === 'object' && !(a instanceof Uint8Array)) {
    if (!pairs) throw typeError('An object is only accepted where Redis takes field/value pairs')
    for (const k of Object.keys(a)) out.push(k, a[k])
  } else if (a === undefined || a === null) {
    throw typeError(`Invalid argument: ${a}`)
  } else {
    out.push(a)
  }
}

/** Flattens `args` into `out` (which already holds the command name). */
function flatten(name, args, out) {
  const pairs = PAIR_COMMANDS.has(name)
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const t = typeof a
    if (t === 'string' || t === 'number' || a instanceof Uint8Array) out.push(a)
    else pushFlat(out, a, pairs)
  }
  return out
}

/**
 * Flat [k, v, k, v] reply -> object. A field named `__proto__` becomes an own property
 * (plain assignment would set the prototype instead), as ioredis does.
 */
function toObject(arr) {
  const o = {}
  if (!Array.isArray(arr)) return arr
  for (let i = 0; i + 1 < arr.length; i += 2) {
    const k = String(arr[i])
    if (k === '__proto__') Object.defineProperty(o, k, { value: arr[i + 1], enumerable: true, writable: true, configurable: true })
    else o[k] = arr[i + 1]
  }
  return o
}

/**
 * RESP3 sends WITHSCORES / WITHVALUES replies as [member, score] pairs where RESP2 (and
 * therefore ioredis and node-redis) have one flat list.
 */
function flatPairs(arr) {
  if (!Array.isArray(arr) || arr.length === 0 || !Array.isArray(arr[0])) return arr
  const out = []
  for (const p of arr) {
    if (Array.isArray(p)) out.push(...p)
    else out.push(p)
  }
  return out
}

/** RESP3 sends XREAD/XREADGROUP as a map (flattened to [k, v, ...]); RESP2 has [[k, v], ...]. */
function streamPairs(arr) {
  if (!Array.isArray(arr) || arr.length === 0 || Array.isArray(arr[0])) return arr
  const out = []
  for (let i = 0; i + 1 < arr.length; i += 2) out.push([arr[i], arr[i + 1]])
  return out
}

/** Reply shape fixes by lower-case command name, shared by both faces. */
const RESP2_SHAPES = { xread: streamPairs, xreadgroup: streamPairs }
for (const n of ['zrange', 'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zunion', 'zinter', 'zdiff', 'zrandmember', 'zpopmin', 'zpopmax', 'hrandfield']) {
  RESP2_SHAPES[n] = flatPairs
}

module.exports = { flatten, toObject, flatPairs, streamPairs, RESP2_SHAPES }
