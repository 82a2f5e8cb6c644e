import pkg from './index.js'
export const { Redis, Pipeline, createClient, RedisClient, RateLimiter, RateLimitStore, rateLimit } = pkg
export default pkg.Redis
