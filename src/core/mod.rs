//! The Redis core: everything that does not need Node, tested by `cargo test`.

pub mod client;
pub mod command;
pub mod config;
pub mod connection;
pub mod dial;
pub mod direct;
pub mod error;
pub mod handshake;
pub mod lease;
pub mod lock;
pub mod message_tap;
pub mod options;
pub mod queue;
pub mod rate_limit;
pub mod reply;
pub mod report;
pub mod resp;
pub mod runtime;
pub mod sentinel;
pub mod sink;
pub mod transfer;
