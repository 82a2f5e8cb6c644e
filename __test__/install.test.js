'use strict'
// Installs the tarballs `npm run package` wrote to dist/ into a fresh app, as a user would:
// offline, from the tarballs (the app's other dependencies are this repository's own), with
// no Rust toolchain on PATH; then
// require and import, a strict TypeScript file under three module resolutions, and a run
// against a real redis-server. `npm test` packs first.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const { RedisServer } = require('./helpers')

const root = path.join(__dirname, '..')
const dist = path.join(root, 'dist')
const version = require('../package.json').version

const APP_TS = `
import Redis, { createClient, RedisStore, rateLimit, RateLimitStore, Redlock, type RedisError } from 'redis-hotpath'
import express from 'express'
import session from 'express-session'
import { rateLimit as expressRateLimit } from 'express-rate-limit'

export async function main(port: number): Promise<string> {
  const redis = new Redis({ port })
  redis.on('error', (err: RedisError) => console.error(err.code))
  const client = createClient({ socket: { port } })
  await client.connect()
  const app = express()
  app.use(session({ store: new RedisStore({ client: redis }), secret: 's', resave: false, saveUninitialized: false }))
  app.use('/api/', rateLimit({ client: redis, limit: 100, windowMs: 60_000 }))
  app.use(expressRateLimit({ windowMs: 60_000, limit: 100, store: new RateLimitStore({ client: client }) }))
  const cache = redis.cache({ prefix: 'app:', ttl: 60 })
  const user: unknown = await cache.wrap('user:1', async () => ({ id: 1 }))
  const lock = await redis.lock('job', 1000)
  await lock.release()
  const sub = redis.duplicate()
  const got = new Promise<string>((resolve) => sub.on('message', (_ch: string, m: string) => resolve(m)))
  await sub.subscribe('news')
  await redis.publish('news', 'hello')
  const v: string | null = await client.get('missing')
  await new Redlock([redis]).acquire(['r'], 1000).then((l) => l.release())
  const message = await got
  await sub.quit()
  await client.quit()
  await redis.quit()
  return JSON.stringify({ user, v, message })
}
`

test('installs from dist/ like a user: require and import, strict TypeScript (node16, nodenext, bundler), a real server', { timeout: 300_000 }, async (t) => {
  const tarballs = fs.existsSync(dist) ? fs.readdirSync(dist) : []
  const main = tarballs.find((f) => f === `redis-hotpath-${version}.tgz`)
  const platform = tarballs.find((f) => f === `redis-hotpath-linux-x64-gnu-${version}.tgz`)
  assert.ok(main && platform, `dist/ must hold the tarballs (run \`npm run package\`); found ${tarballs.join(', ') || 'nothing'}`)
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-install-'))
  try {
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'an-express-app',
        private: true,
        dependencies: {
          'redis-hotpath': `file:${path.join(dist, main)}`,
          'redis-hotpath-linux-x64-gnu': `file:${path.join(dist, platform)}`,
        },
      })
    )
    // No Rust toolchain for the user: cargo's directories leave PATH.
    const env = { ...process.env, PATH: process.env.PATH.split(path.delimiter).filter((d) => !/cargo|rustup/.test(d)).join(path.delimiter) }
    execFileSync('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, env, stdio: 'inherit' })
    // The app's other dependencies, as this repository installed them (no network here).
    for (const name of ['express', 'express-session', 'express-rate-limit', 'typescript', '@types/express', '@types/express-session', '@types/node']) {
      const to = path.join(app, 'node_modules', name)
      fs.mkdirSync(path.dirname(to), { recursive: true })
      fs.symlinkSync(path.join(root, 'node_modules', name), to, 'dir')
    }

    // (a) require and import; the binary comes from the platform package.
    const loaded = execFileSync(process.execPath, ['-e', `const m = require('redis-hotpath'); console.log(typeof m.Redis, typeof m.createClient, Object.keys(require.cache).some((f) => f.includes('redis-hotpath-linux-x64-gnu')))`], { cwd: app, env, encoding: 'utf8' })
    assert.equal(loaded.trim(), 'function function true')
    fs.writeFileSync(path.join(app, 'esm.mjs'), `import Redis, { createClient, RedisStore } from 'redis-hotpath'\nconsole.log(typeof Redis, typeof createClient, typeof RedisStore)\n`)
    assert.equal(execFileSync(process.execPath, ['esm.mjs'], { cwd: app, env, encoding: 'utf8' }).trim(), 'function function function')

    // (b) strict TypeScript under three module resolutions.
    fs.writeFileSync(path.join(app, 'app.ts'), APP_TS)
    const configs = {
      node16: { module: 'node16', moduleResolution: 'node16' },
      nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
      bundler: { module: 'esnext', moduleResolution: 'bundler' },
    }
    for (const [name, o] of Object.entries(configs)) {
      const file = `tsconfig.${name}.json`
      const outDir = `out-${name}`
      fs.writeFileSync(path.join(app, file), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', esModuleInterop: true, skipLibCheck: false, outDir, types: ['node'], ...o }, files: ['app.ts'] }))
      try {
        execFileSync(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', file], { cwd: app, env, encoding: 'utf8' })
      } catch (err) {
        assert.fail(`tsc (${name}) failed:\n${err.stdout}`)
      }
    }

    // (c) the compiled app against a real redis-server.
    const server = await RedisServer.start()
    try {
      let out
      try {
        out = execFileSync(process.execPath, ['-e', `require('./out-node16/app.js').main(${server.port}).then((r) => console.log(r), (e) => { console.error(e); process.exit(1) })`], { cwd: app, env, encoding: 'utf8', stdio: 'pipe' })
      } catch (err) {
        assert.fail(`the app failed:\n${err.stderr}`)
      }
      assert.deepEqual(JSON.parse(out.trim()), { user: { id: 1 }, v: null, message: 'hello' })
    } finally {
      await server.stop()
    }
    // Without its platform package the loader says which one is missing, with a code.
    fs.rmSync(path.join(app, 'node_modules', 'redis-hotpath-linux-x64-gnu'), { recursive: true, force: true })
    const missing = execFileSync(process.execPath, ['-e', `try { require('redis-hotpath') } catch (e) { console.log(e.code, e.package) }`], { cwd: app, env, encoding: 'utf8' })
    assert.equal(missing.trim(), 'ERR_NATIVE_ADDON redis-hotpath-linux-x64-gnu')
    t.diagnostic(`installed ${main} + ${platform} offline; tsc --strict passed under node16, nodenext and bundler`)
  } finally {
    fs.rmSync(app, { recursive: true, force: true })
  }
})
