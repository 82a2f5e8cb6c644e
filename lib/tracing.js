'use strict'
// Diagnostics channels as ioredis 6 publishes them, so APM and OpenTelemetry
// instrumentations written for ioredis see this client too: `ioredis:command` (each
// command), `ioredis:batch` (each MULTI ... EXEC) and `ioredis:connect` (each connection
// attempt), all tracing channels (start / end / asyncStart / asyncEnd / error). With no
// subscriber the cost is one property read per command.
const { keyIndexes } = require('./key-prefix')

let dc = null
try {
  dc = require('node:diagnostics_channel')
} catch {
  dc = null
}
const usable = dc !== null && typeof dc.tracingChannel === 'function'
const commandChannel = usable ? dc.tracingChannel('ioredis:command') : null
const batchChannel = usable ? dc.tracingChannel('ioredis:batch') : null
const connectChannel = usable ? dc.tracingChannel('ioredis:connect') : null

/** Whether anyone listens on a tracing channel (Node versions without the getter: ask each part). */
function listening(tc) {
  if (tc === null) return false
  const h = tc.hasSubscribers
  if (typeof h === 'boolean') return h
  return tc.start.hasSubscribers || tc.end.hasSubscribers || tc.asyncStart.hasSubscribers || tc.asyncEnd.hasSubscribers || tc.error.hasSubscribers
}

/**
 * A command's arguments as a trace may show them: key arguments as they are, every other
 * argument (values, scores, passwords, script text) as '?'. Keys come from the same table
 * `keyPrefix` uses, so nothing else can leak.
 */
function traceArgs(flat) {
  const keys = new Set(keyIndexes(flat))
  const out = []
  for (let i = 1; i < flat.length; i++) out.push(keys.has(i) ? String(flat[i]) : '?')
  return out
}

/** Runs `p` (a command's promise) under `ioredis:command` when someone listens. */
function traceCommand(p, client, flat) {
  if (!listening(commandChannel)) return p
  const ctx = { command: String(flat[0]).toLowerCase(), args: traceArgs(flat), ...client._traceTarget() }
  const traced = commandChannel.tracePromise(() => p, ctx)
  // The caller holds `p` itself; the traced copy must not become an unhandled rejection.
  traced.catch(() => {})
  return p
}

/** Runs `p` (an EXEC's promise) under `ioredis:batch` when someone listens. */
function traceBatch(p, client, size) {
  if (!listening(batchChannel)) return p
  const traced = batchChannel.tracePromise(() => p, { batchMode: 'MULTI', batchSize: size, ...client._traceTarget() })
  traced.catch(() => {})
  return p
}

/** Traces one connection attempt: `settled` resolves when it is ready, rejects when it fails. */
function traceConnect(client, epoch, settled) {
  if (!listening(connectChannel)) return
  const { serverAddress, serverPort } = client._traceTarget()
  connectChannel.tracePromise(() => settled(), { serverAddress, serverPort, connectionEpoch: epoch }).catch(() => {})
}

module.exports = { traceCommand, traceBatch, traceConnect, listening, connectChannel, traceArgs }
