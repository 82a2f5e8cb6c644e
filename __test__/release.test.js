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
