import pkg from './index.js'
export const { Redis, Pipeline, Cluster, createClient, createCluster, createSentinel, createClientPool, defineScript, RESP_TYPES, RedisClient, RateLimiter, RateLimitStore, rateLimit, Lock, Redlock, RedisStore, Queue, Worker, Job, QueueEvents, UnrecoverableError, ReplyError, ErrorReply, SimpleError, MultiErrorReply, WatchError, ClientClosedError, AbortError, MaxRetriesPerRequestError } = pkg
export default pkg.Redis
