//! Test helpers: a real redis-server on a free port, stopped on drop.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_hotpath::core::client::{Client, Role};
use redis_hotpath::core::config::ClientConfig;
use redis_hotpath::core::sink::{ChannelSink, Completion};
use tokio::sync::mpsc;

pub struct Server {
    pub port: u16,
    child: Option<Child>,
    extra: Vec<String>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        Server::start_on(free_port(), extra)
    }

    /// A server on a given port (one a client is already trying to reach); stopped when
    /// dropped, an assertion failing on the way included.
    pub fn start_on(port: u16, extra: &[&str]) -> Server {
        let mut s = Server {
            port,
            child: None,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "local",
            ])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        self.child = Some(child);
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        self.signal("CONT");
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends the server a signal by name (`STOP`, `CONT`): a stopped server keeps its
    /// sockets open and answers nothing, as behind a partition.
    pub fn signal(&self, name: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .args([format!("-{name}"), c.id().to_string()])
                .status();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig::from_options(&redis_hotpath::core::options::ClientOptions {
            port: Some(self.port as f64),
            ..Default::default()
        })
        .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn client(config: ClientConfig) -> (Client, mpsc::UnboundedReceiver<Completion>) {
    client_with_role(config, Role::Commands)
}

pub fn client_with_role(
    config: ClientConfig,
    role: Role,
) -> (Client, mpsc::UnboundedReceiver<Completion>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Client::start(1, config, role, Arc::new(ChannelSink(tx))),
        rx,
    )
}

/// A plain redis-rs connection to `server`, for setting up and checking state out of band.
pub async fn raw(server: &Server) -> redis::aio::MultiplexedConnection {
    redis::Client::open(format!("redis://127.0.0.1:{}", server.port))
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

pub fn args(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}
