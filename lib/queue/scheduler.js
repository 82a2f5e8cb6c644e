'use strict'
// Job schedulers (BullMQ's upsertJobScheduler): a scheduler's stored spec, and when it
// runs first and next (every N ms, or a cron pattern in a time zone).
const { typeError, rangeError } = require('../errors')
const cron = require('../cron')
const { nonNegativeInt } = require('./job')

function schedulerSpec(r) {
  if (r === null || typeof r !== 'object') throw typeError('repeat options must be an object: { every } or { pattern, tz }')
  const spec = {}
  if (r.every !== undefined) {
    if (!Number.isInteger(r.every) || r.every < 1) throw rangeError('every must be a positive integer of ms')
    spec.every = r.every
  }
  if (r.pattern !== undefined) {
    if (spec.every !== undefined) throw typeError('a scheduler has either every or pattern, not both')
    cron.parse(r.pattern)
    spec.pattern = r.pattern
  }
  if (spec.every === undefined && spec.pattern === undefined) throw typeError('repeat options need every or pattern')
  if (r.tz !== undefined) {
    if (typeof r.tz !== 'string') throw typeError('tz must be an IANA time zone name')
    cron.nextRun('* * * * *', Date.now(), r.tz)
    spec.tz = r.tz
  }
  if (r.limit !== undefined) spec.limit = nonNegativeInt(r.limit, 'limit')
  for (const k of ['startDate', 'endDate']) {
    if (r[k] !== undefined) {
      const t = new Date(r[k]).getTime()
      if (!Number.isFinite(t)) throw rangeError(`${k} must be a date`)
      spec[k] = t
    }
  }
  if (r.immediately) spec.immediately = true
  if (r.offset !== undefined) spec.offset = nonNegativeInt(r.offset, 'offset')
  return spec
}

function firstRun(spec, now) {
  const from = Math.max(now, spec.startDate || 0)
  let at
  if (spec.every !== undefined) at = spec.immediately || spec.startDate === undefined ? from : Math.ceil(from / spec.every) * spec.every + (spec.offset || 0)
  else at = spec.immediately ? from : cron.nextRun(spec.pattern, from - 1, spec.tz)
  if (at === null || (spec.endDate !== undefined && at > spec.endDate)) return null
  return at
}

/** The run after the one at `prev` (not in the past). */
function nextRunOf(spec, prev, now) {
  let at
  if (spec.every !== undefined) {
    at = prev + spec.every
    if (at <= now) at = prev + Math.ceil((now - prev + 1) / spec.every) * spec.every
  } else {
    at = cron.nextRun(spec.pattern, Math.max(prev, now - 1), spec.tz)
  }
  if (at === null || (spec.endDate !== undefined && at > spec.endDate)) return null
  return at
}

module.exports = { firstRun, nextRunOf, schedulerSpec }
