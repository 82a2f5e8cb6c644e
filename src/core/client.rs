//! One client: a task that owns a multiplexed connection to one Redis server, keeps the
//! order of submitted batches, holds them in a bounded offline queue while there is no
//! connection, enforces every batch's deadline, and reconnects on loss.
//!
//! The task is an actor: the host talks to it only through [`Client`] (a channel), and it
//! reports everything through a [`Sink`]. Replies come back per batch, so one JavaScript
//! tick's commands cost one message in and one completion out.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::core::reply::ReplyForm;
use futures_util::future::{BoxFuture, FutureExt, OptionFuture};
use futures_util::stream::{FuturesUnordered, StreamExt};
use redis::aio::MultiplexedConnection;
use redis::cluster::ClusterClientBuilder;
use redis::{AsyncConnectionConfig, PushInfo, PushKind, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, timeout_at, Instant};

use crate::core::command::{Batch, Outgoing, INTERNAL_IDS};
use crate::core::config::{ClientConfig, RetryPolicy};
use crate::core::connection::Connection;
pub use crate::core::connection::SubKind;
use crate::core::dial::{dial, Dialed, Guard, Socket};
use crate::core::error::{Error, Result};
use crate::core::handshake::{self, Note};
use crate::core::message_tap::{Deliver, MessageTap};
use crate::core::runtime;
use crate::core::sink::{Completion, Event, Message, Sink};

/// What the connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Ordinary commands.
    Commands,
    /// Subscriptions; the registry is restored on every reconnect.
    Subscriber,
}

enum Op {
    Batch(Batch),
    Sub {
        kind: SubKind,
        names: Vec<Vec<u8>>,
        unsubscribe: bool,
    },
    Quit,
}

impl Op {
    fn commands(&self) -> usize {
        match self {
            Op::Batch(b) => b.count,
            _ => 1,
        }
    }
}

struct Pending {
    id: u32,
    op: Op,
    deadline: Option<Instant>,
    /// The timeout `deadline` came from, which a timed-out command reports.
    timeout: Option<Duration>,
    /// Failed reconnection attempts already counted when this op started waiting.
    attempts_at_enqueue: u32,
}

enum Msg {
    Op(Pending),
    /// Turn server-assisted client tracking on for this and every later connection.
    Tracking,
    /// The user ran `SELECT`: later connections select this database.
    SelectDb(i64),
    Connect,
    Disconnect,
    /// Drop the live connection and reconnect as after a loss (ioredis' `reconnectOnError`).
    Reconnect,
    RetryDecision(Option<u64>),
    Push {
        generation: u64,
        info: PushInfo,
    },
    /// The host lost the direct connection it was given.
    DirectLost,
    /// A Cluster slot map read (see [`Actor::check_topology`]).
    Topology {
        generation: u64,
        /// The map as the connection was made (the baseline), or after a missed deadline.
        baseline: bool,
        map: Option<String>,
    },
}

/// Delivers completions of Rust-side requests to their waiters and everything else to the
/// host's sink.
struct RoutingSink {
    host: Arc<dyn Sink>,
    waiters: Mutex<HashMap<u32, oneshot::Sender<Result<Vec<Value>>>>>,
    next: AtomicU32,
}

impl Sink for RoutingSink {
    fn push(&self, completion: Completion) {
        if let Completion::Batch { id, result, .. } = &completion {
            if *id >= INTERNAL_IDS {
                let waiter = self.waiters.lock().ok().and_then(|mut w| w.remove(id));
                if let Some(tx) = waiter {
                    let _ = tx.send(result.clone());
                }
                return;
            }
        }
        self.host.push(completion);
    }

    fn push_message(&self, client: u32, m: crate::core::message_tap::RawMessage<'_>) {
        self.host.push_message(client, m);
    }
}

/// A cloneable handle for Rust-side work on a client's connection (for example the lock
/// watchdog). Holding one keeps the client's task alive.
#[derive(Clone)]
pub struct ClientHandle {
    id: u32,
    tx: mpsc::UnboundedSender<Msg>,
    ended: Arc<AtomicBool>,
    sink: Arc<RoutingSink>,
    default_timeout: Duration,
}

/// The host's handle on one client task. Dropping it (and every [`ClientHandle`]) closes
/// the client.
pub struct Client {
    handle: ClientHandle,
}

impl std::ops::Deref for Client {
    type Target = ClientHandle;
    fn deref(&self) -> &ClientHandle {
        &self.handle
    }
}

impl Client {
    /// Starts a client task on the shared runtime. Unless `config.lazy_connect`, it starts
    /// connecting at once; commands submitted before it is ready wait in the offline queue.
    pub fn start(id: u32, config: ClientConfig, role: Role, sink: Arc<dyn Sink>) -> Client {
        let (tx, rx) = mpsc::unbounded_channel();
        let ended = Arc::new(AtomicBool::new(false));
        let default_timeout = config.command_timeout;
        let lazy = config.lazy_connect;
        let routing = Arc::new(RoutingSink {
            host: sink,
            waiters: Mutex::new(HashMap::new()),
            next: AtomicU32::new(INTERNAL_IDS),
        });
        let sink: Arc<dyn Sink> = routing.clone();
        let actor = Actor::new(
            id,
            Arc::new(config),
            role,
            sink.clone(),
            rx,
            tx.downgrade(),
            ended.clone(),
        );
        let panic_sink = sink.clone();
        let panic_ended = ended.clone();
        runtime::handle().spawn(async move {
            // A panic must not take the process down nor leave promises hanging silently:
            // report it and end the client (the host rejects whatever was still pending).
            if AssertUnwindSafe(actor.run()).catch_unwind().await.is_err() {
                panic_ended.store(true, Ordering::SeqCst);
                panic_sink.push(Completion::Event {
                    client: id,
                    event: Event::Error(Error::Internal("client task panicked".into())),
                });
                panic_sink.push(Completion::Event {
                    client: id,
                    event: Event::End,
                });
            }
        });
        if !lazy {
            let _ = tx.send(Msg::Connect);
        }
        Client {
            handle: ClientHandle {
                id,
                tx,
                ended,
                sink: routing,
                default_timeout,
            },
        }
    }

    /// A cloneable handle for Rust-side work on this client.
    pub fn handle(&self) -> ClientHandle {
        self.handle.clone()
    }
}

impl ClientHandle {
    /// Runs one batch from Rust and waits for its replies (same order, offline queue and
    /// deadline as host submissions).
    pub async fn request(&self, batch: Batch, timeout: Option<Duration>) -> Result<Vec<Value>> {
        let mut id = self.sink.next.fetch_add(1, Ordering::Relaxed);
        if id < INTERNAL_IDS {
            // Wrapped around: stay in the internal range.
            self.sink.next.store(INTERNAL_IDS + 1, Ordering::Relaxed);
            id = INTERNAL_IDS;
        }
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.sink.waiters.lock() {
            w.insert(id, tx);
        }
        self.submit(id, batch, timeout);
        rx.await.unwrap_or(Err(Error::Closed))
    }

    /// The id the client reports its events under.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The deadline applied when a submission names none.
    pub fn default_timeout(&self) -> Duration {
        self.default_timeout
    }

    fn send(&self, id: u32, op: Op, timeout: Option<Duration>) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let pending = Pending {
            id,
            op,
            deadline,
            timeout,
            attempts_at_enqueue: 0,
        };
        if self.ended.load(Ordering::SeqCst) {
            self.sink.push(fail(self.id, pending, Error::Closed));
            return;
        }
        if let Err(mpsc::error::SendError(Msg::Op(p))) = self.tx.send(Msg::Op(pending)) {
            Sink::push(&*self.sink, fail(self.id, p, Error::Closed));
        }
    }

    /// Submits one batch; its completion carries `id`. `timeout` `None` means no deadline
    /// (blocking commands that wait forever).
    pub fn submit(&self, id: u32, batch: Batch, timeout: Option<Duration>) {
        self.send(id, Op::Batch(batch), timeout);
    }

    /// Adds (or removes) subscriptions; the completion's single reply is the number of
    /// subscriptions of that kind now registered. Removing no names removes all of the kind.
    pub fn subscribe(
        &self,
        id: u32,
        kind: SubKind,
        names: Vec<Vec<u8>>,
        unsubscribe: bool,
        timeout: Option<Duration>,
    ) {
        self.send(
            id,
            Op::Sub {
                kind,
                names,
                unsubscribe,
            },
            timeout,
        );
    }

    /// Sends `QUIT` after everything submitted before it, then ends the client.
    pub fn quit(&self, id: u32) {
        self.send(id, Op::Quit, Some(self.default_timeout));
    }

    /// Starts connecting (for lazily connecting clients; harmless otherwise).
    pub fn connect(&self) {
        let _ = self.tx.send(Msg::Connect);
    }

    /// Closes at once: pending commands reject with a connection error.
    pub fn disconnect(&self) {
        let _ = self.tx.send(Msg::Disconnect);
    }

    /// Drops the live runtime-path connection and reconnects as after a loss (what was in
    /// flight on it fails). A direct connection is dropped by its host instead.
    pub fn reconnect(&self) {
        let _ = self.tx.send(Msg::Reconnect);
    }

    /// Records a database chosen at run time by `SELECT`, so reconnections restore it (as
    /// ioredis does) rather than the configured one.
    pub fn set_db(&self, db: i64) {
        let _ = self.tx.send(Msg::SelectDb(db));
    }

    /// Turns on server-assisted client-side caching (`CLIENT TRACKING ON`, RESP3 pushes) now
    /// and after every reconnect; invalidations arrive as [`Event::Invalidate`].
    pub fn enable_tracking(&self) {
        let _ = self.tx.send(Msg::Tracking);
    }

    /// The host lost the socket it took over ([`Completion::Attach`]); it has already failed
    /// what was in flight on it. The client reconnects as after any loss.
    pub fn direct_lost(&self) {
        let _ = self.tx.send(Msg::DirectLost);
    }

    /// Settles a batch the host ran on a direct connection: Rust-side requests go to their
    /// waiters, anything else to the host's sink.
    pub fn deliver(&self, completion: Completion) {
        Sink::push(&*self.sink, completion);
    }

    /// The host's answer to [`Event::RetryNeeded`]: reconnect after `delay_ms`, or give up.
    pub fn retry_decision(&self, delay_ms: Option<u64>) {
        let _ = self.tx.send(Msg::RetryDecision(delay_ms));
    }
}

/// The event for an `invalidate` push's data: keys this connection read were changed (an
/// absent list means everything, e.g. after FLUSHALL).
pub fn invalidation(data: Vec<Value>) -> Event {
    let keys = match data.into_iter().next() {
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .filter_map(|v| match v {
                    Value::BulkString(b) => Some(b),
                    other => crate::core::reply::as_text(&other).map(String::into_bytes),
                })
                .collect(),
        ),
        _ => None,
    };
    Event::Invalidate { keys }
}

/// A pending op as the host writes it on a direct connection.
fn outgoing(p: Pending) -> Outgoing {
    let (bytes, forms) = match p.op {
        Op::Batch(b) => (b.pipeline.get_packed_pipeline(), b.forms),
        Op::Quit => (
            redis::cmd("QUIT").get_packed_command(),
            vec![ReplyForm::PLAIN],
        ),
        // Subscriber connections are never direct.
        Op::Sub { .. } => (
            redis::cmd("PING").get_packed_command(),
            vec![ReplyForm::PLAIN],
        ),
    };
    Outgoing {
        id: p.id,
        bytes,
        forms,
        deadline: p.deadline.map(Instant::into_std),
    }
}

fn fail(client: u32, mut p: Pending, err: Error) -> Completion {
    Completion::Batch {
        client,
        id: p.id,
        forms: take_forms(&mut p.op),
        result: Err(err),
    }
}

/// Moves the per-command "reply as bytes" flags out of an op (no copy on the hot path).
fn take_forms(op: &mut Op) -> Vec<ReplyForm> {
    match op {
        Op::Batch(b) => std::mem::take(&mut b.forms),
        _ => vec![ReplyForm::PLAIN],
    }
}

/// A finished connection attempt: a connection the task drives, or a socket for the host.
enum Opened {
    Driven(Connection, Vec<Note>),
    Direct(Socket, Vec<Note>),
}

type Connecting = BoxFuture<'static, Result<Opened>>;

struct Actor {
    id: u32,
    config: Arc<ClientConfig>,
    role: Role,
    sink: Arc<dyn Sink>,
    rx: mpsc::UnboundedReceiver<Msg>,
    /// Weak, so that dropping the host's [`Client`] still ends the task.
    self_tx: mpsc::WeakUnboundedSender<Msg>,
    /// With Sentinel: the task listening for `+switch-master` (aborted when the client ends).
    sentinel_watch: Option<tokio::task::AbortHandle>,
    ended_flag: Arc<AtomicBool>,

    conn: Option<Connection>,
    generation: u64,
    connecting: Option<Connecting>,
    retry_at: Option<Instant>,
    awaiting_decision: bool,
    /// Failed attempts since the last successful connection.
    attempts: u32,
    /// Failed attempts ever, which waiting ops compare against.
    total_attempts: u32,
    down_since: Option<Instant>,
    ever_connected: bool,
    /// Why the latest connection attempt failed, while no connection is up.
    last_error: Option<Error>,

    queue: VecDeque<Pending>,
    queued_commands: usize,
    /// Ops running on the connection: each yields its id, how many commands it sent and
    /// whether it missed its deadline.
    inflight: FuturesUnordered<BoxFuture<'static, (u32, usize, bool)>>,
    /// Deadlines missed in a row on the driven connection with no op answered meanwhile;
    /// at [`crate::core::direct::SILENT_MISSES`] the connection is taken for dead.
    silent_misses: u32,
    inflight_ids: HashSet<u32>,
    /// Commands sent and not yet answered on the connection this task drives; beyond
    /// `max_in_flight` new ops wait in `queue`, their deadlines running.
    inflight_commands: usize,

    quitting: bool,
    ended: bool,
    tracking: bool,
    connecting_with_tracking: bool,
    /// A Cluster connection with tracking is being made to replace the live one.
    swapping: bool,
    /// The Cluster's slot map when the live connection was made (see `check_topology`).
    slot_map: Option<String>,
    /// A slot map read is under way, and when the last one started.
    checking_topology: bool,
    last_topology_check: Option<Instant>,
    channels: BTreeSet<Vec<u8>>,
    patterns: BTreeSet<Vec<u8>>,
    shards: BTreeSet<Vec<u8>>,
    seed: u64,
    /// The host drives the current connection (direct path).
    handed: bool,
    /// Host submissions received (ids below [`INTERNAL_IDS`]), for [`Completion::Attach`].
    host_ops: u64,
}

impl Actor {
    fn new(
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

    fn emit(&self, event: Event) {
        let event = match event {
            Event::Error(e) => Event::Error(self.scrub(e)),
            other => other,
        };
        self.sink.push(Completion::Event {
            client: self.id,
            event,
        });
    }

    fn scrub(&self, e: Error) -> Error {
        match e {
            Error::Connection(m) => Error::Connection(self.config.scrub(m)),
            Error::Auth(m) => Error::Auth(self.config.scrub(m)),
            Error::Reply(m) => Error::Reply(self.config.scrub(m)),
            other => other,
        }
    }

    async fn run(mut self) {
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

    fn on_op(&mut self, mut p: Pending) {
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

    /// Counts deadlines missed in a row; several with no op answered in between mean the
    /// server has gone silent (a partition, a stopped process): the connection is dropped
    /// and the client reconnects, instead of timing out command after command on it.
    fn note_deadline(&mut self, timed_out: bool) {
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
    fn check_topology(&mut self, baseline: bool) {
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

    fn on_topology(&mut self, generation: u64, baseline: bool, map: Option<String>) {
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

    /// Whether `n` more commands may be sent now (one op always may, alone).
    fn admits(&self, n: usize) -> bool {
        self.inflight_commands == 0 || self.inflight_commands + n <= self.config.max_in_flight
    }

    /// Sends queued ops while the connection is up and the cap admits them, in order.
    fn release_held(&mut self) {
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
    fn enqueue(&mut self, mut p: Pending) {
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

    fn dispatch(&mut self, p: Pending) {
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

    /// Sends `CLIENT TRACKING ON` ahead of anything dispatched after it (its reply is
    /// dropped: the id belongs to no waiter).
    fn dispatch_tracking(&mut self) {
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
    fn swap_for_tracking(&mut self) {
        if self.conn.is_some() && self.connecting.is_none() && !self.ended && !self.quitting {
            self.swapping = true;
            self.start_connect();
        }
    }

    fn start_connect(&mut self) {
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

    fn on_connect_result(&mut self, result: Result<Opened>) {
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
    fn emit_notes(&mut self, notes: Vec<Note>) {
        for note in notes {
            self.emit(match note {
                Note::Warn(text) => Event::Warning(text),
                Note::Report(e) => Event::Error(e),
            });
        }
    }

    fn on_disconnect(&mut self) {
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
    fn failed_attempt_after_loss(&mut self) {
        self.attempts = 0;
        self.next_attempt();
    }

    fn failed_attempt(&mut self) {
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

    fn next_attempt(&mut self) {
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

    fn schedule(&mut self, delay: Duration) {
        self.emit(Event::Reconnecting {
            delay_ms: delay.as_millis() as u64,
            attempt: self.attempts,
        });
        self.retry_at = Some(Instant::now() + delay);
    }

    fn on_timer(&mut self) {
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

    fn reject_queue(&mut self, which: impl Fn(&Pending) -> bool, err: &Error) {
        self.reject_queue_with(which, |_| err.clone());
    }

    fn reject_queue_with(
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

    /// Server-assisted caching: keys this connection read were changed.
    fn on_invalidate(&mut self, info: PushInfo) {
        self.emit(invalidation(info.data));
    }

    /// Ends the client: everything still waiting or in flight rejects with `err`.
    fn shutdown(&mut self, err: Error) {
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

/// What a new connection must restore before it is ready.
struct Subscriptions {
    channels: Vec<Vec<u8>>,
    patterns: Vec<Vec<u8>>,
    shards: Vec<Vec<u8>>,
    tracking: bool,
}

impl Subscriptions {
    /// Subscribes a fresh connection to everything in the registry.
    async fn restore(&self, conn: &mut Connection) -> Result<()> {
        for (kind, names) in [
            (SubKind::Channel, &self.channels),
            (SubKind::Pattern, &self.patterns),
            (SubKind::Shard, &self.shards),
        ] {
            if !names.is_empty() {
                conn.subscribe(kind, false, names)
                    .await
                    .map_err(|e| Error::from_redis(&e))?;
            }
        }
        Ok(())
    }
}

/// Opens one connection the task drives, with the registered subscriptions restored, all
/// within the connect timeout. On one server without TLS the stream is handshaken by
/// `core::handshake` (the same steps as the direct path) and then handed to redis-rs, told
/// to send nothing but `HELLO 3` again; Cluster and TLS connections handshake inside redis-rs
/// (see `open_tls`, `open_cluster`).
async fn open(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
    tap: Option<(Arc<dyn Sink>, u32)>,
) -> Result<(Connection, Vec<Note>)> {
    if !config.cluster_nodes.is_empty() {
        return Ok((open_cluster(config, push, subs).await?, Vec::new()));
    }
    if config.tls.is_some() {
        return Ok((open_tls(config, push, subs).await?, Vec::new()));
    }
    let mut guard = Guard::new(dial(&config).await?);
    let (resp3, notes) = match guard.stream()? {
        Dialed::Tcp(s) => handshake::run(s, &config, subs.tracking).await?,
        #[cfg(unix)]
        Dialed::Unix(s) => handshake::run(s, &config, subs.tracking).await?,
    };
    let conn = match guard.release()? {
        Dialed::Tcp(s) => over_stream(s, resp3, push, tap).await?,
        #[cfg(unix)]
        Dialed::Unix(s) => over_stream(s, resp3, push, tap).await?,
    };
    let mut conn = Connection::Single(conn);
    subs.restore(&mut conn).await?;
    Ok((conn, notes))
}

/// Starts redis-rs' connection driver on a handshaken stream (through the message tap for
/// subscribers, see `message_tap`). Pushes need RESP3; a server that refused it gets a
/// connection without them.
async fn over_stream<S>(
    stream: S,
    resp3: bool,
    push: impl redis::aio::AsyncPushSender,
    tap: Option<(Arc<dyn Sink>, u32)>,
) -> Result<MultiplexedConnection>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut info = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    let mut settings = AsyncConnectionConfig::new()
        // Deadlines are ours (they also cover queueing), so the library's must not interfere.
        .set_response_timeout(None);
    if resp3 {
        info = info.set_protocol(redis::ProtocolVersion::RESP3);
        settings = settings.set_push_sender(push);
    }
    // The driver ends by itself once every handle on the connection is dropped.
    let conn = match tap {
        Some((sink, id)) => {
            let deliver: Deliver = Box::new(move |m| sink.push_message(id, m));
            let tapped = MessageTap::new(stream, deliver);
            let (conn, driver) = MultiplexedConnection::new_with_config(&info, tapped, settings)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            tokio::spawn(driver);
            conn
        }
        None => {
            let (conn, driver) = MultiplexedConnection::new_with_config(&info, stream, settings)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            tokio::spawn(driver);
            conn
        }
    };
    Ok(conn)
}

/// A TLS connection: redis-rs connects and handshakes (`HELLO 3` with credentials,
/// `SELECT`, `CLIENT SETINFO`); the name, tracking, ready and role checks follow.
async fn open_tls(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
) -> Result<Connection> {
    let client = config.redis_client()?;
    let settings = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(config.connect_timeout))
        .set_response_timeout(None)
        .set_push_sender(push);
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&settings)
        .await
        .map_err(|e| Error::from_redis(&e))?;
    if let Some(name) = &config.connection_name {
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(name)
            .exec_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
    }
    if subs.tracking {
        redis::cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .exec_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
    }
    if config.ready_check {
        wait_loaded(&mut conn).await?;
    }
    if crate::core::handshake::expected_role(&config).is_some() {
        let role: Value = redis::cmd("ROLE")
            .query_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
        crate::core::handshake::check_role_reply(&config, &role)?;
    }
    let mut conn = Connection::Single(conn);
    subs.restore(&mut conn).await?;
    Ok(conn)
}

/// The ready check (see `handshake::ready_check`) on a TLS connection.
async fn wait_loaded(conn: &mut MultiplexedConnection) -> Result<()> {
    loop {
        let info: redis::RedisResult<String> = redis::cmd("INFO")
            .arg("persistence")
            .query_async(conn)
            .await;
        match info {
            Ok(text) => match crate::core::config::loading_delay(&text) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Ok(()),
            },
            Err(e) if e.is_io_error() || e.is_connection_dropped() => {
                return Err(Error::from_redis(&e))
            }
            // An INFO that fails (renamed away, refused by an ACL) says nothing: go ahead.
            Err(_) => return Ok(()),
        }
    }
}

/// Runs one op on a live connection.
async fn run_op(mut conn: Connection, op: Op, registry_len: usize) -> Result<Vec<Value>> {
    match op {
        Op::Batch(b) => conn.run_batch(&b).await.map_err(|e| Error::from_redis(&e)),
        Op::Sub {
            kind,
            names,
            unsubscribe,
        } => {
            if !names.is_empty() {
                conn.subscribe(kind, unsubscribe, &names)
                    .await
                    .map_err(|e| Error::from_redis(&e))?;
            }
            Ok(vec![Value::Int(registry_len as i64)])
        }
        Op::Quit => {
            let r = conn.exec(&redis::cmd("QUIT")).await;
            match r {
                Ok(v) => Ok(vec![v]),
                // The server may close before we read its OK; the goodbye happened either way.
                Err(e) if e.is_connection_dropped() || e.is_io_error() => Ok(vec![Value::Okay]),
                Err(e) => Err(Error::from_redis(&e)),
            }
        }
    }
}

/// The message a `message`/`pmessage`/`smessage` push carries, if it is well formed.
fn message_of(info: PushInfo) -> Option<Message> {
    let sharded = info.kind == PushKind::SMessage;
    let mut data = info.data.into_iter().map(|v| match v {
        Value::BulkString(b) => b,
        other => crate::core::reply::as_text(&other)
            .unwrap_or_default()
            .into_bytes(),
    });
    let pattern = if info.kind == PushKind::PMessage {
        Some(data.next()?)
    } else {
        None
    };
    Some(Message {
        pattern,
        channel: data.next()?,
        payload: data.next()?,
        sharded,
    })
}

/// Retries of one Cluster command inside the library (at most 500 ms apart: longer than any
/// default deadline).
const CLUSTER_RETRIES: u32 = 40;

/// Connects to a Redis Cluster from its seed nodes and restores the subscriptions. The
/// library keeps one connection per node, routes by slot and follows redirects.
async fn open_cluster(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
) -> Result<Connection> {
    let scheme = if config.tls.is_some() {
        "rediss"
    } else {
        "redis"
    };
    let nodes = config
        .cluster_nodes
        .iter()
        .map(|(h, p)| format!("{scheme}://{h}:{p}"))
        .collect::<Vec<_>>();
    let mut builder = ClusterClientBuilder::new(nodes)
        .use_protocol(redis::ProtocolVersion::RESP3)
        // Per node, a third of the attempt: a seed that accepts and never answers (paused,
        // cut off) is left out instead of using up the whole attempt.
        .connection_timeout((config.connect_timeout / 3).max(Duration::from_millis(100)))
        .push_sender(push)
        // CLUSTERDOWN, TRYAGAIN and lost nodes are retried by the library until the command's
        // own deadline (ours) ends it: retry often (every 20–500 ms, not the library's
        // default of 1.3 s growing to minutes), so a command completes soon after the
        // cluster is back.
        .retries(CLUSTER_RETRIES)
        .min_retry_wait(20)
        .max_retry_wait(500);
    if subs.tracking {
        // Every node connection, including those made later for new nodes, handshakes with
        // `CLIENT TRACKING ON OPTIN`: only reads marked for the near-cache are tracked. The
        // library keeps no cache of its own for commands that do not opt in (none do).
        builder = builder.cache_config(
            redis::caching::CacheConfig::new().set_mode(redis::caching::CacheMode::OptIn),
        );
    }
    if let Some(t) = &config.tls {
        builder = builder.tls(if t.reject_unauthorized {
            redis::TlsMode::Secure
        } else {
            redis::TlsMode::Insecure
        });
        if let Some(certs) = config.tls_certificates()? {
            builder = builder.certs(certs);
        }
    }
    if config.read_from_replicas {
        builder = builder.read_routing_strategy(redis::cluster_read_routing::RandomReplicaStrategy);
    }
    if let Some(u) = &config.username {
        builder = builder.username(u);
    }
    if let Some(p) = &config.password {
        builder = builder.password(p);
    }
    let work = async {
        let client = builder.build().map_err(|e| Error::from_redis(&e))?;
        let conn = client
            .get_async_connection()
            .await
            .map_err(|e| Error::from_redis(&e))?;
        let mut conn = Connection::Cluster(conn, subs.tracking);
        subs.restore(&mut conn).await?;
        Ok(conn)
    };
    work.await
}

/// Runs a connection attempt under the configured connect timeout.
async fn within_connect_timeout<T>(
    config: &ClientConfig,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(config.connect_timeout, work).await {
        // The library's own connection timeout reads like a command's: it is the same one.
        Ok(Err(Error::Timeout(_))) | Err(_) => Err(Error::Connection(format!(
            "connect timed out after {} ms",
            config.connect_timeout.as_millis()
        ))),
        Ok(r) => r,
    }
}
