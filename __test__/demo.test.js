'use strict'
// Smoke test of the demo app: started as README says (no REDIS_URL: it starts its own
// redis-server), every endpoint hit, and its redis-server gone after it stops.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('child_process')
const http = require('http')
const net = require('net')
const path = require('path')
const { freePort, sleep } = require('./helpers')

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

test('demo app: page, cache-aside, leaderboard, live events, embedded redis-server', async () => {
  const port = await freePort()
  const env = { ...process.env, PORT: String(port), API_RATE_LIMIT: '18' }
  delete env.REDIS_URL
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'examples', 'express', 'server.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  // Resolves when the demo says it listens, or when it exits first (then the match fails).
  const listening = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('listening on')) resolve()
    })
    child.once('exit', resolve)
  })
  try {
    await listening
    assert.match(out, new RegExp(`listening on http://localhost:${port}`))
    const redisPort = Number(out.match(/redis-server at redis:\/\/127\.0\.0\.1:(\d+)/)[1])
    assert.ok(await portOpen(redisPort))
    const base = `http://localhost:${port}`

    const page = await fetch(base + '/')
    assert.equal(page.status, 200)
    assert.match(await page.text(), /redis-hotpath demo/)

    const first = await (await fetch(base + '/api/users/1')).json()
    const second = await (await fetch(base + '/api/users/1')).json()
    assert.deepEqual([first.cached, second.cached, second.user.name], [false, true, 'Alice'])
    assert.equal((await fetch(base + '/api/users/999')).status, 404)
    const stats = await (await fetch(base + '/api/stats')).json()
    assert.equal(stats.loads, 2, 'the slow DB was hit once per user')
    assert.ok(stats.hits >= 1)

    // Sessions: log in, the profile follows the session cookie, log out ends it.
    assert.equal((await fetch(base + '/api/profile')).status, 401)
    const login = await fetch(base + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Alice' }) })
    const cookie = login.headers.get('set-cookie').split(';')[0]
    const profile = await (await fetch(base + '/api/profile', { headers: { cookie } })).json()
    assert.deepEqual([profile.session.name, profile.profile.name], ['Alice', 'Alice'])
    await fetch(base + '/api/logout', { method: 'POST', headers: { cookie } })
    assert.equal((await fetch(base + '/api/profile', { headers: { cookie } })).status, 401)

    // Payments under a lock: concurrent attempts pay once.
    const pays = await Promise.all([1, 2, 3].map(() => fetch(base + '/api/orders/42/pay', { method: 'POST' }).then((r) => r.json())))
    assert.equal(pays.filter((p) => p.status === 'paid').length, 1)
    assert.equal(pays.filter((p) => p.status === 'already paid').length, 2)

    // The page's stream is registered once its ': connected' comment arrives.
    let connected
    const ready = new Promise((resolve) => (connected = resolve))
    const event = new Promise((resolve, reject) => {
      http.get(base + '/events', (res) => {
        let buf = ''
        res.on('data', (d) => {
          buf += d
          if (buf.includes(': connected')) connected()
          const m = buf.match(/data: (.*)\n\n/)
          if (m) {
            res.destroy()
            resolve(JSON.parse(m[1]))
          }
        })
      }).on('error', reject)
    })
    await ready
    const post = (body) => fetch(base + '/api/scores', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    assert.deepEqual(await (await post({ player: 'ada', points: 10 })).json(), { player: 'ada', score: 10 })
    const ev = await event
    assert.deepEqual([ev.type, ev.player, ev.score], ['score', 'ada', 10])
    await post({ player: 'ken', points: 25 })
    assert.deepEqual(await (await fetch(base + '/api/leaderboard')).json(), [
      { player: 'ken', score: 25 },
      { player: 'ada', score: 10 },
    ])
    assert.equal((await post({ player: 'x' })).status, 400)
    // /api/ is rate-limited (18 per minute here): 16 requests so far, the 17th and 18th pass, then 429.
    const last = await fetch(base + '/api/leaderboard')
    assert.equal(last.headers.get('x-ratelimit-remaining'), '1')
    await fetch(base + '/api/leaderboard')
    const limited = await fetch(base + '/api/leaderboard')
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.headers.get('retry-after')) >= 1)

    // The queue: jobs enqueued by the page are worked by the demo's own worker.
    const added = await (await fetch(base + '/queue/jobs?n=6', { method: 'POST' })).json()
    assert.equal(added.added.length, 6)
    let q
    for (let i = 0; i < 200; i++) {
      q = await (await fetch(base + '/queue/stats')).json()
      if (q.counts.completed + q.counts.failed >= 6) break
      await sleep(50)
    }
    assert.equal(q.counts.completed + q.counts.failed, 6, JSON.stringify(q.counts))
    assert.ok(q.jobsPerSecond > 0)
    assert.ok(q.recent.some((e) => e.state === 'completed' && added.added.includes(e.id)))

    // The dashboard (bull-board) sees the same queue, through BullMQ's own reading of it.
    const board = await fetch(base + '/admin/queues')
    assert.equal(board.status, 200)
    assert.match(await board.text(), /<html/i)
    const api = await (await fetch(base + '/admin/queues/api/queues?activeQueue=demo-email&status=completed')).json()
    const shown = api.queues.find((x) => x.name === 'demo-email')
    assert.ok(shown, JSON.stringify(api).slice(0, 300))
    assert.equal(shown.counts.completed, q.counts.completed, JSON.stringify(shown.counts))
    assert.equal(shown.counts.failed, q.counts.failed)
    assert.ok(shown.jobs.some((j) => added.added.includes(String(j.id))), 'the completed jobs are listed')

    // A closed terminal (SIGHUP) stops the demo and its redis-server (SIGTERM and Ctrl-C
    // take the same path).
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGHUP')
    await exited
    for (let i = 0; i < 100 && (await portOpen(redisPort)); i++) await sleep(20)
    assert.equal(await portOpen(redisPort), false, 'the embedded redis-server stops with the demo')
  } finally {
    if (child.exitCode === null) {
      // SIGTERM lets the demo stop its embedded redis-server; SIGKILL only as a last resort.
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(3000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }
})
