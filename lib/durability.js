'use strict'
// The opt-in durability knob: Redis replicates asynchronously, so a write acknowledged just
// before its primary dies can vanish with it. With `waitReplicas: n`, the helpers that
// promise something across a failover (lock acquire, session writes, queue adds) follow
// their write with `WAIT n waitTimeoutMs` on the same connection, and treat fewer
// acknowledgements as a failure (code ERR_REDIS_NOT_REPLICATED) instead of a success.
const { typeError, rangeError, redisError } = require('./errors')

/** `{ replicas, timeoutMs }` from a helper's options, or null when the knob is off. */
function durability(options) {
  const n = options && options.waitReplicas
  if (n === undefined || n === null || n === 0) return null
  if (!Number.isInteger(n) || n < 0) throw rangeError(`waitReplicas must be a whole number of replicas, got ${n}`)
  const t = options.waitTimeoutMs ?? 500
  // WAIT's 0 blocks for ever: a bounded wait is the point here.
  if (!Number.isInteger(t) || t < 1) throw rangeError(`waitTimeoutMs must be a positive whole number of ms, got ${t}`)
  if (options.waitTimeoutMs !== undefined && typeof options.waitTimeoutMs !== 'number') throw typeError('waitTimeoutMs must be a number')
  return { replicas: n, timeoutMs: t }
}

/**
 * Waits until `d.replicas` replicas have every write this connection sent so far; rejects
 * with ERR_REDIS_NOT_REPLICATED (with `acked` and `replicas`) when fewer did in time.
 */
async function waitReplicas(conn, d, what) {
  const acked = await conn.send(['WAIT', d.replicas, d.timeoutMs], false, null, d.timeoutMs + conn.commandTimeout)
  if (acked < d.replicas) {
    throw redisError('ERR_REDIS_NOT_REPLICATED', `${what}: ${acked} of ${d.replicas} replica(s) acknowledged the write within ${d.timeoutMs} ms`, { acked, replicas: d.replicas })
  }
  return acked
}

module.exports = { durability, waitReplicas }
