'use strict'
// The drain: the addon's one callback into this thread. It reads the records of a drain's
// tape (layout: src/core/transfer.rs) and hands each to its connection: a batch's replies
// (settled in order by the batch), a batch that failed as a whole, a connection event, a
// subscriber's messages. Connections register here by their native client id.
const native = require('./native')
const { classify } = require('./errors')
const { OP_NULL, OP_NUMBER, OP_STRING, OP_BYTES, OP_ARRAY, OP_EXTRA, OP_OBJECT, OP_SCORED, OP_NEXT_TEXT, RECORD_BATCH, RECORD_BATCH_ERROR, RECORD_EVENT, SHARDED } = require('./constants')

const connections = new Map() // native client id -> Connection (this thread's)

function later(err) {
  // A user listener threw: rethrow outside the drain loop so no other completion is lost.
  process.nextTick(() => {
    throw err
  })
}

/**
 * A batch of messages for one subscriber: `payloads` back to back (a string, or a Buffer in
 * binary mode), and per message its payload's end, its channel's and its pattern's index in
 * `names` (NO_PATTERN: no pattern; SHARDED, just below it: a sharded channel's message). Slicing is
 * cheap: strings and Buffers share the batch's storage.
 */
function deliver(c, payloads, names, meta) {
  const binary = typeof payloads !== 'string'
  let start = 0
  for (let j = 0; j < meta.length; j += 3) {
    const end = meta[j]
    const payload = binary ? payloads.subarray(start, end) : payloads.slice(start, end)
    start = end
    const p = meta[j + 2]
    try {
      if (p >= SHARDED) c.onMessage(names[meta[j + 1]], payload, null, p === SHARDED)
      else c.onMessage(names[meta[j + 1]], payload, names[p], false)
    } catch (err) {
      later(err)
    }
  }
}

// The addon writes each drain's records into one shared Float64Array (count first) and
// passes the short strings as one string; values are sliced out as they are read. Drains
// never nest (each runs from its own event-loop callback), so the cursors are module state.
let tape = new Float64Array(0)
let T = tape
let text = ''
let texts = null // the text's further chunks
let tk = 0
let bin = null
let extras = null
let ti = 0
let si = 0
let bi = 0
// The prototype error replies get while one connection's replies are read (its face's class).
let replyProto = null

function setOwn(o, k, v) {
  // A field named __proto__ must be an own property, not the prototype (as ioredis does).
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** The next value on the tape. */
function value() {
  let op = T[ti++]
  while (op === OP_NEXT_TEXT) {
    // The strings that follow are in the next chunk of the text.
    text = texts[tk++]
    si = 0
    op = T[ti++]
  }
  switch (op) {
    case OP_STRING: {
      const n = T[ti++]
      const s = text.slice(si, si + n)
      si += n
      return s
    }
    case OP_NUMBER:
      return T[ti++]
    case OP_NULL:
      return null
    case OP_ARRAY: {
      const n = T[ti++]
      const a = []
      for (let i = 0; i < n; i++) a.push(value())
      return a
    }
    case OP_BYTES: {
      const n = T[ti++]
      // An empty value takes no bytes, so a drain may have none to pass.
      if (n === 0) return Buffer.alloc(0)
      const b = bin.subarray(bi, bi + n)
      bi += n
      return b
    }
    case OP_EXTRA: {
      const x = extras[T[ti++]]
      // Errors get ioredis' classes (ReplyError, AbortError, ...), code kept.
      return x instanceof Error ? classify(x, replyProto) : x
    }
    case OP_OBJECT: {
      const n = T[ti++]
      const o = {}
      for (let i = 0; i < n; i++) {
        let k = value()
        const v = value()
        if (typeof k !== 'string') k = String(k)
        if (k === '__proto__') setOwn(o, k, v)
        else {
          try {
            o[k] = v
          } catch {
            // A field named like a read-only property on Object.prototype: an own one.
            setOwn(o, k, v)
          }
        }
      }
      return o
    }
    case OP_SCORED: {
      const n = T[ti++]
      const a = []
      for (let i = 0; i < n; i++) {
        const v = value()
        a.push({ value: v, score: value() })
      }
      return a
    }
    default:
      return undefined
  }
}


function drain(arg) {
  if (typeof arg === 'string') {
    text = arg
    bin = null
    extras = null
  } else {
    text = arg[0]
    bin = arg[1] === undefined ? null : arg[1]
    extras = arg[2] === undefined ? null : arg[2]
    if (arg[3] !== undefined) tape = arg[3]
    texts = arg[4] === undefined ? null : arg[4]
  }
  tk = 0
  T = tape
  ti = 1
  si = 0
  bi = 0
  const end = T[0] + 1
  while (ti < end) {
    const rec = T[ti++]
    if (rec === RECORD_BATCH) {
      // A batch's replies.
      const c = connections.get(T[ti])
      const id = T[ti + 1]
      const n = T[ti + 2]
      ti += 3
      const b = c === undefined ? undefined : c.inflight.get(id)
      if (b === undefined) {
        for (let i = 0; i < n; i++) value()
        continue
      }
      c.inflight.delete(id)
      if (c.inflight.size === 0 && c.idleWaiters.length > 0) c._idle()
      replyProto = c.replyProto
      b.settleEach(n)
      replyProto = null
    } else if (rec === RECORD_BATCH_ERROR) {
      // A batch that failed as a whole.
      const c = connections.get(T[ti])
      const id = T[ti + 1]
      const b = c === undefined ? undefined : c.inflight.get(id)
      const err = classify(extras[T[ti + 2]], b === undefined ? null : c.replyProto)
      ti += 3
      if (b !== undefined) {
        c.inflight.delete(id)
        if (c.inflight.size === 0 && c.idleWaiters.length > 0) c._idle()
        b.settle(err)
      }
    } else if (rec === RECORD_EVENT) {
      const c = connections.get(T[ti++])
      const name = value()
      const detail = value()
      if (c !== undefined) {
        try {
          c._event(name, detail)
        } catch (err) {
          later(err)
        }
      }
    } else {
      const c = connections.get(T[ti])
      const m = extras[T[ti + 1]]
      ti += 2
      if (c !== undefined && c.onMessage !== null) deliver(c, m[0], m[1], m[2])
    }
  }
  // Let go of this drain's strings and buffers.
  text = ''
  texts = null
  bin = null
  extras = null
}
native.init(drain)

module.exports = { connections, value, later }
