'use strict'
// The release pipeline cannot run here; this checks what can be checked: the workflow is
// valid YAML, its build matrix covers exactly package.json's napi.targets (with the npm/
// directory napi generates for each), and publishing carries provenance.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const YAML = require('yaml')
const { platformDir } = require('../tools/package')

const root = path.join(__dirname, '..')
const pkg = require('../package.json')

test('the release workflow builds every napi target, tests, and publishes with provenance', () => {
  const wf = YAML.parse(fs.readFileSync(path.join(root, '.github', 'workflows', 'release.yml'), 'utf8'))
  const matrix = wf.jobs.build.strategy.matrix.include
  assert.deepEqual(matrix.map((m) => m.target).sort(), [...pkg.napi.targets].sort())
  for (const m of matrix) {
    assert.ok(m.host, `${m.target} has a runner`)
    assert.equal(m.dir, platformDir(m.target))
    const sub = JSON.parse(fs.readFileSync(path.join(root, 'npm', m.dir, 'package.json'), 'utf8'))
    assert.equal(sub.name, `${pkg.name}-${m.dir}`)
    assert.equal(sub.version, pkg.version, `${sub.name} in step with the main package`)
  }
  assert.deepEqual(wf.jobs.publish.needs, ['build', 'test'])
  assert.equal(wf.jobs.publish.permissions['id-token'], 'write')
  const steps = wf.jobs.publish.steps.map((s) => s.run || '').join('\n')
  assert.match(steps, /npm publish --provenance/)
  assert.match(steps, /napi prepublish/)
})

test('the main package ships exactly its code, types and loader (npm pack --dry-run)', () => {
  const { execFileSync } = require('child_process')
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { cwd: root, encoding: 'utf8' }))
  const files = report.files.map((f) => f.path).sort()
  const lib = fs.readdirSync(path.join(root, 'lib'), { recursive: true }).filter((f) => fs.statSync(path.join(root, 'lib', f)).isFile()).map((f) => `lib/${f}`)
  assert.deepEqual(files, ['README.md', 'binding.js', 'index.d.ts', 'index.js', 'index.mjs', ...lib, 'package.json'].sort())
  assert.ok(pkg.exports['.'].types && Object.keys(pkg.exports['.'])[0] === 'types', 'types first in exports')
  assert.ok(pkg.repository && pkg.keywords.length && pkg.engines.node)
  assert.equal(pkg.peerDependenciesMeta['express-session'].optional, true)
})

test('the packed linux-x64-gnu binary needs no glibc newer than 2.17 and is stripped', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  const { execFileSync } = require('child_process')
  const os = require('os')
  const tgz = path.join(root, 'dist', `redis-hotpath-linux-x64-gnu-${pkg.version}.tgz`)
  assert.ok(fs.existsSync(tgz), 'run `npm run package` first')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-bin-'))
  try {
    execFileSync('tar', ['xzf', tgz, '-C', dir])
    const node = path.join(dir, 'package', 'redis-hotpath.linux-x64-gnu.node')
    const versions = [...execFileSync('objdump', ['-T', node], { encoding: 'utf8' }).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => Number(m[1]) * 1000 + Number(m[2]))
    assert.ok(versions.length > 0)
    assert.ok(Math.max(...versions) <= 2017, `needs GLIBC ${Math.floor(Math.max(...versions) / 1000)}.${Math.max(...versions) % 1000}`)
    assert.doesNotMatch(execFileSync('readelf', ['-S', node], { encoding: 'utf8' }), /\.symtab|\.debug_info/, 'stripped')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
