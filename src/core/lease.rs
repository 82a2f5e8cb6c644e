//! Leases kept alive as a set: one task on the runtime renews every lease in the set with
//! one script call per period, so adding or dropping a lease (once per job) is a map update
//! on the caller's thread, with no task spawned and no thread woken. The queue's workers
//! keep their jobs' leases this way; like [`crate::core::lock::watch`], it runs on the
//! runtime's timers, so a blocked JavaScript event loop does not lose them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::Value;
use tokio::sync::oneshot;
use tokio::time::{sleep, Instant};

use crate::core::client::ClientHandle;
use crate::core::error::Error;
use crate::core::lock::run_script;
use crate::core::runtime;

/// Extends the leases that still hold their tokens, one reply per lease.
pub const EXTEND: &str = include_str!("scripts/lease_extend.lua");

struct Lease {
    key: String,
    token: String,
    /// When the lease was last known to be extended (its expiry is this plus the ttl).
    extended_at: Instant,
}

type Leases = Arc<Mutex<HashMap<u32, Lease>>>;

/// A set of leases renewed together; renewing stops when it is dropped.
pub struct LeaseSet {
    leases: Leases,
    _stop: oneshot::Sender<()>,
}

impl LeaseSet {
    /// Adds a lease just taken (its key holds `token` for the set's ttl from now).
    pub fn add(&self, id: u32, key: String, token: String) {
        if let Ok(mut m) = self.leases.lock() {
            m.insert(
                id,
                Lease {
                    key,
                    token,
                    extended_at: Instant::now(),
                },
            );
        }
    }

    /// Stops renewing a lease (its holder released it, or is about to).
    pub fn remove(&self, id: u32) {
        if let Ok(mut m) = self.leases.lock() {
            m.remove(&id);
        }
    }

    /// How many leases are kept.
    pub fn len(&self) -> usize {
        self.leases.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no lease is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Starts renewing, every `every`, each lease of the set to `ttl`. A lease found lost, or
/// one whose renewals kept failing until its last known expiry is too close to trust, is
/// dropped from the set and reported once through `on_lost`.
pub fn keep(
    client: ClientHandle,
    ttl: Duration,
    every: Duration,
    on_lost: impl Fn(u32, Error) + Send + 'static,
) -> LeaseSet {
    let leases: Leases = Arc::new(Mutex::new(HashMap::new()));
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let every = every.max(Duration::from_millis(10));
    let set = leases.clone();
    runtime::handle().spawn(async move {
        let mut wait = every;
        loop {
            tokio::select! {
                _ = &mut stop_rx => return,
                _ = sleep(wait) => {}
            }
            let batch: Vec<(u32, String, String)> = match set.lock() {
                Ok(m) => m
                    .iter()
                    .map(|(id, l)| (*id, l.key.clone(), l.token.clone()))
                    .collect(),
                Err(_) => return,
            };
            if batch.is_empty() {
                wait = every;
                continue;
            }
            let keys: Vec<String> = batch.iter().map(|(_, k, _)| k.clone()).collect();
            let mut args = vec![ttl.as_millis().to_string()];
            args.extend(batch.iter().map(|(_, _, t)| t.clone()));
            let attempt = run_script(&client, EXTEND, &keys, &args, every).await;
            let now = Instant::now();
            let mut lost = Vec::new();
            match attempt {
                Ok(Value::Array(replies)) => {
                    if let Ok(mut m) = set.lock() {
                        for ((id, _, token), r) in batch.iter().zip(replies) {
                            // Only the lease this reply is about (not one re-added since).
                            let same = m.get(id).is_some_and(|l| &l.token == token);
                            if !same {
                                continue;
                            }
                            if matches!(r, Value::Int(1)) {
                                if let Some(l) = m.get_mut(id) {
                                    l.extended_at = now;
                                }
                            } else {
                                m.remove(id);
                                lost.push((
                                    *id,
                                    Error::LockLost(
                                        "the lease expired or was taken by another worker".into(),
                                    ),
                                ));
                            }
                        }
                    }
                    wait = every;
                }
                other => {
                    // Connection trouble: retry sooner while the leases may still be ours.
                    let why = match other {
                        Err(e) => e.to_string(),
                        Ok(v) => format!("unexpected reply {v:?}"),
                    };
                    if let Ok(mut m) = set.lock() {
                        let late: Vec<u32> = m
                            .iter()
                            .filter(|(_, l)| now + every / 4 >= l.extended_at + ttl)
                            .map(|(id, _)| *id)
                            .collect();
                        for id in late {
                            m.remove(&id);
                            lost.push((
                                id,
                                Error::LockLost(format!(
                                    "could not extend the lease before it expired: {why}"
                                )),
                            ));
                        }
                    }
                    wait = every / 4;
                }
            }
            for (id, e) in lost {
                on_lost(id, e);
            }
        }
    });
    LeaseSet {
        leases,
        _stop: stop_tx,
    }
}
