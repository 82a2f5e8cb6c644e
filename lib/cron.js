'use strict'
// Cron patterns for job schedulers: 5 fields (minute hour day-of-month month day-of-week)
// or 6 (seconds first), with lists, ranges, steps, names (JAN, MON) and `?`; the next run
// is found in the pattern's time zone (IANA name, via Intl), so "0 9 * * *" in
// Europe/Paris stays at 09:00 local time across daylight-saving changes.
const { rangeError } = require('./errors')

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
]

function atom(s, f, pattern) {
  const up = s.toUpperCase()
  if (f.names) {
    const i = f.names.indexOf(up)
    if (i >= 0) return i + f.min
  }
  if (!/^\d+$/.test(s)) throw rangeError(`cron pattern "${pattern}": "${s}" is not a valid ${f.name}`)
  const n = Number(s)
  if (n < f.min || n > f.max) throw rangeError(`cron pattern "${pattern}": ${f.name} ${n} is outside ${f.min}-${f.max}`)
  return n
}

/** The set of allowed values of one field, and whether it was a wildcard. */
function field(text, f, pattern) {
  const allowed = new Set()
  let any = false
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) throw rangeError(`cron pattern "${pattern}": bad step in "${part}"`)
    let lo
    let hi
    if (range === '*' || range === '?') {
      lo = f.min
      hi = f.max
      if (stepText === undefined) any = true
    } else if (range.includes('-')) {
      const [a, b] = range.split('-')
      lo = atom(a, f, pattern)
      hi = atom(b, f, pattern)
      if (hi < lo) throw rangeError(`cron pattern "${pattern}": range "${range}" runs backwards`)
    } else {
      lo = atom(range, f, pattern)
      hi = stepText === undefined ? lo : f.max
    }
    for (let v = lo; v <= hi; v += step) allowed.add(v)
  }
  return { allowed, any }
}

/** Parses a pattern; throws a RangeError naming what is wrong. */
function parse(pattern) {
  if (typeof pattern !== 'string') throw rangeError('a cron pattern must be a string')
  let parts = pattern.trim().split(/\s+/)
  if (parts.length === 5) parts = ['0', ...parts]
  if (parts.length !== 6) throw rangeError(`cron pattern "${pattern}" must have 5 or 6 fields`)
  const [sec, min, hour, dom, mon, dow] = parts.map((p, i) => field(p, FIELDS[i], pattern))
  // 7 is Sunday too.
  if (dow.allowed.has(7)) dow.allowed.add(0)
  return { sec, min, hour, dom, mon, dow }
}

const formatters = new Map()
function formatter(tz) {
  let f = formatters.get(tz)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    } catch {
      throw rangeError(`unknown time zone "${tz}"`)
    }
    formatters.set(tz, f)
  }
  return f
}

/** Wall-clock time in `tz` of instant `ms`, as the UTC instant with the same reading. */
function wall(ms, tz) {
  const p = {}
  for (const { type, value } of formatter(tz).formatToParts(new Date(ms))) p[type] = Number(value)
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
}

/** The instant whose wall-clock reading in `tz` is `w`, or null if that reading does not exist (a DST gap). */
function instant(w, tz) {
  let guess = w - (wall(w, tz) - w)
  for (let i = 0; i < 3; i++) {
    const off = wall(guess, tz) - guess
    const next = w - off
    if (next === guess) break
    guess = next
  }
  return wall(guess, tz) === w ? guess : null
}

function dayMatches(c, d) {
  const domOk = c.dom.allowed.has(d.getUTCDate())
  const dowOk = c.dow.allowed.has(d.getUTCDay())
  // Standard cron: when both day fields are restricted, either one matching is enough.
  if (!c.dom.any && !c.dow.any) return domOk || dowOk
  return domOk && dowOk
}

/**
 * The first run strictly after `afterMs` (ms since the epoch) of `pattern` in `tz`
 * (default UTC), or null if there is none within 8 years.
 */
function nextRun(pattern, afterMs, tz = 'UTC') {
  const c = typeof pattern === 'string' ? parse(pattern) : pattern
  let w = Math.floor(wall(afterMs, tz) / 1000) * 1000 + 1000
  const limit = w + 8 * 366 * 86400_000
  while (w < limit) {
    const d = new Date(w)
    if (!c.mon.allowed.has(d.getUTCMonth() + 1)) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
      continue
    }
    if (!dayMatches(c, d)) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
      continue
    }
    if (!c.hour.allowed.has(d.getUTCHours())) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1)
      continue
    }
    if (!c.min.allowed.has(d.getUTCMinutes())) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes() + 1)
      continue
    }
    if (!c.sec.allowed.has(d.getUTCSeconds())) {
      w += 1000
      continue
    }
    const at = instant(w, tz)
    if (at !== null && at > afterMs) return at
    w += 1000
  }
  return null
}

module.exports = { parse, nextRun }
