'use strict'
// Loads the platform's prebuilt addon (npm/<platform> package, or the locally built one)
// through the loader that `napi build` generates.
let binding
try {
  binding = require('../binding.js')
} catch (err) {
  const e = new Error(
    'redis-hotpath: the native addon is not built for this platform. ' +
      'Run `npm run build` (needs a Rust toolchain) or install a supported platform package. Cause: ' +
      (err && err.message)
  )
  e.code = 'ERR_NATIVE_ADDON'
  throw e
}
module.exports = binding
