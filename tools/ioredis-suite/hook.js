'use strict'
// Mocha --require hook: test files that import the ioredis library entry point
// (lib, lib/index, lib/Redis) get OUR package (/work/main) instead. Everything else -
// test helpers (test/helpers/*) and any other lib/* internal module - keeps loading the
// real ioredis sources. Disabled with HARNESS_REAL=1.
const path = require('path')
const Module = require('module')

const ROOT = '/tmp/harness/ioredis'
const TEST_DIR = path.join(ROOT, 'test') + path.sep
const HELPERS_DIR = path.join(ROOT, 'test', 'helpers') + path.sep
const ENTRY_POINTS = new Set([
  path.join(ROOT, 'lib', 'index.ts'),
  path.join(ROOT, 'lib', 'Redis.ts'),
])
const OURS = process.env.HARNESS_TARGET || '/work/main/index.js'

if (process.env.HARNESS_REAL !== '1') {
  const original = Module._resolveFilename
  Module._resolveFilename = function (request, parent, isMain, options) {
    const resolved = original.call(this, request, parent, isMain, options)
    const from = parent && parent.filename
    if (
      from &&
      from.startsWith(TEST_DIR) &&
      !from.startsWith(HELPERS_DIR) &&
      ENTRY_POINTS.has(resolved)
    ) {
      if (process.env.HARNESS_DEBUG) console.error(`[hook] ${path.relative(ROOT, from)}: ${request} -> ${OURS}`)
      return OURS
    }
    return resolved
  }
  // Sanity: fail loudly if our package does not load.
  const ours = require(OURS)
  if (typeof ours.default !== 'function') throw new Error(`[hook] ${OURS} has no default export`)
}
