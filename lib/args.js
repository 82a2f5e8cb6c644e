'use strict'
// ioredis' argument conversion (the node-redis face's is lib/node-redis/arguments.js), and
// the reply shapes the core builds, by command.
const native = require('./native')

/**
 * One argument as ioredis 6 writes it: strings and Buffers as they are, null and undefined
 * as '', integers beyond 2^53 in full digits (1e21 → '1000000000000000000000'), anything
 * else as `String(a)`. (A Uint8Array stays bytes.)
 */
function ioredisArg(a) {
  if (typeof a === 'string' || a instanceof Uint8Array) return a
  if (a === null || a === undefined) return ''
  if (typeof a === 'number' && Number.isInteger(a) && !Number.isSafeInteger(a)) return BigInt(a).toString()
  return String(a)
}

/**
 * An object's or a Map's field/value pairs, or null for anything else. As ioredis, any
 * object counts (an array or a Buffer gives its indices as fields).
 */
function pairsOf(a) {
  if (a instanceof Map) {
    const out = []
    for (const [k, v] of a) out.push(k, v)
    return out
  }
  if (a !== null && typeof a === 'object') {
    const out = []
    for (const k of Object.keys(a)) out.push(k, a[k])
    return out
  }
  return null
}

/**
 * ioredis 6's argument conversion, pushed onto `out` (which holds the command name):
 * arrays flattened one level, an object or Map expanded where ioredis expands one
 * (`mset`/`msetnx`'s only argument, `hset`/`hmset`'s second of two), every value as
 * `ioredisArg` writes it. `name` is the command as called (ioredis matches it exactly).
 */
function ioredisArgs(name, args, out) {
  let flat = args
  for (let i = 0; i < args.length; i++) {
    if (Array.isArray(args[i])) {
      flat = args.flat()
      break
    }
  }
  if ((name === 'mset' || name === 'msetnx') && flat.length === 1) flat = pairsOf(flat[0]) || flat
  else if ((name === 'hset' || name === 'hmset') && flat.length === 2) {
    const pairs = pairsOf(flat[1])
    if (pairs !== null) flat = [flat[0], ...pairs]
  }
  for (let i = 0; i < flat.length; i++) out.push(ioredisArg(flat[i]))
  return out
}

/** `s` with SCAN / KEYS glob characters escaped, so it matches only itself. */
function globEscape(s) {
  return s.replace(/[\\*?[\]]/g, '\\$&')
}

/**
 * Reply shapes by lower-case command name, shared by both faces: the codes of the core's
 * shapes (`src/core/reply/`), which build them in Rust as the replies cross over.
 */
const SHAPES = native.replyShapes()
const RESP2_SHAPES = { xread: SHAPES.streamPairs, xreadgroup: SHAPES.streamPairs }
for (const n of ['zrange', 'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zunion', 'zinter', 'zdiff', 'zrandmember', 'zpopmin', 'zpopmax', 'hrandfield']) {
  RESP2_SHAPES[n] = SHAPES.flatPairs
}

module.exports = { ioredisArgs, globEscape, SHAPES, RESP2_SHAPES }
