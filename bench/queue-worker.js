'use strict'
// One queue contender in its own process: node queue-worker.js <contender> <port> <addJobs>
// <processJobs> <concurrencies> <latencySeconds>. Prints one JSON line.
//   add:       addBulk of <addJobs> small jobs (in bulks of 1,000), jobs/s
//   process:   <processJobs> jobs, one worker, an empty processor, at each concurrency, jobs/s
//   latency:   add -> processor start at a steady 1,000 jobs/s, p50/p99 ms
//   rss:       peak resident set size, MB
const [contender, port, addJobs, processJobs, concurrencies, latencySeconds] = process.argv.slice(2)

let peakRss = 0
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)
sample.unref()

function lib() {
  if (contender === 'hotpath') {
    const { Queue, Worker, Redis } = require('..')
    const conn = new Redis({ port: Number(port) })
    return { Queue, Worker, connection: conn, close: () => conn.quit() }
  }
  const { Queue, Worker } = require('bullmq')
  if (contender === 'bullmq-on-hotpath') {
    // BullMQ itself, given this package's ioredis face as its connection.
    const { Redis } = require('..')
    const conn = new Redis({ port: Number(port), maxRetriesPerRequest: null })
    return { Queue, Worker, connection: conn, close: () => conn.quit() }
  }
  // BullMQ's own advice for workers: no per-request retry limit.
  return { Queue, Worker, connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null }, close: async () => {} }
}

// The Redis server's work (bench/common.js serverStats): the time of the commands clients
// send (scripts, whose time includes the commands they call inside, blocking waits and the
// handshake's), how many, and the server process's CPU.
const stats = require('./common').serverStats(port)
const SENT = ['bzpopmin', 'bzpopmax', 'blmove', 'brpoplpush', 'xread', 'xreadgroup', 'ping', 'hello', 'select', 'client|setname', 'client|setinfo', 'client|id', 'client|info']

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]
}

async function main() {
  const { Queue, Worker, connection, close } = lib()
  const out = { contender }
  let n = 0
  const fresh = () => `bench${++n}`

  // (a) addBulk
  {
    const q = new Queue(fresh(), { connection })
    await q.waitUntilReady()
    const total = Number(addJobs)
    const t = process.hrtime.bigint()
    for (let i = 0; i < total; i += 1000) {
      await q.addBulk(Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ name: 'j', data: { i: i + j } })))
    }
    out.add = total / (Number(process.hrtime.bigint() - t) / 1e9)
    await q.obliterate({ force: true })
    await q.close()
  }

  // (b) processing at each concurrency
  out.process = {}
  for (const c of concurrencies.split(',').map(Number)) {
    const name = fresh()
    const q = new Queue(name, { connection })
    const total = Number(processJobs)
    for (let i = 0; i < total; i += 1000) {
      await q.addBulk(Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ name: 'j', data: { i: i + j }, opts: { removeOnComplete: true } })))
    }
    let done = 0
    let t
    stats.reset()
    const cpu0 = process.cpuUsage()
    const finished = new Promise((resolve) => {
      const w = new Worker(name, async () => {}, { connection, concurrency: c, autorun: false })
      w.on('completed', () => {
        if (++done === total) resolve(w)
      })
      t = process.hrtime.bigint()
      w.run()
    })
    const w = await finished
    out.process[c] = total / (Number(process.hrtime.bigint() - t) / 1e9)
    const cpu = process.cpuUsage(cpu0)
    ;(out.cpuUsPerJob ||= {})[c] = (cpu.user + cpu.system) / total
    const srv = stats.read(SENT)
    ;(out.serverUsPerJob ||= {})[c] = srv.cmdUs / total
    ;(out.callsPerJob ||= {})[c] = srv.sentCalls / total
    ;(out.serverCpuUsPerJob ||= {})[c] = srv.cpuUs / total
    await w.close()
    await q.obliterate({ force: true })
    await q.close()
  }

  // (c) latency at a steady 1,000 jobs/s
  {
    const name = fresh()
    const q = new Queue(name, { connection })
    const lat = []
    const w = new Worker(
      name,
      async (job) => {
        lat.push(Date.now() - job.data.t)
      },
      { connection, concurrency: 10 }
    )
    await w.waitUntilReady()
    await new Promise((r) => setTimeout(r, 200))
    const total = Number(latencySeconds) * 1000
    const start = Date.now()
    let sent = 0
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(Date.now() - start))
        while (sent < due) {
          q.add('j', { t: Date.now() }, { removeOnComplete: true })
          sent++
        }
        if (sent >= total) {
          clearInterval(tick)
          resolve()
        }
      }, 1)
    })
    while (lat.length < total) await new Promise((r) => setTimeout(r, 20))
    out.p50 = pct(lat, 50)
    out.p99 = pct(lat, 99)
    await w.close()
    await q.obliterate({ force: true })
    await q.close()
  }
  out.rssMb = peakRss / 1048576
  await close()
  console.log(JSON.stringify(out))
  process.exit(0)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
