//! Test-only fault injection at the binding's edges, and the guard every libuv callback runs
//! under.
//!
//! The containment tests need to force what never happens in a correct build: a panic in a
//! libuv callback, a handle that cannot be set up, a conversion to JavaScript that fails.
//! `injectFault(name)` arms one fault, which fires once at its site. It works only in a
//! process started with `REDIS_HOTPATH_FAULTS=1`; elsewhere it throws, so production code
//! cannot arm anything. Each site costs one relaxed atomic load.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};

use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The sites a fault can be injected at, as bits of [`ARMED`].
#[derive(Clone, Copy)]
pub enum Fault {
    /// A panic in the direct path's poll callback, after replies were read.
    PollPanic = 1,
    /// A panic in the direct path's deadline timer callback.
    TimerPanic = 2,
    /// A panic in a handle's close callback.
    ClosePanic = 4,
    /// The direct path cannot watch a handed-over socket (`uv_poll_init_socket` fails).
    AttachFail = 8,
    /// Converting completions to JavaScript fails.
    ConvertFail = 16,
    /// A panic in the environment cleanup hook (a worker thread going away).
    CleanupPanic = 32,
}

const NAMES: [(&str, Fault); 6] = [
    ("poll-panic", Fault::PollPanic),
    ("timer-panic", Fault::TimerPanic),
    ("close-panic", Fault::ClosePanic),
    ("attach-fail", Fault::AttachFail),
    ("convert-fail", Fault::ConvertFail),
    ("cleanup-panic", Fault::CleanupPanic),
];

static ARMED: AtomicU32 = AtomicU32::new(0);

/// Whether `f` is armed; disarms it (a fault fires once).
pub fn fires(f: Fault) -> bool {
    let bit = f as u32;
    ARMED.load(Ordering::Relaxed) & bit != 0 && ARMED.fetch_and(!bit, Ordering::SeqCst) & bit != 0
}

/// Panics if `f` is armed (and disarms it).
pub fn panic_if(f: Fault) {
    if fires(f) {
        panic!("injected fault");
    }
}

/// Arms one fault by name (tests only: the process must have been started with
/// `REDIS_HOTPATH_FAULTS=1`).
#[napi(catch_unwind)]
pub fn inject_fault(name: String) -> Result<()> {
    if std::env::var("REDIS_HOTPATH_FAULTS").as_deref() != Ok("1") {
        return Err(napi::Error::new(
            Status::InvalidArg,
            "fault injection needs REDIS_HOTPATH_FAULTS=1",
        ));
    }
    let Some((_, f)) = NAMES.iter().find(|(n, _)| *n == name) else {
        return Err(napi::Error::new(
            Status::InvalidArg,
            format!("unknown fault {name:?}"),
        ));
    };
    ARMED.fetch_or(*f as u32, Ordering::SeqCst);
    Ok(())
}

/// The faults armed and not fired yet, by name (so a test can tell that its fault fired).
#[napi(catch_unwind)]
pub fn armed_faults() -> Vec<String> {
    let armed = ARMED.load(Ordering::SeqCst);
    NAMES
        .iter()
        .filter(|(_, f)| armed & (*f as u32) != 0)
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Runs a callback entered from libuv; a panic is caught (unwinding into C is undefined
/// behaviour and would abort Node). Returns whether it panicked, so the caller can repair
/// what the callback left half done.
pub fn contained(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}
