//! Lock scripts and the watchdog against a real redis-server.
mod common;

use std::time::Duration;

use common::{client, raw, Server};
use redis::{AsyncCommands, Script, Value};
use redis_hotpath::core::lock::{keys, watch, ACQUIRE, EXTEND, RELEASE};

async fn acquire(
    c: &mut redis::aio::MultiplexedConnection,
    resources: &[&str],
    token: &str,
    ttl: u64,
) -> Value {
    let s = Script::new(ACQUIRE);
    let mut inv = s.prepare_invoke();
    let ks: Vec<(String, String)> = resources.iter().map(|r| keys("lock:", r)).collect();
    for (k, _) in &ks {
        inv.key(k);
    }
    for (_, f) in &ks {
        inv.key(f);
    }
    inv.arg(token).arg(ttl).arg(resources.len());
    inv.invoke_async(c).await.unwrap()
}

#[tokio::test]
async fn all_or_nothing_owner_safe_and_fenced() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let Value::Array(a) = acquire(&mut c, &["a", "b"], "t1", 10_000).await else {
        panic!()
    };
    assert_eq!(a, vec![Value::Int(1), Value::Int(1), Value::Int(1)]);
    // b is held: acquiring {b, c} takes nothing, c stays free.
    assert_eq!(
        acquire(&mut c, &["c", "b"], "t2", 10_000).await,
        Value::Array(vec![Value::Int(0), Value::Int(2)])
    );
    let exists: bool = c.exists("lock:{c}").await.unwrap();
    assert!(!exists);
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
    // Fences only grow.
    let Value::Array(a) = acquire(&mut c, &["a"], "t3", 100).await else {
        panic!()
    };
    assert_eq!(a, vec![Value::Int(1), Value::Int(2)]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Value::Array(a) = acquire(&mut c, &["a"], "t4", 100).await else {
        panic!()
    };
    assert_eq!(
        a,
        vec![Value::Int(1), Value::Int(3)],
        "expiry frees the lock, the fence still grows"
    );
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
