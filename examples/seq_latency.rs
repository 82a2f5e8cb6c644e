//! Sequential round-trip latency of the core alone (no Node): `cargo run --release --example seq_latency -- PORT`.
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_hotpath::core::client::{Client, Role};
use redis_hotpath::core::command::batch_of;
use redis_hotpath::core::config::ClientConfig;
use redis_hotpath::core::sink::Completion;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(6379);
    let cfg = ClientConfig::from_options(&redis_hotpath::core::options::ClientOptions {
        port: Some(f64::from(port)),
        ..Default::default()
    })
    .expect("config");
    // The caller waits on a std channel from a plain thread, like the JavaScript thread does.
    let (tx, rx) = std::sync::mpsc::channel::<Completion>();
    struct StdSink(std::sync::Mutex<std::sync::mpsc::Sender<Completion>>);
    impl redis_hotpath::core::sink::Sink for StdSink {
        fn push(&self, c: Completion) {
            if let Ok(s) = self.0.lock() {
                let _ = s.send(c);
            }
        }
    }
    let client = Client::start(
        1,
        cfg,
        Role::Commands,
        Arc::new(StdSink(std::sync::Mutex::new(tx))),
    );
    let get = vec![b"GET".to_vec(), b"k".to_vec()];
    let mut lat = Vec::new();
    for i in 0..22_000u32 {
        let t = Instant::now();
        client.submit(
            i,
            batch_of(std::slice::from_ref(&get)),
            Some(Duration::from_secs(5)),
        );
        loop {
            if let Ok(Completion::Batch { id, .. }) = rx.recv() {
                if id == i {
                    break;
                }
            }
        }
        if i >= 2000 {
            lat.push(t.elapsed().as_micros() as u64);
        }
    }
    lat.sort();
    println!(
        "p50 {} µs, p99 {} µs",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );
}
