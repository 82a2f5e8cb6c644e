'use strict'
// The numbers both sides of the boundary must agree on (the command header's bits, the id
// ranges, the tape's value and record codes, the message markers, the subscription kinds,
// the default command timeout), read once from their one definition in the Rust core
// (`boundaryConstants` in src/node/binding.rs). Nothing here is written by hand.
const native = require('./native')

module.exports = Object.freeze(native.boundaryConstants())
