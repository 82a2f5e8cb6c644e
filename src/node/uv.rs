//! The few libuv functions the direct path needs. Node exports libuv's symbols on the
//! platforms where the direct path runs (unix-like), so the addon links them undefined and
//! Node resolves them at load. Values are from libuv 1.x's `uv.h`, stable across its ABI.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::os::raw::{c_int, c_void};

/// `uv_handle_type` values.
pub const UV_POLL: c_int = 8;
pub const UV_TIMER: c_int = 13;
/// `uv_poll_event` bits.
pub const UV_READABLE: c_int = 1;
pub const UV_WRITABLE: c_int = 2;

/// An opaque libuv handle; its first field is `void *data`.
pub type Handle = *mut c_void;
pub type PollCb = unsafe extern "C" fn(handle: Handle, status: c_int, events: c_int);
pub type TimerCb = unsafe extern "C" fn(handle: Handle);
pub type CloseCb = unsafe extern "C" fn(handle: Handle);

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    pub fn uv_poll_init_socket(lp: *mut c_void, handle: Handle, socket: c_int) -> c_int;
    pub fn uv_poll_start(handle: Handle, events: c_int, cb: PollCb) -> c_int;
    pub fn uv_timer_init(lp: *mut c_void, handle: Handle) -> c_int;
    pub fn uv_timer_start(handle: Handle, cb: TimerCb, timeout: u64, repeat: u64) -> c_int;
    pub fn uv_timer_stop(handle: Handle) -> c_int;
    pub fn uv_close(handle: Handle, cb: Option<CloseCb>);
    pub fn uv_unref(handle: Handle);
}

fn layout(kind: c_int) -> Layout {
    // SAFETY: a pure query of libuv's compiled-in handle sizes.
    let size = unsafe { uv_handle_size(kind) }.max(std::mem::size_of::<usize>());
    Layout::from_size_align(size, 16).unwrap_or(Layout::new::<[u64; 32]>())
}

/// Allocates zeroed memory for a handle of `kind`, its `data` set to `data`.
pub fn new_handle(kind: c_int, data: usize) -> Handle {
    // SAFETY: the layout has a non-zero size; the first field of every handle is `data`.
    unsafe {
        let h = alloc_zeroed(layout(kind)).cast::<c_void>();
        if !h.is_null() {
            *(h as *mut usize) = data;
        }
        h
    }
}

/// The `data` field of a handle.
///
/// # Safety
/// `h` must be a live handle made by [`new_handle`].
pub unsafe fn data(h: Handle) -> usize {
    *(h as *const usize)
}

/// Frees a handle's memory once libuv has closed it.
///
/// # Safety
/// `h` must come from [`new_handle`] with the same `kind`, and be closed.
pub unsafe fn free_handle(h: Handle, kind: c_int) {
    dealloc(h.cast::<u8>(), layout(kind));
}
