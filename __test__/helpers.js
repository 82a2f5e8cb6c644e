'use strict'
// Real redis-server processes for the tests: free ports (never 6379), stopped afterwards.
const { spawn, execFileSync } = require('child_process')
const net = require('net')
const fs = require('fs')
const os = require('os')
const path = require('path')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Waits until `pred()` (sync or async) holds, checking every few ms; fails after `ms`. */
async function waitFor(pred, ms = 10000) {
  const deadline = Date.now() + ms
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

/** The TLS port a server was started with (`--tls-port`). */
function tlsPortOf(server) {
  return Number(server.extra[server.extra.indexOf('--tls-port') + 1])
}

/** Server options that put every write on disk before it is acknowledged (AOF, fsync always). */
const PERSIST = ['--appendonly', 'yes', '--appendfsync', 'always']

/** SIGKILLs `holder.proc` (if running) and waits for it to exit; `holder.proc` becomes null. */
async function killChild(holder) {
  if (!holder.proc) return
  const p = holder.proc
  holder.proc = null
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGKILL')
  await exited
}

/** Waits until something accepts connections on `port`. */
async function listening(port, what) {
  const t = Date.now()
  while (!(await canConnect(port))) {
    if (Date.now() - t > 10000) throw new Error(`${what} did not start`)
    await sleep(20)
  }
}

class RedisServer {
  constructor(extra = []) {
    this.extra = extra
    this.port = 0
    this.proc = null
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-test-'))
  }

  static async start(extra) {
    const s = new RedisServer(extra)
    s.port = await freePort()
    await s.spawn()
    return s
  }

  async spawn() {
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--enable-debug-command', 'local', ...this.extra],
      { stdio: 'ignore' }
    )
    await listening(this.port, 'redis-server')
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  async kill() {
    await killChild(this)
  }

  async restart() {
    await this.kill()
    await this.spawn()
  }

  async stop() {
    await this.kill()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * Publishes `n` copies of `payload` on `channel` from another process (this package, in
 * pipelines of 200), blocking this thread until it is done: what a subscriber whose
 * JavaScript thread is stalled meets.
 */
function publishFromChild(port, channel, n, payload) {
  const script = `
    const { Redis } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const r = new Redis({ port: ${port} })
    const payload = ${JSON.stringify(payload)}
    ;(async () => {
      for (let i = 0; i < ${n}; i += 200) {
        const p = r.pipeline()
        for (let j = 0; j < Math.min(200, ${n} - i); j++) p.publish(${JSON.stringify(channel)}, payload)
        await p.exec()
      }
      await r.quit()
    })()`
  execFileSync(process.execPath, ['-e', script], { stdio: 'inherit' })
}

/** Runs `redis-cli` against a server (for out-of-band checks). */
function cli(port, ...args) {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim()
}

/**
 * One redis-server and one ioredis-face client for a whole test file: started before its
 * tests, stopped after. `onReady(server, redis)` hands them to the file.
 */
function withRedis(test, onReady) {
  let server
  let redis
  test.before(async () => {
    server = await RedisServer.start()
    const { Redis } = require('..')
    redis = new Redis({ port: server.port })
    onReady(server, redis)
  })
  test.after(async () => {
    await redis.quit()
    await server.stop()
  })
}

/**
 * One client of each face on `server`, reconnecting quickly, with errors expected (tests
 * that restart the server) and the node-redis one connected.
 */
async function bothFaces(server) {
  const { Redis, createClient } = require('..')
  const io = new Redis({ port: server.port, retryStrategy: () => 30 })
  io.on('error', () => {})
  const nr = createClient({ url: server.url, socket: { reconnectStrategy: () => 30 } })
  nr.on('error', () => {})
  await nr.connect()
  return { io, nr }
}

/** A CA and a server certificate for localhost / 127.0.0.1 in `dir` (openssl). */
function makeCerts(dir) {
  const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=redis-hotpath-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n')
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf')
}

/**
 * A real local Redis Cluster: `n` masters on free ports, the 16384 slots split evenly, the
 * nodes introduced with CLUSTER MEET. Resolves once every node reports cluster_state:ok.
 */
class RedisCluster {
  /**
   * `n` masters; with `replicas`, that many replicas per master (in `c.replicas`, each
   * replicating `c.nodes[i]`), in sync before this resolves.
   */
  static async start(n = 3, { replicas = 0, nodeTimeout = 2000, tls = null, persist = false } = {}) {
    const c = new RedisCluster()
    c.nodes = []
    c.replicas = []
    // persist: every write on disk before it is acknowledged, so a restarted node comes back
    // with its data (without it, a restarted primary is an empty one).
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeout), ...(persist ? PERSIST : [])]
    // tls: { cert, key, ca } files; each node also listens for TLS, and the cluster speaks
    // TLS on its bus and reports the TLS ports to clients.
    const tlsArgs = async () => (tls ? ['--tls-port', String(await freePort()), '--tls-cluster', 'yes', '--tls-replication', 'yes', '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'] : [])
    for (let i = 0; i < n; i++) c.nodes.push(await RedisServer.start([...args, ...(await tlsArgs())]))
    const per = Math.ceil(16384 / n)
    c.nodes.forEach((node, i) => cli(node.port, 'CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1))))
    for (let i = 0; i < n * replicas; i++) c.replicas.push(await RedisServer.start([...args, ...(await tlsArgs())]))
    try {
      await c._form(n, replicas, tls)
    } catch (err) {
      await c.stop()
      throw err
    }
    return c
  }

  async _form(n, replicas, tls) {
    const c = this
    // With TLS on the bus, a node's cluster port is derived from its TLS port.
    const busPort = (node) => String(tls ? tlsPortOf(node) : node.port)
    for (const node of [...c.nodes.slice(1), ...c.replicas]) cli(c.nodes[0].port, 'CLUSTER', 'MEET', '127.0.0.1', busPort(node))
    await c.waitOk()
    if (replicas > 0) {
      c.replicas.forEach((r, i) => {
        r.replicaOf = c.nodes[i % n]
      })
      // A node can replicate another once it has heard of it through the cluster bus.
      await waitFor(() => c.replicas.every((r) => cli(r.port, 'CLUSTER', 'NODES').includes(cli(r.replicaOf.port, 'CLUSTER', 'MYID'))), 20000)
      for (const r of c.replicas) cli(r.port, 'CLUSTER', 'REPLICATE', cli(r.replicaOf.port, 'CLUSTER', 'MYID'))
      await waitFor(() => c.replicas.every((r) => cli(r.port, 'INFO', 'replication').includes('master_link_status:up')), 20000)
      // Every node names every replica in CLUSTER SLOTS (what clients read the topology from).
      await waitFor(async () => {
        await sleep(50)
        return c.allNodes.every((node) => {
          const slots = cli(node.port, 'CLUSTER', 'SLOTS')
          return c.replicas.every((r) => slots.includes(String(r.port)))
        })
      }, 20000)
      await c.waitOk()
    }
  }

  /** Every node, masters and replicas, alive ones only. */
  get allNodes() {
    return [...this.nodes, ...this.replicas].filter((node) => node.proc)
  }

  async waitOk(ms = 20000) {
    const t = Date.now()
    while (!this.allNodes.every((node) => cli(node.port, 'CLUSTER', 'INFO').includes('cluster_state:ok'))) {
      if (Date.now() - t > ms) throw new Error('the cluster did not become ready')
      await sleep(100)
    }
  }

  /** The node that serves `key`'s slot. */
  nodeFor(key) {
    const slot = Number(cli(this.nodes[0].port, 'CLUSTER', 'KEYSLOT', key))
    const per = Math.ceil(16384 / this.nodes.length)
    return this.nodes[Math.floor(slot / per)]
  }

  get startupNodes() {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }))
  }

  /** The TLS ports (a cluster started with `tls`). */
  get tlsStartupNodes() {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: tlsPortOf(node) }))
  }

  async stop() {
    for (const node of [...this.nodes, ...(this.replicas || [])]) await node.stop()
  }
}

/** One redis-sentinel process (redis-server in sentinel mode) with its own config file. */
class SentinelNode {
  /** `tls`: { port, cert, key, ca }: also listen for TLS on `tls.port`. */
  constructor(port, masterPort, name, tls = null) {
    this.port = port
    this.tlsPort = tls ? tls.port : null
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-sentinel-'))
    this.conf = path.join(this.dir, 'sentinel.conf')
    fs.writeFileSync(
      this.conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 3000`,
        `sentinel parallel-syncs ${name} 1`,
        ...(tls ? [`tls-port ${tls.port}`, `tls-cert-file ${tls.cert}`, `tls-key-file ${tls.key}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients no'] : []),
        '',
      ].join('\n')
    )
    this.proc = null
  }

  async spawn() {
    this.proc = spawn('redis-server', [this.conf, '--sentinel'], { stdio: 'ignore' })
    await listening(this.port, 'redis-sentinel')
  }

  async kill() {
    await killChild(this)
  }

  async stop() {
    await this.kill()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * A real Sentinel set-up: one primary, `replicas` replicas and `sentinels` sentinels
 * watching it as `name` (quorum 1, down after 1 s). Resolves once every sentinel knows
 * every replica and every other sentinel, and the replicas are in sync.
 */
class RedisSentinelSet {
  /** `tls`: { cert, key, ca }: the sentinels also listen for TLS (`tlsSentinelNodes`). */
  static async start({ replicas = 1, sentinels = 2, name = 'mymaster', persist = false, tls = null } = {}) {
    const set = new RedisSentinelSet()
    set.name = name
    const disk = persist ? PERSIST : []
    set.primary = await RedisServer.start(disk)
    set.replicas = []
    for (let i = 0; i < replicas; i++) set.replicas.push(await RedisServer.start([...disk, '--replicaof', '127.0.0.1', String(set.primary.port)]))
    set.sentinels = []
    for (let i = 0; i < sentinels; i++) {
      const node = new SentinelNode(await freePort(), set.primary.port, name, tls && { ...tls, port: await freePort() })
      await node.spawn()
      set.sentinels.push(node)
    }
    await waitFor(() => set.replicas.every((r) => cli(r.port, 'INFO', 'replication').includes('master_link_status:up')), 20000)
    await waitFor(() => set.sentinels.every((s) => {
      const known = cli(s.port, 'SENTINEL', 'REPLICAS', name)
      const peers = cli(s.port, 'SENTINEL', 'SENTINELS', name)
      return set.replicas.every((r) => known.includes(String(r.port))) && set.sentinels.every((o) => o === s || peers.includes(String(o.port)))
    }), 20000)
    return set
  }

  /** Every data server, primary first as started (roles change with failovers). */
  get servers() {
    return [this.primary, ...this.replicas]
  }

  /** The port of the server the sentinels currently name as primary. */
  masterPort(via = this.sentinels.find((s) => s.proc)) {
    return Number(cli(via.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name).split('\n')[1])
  }

  get sentinelNodes() {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }))
  }

  get tlsSentinelNodes() {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.tlsPort }))
  }

  async stop() {
    for (const s of this.sentinels) await s.stop()
    for (const r of this.servers) await r.stop()
  }
}

module.exports = { makeCerts, RedisServer, RedisCluster, RedisSentinelSet, freePort, sleep, waitFor, publishFromChild, cli, withRedis, bothFaces }
