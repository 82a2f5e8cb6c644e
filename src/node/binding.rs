//! The N-API binding: converts and delegates, nothing more.
//!
//! Each Node environment (the main thread, every worker thread) that loads the addon has
//! its own completion buffer and drain function. Completions from the runtime's threads go
//! into the buffer of the environment that owns the client; the runtime signals that
//! environment's JavaScript thread through its thread-safe function only when the buffer
//! goes from empty to non-empty, and one drain then settles everything collected so far.
//! Direct clients (see `lane`) settle their replies from the environment's own event loop,
//! without that signal.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::core::client::{Client, Role, SubKind};
use crate::core::command;
use crate::core::config::{ClientConfig, ClientOptions};
use crate::core::error::Error as CoreError;
use crate::core::message_tap::RawMessage;
use crate::core::reply::Shape;
use crate::core::sink::{Completion, Event, Sink};
use crate::core::transfer::{Extra, MessageBatch, Tape};

type Signal = ThreadsafeFunction<(), (), Drained, Status, false, true>;

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
enum Pending {
    One(Completion),
    Messages(u32, MessageBatch),
}

#[derive(Default)]
struct Undrained {
    items: Vec<Pending>,
    messages: usize,
    message_bytes: usize,
    /// Messages dropped per client since the last drain.
    dropped: HashMap<u32, u64>,
}

struct NodeSink {
    buffer: Mutex<Undrained>,
    signal: Signal,
    /// Subscriber clients that want message payloads as Buffers.
    binary_messages: Mutex<HashSet<u32>>,
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
    fn take(&self) -> Vec<Pending> {
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
struct EnvState {
    sink: Arc<NodeSink>,
    env: sys::napi_env,
    drain: sys::napi_ref,
    context: sys::napi_async_context,
    tape: SharedTape,
}

thread_local! {
    static ENV: RefCell<Option<EnvState>> = const { RefCell::new(None) };
}

fn sink() -> Result<Arc<NodeSink>> {
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

/// Everything collected since the last drain, converted on the JavaScript thread. The
/// records travel on a [`Tape`]: its numbers go into this environment's shared
/// `Float64Array` (the count first), so a drain allocates no typed array; the drain function
/// receives the tape's text alone when that is all it needs, else
/// `[text, bin, extras, newTape, moreTexts]` (`bin`: a Buffer or undefined; `extras`: an
/// array or undefined; `newTape`: a larger shared array, when the tape outgrew the old one;
/// `moreTexts`: the text's further chunks, or undefined).
pub struct Drained(Vec<Pending>);

impl ToNapiValue for Drained {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut owed = Owed::default();
        let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            convert(env, val, &mut owed)
        }));
        let reason = match converted {
            Ok(Ok(v)) => return Ok(v),
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
}

/// The shared tape array of this environment: its data and capacity (in numbers).
struct SharedTape {
    array: sys::napi_ref,
    data: *mut f64,
    capacity: usize,
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

/// The drain function's argument around the tape already written (see [`Drained`]).
unsafe fn assemble(
    env: sys::napi_env,
    tape: &mut Tape,
    new_tape: Option<sys::napi_value>,
) -> Result<sys::napi_value> {
    // The text's chunks: the first travels alone, the rest in an array (see op::NEXT_TEXT).
    let mut chunks = Vec::new();
    for (range, ascii) in tape.text_chunks() {
        let part = &tape.text[range];
        let mut v = ptr::null_mut();
        if ascii {
            check(sys::napi_create_string_latin1(
                env,
                part.as_ptr().cast(),
                part.len() as isize,
                &mut v,
            ))?;
        } else {
            check(sys::napi_create_string_utf8(
                env,
                part.as_ptr().cast(),
                part.len() as isize,
                &mut v,
            ))?;
        }
        chunks.push(v);
    }
    let text_value = chunks[0];
    let Tape { bin, extras, .. } = tape;
    if bin.is_empty() && extras.is_empty() && new_tape.is_none() && chunks.len() == 1 {
        return Ok(text_value);
    }
    let bin_value = if bin.is_empty() {
        undefined(env)?
    } else {
        bytes(env, bin, true)?
    };
    let extras_value = if extras.is_empty() {
        undefined(env)?
    } else {
        let mut arr = ptr::null_mut();
        check(sys::napi_create_array_with_length(
            env,
            extras.len(),
            &mut arr,
        ))?;
        for (i, x) in extras.drain(..).enumerate() {
            check(sys::napi_set_element(env, arr, i as u32, extra(env, x)?))?;
        }
        arr
    };
    let more_texts = if chunks.len() == 1 {
        undefined(env)?
    } else {
        let mut arr = ptr::null_mut();
        check(sys::napi_create_array_with_length(
            env,
            chunks.len() - 1,
            &mut arr,
        ))?;
        for (i, v) in chunks[1..].iter().enumerate() {
            check(sys::napi_set_element(env, arr, i as u32, *v))?;
        }
        arr
    };
    let mut out = ptr::null_mut();
    check(sys::napi_create_array_with_length(env, 5, &mut out))?;
    let tape_value = match new_tape {
        Some(t) => t,
        None => undefined(env)?,
    };
    for (i, v) in [text_value, bin_value, extras_value, tape_value, more_texts]
        .into_iter()
        .enumerate()
    {
        check(sys::napi_set_element(env, out, i as u32, v))?;
    }
    Ok(out)
}

/// One value the tape could not carry inline.
unsafe fn extra(env: sys::napi_env, x: Extra) -> Result<sys::napi_value> {
    match x {
        Extra::Error(e) => error(env, &e),
        Extra::LockLost(e, watch) => {
            let err = error(env, &e)?;
            check(sys::napi_set_named_property(
                env,
                err,
                c"watchId".as_ptr(),
                int(env, watch as i64)?,
            ))?;
            Ok(err)
        }
        Extra::Text(t) => string(env, &t),
        Extra::Bytes(b) => bytes(env, &b, true),
        Extra::Messages(batch, binary) => {
            let mut arr = ptr::null_mut();
            check(sys::napi_create_array_with_length(env, 3, &mut arr))?;
            let mut n = 0;
            messages(env, batch, binary, &mut |v| {
                check(sys::napi_set_element(env, arr, n, v))?;
                n += 1;
                Ok(())
            })?;
            Ok(arr)
        }
    }
}

/// Puts a message batch's `payloads`, `names` and `meta` (see [`Drained`]).
unsafe fn messages(
    env: sys::napi_env,
    batch: MessageBatch,
    binary: bool,
    put: &mut impl FnMut(sys::napi_value) -> Result<()>,
) -> Result<()> {
    let MessageBatch {
        payloads,
        ascii,
        names,
        mut meta,
    } = batch;
    let mut all = ptr::null_mut();
    if binary {
        all = bytes(env, &payloads, true)?;
    } else if ascii {
        // One-byte string: offsets in bytes are offsets in characters.
        check(sys::napi_create_string_latin1(
            env,
            payloads.as_ptr().cast(),
            payloads.len() as isize,
            &mut all,
        ))?;
    } else {
        // JavaScript string offsets count UTF-16 units: decode each payload (invalid UTF-8
        // becomes U+FFFD, as for any other reply) and rewrite its end offset.
        let mut units: Vec<u16> = Vec::with_capacity(payloads.len());
        let mut start = 0usize;
        for end in meta.iter_mut().step_by(3) {
            let e = *end as usize;
            units.extend(String::from_utf8_lossy(&payloads[start..e]).encode_utf16());
            start = e;
            *end = units.len() as u32;
        }
        check(sys::napi_create_string_utf16(
            env,
            units.as_ptr(),
            units.len() as isize,
            &mut all,
        ))?;
    }
    put(all)?;
    let mut table = ptr::null_mut();
    check(sys::napi_create_array_with_length(
        env,
        names.len(),
        &mut table,
    ))?;
    for (i, n) in names.iter().enumerate() {
        check(sys::napi_set_element(
            env,
            table,
            i as u32,
            bytes(env, n, binary)?,
        ))?;
    }
    put(table)?;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    check(sys::napi_create_arraybuffer(
        env,
        meta.len() * 4,
        &mut data,
        &mut buffer,
    ))?;
    if !meta.is_empty() {
        ptr::copy_nonoverlapping(meta.as_ptr(), data.cast::<u32>(), meta.len());
    }
    let mut typed = ptr::null_mut();
    check(sys::napi_create_typedarray(
        env,
        sys::TypedarrayType::uint32_array,
        meta.len(),
        buffer,
        0,
        &mut typed,
    ))?;
    put(typed)
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            "N-API call failed while converting a reply",
        ))
    }
}

unsafe fn int(env: sys::napi_env, i: i64) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_create_int64(env, i, &mut v))?;
    Ok(v)
}

unsafe fn undefined(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_get_undefined(env, &mut v))?;
    Ok(v)
}

unsafe fn string(env: sys::napi_env, b: &[u8]) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check(sys::napi_create_string_utf8(
        env,
        b.as_ptr().cast(),
        b.len() as isize,
        &mut v,
    ))?;
    Ok(v)
}

unsafe fn bytes(env: sys::napi_env, b: &[u8], binary: bool) -> Result<sys::napi_value> {
    if !binary {
        return string(env, b);
    }
    let mut v = ptr::null_mut();
    let mut data = ptr::null_mut();
    check(sys::napi_create_buffer_copy(
        env,
        b.len(),
        b.as_ptr().cast(),
        &mut data,
        &mut v,
    ))?;
    Ok(v)
}

unsafe fn error(env: sys::napi_env, e: &CoreError) -> Result<sys::napi_value> {
    let code = string(env, e.code().as_bytes())?;
    let msg = string(env, e.to_string().as_bytes())?;
    let mut v = ptr::null_mut();
    match e {
        CoreError::InvalidArg(_) => check(sys::napi_create_type_error(env, code, msg, &mut v))?,
        _ => check(sys::napi_create_error(env, code, msg, &mut v))?,
    }
    Ok(v)
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
                let b = crate::core::direct::Outgoing {
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
        // 0: channels, 1: patterns, 2: sharded channels.
        let kind = match kind {
            1 => SubKind::Pattern,
            2 => SubKind::Shard,
            _ => SubKind::Channel,
        };
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
