'use strict'
// Prints a mocha --grep regex for the tests of FILE not run yet (or nothing).
const { loadFile } = require('/tmp/harness/load.js')
const [dir, file] = process.argv.slice(2)
const r = loadFile(dir, file)
const titles = [...new Set(r.tests.filter((t) => t.notRun).map((t) => t.fullTitle))]
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&')
if (titles.length) process.stdout.write(`^(?:${titles.map(esc).join('|')})$`)
