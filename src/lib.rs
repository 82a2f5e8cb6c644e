//! redis-hotpath: a Redis client core for Node.js hot paths.
//!
//! Two layers: [`core`] does the work in plain Rust (connections, scripts, reply shaping)
//! and is tested with `cargo test` against real servers without Node; `node` (the `node`
//! feature) is the N-API binding, which only converts values and delegates to the core.

pub mod core;

#[cfg(feature = "node")]
mod node;
