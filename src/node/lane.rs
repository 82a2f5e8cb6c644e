//! The direct path's host half: each direct client's socket is driven from its Node
//! environment's own thread and event loop.
//!
//! A tick's commands are written to the socket from the JavaScript call that submits them;
//! replies are read in a libuv poll callback on Node's loop, which settles the promises
//! through `napi_make_callback`, so continuations (and the commands they issue) run before
//! the callback returns. No other thread is involved, so a command and its reply cost no
//! cross-thread wake-up. The client task keeps connecting, reconnecting and the offline
//! queue; it hands each new socket over ([`Completion::Attach`]) and forwards what reaches
//! it afterwards ([`Completion::Forward`]).
//!
//! Everything here lives on one JavaScript thread (thread-local state); a worker thread has
//! its own.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use napi::sys;
use redis::{PushKind, Value};

use super::drain::{deliver_now, env_of_thread};
use super::fault::{self, Fault};
use super::uv;
use crate::core::client::{invalidation, ClientHandle};
use crate::core::command::{is_internal, Outgoing, DISCARD};
use crate::core::dial::Socket;
use crate::core::direct::DirectConn;
use crate::core::error::Error;
use crate::core::sink::{Completion, Event};

/// A direct client's host-side state.
pub struct Slot {
    client: u32,
    handle: ClientHandle,
    max_in_flight: usize,
    /// Host submissions sent to the client task.
    to_actor: u64,
    /// Of those, how many the task has handed back (in the attach, or forwarded since).
    seen: u64,
    lane: Option<Lane>,
    /// Submissions made while the task still has earlier ones to forward: written once it
    /// has, so the order of submissions holds.
    waiting: VecDeque<Outgoing>,
}

struct Lane {
    conn: DirectConn,
    poll: uv::Handle,
    timer: uv::Handle,
    timer_at: Option<Instant>,
    watching_write: bool,
    cleanup: sys::napi_async_cleanup_hook_handle,
}

thread_local! {
    static SLOTS: RefCell<HashMap<u32, Rc<RefCell<Slot>>>> = RefCell::new(HashMap::new());
}

fn find(client: u32) -> Option<Rc<RefCell<Slot>>> {
    SLOTS.with(|s| s.borrow().get(&client).cloned())
}

/// Registers a direct client of this thread.
pub fn register(handle: ClientHandle, max_in_flight: usize) -> Rc<RefCell<Slot>> {
    let client = handle.id();
    let slot = Rc::new(RefCell::new(Slot {
        client,
        handle,
        max_in_flight,
        to_actor: 0,
        seen: 0,
        lane: None,
        waiting: VecDeque::new(),
    }));
    SLOTS.with(|s| s.borrow_mut().insert(client, slot.clone()));
    slot
}

/// Forgets a client (its host object is gone), closing its socket.
pub fn unregister(client: u32) {
    let slot = SLOTS.with(|s| s.borrow_mut().remove(&client));
    if let Some(slot) = slot {
        let mut s = slot.borrow_mut();
        if let Some(lane) = s.lane.take() {
            close(lane, true);
        }
    }
}

impl Slot {
    /// Takes a batch the host submits if the socket is here; returns it otherwise, counted
    /// as sent to the client task (the caller sends it there).
    pub fn submit(&mut self, b: Outgoing) -> Option<Outgoing> {
        if self.lane.is_none() {
            self.to_actor += 1;
            return Some(b);
        }
        if self.seen < self.to_actor {
            self.waiting.push_back(b);
            return None;
        }
        let done = self.write(b);
        self.settle_later(done);
        None
    }

    /// Counts an op the host sends to the client task itself (`QUIT`).
    pub fn note_actor_op(&mut self) {
        self.to_actor += 1;
    }

    /// Whether the socket is here.
    pub fn is_live(&self) -> bool {
        self.lane.is_some()
    }

    /// Closes the socket now (the host's `disconnect()`): everything waiting fails with
    /// `err`, delivered like any completion.
    pub fn disconnect(&mut self, err: Error) {
        if let Some(mut lane) = self.lane.take() {
            let mut done = lane.conn.fail_all(err.clone());
            done.extend(self.fail_waiting(&err));
            close(lane, true);
            self.settle_later(done);
        }
    }

    /// Gives the socket up as lost (the host's `reconnect()`): what was on it fails with
    /// `err` and the client task reconnects.
    pub fn reconnect(&mut self, err: Error) {
        let done = self.lose(err);
        self.settle_later(done);
    }

    fn fail_waiting(&mut self, err: &Error) -> Vec<Completion> {
        self.waiting
            .drain(..)
            .map(|b| Completion::Batch {
                client: self.client,
                id: b.id,
                forms: b.forms,
                result: Err(err.clone()),
            })
            .collect()
    }

    /// Writes a batch (or holds it at the in-flight cap); what settles at once (a lost
    /// socket) comes back.
    fn write(&mut self, b: Outgoing) -> Vec<Completion> {
        let Some(lane) = self.lane.as_mut() else {
            return vec![];
        };
        lane.conn.push(b);
        match lane.pump() {
            Ok(()) => vec![],
            Err(e) => self.lose(e),
        }
    }

    /// The socket failed: fail what was on it, give it up, and tell the client task.
    fn lose(&mut self, err: Error) -> Vec<Completion> {
        let mut done = Vec::new();
        if let Some(mut lane) = self.lane.take() {
            done = lane.conn.fail_all(err.clone());
            close(lane, true);
            self.handle.direct_lost();
        }
        done.extend(self.fail_waiting(&err));
        done
    }

    /// Delivers completions produced inside a JavaScript call through the sink (never
    /// re-entering JavaScript from inside it).
    fn settle_later(&self, done: Vec<Completion>) {
        for c in done {
            self.handle.deliver(c);
        }
    }
}

impl Lane {
    /// Writes what it can, watches for writability while bytes remain, and keeps the
    /// deadline timer armed.
    fn pump(&mut self) -> Result<(), Error> {
        let all = self
            .conn
            .flush()
            .map_err(|e| Error::Connection(e.to_string()))?;
        if all == self.watching_write {
            self.watching_write = !all;
            let events = if all {
                uv::UV_READABLE
            } else {
                uv::UV_READABLE | uv::UV_WRITABLE
            };
            // SAFETY: `poll` is this lane's live, initialised poll handle.
            unsafe { uv::uv_poll_start(self.poll, events, on_poll) };
        }
        self.arm();
        Ok(())
    }

    fn arm(&mut self) {
        let Some(next) = self.conn.next_deadline() else {
            return;
        };
        if self.timer_at.is_some_and(|t| t <= next) {
            return;
        }
        self.timer_at = Some(next);
        let ms = next
            .saturating_duration_since(Instant::now())
            .as_micros()
            .div_ceil(1000) as u64;
        // SAFETY: `timer` is this lane's live, initialised timer handle.
        unsafe { uv::uv_timer_start(self.timer, on_timer, ms, 0) };
    }
}

/// Routes completions from a libuv callback: the host's to JavaScript at once (inside a
/// callback scope), Rust-side requests to their waiters.
fn deliver(handle: &ClientHandle, done: Vec<Completion>) {
    let mut to_js = Vec::with_capacity(done.len());
    for c in done {
        match &c {
            Completion::Batch { id, .. } if is_internal(*id) || *id == DISCARD => handle.deliver(c),
            _ => to_js.push(c),
        }
    }
    if !to_js.is_empty() {
        deliver_now(to_js);
    }
}

fn pushes_to_events(client: u32, pushes: Vec<Value>, out: &mut Vec<Completion>) {
    for p in pushes {
        if let Value::Push { kind, data } = p {
            if kind == PushKind::Invalidate {
                out.push(Completion::Event {
                    client,
                    event: invalidation(data),
                });
            }
        }
    }
}

unsafe extern "C" fn on_poll(h: uv::Handle, status: c_int, events: c_int) {
    let client = uv::data(h) as u32;
    if fault::contained(|| poll(h, client, status, events)) {
        recover(client, h, "the socket's poll callback");
    }
}

fn poll(h: uv::Handle, client: u32, status: c_int, events: c_int) {
    let Some(slot) = find(client) else { return };
    let (done, handle) = {
        let mut s = slot.borrow_mut();
        let Some(lane) = s.lane.as_mut() else { return };
        if lane.poll != h {
            return;
        }
        let mut done = Vec::new();
        let mut lost = None;
        if status < 0 {
            lost = Some(Error::Connection(format!("socket error ({status})")));
        } else {
            if events & uv::UV_READABLE != 0 {
                let outcome = lane.conn.read();
                fault::panic_if(Fault::PollPanic);
                done = outcome.done;
                pushes_to_events(client, outcome.pushes, &mut done);
                if let (Some(e), false) = (&outcome.lost, outcome.closed_by_server) {
                    // Garbage or a reset: say so, beyond failing what was in flight.
                    done.push(Completion::Event {
                        client,
                        event: Event::Error(e.clone()),
                    });
                }
                lost = outcome.lost;
            }
            if lost.is_none() {
                // Writable again, or held batches admitted by the replies just read.
                if let Err(e) = lane.pump() {
                    lost = Some(e);
                }
            }
        }
        if let Some(e) = lost {
            done.extend(s.lose(e));
        }
        (done, s.handle.clone())
    };
    deliver(&handle, done);
}

unsafe extern "C" fn on_timer(h: uv::Handle) {
    let client = uv::data(h) as u32;
    if fault::contained(|| timer(h, client)) {
        recover(client, h, "the deadline timer's callback");
    }
}

/// After a panic in a callback of `h`, the lane's state cannot be trusted: it is given up,
/// what it carried fails with a coded error, and the client reconnects. (Unwinding released
/// the slot's borrow.)
fn recover(client: u32, h: uv::Handle, site: &str) {
    let err = Error::Internal(format!("panic in {site}; the connection was reset"));
    fault::contained(|| {
        let Some(slot) = find(client) else { return };
        let (done, handle) = {
            let mut s = slot.borrow_mut();
            let ours = s.lane.as_ref().is_some_and(|l| l.poll == h || l.timer == h);
            if !ours {
                return;
            }
            let mut done = s.lose(err.clone());
            // Replies the callback had already taken off the connection unwound with it:
            // the host fails whatever of this client it still has in flight.
            done.push(Completion::Event {
                client,
                event: Event::Reset(err),
            });
            (done, s.handle.clone())
        };
        deliver(&handle, done);
    });
}

fn timer(h: uv::Handle, client: u32) {
    let Some(slot) = find(client) else { return };
    let (done, handle) = {
        let mut s = slot.borrow_mut();
        let Some(lane) = s.lane.as_mut() else { return };
        if lane.timer != h {
            return;
        }
        lane.timer_at = None;
        let mut done = lane.conn.expire(Instant::now());
        fault::panic_if(Fault::TimerPanic);
        if lane.conn.is_silent() {
            // Nothing at all came back for several deadlines: a partition or a stopped
            // server. Give the connection up so the client reconnects.
            done.extend(s.lose(Error::Connection(
                "no reply from the server within the last deadlines; reconnecting".into(),
            )));
        } else {
            lane.arm();
        }
        (done, s.handle.clone())
    };
    deliver(&handle, done);
}

/// Handles the client tasks' hand-overs among drained completions, on the JavaScript
/// thread, before anything reaches JavaScript. What settles (forwards to a socket already
/// lost) is appended to `out`.
pub fn intercept(c: Completion, out: &mut Vec<Completion>) -> Option<Completion> {
    match c {
        Completion::Attach {
            client,
            socket,
            queued,
            host_ops,
        } => {
            attach(client, socket, queued, host_ops, out);
            None
        }
        Completion::Forward { client, batch } => {
            let slot = find(client)?;
            let mut s = slot.borrow_mut();
            if !is_internal(batch.id) {
                s.seen += 1;
            }
            if s.lane.is_none() {
                let err = Error::Connection("Connection lost".into());
                out.push(Completion::Batch {
                    client,
                    id: batch.id,
                    forms: batch.forms,
                    result: Err(err),
                });
                return None;
            }
            let mut done = s.write(batch);
            if s.seen >= s.to_actor {
                while let Some(b) = s.waiting.pop_front() {
                    done.extend(s.write(b));
                }
            }
            out.extend(done);
            None
        }
        other => Some(other),
    }
}

fn attach(
    client: u32,
    socket: Socket,
    queued: Vec<Outgoing>,
    host_ops: u64,
    out: &mut Vec<Completion>,
) {
    let Some(slot) = find(client) else {
        // The host object is gone; dropping the socket closes it.
        return;
    };
    let mut s = slot.borrow_mut();
    if let Some(old) = s.lane.take() {
        close(old, true);
    }
    let refuse = |s: &Slot, queued: Vec<Outgoing>, out: &mut Vec<Completion>| {
        // Cannot drive it here: give the connection back as lost (the client reconnects);
        // what waited for it fails.
        s.handle.direct_lost();
        for b in queued {
            out.push(Completion::Batch {
                client,
                id: b.id,
                forms: b.forms,
                result: Err(Error::Connection("cannot watch the socket".into())),
            });
        }
    };
    let Some(env) = env_of_thread() else {
        return refuse(&s, queued, out);
    };
    let fd = socket.raw_fd();
    let conn = DirectConn::new(client, socket, s.max_in_flight);
    // SAFETY: handles are allocated for their kinds, initialised on this thread's loop, and
    // closed (then freed) only through `close`; on the failure path neither was initialised
    // (a failed `uv_poll_init_socket` registers nothing), so their memory is freed directly.
    let lane = unsafe {
        let mut lp: *mut sys::uv_loop_s = ptr::null_mut();
        sys::napi_get_uv_event_loop(env, &mut lp);
        let poll = uv::new_handle(uv::UV_POLL, client as usize);
        let timer = uv::new_handle(uv::UV_TIMER, client as usize);
        if lp.is_null()
            || poll.is_null()
            || timer.is_null()
            || fault::fires(Fault::AttachFail)
            || uv::uv_poll_init_socket(lp.cast(), poll, fd) != 0
        {
            if !poll.is_null() {
                uv::free_handle(poll, uv::UV_POLL);
            }
            if !timer.is_null() {
                uv::free_handle(timer, uv::UV_TIMER);
            }
            drop(conn);
            return refuse(&s, queued, out);
        }
        uv::uv_timer_init(lp.cast(), timer);
        // The JavaScript side keeps the loop alive while clients are open.
        uv::uv_unref(poll);
        uv::uv_unref(timer);
        uv::uv_poll_start(poll, uv::UV_READABLE, on_poll);
        let mut cleanup: sys::napi_async_cleanup_hook_handle = ptr::null_mut();
        sys::napi_add_async_cleanup_hook(
            env,
            Some(on_env_cleanup),
            client as usize as *mut c_void,
            &mut cleanup,
        );
        Lane {
            conn,
            poll,
            timer,
            timer_at: None,
            watching_write: false,
            cleanup,
        }
    };
    s.lane = Some(lane);
    s.seen = host_ops;
    let mut done = Vec::new();
    for b in queued {
        done.extend(s.write(b));
    }
    out.extend(done);
}

/// Both handles of a closing lane: freed once libuv has closed both; then, if the
/// environment is being torn down, its cleanup hook is released.
struct Closing {
    left: u8,
    cleanup: sys::napi_async_cleanup_hook_handle,
}

/// Stops watching a lane's socket and closes it. `remove_hook`: the environment is not
/// being torn down, so its cleanup hook is released at once.
fn close(lane: Lane, remove_hook: bool) {
    let Lane {
        conn,
        poll,
        timer,
        cleanup,
        ..
    } = lane;
    // SAFETY: both handles are live and initialised; `data` is repointed at the shared
    // `Closing` record, which the last close callback frees.
    unsafe {
        let mut hook = cleanup;
        if remove_hook && !hook.is_null() {
            sys::napi_remove_async_cleanup_hook(hook);
            hook = ptr::null_mut();
        }
        let closing = Box::into_raw(Box::new(Closing {
            left: 2,
            cleanup: hook,
        }));
        *(poll as *mut usize) = closing as usize;
        *(timer as *mut usize) = closing as usize;
        uv::uv_timer_stop(timer);
        uv::uv_close(poll, Some(on_poll_closed));
        uv::uv_close(timer, Some(on_timer_closed));
    }
    // libuv has stopped watching the descriptor; the runtime reads what is left and closes it.
    conn.into_socket().linger();
}

unsafe fn closed(h: uv::Handle, kind: c_int) {
    let closing = uv::data(h) as *mut Closing;
    uv::free_handle(h, kind);
    (*closing).left -= 1;
    if (*closing).left == 0 {
        let c = Box::from_raw(closing);
        if !c.cleanup.is_null() {
            sys::napi_remove_async_cleanup_hook(c.cleanup);
        }
    }
}

unsafe extern "C" fn on_poll_closed(h: uv::Handle) {
    // A panic here could only leak the handle's memory; it must not unwind into libuv.
    fault::contained(|| {
        closed(h, uv::UV_POLL);
        fault::panic_if(Fault::ClosePanic);
    });
}

unsafe extern "C" fn on_timer_closed(h: uv::Handle) {
    fault::contained(|| closed(h, uv::UV_TIMER));
}

/// The environment (a worker thread, or the process) is going away: close the lane's
/// handles before its loop closes; the hook is released once they are.
unsafe extern "C" fn on_env_cleanup(hook: sys::napi_async_cleanup_hook_handle, arg: *mut c_void) {
    let client = arg as usize as u32;
    let mut closing = false;
    let release = |closing: &mut bool| {
        let slot = SLOTS.with(|s| s.borrow_mut().remove(&client));
        if let Some(lane) = slot.and_then(|s| s.borrow_mut().lane.take()) {
            *closing = true;
            close(lane, false);
        }
    };
    let panicked = fault::contained(|| {
        fault::panic_if(Fault::CleanupPanic);
        release(&mut closing);
    });
    if panicked && !closing {
        // Once more: handles left open when the loop closes abort the process.
        fault::contained(|| release(&mut closing));
    }
    // Unless the lane's close callbacks will release the hook (once `close` has begun), release
    // it now: a hook left registered keeps the environment's teardown waiting for ever.
    if !closing {
        sys::napi_remove_async_cleanup_hook(hook);
    }
}

/// The deadline for a submission: `timeout` from now, if any.
pub fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}
