//! The N-API surface: `init` (one per Node environment: registers its drain function, see
//! `drain`), the constants and scripts the JavaScript side reads from Rust, and
//! `NativeClient`, which converts each call's arguments and delegates to `core::client`
//! (direct clients to `lane`).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use super::drain::{
    env_of_thread, sink, Drained, EnvState, NodeSink, Pending, SharedTape, Signal, Undrained, ENV,
};
use super::values::check;
use crate::core::client::{Client, Role, SubKind};
use crate::core::command;
use crate::core::config::ClientConfig;
use crate::core::error::Error as CoreError;
use crate::core::options::ClientOptions;
use crate::core::reply::Shape;
use crate::core::sink::{Completion, Event, Sink};

/// Takes what waits in this thread's buffer, handing sockets and forwarded batches to the
/// direct path on the way.
fn take_pending() -> Vec<Pending> {
    let Ok(sink) = sink() else {
        return Vec::new();
    };
    let items = sink.take();
    #[cfg(unix)]
    {
        let mut out = Vec::with_capacity(items.len());
        let mut settled = Vec::new();
        for p in items {
            match p {
                Pending::One(c) => {
                    if let Some(c) = super::lane::intercept(c, &mut settled) {
                        out.push(Pending::One(c));
                    }
                    out.extend(settled.drain(..).map(Pending::One));
                }
                other => out.push(other),
            }
        }
        out
    }
    #[cfg(not(unix))]
    items
}

/// Registers this environment's drain function, which receives completed work. Called once
/// per environment (the main thread and each worker) when the package loads there; later
/// calls in the same environment are ignored.
#[napi(catch_unwind)]
pub fn init(env: Env, on_drain: Function<'_, Drained, ()>) -> Result<()> {
    if env_of_thread().is_some() {
        return Ok(());
    }
    let signal: Signal = on_drain
        .build_threadsafe_function::<()>()
        .callee_handled::<false>()
        // Weak: pending signals alone never keep the process alive; the JavaScript side
        // holds the event loop open while it has open clients.
        .weak::<true>()
        .build_callback(|_ctx| Ok(Drained(take_pending())))?;
    let raw_env = env.raw();
    // SAFETY: plain N-API calls on this environment's thread with values it owns.
    let (drain, context) = unsafe {
        let mut drain = ptr::null_mut();
        check(sys::napi_create_reference(
            raw_env,
            on_drain.raw(),
            1,
            &mut drain,
        ))?;
        let mut name = ptr::null_mut();
        check(sys::napi_create_string_utf8(
            raw_env,
            c"redis-hotpath".as_ptr(),
            13,
            &mut name,
        ))?;
        let mut resource = ptr::null_mut();
        check(sys::napi_create_object(raw_env, &mut resource))?;
        let mut context = ptr::null_mut();
        check(sys::napi_async_init(raw_env, resource, name, &mut context))?;
        (drain, context)
    };
    ENV.with(|e| {
        *e.borrow_mut() = Some(EnvState {
            sink: Arc::new(NodeSink {
                buffer: Mutex::new(Undrained::default()),
                signal,
                binary_messages: Mutex::new(HashSet::new()),
            }),
            env: raw_env,
            drain,
            context,
            tape: SharedTape {
                array: ptr::null_mut(),
                data: ptr::null_mut(),
                capacity: 0,
            },
        })
    });
    Ok(())
}

/// Every number both sides of the boundary must agree on, by name, from its one definition
/// in the core: the command header's bits, the id ranges, the tape's value and record codes,
/// the message markers, the subscription kinds and the default command timeout.
/// `lib/constants.js` hands them to the JavaScript side.
#[napi(catch_unwind)]
pub fn boundary_constants() -> HashMap<String, f64> {
    use crate::core::transfer::{op, record, NO_PATTERN, SHARDED};
    let mut m: HashMap<String, f64> = [
        ("BUFFER_REPLY", command::BUFFER_REPLY as f64),
        ("BLOBS_ONLY", command::BLOBS_ONLY as f64),
        ("TRACKED_READ", command::TRACKED_READ as f64),
        ("SHAPE_SHIFT", command::SHAPE_SHIFT as f64),
        ("ARGC_MASK", command::ARGC_MASK as f64),
        ("BUFFER_ARG", command::BUFFER_ARG as f64),
        ("INTERNAL_IDS", command::INTERNAL_IDS as f64),
        ("OP_NULL", op::NULL),
        ("OP_NUMBER", op::NUMBER),
        ("OP_STRING", op::STRING),
        ("OP_BYTES", op::BYTES),
        ("OP_ARRAY", op::ARRAY),
        ("OP_EXTRA", op::EXTRA),
        ("OP_OBJECT", op::OBJECT),
        ("OP_SCORED", op::SCORED),
        ("OP_UNDEFINED", op::UNDEFINED),
        ("OP_NEXT_TEXT", op::NEXT_TEXT),
        ("RECORD_BATCH", record::BATCH),
        ("RECORD_BATCH_ERROR", record::BATCH_ERROR),
        ("RECORD_EVENT", record::EVENT),
        ("RECORD_MESSAGES", record::MESSAGES),
        ("NO_PATTERN", NO_PATTERN as f64),
        ("SHARDED", SHARDED as f64),
        (
            "DEFAULT_COMMAND_TIMEOUT_MS",
            crate::core::config::DEFAULT_COMMAND_TIMEOUT.as_millis() as f64,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (kind, code) in SubKind::CODES {
        let name = match kind {
            SubKind::Channel => "SUB_CHANNEL",
            SubKind::Pattern => "SUB_PATTERN",
            SubKind::Shard => "SUB_SHARD",
        };
        m.insert(name.to_string(), code as f64);
    }
    m
}

/// The reply shapes a face may ask for, by name, with the codes it writes into a command's
/// header word (see `core::command`).
#[napi(catch_unwind)]
pub fn reply_shapes() -> HashMap<String, u32> {
    Shape::ALL
        .into_iter()
        .map(|(name, s)| (name.to_string(), s as u32))
        .collect()
}

/// The rate-limit algorithms' names, in the core's order.
#[napi(catch_unwind)]
pub fn rate_limit_algorithms() -> Vec<String> {
    crate::core::rate_limit::Algorithm::ALL
        .into_iter()
        .map(|a| a.name().to_string())
        .collect()
}

/// The rate-limit Lua scripts by algorithm name, so the JavaScript side runs exactly the
/// scripts this crate tests.
#[napi(catch_unwind)]
pub fn rate_limit_scripts() -> HashMap<String, String> {
    crate::core::rate_limit::Algorithm::ALL
        .into_iter()
        .map(|a| (a.name().to_string(), a.script().to_string()))
        .collect()
}

/// The text around an id in a rate-limit key (`core::rate_limit::key_parts`): the limiter
/// concatenates `before + id + after`, so the key layout has one definition.
#[napi(catch_unwind)]
pub fn rate_limit_key_parts(prefix: String, algorithm: String) -> Result<Vec<String>> {
    let a = crate::core::rate_limit::Algorithm::parse(&algorithm).map_err(arg_error)?;
    Ok(crate::core::rate_limit::key_parts(&prefix, a).to_vec())
}

/// The text around a resource name in its lock key (`core::lock::key_parts`).
#[napi(catch_unwind)]
pub fn lock_key_parts(prefix: String) -> Vec<String> {
    crate::core::lock::key_parts(&prefix).to_vec()
}

/// The prefix of every key of a queue (`core::queue::key_base`); a TypeError for a name
/// that cannot be used.
#[napi(catch_unwind)]
pub fn queue_key_base(prefix: String, name: String) -> Result<String> {
    crate::core::queue::key_base(&prefix, &name).map_err(|m| arg_error(CoreError::InvalidArg(m)))
}

/// The job fields a queue fetch returns, in order (`core::queue::ROW_FIELDS`).
#[napi(catch_unwind)]
pub fn queue_row_fields() -> Vec<String> {
    crate::core::queue::ROW_FIELDS
        .iter()
        .map(|f| f.to_string())
        .collect()
}

/// The queue scripts by name, so JavaScript runs what Rust tests.
#[napi(catch_unwind)]
pub fn queue_scripts() -> HashMap<String, String> {
    crate::core::queue::SCRIPTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Checks a face's normalised options (what `NativeClient` takes) without connecting, so
/// wrongly typed options fail when the client is created, lazy or not.
#[napi(catch_unwind)]
pub fn check_options(options: ClientOptions) -> Result<()> {
    ClientConfig::from_options(&options)
        .map(|_| ())
        .map_err(arg_error)
}

/// One client connection, owned by a JavaScript face.
#[napi]
pub struct NativeClient {
    inner: Client,
    watchdogs: Mutex<HashMap<u32, crate::core::lock::Watchdog>>,
    lease_sets: Mutex<HashMap<u32, crate::core::lease::LeaseSet>>,
    /// The direct path's state, for a direct client.
    #[cfg(unix)]
    slot: Option<std::rc::Rc<RefCell<super::lane::Slot>>>,
}

impl Drop for NativeClient {
    fn drop(&mut self) {
        #[cfg(unix)]
        if self.slot.is_some() {
            super::lane::unregister(self.inner.id());
        }
    }
}

fn timeout_of(ms: f64, default: Duration) -> Option<Duration> {
    if ms.is_nan() {
        Some(default)
    } else if ms < 0.0 || ms.is_infinite() {
        None
    } else {
        Some(Duration::from_micros((ms * 1000.0) as u64))
    }
}

fn arg_error(e: CoreError) -> napi::Error {
    napi::Error::new(Status::InvalidArg, e.to_string())
}

#[napi]
impl NativeClient {
    /// Creates the client and, unless `lazyConnect`, starts connecting. `options` are the
    /// face's normalised options; `subscriber` makes it a subscriber connection.
    #[napi(constructor, catch_unwind)]
    pub fn new(id: u32, options: ClientOptions, subscriber: bool) -> Result<NativeClient> {
        let mut config = ClientConfig::from_options(&options).map_err(arg_error)?;
        let role = if subscriber {
            Role::Subscriber
        } else {
            Role::Commands
        };
        config.direct = config.direct
            && cfg!(unix)
            && role == Role::Commands
            && crate::core::direct::eligible(&config);
        let direct = config.direct;
        let max_in_flight = config.max_in_flight;
        let sink = sink()?;
        let inner = Client::start(id, config, role, sink);
        #[cfg(unix)]
        let slot = direct.then(|| super::lane::register(inner.handle(), max_in_flight));
        #[cfg(not(unix))]
        let _ = (direct, max_in_flight);
        Ok(NativeClient {
            inner,
            watchdogs: Mutex::new(HashMap::new()),
            lease_sets: Mutex::new(HashMap::new()),
            #[cfg(unix)]
            slot,
        })
    }

    /// Submits one tick's commands (see `command::decode` for the layout). `timeoutMs`:
    /// NaN for the default deadline, negative for none.
    #[napi(catch_unwind)]
    pub fn submit(
        &self,
        id: u32,
        text: String,
        lens: Uint32Array,
        buffers: Option<Vec<Buffer>>,
        timeout_ms: f64,
    ) -> Result<()> {
        let bufs: Vec<&[u8]> = buffers
            .as_ref()
            .map(|v| v.iter().map(|b| b.as_ref()).collect())
            .unwrap_or_default();
        let timeout = timeout_of(timeout_ms, self.inner.default_timeout());
        #[cfg(unix)]
        if let Some(slot) = &self.slot {
            let mut s = slot.borrow_mut();
            if s.is_live() {
                let mut bytes = Vec::with_capacity(text.len() + 16 * lens.len());
                let forms = command::encode(&text, &lens, &bufs, &mut bytes).map_err(arg_error)?;
                let b = crate::core::command::Outgoing {
                    id,
                    bytes,
                    forms,
                    deadline: super::lane::deadline(timeout),
                };
                if s.submit(b).is_none() {
                    return Ok(());
                }
            } else {
                let batch = command::decode(&text, &lens, &bufs).map_err(arg_error)?;
                s.note_actor_op();
                drop(s);
                self.inner.submit(id, batch, timeout);
                return Ok(());
            }
        }
        let batch = command::decode(&text, &lens, &bufs).map_err(arg_error)?;
        self.inner.submit(id, batch, timeout);
        Ok(())
    }

    /// Adds or removes channel (or pattern) subscriptions on a subscriber client.
    #[napi(catch_unwind)]
    pub fn subscribe(
        &self,
        id: u32,
        kind: u32,
        unsubscribe: bool,
        names: Vec<Buffer>,
    ) -> Result<()> {
        let kind = SubKind::from_code(kind);
        let names = names.iter().map(|b| b.to_vec()).collect();
        self.inner.subscribe(
            id,
            kind,
            names,
            unsubscribe,
            Some(self.inner.default_timeout()),
        );
        Ok(())
    }

    /// Whether message payloads of this (subscriber) client arrive as Buffers.
    #[napi(catch_unwind)]
    pub fn set_binary_messages(&self, on: bool) {
        let Ok(sink) = sink() else { return };
        let Ok(mut set) = sink.binary_messages.lock() else {
            return;
        };
        if on {
            set.insert(self.inner.id());
        } else {
            set.remove(&self.inner.id());
        }
    }

    /// Keeps a held lock alive from the runtime's timers: every `everyMs`, extends `keys`
    /// (still holding `token`) to `ttlMs`; reports a `lockLost` event with `watchId` if it
    /// cannot. Replaces any earlier watch with the same id.
    #[napi(catch_unwind)]
    pub fn watch_lock(
        &self,
        watch_id: u32,
        keys: Vec<String>,
        token: String,
        ttl_ms: f64,
        every_ms: f64,
    ) -> Result<()> {
        if !(ttl_ms.is_finite() && ttl_ms >= 1.0 && every_ms.is_finite() && every_ms >= 1.0) {
            return Err(arg_error(CoreError::InvalidArg(
                "ttlMs and everyMs must be positive".into(),
            )));
        }
        let sink = sink()?;
        let client = self.inner.id();
        let dog = crate::core::lock::watch(
            self.inner.handle(),
            keys,
            token,
            Duration::from_millis(ttl_ms as u64),
            Duration::from_millis(every_ms as u64),
            move |error| {
                sink.push(Completion::Event {
                    client,
                    event: Event::LockLost {
                        watch: watch_id,
                        error,
                    },
                })
            },
        );
        if let Ok(mut w) = self.watchdogs.lock() {
            w.insert(watch_id, dog);
        }
        Ok(())
    }

    /// Starts lease set `setId`: every `everyMs` its leases are extended to `ttlMs` in one
    /// script call; a lease lost is reported as a `lockLost` event with its id as
    /// `watchId`. Replaces an earlier set with the same id.
    #[napi(catch_unwind)]
    pub fn keep_leases(&self, set_id: u32, ttl_ms: f64, every_ms: f64) -> Result<()> {
        if !(ttl_ms.is_finite() && ttl_ms >= 1.0 && every_ms.is_finite() && every_ms >= 1.0) {
            return Err(arg_error(CoreError::InvalidArg(
                "ttlMs and everyMs must be positive".into(),
            )));
        }
        let sink = sink()?;
        let client = self.inner.id();
        let set = crate::core::lease::keep(
            self.inner.handle(),
            Duration::from_millis(ttl_ms as u64),
            Duration::from_millis(every_ms as u64),
            move |watch, error| {
                sink.push(Completion::Event {
                    client,
                    event: Event::LockLost { watch, error },
                })
            },
        );
        if let Ok(mut m) = self.lease_sets.lock() {
            m.insert(set_id, set);
        }
        Ok(())
    }

    /// Adds lease `leaseId` (`key` holds `token`) to set `setId`.
    #[napi(catch_unwind)]
    pub fn add_lease(&self, set_id: u32, lease_id: u32, key: String, token: String) {
        if let Ok(m) = self.lease_sets.lock() {
            if let Some(set) = m.get(&set_id) {
                set.add(lease_id, key, token);
            }
        }
    }

    /// Stops renewing lease `leaseId` of set `setId`.
    #[napi(catch_unwind)]
    pub fn remove_lease(&self, set_id: u32, lease_id: u32) {
        if let Ok(m) = self.lease_sets.lock() {
            if let Some(set) = m.get(&set_id) {
                set.remove(lease_id);
            }
        }
    }

    /// Stops lease set `setId` altogether.
    #[napi(catch_unwind)]
    pub fn drop_leases(&self, set_id: u32) {
        if let Ok(mut m) = self.lease_sets.lock() {
            m.remove(&set_id);
        }
    }

    /// Records a database chosen by `SELECT`, restored on every reconnection.
    #[napi(catch_unwind)]
    pub fn set_db(&self, db: i64) {
        self.inner.set_db(db);
    }

    /// Turns on server-assisted client-side caching for this client (and its reconnects).
    #[napi(catch_unwind)]
    pub fn enable_tracking(&self) {
        self.inner.enable_tracking();
    }

    /// Stops a lock watch.
    #[napi(catch_unwind)]
    pub fn unwatch_lock(&self, watch_id: u32) {
        if let Ok(mut w) = self.watchdogs.lock() {
            w.remove(&watch_id);
        }
    }

    /// The lock scripts (`acquire`, `release`, `extend`), so JavaScript runs what Rust tests.
    #[napi(catch_unwind)]
    pub fn lock_scripts() -> HashMap<String, String> {
        HashMap::from([
            (
                "acquire".to_string(),
                crate::core::lock::ACQUIRE.to_string(),
            ),
            (
                "release".to_string(),
                crate::core::lock::RELEASE.to_string(),
            ),
            ("extend".to_string(), crate::core::lock::EXTEND.to_string()),
        ])
    }

    /// Sends QUIT after everything already submitted, then ends.
    #[napi(catch_unwind)]
    pub fn quit(&self, id: u32) {
        #[cfg(unix)]
        if let Some(slot) = &self.slot {
            slot.borrow_mut().note_actor_op();
        }
        self.inner.quit(id);
    }

    /// Starts connecting (lazy clients).
    #[napi(catch_unwind)]
    pub fn connect(&self) {
        self.inner.connect();
    }

    /// Closes at once; pending commands reject.
    #[napi(catch_unwind)]
    pub fn disconnect(&self) {
        self.set_binary_messages(false);
        #[cfg(unix)]
        if let Some(slot) = &self.slot {
            slot.borrow_mut().disconnect(CoreError::Closed);
        }
        self.inner.disconnect();
    }

    /// Drops the connection and reconnects as after a loss; what was in flight on it fails
    /// (ioredis' `reconnectOnError`).
    #[napi(catch_unwind)]
    pub fn reconnect(&self) {
        #[cfg(unix)]
        if let Some(slot) = &self.slot {
            let mut s = slot.borrow_mut();
            if s.is_live() {
                s.reconnect(CoreError::Connection(
                    "Connection dropped to reconnect".into(),
                ));
                return;
            }
        }
        self.inner.reconnect();
    }

    /// Answers a `retry` event: reconnect after `delayMs`, or give up when it is null.
    #[napi(catch_unwind)]
    pub fn retry_decision(&self, delay_ms: Option<f64>) {
        self.inner.retry_decision(
            delay_ms
                .filter(|d| d.is_finite() && *d >= 0.0)
                .map(|d| d as u64),
        );
    }
}
