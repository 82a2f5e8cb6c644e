'use strict'
// Subscriber, one process: `node pubsub-worker.js <client> <port> <throughput|latency> <n>`.
// Prints "ready" once subscribed, then one JSON line with what it measured.
const { performance } = require('perf_hooks')
const [, , name, portArg, mode, nArg] = process.argv
const port = Number(portArg)
const N = Number(nArg)
const now = () => performance.timeOrigin + performance.now()

async function subscribe(onMessage) {
  if (name === 'hotpath' || name === 'ioredis') {
    const R = name === 'hotpath' ? require('..').Redis : (require('ioredis').default || require('ioredis'))
    const sub = new R({ port })
    sub.on('message', (ch, m) => onMessage(m))
    await sub.subscribe('bench')
    return { close: () => sub.quit(), dropped: () => sub.droppedMessages || 0 }
  }
  const { createClient } = require('redis')
  const sub = createClient({ socket: { port } })
  await sub.connect()
  await sub.subscribe('bench', (m) => onMessage(m))
  return { close: () => sub.quit(), dropped: () => 0 }
}

async function main() {
  let count = 0
  let first = 0
  let last = 0
  const lat = []
  let resolveDone
  const done = new Promise((r) => (resolveDone = r))
  const s = await subscribe((m) => {
    const t = now()
    if (count === 0) first = t
    last = t
    count++
    if (mode === 'latency') lat.push(t - Number(m.slice(0, m.indexOf('|'))))
    if (count >= N) resolveDone()
  })
  process.stdout.write('ready\n')
  // The runner closes stdin when the publisher is done: finish shortly after.
  process.stdin.on('end', () => setTimeout(resolveDone, 2000))
  process.stdin.resume()
  await done
  lat.sort((a, b) => a - b)
  const out = { client: name, mode, received: count, dropped: s.dropped(), perSec: count / ((last - first) / 1000) }
  if (process.env.BENCH_CPU) {
    // Per-thread CPU seconds (Linux), to see where a subscriber spends its time.
    const fs = require('fs')
    const hz = 100
    out.threads = {}
    for (const t of fs.readdirSync('/proc/self/task')) {
      const st = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8')
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
      const cpu = (Number(f[11]) + Number(f[12])) / hz
      if (cpu > 0.01) out.threads[`${name}:${t}`] = cpu
    }
  }
  if (mode === 'latency') Object.assign(out, { p50ms: lat[lat.length >> 1], p99ms: lat[Math.floor(lat.length * 0.99)] })
  process.stdout.write(JSON.stringify(out) + '\n')
  process.exit(0)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
