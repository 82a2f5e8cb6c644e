'use strict'
// `npm run build`: the addon in release mode, with its loader (binding.js) and types. On
// Linux x64 (glibc) it builds for the target named explicitly, x86_64-unknown-linux-gnu, so
// its artifacts live where `npm run package`'s glibc-2.17 cross-build (cargo-zigbuild) puts
// them: after a package, this build reuses every compiled dependency (measured: 1 crate
// compiled, 24 s, instead of 107 crates), and neither spoils the other's cache.
const { execFileSync } = require('child_process')
const path = require('path')

const root = path.join(__dirname, '..')
const cli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
const args = ['build', '--platform', '--release', '--features', 'node', '--output-dir', '.', '--js', 'binding.js', '--dts', 'binding.d.ts']
const glibc = process.platform === 'linux' && process.arch === 'x64' && !!(process.report && process.report.getReport().header.glibcVersionRuntime)
if (glibc) args.push('--target', 'x86_64-unknown-linux-gnu')
execFileSync(process.execPath, [cli, ...args, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
