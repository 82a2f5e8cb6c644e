//! Rate limiting: every decision is one atomic Lua script (run by EVALSHA), timed by the
//! Redis server's clock (or, for the fixed window, by its key's TTL) so that every app
//! server agrees, touching one hash-tagged key so
//! it works unchanged on Redis Cluster. Rejected requests are never recorded.
//!
//! The JavaScript faces send the scripts through the batched connection (one round trip per
//! decision, coalesced with everything else in the tick); this module owns the scripts and
//! the meaning of their replies.

use redis::Value;

use crate::core::error::{Error, Result};

/// The limiting algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Exact log of admitted requests in the last window (memory grows with the limit).
    SlidingWindow,
    /// Two fixed windows weighted into an approximate sliding window, O(1) memory.
    SlidingWindowCounter,
    /// A window that starts with the first admitted request.
    FixedWindow,
    /// Token bucket (GCRA): `limit` tokens per window, bursts up to `burst`.
    TokenBucket,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::SlidingWindow,
        Algorithm::SlidingWindowCounter,
        Algorithm::FixedWindow,
        Algorithm::TokenBucket,
    ];

    /// Parses the option value (`'sliding-window'`, ...).
    pub fn parse(name: &str) -> Result<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                Error::InvalidArg(format!(
                    "unknown rate-limit algorithm {name:?} (expected sliding-window, sliding-window-counter, fixed-window or token-bucket)"
                ))
            })
    }

    /// The option value naming this algorithm.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::SlidingWindow => "sliding-window",
            Algorithm::SlidingWindowCounter => "sliding-window-counter",
            Algorithm::FixedWindow => "fixed-window",
            Algorithm::TokenBucket => "token-bucket",
        }
    }

    /// The Lua source. ARGV is `limit, window_ms, cost` then, for the sliding window, a
    /// unique member prefix, and for the token bucket, `burst`.
    pub fn script(self) -> &'static str {
        match self {
            Algorithm::SlidingWindow => include_str!("scripts/sliding_window.lua"),
            Algorithm::SlidingWindowCounter => include_str!("scripts/sliding_window_counter.lua"),
            Algorithm::FixedWindow => include_str!("scripts/fixed_window.lua"),
            Algorithm::TokenBucket => include_str!("scripts/token_bucket.lua"),
        }
    }
}

impl Algorithm {
    /// The short tag that ends this algorithm's keys: each algorithm keeps its own data
    /// type, so switching algorithms on a live prefix never meets a `WRONGTYPE`.
    pub fn tag(self) -> &'static str {
        match self {
            Algorithm::SlidingWindow => "sw",
            Algorithm::SlidingWindowCounter => "swc",
            Algorithm::FixedWindow => "fw",
            Algorithm::TokenBucket => "tb",
        }
    }
}

/// The Redis key for `id` under `algorithm`: `prefix{id}:tag`, hash-tagged so it maps to
/// one Cluster slot.
pub fn key(prefix: &str, id: &str, algorithm: Algorithm) -> String {
    let [before, after, _] = key_parts(prefix, algorithm);
    format!("{before}{id}{after}")
}

/// The layout of [`key`] as the text before and after the id, so the JavaScript limiter
/// builds the same keys by concatenation, and [`COMPANION_SUFFIX`].
pub fn key_parts(prefix: &str, algorithm: Algorithm) -> [String; 3] {
    [
        format!("{prefix}{{"),
        format!("}}:{}", algorithm.tag()),
        COMPANION_SUFFIX.to_string(),
    ]
}

/// Appended to a limiter key, the key the sliding-window log keeps its total cost in
/// (the script derives it; resetting a limiter deletes both).
pub const COMPANION_SUFFIX: &str = ":n";

/// One decision, as the scripts report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Requests (or tokens) still available after this one.
    pub remaining: i64,
    /// When the window resets (or the bucket is full again), on the clock of `now_ms`.
    pub reset_at_ms: i64,
    /// How long to wait before the same request can pass; 0 when allowed, -1 never
    /// (cost above the limit).
    pub retry_after_ms: i64,
    /// The server's clock when the decision was made, in ms since the epoch; 0 from a
    /// script that reads no clock (the fixed window, timed by its key's TTL), whose
    /// `reset_at_ms` is then the time left. Either way `reset_at_ms - now_ms` is the wait.
    pub now_ms: i64,
}

impl Decision {
    /// Reads a script reply.
    pub fn from_reply(v: &Value) -> Result<Decision> {
        let bad = || Error::Reply("unexpected rate-limit script reply".into());
        let Value::Array(items) = v else {
            return Err(bad());
        };
        let n = |i: usize| match items.get(i) {
            Some(Value::Int(x)) => Ok(*x),
            _ => Err(bad()),
        };
        Ok(Decision {
            allowed: n(0)? == 1,
            remaining: n(1)?,
            reset_at_ms: n(2)?,
            retry_after_ms: n(3)?,
            now_ms: n(4)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_keys_are_hash_tagged() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.name()).unwrap(), a);
            // Timed by the server's clock, except the fixed window, timed by its key's TTL.
            assert_eq!(
                a.script().contains("redis.call('TIME')"),
                a != Algorithm::FixedWindow,
                "{}",
                a.name()
            );
        }
        assert!(Algorithm::parse("leaky").is_err());
        assert_eq!(
            key("rl:", "ip:1.2.3.4", Algorithm::SlidingWindow),
            "rl:{ip:1.2.3.4}:sw"
        );
    }

    #[test]
    fn decodes_replies() {
        let v = Value::Array(vec![
            Value::Int(1),
            Value::Int(9),
            Value::Int(1000),
            Value::Int(0),
            Value::Int(5),
        ]);
        let d = Decision::from_reply(&v).unwrap();
        assert!(d.allowed);
        assert_eq!(
            (d.remaining, d.reset_at_ms, d.retry_after_ms, d.now_ms),
            (9, 1000, 0, 5)
        );
        assert!(Decision::from_reply(&Value::Nil).is_err());
    }
}
