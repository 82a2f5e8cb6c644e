'use strict'
// node-redis' scripts: `defineScript`, the parser a script's `parseCommand` writes into, and
// a script call's EVAL arguments and reply transform (on a client and inside multi()).
const { sha1 } = require('../script')
const { typeError } = require('../errors')

/** Records what a node-redis `parseCommand` pushes (scripts defined with defineScript). */
class ArgsParser {
  constructor() {
    this.redisArgs = []
    this.keys = []
  }
  push(...a) {
    this.redisArgs.push(...a)
  }
  pushKey(k) {
    this.keys.push(k)
    this.redisArgs.push(k)
  }
  pushKeys(k) {
    for (const x of Array.isArray(k) ? k : [k]) this.pushKey(x)
  }
  pushKeysLength(k) {
    this.redisArgs.push(String(Array.isArray(k) ? k.length : 1))
    this.pushKeys(k)
  }
  pushVariadic(v) {
    this.redisArgs.push(...(Array.isArray(v) ? v : [v]))
  }
  pushVariadicWithLength(v) {
    this.redisArgs.push(String(Array.isArray(v) ? v.length : 1))
    this.pushVariadic(v)
  }
  pushVariadicNumber(v) {
    this.redisArgs.push(...(Array.isArray(v) ? v : [v]).map(String))
  }
  setCachable() {}
}

/** node-redis' `defineScript({ SCRIPT, NUMBER_OF_KEYS, parseCommand, transformReply })`. */
function defineScript(script) {
  return { ...script, SHA1: sha1(script.SCRIPT) }
}

function checkScript(name, script) {
  if (!script || typeof script.SCRIPT !== 'string' || typeof script.parseCommand !== 'function') throw typeError(`scripts.${name}: expected defineScript({ SCRIPT, parseCommand, ... })`)
}

/** A script call's `[numkeys, ...keys, ...args]` and its reply transform. */
function scriptCall(script, args) {
  const parser = new ArgsParser()
  script.parseCommand(parser, ...args)
  const numkeys = script.NUMBER_OF_KEYS !== undefined ? script.NUMBER_OF_KEYS : parser.keys.length
  const t = script.transformReply
  const fn = typeof t === 'function' ? t : t && typeof t === 'object' ? t[2] : undefined
  return { rest: [String(numkeys), ...parser.redisArgs], transform: fn ? (r) => fn(r, parser.preserve) : null }
}

/** A multi() with the client's scripts as methods (sent as EVAL inside it, in place). */
function withScripts(multi, scripts) {
  if (scripts === null) return multi
  for (const [name, script] of Object.entries(scripts)) {
    multi[name] = (...args) => {
      const { rest, transform } = scriptCall(script, args)
      multi.queue.push({ args: ['EVAL', script.SCRIPT, ...rest], transform })
      return multi
    }
  }
  return multi
}

module.exports = { defineScript, checkScript, scriptCall, withScripts }
