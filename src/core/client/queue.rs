//! The client task's order keeping: what waits for a connection (the bounded offline
//! queue, each op with its deadline), the cap on commands in flight, and dispatching an op
//! to the live connection or the direct socket.

use super::actor::Actor;
use super::open::*;
use super::*;

impl Actor {
    pub(super) fn on_op(&mut self, mut p: Pending) {
        if p.id < INTERNAL_IDS {
            self.host_ops += 1;
        }
        if self.ended || self.quitting {
            self.sink.push(fail(self.id, p, Error::Closed));
            return;
        }
        if let Op::Sub {
            kind,
            names,
            unsubscribe,
        } = &mut p.op
        {
            let set = match kind {
                SubKind::Channel => &mut self.channels,
                SubKind::Pattern => &mut self.patterns,
                SubKind::Shard => &mut self.shards,
            };
            if *unsubscribe {
                if names.is_empty() {
                    *names = set.iter().cloned().collect();
                }
                for n in names.iter() {
                    set.remove(n);
                }
            } else {
                set.extend(names.iter().cloned());
            }
        }
        let n = p.op.commands();
        if self.handed || (self.conn.is_some() && self.queue.is_empty() && self.admits(n)) {
            self.dispatch(p);
            return;
        }
        if self.conn.is_some() {
            // Connected, at the in-flight cap: wait in the (bounded) queue for replies.
            return self.enqueue(p);
        }
        if let Some(e @ Error::Auth(_)) = &self.last_error {
            // Waiting cannot help until the credentials change: fail fast.
            let e = e.clone();
            self.sink.push(fail(self.id, p, e));
            return;
        }
        if !self.config.enable_offline_queue && self.ever_connected {
            self.sink.push(fail(self.id, p, Error::OfflineDisabled));
            return;
        }
        self.enqueue(p);
    }

    /// Whether `n` more commands may be sent now (one op always may, alone).
    pub(super) fn admits(&self, n: usize) -> bool {
        self.inflight_commands == 0 || self.inflight_commands + n <= self.config.max_in_flight
    }

    /// Sends queued ops while the connection is up and the cap admits them, in order.
    pub(super) fn release_held(&mut self) {
        while self.conn.is_some() {
            match self.queue.front() {
                Some(p) if self.admits(p.op.commands()) => {}
                _ => return,
            }
            if let Some(p) = self.queue.pop_front() {
                self.queued_commands -= p.op.commands();
                self.dispatch(p);
            }
        }
    }

    /// Queues an op until a connection (or room under the in-flight cap) appears.
    pub(super) fn enqueue(&mut self, mut p: Pending) {
        let n = p.op.commands();
        if self.queued_commands + n > self.config.max_offline_queue {
            self.sink.push(fail(
                self.id,
                p,
                Error::OfflineQueueFull(self.config.max_offline_queue),
            ));
            return;
        }
        if let Op::Quit = p.op {
            if self.connecting.is_none() && self.conn.is_none() {
                // Nothing to say goodbye to: finish at once, like ioredis does offline.
                self.sink.push(Completion::Batch {
                    client: self.id,
                    id: p.id,
                    forms: vec![ReplyForm::PLAIN],
                    result: Ok(vec![Value::Okay]),
                });
                self.shutdown(Error::Closed);
                return;
            }
        }
        p.attempts_at_enqueue = self.total_attempts;
        self.queued_commands += n;
        self.queue.push_back(p);
    }

    pub(super) fn dispatch(&mut self, p: Pending) {
        if self.handed {
            if let Op::Quit = p.op {
                self.quitting = true;
            }
            let client = self.id;
            self.sink.push(Completion::Forward {
                client,
                batch: outgoing(p),
            });
            return;
        }
        let Some(conn) = self.conn.clone() else {
            return;
        };
        let sink = self.sink.clone();
        let client = self.id;
        let id = p.id;
        let deadline = p.deadline;
        let registry_len = match &p.op {
            Op::Sub {
                kind: SubKind::Channel,
                ..
            } => self.channels.len(),
            Op::Sub {
                kind: SubKind::Pattern,
                ..
            } => self.patterns.len(),
            Op::Sub {
                kind: SubKind::Shard,
                ..
            } => self.shards.len(),
            _ => 0,
        };
        if let Op::Quit = p.op {
            self.quitting = true;
        }
        self.inflight_ids.insert(id);
        let n = p.op.commands();
        self.inflight_commands += n;
        let fut = async move {
            let mut op = p.op;
            let forms = take_forms(&mut op);
            let work = run_op(conn, op, registry_len);
            let result = match deadline {
                Some(d) => match timeout_at(d, work).await {
                    Ok(r) => r,
                    Err(_) => Err(Error::Timeout(d.saturating_duration_since(Instant::now()))),
                },
                None => work.await,
            };
            let timed_out = matches!(result, Err(Error::Timeout(_)));
            let result = result.map_err(|e| match e {
                // The deadline's own duration is not known here; report the plain message.
                Error::Timeout(_) => Error::Timeout(Duration::ZERO),
                other => other,
            });
            sink.push(Completion::Batch {
                client,
                id,
                forms,
                result,
            });
            (id, n, timed_out)
        };
        self.inflight.push(fut.boxed());
    }

    pub(super) fn reject_queue(&mut self, which: impl Fn(&Pending) -> bool, err: &Error) {
        self.reject_queue_with(which, |_| err.clone());
    }

    pub(super) fn reject_queue_with(
        &mut self,
        which: impl Fn(&Pending) -> bool,
        err: impl Fn(&Pending) -> Error,
    ) {
        let mut keep = VecDeque::with_capacity(self.queue.len());
        for p in std::mem::take(&mut self.queue) {
            if which(&p) {
                self.queued_commands -= p.op.commands();
                let e = err(&p);
                self.sink.push(fail(self.id, p, e));
            } else {
                keep.push_back(p);
            }
        }
        self.queue = keep;
    }
}
