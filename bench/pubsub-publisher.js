'use strict'
// Paced publisher for the latency run: `node pubsub-publisher.js <port> <n> <perSecond>`;
// each message starts with its send time, padded to 100 bytes.
const { performance } = require('perf_hooks')
const IORedis = require('ioredis')
const [port, n, rate] = process.argv.slice(2).map(Number)

async function main() {
  const pub = new (IORedis.default || IORedis)({ port })
  const batch = Math.max(1, Math.round(rate / 1000))
  for (let sent = 0; sent < n; ) {
    const tick = Date.now()
    const p = pub.pipeline()
    for (let i = 0; i < batch && sent < n; i++, sent++) {
      const t = String(performance.timeOrigin + performance.now())
      p.publish('bench', `${t}|`.padEnd(100, 'x'))
    }
    await p.exec()
    const wait = 1 - (Date.now() - tick)
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  await pub.quit()
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
