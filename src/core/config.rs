//! Client configuration: what a client connects to and how (address, credentials, TLS,
//! Sentinel, timeouts, retries, the wire form), and its redis-rs connection settings.
//! Built from a face's options by `core::options`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion};

use crate::core::error::{Error, Result};

pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidArg(msg.into())
}

/// How the client decides the delay before each reconnection attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryPolicy {
    /// Capped exponential backoff with equal jitter: `min(cap, base * 2^(attempt-1))`, then a
    /// random delay between half of that and all of it.
    Backoff { base: Duration, cap: Duration },
    /// The host (the JavaScript face running the user's `retryStrategy`) answers every
    /// attempt through [`crate::core::client::Client::retry_decision`].
    External,
}

/// TLS settings (`rediss://` or the `tls` option).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsOptions {
    /// PEM root certificate(s) to trust instead of the system store.
    pub ca: Option<String>,
    /// PEM client certificate, for mutual TLS.
    pub cert: Option<String>,
    /// PEM client key, for mutual TLS.
    pub key: Option<String>,
    /// `false` skips certificate and host name verification (tests only).
    pub reject_unauthorized: bool,
}

/// Makes rustls' process-wide crypto provider the ring one (before any TLS connection).
pub fn install_tls_provider() {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Only fails if another provider was installed first, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl TlsOptions {
    /// The certificates to give the TLS layer; `None` when the defaults (the system's roots,
    /// no client certificate) apply.
    pub fn certificates(&self) -> Result<Option<redis::TlsCertificates>> {
        if self.ca.is_none() && self.cert.is_none() {
            return Ok(None);
        }
        let client_tls = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                client_cert: cert.as_bytes().to_vec(),
                client_key: key.as_bytes().to_vec(),
            }),
            (None, None) => None,
            _ => return Err(invalid("tls.cert and tls.key must be given together")),
        };
        Ok(Some(redis::TlsCertificates {
            client_tls,
            root_cert: self.ca.as_ref().map(|c| c.as_bytes().to_vec()),
        }))
    }
}

/// The library name `CLIENT SETINFO` reports.
pub const LIB_NAME: &str = "redis-hotpath";
/// The library version `CLIENT SETINFO` reports (the npm package's, which Cargo.toml mirrors).
pub const LIB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `text` with every occurrence of `secret` that stands on its own (not inside a longer run
/// of letters and digits) replaced by `***`: a server echoes a secret as an argument,
/// between quotes or spaces, while a short password must not garble words that contain it
/// ("ERR invalid password" with the password `pass`).
fn mask_standalone(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        out.push_str(&rest[..at]);
        let before = out.chars().last();
        let after = rest[at + secret.len()..].chars().next();
        let edge = |c: Option<char>, s: Option<char>| word(c) && word(s);
        if edge(before, secret.chars().next()) || edge(after, secret.chars().last()) {
            out.push_str(secret);
        } else {
            out.push_str("***");
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// Everything one client needs to connect and behave.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where to connect.
    pub addr: Addr,
    /// ACL user name.
    pub username: Option<String>,
    /// Password; never printed.
    pub password: Option<String>,
    /// Database index selected on every (re)connection.
    pub db: i64,
    /// TLS, when enabled.
    pub tls: Option<TlsOptions>,
    /// Deadline for establishing one connection (TCP, TLS and handshake).
    pub connect_timeout: Duration,
    /// Default deadline for a command, from submission to reply.
    pub command_timeout: Duration,
    /// TCP keep-alive idle time; `None` disables it.
    pub keep_alive: Option<Duration>,
    /// `CLIENT SETNAME` applied on every (re)connection.
    pub connection_name: Option<String>,
    /// Commands allowed to wait for a connection at once.
    pub max_offline_queue: usize,
    /// Whether commands may wait for a connection at all.
    pub enable_offline_queue: bool,
    /// Failed reconnection attempts a waiting command survives (`None`: unlimited).
    pub max_retries_per_request: Option<u32>,
    /// How reconnection delays are chosen.
    pub retry: RetryPolicy,
    /// Connect as soon as the client is created (ioredis) rather than on `connect()`.
    pub lazy_connect: bool,
    /// Seed nodes of a Redis Cluster; empty for a single server.
    pub cluster_nodes: Vec<(String, u16)>,
    /// Hand the command connection's socket to the host once it is ready (the direct path,
    /// see `core::direct`) instead of driving it on the runtime. Only hosts that drive
    /// sockets themselves (the Node binding) turn this on.
    pub direct: bool,
    /// Commands written and unanswered at most on the command connection, direct or driven
    /// by the runtime (Cluster, TLS, subscribers); more wait in the bounded queue, their
    /// deadlines running.
    pub max_in_flight: usize,
    /// Speak RESP3 (`HELLO 3`); false: RESP2, as a `protocol: 2` client asks. A server that
    /// refuses `HELLO` gets RESP2 either way.
    pub resp3: bool,
    /// The library name sent with `CLIENT SETINFO` (errors ignored: servers before 7.2 have
    /// no SETINFO); `None` sends none.
    pub lib_name: Option<String>,
    /// Find the server through Redis Sentinel before every connection attempt.
    pub sentinel: Option<SentinelConfig>,
    /// Cluster: read-only commands may go to replicas (ioredis' `scaleReads: 'slave'`,
    /// node-redis' `useReplicas`).
    pub read_from_replicas: bool,
    /// Whose wire form the handshake copies (see `core::handshake`).
    pub wire: Wire,
    /// Wait until the server has loaded its data set before handing the connection over
    /// (ioredis' `enableReadyCheck`).
    pub ready_check: bool,
    /// Send `READONLY` in the handshake (ioredis' `readOnly`, node-redis' `readonly`).
    pub read_only: bool,
}

/// The library whose handshake a connection reproduces, command for command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wire {
    /// node-redis 5's, which is also this package's own.
    #[default]
    Redis,
    /// ioredis 6's (lower-case names, its order, its ready check).
    Ioredis,
}

/// The server address.
#[derive(Debug, Clone, PartialEq)]
pub enum Addr {
    /// Host and port.
    Tcp(String, u16),
    /// Unix domain socket path.
    Unix(PathBuf),
}

/// How long a command may wait for its reply unless its client says otherwise (ioredis and
/// node-redis have no such default; ours keeps a stalled server from holding promises).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            addr: Addr::Tcp("127.0.0.1".into(), 6379),
            username: None,
            password: None,
            db: 0,
            tls: None,
            connect_timeout: Duration::from_secs(10),
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            keep_alive: Some(Duration::from_secs(30)),
            connection_name: None,
            max_offline_queue: 10_000,
            enable_offline_queue: true,
            max_retries_per_request: Some(20),
            retry: RetryPolicy::Backoff {
                base: Duration::from_millis(50),
                cap: Duration::from_secs(2),
            },
            lazy_connect: false,
            cluster_nodes: Vec::new(),
            direct: false,
            max_in_flight: 4096,
            resp3: true,
            lib_name: Some(LIB_NAME.to_string()),
            sentinel: None,
            read_from_replicas: false,
            wire: Wire::Redis,
            ready_check: true,
            read_only: false,
        }
    }
}

impl ClientConfig {
    /// Replaces the configured password in `text` so it can never reach an error or a log.
    pub fn scrub(&self, text: String) -> String {
        let sentinel = self.sentinel.as_ref().and_then(|s| s.password.as_ref());
        let mut text = text;
        for p in [self.password.as_ref(), sentinel].into_iter().flatten() {
            if p.len() >= 3 && text.contains(p.as_str()) {
                text = mask_standalone(&text, p);
            }
        }
        text
    }

    /// The certificates TLS is configured with (a CA, a client certificate), if any.
    pub fn tls_certificates(&self) -> Result<Option<redis::TlsCertificates>> {
        match &self.tls {
            Some(t) => t.certificates(),
            None => Ok(None),
        }
    }

    /// Builds the redis-rs client for one connection attempt (RESP3, so the library reports
    /// disconnections and pub/sub pushes to us).
    pub fn redis_client(&self) -> Result<redis::Client> {
        install_tls_provider();
        let addr = match (&self.addr, &self.tls) {
            (Addr::Tcp(h, p), None) => ConnectionAddr::Tcp(h.clone(), *p),
            (Addr::Tcp(h, p), Some(t)) => ConnectionAddr::TcpTls {
                host: h.clone(),
                port: *p,
                insecure: !t.reject_unauthorized,
                tls_params: None,
            },
            (Addr::Unix(path), _) => ConnectionAddr::Unix(path.clone()),
        };
        let mut settings = redis::RedisConnectionInfo::default()
            .set_db(self.db)
            .set_protocol(if self.resp3 {
                ProtocolVersion::RESP3
            } else {
                ProtocolVersion::RESP2
            });
        settings = match &self.lib_name {
            Some(name) => settings.set_lib_name(name, LIB_VERSION),
            None => settings.set_skip_set_lib_name(),
        };
        if let Some(u) = &self.username {
            settings = settings.set_username(u);
        }
        if let Some(p) = &self.password {
            settings = settings.set_password(p);
        }
        let mut tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
        if let Some(idle) = self.keep_alive {
            tcp = tcp.set_keepalive(socket2::TcpKeepalive::new().with_time(idle));
        }
        let info: ConnectionInfo = addr
            .into_connection_info()
            .map_err(|e| invalid(format!("bad address: {e}")))?
            .set_redis_settings(settings)
            .set_tcp_settings(tcp);
        let client = match self.tls_certificates()? {
            Some(certs) => redis::Client::build_with_tls(info, certs),
            None => redis::Client::open(info),
        };
        client.map_err(|e| invalid(self.scrub(format!("invalid connection settings: {e}"))))
    }
}

/// Which server of the monitored set a client wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentinelRole {
    /// The primary (ioredis' `role: 'master'`).
    Master,
    /// Any healthy replica (ioredis' `role: 'slave'`).
    Replica,
}

/// How to find the server through Sentinel.
#[derive(Debug, Clone)]
pub struct SentinelConfig {
    /// The sentinels known so far: the configured ones, then those they reported.
    pub nodes: Arc<Mutex<Vec<(String, u16)>>>,
    /// The monitored set's name (`sentinel monitor <name> ...`).
    pub name: String,
    /// Primary or replica.
    pub role: SentinelRole,
    /// ACL user for the sentinels (not the data servers).
    pub username: Option<String>,
    /// Password for the sentinels; never printed.
    pub password: Option<String>,
    /// TLS to the sentinels (ioredis' `sentinelTLS`).
    pub tls: Option<TlsOptions>,
}

impl SentinelConfig {
    pub(crate) fn known(&self) -> Vec<(String, u16)> {
        self.nodes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    pub(crate) fn learn(&self, found: Vec<(String, u16)>) {
        if let Ok(mut nodes) = self.nodes.lock() {
            for n in found {
                if !nodes.contains(&n) {
                    nodes.push(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::handshake::{loading_delay, refuses_resp3};
    use crate::core::options::*;

    fn opts() -> ClientOptions {
        ClientOptions::default()
    }

    #[test]
    fn secrets_masked_where_they_stand_alone() {
        assert_eq!(
            mask_standalone("ERR invalid password", "pass"),
            "ERR invalid password"
        );
        assert_eq!(
            mask_standalone("bad 'pass' and pass.", "pass"),
            "bad '***' and ***."
        );
        assert_eq!(mask_standalone("x s3cr3t!", "s3cr3t!"), "x ***");
        assert_eq!(mask_standalone("pass", "pass"), "***");
    }

    #[test]
    fn loading_delay_from_info() {
        assert_eq!(loading_delay("# Persistence\r\nloading:0\r\n"), None);
        assert_eq!(
            loading_delay("loading:1\r\nloading_eta_seconds:0\r\n"),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            loading_delay("loading:1\r\nloading_eta_seconds:30\r\n"),
            Some(Duration::from_secs(1))
        );
        assert_eq!(loading_delay("loading_eta_seconds:3\r\n"), None);
    }

    #[test]
    fn protocol_and_client_info() {
        let c = ClientConfig::from_options(&opts()).unwrap();
        assert!(c.resp3);
        assert_eq!(c.lib_name.as_deref(), Some("redis-hotpath"));
        let c = ClientConfig::from_options(&ClientOptions {
            protocol: Some(2.0),
            client_info_tag: Some("api".into()),
            ..opts()
        })
        .unwrap();
        assert!(!c.resp3);
        assert_eq!(c.lib_name.as_deref(), Some("redis-hotpath(api)"));
        let quiet = ClientOptions {
            disable_client_info: Some(true),
            ..opts()
        };
        assert_eq!(ClientConfig::from_options(&quiet).unwrap().lib_name, None);
        for bad in [
            ClientOptions {
                protocol: Some(1.0),
                ..opts()
            },
            ClientOptions {
                client_info_tag: Some("a b".into()),
                ..opts()
            },
        ] {
            assert!(ClientConfig::from_options(&bad).is_err());
        }
        assert!(refuses_resp3(
            "ERR unknown command 'HELLO', with args beginning with: '3'"
        ));
        assert!(refuses_resp3(
            "NOPROTO sorry, this protocol version is not supported"
        ));
        assert!(!refuses_resp3("WRONGPASS invalid username-password pair"));
    }

    #[test]
    fn url_then_options() {
        let c = ClientConfig::from_options(&ClientOptions {
            url: Some("redis://u:secret@h1:7000/3".into()),
            port: Some(7001.0),
            ..opts()
        })
        .unwrap();
        assert_eq!(c.addr, Addr::Tcp("h1".into(), 7001));
        assert_eq!(c.username.as_deref(), Some("u"));
        assert_eq!(c.password.as_deref(), Some("secret"));
        assert_eq!(c.db, 3);
        assert!(c.tls.is_none());
    }

    #[test]
    fn tls_url_and_unix() {
        let url = |u: &str| ClientOptions {
            url: Some(u.into()),
            ..opts()
        };
        let c = ClientConfig::from_options(&url("rediss://h:6380")).unwrap();
        assert!(c.tls.as_ref().unwrap().reject_unauthorized);
        let c = ClientConfig::from_options(&ClientOptions {
            path: Some("/tmp/r.sock".into()),
            ..opts()
        })
        .unwrap();
        assert_eq!(c.addr, Addr::Unix("/tmp/r.sock".into()));
        assert!(ClientConfig::from_options(&url("http://x")).is_err());
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let bad = [
            ClientOptions {
                port: Some(70000.0),
                ..opts()
            },
            ClientOptions {
                port: Some(6379.5),
                ..opts()
            },
            ClientOptions {
                db: Some(-1.0),
                ..opts()
            },
            ClientOptions {
                command_timeout: Some(f64::NAN),
                ..opts()
            },
            ClientOptions {
                connect_timeout: Some(f64::INFINITY),
                ..opts()
            },
            ClientOptions {
                max_in_flight: Some(0.0),
                ..opts()
            },
            ClientOptions {
                max_offline_queue: Some(-1.0),
                ..opts()
            },
            ClientOptions {
                cluster_nodes: Some(vec![]),
                ..opts()
            },
        ];
        for o in &bad {
            assert!(
                matches!(ClientConfig::from_options(o), Err(Error::InvalidArg(_))),
                "{o:?}"
            );
        }
    }

    #[test]
    fn scrub_hides_password() {
        let c = ClientConfig::from_options(&ClientOptions {
            password: Some("hunter22".into()),
            ..opts()
        })
        .unwrap();
        assert_eq!(c.scrub("auth hunter22 failed".into()), "auth *** failed");
    }

    #[test]
    fn retries_default_limited_or_unlimited() {
        let c = ClientConfig::from_options(&opts()).unwrap();
        assert_eq!(c.max_retries_per_request, Some(20));
        let c = ClientConfig::from_options(&ClientOptions {
            unlimited_retries: Some(true),
            ..opts()
        })
        .unwrap();
        assert_eq!(c.max_retries_per_request, None);
    }
}
