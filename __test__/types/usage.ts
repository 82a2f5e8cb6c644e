// Compiled with `tsc --noEmit --strict` by `npm test`: proves the public types.
import Redis, { createClient, createCluster, createSentinel, Cluster, RedisError, Pipeline, rateLimit, RateLimitStore, RateLimitResult, Redlock, RedisStore, Queue, Worker, Job, QueueEvents, UnrecoverableError, ReplyError, AbortError, MaxRetriesPerRequestError, Monitor } from '../..'
import { Redis as NamedRedis } from '../..'

async function ioredisFace(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380')
  const other: NamedRedis = new NamedRedis({ host: 'localhost', port: 6380, maxRetriesPerRequest: 3, retryStrategy: (times) => Math.min(times * 50, 2000) })
  redis.on('error', (err: RedisError) => console.error(err.code))
  redis.on('message', (channel: string, message: string) => console.log(channel, message))
  redis.on('reconnecting', (delay: number) => console.log(delay))
  await redis.set('k', 'v', 'EX', 3600)
  const v: string | null = await redis.get('k')
  const h: Record<string, string> = await redis.hgetall('user:1')
  await redis.hset('user:1', { name: 'Alice' })
  await redis.zadd('lb', 1500, 'p1', 2200, 'p2')
  const top: string[] = await redis.zrevrange('lb', 0, 9, 'WITHSCORES')
  const p: Pipeline = redis.pipeline().get('a').incr('b')
  const rows = await p.exec()
  if (rows) for (const [err, value] of rows) console.log(err?.message, value)
  await redis.eval('return 1', 1, 'key', 'arg')
  await redis.call('OBJECT', 'ENCODING', 'k')
  await redis.subscribe('ch')
  await redis.quit()
  await other.quit()
  console.log(v, h, top)
}

async function nodeRedisFace(): Promise<void> {
  const client = createClient({ url: 'redis://127.0.0.1:6380', socket: { reconnectStrategy: (n: number) => Math.min(n * 50, 2000) } })
  await client.connect()
  await client.setEx('k', 300, 'v')
  await client.zAdd('lb', { score: 1, value: 'a' })
  const leaders = await client.zRangeWithScores('lb', 0, 9, { REV: true })
  const first: { value: string; score: number } | undefined = leaders[0]
  const rank: number | null = await client.zRevRank('lb', 'a')
  const results = await client.multi().incr('x').expire('x', 10).exec()
  const sub = client.duplicate()
  await sub.connect()
  await sub.subscribe('ch', (message: string) => console.log(message))
  for await (const keys of client.scanIterator({ MATCH: 'k*' })) console.log(keys.length)
  await client.quit()
  console.log(first, rank, results)
}

async function rateLimiting(): Promise<void> {
  const redis = new Redis()
  const limiter = redis.rateLimiter({ limit: 100, windowMs: 60_000, algorithm: 'sliding-window' })
  const r: RateLimitResult = await limiter.limit('ip:1.2.3.4', { cost: 2 })
  const reset: Date = r.resetAt
  const mw = rateLimit({ client: redis, limit: 100, windowMs: 60_000, standardHeaders: 'draft-8' })
  const store = new RateLimitStore({ client: createClient(), prefix: 'rl:' })
  store.init({ windowMs: 1000 })
  const hits: number = (await store.increment('k')).totalHits
  console.log(r.allowed, reset, mw, hits)
}

async function locks(): Promise<void> {
  const redis = new Redis()
  const lock = await redis.lock('payment:42', 10_000, { retryCount: 3 })
  const fence: number = lock.fence
  const released: boolean = await lock.release()
  const total: number = await redis.withLock(['a', 'b'], 5000, async (signal) => (signal.aborted ? 0 : 1))
  const redlock = new Redlock([redis, createClient()], { retryCount: 3, retryDelay: 200, retryJitter: 200 })
  const l = await redlock.acquire(['lock:payment:1'], 10_000)
  await l.release()
  console.log(fence, released, total)
}

async function caching(): Promise<void> {
  const redis = new Redis()
  const cache = redis.cache({ prefix: 'cache:', ttl: 300, local: { maxEntries: 1000, clusterTrustMs: 1000 } })
  const user = await cache.wrap('user:1', async () => ({ id: 1, name: 'Alice' }), { ttl: 600 })
  const id: number = user.id
  const n: number = await cache.invalidatePattern('user:*')
  const store = new RedisStore({ client: redis, prefix: 'sess:', ttl: 86400 })
  await store.get('sid')
  console.log(id, n, cache.stats()?.hits)
}

async function pubsub(): Promise<void> {
  const redis = new Redis()
  await redis.subscribe('orders', (evt, channel) => console.log(evt.id, channel), { json: true })
  redis.on('subscriptionsLost', (lost) => console.log(lost.channels))
  redis.on('resubscribed', ({ downMs, channels }) => console.log(downMs, channels))
  redis.on('messagesDropped', (n: number) => console.log(n))
  const subs: string[] = redis.subscriptions().channels
  const dropped: number = redis.droppedMessages
  console.log(subs, dropped)
}

async function streams(): Promise<void> {
  const redis = new Redis()
  const orders = redis.stream<{ id: number }>('orders', { maxLen: 10000 })
  const id: string = await orders.publish({ id: 1 })
  const consumer = orders.consumer({ group: 'billing', consumer: 'w1', claimIdleMs: 60000 })
  consumer.on('failed', (msg, err) => console.log(msg.id, err))
  for await (const msg of consumer) {
    const n: number = msg.data.id
    await msg.ack()
    console.log(id, n)
    break
  }
  await consumer.run(async (data) => console.log(data.id))
  await consumer.close()
  const client = createClient()
  const pending: number = await client.stream('orders').pending('billing')
  console.log(pending)
}

async function clusters(): Promise<void> {
  const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }, 7001, '127.0.0.1:7002'], { redisOptions: { password: 'p' } })
  cluster.on('smessage', (channel, message) => console.log(channel.length, message.length))
  await cluster.ssubscribe('orders{1}')
  await cluster.spublish('orders{1}', 'hi')
  const shards: string[] = cluster.subscriptions().shardChannels
  const nr = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] })
  await nr.connect()
  await nr.sSubscribe('orders{1}', (message, channel) => console.log(message, channel))
  await nr.sUnsubscribe('orders{1}')
  console.log(shards)
}

void clusters
void streams
void pubsub
void caching
void locks
void rateLimiting
void ioredisFace
void nodeRedisFace

// The ecosystem's own types: RedisStore as express-session's store, rateLimit as Express
// middleware, RateLimitStore as express-rate-limit's Store.
import express from 'express'
import session from 'express-session'
import { rateLimit as expressRateLimit, type Store as ErlStore } from 'express-rate-limit'

function express_(): void {
  const redis = new Redis()
  const app = express()
  app.use(session({ store: new RedisStore({ client: redis }), secret: 's', resave: false, saveUninitialized: false }))
  app.use('/api/', rateLimit({ client: redis, limit: 100, windowMs: 60_000 }))
  const store: ErlStore = new RateLimitStore({ client: redis })
  app.use(expressRateLimit({ windowMs: 60_000, limit: 100, store }))
  const handler: express.RequestHandler = rateLimit({ client: redis })
  app.get('/', handler, (req, res) => {
    res.json({ ok: true })
  })
}
void express_

interface Email {
  userId: string
  email: string
}

async function queues(): Promise<void> {
  const redis = createClient({ url: process.env.REDIS_URL })
  await redis.connect()
  const emailQueue = new Queue<Email, { sent: boolean }, 'send-welcome'>('email', { connection: redis, defaultJobOptions: { removeOnComplete: { age: 3600, count: 1000 } } })
  const job: Job<Email, { sent: boolean }, 'send-welcome'> = await emailQueue.add('send-welcome', { userId: 'u1', email: 'a@b.c' }, {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
  })
  await emailQueue.addBulk([{ name: 'send-welcome', data: { userId: 'u2', email: 'b@c.d' }, opts: { priority: 2, delay: 500 } }])
  const counts: { [state: string]: number } = await emailQueue.getJobCounts('waiting', 'active')
  console.log(counts.waiting, await job.getState(), job.attemptsMade)
  await emailQueue.upsertJobScheduler('digest', { pattern: '0 9 * * *', tz: 'Europe/Paris' }, { name: 'send-welcome', data: { userId: 'all', email: '' } })
  const worker = new Worker<Email, { sent: boolean }, 'send-welcome'>(
    'email',
    async (j, _token, signal) => {
      await j.updateProgress(50)
      if (signal?.aborted) throw new UnrecoverableError('lease lost')
      return { sent: j.data.email.length > 0 }
    },
    { connection: redis, concurrency: 5, lockDuration: 30000, limiter: { max: 10, duration: 1000 } }
  )
  worker.on('completed', (j, result) => console.log(j.id, result.sent))
  worker.on('failed', (j, err) => console.log(j?.id, err.message))
  worker.on('error', (err) => console.log(err.code))
  // BullMQ's job operations, deduplication and manual processing.
  await emailQueue.add('send-welcome', { userId: 'u3', email: 'c@d.e' }, { deduplication: { id: 'u3', ttl: 1000 } })
  const holder: string | null = await emailQueue.getDeduplicationJobId('u3')
  const trimmed: number = await emailQueue.trimEvents(100)
  await job.changePriority({ priority: 3 })
  await job.promote().catch(() => undefined)
  const manual = new Worker<Email, { sent: boolean }, 'send-welcome'>('email', null, { connection: redis })
  const taken = await manual.getNextJob('my-token')
  if (taken) {
    await taken.extendLock('my-token', 30_000)
    const next: Job<Email, { sent: boolean }, 'send-welcome'> | undefined = await taken.moveToCompleted({ sent: true }, 'my-token', true)
    console.log(holder, trimmed, next?.id)
  }
  const limited: Error = Worker.RateLimitError()
  await manual.rateLimit(1000)
  console.log(limited.name)
  const events = new QueueEvents('email', { connection: { host: 'localhost', port: 6380 } })
  events.on('completed', ({ jobId, returnvalue }) => console.log(jobId, returnvalue))
  const result: { sent: boolean } = await job.waitUntilFinished(events, 5000)
  console.log(result.sent)
  await worker.close()
  await events.close()
  await emailQueue.close()
}
void queues

// ioredis 6 options and methods (#16): protocol, reconnectOnError, blockingTimeout,
// client info, monitor, buffer scan streams, error classes; node-redis RESP and monitor.
async function ioredisCompat() {
  const redis = new Redis({
    protocol: 2,
    reconnectOnError: (err: ReplyError) => (err.message.startsWith('READONLY') ? 2 : false),
    blockingTimeout: 1000,
    blockingTimeoutGrace: 50,
    clientInfoTag: 'api',
    disableClientInfo: false,
    enableAutoPipelining: true,
  })
  const raw = new Redis({ protocol: 3, replyMapping: 'resp3' })
  const m: Monitor = await redis.monitor()
  m.on('monitor', (time, args, source, db) => console.log(time, args.join(' '), source, db))
  m.disconnect()
  const queued: number = redis.autoPipelineQueueSize
  redis.scanBufferStream({ match: 'k*' }).on('data', (keys: Buffer[]) => console.log(keys.length, queued))
  const e = await redis.get('k').catch((x: unknown) => x)
  if (e instanceof MaxRetriesPerRequestError || e instanceof AbortError) console.log(e.code)
  const nr = createClient({ RESP: 2, clientInfoTag: 'api' })
  const nm: Monitor = await nr.monitor((line) => console.log(line))
  nm.disconnect()
  await raw.quit()
}
void ioredisCompat

async function sentinel() {
  const redis = new Redis({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster', role: 'master', sentinelPassword: 's' })
  const nr = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }], role: 'replica' })
  await nr.connect()
  const secure = new Redis({ sentinels: [{ port: 26380 }], name: 'mymaster', sentinelTLS: { ca: 'PEM' }, tls: { ca: 'PEM' }, enableTLSForSentinelMode: true })
  const nrSecure = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ port: 26380 }], sentinelClientOptions: { socket: { tls: true, ca: 'PEM' } } })
  void secure
  void nrSecure
  await redis.set('k', 'v')
}
void sentinel

async function fidelity() {
  const { defineScript, createClientPool, RESP_TYPES, MultiErrorReply, WatchError, ClientClosedError, SimpleError, ErrorReply, ReplyError } = await import('../..')
  const incrBy = defineScript({
    SCRIPT: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    NUMBER_OF_KEYS: 1,
    parseCommand(parser, key: string, by: number) {
      parser.pushKey(key)
      parser.push(String(by))
    },
  })
  const client = createClient({ scripts: { incrBy } })
  const pool = createClientPool({ url: 'redis://localhost:6380' })
  const n: number = await pool.execute(async (c) => Number(await c.get('k')))
  const typed = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
  void typed
  try {
    await client.multi().incr('a').exec()
  } catch (err) {
    if (err instanceof MultiErrorReply) console.log(err.errorIndexes, err.replies.length)
    else if (err instanceof WatchError || err instanceof ClientClosedError) console.log(err.code)
    else if (err instanceof SimpleError && err instanceof ErrorReply) console.log(err.message)
  }
  const redis = new Redis()
  const e = await redis.get('k').catch((x: unknown) => x)
  if (e instanceof ReplyError && e.command) console.log(e.command.name, e.command.args.length, n)
}
void fidelity
