//! The client task's connection life: connecting (one server, TLS, Cluster, the direct
//! path's hand-over), what a loss does, and when the next attempt runs (the backoff or the
//! host's retry strategy); the timer that also expires queued ops.

use super::actor::{Actor, Opened};
use super::open::*;
use super::*;

impl Actor {
    pub(super) fn start_connect(&mut self) {
        self.retry_at = None;
        self.generation += 1;
        let generation = self.generation;
        let config = self.config.clone();
        let tx = self.self_tx.clone();
        let sink = self.sink.clone();
        let id = self.id;
        let push = move |info: PushInfo| -> std::result::Result<(), redis::aio::SendError> {
            // Messages go straight to the host from the connection's reader: no hop through
            // this task per message (the flood path). Everything else is state for the task.
            if matches!(
                info.kind,
                PushKind::Message | PushKind::PMessage | PushKind::SMessage
            ) {
                if let Some(message) = message_of(info) {
                    sink.push(Completion::Message {
                        client: id,
                        message,
                    });
                }
                return Ok(());
            }
            match tx.upgrade() {
                Some(tx) => tx
                    .send(Msg::Push { generation, info })
                    .map_err(|_| redis::aio::SendError),
                None => Err(redis::aio::SendError),
            }
        };
        let subs = Subscriptions {
            channels: self.channels.iter().cloned().collect(),
            patterns: self.patterns.iter().cloned().collect(),
            shards: self.shards.iter().cloned().collect(),
            tracking: self.tracking,
        };
        self.connecting_with_tracking = self.tracking;
        // Subscribers read through the message tap (see `message_tap`).
        let tap = (self.role == Role::Subscriber).then(|| (self.sink.clone(), self.id));
        if self.role == Role::Commands
            && self.config.direct
            && crate::core::direct::eligible(&self.config)
        {
            let tracking = self.tracking;
            self.connecting = Some(
                async move {
                    let work = async {
                        let config = crate::core::sentinel::resolve(config.clone()).await?;
                        crate::core::direct::open(&config, tracking)
                            .await
                            .map(|(socket, notes)| Opened::Direct(socket, notes))
                    };
                    within_connect_timeout(&config, work).await
                }
                .boxed(),
            );
            return;
        }
        self.connecting = Some(
            async move {
                let work = async {
                    let resolved = crate::core::sentinel::resolve(config.clone()).await?;
                    open(resolved, push, subs, tap).await
                };
                within_connect_timeout(&config, work)
                    .await
                    .map(|(conn, notes)| Opened::Driven(conn, notes))
            }
            .boxed(),
        );
    }

    pub(super) fn on_connect_result(&mut self, result: Result<Opened>) {
        if self.ended {
            return;
        }
        match result {
            Ok(Opened::Direct(socket, notes)) => {
                self.handed = true;
                self.attempts = 0;
                self.last_error = None;
                self.emit(Event::Connect);
                self.emit_notes(notes);
                self.down_since = None;
                self.ever_connected = true;
                let mut queued = Vec::with_capacity(self.queue.len() + 1);
                if self.tracking && !self.connecting_with_tracking {
                    // Turned on while this connection was being made.
                    let cmd = vec![b"CLIENT".to_vec(), b"TRACKING".to_vec(), b"ON".to_vec()];
                    queued.push(outgoing(Pending {
                        id: crate::core::command::DISCARD,
                        op: Op::Batch(crate::core::command::batch_of(&[cmd])),
                        deadline: None,
                        timeout: None,
                        attempts_at_enqueue: 0,
                    }));
                }
                self.queued_commands = 0;
                for p in std::mem::take(&mut self.queue) {
                    if let Op::Quit = p.op {
                        self.quitting = true;
                    }
                    queued.push(outgoing(p));
                }
                self.sink.push(Completion::Attach {
                    client: self.id,
                    socket,
                    queued,
                    host_ops: self.host_ops,
                });
                self.emit(Event::Ready);
            }
            Ok(Opened::Driven(conn, _)) if self.swapping => {
                self.swapping = false;
                self.conn = Some(conn);
                self.emit(Event::Tracking);
                self.check_topology(true);
            }
            Ok(Opened::Driven(conn, notes)) => {
                self.conn = Some(conn);
                if !self.config.cluster_nodes.is_empty() {
                    self.check_topology(true);
                }
                self.attempts = 0;
                self.last_error = None;
                self.emit(Event::Connect);
                self.emit_notes(notes);
                if let Some(since) = self.down_since.take() {
                    if self.role == Role::Subscriber
                        && (!self.channels.is_empty()
                            || !self.patterns.is_empty()
                            || !self.shards.is_empty())
                    {
                        self.emit(Event::Resubscribed {
                            down_ms: since.elapsed().as_millis() as u64,
                        });
                    }
                }
                self.ever_connected = true;
                if self.tracking && !self.connecting_with_tracking {
                    // Turned on while this connection was being made.
                    if self.config.cluster_nodes.is_empty() {
                        self.dispatch_tracking();
                    }
                } else if self.connecting_with_tracking && !self.config.cluster_nodes.is_empty() {
                    self.emit(Event::Tracking);
                }
                self.emit(Event::Ready);
                self.release_held();
                if self.tracking && !self.connecting_with_tracking {
                    self.swap_for_tracking();
                }
            }
            Err(e) if self.swapping => {
                // Whatever kept the tracking connection from opening is likely hurting the
                // old one too: take the old one down and reconnect as after a loss (the new
                // connection tracks).
                self.swapping = false;
                self.emit(Event::Error(e));
                self.on_disconnect();
            }
            Err(e) => {
                let e = self.scrub(e);
                if matches!(e, Error::Auth(_)) {
                    // Waiting cannot help until the credentials change: fail fast.
                    self.reject_queue(|_| true, &e);
                }
                self.last_error = Some(e.clone());
                self.emit(Event::Error(e));
                self.failed_attempt();
            }
        }
    }

    /// What the handshake met on a connection that still came up.
    pub(super) fn emit_notes(&mut self, notes: Vec<Note>) {
        for note in notes {
            self.emit(match note {
                Note::Warn(text) => Event::Warning(text),
                Note::Report(e) => Event::Error(e),
            });
        }
    }

    pub(super) fn on_disconnect(&mut self) {
        if self.conn.take().is_none() {
            return;
        }
        self.down_since = Some(Instant::now());
        self.emit(Event::Close);
        if self.quitting {
            self.shutdown(Error::Closed);
            return;
        }
        self.failed_attempt_after_loss();
    }

    /// A live connection was lost: the first reconnection attempt is attempt 1.
    pub(super) fn failed_attempt_after_loss(&mut self) {
        self.attempts = 0;
        self.next_attempt();
    }

    pub(super) fn failed_attempt(&mut self) {
        self.total_attempts += 1;
        if self.down_since.is_none() {
            self.down_since = Some(Instant::now());
        }
        if let Some(max) = self.config.max_retries_per_request {
            let total = self.total_attempts;
            let err = Error::MaxRetries(max);
            self.reject_queue(|p| total.saturating_sub(p.attempts_at_enqueue) > max, &err);
        }
        self.next_attempt();
    }

    pub(super) fn next_attempt(&mut self) {
        if self.ended {
            return;
        }
        self.attempts += 1;
        match &self.config.retry {
            RetryPolicy::External => {
                self.awaiting_decision = true;
                self.emit(Event::RetryNeeded {
                    attempt: self.attempts,
                });
            }
            RetryPolicy::Backoff { base, cap } => {
                let exp = base.saturating_mul(1u32 << self.attempts.saturating_sub(1).min(20));
                let full = exp.min(*cap);
                // Jitter in [full/2, full], so many clients do not reconnect in lockstep.
                self.seed ^= self.seed << 13;
                self.seed ^= self.seed >> 7;
                self.seed ^= self.seed << 17;
                let half = full / 2;
                let extra = if half.is_zero() {
                    0
                } else {
                    self.seed % (half.as_micros() as u64 + 1)
                };
                self.schedule(half + Duration::from_micros(extra));
            }
        }
    }

    pub(super) fn schedule(&mut self, delay: Duration) {
        self.emit(Event::Reconnecting {
            delay_ms: delay.as_millis() as u64,
            attempt: self.attempts,
        });
        self.retry_at = Some(Instant::now() + delay);
    }

    pub(super) fn on_timer(&mut self) {
        let now = Instant::now();
        if self.retry_at.is_some_and(|t| t <= now) {
            self.start_connect();
        }
        let expired = |p: &Pending| p.deadline.is_some_and(|d| d <= now);
        if self.queue.iter().any(expired) {
            // Each reports its own timeout (a command may carry one other than the default).
            let default = self.config.command_timeout;
            self.reject_queue_with(expired, |p| Error::Timeout(p.timeout.unwrap_or(default)));
        }
    }
}
