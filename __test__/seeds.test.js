'use strict'
// The user's own examples (../shared/seeds/), run as written; only the import and
// construction lines differ (they point at this package and at the test server).
const test = require('node:test')
const assert = require('node:assert/strict')
const { RedisServer, sleep, waitFor } = require('./helpers')

let server
test.before(async () => {
  server = await RedisServer.start()
  process.env.REDIS_URL = server.url
})
test.after(() => server.stop())

test('seed 000 (node-redis): setup, cache-aside, single-flight, MULTI limiter, pub/sub, leaderboard', async () => {
  const log = { error: () => {} }
  const db = { user: { findUnique: async ({ where }) => ({ id: where.id, name: `user ${where.id}` }) } }
  const io = { emitted: [], to(room) { return { emit: (ev, data) => io.emitted.push([room, ev, data]) } } }

  // --- Connection setup ---
  const { createClient } = require('..') // was: import { createClient } from 'redis';
  const redis = createClient({
    url: process.env.REDIS_URL,
    socket: {
      reconnectStrategy: (retries) => Math.min(retries * 50, 2000),
    },
  });
  redis.on('error', (err) => log.error({ err }, 'Redis error'));
  await redis.connect();

  // --- Caching patterns ---
  async function getUser(id) {
    const key = `user:${id}`;
    const hit = await redis.get(key);
    if (hit) return JSON.parse(hit);
    const user = await db.user.findUnique({ where: { id } });
    await redis.setEx(key, 300, JSON.stringify(user)); // 5min TTL
    return user;
  }
  const inflight = new Map();
  async function cachedFetch(key, loader) {
    if (inflight.has(key)) return inflight.get(key);
    const promise = loader().finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }
  assert.deepEqual(await getUser('7'), { id: '7', name: 'user 7' })
  assert.deepEqual(await getUser('7'), { id: '7', name: 'user 7' })
  assert.ok((await redis.ttl('user:7')) > 290)
  let loads = 0
  const loader = async () => (loads++, await sleep(20), 'value')
  assert.deepEqual(await Promise.all([cachedFetch('k', loader), cachedFetch('k', loader)]), ['value', 'value'])
  assert.equal(loads, 1)

  // --- Rate limiting with sorted sets ---
  async function rateLimit(userId, limit, windowMs) {
    const now = Date.now();
    const key = `rl:${userId}`;
    const windowStart = now - windowMs;
    const pipeline = redis.multi();
    pipeline.zRemRangeByScore(key, 0, windowStart); // remove old entries
    pipeline.zAdd(key, { score: now, value: `${now}` });
    pipeline.zCard(key);
    pipeline.expire(key, Math.ceil(windowMs / 1000));
    const results = await pipeline.exec();
    const count = results[2];
    return count <= limit;
  }
  const verdicts = []
  for (let i = 0; i < 4; i++) {
    verdicts.push(await rateLimit('u1', 3, 60_000))
    await sleep(2) // distinct milliseconds: the seed's members collide within one ms
  }
  assert.deepEqual(verdicts, [true, true, true, false])

  // --- Pub/Sub for real-time events ---
  const projectId = 'p1'
  const subscriber = redis.duplicate();
  await subscriber.connect();
  const delivered = new Promise((resolve) => {
    subscriber.subscribe('deployments', (message) => {
      const event = JSON.parse(message);
      io.to(`project:${event.projectId}`).emit('deployment', event);
      resolve()
    });
  })
  // Not awaited in the snippet: wait until the server holds the subscription.
  await waitFor(async () => (await redis.sendCommand(['PUBSUB', 'NUMSUB', 'deployments']))[1] === 1)
  await redis.publish('deployments', JSON.stringify({ projectId, status: 'deployed' }));
  await delivered
  assert.deepEqual(io.emitted, [['project:p1', 'deployment', { projectId: 'p1', status: 'deployed' }]])

  // --- Leaderboards with sorted sets ---
  const userId = 'u42', newScore = 1234
  await redis.zAdd('leaderboard:monthly', { score: newScore, value: userId });
  await redis.zAdd('leaderboard:monthly', { score: 99, value: 'u1' });
  const leaders = await redis.zRangeWithScores('leaderboard:monthly', 0, 9, { REV: true });
  const rank = await redis.zRevRank('leaderboard:monthly', userId);
  assert.deepEqual(leaders, [{ value: 'u42', score: 1234 }, { value: 'u1', score: 99 }])
  assert.equal(rank, 0)

  await subscriber.quit()
  await redis.quit()
})

test('seed 003 (ioredis): setup, data structures, CacheService, pub/sub, pipeline limiter, Lua', async () => {
  const db = {
    users: { findById: async (id) => (id === 'none' ? null : { id, name: 'Alice' }), update: async (id, data) => ({ id, ...data }) },
    orders: { create: async (o) => ({ id: 'o1', ...o }) },
  }
  const seen = []
  const emailService = { sendOrderConfirmation: (d) => seen.push(['confirm', d.orderId]), sendWelcome: (d) => seen.push(['welcome', d.userId]) }
  const analyticsService = { trackOrder: (d) => seen.push(['track', d.orderId]) }
  const fulfillmentService = { processOrder: (d) => seen.push(['fulfil', d.orderId]) }
  const logged = []
  const console = { log: (m) => logged.push(m), error: () => {} }

  // --- Setting Up ioredis ---
  const Redis = require('..').Redis; // was: const Redis = require('ioredis');
  const redis = new Redis({
    host: process.env.REDIS_HOST || 'localhost',
    port: server.port, // was: 6379
    password: process.env.REDIS_PASSWORD,
    maxRetriesPerRequest: 3,
    retryStrategy(times) {
      const delay = Math.min(times * 50, 2000);
      return delay;
    },
  });
  const connected = new Promise((resolve) => redis.on('connect', () => { console.log('Redis connected'); resolve() }))
  redis.on('error', (err) => console.error('Redis error:', err));
  await connected
  assert.deepEqual(logged, ['Redis connected'])

  // --- Redis Data Structures ---
  await redis.set('user:1:name', 'Alice');
  assert.equal(await redis.get('user:1:name'), 'Alice'); // 'Alice'
  await redis.set('api:token', 'abc123', 'EX', 3600); // Expires in 1 hour
  await redis.hset('user:1', { name: 'Alice', email: 'alice@example.com', role: 'admin' });
  assert.equal(await redis.hget('user:1', 'name'), 'Alice');    // 'Alice'
  assert.deepEqual(await redis.hgetall('user:1'), { name: 'Alice', email: 'alice@example.com', role: 'admin' });
  await redis.lpush('queue:emails', JSON.stringify({ to: 'alice@example.com', subject: 'Welcome' }));
  assert.equal(JSON.parse(await redis.rpop('queue:emails')).subject, 'Welcome'); // FIFO processing
  await redis.sadd('user:1:roles', 'admin', 'editor');
  assert.equal(await redis.sismember('user:1:roles', 'admin'), 1); // 1 (true)
  assert.deepEqual((await redis.smembers('user:1:roles')).sort(), ['admin', 'editor']);
  await redis.zadd('leaderboard', 1500, 'player:1', 2200, 'player:2', 1800, 'player:3');
  assert.deepEqual(await redis.zrevrange('leaderboard', 0, 9, 'WITHSCORES'), ['player:2', '2200', 'player:3', '1800', 'player:1', '1500']); // Top 10

  // --- Cache-Aside / Write-Through ---
  class CacheService {
    constructor(redis, defaultTTL = 300) {
      this.redis = redis;
      this.defaultTTL = defaultTTL;
    }
    async get(key) {
      const cached = await this.redis.get(key);
      return cached ? JSON.parse(cached) : null;
    }
    async set(key, value, ttl = this.defaultTTL) {
      await this.redis.set(key, JSON.stringify(value), 'EX', ttl);
    }
    async invalidate(key) {
      await this.redis.del(key);
    }
    async invalidatePattern(pattern) {
      const keys = await this.redis.keys(pattern);
      if (keys.length > 0) {
        await this.redis.del(...keys);
      }
    }
  }
  const cache = new CacheService(redis)
  async function getUser(id) {
    const cacheKey = `user:${id}`;
    const cached = await cache.get(cacheKey);
    if (cached) return cached;
    const user = await db.users.findById(id);
    if (!user) return null;
    await cache.set(cacheKey, user, 600); // 10 min TTL
    return user;
  }
  async function updateUser(id, data) {
    const user = await db.users.update(id, data);
    await cache.invalidate(`user:${id}`);
    return user;
  }
  async function createOrder(orderData) {
    const order = await db.orders.create(orderData);
    await cache.set(`order:${order.id}`, order, 3600);
    return order;
  }
  assert.deepEqual(await getUser('9'), { id: '9', name: 'Alice' })
  assert.ok((await redis.ttl('user:9')) > 590)
  assert.equal(await getUser('none'), null)
  await updateUser('9', { name: 'Bob' })
  assert.equal(await redis.exists('user:9'), 0)
  await createOrder({ total: 5 })
  assert.deepEqual(await cache.get('order:o1'), { id: 'o1', total: 5 })
  await cache.set('user:a', 1); await cache.set('user:b', 2)
  await cache.invalidatePattern('user:*')
  assert.deepEqual(await redis.keys('user:*'), [])

  // --- Pub/Sub Implementation ---
  async function publishEvent(channel, data) {
    await redis.publish(channel, JSON.stringify({
      ...data,
      timestamp: Date.now(),
    }));
  }
  const subscriber = new Redis({ port: server.port }); // was: new Redis(/* same config */)
  subscriber.subscribe('order:created', 'user:registered', 'payment:completed');
  subscriber.on('message', (channel, message) => {
    const data = JSON.parse(message);
    switch (channel) {
      case 'order:created':
        emailService.sendOrderConfirmation(data);
        analyticsService.trackOrder(data);
        break;
      case 'user:registered':
        emailService.sendWelcome(data);
        break;
      case 'payment:completed':
        fulfillmentService.processOrder(data);
        break;
    }
  });
  subscriber.psubscribe('order:*');
  const patterned = []
  subscriber.on('pmessage', (pattern, channel, message) => {
    patterned.push(`${channel}: ${message}`);
  });
  // The snippet does not await its subscriptions: wait until the server has them.
  await waitFor(async () => (await redis.pubsub('NUMSUB', 'order:created'))[1] === 1 && (await redis.pubsub('NUMPAT')) === 1)
  const order = { id: 'o9', userId: 'u1', total: 12 }
  await publishEvent('order:created', { orderId: order.id, userId: order.userId, total: order.total });
  await publishEvent('user:registered', { userId: 'u2' })
  await publishEvent('payment:completed', { orderId: 'o9' })
  for (let i = 0; i < 100 && seen.length < 4; i++) await sleep(10)
  assert.deepEqual(seen, [['confirm', 'o9'], ['track', 'o9'], ['welcome', 'u2'], ['fulfil', 'o9']])
  assert.equal(patterned.length, 1)
  assert.match(patterned[0], /^order:created: \{"orderId":"o9"/)

  // --- Rate Limiting (pipeline) ---
  async function rateLimit(key, limit, windowSeconds) {
    const now = Date.now();
    const windowStart = now - windowSeconds * 1000;
    const pipeline = redis.pipeline();
    pipeline.zremrangebyscore(key, 0, windowStart);
    pipeline.zadd(key, now, `${now}:${Math.random()}`);
    pipeline.zcard(key);
    pipeline.expire(key, windowSeconds);
    const results = await pipeline.exec();
    const requestCount = results[2][1];
    return {
      allowed: requestCount <= limit,
      remaining: Math.max(0, limit - requestCount),
      resetAt: new Date(now + windowSeconds * 1000),
    };
  }
  const r1 = await rateLimit('ratelimit:1.2.3.4', 2, 60)
  await rateLimit('ratelimit:1.2.3.4', 2, 60)
  const r3 = await rateLimit('ratelimit:1.2.3.4', 2, 60)
  assert.deepEqual([r1.allowed, r1.remaining, r3.allowed, r3.remaining], [true, 1, false, 0])
  assert.ok(r1.resetAt instanceof Date)

  // --- Performance Tips ---
  await redis.hset('user:1', { name: 'Alice' }); await redis.hset('user:2', { name: 'Bob' })
  const userIds = [1, 2]
  const pipeline = redis.pipeline();
  for (const id of userIds) {
    pipeline.hgetall(`user:${id}`);
  }
  const results = await pipeline.exec();
  const users = results.map(([err, data]) => data);
  assert.deepEqual(users.map((u) => u.name), ['Alice', 'Bob'])
  const luaScript = `
    local current = redis.call('GET', KEYS[1])
    if current and tonumber(current) >= tonumber(ARGV[1]) then
      return redis.call('DECRBY', KEYS[1], ARGV[1])
    end
    return nil
  `;
  await redis.set('balance:user:1', 80)
  const newBalance = await redis.eval(luaScript, 1, 'balance:user:1', 50);
  assert.equal(newBalance, 30)
  assert.equal(await redis.eval(luaScript, 1, 'balance:user:1', 50), null)

  await subscriber.quit()
  await redis.quit()
})
