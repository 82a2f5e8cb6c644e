//! The client task itself (see the module above): its state, its loop, and how it handles
//! each message, completion, timer and connection event.

use super::*;

/// A finished connection attempt: a connection the task drives, or a socket for the host.
pub(super) enum Opened {
    Driven(Connection, Vec<Note>),
    Direct(Socket, Vec<Note>),
}

pub(super) type Connecting = BoxFuture<'static, Result<Opened>>;

pub(super) struct Actor {
    pub(super) id: u32,
    pub(super) config: Arc<ClientConfig>,
    pub(super) role: Role,
    pub(super) sink: Arc<dyn Sink>,
    pub(super) rx: mpsc::UnboundedReceiver<Msg>,
    /// Weak, so that dropping the host's [`Client`] still ends the task.
    pub(super) self_tx: mpsc::WeakUnboundedSender<Msg>,
    /// With Sentinel: the task listening for `+switch-master` (aborted when the client ends).
    pub(super) sentinel_watch: Option<tokio::task::AbortHandle>,
    pub(super) ended_flag: Arc<AtomicBool>,

    pub(super) conn: Option<Connection>,
    pub(super) generation: u64,
    pub(super) connecting: Option<Connecting>,
    pub(super) retry_at: Option<Instant>,
    pub(super) awaiting_decision: bool,
    /// Failed attempts since the last successful connection.
    pub(super) attempts: u32,
    /// Failed attempts ever, which waiting ops compare against.
    pub(super) total_attempts: u32,
    pub(super) down_since: Option<Instant>,
    pub(super) ever_connected: bool,
    /// Why the latest connection attempt failed, while no connection is up.
    pub(super) last_error: Option<Error>,

    pub(super) queue: VecDeque<Pending>,
    pub(super) queued_commands: usize,
    /// Ops running on the connection: each yields its id, how many commands it sent and
    /// whether it missed its deadline.
    pub(super) inflight: FuturesUnordered<BoxFuture<'static, (u32, usize, bool)>>,
    /// Deadlines missed in a row on the driven connection with no op answered meanwhile;
    /// at [`crate::core::direct::SILENT_MISSES`] the connection is taken for dead.
    pub(super) silent_misses: u32,
    pub(super) inflight_ids: HashSet<u32>,
    /// Commands sent and not yet answered on the connection this task drives; beyond
    /// `max_in_flight` new ops wait in `queue`, their deadlines running.
    pub(super) inflight_commands: usize,

    pub(super) quitting: bool,
    pub(super) ended: bool,
    pub(super) tracking: bool,
    pub(super) connecting_with_tracking: bool,
    /// A Cluster connection with tracking is being made to replace the live one.
    pub(super) swapping: bool,
    /// The Cluster's slot map when the live connection was made (see `check_topology`).
    pub(super) slot_map: Option<String>,
    /// A slot map read is under way, and when the last one started.
    pub(super) checking_topology: bool,
    pub(super) last_topology_check: Option<Instant>,
    pub(super) channels: BTreeSet<Vec<u8>>,
    pub(super) patterns: BTreeSet<Vec<u8>>,
    pub(super) shards: BTreeSet<Vec<u8>>,
    pub(super) seed: u64,
    /// The host drives the current connection (direct path).
    pub(super) handed: bool,
    /// Host submissions received (ids below [`INTERNAL_IDS`]), for [`Completion::Attach`].
    pub(super) host_ops: u64,
}

impl Actor {
    pub(super) fn new(
        id: u32,
        config: Arc<ClientConfig>,
        role: Role,
        sink: Arc<dyn Sink>,
        rx: mpsc::UnboundedReceiver<Msg>,
        self_tx: mpsc::WeakUnboundedSender<Msg>,
        ended_flag: Arc<AtomicBool>,
    ) -> Actor {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ ((id as u64) << 32)
            | 1;
        Actor {
            id,
            config,
            role,
            sink,
            rx,
            self_tx,
            ended_flag,
            conn: None,
            generation: 0,
            connecting: None,
            retry_at: None,
            awaiting_decision: false,
            attempts: 0,
            total_attempts: 0,
            down_since: None,
            ever_connected: false,
            last_error: None,
            queue: VecDeque::new(),
            queued_commands: 0,
            inflight: FuturesUnordered::new(),
            inflight_ids: HashSet::new(),
            inflight_commands: 0,
            silent_misses: 0,
            quitting: false,
            ended: false,
            tracking: false,
            connecting_with_tracking: false,
            swapping: false,
            slot_map: None,
            checking_topology: false,
            last_topology_check: None,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            shards: BTreeSet::new(),
            seed,
            handed: false,
            host_ops: 0,
            sentinel_watch: None,
        }
    }

    pub(super) fn emit(&self, event: Event) {
        let event = match event {
            Event::Error(e) => Event::Error(self.scrub(e)),
            other => other,
        };
        self.sink.push(Completion::Event {
            client: self.id,
            event,
        });
    }

    pub(super) fn scrub(&self, e: Error) -> Error {
        match e {
            Error::Connection(m) => Error::Connection(self.config.scrub(m)),
            Error::Auth(m) => Error::Auth(self.config.scrub(m)),
            Error::Reply(m) => Error::Reply(self.config.scrub(m)),
            other => other,
        }
    }

    pub(super) async fn run(mut self) {
        self.sentinel_watch =
            crate::core::sentinel::watch(&self.config, self.sink.clone(), self.id);
        loop {
            let next_deadline = self.queue.iter().filter_map(|p| p.deadline).min();
            let timer = match (self.retry_at, next_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                biased;
                Some((id, n, timed_out)) = self.inflight.next(), if !self.inflight.is_empty() => {
                    self.inflight_ids.remove(&id);
                    self.inflight_commands = self.inflight_commands.saturating_sub(n);
                    self.note_deadline(timed_out);
                    self.release_held();
                }
                Some(result) = OptionFuture::from(self.connecting.as_mut()) => {
                    self.connecting = None;
                    self.on_connect_result(result);
                }
                msg = self.rx.recv() => match msg {
                    Some(msg) => self.on_msg(msg),
                    // Every handle is gone: nobody can observe this client any more.
                    None => { self.shutdown(Error::Closed); }
                },
                _ = sleep_until(timer.unwrap_or_else(Instant::now)), if timer.is_some() => {
                    self.on_timer();
                }
            }
            if self.ended && self.inflight.is_empty() && self.connecting.is_none() {
                break;
            }
        }
    }

    fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Op(p) => self.on_op(p),
            Msg::SelectDb(db) => {
                if self.config.db != db {
                    let mut config = (*self.config).clone();
                    config.db = db;
                    self.config = Arc::new(config);
                }
            }
            Msg::Tracking => {
                if !self.tracking {
                    self.tracking = true;
                    if self.config.cluster_nodes.is_empty() {
                        // In line with every later command, so no read escapes tracking.
                        self.dispatch_tracking();
                    } else {
                        // A Cluster tracks from each node connection's handshake on.
                        self.swap_for_tracking();
                    }
                }
            }
            Msg::Connect => {
                if !self.ended
                    && self.conn.is_none()
                    && !self.handed
                    && self.connecting.is_none()
                    && self.retry_at.is_none()
                    && !self.awaiting_decision
                {
                    self.start_connect();
                }
            }
            Msg::Disconnect => self.shutdown(Error::Closed),
            Msg::Reconnect => {
                if !self.handed {
                    self.on_disconnect();
                }
            }
            Msg::RetryDecision(decision) => {
                if !self.awaiting_decision || self.ended {
                    return;
                }
                self.awaiting_decision = false;
                match decision {
                    Some(delay) => self.schedule(Duration::from_millis(delay)),
                    None => {
                        let err = match self.last_error.take() {
                            Some(Error::Connection(m)) => {
                                Error::Connection(format!("{m} (the retry strategy gave up)"))
                            }
                            Some(e) => e,
                            None => Error::Connection(
                                "Connection lost and the retry strategy gave up".into(),
                            ),
                        };
                        self.shutdown(err)
                    }
                }
            }
            Msg::DirectLost => {
                if self.handed {
                    self.handed = false;
                    self.conn = None;
                    self.down_since = Some(Instant::now());
                    self.emit(Event::Close);
                    if self.quitting {
                        self.shutdown(Error::Closed);
                    } else {
                        self.failed_attempt_after_loss();
                    }
                }
            }
            Msg::Topology {
                generation,
                baseline,
                map,
            } => self.on_topology(generation, baseline, map),
            Msg::Push { generation, info } => {
                if generation != self.generation {
                    return;
                }
                match info.kind {
                    PushKind::Disconnection => self.on_disconnect(),
                    PushKind::Invalidate => self.on_invalidate(info),
                    _ => {}
                }
            }
        }
    }

    /// Server-assisted caching: keys this connection read were changed.
    pub(super) fn on_invalidate(&mut self, info: PushInfo) {
        self.emit(invalidation(info.data));
    }

    /// Ends the client: everything still waiting or in flight rejects with `err`.
    pub(super) fn shutdown(&mut self, err: Error) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(w) = self.sentinel_watch.take() {
            w.abort();
        }
        self.ended_flag.store(true, Ordering::SeqCst);
        self.connecting = None;
        self.retry_at = None;
        let had_conn = self.conn.take().is_some() || std::mem::take(&mut self.handed);
        self.reject_queue(|_| true, &err);
        // Futures still in flight are dropped with the connection; settle their promises.
        for id in self.inflight_ids.drain() {
            self.sink.push(Completion::Batch {
                client: self.id,
                id,
                forms: vec![],
                result: Err(err.clone()),
            });
        }
        self.inflight = FuturesUnordered::new();
        self.inflight_commands = 0;
        if had_conn {
            self.emit(Event::Close);
        }
        self.emit(Event::End);
    }
}
