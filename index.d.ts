// Types for redis-hotpath: the ioredis face (`Redis`) and the node-redis face (`createClient`).
// (Long by nature: the whole public surface in the one file `types` names, as TypeScript
// users and editors read it; sections follow the README's.)
/// <reference types="node" />
import { EventEmitter } from 'events'
import { Readable } from 'stream'

export type RedisKey = string | Buffer
export type RedisValue = string | Buffer | number
export type Callback<T> = (err: Error | null, result?: T) => void

/** Every error this package raises carries one of these stable codes. */
export type ErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_REDIS_TIMEOUT'
  | 'ERR_REDIS_CONNECTION'
  | 'ERR_REDIS_AUTH'
  | 'ERR_REDIS_REPLY'
  | 'ERR_REDIS_OFFLINE_QUEUE_FULL'
  | 'ERR_REDIS_MAX_RETRIES'
  | 'ERR_REDIS_CLOSED'
  | 'ERR_REDIS_NOT_REPLICATED'
  | 'ERR_REDIS_WATCH'
  | 'ERR_LOCK_NOT_ACQUIRED'
  | 'ERR_LOCK_LOST'
  | 'ERR_INVALID_STATE'
  | 'ERR_INVALID_JSON_MESSAGE'
  | 'ERR_INVALID_JSON'
  | 'ERR_NATIVE_ADDON'
  | 'ERR_QUEUE_CLOSED'
  | 'ERR_QUEUE_LEASE_LOST'
  | 'ERR_QUEUE_NO_JOB'
  | 'ERR_QUEUE_JOB_LOCKED'
  | 'ERR_QUEUE_JOB_STATE'
  | 'ERR_QUEUE_ACTIVE'
  | 'ERR_QUEUE_TIMEOUT'
  | 'ERR_QUEUE_BACKOFF'
  | 'ERR_QUEUE_JOB_FAILED'
  | 'ERR_QUEUE_STALLED'
  | 'ERR_INTERNAL'

export interface RedisError extends Error {
  code: ErrorCode
}

export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>
  cert?: string | Buffer
  key?: string | Buffer
  /** false skips certificate verification (tests only). */
  rejectUnauthorized?: boolean
}

export interface RedisOptions {
  host?: string
  port?: number
  path?: string
  username?: string
  password?: string
  db?: number
  tls?: TlsOptions | boolean
  /** ms to establish a connection (TCP, TLS, handshake). Default 10000. */
  connectTimeout?: number
  /** ms from issuing a command to its reply, queueing included. Default 5000. */
  commandTimeout?: number
  keepAlive?: number | boolean
  connectionName?: string
  /** Failed reconnection attempts a waiting command survives; null = unlimited. Default 20. */
  maxRetriesPerRequest?: number | null
  enableOfflineQueue?: boolean
  /** Commands allowed to wait for a connection. Default 10000. */
  maxOfflineQueue?: number
  /** Put before every key argument (not values, channels or KEYS/SCAN patterns), as ioredis does. */
  keyPrefix?: string
  /** Commands defined at construction, as `defineCommand` does. */
  scripts?: Record<string, { lua: string; numberOfKeys?: number; readOnly?: boolean }>
  lazyConnect?: boolean
  /** Delay in ms before reconnection attempt `times`, or a non-number to stop. */
  retryStrategy?: (times: number) => number | null | undefined | void
  /** For a command's error reply: true/1 reconnects, 2 reconnects and sends the command again. */
  reconnectOnError?: ((err: ReplyError) => boolean | 0 | 1 | 2 | null | undefined | void) | null
  /** ms after which a blocking command with no reply resolves null (block-forever ones); off by default. */
  blockingTimeout?: number
  /** Added to a finite block time before it resolves null (with blockingTimeout). Default 100. */
  blockingTimeoutGrace?: number
  /** RESP version; default 3 (a server without HELLO gets 2). Replies keep RESP2 shapes unless replyMapping is 'resp3'. */
  protocol?: 2 | 3
  /** 'resp3': maps as objects and doubles as numbers in every reply (protocol 3 only). */
  replyMapping?: 'legacy' | 'resp3'
  /** CLIENT SETINFO LIB-NAME becomes `redis-hotpath(<tag>)`. */
  clientInfoTag?: string
  /** Send no CLIENT SETINFO. */
  disableClientInfo?: boolean
  /** Accepted for ioredis compatibility: commands of one tick are always pipelined here. */
  enableAutoPipelining?: boolean
  /** Redis Sentinel nodes to ask for the server (host/port/url are then unused). */
  sentinels?: Array<{ host?: string; port?: number }>
  /** With `sentinels`: the monitored set's name. */
  name?: string
  /** With `sentinels`: the primary (default) or a replica. */
  role?: 'master' | 'slave'
  sentinelUsername?: string
  sentinelPassword?: string
  /** TLS to the sentinels. */
  sentinelTLS?: TlsOptions | boolean
  /** With `sentinels`: use `tls` for the data servers too (ioredis ignores `tls` there otherwise). */
  enableTLSForSentinelMode?: boolean
}

/** A MONITOR connection: `monitor` events for every command the server runs. */
export interface Monitor extends EventEmitter {
  readonly mode: 'monitor'
  status: 'connecting' | 'ready' | 'end'
  disconnect(): void
  quit(): Promise<'OK'>
  on(event: 'monitor', listener: (time: string, args: string[], source: string, database: string) => void): this
  on(event: 'line', listener: (line: string) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

type Reply = any
type Args = Array<RedisValue | RedisValue[] | Record<string, RedisValue> | Map<RedisValue, RedisValue> | Callback<Reply>>

export type RedisStatus = 'wait' | 'connecting' | 'connect' | 'ready' | 'close' | 'reconnecting' | 'end'

interface IoredisCommands<R> {
  get(key: RedisKey, cb?: Callback<string | null>): R extends 'pipeline' ? Pipeline : Promise<string | null>
  getBuffer(key: RedisKey, cb?: Callback<Buffer | null>): R extends 'pipeline' ? Pipeline : Promise<Buffer | null>
  set(key: RedisKey, value: RedisValue, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<'OK' | string | null>
  setex(key: RedisKey, seconds: number, value: RedisValue): R extends 'pipeline' ? Pipeline : Promise<'OK'>
  del(...keys: Array<RedisKey | RedisKey[]>): R extends 'pipeline' ? Pipeline : Promise<number>
  incr(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<number>
  incrby(key: RedisKey, by: number): R extends 'pipeline' ? Pipeline : Promise<number>
  expire(key: RedisKey, seconds: number, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<number>
  ttl(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<number>
  keys(pattern: string): R extends 'pipeline' ? Pipeline : Promise<string[]>
  hset(key: RedisKey, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<number>
  hget(key: RedisKey, field: RedisValue): R extends 'pipeline' ? Pipeline : Promise<string | null>
  hgetall(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<Record<string, string>>
  lpush(key: RedisKey, ...values: Args): R extends 'pipeline' ? Pipeline : Promise<number>
  rpop(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<string | null>
  sadd(key: RedisKey, ...members: Args): R extends 'pipeline' ? Pipeline : Promise<number>
  sismember(key: RedisKey, member: RedisValue): R extends 'pipeline' ? Pipeline : Promise<number>
  smembers(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<string[]>
  zadd(key: RedisKey, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<number>
  zrevrange(key: RedisKey, start: number, stop: number, withScores?: 'WITHSCORES'): R extends 'pipeline' ? Pipeline : Promise<string[]>
  zrange(key: RedisKey, start: number | string, stop: number | string, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<string[]>
  zremrangebyscore(key: RedisKey, min: number | string, max: number | string): R extends 'pipeline' ? Pipeline : Promise<number>
  zcard(key: RedisKey): R extends 'pipeline' ? Pipeline : Promise<number>
  publish(channel: string, message: RedisValue): R extends 'pipeline' ? Pipeline : Promise<number>
  eval(script: string, numKeys: number, ...args: Args): R extends 'pipeline' ? Pipeline : Promise<Reply>
  /** Every other Redis command, lower-case, variadic. */
  [command: string]: any
}

export interface Pipeline extends IoredisCommands<'pipeline'> {
  readonly length: number
  /** Resolves with one `[error, result]` pair per command (`null` if a WATCH aborted a MULTI). */
  exec(cb?: Callback<Array<[Error | null, Reply]> | null>): Promise<Array<[Error | null, Reply]> | null>
}

export interface Redis extends IoredisCommands<'client'> {}
export declare class Redis extends EventEmitter {
  constructor(port?: number, host?: string, options?: RedisOptions)
  constructor(url: string, options?: RedisOptions)
  constructor(options?: RedisOptions)
  [command: string]: any
  readonly options: RedisOptions
  status: RedisStatus
  /** 'subscriber' while the client holds subscriptions, else 'normal'. */
  readonly mode: 'normal' | 'subscriber'
  connect(cb?: Callback<void>): Promise<void>
  call(command: string, ...args: Args): Promise<Reply>
  callBuffer(command: string, ...args: Args): Promise<Reply>
  pipeline(commands?: Array<[string, ...RedisValue[]]>): Pipeline
  multi(commands?: Array<[string, ...RedisValue[]]>): Pipeline
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void
  scanStream(options?: { match?: string; count?: number; type?: string }): Readable
  sscanStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  hscanStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  zscanStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  scanBufferStream(options?: { match?: string; count?: number; type?: string }): Readable
  sscanBufferStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  hscanBufferStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  zscanBufferStream(key: RedisKey, options?: { match?: string; count?: number }): Readable
  /** A monitor connection of its own. */
  monitor(cb?: Callback<Monitor>): Promise<Monitor>
  /** Commands waiting in this tick's batch. */
  readonly autoPipelineQueueSize: number
  subscribe(...channels: Array<string | Callback<number>>): Promise<number>
  psubscribe(...patterns: Array<string | Callback<number>>): Promise<number>
  ssubscribe(...channels: Array<string | Callback<number>>): Promise<number>
  sunsubscribe(...channels: Array<string | Callback<number>>): Promise<number>
  unsubscribe(...channels: string[]): Promise<number>
  punsubscribe(...patterns: string[]): Promise<number>
  duplicate(override?: RedisOptions): Redis
  quit(cb?: Callback<'OK'>): Promise<'OK'>
  disconnect(reconnect?: boolean): void

  on(event: 'connect' | 'ready' | 'close' | 'end', listener: () => void): this
  on(event: 'error', listener: (err: RedisError) => void): this
  on(event: 'reconnecting', listener: (delayMs: number) => void): this
  on(event: 'message', listener: (channel: string, message: string) => void): this
  on(event: 'pmessage', listener: (pattern: string, channel: string, message: string) => void): this
  on(event: 'messageBuffer', listener: (channel: Buffer, message: Buffer) => void): this
  on(event: 'pmessageBuffer', listener: (pattern: Buffer, channel: Buffer, message: Buffer) => void): this
  on(event: 'resubscribed', listener: (info: { downMs: number } & Subscriptions) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

export interface ClientOptions {
  url?: string
  username?: string
  password?: string
  database?: number
  name?: string
  /** ms from issuing a command to its reply, queueing included. Default 5000. */
  commandTimeout?: number
  disableOfflineQueue?: boolean
  commandsQueueMaxLength?: number
  /** RESP version; 3 here by default. With 3, sendCommand's raw replies keep RESP3 types. */
  RESP?: 2 | 3
  clientInfoTag?: string
  disableClientInfo?: boolean
  /** node-redis' scripts: `defineScript(...)` results, each a method of the client and its multi(). */
  scripts?: Record<string, ScriptDefinition>
  socket?: {
    host?: string
    port?: number
    path?: string
    tls?: boolean
    ca?: string | Buffer
    cert?: string | Buffer
    key?: string | Buffer
    rejectUnauthorized?: boolean
    connectTimeout?: number
    keepAlive?: number | boolean
    /** Delay before reconnecting after `retries` failed attempts; false or an Error stops. */
    reconnectStrategy?: false | number | ((retries: number, cause?: Error) => number | false | Error)
  }
}

export interface SetOptions {
  EX?: number
  PX?: number
  EXAT?: number
  PXAT?: number
  KEEPTTL?: boolean
  NX?: boolean
  XX?: boolean
  GET?: boolean
}

export interface ZMember {
  score: number
  value: string
}

export interface ZRangeOptions {
  BY?: 'SCORE' | 'LEX'
  REV?: boolean
  LIMIT?: { offset: number; count: number }
}

interface NodeRedisCommands<T> {
  get(key: RedisKey): T extends 'multi' ? Multi : Promise<string | null>
  set(key: RedisKey, value: RedisValue, options?: SetOptions): T extends 'multi' ? Multi : Promise<string | null>
  setEx(key: RedisKey, seconds: number, value: RedisValue): T extends 'multi' ? Multi : Promise<string>
  del(keys: RedisKey | RedisKey[]): T extends 'multi' ? Multi : Promise<number>
  incr(key: RedisKey): T extends 'multi' ? Multi : Promise<number>
  expire(key: RedisKey, seconds: number, mode?: 'NX' | 'XX' | 'GT' | 'LT'): T extends 'multi' ? Multi : Promise<number>
  hSet(key: RedisKey, field: RedisValue | Record<string, RedisValue> | Map<RedisValue, RedisValue>, value?: RedisValue): T extends 'multi' ? Multi : Promise<number>
  hGetAll(key: RedisKey): T extends 'multi' ? Multi : Promise<Record<string, string>>
  zAdd(key: RedisKey, members: ZMember | ZMember[], options?: { NX?: boolean; XX?: boolean; GT?: boolean; LT?: boolean; CH?: boolean }): T extends 'multi' ? Multi : Promise<number>
  zRange(key: RedisKey, min: number | string, max: number | string, options?: ZRangeOptions): T extends 'multi' ? Multi : Promise<string[]>
  zRangeWithScores(key: RedisKey, min: number | string, max: number | string, options?: ZRangeOptions): T extends 'multi' ? Multi : Promise<ZMember[]>
  zRevRank(key: RedisKey, member: RedisValue): T extends 'multi' ? Multi : Promise<number | null>
  zScore(key: RedisKey, member: RedisValue): T extends 'multi' ? Multi : Promise<number | null>
  zRemRangeByScore(key: RedisKey, min: number | string, max: number | string): T extends 'multi' ? Multi : Promise<number>
  zCard(key: RedisKey): T extends 'multi' ? Multi : Promise<number>
  publish(channel: string, message: RedisValue): T extends 'multi' ? Multi : Promise<number>
  eval(script: string, options?: { keys?: string[]; arguments?: string[] }): T extends 'multi' ? Multi : Promise<Reply>
  /** Every other command, camelCase or lower-case. */
  [command: string]: any
}

export interface Multi extends NodeRedisCommands<'multi'> {
  /** Resolves with the replies; rejects (with `replies` and `errorIndexes`) if any failed. */
  exec(): Promise<Reply[]>
  execAsPipeline(): Promise<Reply[]>
}

export interface RedisClient extends NodeRedisCommands<'client'> {}
export declare class RedisClient extends EventEmitter {
  constructor(options?: ClientOptions)
  [command: string]: any
  readonly isOpen: boolean
  readonly isReady: boolean
  connect(): Promise<this>
  sendCommand(args: RedisValue[], options?: { returnBuffers?: boolean }): Promise<Reply>
  multi(): Multi
  scanIterator(options?: { MATCH?: string; COUNT?: number; TYPE?: string }): AsyncIterableIterator<string[]>
  subscribe(channels: string | string[], listener: (message: string, channel: string) => void, bufferMode?: boolean): Promise<void>
  pSubscribe(patterns: string | string[], listener: (message: string, channel: string) => void, bufferMode?: boolean): Promise<void>
  unsubscribe(channels?: string | string[], listener?: (...args: any[]) => void): Promise<void>
  pUnsubscribe(patterns?: string | string[], listener?: (...args: any[]) => void): Promise<void>
  /** MONITOR on a connection of its own; `listener` gets each raw line. */
  monitor(listener: (line: string) => void): Promise<Monitor>
  duplicate(overrides?: ClientOptions): RedisClient
  quit(): Promise<'OK'>
  close(): Promise<'OK'>
  disconnect(): Promise<void>
  destroy(): void
  on(event: 'connect' | 'ready' | 'end' | 'reconnecting', listener: () => void): this
  on(event: 'error', listener: (err: RedisError) => void): this
  on(event: 'resubscribed', listener: (info: { downMs: number } & Subscriptions) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

export declare function createClient(options?: ClientOptions): RedisClient

export interface SentinelOptions {
  /** The monitored set's name. */
  name: string
  sentinelRootNodes: Array<{ host?: string; port?: number }>
  /** Options for the data-server connections. */
  nodeClientOptions?: ClientOptions
  /** Credentials for the sentinels. */
  sentinelClientOptions?: {
    username?: string
    password?: string
    /** TLS to the sentinels. */
    socket?: { tls?: boolean; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean }
  }
  /** The primary (default) or a replica. */
  role?: 'master' | 'replica'
}

/** node-redis' `createSentinel`: a client on the server Sentinel names, following failovers; call `connect()`. */
export declare function createSentinel(options: SentinelOptions): RedisClient

/** A Redis Cluster seed node: a port, "host:port", a URL, or { host, port }. */
export type ClusterNode = number | string | { host?: string; port?: number; url?: string }

export interface ClusterOptions {
  /** Options for every node connection (password, username, commandTimeout...). */
  redisOptions?: RedisOptions
  lazyConnect?: boolean
}

/**
 * ioredis' `new Redis.Cluster(nodes, options)`: commands go to the node owning their key's
 * slot; a MULTI must stay in one slot; sharded pub/sub with ssubscribe/spublish/smessage.
 */
export declare class Cluster extends Redis {
  constructor(startupNodes: ClusterNode[], options?: ClusterOptions)
  readonly startupNodes: ClusterNode[]
}

export interface ClusterClientOptions {
  rootNodes: ClusterNode[]
  /** Client options for every node (password, username...). */
  defaults?: ClientOptions
}

/** node-redis' `createCluster({ rootNodes, defaults })`; call `connect()`. */
export declare function createCluster(options: ClusterClientOptions): RedisClient

// --- Rate limiting -------------------------------------------------------------------

export type RateLimitAlgorithm = 'sliding-window' | 'sliding-window-counter' | 'fixed-window' | 'token-bucket'

export interface RateLimiterOptions {
  /** Requests (or tokens) per window. */
  limit: number
  windowMs: number
  /** Default 'sliding-window'. */
  algorithm?: RateLimitAlgorithm
  /** Token bucket: how many may be spent at once (default `limit`). */
  burst?: number
  /** Key prefix (default 'rl:'); keys are `prefix{id}:tag`, one Cluster slot each. */
  prefix?: string
  /** When Redis cannot answer: allow (default), deny, or use an in-process limiter. */
  onRedisError?: 'fail-open' | 'fail-closed' | 'memory'
  /** Remember keys that are over their limit and deny them without asking Redis. */
  blockOnExceeded?: boolean
}

export interface RateLimitResult {
  allowed: boolean
  remaining: number
  limit: number
  resetAt: Date
  /** 0 when allowed; Infinity when the cost exceeds the limit. */
  retryAfterMs: number
  /** Set when Redis could not answer and the failure policy decided. */
  error?: RedisError
}

export declare class RateLimiter {
  limit(key: string, options?: { cost?: number }): Promise<RateLimitResult>
  peek(key: string): Promise<RateLimitResult>
  reset(key: string): Promise<void>
}

// --- Locks ---------------------------------------------------------------------------

export interface LockOptions {
  /** Durability knob: count the write only once this many replicas acknowledged it (WAIT); off by default. */
  waitReplicas?: number
  /** How long WAIT waits for them, ms (default 500). */
  waitTimeoutMs?: number
  /** Further attempts after the first (default 10). */
  retryCount?: number
  /** ms between attempts (default 200), +/- `retryJitter` ms (default 100). */
  retryDelay?: number
  retryJitter?: number
  /** Stops waiting for the lock. */
  signal?: AbortSignal
  /** Key prefix (default 'lock:'); keys are `prefix{resource}`. */
  prefix?: string
}

export declare class Lock {
  readonly resource: string
  readonly resources: string[]
  readonly token: string
  /** Strictly greater than every earlier fence of this resource. */
  readonly fence: number
  readonly fences: number[]
  expiresAt: Date
  /** Resolves whether the lock was still ours (and is now released). */
  release(): Promise<boolean>
  /** Resolves whether the lock was still ours (and is now extended). */
  extend(ttlMs: number): Promise<boolean>
}

interface LockMethods {
  lock(resources: string | string[], ttlMs: number, options?: LockOptions): Promise<Lock>
  /** Keeps the lock alive from native timers; `signal` aborts (ERR_LOCK_LOST) if it is lost. */
  withLock<T>(resources: string | string[], ttlMs: number, routine: (signal: AbortSignal, lock: Lock) => Promise<T> | T, options?: LockOptions & { automaticExtensionThreshold?: number }): Promise<T>
}

export interface RedlockSettings {
  driftFactor?: number
  /** ms each server's vote is awaited (default a tenth of the TTL, at least 10). */
  voteTimeout?: number
  retryCount?: number
  retryDelay?: number
  retryJitter?: number
  automaticExtensionThreshold?: number
}

export declare class RedlockLock {
  readonly resources: string[]
  readonly value: string
  readonly attempts: Array<{ votesFor: number; votesAgainst?: number; reasons?: string[] }>
  readonly expiration: number
  release(): Promise<{ attempts: Array<{ votesFor: number }> }>
  unlock(): Promise<{ attempts: Array<{ votesFor: number }> }>
  extend(duration: number): Promise<RedlockLock>
}

/** Drop-in for `redlock`: quorum floor(N/2)+1 over independent servers. */
export declare class Redlock extends EventEmitter {
  constructor(clients: Array<Redis | RedisClient>, settings?: RedlockSettings)
  readonly quorum: number
  acquire(resources: string[], duration: number, settings?: RedlockSettings): Promise<RedlockLock>
  release(lock: RedlockLock): Promise<{ attempts: Array<{ votesFor: number }> }>
  extend(lock: RedlockLock, duration: number): Promise<RedlockLock>
  using<T>(resources: string[], duration: number, routine: (signal: AbortSignal) => Promise<T>): Promise<T>
  using<T>(resources: string[], duration: number, settings: RedlockSettings, routine: (signal: AbortSignal) => Promise<T>): Promise<T>
}

// --- Cache and sessions ----------------------------------------------------------------

export interface NearCacheOptions {
  maxEntries?: number
  maxBytes?: number
  /** ms a local copy may live at most (default 60000); invalidation usually removes it sooner. */
  ttl?: number
  /** Hits return one shared deep-frozen object instead of a fresh copy. */
  shared?: boolean
  /**
   * Redis Cluster only: local hits need every primary to have answered a ping sent less than
   * this many ms ago (default 1000, at least 100); keep it below cluster-node-timeout.
   */
  clusterTrustMs?: number
}

export interface CacheOptions {
  prefix?: string
  /** Seconds; 0: no expiry. Default 300. */
  ttl?: number
  lockTtlMs?: number
  negativeTtl?: number
  local?: boolean | NearCacheOptions
}

export declare class Cache {
  get<T = unknown>(key: string): Promise<T | null>
  getBuffer(key: string): Promise<Buffer | null>
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>
  del(...keys: Array<string | string[]>): Promise<number>
  mget<T = unknown>(keys: string[]): Promise<Array<T | null>>
  mset(entries: Record<string, unknown> | Map<string, unknown> | Array<[string, unknown]>, ttlSeconds?: number): Promise<void>
  invalidatePattern(pattern: string, options?: { count?: number }): Promise<number>
  wrap<T>(key: string, loader: () => Promise<T> | T, options?: { ttl?: number; lock?: boolean; waitMs?: number }): Promise<T>
  stats(): { hits: number; misses: number; evictions: number; invalidations: number; entries: number; bytes: number } | null
}

export interface RedisStoreOptions {
  client: Redis | RedisClient
  /** Durability knob: count the write only once this many replicas acknowledged it (WAIT); off by default. */
  waitReplicas?: number
  /** How long WAIT waits for them, ms (default 500). */
  waitTimeoutMs?: number
  prefix?: string
  scanCount?: number
  serializer?: { parse(s: string): any; stringify(s: any): string }
  ttl?: number | ((sess: any) => number)
  disableTTL?: boolean
  disableTouch?: boolean
}

type SessionCallback = (err?: any, data?: any) => void

/**
 * connect-redis drop-in: an express-session Store. At run time it extends express-session's
 * `Store` (when express-session is installed); the type carries the same members, so it is
 * assignable to `session({ store })` without this file importing express-session.
 */
export declare class RedisStore extends EventEmitter {
  constructor(options: RedisStoreOptions)
  /** From express-session's Store. */
  regenerate(req: any, callback: (err?: any) => any): void
  /** From express-session's Store. */
  load(sid: string, callback: (err: any, session?: any) => any): void
  /** From express-session's Store. */
  createSession(req: any, session: any): any
  prefix: string
  get(sid: string, cb?: SessionCallback): Promise<any>
  set(sid: string, sess: any, cb?: SessionCallback): Promise<any>
  touch(sid: string, sess: any, cb?: SessionCallback): Promise<any>
  destroy(sid: string, cb?: SessionCallback): Promise<any>
  clear(cb?: SessionCallback): Promise<any>
  length(cb?: SessionCallback): Promise<number>
  ids(cb?: SessionCallback): Promise<string[]>
  all(cb?: SessionCallback): Promise<any[]>
}

export interface Subscriptions {
  channels: string[]
  patterns: string[]
  /** Sharded channels (Redis Cluster). */
  shardChannels: string[]
}

export interface StreamOptions {
  /** Trim the stream to about this many entries on each publish (MAXLEN ~). */
  maxLen?: number
  /** Serialise on publish and parse on read as JSON (default true). */
  json?: boolean
}

export interface StreamMessage<T = any> {
  /** The entry id. */
  id: string
  /** The published value (parsed when the stream is JSON). */
  data: T
  /** Acknowledges this entry; resolves 1 if it was pending. */
  ack(): Promise<number>
}

export interface StreamConsumerOptions {
  group: string
  consumer: string
  /** Entries per read (default 10). */
  count?: number
  /** How long one read waits for new entries (default 5000 ms). */
  blockMs?: number
  /** Take over other consumers' entries pending at least this long (default 0: never). */
  claimIdleMs?: number
  /** Where a group created by this consumer starts: '$' (default, new entries) or '0'. */
  startId?: string
}

/** A durable channel on a Redis Stream (at-least-once delivery with consumer groups). */
export interface Stream<T = any> {
  readonly name: string
  publish(data: T): Promise<string>
  createGroup(group: string, options?: { startId?: string }): Promise<boolean>
  ack(group: string, ...ids: string[]): Promise<number>
  length(): Promise<number>
  pending(group: string): Promise<number>
  consumer(options: StreamConsumerOptions): StreamConsumer<T>
}

/** One consumer of a group, on its own connection. */
export interface StreamConsumer<T = any> extends EventEmitter, AsyncIterable<StreamMessage<T>> {
  readonly closed: boolean
  /** Own pending entries first, then claimed ones, then new ones (waits up to blockMs). */
  read(): Promise<StreamMessage<T>[]>
  /** Handles entries one at a time, acknowledging each after `handler` resolves. */
  run(handler: (data: T, message: StreamMessage<T>) => unknown): Promise<void>
  close(): Promise<void>
  on(event: 'error', listener: (err: Error) => void): this
  on(event: 'failed', listener: (message: StreamMessage<T>, err: unknown) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

interface PubSubHealth {
  /** A durable channel on a Redis Stream, for events that must not be lost. */
  stream<T = any>(name: string, options?: StreamOptions): Stream<T>
  /** The subscriptions this client holds (restored after every reconnect). */
  subscriptions(): Subscriptions
  /** Messages dropped because the JS thread fell more than 100 000 messages behind. */
  readonly droppedMessages: number
}

export interface Redis extends PubSubHealth {
  cache(options?: CacheOptions): Cache
  /** A per-channel handler; `{ json: true }` parses each payload. */
  subscribe(channel: string, handler: (message: any, channel: string) => void, options: { json?: boolean }): Promise<number>
  psubscribe(pattern: string, handler: (message: any, channel: string) => void, options: { json?: boolean }): Promise<number>
  /** A sharded channel's handler (Redis Cluster). */
  ssubscribe(channel: string, handler: (message: any, channel: string) => void, options: { json?: boolean }): Promise<number>
  on(event: 'smessage', listener: (channel: string, message: string) => void): this
  on(event: 'subscriptionsLost', listener: (lost: Subscriptions) => void): this
  on(event: 'messagesDropped', listener: (count: number) => void): this
}
export interface RedisClient extends PubSubHealth {
  cache(options?: CacheOptions): Cache
  subscribe(channels: string | string[], listener: (message: any, channel: string) => void, options: { json?: boolean }): Promise<void>
  /** Sharded channels (Redis Cluster). */
  sSubscribe(channels: string | string[], listener: (message: any, channel: string) => void, options?: { json?: boolean } | boolean): Promise<void>
  sUnsubscribe(channels?: string | string[], listener?: (message: any, channel: string) => void): Promise<void>
  on(event: 'subscriptionsLost', listener: (lost: Subscriptions) => void): this
  on(event: 'messagesDropped', listener: (count: number) => void): this
}

export interface Redis extends LockMethods {
  rateLimiter(options: RateLimiterOptions): RateLimiter
}
export interface RedisClient extends LockMethods {
  rateLimiter(options: RateLimiterOptions): RateLimiter
}

type AnyClient = Redis | RedisClient
type Req = any
type Res = any
type Next = (err?: unknown) => void

export interface RateLimitMiddlewareOptions extends Partial<Omit<RateLimiterOptions, 'limit' | 'windowMs'>> {
  client: AnyClient
  /** Default 100. */
  limit?: number
  /** Default 60000. */
  windowMs?: number
  keyGenerator?: (req: Req, res: Res) => string | Promise<string>
  skip?: (req: Req, res: Res) => boolean | Promise<boolean>
  handler?: (req: Req, res: Res, next: Next, options: object) => void
  /** Default 'draft-7'; true means 'draft-6'. */
  standardHeaders?: boolean | 'draft-6' | 'draft-7' | 'draft-8'
  /** X-RateLimit-* headers, default true. */
  legacyHeaders?: boolean
  statusCode?: number
  message?: string | object | ((req: Req, res: Res) => string | object | Promise<string | object>)
  /** IPv6 addresses are limited per /56 by default; false limits each address. */
  ipv6Subnet?: number | false
  requestPropertyName?: string
}

/** Express middleware: one round trip per request, standard headers, 429 JSON. */
export declare function rateLimit(options: RateLimitMiddlewareOptions): (req: Req, res: Res, next: Next) => Promise<void>

/** A Store for express-rate-limit (replaces rate-limit-redis). */
export declare class RateLimitStore {
  constructor(options: { client: AnyClient; prefix?: string; resetExpiryOnChange?: boolean })
  readonly localKeys: false
  prefix: string
  init(options: { windowMs: number }): void
  get(key: string): Promise<{ totalHits: number; resetTime: Date | undefined }>
  increment(key: string): Promise<{ totalHits: number; resetTime: Date | undefined }>
  decrement(key: string): Promise<void>
  resetKey(key: string): Promise<void>
  resetAll(): Promise<void>
}

// --- Job queues (BullMQ-shaped) ----------------------------------------------------------

/** A client of either face, connection options or a redis:// URL. */
export type QueueConnection = Redis | RedisClient | Cluster | RedisOptions | string

/** Keep finished jobs: `true` none, `false` all, a count, or `{ age (s), count }`. */
export type KeepJobs = boolean | number | { age?: number; count?: number }

export interface BackoffOptions {
  type: 'fixed' | 'exponential' | (string & {})
  delay?: number
  jitter?: number
}

export interface RepeatOptions {
  /** Run every this many ms. */
  every?: number
  /** A cron pattern: 5 fields, or 6 with seconds first. */
  pattern?: string
  /** IANA time zone of the pattern (default UTC). */
  tz?: string
  limit?: number
  startDate?: Date | string | number
  endDate?: Date | string | number
  immediately?: boolean
  offset?: number
  key?: string
}

export interface JobsOptions {
  /** A custom id: a second add with the same id is ignored. Not an integer. */
  jobId?: string
  delay?: number
  /** 0 (none, first) to 2,097,152; lower runs first, FIFO within one. */
  priority?: number
  attempts?: number
  backoff?: number | BackoffOptions
  lifo?: boolean
  removeOnComplete?: KeepJobs
  removeOnFail?: KeepJobs
  stackTraceLimit?: number
  timestamp?: number
  /** BullMQ 5's repeatable jobs: creates a job scheduler. */
  repeat?: RepeatOptions
  /** BullMQ's deduplication: while a job holds `id` (until it finishes, or for `ttl` ms), adds with the same id are dropped. */
  deduplication?: { id: string; ttl?: number; extend?: boolean; replace?: boolean }
}

export interface QueueOptions {
  connection?: QueueConnection
  /** Durability knob: count the write only once this many replicas acknowledged it (WAIT); off by default. */
  waitReplicas?: number
  /** How long WAIT waits for them, ms (default 500). */
  waitTimeoutMs?: number
  /** Key prefix (default 'bull'); keys are BullMQ's `<prefix>:<name>:...` (on a Cluster, put a hash tag in it: '{bull}'). */
  prefix?: string
  defaultJobOptions?: JobsOptions
}

export type JobState = 'completed' | 'failed' | 'active' | 'delayed' | 'prioritized' | 'waiting' | 'waiting-children' | 'unknown'
export type JobType = 'completed' | 'failed' | 'active' | 'delayed' | 'prioritized' | 'waiting' | 'wait' | 'paused' | 'waiting-children'

export declare class Job<DataType = any, ReturnType = any, NameType extends string = string> {
  readonly id: string | undefined
  name: NameType
  data: DataType
  opts: JobsOptions
  progress: number | object
  returnvalue: ReturnType | null
  failedReason: string | undefined
  stacktrace: string[]
  /** Attempts that ended (the successful one included, as BullMQ counts). */
  attemptsMade: number
  attemptsStarted: number
  stalledCounter: number
  timestamp: number
  delay: number
  priority: number
  processedOn: number | undefined
  finishedOn: number | undefined
  /** The lease token of the attempt running in this worker. */
  token: string | undefined
  /** The job scheduler that created this job. */
  repeatJobKey: string | undefined
  /** The deduplication id the job holds. */
  deduplicationId: string | undefined
  /** Set when the job stalled too often: a worker fails it instead of running it. */
  deferredFailure: string | undefined
  queueName: string
  promote(): Promise<void>
  changePriority(opts: { priority?: number; lifo?: boolean }): Promise<void>
  extendLock(token: string, duration: number): Promise<number>
  /** Manual processing: completes a job taken with `worker.getNextJob(token)`; with `fetchNext`, resolves the next one. */
  moveToCompleted(returnValue: ReturnType, token: string, fetchNext?: boolean): Promise<Job<DataType, ReturnType, NameType> | undefined>
  moveToFailed(err: Error, token: string, fetchNext?: boolean): Promise<Job<DataType, ReturnType, NameType> | undefined>
  updateProgress(progress: number | object): Promise<void>
  log(row: string): Promise<number>
  getState(): Promise<JobState>
  isCompleted(): Promise<boolean>
  isFailed(): Promise<boolean>
  isActive(): Promise<boolean>
  isDelayed(): Promise<boolean>
  isWaiting(): Promise<boolean>
  remove(): Promise<void>
  retry(state?: 'failed' | 'completed', opts?: { resetAttemptsMade?: boolean }): Promise<void>
  waitUntilFinished(queueEvents: QueueEvents, ttl?: number): Promise<ReturnType>
}

export interface JobSchedulerJson {
  key: string
  id: string
  name: string
  every?: number
  pattern?: string
  tz?: string
  limit?: number
  next?: number
  iterationCount: number
  template: { data: unknown; opts: JobsOptions }
}

export declare class Queue<DataType = any, ResultType = any, NameType extends string = string> extends EventEmitter {
  constructor(name: string, opts?: QueueOptions)
  readonly name: string
  readonly prefix: string
  readonly client: Promise<Redis | RedisClient>
  defaultJobOptions: JobsOptions
  waitUntilReady(): Promise<Redis | RedisClient>
  add(name: NameType, data: DataType, opts?: JobsOptions): Promise<Job<DataType, ResultType, NameType>>
  addBulk(jobs: { name: NameType; data: DataType; opts?: JobsOptions }[]): Promise<Job<DataType, ResultType, NameType>[]>
  getJob(id: string): Promise<Job<DataType, ResultType, NameType> | undefined>
  getJobs(types?: JobType | JobType[], start?: number, end?: number, asc?: boolean): Promise<Job<DataType, ResultType, NameType>[]>
  getJobCounts(...types: JobType[]): Promise<{ [index: string]: number }>
  getJobCountByTypes(...types: JobType[]): Promise<number>
  count(): Promise<number>
  getWaiting(start?: number, end?: number): Promise<Job<DataType, ResultType, NameType>[]>
  getActive(start?: number, end?: number): Promise<Job<DataType, ResultType, NameType>[]>
  getDelayed(start?: number, end?: number): Promise<Job<DataType, ResultType, NameType>[]>
  getCompleted(start?: number, end?: number): Promise<Job<DataType, ResultType, NameType>[]>
  getFailed(start?: number, end?: number): Promise<Job<DataType, ResultType, NameType>[]>
  getWaitingCount(): Promise<number>
  getActiveCount(): Promise<number>
  getDelayedCount(): Promise<number>
  getCompletedCount(): Promise<number>
  getFailedCount(): Promise<number>
  getPrioritizedCount(): Promise<number>
  getJobLogs(id: string, start?: number, end?: number): Promise<{ logs: string[]; count: number }>
  pause(): Promise<void>
  resume(): Promise<void>
  isPaused(): Promise<boolean>
  drain(delayed?: boolean): Promise<void>
  clean(grace: number, limit: number, type?: JobType): Promise<string[]>
  obliterate(opts?: { force?: boolean; count?: number }): Promise<void>
  remove(id: string): Promise<number>
  upsertJobScheduler(id: string, repeat: RepeatOptions, template?: { name?: NameType; data?: DataType; opts?: JobsOptions }): Promise<Job<DataType, ResultType, NameType> | undefined>
  getJobSchedulers(start?: number, end?: number): Promise<JobSchedulerJson[]>
  getJobScheduler(id: string): Promise<JobSchedulerJson | undefined>
  removeJobScheduler(id: string): Promise<boolean>
  getDeduplicationJobId(id: string): Promise<string | null>
  trimEvents(maxLength: number): Promise<number>
  /** Holds every worker of the queue back for `ms`. */
  rateLimit(ms: number): Promise<void>
  close(): Promise<void>
}

export type Processor<DataType = any, ResultType = any, NameType extends string = string> = (
  job: Job<DataType, ResultType, NameType>,
  token?: string,
  signal?: AbortSignal
) => Promise<ResultType>

export interface WorkerOptions {
  connection?: QueueConnection
  prefix?: string
  /** Jobs run at once (default 1). */
  concurrency?: number
  /** Lease length in ms (default 30000), renewed by the native runtime every lockRenewTime. */
  lockDuration?: number
  lockRenewTime?: number
  /** How often to look for jobs whose lease expired (default 30000 ms). */
  stalledInterval?: number
  /** Recoveries before a stalled job fails (default 1). */
  maxStalledCount?: number
  limiter?: { max: number; duration: number }
  autorun?: boolean
  /** Seconds to wait for a job before looking again (default 5). */
  drainDelay?: number
  removeOnComplete?: KeepJobs
  removeOnFail?: KeepJobs
  settings?: { backoffStrategy?: (attemptsMade: number, type: string | undefined, err: Error, job: Job) => number }
}

export declare class Worker<DataType = any, ResultType = any, NameType extends string = string> extends EventEmitter {
  /** `processor` null: jobs are taken by hand with `getNextJob(token)`. */
  constructor(name: string, processor: Processor<DataType, ResultType, NameType> | null, opts?: WorkerOptions)
  /** BullMQ's: thrown by a processor, puts the job back to wait without spending an attempt. */
  static RateLimitError(): Error
  readonly name: string
  readonly id: string
  concurrency: number
  getNextJob(token: string): Promise<Job<DataType, ResultType, NameType> | undefined>
  /** Holds every worker of the queue back for `ms`. */
  rateLimit(ms: number): Promise<void>
  run(): Promise<void>
  isRunning(): boolean
  isPaused(): boolean
  pause(doNotWaitActive?: boolean): Promise<void>
  resume(): void
  waitUntilReady(): Promise<Redis | RedisClient>
  /** Resolves once active jobs finish (at once with `force`). */
  close(force?: boolean): Promise<void>
  on(event: 'active', listener: (job: Job<DataType, ResultType, NameType>, prev: string) => void): this
  on(event: 'completed', listener: (job: Job<DataType, ResultType, NameType>, result: ResultType, prev: string) => void): this
  on(event: 'failed', listener: (job: Job<DataType, ResultType, NameType> | undefined, error: Error, prev: string) => void): this
  on(event: 'progress', listener: (job: Job<DataType, ResultType, NameType>, progress: number | object) => void): this
  on(event: 'stalled', listener: (jobId: string, prev: string) => void): this
  on(event: 'error', listener: (error: RedisError) => void): this
  on(event: 'drained' | 'closed' | 'paused' | 'resumed', listener: () => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

export interface QueueEventsOptions {
  connection?: QueueConnection
  prefix?: string
  autorun?: boolean
  /** Start after this event id (default: from now). */
  lastEventId?: string
  /** ms each blocking read waits (default 10000). */
  blockingTimeout?: number
}

export declare class QueueEvents extends EventEmitter {
  constructor(name: string, opts?: QueueEventsOptions)
  readonly name: string
  lastEventId: string | null
  waitUntilReady(): Promise<Redis | RedisClient>
  run(): Promise<void>
  close(): Promise<void>
  on(event: 'completed', listener: (args: { jobId: string; returnvalue: any; prev?: string }, id: string) => void): this
  on(event: 'failed', listener: (args: { jobId: string; failedReason: string; prev?: string }, id: string) => void): this
  on(event: 'progress', listener: (args: { jobId: string; data: number | object }, id: string) => void): this
  on(event: 'delayed', listener: (args: { jobId: string; delay: string }, id: string) => void): this
  on(event: 'waiting' | 'active' | 'stalled' | 'removed' | 'duplicated', listener: (args: { jobId: string; prev?: string }, id: string) => void): this
  on(event: 'drained', listener: (id: string) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** An error reply from the server (ioredis' `ReplyError`), code 'ERR_REDIS_REPLY'. */
export declare class ReplyError extends Error {
  code: ErrorCode
  /** ioredis' `err.command`: the command as called (secrets left out). */
  command?: { name: string; args: Array<string | Buffer> }
}
/** A command written but cut off by a lost connection (ioredis' `AbortError`), code 'ERR_REDIS_CONNECTION'. */
export declare class AbortError extends Error {
  code: ErrorCode
}
/** A command that waited through `maxRetriesPerRequest` failed reconnections, code 'ERR_REDIS_MAX_RETRIES'. */
export declare class MaxRetriesPerRequestError extends AbortError {}
/** node-redis' error reply (a plain Error, as in node-redis 5), code 'ERR_REDIS_REPLY'. */
export declare class ErrorReply extends Error {
  code: ErrorCode
}
/** node-redis' class for a simple-string error reply. */
export declare class SimpleError extends ErrorReply {}
/** Some commands of a node-redis multi() failed: which, and every reply. */
export declare class MultiErrorReply extends ErrorReply {
  replies: Array<Reply | ErrorReply>
  errorIndexes: number[]
  errors(): IterableIterator<ErrorReply>
}
/** A WATCHed key changed (node-redis' class); EXEC ran nothing. */
export declare class WatchError extends Error {
  code: ErrorCode
}
/** A command on a node-redis client that is not open: "The client is closed". */
export declare class ClientClosedError extends Error {
  code: ErrorCode
}
/** node-redis' RESP type codes, for `withTypeMapping`. */
export declare const RESP_TYPES: {
  readonly NULL: 95
  readonly BOOLEAN: 35
  readonly NUMBER: 58
  readonly BIG_NUMBER: 40
  readonly DOUBLE: 44
  readonly SIMPLE_STRING: 43
  readonly BLOB_STRING: 36
  readonly VERBATIM_STRING: 61
  readonly SIMPLE_ERROR: 45
  readonly BLOB_ERROR: 33
  readonly ARRAY: 42
  readonly SET: 126
  readonly MAP: 37
  readonly PUSH: 62
}
/** node-redis' script definition (the `scripts` client option). */
export interface ScriptDefinition {
  SCRIPT: string
  NUMBER_OF_KEYS?: number
  parseCommand(parser: { push(...args: Array<string | Buffer>): void; pushKey(key: RedisKey): void; pushKeys(keys: RedisKey | RedisKey[]): void }, ...args: any[]): void
  transformReply?: ((reply: any, preserve?: any) => any) | { 2?: (reply: any) => any; 3?: (reply: any) => any }
}
export declare function defineScript<S extends ScriptDefinition>(script: S): S & { SHA1: string }
/** node-redis' `createClientPool`: here a client (one multiplexed connection) with `execute(fn)`. */
export declare function createClientPool(clientOptions?: ClientOptions, poolOptions?: object): RedisClient & { execute<T>(fn: (client: RedisClient) => Promise<T> | T): Promise<T> }

/** Thrown by a processor: the job fails at once, whatever attempts are left. */
export declare class UnrecoverableError extends Error {
  constructor(message?: string)
}

export default Redis
