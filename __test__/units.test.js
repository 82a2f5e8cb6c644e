'use strict'
// Unit tests of the JavaScript modules that need no server: cron patterns, ioredis'
// argument conversion, key prefixing, glob escaping, the limiter's default key.
const test = require('node:test')
const assert = require('node:assert/strict')
const cron = require('../lib/cron')
const { ioredisArgs, globEscape } = require('../lib/args')
const { prefixKeys, keyIndexes } = require('../lib/key-prefix')

const at = (iso) => Date.parse(iso)
const iso = (ms) => new Date(ms).toISOString()

test('cron: fields, lists, ranges, steps, names, 5 or 6 fields; mistakes are RangeErrors naming the pattern', () => {
  const c = cron.parse('*/15 9-17 * JAN,jul MON-FRI')
  assert.deepEqual([...c.sec.allowed], [0])
  assert.deepEqual([...c.min.allowed], [0, 15, 30, 45])
  assert.deepEqual([...c.hour.allowed], [9, 10, 11, 12, 13, 14, 15, 16, 17])
  assert.deepEqual([...c.mon.allowed].sort((a, b) => a - b), [1, 7])
  assert.deepEqual([...c.dow.allowed].sort((a, b) => a - b), [1, 2, 3, 4, 5])
  assert.equal(c.dom.any, true)
  // Six fields: seconds first; 7 is Sunday too; '?' is a wildcard.
  const s = cron.parse('30 0 0 ? * 7')
  assert.deepEqual([...s.sec.allowed], [30])
  assert.ok(s.dow.allowed.has(0))
  for (const bad of ['* * * *', '60 * * * *', '* 24 * * *', '*/0 * * * *', '5-1 * * * *', '* * * FOO *', 42]) {
    assert.throws(() => cron.parse(bad), (e) => e instanceof RangeError && e.code === 'ERR_INVALID_ARG', String(bad))
  }
})

test('cron: the next run is strictly after the given time, in UTC or the pattern time zone across daylight saving', () => {
  assert.equal(iso(cron.nextRun('0 9 * * *', at('2026-03-01T08:59:59Z'))), '2026-03-01T09:00:00.000Z')
  assert.equal(iso(cron.nextRun('0 9 * * *', at('2026-03-01T09:00:00Z'))), '2026-03-02T09:00:00.000Z')
  assert.equal(iso(cron.nextRun('*/10 * * * * *', at('2026-03-01T00:00:05Z'))), '2026-03-01T00:00:10.000Z')
  // 09:00 in Paris: UTC+1 before the last Sunday of March 2026 (the 29th), UTC+2 after.
  assert.equal(iso(cron.nextRun('0 9 * * *', at('2026-03-28T12:00:00Z'), 'Europe/Paris')), '2026-03-29T07:00:00.000Z')
  assert.equal(iso(cron.nextRun('0 9 * * *', at('2026-03-27T12:00:00Z'), 'Europe/Paris')), '2026-03-28T08:00:00.000Z')
  // Both day fields restricted: either matching is enough (standard cron).
  assert.equal(iso(cron.nextRun('0 0 13 * FRI', at('2026-02-01T00:00:00Z'))), '2026-02-06T00:00:00.000Z')
  // February 30th never comes.
  assert.equal(cron.nextRun('0 0 30 2 *', at('2026-01-01T00:00:00Z')), null)
})

test("ioredis' argument conversion: one level of arrays flattened, objects and Maps expanded where ioredis expands them, values written as ioredis writes them", () => {
  assert.deepEqual(ioredisArgs('rpush', ['l', ['a', ['b']], 1], ['rpush']), ['rpush', 'l', 'a', 'b', '1'])
  assert.deepEqual(ioredisArgs('mset', [{ a: 1, b: 'x' }], ['mset']), ['mset', 'a', '1', 'b', 'x'])
  assert.deepEqual(ioredisArgs('hset', ['h', new Map([['f', 2]])], ['hset']), ['hset', 'h', 'f', '2'])
  // Only where ioredis expands: an object elsewhere is written with String().
  assert.deepEqual(ioredisArgs('set', ['k', { a: 1 }], ['set']), ['set', 'k', '[object Object]'])
  // null and undefined as '', integers beyond 2^53 in full digits, Buffers untouched.
  const buf = Buffer.from([0xff])
  assert.deepEqual(ioredisArgs('set', ['k', null, undefined, 1e21, buf], ['set']), ['set', 'k', '', '', '1000000000000000000000', buf])
})

test('key prefixing follows the command table: keys only, SORT patterns too; glob escaping matches only itself', () => {
  assert.deepEqual(prefixKeys('p:', ['set', 'k', 'v']), ['set', 'p:k', 'v'])
  assert.deepEqual(prefixKeys('p:', ['mset', 'a', '1', 'b', '2']), ['mset', 'p:a', '1', 'p:b', '2'])
  assert.deepEqual(prefixKeys('p:', ['eval', 'return 1', '2', 'a', 'b', 'arg']), ['eval', 'return 1', '2', 'p:a', 'p:b', 'arg'])
  assert.deepEqual(prefixKeys('p:', ['ping']), ['ping'])
  const sorted = prefixKeys('p:', ['sort', 'list', 'BY', 'w_*', 'GET', '#', 'GET', 'o_*'])
  assert.deepEqual(sorted, ['sort', 'p:list', 'BY', 'p:w_*', 'GET', '#', 'GET', 'p:o_*'])
  assert.deepEqual(keyIndexes(['get', 'k']), [1])
  const flat = ['set', 'k', 'v']
  prefixKeys('p:', flat)
  assert.deepEqual(flat, ['set', 'k', 'v'], 'the input is not changed')
  assert.equal(globEscape('a*b?[c]\\'), 'a\\*b\\?\\[c\\]\\\\')
})
