'use strict'
// The packaged addon beside ioredis and node-redis: size on disk as installed, cold
// `require` time and the RSS of an idle process holding one connected client.
//   npm run package && node bench/package-run.js [--runs 9]
// Ours is installed from dist/ into a fresh directory, as a user would have it; the peers
// come from bench/node_modules (with every package they depend on counted).
const { execFileSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { RedisServer } = require('../__test__/helpers')
const { opt, writeSection, median } = require('./common')

const RUNS = Number(opt('runs', 9))
const root = path.join(__dirname, '..')
const version = require('../package.json').version

function du(dir) {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) n += du(p)
    else if (e.isFile()) n += fs.statSync(p).size
  }
  return n
}

/** The installed size of `name` and of everything it depends on, under `nm`. */
function installedSize(nm, name, seen = new Set()) {
  if (seen.has(name)) return 0
  seen.add(name)
  const dir = path.join(nm, name)
  if (!fs.existsSync(dir)) return 0
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies || {})
  return du(dir) + deps.reduce((a, d) => a + installedSize(nm, d, seen), 0)
}

/** One fresh process: cold require time (ms), then RSS (MiB) idle with one connected client. */
function probe(cwd, modulePath, make, port) {
  const script = `
    const t0 = process.hrtime.bigint()
    const m = require(${JSON.stringify(modulePath)})
    const requireMs = Number(process.hrtime.bigint() - t0) / 1e6
    ;(async () => {
      const c = await (${make})(m, ${port})
      await new Promise((r) => setTimeout(r, 300))
      global.gc && global.gc()
      const rss = process.memoryUsage().rss / 1024 / 1024
      console.log(JSON.stringify({ requireMs, rss }))
      await c.quit()
      process.exit(0)
    })()`
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd, encoding: 'utf8' }).trim().split('\n').pop())
}

async function main() {
  const dist = path.join(root, 'dist')
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-pkgbench-'))
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, dependencies: { 'redis-hotpath': `file:${path.join(dist, `redis-hotpath-${version}.tgz`)}`, 'redis-hotpath-linux-x64-gnu': `file:${path.join(dist, `redis-hotpath-linux-x64-gnu-${version}.tgz`)}` } })
  )
  execFileSync('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' })
  const benchNm = path.join(__dirname, 'node_modules')
  const clients = {
    'redis-hotpath': { cwd: app, mod: 'redis-hotpath', make: '(m, port) => { const r = new m.Redis({ port }); return r.ping().then(() => r) }', size: installedSize(path.join(app, 'node_modules'), 'redis-hotpath') + installedSize(path.join(app, 'node_modules'), 'redis-hotpath-linux-x64-gnu') },
    ioredis: { cwd: __dirname, mod: 'ioredis', make: '(m, port) => { const R = m.default || m; const r = new R({ port }); return r.ping().then(() => r) }', size: installedSize(benchNm, 'ioredis') },
    'node-redis': { cwd: __dirname, mod: 'redis5', make: '(m, port) => { const c = m.createClient({ socket: { port } }); return c.connect().then(() => c) }', size: installedSize(benchNm, 'redis5') },
  }
  const versions = {
    'redis-hotpath': version,
    ioredis: require(path.join(benchNm, 'ioredis', 'package.json')).version,
    'node-redis': require(path.join(benchNm, 'redis5', 'package.json')).version,
  }
  const server = await RedisServer.start()
  const res = {}
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [name, c] of Object.entries(clients)) (res[name] ||= []).push(probe(c.cwd, c.mod, c.make, server.port))
    }
    // A bare Node process, for the baseline RSS.
    const bare = []
    for (let i = 0; i < RUNS; i++) bare.push(JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', 'setTimeout(() => { global.gc(); console.log(JSON.stringify({ rss: process.memoryUsage().rss / 1024 / 1024 })) }, 300)'], { encoding: 'utf8' })).rss)
    const baseRss = median(bare)
    let md = `## Package: size, load time, idle memory\n\nProduced by \`npm run package && node bench/package-run.js --runs ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}; `
    md += `${os.cpus().length} cores shared with redis-server; Node ${process.version}. Each measure is the median of ${RUNS} fresh processes: \`require\` time cold (first load in the process, files in the OS cache), and RSS after one client connected and idle 300 ms, after a GC. `
    md += `Ours is installed from \`dist/\` (the main package and the linux-x64-gnu binary); the peers' size counts every package they depend on.\n\n`
    md += `| package | installed size | cold require ms | idle RSS MiB (bare node: ${baseRss.toFixed(1)}) |\n|---|---:|---:|---:|\n`
    for (const name of Object.keys(clients)) {
      const r = res[name]
      md += `| ${name} ${versions[name]} | ${(clients[name].size / 1024 / 1024).toFixed(2)} MiB | ${median(r.map((x) => x.requireMs)).toFixed(1)} | ${median(r.map((x) => x.rss)).toFixed(1)} |\n`
    }
    md += `\nOf our size, the native binary is ${(fs.statSync(path.join(app, 'node_modules', 'redis-hotpath-linux-x64-gnu', 'redis-hotpath.linux-x64-gnu.node')).size / 1024 / 1024).toFixed(2)} MiB.\n`
    const findings = path.join(__dirname, 'FINDINGS-package.md')
    if (fs.existsSync(findings)) md += `\nWhat these numbers say: [${path.basename(findings)}](${path.basename(findings)}).\n`
    writeSection('package', md)
    process.stdout.write(md)
  } finally {
    await server.stop()
    fs.rmSync(app, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
