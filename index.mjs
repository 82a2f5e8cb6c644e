import pkg from './index.js'
export const { Redis, Pipeline, createClient, RedisClient } = pkg
export default pkg.Redis
