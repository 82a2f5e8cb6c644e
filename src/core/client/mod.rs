//! One client: a task that owns a multiplexed connection to one Redis server, keeps the
//! order of submitted batches, holds them in a bounded offline queue while there is no
//! connection, enforces every batch's deadline, and reconnects on loss.
//!
//! The task is an actor: the host talks to it only through [`Client`] (a channel), and it
//! reports everything through a [`Sink`]. Replies come back per batch, so one JavaScript
//! tick's commands cost one message in and one completion out.
//!
//! Here: the handle ([`Client`], [`ClientHandle`]) and what travels to the task. The task
//! is `actor` (state, loop, messages), with `queue` (offline queue, in-flight cap, dispatch),
//! `reconnect` (connecting, losses, backoff, the timer), `topology` (Cluster slot-map checks,
//! the tracking swap) and `open` (the connections it drives).

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

mod actor;
mod open;
mod queue;
mod reconnect;
mod topology;

use actor::Actor;

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
