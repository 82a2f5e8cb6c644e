'use strict'
// Reply shapes built in Rust (src/core/reply/) reach both faces exactly, on the direct path
// (RESP read from the socket on this thread) and on the runtime path (parsed by redis-rs).
const test = require('node:test')
const path = require('path')
const { execFile } = require('child_process')
const { RedisServer } = require('./helpers')
const { check } = require('./fixtures/reply-shapes')

let server
test.before(async () => {
  server = await RedisServer.start()
})
test.after(async () => {
  await server.stop()
})

test('reply shapes on the direct path', async () => {
  await check(server.port, { serverText: true })
})

test('reply shapes on the runtime path (REDIS_HOTPATH_DIRECT=0)', async () => {
  await new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(__dirname, 'fixtures', 'reply-shapes.js'), String(server.port)],
      { env: { ...process.env, REDIS_HOTPATH_DIRECT: '0' } },
      (err, stdout, stderr) => (err ? reject(new Error(`runtime path: ${stderr || err.message}`)) : resolve(stdout))
    )
  })
})
