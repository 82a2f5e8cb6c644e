//! The client task on a Cluster: a missed deadline makes it read the slot map (a failover
//! the library has not seen), and the near-cache's tracking connection is swapped in
//! beside the live one.

use super::actor::Actor;
use super::*;

impl Actor {
    /// Counts deadlines missed in a row; several with no op answered in between mean the
    /// server has gone silent (a partition, a stopped process): the connection is dropped
    /// and the client reconnects, instead of timing out command after command on it.
    pub(super) fn note_deadline(&mut self, timed_out: bool) {
        if !timed_out {
            self.silent_misses = 0;
            return;
        }
        if !self.config.cluster_nodes.is_empty() {
            self.check_topology(false);
        }
        self.silent_misses += 1;
        if self.silent_misses >= crate::core::direct::SILENT_MISSES && self.conn.is_some() {
            self.silent_misses = 0;
            self.emit(Event::Error(Error::Connection(
                "no reply from the server within the last deadlines; reconnecting".into(),
            )));
            self.on_disconnect();
        }
    }

    /// Reads the Cluster's slot map in the background (bounded by a second). A primary that
    /// goes silent (paused, cut off) without closing its connection sends no redirect, so the
    /// library would keep routing its slots to it after its replica took over: a missed
    /// deadline makes us look, and a map that differs from the one the connection was made
    /// with means reconnecting, which learns the new one (ioredis refreshes its slots on a
    /// timer for the same reason). At most one read per 500 ms.
    pub(super) fn check_topology(&mut self, baseline: bool) {
        let Some(mut conn) = self.conn.clone() else {
            return;
        };
        let now = Instant::now();
        if !baseline
            && (self.checking_topology
                || self
                    .last_topology_check
                    .is_some_and(|t| now.duration_since(t) < Duration::from_millis(500)))
        {
            return;
        }
        self.checking_topology = true;
        self.last_topology_check = Some(now);
        let tx = self.self_tx.clone();
        let generation = self.generation;
        tokio::spawn(async move {
            let map = tokio::time::timeout(Duration::from_secs(1), conn.slot_map())
                .await
                .ok()
                .flatten();
            if let Some(tx) = tx.upgrade() {
                let _ = tx.send(Msg::Topology {
                    generation,
                    baseline,
                    map,
                });
            }
        });
    }

    pub(super) fn on_topology(&mut self, generation: u64, baseline: bool, map: Option<String>) {
        self.checking_topology = false;
        if generation != self.generation || self.conn.is_none() {
            return;
        }
        if baseline {
            self.slot_map = map;
            return;
        }
        let Some(map) = map else { return };
        match &self.slot_map {
            Some(known) if *known == map => {}
            _ => {
                self.emit(Event::Error(Error::Connection(
                    "a command missed its deadline and the cluster's slot map has changed; reconnecting".into(),
                )));
                self.on_disconnect();
            }
        }
    }

    /// Sends `CLIENT TRACKING ON` ahead of anything dispatched after it (its reply is
    /// dropped: the id belongs to no waiter).
    pub(super) fn dispatch_tracking(&mut self) {
        if self.conn.is_none() && !self.handed {
            return;
        }
        let cmd = vec![b"CLIENT".to_vec(), b"TRACKING".to_vec(), b"ON".to_vec()];
        self.dispatch(Pending {
            id: u32::MAX,
            op: Op::Batch(crate::core::command::batch_of(&[cmd])),
            deadline: None,
            timeout: None,
            attempts_at_enqueue: 0,
        });
    }

    /// On a Cluster with a live connection made without tracking: makes a tracking one in the
    /// background while the old one keeps serving, then swaps them (no close, no ready: only
    /// [`Event::Tracking`] tells the host that later reads are tracked).
    pub(super) fn swap_for_tracking(&mut self) {
        if self.conn.is_some() && self.connecting.is_none() && !self.ended && !self.quitting {
            self.swapping = true;
            self.start_connect();
        }
    }
}
