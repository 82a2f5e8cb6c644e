import pkg from './index.js'
export const { Redis, Pipeline, Cluster, createClient, createCluster, RedisClient, RateLimiter, RateLimitStore, rateLimit, Lock, Redlock, RedisStore, Queue, Worker, Job, QueueEvents, UnrecoverableError, ReplyError, ErrorReply } = pkg
export default pkg.Redis
