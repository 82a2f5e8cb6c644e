//! redis-hotpath: a Redis client core for Node.js hot paths.
//!
//! Plain Rust modules do the work and are tested with `cargo test` against real servers;
//! the `node` feature adds the thin N-API binding in [`binding`].

pub mod client;
pub mod command;
pub mod config;
pub mod connection;
pub mod error;
pub mod lock;
pub mod message_tap;
pub mod rate_limit;
pub mod reply;
pub mod runtime;
pub mod sink;

#[cfg(feature = "node")]
mod binding;
