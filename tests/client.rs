//! The client actor against real redis-server processes.
mod common;

use std::time::Duration;

use common::*;
use redis::Value;
use redis_hotpath::core::command::batch_of;
use redis_hotpath::core::error::Error;
use redis_hotpath::core::sink::{Completion, Event};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::timeout;

async fn batch_result(
    rx: &mut UnboundedReceiver<Completion>,
    want: u32,
) -> Result<Vec<Value>, Error> {
    loop {
        match timeout(Duration::from_secs(15), rx.recv())
            .await
            .expect("no completion in time")
            .expect("sink closed")
        {
            Completion::Batch { id, result, .. } if id == want => return result,
            _ => {}
        }
    }
}

async fn event(rx: &mut UnboundedReceiver<Completion>, pred: impl Fn(&Event) -> bool) -> Event {
    loop {
        match timeout(Duration::from_secs(15), rx.recv())
            .await
            .expect("no event in time")
            .expect("sink closed")
        {
            Completion::Event { event, .. } if pred(&event) => return event,
            _ => {}
        }
    }
}

#[tokio::test]
async fn batches_keep_order_and_per_command_errors() {
    let server = Server::start(&[]);
    let (c, mut rx) = client(server.config());
    c.submit(
        1,
        batch_of(&[
            args(&["SET", "k", "v"]),
            args(&["GET", "k"]),
            args(&["NOPE"]),
            args(&["INCR", "n"]),
        ]),
        Some(Duration::from_secs(5)),
    );
    let r = batch_result(&mut rx, 1).await.unwrap();
    assert_eq!(r[0], Value::Okay);
    assert_eq!(r[1], Value::BulkString(b"v".to_vec()));
    assert!(matches!(r[2], Value::ServerError(_)));
    assert_eq!(r[3], Value::Int(1));
    for i in 2..50u32 {
        c.submit(
            i,
            batch_of(&[args(&["INCR", "n"])]),
            Some(Duration::from_secs(5)),
        );
    }
    for i in 2..50u32 {
        assert_eq!(
            batch_result(&mut rx, i).await.unwrap(),
            vec![Value::Int(i as i64)]
        );
    }
}

#[tokio::test]
async fn deadline_covers_a_slow_server() {
    let server = Server::start(&[]);
    let (c, mut rx) = client(server.config());
    c.submit(
        1,
        batch_of(&[args(&["DEBUG", "SLEEP", "1"])]),
        Some(Duration::from_millis(200)),
    );
    let start = std::time::Instant::now();
    let r = batch_result(&mut rx, 1).await;
    assert_eq!(r.unwrap_err().code(), "ERR_REDIS_TIMEOUT");
    assert!(start.elapsed() < Duration::from_millis(900));
}

#[tokio::test]
async fn offline_queue_is_bounded_and_drains_on_connect() {
    let port = free_port();
    let cfg = redis_hotpath::core::config::ClientConfig::from_options(
        &redis_hotpath::core::options::ClientOptions {
            port: Some(port as f64),
            max_offline_queue: Some(2.0),
            unlimited_retries: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let (c, mut rx) = client(cfg);
    c.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(10)),
    );
    c.submit(
        2,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(10)),
    );
    c.submit(
        3,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(10)),
    );
    assert_eq!(
        batch_result(&mut rx, 3).await.unwrap_err().code(),
        "ERR_REDIS_OFFLINE_QUEUE_FULL"
    );
    // Now start the server on that port: the queued commands go through.
    let _server = Server::start_on(port, &[]);
    assert!(batch_result(&mut rx, 1).await.is_ok());
    assert!(batch_result(&mut rx, 2).await.is_ok());
}

#[tokio::test]
async fn restart_settles_everything_and_recovers() {
    let mut server = Server::start(&[]);
    let (c, mut rx) = client(server.config());
    c.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    batch_result(&mut rx, 1).await.unwrap();
    c.submit(2, batch_of(&[args(&["BLPOP", "nothing", "0"])]), None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.kill();
    assert_eq!(
        batch_result(&mut rx, 2).await.unwrap_err().code(),
        "ERR_REDIS_CONNECTION"
    );
    event(&mut rx, |e| matches!(e, Event::Reconnecting { .. })).await;
    server.restart();
    event(&mut rx, |e| *e == Event::Ready).await;
    c.submit(
        3,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(
        batch_result(&mut rx, 3).await.unwrap(),
        vec![Value::SimpleString("PONG".into())]
    );
}

#[tokio::test]
async fn wrong_password_fails_fast_with_auth_code() {
    let server = Server::start(&["--requirepass", "s3cret-pass"]);
    let mut cfg = server.config();
    cfg.password = Some("wrong-pass".into());
    let (c, mut rx) = client(cfg);
    c.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    let err = batch_result(&mut rx, 1).await.unwrap_err();
    assert_eq!(err.code(), "ERR_REDIS_AUTH");
    assert!(!err.to_string().contains("wrong-pass"));
    let mut ok = server.config();
    ok.password = Some("s3cret-pass".into());
    let (c2, mut rx2) = client(ok);
    c2.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    assert!(batch_result(&mut rx2, 1).await.is_ok());
}

#[tokio::test]
async fn quit_ends_and_later_commands_are_closed() {
    let server = Server::start(&[]);
    let (c, mut rx) = client(server.config());
    c.submit(
        1,
        batch_of(&[args(&["SET", "a", "1"])]),
        Some(Duration::from_secs(5)),
    );
    c.quit(2);
    assert!(batch_result(&mut rx, 1).await.is_ok());
    assert_eq!(batch_result(&mut rx, 2).await.unwrap(), vec![Value::Okay]);
    event(&mut rx, |e| *e == Event::End).await;
    c.submit(
        3,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(batch_result(&mut rx, 3).await.unwrap_err(), Error::Closed);
}

#[tokio::test]
async fn in_flight_cap_holds_batches_unsent_on_the_runtime_path() {
    let server = Server::start(&[]);
    let mut cfg = server.config();
    cfg.max_in_flight = 1;
    let (c, mut rx) = client(cfg);
    c.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    batch_result(&mut rx, 1).await.unwrap();
    // The BLPOP blocks the connection for a second; at a cap of one command the INCR must
    // wait unsent and time out. Sent, it would run once the BLPOP returns and leave n = 1.
    c.submit(
        2,
        batch_of(&[args(&["BLPOP", "q", "1"])]),
        Some(Duration::from_secs(5)),
    );
    c.submit(
        3,
        batch_of(&[args(&["INCR", "n"])]),
        Some(Duration::from_millis(300)),
    );
    assert_eq!(
        batch_result(&mut rx, 3).await.unwrap_err().code(),
        "ERR_REDIS_TIMEOUT"
    );
    assert_eq!(batch_result(&mut rx, 2).await.unwrap(), vec![Value::Nil]);
    c.submit(
        4,
        batch_of(&[args(&["GET", "n"])]),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(batch_result(&mut rx, 4).await.unwrap(), vec![Value::Nil]);
    // Held batches still run once there is room.
    c.submit(
        5,
        batch_of(&[args(&["INCR", "n"])]),
        Some(Duration::from_secs(5)),
    );
    c.submit(
        6,
        batch_of(&[args(&["INCR", "n"])]),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(batch_result(&mut rx, 5).await.unwrap(), vec![Value::Int(1)]);
    assert_eq!(batch_result(&mut rx, 6).await.unwrap(), vec![Value::Int(2)]);
}

#[tokio::test]
async fn a_silent_server_is_left_after_missed_deadlines_and_reconnected_to() {
    let server = Server::start(&[]);
    let mut cfg = server.config();
    cfg.connect_timeout = Duration::from_millis(500);
    let (c, mut rx) = client(cfg);
    c.submit(
        1,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    batch_result(&mut rx, 1).await.unwrap();
    server.signal("STOP");
    // Two deadlines pass with nothing answered: the connection is dropped.
    for id in [2, 3] {
        c.submit(
            id,
            batch_of(&[args(&["PING"])]),
            Some(Duration::from_millis(200)),
        );
        assert_eq!(
            batch_result(&mut rx, id).await.unwrap_err().code(),
            "ERR_REDIS_TIMEOUT"
        );
    }
    event(&mut rx, |e| *e == Event::Close).await;
    server.signal("CONT");
    event(&mut rx, |e| *e == Event::Ready).await;
    c.submit(
        4,
        batch_of(&[args(&["PING"])]),
        Some(Duration::from_secs(5)),
    );
    assert_eq!(
        batch_result(&mut rx, 4).await.unwrap(),
        vec![Value::SimpleString("PONG".into())]
    );
}

#[tokio::test]
async fn a_connect_timeout_is_reported_as_one() {
    let server = Server::start(&[]);
    server.signal("STOP");
    let mut cfg = server.config();
    cfg.connect_timeout = Duration::from_millis(300);
    let (_c, mut rx) = client(cfg);
    let e = event(&mut rx, |e| matches!(e, Event::Error(_))).await;
    let Event::Error(e) = e else { unreachable!() };
    assert_eq!(e.code(), "ERR_REDIS_CONNECTION");
    assert!(e.to_string().contains("connect timed out"), "{e}");
}
