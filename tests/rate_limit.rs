//! Every limiter script against a real redis-server: exact under concurrency, time from
//! the server, rejected requests not recorded.
mod common;

use common::Server;
use futures_util::future::join_all;
use redis::aio::MultiplexedConnection;
use redis::{Script, Value};
use redis_hotpath::core::rate_limit::{key, Algorithm, Decision};

async fn conn(server: &Server) -> MultiplexedConnection {
    redis::Client::open(format!("redis://127.0.0.1:{}", server.port))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn decide(
    c: &mut MultiplexedConnection,
    a: Algorithm,
    k: &str,
    limit: u64,
    window: u64,
    cost: u64,
    n: u64,
) -> Decision {
    let script = Script::new(a.script());
    let mut inv = script.key(k);
    inv.arg(limit).arg(window).arg(cost);
    match a {
        Algorithm::SlidingWindow => {
            inv.arg(format!("m{n}"));
        }
        Algorithm::TokenBucket => {
            inv.arg(limit);
        }
        _ => {}
    }
    let v: Value = inv.invoke_async(c).await.unwrap();
    Decision::from_reply(&v).unwrap()
}

#[tokio::test]
async fn exactly_limit_allowed_under_concurrency_for_every_algorithm() {
    let server = Server::start(&[]);
    let c = conn(&server).await;
    for a in Algorithm::ALL {
        let k = key("rl:", "user", a);
        let futs = (0..1000u64).map(|n| {
            let mut c = c.clone();
            let k = k.clone();
            async move { decide(&mut c, a, &k, 100, 60_000, 1, n).await }
        });
        let ds = join_all(futs).await;
        let allowed = ds.iter().filter(|d| d.allowed).count();
        assert_eq!(allowed, 100, "{}", a.name());
        let denied = ds.iter().find(|d| !d.allowed).unwrap();
        assert!(denied.retry_after_ms > 0, "{}: {denied:?}", a.name());
        assert_eq!(denied.remaining, 0, "{}", a.name());
    }
}

#[tokio::test]
async fn cost_and_window_rollover() {
    let server = Server::start(&[]);
    let mut c = conn(&server).await;
    for a in Algorithm::ALL {
        let k = key("rl:", "cost", a);
        assert!(
            decide(&mut c, a, &k, 10, 300, 7, 1).await.allowed,
            "{}",
            a.name()
        );
        let d = decide(&mut c, a, &k, 10, 300, 7, 2).await;
        assert!(!d.allowed, "{}", a.name());
        assert_eq!(d.remaining, 3, "{}: rejected cost not recorded", a.name());
        assert!(
            decide(&mut c, a, &k, 10, 300, 3, 3).await.allowed,
            "{}",
            a.name()
        );
        assert_eq!(
            decide(&mut c, a, &k, 10, 300, 11, 4).await.retry_after_ms,
            -1,
            "{}",
            a.name()
        );
        tokio::time::sleep(std::time::Duration::from_millis(650)).await;
        assert!(
            decide(&mut c, a, &k, 10, 300, 7, 5).await.allowed,
            "{}: after the window",
            a.name()
        );
    }
}

#[tokio::test]
async fn a_large_cost_is_one_entry_not_one_per_unit() {
    let server = Server::start(&[]);
    let mut c = conn(&server).await;
    let a = Algorithm::SlidingWindow;
    let k = key("rl:", "big", a);
    let limit = 1u64 << 40;
    let d = decide(&mut c, a, &k, limit, 60_000, 3_000_000, 1).await;
    assert!(d.allowed);
    assert_eq!(d.remaining, (limit - 3_000_000) as i64);
    let entries: u64 = redis::cmd("ZCARD")
        .arg(&k)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(
        entries, 1,
        "one sorted-set entry per request, whatever its cost"
    );
    // The total follows entries leaving the window.
    let small = key("rl:", "small", a);
    assert!(decide(&mut c, a, &small, 10, 200, 6, 2).await.allowed);
    assert!(!decide(&mut c, a, &small, 10, 200, 6, 3).await.allowed);
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let d = decide(&mut c, a, &small, 10, 200, 6, 4).await;
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.remaining, 4);
}
