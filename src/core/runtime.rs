//! The one tokio runtime shared by every client in the process.

use std::sync::LazyLock;
use tokio::runtime::{Builder, Runtime};

/// Worker threads for the runtime: `REDIS_HOTPATH_THREADS`, else 1.
///
/// One worker is the default because the hot path is I/O bound and, on small machines, Node,
/// the runtime and often redis-server itself share very few cores; a second worker mostly
/// adds cross-thread wake-ups. Machines with spare cores can raise it.
fn worker_threads() -> usize {
    std::env::var("REDIS_HOTPATH_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(1)
}

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("redis-hotpath")
        .enable_all()
        .build()
        // Without a runtime nothing can work; this only fails if the OS refuses threads.
        .expect("redis-hotpath: cannot start the tokio runtime")
});

/// The shared runtime's handle.
pub fn handle() -> &'static tokio::runtime::Handle {
    RUNTIME.handle()
}
