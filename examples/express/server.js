'use strict'
// The demo: an Express app whose Redis work all goes through redis-hotpath.
//   npm run demo            (starts its own redis-server unless REDIS_URL is set)
const express = require('express')
const session = require('express-session')
const { Redis, rateLimit, RedisStore, Queue, Worker } = require('../..')
const { startEmbeddedRedis } = require('./embedded-redis')

// A slow "database" (in-process, so the cache has something to save); Redis is never faked.
const db = {
  users: new Map([
    ['1', { id: '1', name: 'Alice' }],
    ['2', { id: '2', name: 'Bob' }],
  ]),
  async findUser(id) {
    await new Promise((r) => setTimeout(r, 50))
    return this.users.get(id) || null
  },
}

async function main() {
  let url = process.env.REDIS_URL
  if (!url) {
    const embedded = await startEmbeddedRedis()
    url = embedded.url
    console.log(`Started a local redis-server at ${url} (set REDIS_URL to use your own)`)
  }
  const redis = new Redis(url)
  redis.on('error', (err) => console.error('Redis error:', err.code, err.message))
  const subscriber = redis.duplicate()
  subscriber.on('error', () => {})

  // Cache-aside with single-flight and a near-cache kept coherent by Redis itself.
  const cache = redis.cache({ prefix: 'demo:', ttl: 60, local: { maxEntries: 1000 } })
  let loads = 0
  let served = 0
  async function getUser(id) {
    const before = loads
    const user = await cache.wrap(`user:${id}`, async () => {
      loads++
      return db.findUser(id)
    })
    const cached = loads === before
    if (cached) served++
    return { user, cached }
  }

  // Server-Sent Events: every event published on demo:events goes to every open page.
  const streams = new Set()
  subscriber.on('message', (channel, message) => {
    for (const res of streams) res.write(`data: ${message}\n\n`)
  })
  await subscriber.subscribe('demo:events')

  // A job queue fed by the page and worked by the demo's own worker (BullMQ's shape); its
  // events go to the page over the same Server-Sent Events stream.
  const emailQueue = new Queue('demo-email', { connection: redis, defaultJobOptions: { removeOnComplete: 200, removeOnFail: 200 } })
  const worker = new Worker(
    'demo-email',
    async (job) => {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60)) // sending the email
      if (Math.random() < 0.1) throw new Error('SMTP timeout (simulated)')
      return { sent: true, to: job.data.to }
    },
    { connection: redis, concurrency: 5 }
  )
  worker.on('error', (err) => console.error('Worker error:', err.code, err.message))
  const finishedAt = []
  const recent = []
  const jobEvent = (state, job, detail) => {
    const e = { type: 'job', state, id: job.id, name: job.name, attempt: job.attemptsMade, detail, at: Date.now() }
    recent.unshift(e)
    recent.length = Math.min(recent.length, 20)
    const text = JSON.stringify(e)
    for (const res of streams) res.write(`data: ${text}\n\n`)
  }
  worker.on('active', (job) => jobEvent('active', job))
  worker.on('completed', (job) => {
    finishedAt.push(Date.now())
    jobEvent('completed', job)
  })
  worker.on('failed', (job, err) => jobEvent('failed', job, err.message))

  const app = express()
  // The queue dashboard: bull-board, reading the queue's data as BullMQ's own Queue reads
  // it (the data is BullMQ's layout, so BullMQ's Queue is the one line that mounts it).
  app.use('/admin/queues', queueDashboard(url, ['demo-email']))
  app.use(
    session({
      store: new RedisStore({ client: redis, prefix: 'demo:sess:' }),
      secret: process.env.SESSION_SECRET || 'redis-hotpath-demo',
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, maxAge: 60 * 60 * 1000, sameSite: 'strict' },
    })
  )
  // One round trip per request; standard headers; 429 JSON when over the limit.
  app.use('/api/', rateLimit({ client: redis, limit: Number(process.env.API_RATE_LIMIT || 100), windowMs: 60_000 }))
  app.get('/', (req, res) => res.type('html').send(PAGE))
  app.get('/api/users/:id', async (req, res, next) => {
    try {
      const r = await getUser(req.params.id)
      if (!r.user) return res.status(404).json({ error: 'not found' })
      res.json(r)
    } catch (e) {
      next(e)
    }
  })
  app.post('/api/scores', express.json(), async (req, res, next) => {
    try {
      const { player, points } = req.body || {}
      if (typeof player !== 'string' || !Number.isFinite(points)) return res.status(400).json({ error: 'player (string) and points (number) required' })
      const score = Number(await redis.zincrby('demo:leaderboard', points, player))
      await redis.publish('demo:events', JSON.stringify({ type: 'score', player, score, at: Date.now() }))
      res.json({ player, score })
    } catch (e) {
      next(e)
    }
  })
  app.get('/api/leaderboard', async (req, res, next) => {
    try {
      const flat = await redis.zrevrange('demo:leaderboard', 0, 9, 'WITHSCORES')
      const top = []
      for (let i = 0; i < flat.length; i += 2) top.push({ player: flat[i], score: Number(flat[i + 1]) })
      res.json(top)
    } catch (e) {
      next(e)
    }
  })
  app.get('/api/stats', (req, res) => {
    // hits: answered from the cache (Redis or the in-process near-cache); loads: DB reads.
    res.json({ hits: served, misses: loads, loads, nearCache: cache.stats() })
  })
  app.post('/api/login', express.json(), (req, res) => {
    const name = req.body && req.body.name
    if (typeof name !== 'string' || !name) return res.status(400).json({ error: 'name (string) required' })
    req.session.user = { id: name === 'Bob' ? '2' : '1', name }
    res.json({ ok: true })
  })
  app.get('/api/profile', async (req, res, next) => {
    try {
      if (!req.session.user) return res.status(401).json({ error: 'log in first' })
      const { user } = await getUser(req.session.user.id)
      res.json({ session: req.session.user, profile: user })
    } catch (e) {
      next(e)
    }
  })
  app.post('/api/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })))
  // A payment runs at most once at a time per order; the fence orders the writes.
  const paid = new Map()
  app.post('/api/orders/:id/pay', async (req, res, next) => {
    try {
      const result = await redis.withLock(`payment:${req.params.id}`, 5000, async (signal, lock) => {
        if (paid.has(req.params.id)) return { status: 'already paid', fence: paid.get(req.params.id) }
        await new Promise((r) => setTimeout(r, 30)) // the payment gateway
        paid.set(req.params.id, lock.fence)
        return { status: 'paid', fence: lock.fence }
      }, { retryCount: 50, retryDelay: 20, retryJitter: 10 })
      res.json(result)
    } catch (e) {
      next(e)
    }
  })
  // The queue (not under /api/, so the page's polling does not spend the rate limit).
  app.post('/queue/jobs', async (req, res, next) => {
    try {
      const n = Math.min(100, Math.max(1, Number(req.query.n) || 1))
      const jobs = await emailQueue.addBulk(
        Array.from({ length: n }, (_, i) => ({ name: 'send-welcome', data: { to: `user${i}@example.com` }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 200 } } }))
      )
      res.json({ added: jobs.map((j) => j.id) })
    } catch (e) {
      next(e)
    }
  })
  app.get('/queue/stats', async (req, res, next) => {
    try {
      const counts = await emailQueue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')
      const since = Date.now() - 5000
      while (finishedAt.length && finishedAt[0] < since) finishedAt.shift()
      res.json({ counts, jobsPerSecond: finishedAt.length / 5, recent })
    } catch (e) {
      next(e)
    }
  })
  app.get('/events', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
    res.write(': connected\n\n')
    streams.add(res)
    req.on('close', () => streams.delete(res))
  })
  app.use((err, req, res, next) => {
    res.status(503).json({ error: err.message, code: err.code })
  })

  const port = Number(process.env.PORT || 3000)
  const server = app.listen(port, () => console.log(`redis-hotpath demo listening on http://localhost:${server.address().port}`))
}

/** bull-board at /admin/queues over `names`, through BullMQ's Queue on the same server. */
function queueDashboard(url, names) {
  const { createBullBoard } = require('@bull-board/api')
  const { BullMQAdapter } = require('@bull-board/api/bullMQAdapter')
  const { ExpressAdapter } = require('@bull-board/express')
  const bullmq = require('bullmq')
  const u = new URL(url)
  const connection = { host: u.hostname, port: Number(u.port || 6379), username: u.username || undefined, password: u.password ? decodeURIComponent(u.password) : undefined }
  const serverAdapter = new ExpressAdapter()
  serverAdapter.setBasePath('/admin/queues')
  createBullBoard({ queues: names.map((n) => new BullMQAdapter(new bullmq.Queue(n, { connection }))), serverAdapter })
  return serverAdapter.getRouter()
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>redis-hotpath demo</title>
<style>body{font:15px system-ui;margin:2em;max-width:46em}code{background:#eee;padding:0 .3em}li{margin:.2em 0}</style>
<h1>redis-hotpath demo</h1>
<p>An Express app whose Redis work runs on redis-hotpath's native core.</p>
<h2>Leaderboard <small>(sorted set)</small></h2><ol id="lb"></ol>
<p><button onclick="score()">+10 points for a random player</button></p>
<h2>Live events <small>(pub/sub → Server-Sent Events)</small></h2><ul id="ev"></ul>
<h2>Job queue <small>(Queue + Worker on BullMQ's data, leases kept by the native runtime; <a href="/admin/queues">dashboard</a>)</small></h2>
<p><button onclick="fetch('/queue/jobs?n=20',{method:'POST'})">Enqueue 20 emails</button> <span id="qs"></span></p><ul id="jobs"></ul>
<h2>Cache-aside <small>(slow DB behind Redis)</small></h2>
<p><button onclick="get('/api/users/1','st').then(u=>u&&stats())">GET /api/users/1</button> <span id="st"></span></p>
<script>
const players=['ada','grace','linus','ken'];
// A rate-limited (429) or failed answer is said as such, instead of being read as data.
async function get(url,el){const r=await fetch(url);if(r.ok)return r.json();const wait=r.headers.get('retry-after');document.getElementById(el).textContent=r.status===429?'rate-limited'+(wait?' (retry in '+wait+' s)':''):'error '+r.status;return null}
async function lb(){const t=await get('/api/leaderboard','lb');if(t)document.getElementById('lb').innerHTML=t.map(p=>'<li>'+p.player+': '+p.score+'</li>').join('')}
async function score(){await fetch('/api/scores',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({player:players[Math.floor(Math.random()*4)],points:10})})}
async function stats(){const s=await get('/api/stats','st');if(s)document.getElementById('st').textContent='hits '+s.hits+', misses '+s.misses+', DB loads '+s.loads}
async function qs(){const s=await get('/queue/stats','qs');if(!s)return;document.getElementById('qs').textContent=Object.entries(s.counts).map(([k,v])=>k+' '+v).join(', ')+' — '+s.jobsPerSecond.toFixed(1)+' jobs/s'}
function job(d){const li=document.createElement('li');li.textContent=new Date(d.at).toLocaleTimeString()+' #'+d.id+' '+d.name+' '+d.state+(d.detail?' ('+d.detail+')':'');const ul=document.getElementById('jobs');ul.prepend(li);while(ul.children.length>15)ul.lastChild.remove()}
setInterval(qs,1000);qs();
new EventSource('/events').onmessage=(e)=>{const d=JSON.parse(e.data);if(d.type==='job')return job(d);const li=document.createElement('li');li.textContent=new Date(d.at).toLocaleTimeString()+' '+d.player+' → '+d.score;document.getElementById('ev').prepend(li);lb()};
lb();stats();
</script>`

main().catch((err) => {
  console.error(err.message)
  process.exit(1)
})
