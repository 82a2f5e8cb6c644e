'use strict'
// Loads the platform's prebuilt addon (npm/<platform> package, or the locally built one)
// through the loader that `napi build` generates.
let binding
try {
  binding = require('../binding.js')
} catch (err) {
  const wanted = `redis-hotpath-${platform()}`
  const e = new Error(
    `redis-hotpath: no native binary loads on this platform (${platform()}). ` +
      `npm installs it as the optional dependency ${wanted}: reinstall without omitting optional dependencies, ` +
      'or build from source with `npm run build` in this package (needs a Rust toolchain). Cause: ' +
      (err && err.message)
  )
  e.code = 'ERR_NATIVE_ADDON'
  e.package = wanted
  throw e
}

/** napi's platform-arch-abi name for this process (musl or glibc told apart at run time). */
function platform() {
  const { platform: os, arch } = process
  if (os === 'linux') {
    const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : null
    const glibc = report && report.header && report.header.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (os === 'win32') return `win32-${arch}-msvc`
  return `${os}-${arch}`
}

module.exports = binding
