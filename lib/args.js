'use strict'
// Argument flattening shared by both faces: arrays are spread; a plain object or Map
// becomes field/value pairs where Redis takes pairs (HSET, MSET, ...).
const { typeError } = require('./errors')
const native = require('./native')

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

/** `s` with SCAN / KEYS glob characters escaped, so it matches only itself. */
function globEscape(s) {
  return s.replace(/[\\*?[\]]/g, '\\$&')
}

/**
 * Reply shapes by lower-case command name, shared by both faces: the codes of the core's
 * shapes (`src/core/reply.rs`), which build them in Rust as the replies cross over.
 */
const SHAPES = native.replyShapes()
const RESP2_SHAPES = { xread: SHAPES.streamPairs, xreadgroup: SHAPES.streamPairs }
for (const n of ['zrange', 'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zunion', 'zinter', 'zdiff', 'zrandmember', 'zpopmin', 'zpopmax', 'hrandfield']) {
  RESP2_SHAPES[n] = SHAPES.flatPairs
}

module.exports = { flatten, globEscape, SHAPES, RESP2_SHAPES }
