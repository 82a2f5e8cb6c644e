'use strict'
// ioredis' Commander surface on a client: commands by name (`call`, `callBuffer`,
// `sendCommand`), built-in command management, `defineCommand` for Lua, and the hooks its
// internals expose (`silentEmit`, `recoverFromFatalError`, `handleReconnection`). Mixed
// into `Redis`.
const { names } = require('../commands')
const { ioredisArgs } = require('../args')
const { runScript } = require('../script')
const { typeError, rangeError } = require('../errors')
const { withCallback, Command } = require('./command')

class Commander {
  /** Any command, by name: `call('OBJECT', 'ENCODING', 'k')`. */
  call(command, ...args) {
    if (typeof command !== 'string' || command.length === 0) return Promise.reject(typeError('call() needs a command name'))
    return this._run(command.toLowerCase(), args, false, command)
  }

  /**
   * ioredis' `sendCommand(new Redis.Command(name, args, { replyEncoding }))`: the command's
   * promise settles with the reply (Buffers unless a replyEncoding is given, as in ioredis).
   */
  sendCommand(command) {
    if (!(command instanceof Command)) return Promise.reject(typeError('sendCommand takes a Redis.Command'))
    const name = String(command.name)
    this._run(name.toLowerCase(), command.args, !command.replyEncoding, name).then(command.resolve, command.reject)
    return command.promise
  }

  /** ioredis' command names (its built-in command methods). */
  getBuiltinCommands() {
    return names.slice()
  }

  /** `{ string, buffer }` functions sending `name` (ioredis' createBuiltinCommand). */
  createBuiltinCommand(name) {
    const run = (binary) =>
      function (...args) {
        return this._run(String(name).toLowerCase(), args, binary, name)
      }
    return { string: run(false), buffer: run(true) }
  }

  /** Adds a method (and its Buffer twin) for `name` to this client and its pipelines. */
  addBuiltinCommand(name) {
    const { string, buffer } = this.createBuiltinCommand(name)
    this[name] = string
    this[name + 'Buffer'] = buffer
    this._addedCommands = (this._addedCommands || new Set()).add(name)
  }

  /** Emits `event` only if someone listens (an 'error' after the end is dropped), as ioredis. */
  silentEmit(event, arg) {
    if (event === 'error' && this.status === 'end') return false
    if (this.listenerCount(event) > 0) return this.emit(event, arg)
    if (event === 'error') this._emitError(arg)
    return false
  }

  /** ioredis' recovery from a broken protocol stream: drop the connection and reconnect. */
  recoverFromFatalError(commandError, err) {
    this.silentEmit('error', err)
    if (this._conn !== null && !this._conn.ended) this._conn.native.reconnect()
  }

  /** ioredis' reconnectOnError hook for an error reply (reconnects when it says so). */
  handleReconnection(err) {
    if (this._reconnectOnError === null) return
    let decision = false
    try {
      decision = this._reconnectOnError(err)
    } catch (e) {
      this._emitError(e)
    }
    if ((decision === true || decision === 1 || decision === 2) && this._conn !== null && !this._conn.ended) this._conn.native.reconnect()
  }

  /** ioredis' old name for `call`. */
  send_command(command, ...args) {
    return this.call(command, ...args)
  }

  callBuffer(command, ...args) {
    if (typeof command !== 'string' || command.length === 0) return Promise.reject(typeError('callBuffer() needs a command name'))
    return this._run(command.toLowerCase(), args, true, command)
  }

  /** Registers a Lua command run by EVALSHA (NOSCRIPT-safe), like ioredis' defineCommand. */
  defineCommand(name, definition) {
    const { lua, numberOfKeys } = definition && typeof definition === 'object' ? definition : {}
    if (typeof name !== 'string' || name.length === 0 || typeof lua !== 'string') throw typeError('defineCommand(name, { lua, numberOfKeys }) needs a name and the script as strings')
    if (numberOfKeys !== undefined && !(Number.isInteger(numberOfKeys) && numberOfKeys >= 0)) throw rangeError('defineCommand: numberOfKeys must be a non-negative integer')
    const rest = (args) => {
      const flat = ioredisArgs('', args, [])
      return typeof numberOfKeys === 'number' ? [String(numberOfKeys), ...flat] : flat
    }
    const make = (binary) =>
      function (...args) {
        let cb
        if (typeof args[args.length - 1] === 'function') cb = args.pop()
        return withCallback(runScript(this._command(), lua, this._prefixedRest(rest(args)), binary, null), cb)
      }
    this[name] = make(false)
    this[name + 'Buffer'] = make(true)
    // This client's pipelines and multi()s get it too (and only this client's).
    if (!this._defined) Object.defineProperty(this, '_defined', { value: new Map(), enumerable: false })
    this._defined.set(name, { lua, rest })
  }
}

module.exports = { Commander }
