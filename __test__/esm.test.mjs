// `import` works as well as `require`, with the same classes.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import Redis, { Redis as Named, createClient } from '../index.mjs'

const require = createRequire(import.meta.url)

test('ESM and CJS entry points export the same faces', () => {
  const cjs = require('..')
  assert.equal(Redis, cjs.Redis)
  assert.equal(Named, cjs.Redis)
  assert.equal(createClient, cjs.createClient)
})
