//! Lock scripts and the watchdog against a real redis-server.
mod common;

use std::time::Duration;

use common::{client, raw, Server};
use redis::{AsyncCommands, Script};
use redis_hotpath::core::lock::{key, watch, ACQUIRE, EXTEND, RELEASE};

async fn acquire(
    c: &mut redis::aio::MultiplexedConnection,
    resources: &[&str],
    token: &str,
    ttl: u64,
) -> Vec<i64> {
    let s = Script::new(ACQUIRE);
    let mut inv = s.prepare_invoke();
    for r in resources {
        inv.key(key("lock:", r));
    }
    inv.arg(token).arg(ttl).arg(1);
    inv.invoke_async(c).await.unwrap()
}

/// The server clock in microseconds.
async fn server_us(c: &mut redis::aio::MultiplexedConnection) -> i64 {
    let (s, us): (i64, i64) = redis::cmd("TIME").query_async(c).await.unwrap();
    s * 1_000_000 + us
}

#[tokio::test]
async fn all_or_nothing_owner_safe_and_fenced() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let before = server_us(&mut c).await;
    let a = acquire(&mut c, &["a", "b"], "t1", 10_000).await;
    // The fence is the server clock when the lock was taken, in microseconds.
    assert_eq!(a.len(), 2);
    assert_eq!(a[0], 1);
    assert!(a[1] > before && a[1] < server_us(&mut c).await);
    let f = a[1];
    // b is held: acquiring {c, b} takes nothing, c stays free.
    assert_eq!(acquire(&mut c, &["c", "b"], "t2", 10_000).await, vec![0, 2]);
    let exists: bool = c.exists("lock:{c}").await.unwrap();
    assert!(!exists);
    // One resource: SET NX refuses a held key too.
    assert_eq!(acquire(&mut c, &["a"], "t2", 10_000).await, vec![0, 1]);
    // A non-owner's release and extend do nothing.
    let rel: i64 = Script::new(RELEASE)
        .key("lock:{a}")
        .key("lock:{b}")
        .arg("t2")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(rel, 0);
    let ext: i64 = Script::new(EXTEND)
        .key("lock:{a}")
        .arg("t2")
        .arg(50_000)
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(ext, 0);
    let rel: i64 = Script::new(RELEASE)
        .key("lock:{a}")
        .key("lock:{b}")
        .arg("t1")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(rel, 2);
    // Nothing is left behind, and fences only grow.
    let n: i64 = c.exists(&["lock:{a}", "lock:{b}"]).await.unwrap();
    assert_eq!(n, 0);
    let a = acquire(&mut c, &["a"], "t3", 100).await;
    assert!(a[0] == 1 && a[1] > f);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = acquire(&mut c, &["a"], "t4", 100).await;
    assert!(
        again[0] == 1 && again[1] > a[1],
        "expiry frees the lock, the fence still grows"
    );
    // Without the fence flag (Redlock's votes), no TIME is asked.
    let s = Script::new(ACQUIRE);
    let r: Vec<i64> = s
        .key("lock:{d}")
        .arg("t5")
        .arg(1000)
        .arg(0)
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(r, vec![1, 0]);
}

#[tokio::test]
async fn watchdog_extends_past_several_ttls_and_reports_loss() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    acquire(&mut c, &["w"], "tok", 300).await;
    let (client, _rx) = client(server.config());
    let (lost_tx, lost_rx) = std::sync::mpsc::channel();
    let dog = watch(
        client.handle(),
        vec!["lock:{w}".into()],
        "tok".into(),
        Duration::from_millis(300),
        Duration::from_millis(100),
        move |e| {
            let _ = lost_tx.send(e);
        },
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let owner: Option<String> = c.get("lock:{w}").await.unwrap();
    assert_eq!(
        owner.as_deref(),
        Some("tok"),
        "still held after more than three TTLs"
    );
    assert!(lost_rx.try_recv().is_err());
    let _: () = c.del("lock:{w}").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = lost_rx.try_recv().expect("loss reported");
    assert_eq!(e.code(), "ERR_LOCK_LOST");
    drop(dog);
}
