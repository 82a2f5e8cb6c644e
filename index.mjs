import pkg from './index.js'
export const { Redis, Pipeline, createClient, RedisClient, RateLimiter, RateLimitStore, rateLimit, Lock, Redlock, RedisStore } = pkg
export default pkg.Redis
