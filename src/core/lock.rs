//! Distributed locks: owner-safe acquire/release/extend scripts with fencing tokens, and a
//! watchdog that keeps a held lock alive from the runtime's timers (not the JavaScript
//! event loop, which a busy or paused process cannot be trusted to run on time).

use std::time::Duration;

use redis::Value;
use tokio::sync::oneshot;
use tokio::time::{sleep, Instant};

use crate::core::client::ClientHandle;
use crate::core::command::batch_of;
use crate::core::error::{Error, Result};
use crate::core::runtime;

/// Acquires every resource or none. KEYS: the lock keys; ARGV: token, ttl_ms, fence flag
/// (`1`: reply the fencing token, the server clock in microseconds). Replies `{1, fence}`
/// or `{0, index of the first held resource}`.
pub const ACQUIRE: &str = include_str!("scripts/lock_acquire.lua");
/// Deletes the keys still holding the token. KEYS: lock keys; ARGV: token.
pub const RELEASE: &str = include_str!("scripts/lock_release.lua");
/// Extends all keys if all still hold the token. KEYS: lock keys; ARGV: token, ttl_ms.
pub const EXTEND: &str = include_str!("scripts/lock_extend.lua");

/// The lock key of a resource. Hash-tagged on the resource (a multi-resource lock on
/// Cluster needs its resource names to share a hash tag themselves, e.g.
/// `{order:42}:payment`).
pub fn key(prefix: &str, resource: &str) -> String {
    let [before, after] = key_parts(prefix);
    format!("{before}{resource}{after}")
}

/// The layout of [`key`] as the text around the resource name, so the JavaScript side
/// builds the same keys by concatenation.
pub fn key_parts(prefix: &str) -> [String; 2] {
    [format!("{prefix}{{"), "}".into()]
}

/// Runs a script by EVALSHA, falling back to EVAL on NOSCRIPT (shared with the lease set).
pub async fn run_script(
    client: &ClientHandle,
    src: &str,
    keys: &[String],
    args: &[String],
    timeout: Duration,
) -> Result<Value> {
    let sha = redis::Script::new(src).get_hash().to_string();
    let mut cmd: Vec<Vec<u8>> = vec![
        b"EVALSHA".to_vec(),
        sha.into_bytes(),
        keys.len().to_string().into_bytes(),
    ];
    cmd.extend(keys.iter().map(|k| k.clone().into_bytes()));
    cmd.extend(args.iter().map(|a| a.clone().into_bytes()));
    let first = first_reply(
        client
            .request(batch_of(&[cmd.clone()]), Some(timeout))
            .await?,
    )?;
    match first {
        Err(Error::Reply(m)) if m.starts_with("NOSCRIPT") => {
            cmd[0] = b"EVAL".to_vec();
            cmd[1] = src.as_bytes().to_vec();
            first_reply(client.request(batch_of(&[cmd]), Some(timeout)).await?)?
        }
        other => other,
    }
}

fn first_reply(values: Vec<Value>) -> Result<Result<Value>> {
    match values.into_iter().next() {
        Some(Value::ServerError(e)) => Ok(Err(Error::from_server(&e))),
        Some(v) => Ok(Ok(v)),
        None => Err(Error::Reply("empty reply".into())),
    }
}

/// Extends a held lock once: `Ok(true)` extended, `Ok(false)` lost.
pub async fn extend(
    client: &ClientHandle,
    lock_keys: &[String],
    token: &str,
    ttl: Duration,
    timeout: Duration,
) -> Result<bool> {
    let v = run_script(
        client,
        EXTEND,
        lock_keys,
        &[token.to_string(), ttl.as_millis().to_string()],
        timeout,
    )
    .await?;
    Ok(matches!(v, Value::Int(1)))
}

/// Stops the watchdog when dropped.
pub struct Watchdog {
    _stop: oneshot::Sender<()>,
}

/// Keeps a lock alive: every `every`, extends it to `ttl`. Calls `on_lost` once (and stops)
/// when the lock is found taken or expired, or when extensions keep failing until the lock's
/// last known expiry is too close to trust.
pub fn watch(
    client: ClientHandle,
    lock_keys: Vec<String>,
    token: String,
    ttl: Duration,
    every: Duration,
    on_lost: impl FnOnce(Error) + Send + 'static,
) -> Watchdog {
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let every = every.max(Duration::from_millis(10));
    runtime::handle().spawn(async move {
        let mut expires_at = Instant::now() + ttl;
        let mut wait = every;
        loop {
            tokio::select! {
                _ = &mut stop_rx => return,
                _ = sleep(wait) => {}
            }
            let attempt = extend(&client, &lock_keys, &token, ttl, every).await;
            match attempt {
                Ok(true) => {
                    expires_at = Instant::now() + ttl;
                    wait = every;
                }
                Ok(false) => {
                    on_lost(Error::LockLost(
                        "the lock was released, expired or taken by another owner".into(),
                    ));
                    return;
                }
                Err(e) => {
                    // Connection trouble: keep trying while the lock may still be ours.
                    if Instant::now() + every / 4 >= expires_at {
                        on_lost(Error::LockLost(format!(
                            "could not extend the lock before it expired: {e}"
                        )));
                        return;
                    }
                    wait = every / 4;
                }
            }
        }
    });
    Watchdog { _stop: stop_tx }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hash_tagged_on_the_resource() {
        assert_eq!(key("lock:", "payment:42"), "lock:{payment:42}");
    }
}
