'use strict'
// Starts a private redis-server on a free local port when REDIS_URL is unset, and stops it
// when the process exits.
const { spawn, spawnSync } = require('child_process')
const net = require('net')

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function startEmbeddedRedis() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error) {
    const e = new Error(
      'redis-server is not installed, and REDIS_URL is not set.\n' +
        '  Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`)\n' +
        '  or point the demo at a server: REDIS_URL=redis://host:6379 npm run demo'
    )
    e.code = 'ERR_NO_REDIS_SERVER'
    throw e
  }
  const port = await freePort()
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const stop = () => {
    if (proc.exitCode === null) proc.kill('SIGTERM')
  }
  process.on('exit', stop)
  // SIGHUP too: a closed terminal ends the demo, and must not leave its server running.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      stop()
      process.exit(0)
    })
  }
  const started = Date.now()
  for (;;) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => (s.destroy(), r(true)))
      s.once('error', () => r(false))
    })
    if (ok) break
    if (Date.now() - started > 10000) throw new Error('embedded redis-server did not start')
    await new Promise((r) => setTimeout(r, 25))
  }
  return { url: `redis://127.0.0.1:${port}`, stop }
}

module.exports = { startEmbeddedRedis }
