'use strict'
// Writes lib/command-keys.json: where each command's keys are ([first, last, step] as
// `COMMAND` reports them, subcommands as "object|encoding"), for the ioredis face's
// keyPrefix. Commands whose keys move with their arguments are handled in lib/key-prefix.js.
//   node tools/command-keys.js <port of a redis-server>
const fs = require('fs')
const path = require('path')
const { Redis } = require('..')

async function main() {
  const r = new Redis({ port: Number(process.argv[2]) })
  const out = {}
  const take = (c) => {
    const [name, , flags, first, last, step, , , , subs] = c
    if (!flags.includes('movablekeys') && first > 0) out[name] = [first, last, step]
    if (Array.isArray(subs)) for (const s of subs) take(s)
  }
  for (const c of await r.call('COMMAND')) take(c)
  await r.quit()
  const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]))
  fs.writeFileSync(path.join(__dirname, '..', 'lib', 'command-keys.json'), JSON.stringify(sorted, null, 0) + '\n')
  console.log(`${Object.keys(sorted).length} commands`)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
