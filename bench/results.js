'use strict'
// bench/RESULTS.md holds one section per suite; each runner replaces only its own.
const fs = require('fs')
const path = require('path')

const FILE = path.join(__dirname, 'RESULTS.md')

function writeSection(name, md, file = FILE) {
  const begin = `<!-- begin ${name} -->`
  const end = `<!-- end ${name} -->`
  const block = `${begin}\n${md.trim()}\n${end}\n`
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length + 1) : text.trimEnd() + '\n\n' + block
  fs.writeFileSync(file, text)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN
}

module.exports = { writeSection, median }
