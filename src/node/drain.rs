//! Each Node environment's side of the boundary: the buffer the runtime's threads put
//! completions in ([`NodeSink`], one per environment: the main thread and each worker), and
//! the drain that converts what waits there to JavaScript values ([`Drained`], on a
//! [`Tape`] shared with JavaScript) and hands it to the environment's drain function, from
//! the thread-safe function's signal or, for the direct path, at once from the event loop
//! ([`deliver_now`]).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ptr;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};

use super::values::{assemble, check};
use crate::core::error::Error as CoreError;
use crate::core::message_tap::RawMessage;
use crate::core::sink::{Completion, Event, Sink};
use crate::core::transfer::{MessageBatch, Tape};

pub(super) type Signal = ThreadsafeFunction<(), (), Drained, Status, false, true>;

/// Pub/sub messages the JavaScript thread has not drained yet may not exceed this many, nor
/// [`MAX_PENDING_BYTES`] of payload; beyond either, new messages are dropped (and counted),
/// so a slow handler can neither stall the Rust readers nor grow memory without bound.
/// Replies and events are never dropped.
const MAX_PENDING_MESSAGES: usize = 100_000;
/// The byte budget for undrained pub/sub payloads (see [`MAX_PENDING_MESSAGES`]).
const MAX_PENDING_BYTES: usize = 128 << 20;

/// What waits for the JavaScript thread: completions in order, with consecutive messages of
/// one client gathered into one batch so that a burst crosses as a few JavaScript values
/// instead of several per message.
pub(super) enum Pending {
    One(Completion),
    Messages(u32, MessageBatch),
}

#[derive(Default)]
pub(super) struct Undrained {
    pub(super) items: Vec<Pending>,
    pub(super) messages: usize,
    pub(super) message_bytes: usize,
    /// Messages dropped per client since the last drain.
    pub(super) dropped: HashMap<u32, u64>,
}

pub(super) struct NodeSink {
    pub(super) buffer: Mutex<Undrained>,
    pub(super) signal: Signal,
    /// Subscriber clients that want message payloads as Buffers.
    pub(super) binary_messages: Mutex<HashSet<u32>>,
}

impl Sink for NodeSink {
    fn push(&self, completion: Completion) {
        if let Completion::Message { client, message } = completion {
            return self.push_message(
                client,
                RawMessage {
                    pattern: message.pattern.as_deref(),
                    channel: &message.channel,
                    payload: &message.payload,
                    sharded: message.sharded,
                },
            );
        }
        let mut b = match self.buffer.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let was_empty = b.items.is_empty();
        b.items.push(Pending::One(completion));
        drop(b);
        if was_empty {
            self.signal
                .call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn push_message(&self, client: u32, message: RawMessage<'_>) {
        let mut b = match self.buffer.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let size = message.payload.len() + message.channel.len();
        if b.messages >= MAX_PENDING_MESSAGES || b.message_bytes + size > MAX_PENDING_BYTES {
            *b.dropped.entry(client).or_insert(0) += 1;
            return;
        }
        b.messages += 1;
        b.message_bytes += size;
        let was_empty = b.items.is_empty();
        match b.items.last_mut() {
            Some(Pending::Messages(c, batch)) if *c == client && batch.has_room(&message) => {
                batch.add(message)
            }
            _ => {
                let mut batch = MessageBatch::new();
                batch.add(message);
                b.items.push(Pending::Messages(client, batch));
            }
        }
        drop(b);
        if was_empty {
            self.signal
                .call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

impl NodeSink {
    /// Everything pending, plus one `messagesDropped` event per client that lost messages.
    pub(super) fn take(&self) -> Vec<Pending> {
        let mut b = match self.buffer.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut items = std::mem::take(&mut b.items);
        b.messages = 0;
        b.message_bytes = 0;
        for (client, count) in b.dropped.drain() {
            items.push(Pending::One(Completion::Event {
                client,
                event: Event::MessagesDropped { count },
            }));
        }
        items
    }
}

/// What one Node environment (one JavaScript thread) holds: its completion buffer and the
/// drain function, referenced so the direct path can call it from its event loop.
pub(super) struct EnvState {
    pub(super) sink: Arc<NodeSink>,
    pub(super) env: sys::napi_env,
    pub(super) drain: sys::napi_ref,
    pub(super) context: sys::napi_async_context,
    pub(super) tape: SharedTape,
}

thread_local! {
    pub(super) static ENV: RefCell<Option<EnvState>> = const { RefCell::new(None) };
}

pub(super) fn sink() -> Result<Arc<NodeSink>> {
    ENV.with(|e| e.borrow().as_ref().map(|s| s.sink.clone()))
        .ok_or_else(|| {
            napi::Error::new(
                Status::GenericFailure,
                "redis-hotpath: init() was not called in this thread",
            )
        })
}

/// The raw environment of this thread, once `init` ran here.
pub(crate) fn env_of_thread() -> Option<sys::napi_env> {
    ENV.with(|e| e.borrow().as_ref().map(|s| s.env))
}

/// Settles completions now, from this thread's event loop (the direct path): the drain
/// function runs inside a callback scope, so promise continuations run before this returns.
#[cfg(unix)]
pub(crate) fn deliver_now(items: Vec<Completion>) {
    let Some((env, drain, context)) =
        ENV.with(|e| e.borrow().as_ref().map(|s| (s.env, s.drain, s.context)))
    else {
        return;
    };
    let items = Drained(items.into_iter().map(Pending::One).collect());
    // SAFETY: called on this environment's thread from a libuv callback, outside any other
    // JavaScript frame; every value lives in the handle scope opened here.
    unsafe {
        let mut scope = ptr::null_mut();
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let run = || -> Result<()> {
            let arr = Drained::to_napi_value(env, items)?;
            let mut func = ptr::null_mut();
            check(sys::napi_get_reference_value(env, drain, &mut func))?;
            let mut recv = ptr::null_mut();
            check(sys::napi_get_global(env, &mut recv))?;
            let mut result = ptr::null_mut();
            let status = sys::napi_make_callback(env, context, recv, func, 1, &arr, &mut result);
            if status == sys::Status::napi_pending_exception {
                // A throw escaping the drain is the process's uncaught exception, as for any
                // other callback from the event loop.
                let mut e = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut e);
                sys::napi_fatal_exception(env, e);
            }
            Ok(())
        };
        let _ = run();
        sys::napi_close_handle_scope(env, scope);
    }
}

/// Everything collected since the last drain, converted on the JavaScript thread. The
/// records travel on a [`Tape`]: its numbers go into this environment's shared
/// `Float64Array` (the count first), so a drain allocates no typed array; the drain function
/// receives the tape's text alone when that is all it needs, else
/// `[text, bin, extras, newTape, moreTexts]` (`bin`: a Buffer or undefined; `extras`: an
/// array or undefined; `newTape`: a larger shared array, when the tape outgrew the old one;
/// `moreTexts`: the text's further chunks, or undefined).
pub struct Drained(pub(super) Vec<Pending>);

impl ToNapiValue for Drained {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // Kept between drains, as the tape is: a drain allocates nothing for it.
        let mut owed = OWED.with(|o| std::mem::take(&mut *o.borrow_mut()));
        owed.batches.clear();
        owed.others.clear();
        let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            convert(env, val, &mut owed)
        }));
        let reason = match converted {
            Ok(Ok(v)) => {
                OWED.with(|o| *o.borrow_mut() = owed);
                return Ok(v);
            }
            Ok(Err(e)) => format!("could not convert a reply to JavaScript ({})", e.reason),
            Err(_) => "panic while converting a reply to JavaScript".to_string(),
        };
        // What this drain carried is gone: its batches fail with a coded error and the
        // clients whose events or messages were in it hear of it, rather than promises
        // waiting for ever.
        let err = CoreError::Internal(reason);
        let mut tape = Tape::default();
        for (client, id) in owed.batches {
            tape.batch(client, id, &[], Err(err.clone()));
        }
        owed.others.sort_unstable();
        owed.others.dedup();
        for client in owed.others {
            tape.event(client, Event::Error(err.clone()));
        }
        to_js(env, &mut tape)
    }
}

/// What a drain being converted owes its clients, kept beside the conversion so that a
/// failure can still settle it.
#[derive(Default)]
struct Owed {
    /// Batches (client, id).
    batches: Vec<(u32, u32)>,
    /// Clients with events or messages.
    others: Vec<u32>,
}

unsafe fn convert(env: sys::napi_env, val: Drained, owed: &mut Owed) -> Result<sys::napi_value> {
    // Only message batches need the binary set: replies (the hot path) skip the lock.
    let mut binary: Option<HashSet<u32>> = None;
    // One tape per thread, kept between drains: its buffers keep their capacity, so a
    // drain of large replies does not map fresh pages each time.
    let mut tape = SCRATCH.with(|t| std::mem::take(&mut *t.borrow_mut()));
    tape.clear();
    for p in val.0 {
        match p {
            Pending::Messages(client, batch) => {
                owed.others.push(client);
                let set = binary.get_or_insert_with(|| {
                    sink()
                        .ok()
                        .and_then(|s| s.binary_messages.lock().ok().map(|g| g.clone()))
                        .unwrap_or_default()
                });
                let bin = set.contains(&client);
                tape.messages(client, batch, bin);
            }
            Pending::One(Completion::Batch {
                client,
                id,
                forms,
                result,
            }) => {
                owed.batches.push((client, id));
                tape.batch(client, id, &forms, result)
            }
            Pending::One(Completion::Frames {
                client,
                id,
                forms,
                frames,
                count,
            }) => {
                owed.batches.push((client, id));
                tape.frames(client, id, &forms, &frames, count)
            }
            Pending::One(Completion::Event { client, event }) => {
                owed.others.push(client);
                tape.event(client, event)
            }
            // Gathered into batches by the sink; never pending on its own. Hand-overs
            // are taken by the direct path before conversion.
            Pending::One(
                Completion::Message { .. } | Completion::Attach { .. } | Completion::Forward { .. },
            ) => {}
        }
    }
    let out = if super::fault::fires(super::fault::Fault::ConvertFail) {
        Err(napi::Error::new(Status::GenericFailure, "injected fault"))
    } else {
        to_js(env, &mut tape)
    };
    tape.clear();
    SCRATCH.with(|t| *t.borrow_mut() = tape);
    out
}

thread_local! {
    static SCRATCH: RefCell<Tape> = RefCell::new(Tape::default());
    static OWED: RefCell<Owed> = RefCell::new(Owed::default());
}

/// The shared tape array of this environment: its data and capacity (in numbers).
pub(super) struct SharedTape {
    pub(super) array: sys::napi_ref,
    pub(super) data: *mut f64,
    pub(super) capacity: usize,
}

/// Converts a tape into the drain function's argument (see [`Drained`]).
unsafe fn to_js(env: sys::napi_env, tape: &mut Tape) -> Result<sys::napi_value> {
    let ops = &tape.ops;
    let new_tape = ENV.with(|e| -> Result<Option<sys::napi_value>> {
        let mut e = e.borrow_mut();
        let Some(state) = e.as_mut() else {
            return Err(napi::Error::new(Status::GenericFailure, "no environment"));
        };
        let need = ops.len() + 1;
        let mut grown = None;
        if need > state.tape.capacity {
            let capacity = need.max(state.tape.capacity * 2).max(4096);
            let mut data = ptr::null_mut();
            let mut buffer = ptr::null_mut();
            check(sys::napi_create_arraybuffer(
                env,
                capacity * 8,
                &mut data,
                &mut buffer,
            ))?;
            let mut typed = ptr::null_mut();
            check(sys::napi_create_typedarray(
                env,
                sys::TypedarrayType::float64_array,
                capacity,
                buffer,
                0,
                &mut typed,
            ))?;
            let mut reference = ptr::null_mut();
            check(sys::napi_create_reference(env, typed, 1, &mut reference))?;
            if !state.tape.array.is_null() {
                sys::napi_delete_reference(env, state.tape.array);
            }
            // The reference keeps the array (and so its backing store, which never moves)
            // alive; drains never nest, so JavaScript has finished reading it by the next.
            state.tape = SharedTape {
                array: reference,
                data: data.cast(),
                capacity,
            };
            grown = Some(typed);
        }
        *state.tape.data = ops.len() as f64;
        ptr::copy_nonoverlapping(ops.as_ptr(), state.tape.data.add(1), ops.len());
        Ok(grown)
    })?;
    let out = assemble(env, tape, new_tape);
    if out.is_err() && new_tape.is_some() {
        // JavaScript never received the new array: make the next drain send one again.
        ENV.with(|e| {
            if let Some(state) = e.borrow_mut().as_mut() {
                state.tape.capacity = 0;
            }
        });
    }
    out
}
