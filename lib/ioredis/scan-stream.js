'use strict'
// ioredis' scan streams: `scanStream`, `sscanStream`, `hscanStream`, `zscanStream` and their
// Buffer twins, Readable streams of key batches. Mixed into `Redis`.
const { Readable } = require('stream')

class ScanStreams {
  scanStream(options = {}) {
    return this._scanStream('scan', [], options)
  }
  sscanStream(key, options = {}) {
    return this._scanStream('sscan', [key], options)
  }
  hscanStream(key, options = {}) {
    return this._scanStream('hscan', [key], options)
  }
  zscanStream(key, options = {}) {
    return this._scanStream('zscan', [key], options)
  }

  scanBufferStream(options = {}) {
    return this._scanStream('scan', [], options, true)
  }
  sscanBufferStream(key, options = {}) {
    return this._scanStream('sscan', [key], options, true)
  }
  hscanBufferStream(key, options = {}) {
    return this._scanStream('hscan', [key], options, true)
  }
  zscanBufferStream(key, options = {}) {
    return this._scanStream('zscan', [key], options, true)
  }

  _scanStream(cmd, head, options, binary = false) {
    let cursor = '0'
    let done = false
    const self = this
    return new Readable({
      objectMode: true,
      read() {
        if (done) return this.push(null)
        const args = [...head, cursor]
        if (options.match) args.push('MATCH', options.match)
        if (options.type) args.push('TYPE', options.type)
        if (options.count) args.push('COUNT', options.count)
        self._send(cmd, args, binary).then(
          ([next, keys]) => {
            cursor = String(next)
            if (cursor === '0') done = true
            this.push(keys)
          },
          (err) => this.destroy(err)
        )
      },
    })
  }
}

module.exports = { ScanStreams }
