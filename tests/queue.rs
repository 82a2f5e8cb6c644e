//! Queue scripts against a real redis-server: the steps a worker takes, one script each.
mod common;

use common::{raw, Server};
use redis::{AsyncCommands, Script, Value};
use redis_hotpath::core::queue::{key_base, ADD, FETCH, FINISH, STALLED};

/// Runs a script with the queue's meta key as its one declared key (it routes the call).
async fn run(
    c: &mut redis::aio::MultiplexedConnection,
    src: &str,
    base: &str,
    args: &[String],
) -> Value {
    let script = Script::new(src);
    let mut inv = script.prepare_invoke();
    inv.key(format!("{base}meta")).arg(base);
    for a in args {
        inv.arg(a);
    }
    inv.invoke_async(c).await.unwrap()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Adds one job: id, priority, delay.
async fn add(
    c: &mut redis::aio::MultiplexedConnection,
    base: &str,
    id: &str,
    priority: u32,
    delay: u64,
) -> Value {
    let p = priority.to_string();
    let d = delay.to_string();
    run(
        c,
        ADD,
        base,
        &s(&["1000", "100", id, "n", "{}", "{}", &d, &p, "0", ""]),
    )
    .await
}

/// Fetches up to `n` jobs; returns (kind, [(id, token)]).
async fn fetch(
    c: &mut redis::aio::MultiplexedConnection,
    base: &str,
    now: u64,
    n: u32,
    lock_ms: u64,
) -> (i64, Vec<(String, String)>) {
    let v = run(
        c,
        FETCH,
        base,
        &s(&[
            "w1",
            &lock_ms.to_string(),
            &now.to_string(),
            &n.to_string(),
            "0",
            "0",
            "100",
        ]),
    )
    .await;
    jobs(v, 0)
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        other => panic!("not text: {other:?}"),
    }
}

fn jobs(v: Value, skip: usize) -> (i64, Vec<(String, String)>) {
    let Value::Array(a) = v else { panic!("{v:?}") };
    let a = &a[skip..];
    let Value::Int(kind) = a[0] else { panic!() };
    let mut out = vec![];
    let mut i = 2;
    while i + 2 < a.len() + 1 && i < a.len() {
        out.push((text(&a[i]), text(&a[i + 1])));
        i += 3;
    }
    (kind, out)
}

#[tokio::test]
async fn priority_fifo_fence_and_next_job_in_one_step() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let base = key_base("t", "q").unwrap();
    add(&mut c, &base, "", 5, 0).await; // 1, priority 5
    add(&mut c, &base, "", 0, 0).await; // 2
    add(&mut c, &base, "", 0, 0).await; // 3
                                        // A custom id already present is a duplicate: [id, 0].
    add(&mut c, &base, "x", 0, 0).await;
    let dup = add(&mut c, &base, "x", 0, 0).await;
    assert_eq!(
        dup,
        Value::Array(vec![Value::BulkString(b"x".to_vec()), Value::Int(0)])
    );

    let (kind, got) = fetch(&mut c, &base, 2000, 2, 30_000).await;
    assert_eq!(kind, 1);
    let ids: Vec<&str> = got.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        ids,
        ["2", "3"],
        "no priority first, then in order of arrival"
    );
    let (id, token) = got[0].clone();
    assert_eq!(token, "w1:1");

    // A stale token is refused and changes nothing.
    let finish = |id: &str, token: &str, n: &str| {
        s(&[
            "3000",
            "100",
            n,
            "w1",
            "30000",
            "0",
            "0",
            id,
            token,
            "completed",
            "42",
            "",
            "-1",
            "0",
            "0",
            "1",
        ])
    };
    let v = run(&mut c, FINISH, &base, &finish(&id, "w1:9", "0")).await;
    let Value::Array(ref a) = v else { panic!() };
    assert_eq!(a[0], Value::Int(0), "not the lease holder");
    // The holder's completion is accepted, and the next job (x) comes back with it.
    let v = run(&mut c, FINISH, &base, &finish(&id, &token, "1")).await;
    let Value::Array(ref a) = v else { panic!() };
    assert_eq!(a[0], Value::Int(1));
    assert_eq!(
        a[1],
        Value::Int(1),
        "attemptsMade counts the successful run"
    );
    let (_, next) = jobs(v, 2);
    assert_eq!(next[0].0, "x");
    let rv: String = c.hget(format!("{base}2"), "returnvalue").await.unwrap();
    assert_eq!(rv, "42");
    let lease: bool = c.exists(format!("{base}2:lock")).await.unwrap();
    let active: i64 = c.llen(format!("{base}active")).await.unwrap();
    assert_eq!(active, 2, "3 and x are active, 2 is not");
    assert!(!lease);
}

#[tokio::test]
async fn delayed_jobs_wait_for_their_time() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let base = key_base("t", "d").unwrap();
    add(&mut c, &base, "", 0, 500).await; // due at 1500
    let v = run(
        &mut c,
        FETCH,
        &base,
        &s(&["w", "1000", "1400", "1", "0", "0", "100"]),
    )
    .await;
    let Value::Array(a) = v else { panic!() };
    assert_eq!(a[0], Value::Int(0));
    assert_eq!(text(&a[1]), "1500", "the next delayed job's time");
    let (kind, got) = fetch(&mut c, &base, 1500, 1, 1000).await;
    assert_eq!((kind, got[0].0.as_str()), (1, "1"));
}

#[tokio::test]
async fn an_expired_lock_is_recovered_then_deferred_to_fail() {
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let base = key_base("t", "s").unwrap();
    add(&mut c, &base, "", 0, 0).await;
    // The guard between runs (the stalled interval) is 1 ms here.
    let check = |now: u64| s(&[&now.to_string(), "1", "100", "1"]);
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(5));
    let ids = |v: &Value| -> Vec<String> {
        let Value::Array(a) = v else { panic!() };
        a.iter().map(text).collect()
    };
    for round in 0..2u64 {
        let (_, got) = fetch(&mut c, &base, 2000, 1, 1).await;
        assert_eq!(got.len(), 1);
        // The lock (1 ms) lapses as a dead worker's would.
        pause().await;
        // The first run only marks the active jobs as suspects (BullMQ's two-step check).
        let v = run(&mut c, STALLED, &base, &check(3000 + round * 100)).await;
        let Value::Array(a) = v else { panic!() };
        assert!(ids(&a[0]).is_empty(), "nothing recovered at the first look");
        pause().await;
        let v = run(&mut c, STALLED, &base, &check(3050 + round * 100)).await;
        let Value::Array(a) = v else { panic!() };
        assert_eq!(ids(&a[0]), ["1"], "recovered at the second look");
        let failing = ids(&a[1]);
        if round == 0 {
            assert!(failing.is_empty());
        } else {
            assert_eq!(failing, ["1"], "stalled more than max_stalled (1)");
        }
    }
    let reason: String = c.hget(format!("{base}1"), "defa").await.unwrap();
    assert_eq!(reason, "job stalled more than allowable limit");
    let wait: Vec<String> = c.lrange(format!("{base}wait"), 0, -1).await.unwrap();
    assert_eq!(wait, ["1"], "back in wait, for a worker to fail it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_set_renews_every_lease_and_reports_the_one_taken() {
    use redis_hotpath::core::lease;
    use std::time::Duration;
    let server = Server::start(&[]);
    let mut c = raw(&server).await;
    let _: () = c.set_ex("l:a", "ta", 1).await.unwrap();
    let _: () = c.set_ex("l:b", "tb", 1).await.unwrap();
    let _: () = c.pexpire("l:a", 300).await.unwrap();
    let _: () = c.pexpire("l:b", 300).await.unwrap();
    let (client, _rx) = common::client(server.config());
    let (lost_tx, lost_rx) = std::sync::mpsc::channel();
    let set = lease::keep(
        client.handle(),
        Duration::from_millis(300),
        Duration::from_millis(100),
        move |id, e| {
            let _ = lost_tx.send((id, e));
        },
    );
    set.add(1, "l:a".into(), "ta".into());
    set.add(2, "l:b".into(), "tb".into());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let a: Option<String> = c.get("l:a").await.unwrap();
    let b: Option<String> = c.get("l:b").await.unwrap();
    assert_eq!(
        (a.as_deref(), b.as_deref()),
        (Some("ta"), Some("tb")),
        "both kept past three ttls"
    );
    assert!(lost_rx.try_recv().is_err());
    // b is taken over; a is dropped from the set and left to expire.
    let _: () = c.set("l:b", "other").await.unwrap();
    set.remove(1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (id, e) = lost_rx.try_recv().expect("loss reported");
    assert_eq!((id, e.code()), (2, "ERR_LOCK_LOST"));
    assert!(lost_rx.try_recv().is_err(), "reported once");
    assert!(set.is_empty());
    let a: Option<String> = c.get("l:a").await.unwrap();
    assert_eq!(a, None, "a removed lease is no longer renewed");
}
