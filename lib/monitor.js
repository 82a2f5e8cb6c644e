'use strict'
// MONITOR: a connection of its own that streams every command the server runs. A debugging
// tool, never a hot path, so it lives here in plain JavaScript on Node's own socket: the
// server answers the handshake and then sends one `+<line>` per command, nothing else.
const { EventEmitter } = require('events')
const net = require('net')
const tls = require('tls')
const { redisError, classify } = require('./errors')
const { serverOf } = require('./base')

/** RESP2 encoding of one command. */
function encode(args) {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
  return out
}

/** Undoes Redis' quoting of one argument in a MONITOR line (`\"`, `\\`, `\n`, `\xNN`...). */
function unquote(s) {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e) => {
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16))
    return { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' }[e] ?? e
  })
}

/**
 * One MONITOR line, `1339518083.107412 [0 127.0.0.1:60866] "set" "k" "v"`, as
 * `{ time, db, source, args }`; null when it is not one.
 */
function parseLine(line) {
  const m = /^(\d+\.\d+) \[(\d+) ([^\]]*)\] (.*)$/.exec(line)
  if (!m) return null
  const args = []
  const re = /"((?:[^"\\]|\\.)*)"/g
  let a
  while ((a = re.exec(m[4])) !== null) args.push(unquote(a[1]))
  return { time: m[1], db: m[2], source: m[3], args }
}

/**
 * A monitor connection: `monitor` events `(time, args, source, database)` as ioredis emits
 * them, and `line` with the raw text (node-redis' listener gets that).
 */
class Monitor extends EventEmitter {
  constructor() {
    super()
    this.status = 'connecting'
    this.mode = 'monitor'
    this._socket = null
  }

  /** Closes the monitor connection. */
  disconnect() {
    if (this._socket !== null) this._socket.destroy()
  }

  /** Sends QUIT and resolves once the server closed the connection. */
  quit() {
    if (this._socket === null || this.status === 'end') return Promise.resolve('OK')
    return new Promise((resolve) => {
      this.once('end', () => resolve('OK'))
      this._socket.end(encode(['QUIT']))
    })
  }
}

/**
 * Opens a monitor on the server `o` describes (the typed options both faces keep: host,
 * port or path, username, password, tls); resolves once MONITOR is on.
 */
function openMonitor(o) {
  const m = new Monitor()
  return new Promise((resolve, reject) => {
    const { path, username, password, secure, ...t } = serverOf(o)
    const host = t.host || '127.0.0.1'
    const port = t.port || 6379
    const socket = path
      ? net.connect(path)
      : secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: o.tls && o.tls.ca, cert: o.tls && o.tls.cert, key: o.tls && o.tls.key, rejectUnauthorized: !(o.tls && o.tls.rejectUnauthorized === false) })
        : net.connect(port, host)
    m._socket = socket
    socket.setNoDelay(true)
    socket.setEncoding('utf8')
    const hello = []
    if (password != null) hello.push(username ? ['AUTH', username, password] : ['AUTH', password])
    hello.push(['MONITOR'])
    let pending = hello.length
    let opened = false
    let rest = ''
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(hello.map(encode).join('')))
    socket.on('data', (chunk) => {
      rest += chunk
      let i
      while ((i = rest.indexOf('\r\n')) >= 0) {
        const line = rest.slice(0, i)
        rest = rest.slice(i + 2)
        if (pending > 0) {
          pending--
          if (line[0] === '-') {
            const text = line.slice(1)
            const err = /^(WRONGPASS|NOAUTH)/.test(text) ? redisError('ERR_REDIS_AUTH', text) : classify(redisError('ERR_REDIS_REPLY', text))
            socket.destroy()
            return reject(err)
          }
          if (pending === 0) {
            opened = true
            m.status = 'ready'
            resolve(m)
          }
          continue
        }
        const text = line.slice(1)
        const e = parseLine(text)
        if (e !== null) m.emit('monitor', e.time, e.args, e.source, e.db)
        m.emit('line', text)
      }
    })
    socket.on('error', (err) => {
      const e = redisError('ERR_REDIS_CONNECTION', `Connection error: ${err.message}`)
      if (!opened) return reject(e)
      if (m.listenerCount('error') > 0) m.emit('error', e)
    })
    socket.on('close', () => {
      m.status = 'end'
      if (!opened) reject(redisError('ERR_REDIS_CONNECTION', 'Connection error: closed before MONITOR started'))
      m.emit('close')
      m.emit('end')
    })
  })
}

module.exports = { openMonitor, parseLine, Monitor }
