//! Client configuration: parsed from the JSON the JavaScript faces send, or built directly
//! in Rust, and turned into redis-rs connection settings.

use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion};
use serde_json::Value as Json;

use crate::core::error::{Error, Result};

/// How the client decides the delay before each reconnection attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryPolicy {
    /// Capped exponential backoff with full jitter: `min(cap, base * 2^(attempt-1))`, then a
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
    /// Commands written and unanswered at most on a direct connection; more wait, their
    /// deadlines running.
    pub max_in_flight: usize,
}

/// The server address.
#[derive(Debug, Clone, PartialEq)]
pub enum Addr {
    /// Host and port.
    Tcp(String, u16),
    /// Unix domain socket path.
    Unix(PathBuf),
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            addr: Addr::Tcp("127.0.0.1".into(), 6379),
            username: None,
            password: None,
            db: 0,
            tls: None,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(5),
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
        }
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidArg(msg.into())
}

fn ms(v: &Json, name: &str) -> Result<Option<Duration>> {
    match v {
        Json::Null => Ok(None),
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() && f >= 0.0 => {
                Ok(Some(Duration::from_micros((f * 1000.0) as u64)))
            }
            _ => Err(invalid(format!(
                "{name} must be a non-negative number of milliseconds"
            ))),
        },
        _ => Err(invalid(format!("{name} must be a number of milliseconds"))),
    }
}

fn flag(v: &Json, name: &str) -> Result<Option<bool>> {
    match v {
        Json::Null => Ok(None),
        Json::Bool(b) => Ok(Some(*b)),
        _ => Err(invalid(format!("{name} must be a boolean"))),
    }
}

fn count(v: &Json, name: &str) -> Result<Option<usize>> {
    match v {
        Json::Null => Ok(None),
        Json::Number(n) => n
            .as_u64()
            .map(|n| Some(n as usize))
            .ok_or_else(|| invalid(format!("{name} must be a non-negative integer"))),
        _ => Err(invalid(format!("{name} must be a number"))),
    }
}

fn opt_str(v: &Json, name: &str) -> Result<Option<String>> {
    match v {
        Json::Null => Ok(None),
        Json::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(format!("{name} must be a string"))),
    }
}

impl ClientConfig {
    /// Parses the options object the JavaScript faces send (already normalised by them into
    /// this package's field names; a `url` field is applied first, explicit fields win).
    pub fn from_json(text: &str) -> Result<ClientConfig> {
        let v: Json =
            serde_json::from_str(text).map_err(|e| invalid(format!("bad options: {e}")))?;
        let mut c = ClientConfig::default();
        if let Some(url) = opt_str(&v["url"], "url")? {
            c.apply_url(&url)?;
        }
        if let Some(path) = opt_str(&v["path"], "path")? {
            c.addr = Addr::Unix(PathBuf::from(path));
        } else if !v["host"].is_null() || !v["port"].is_null() {
            let (mut host, mut port) = match &c.addr {
                Addr::Tcp(h, p) => (h.clone(), *p),
                Addr::Unix(_) => ("127.0.0.1".to_string(), 6379),
            };
            if let Some(h) = opt_str(&v["host"], "host")? {
                host = h;
            }
            match &v["port"] {
                Json::Null => {}
                Json::Number(n) => {
                    port = n
                        .as_u64()
                        .filter(|p| (1..=65535).contains(p))
                        .ok_or_else(|| invalid("port must be an integer from 1 to 65535"))?
                        as u16
                }
                Json::String(s) => {
                    port = s
                        .parse()
                        .map_err(|_| invalid("port must be an integer from 1 to 65535"))?
                }
                _ => return Err(invalid("port must be a number")),
            }
            c.addr = Addr::Tcp(host, port);
        }
        match &v["clusterNodes"] {
            Json::Null => {}
            Json::Array(nodes) if !nodes.is_empty() => {
                for n in nodes {
                    let host = opt_str(&n["host"], "clusterNodes[].host")?
                        .unwrap_or_else(|| "127.0.0.1".to_string());
                    let port = n["port"]
                        .as_u64()
                        .filter(|p| (1..=65535).contains(p))
                        .ok_or_else(|| {
                            invalid("clusterNodes[].port must be an integer from 1 to 65535")
                        })?;
                    c.cluster_nodes.push((host, port as u16));
                }
            }
            _ => {
                return Err(invalid(
                    "clusterNodes must be a non-empty array of { host, port }",
                ))
            }
        }
        if let Some(u) = opt_str(&v["username"], "username")? {
            c.username = Some(u);
        }
        if let Some(p) = opt_str(&v["password"], "password")? {
            if !p.is_empty() {
                c.password = Some(p);
            }
        }
        match &v["db"] {
            Json::Null => {}
            Json::Number(n) => {
                c.db = n
                    .as_i64()
                    .filter(|d| *d >= 0)
                    .ok_or_else(|| invalid("db must be a non-negative integer"))?
            }
            _ => return Err(invalid("db must be a number")),
        }
        match &v["tls"] {
            Json::Null | Json::Bool(false) => {}
            Json::Bool(true) => {
                c.tls = Some(TlsOptions {
                    reject_unauthorized: true,
                    ..Default::default()
                })
            }
            Json::Object(t) => {
                let get = |k: &str| t.get(k).cloned().unwrap_or(Json::Null);
                c.tls = Some(TlsOptions {
                    ca: opt_str(&get("ca"), "tls.ca")?,
                    cert: opt_str(&get("cert"), "tls.cert")?,
                    key: opt_str(&get("key"), "tls.key")?,
                    reject_unauthorized: get("rejectUnauthorized").as_bool().unwrap_or(true),
                })
            }
            _ => return Err(invalid("tls must be a boolean or an object")),
        }
        if let Some(d) = ms(&v["connectTimeout"], "connectTimeout")? {
            c.connect_timeout = d;
        }
        if let Some(d) = ms(&v["commandTimeout"], "commandTimeout")? {
            c.command_timeout = d;
        }
        match &v["keepAlive"] {
            Json::Null => {}
            Json::Bool(false) => c.keep_alive = None,
            Json::Bool(true) => {}
            other => c.keep_alive = ms(other, "keepAlive")?.filter(|d| !d.is_zero()),
        }
        c.connection_name = opt_str(&v["connectionName"], "connectionName")?;
        if let Some(n) = count(&v["maxOfflineQueue"], "maxOfflineQueue")? {
            c.max_offline_queue = n;
        }
        if let Some(n) = count(&v["maxInFlight"], "maxInFlight")? {
            c.max_in_flight = n.max(1);
        }
        if let Some(b) = flag(&v["enableOfflineQueue"], "enableOfflineQueue")? {
            c.enable_offline_queue = b;
        }
        if let Some(b) = flag(&v["direct"], "direct")? {
            c.direct = b;
        }
        if v.get("maxRetriesPerRequest").is_some() {
            c.max_retries_per_request = match &v["maxRetriesPerRequest"] {
                Json::Null => None,
                Json::Number(n) => Some(n.as_u64().ok_or_else(|| {
                    invalid("maxRetriesPerRequest must be a non-negative integer or null")
                })? as u32),
                _ => return Err(invalid("maxRetriesPerRequest must be a number or null")),
            };
        }
        if flag(&v["externalRetry"], "externalRetry")? == Some(true) {
            c.retry = RetryPolicy::External;
        }
        if let Some(b) = flag(&v["lazyConnect"], "lazyConnect")? {
            c.lazy_connect = b;
        }
        Ok(c)
    }

    /// Applies a `redis://`, `rediss://` or `unix://` URL.
    pub fn apply_url(&mut self, url: &str) -> Result<()> {
        let info = url
            .into_connection_info()
            .map_err(|_| invalid("invalid Redis URL (expected redis://, rediss:// or unix://)"))?;
        match info.addr() {
            ConnectionAddr::Tcp(h, p) => self.addr = Addr::Tcp(h.clone(), *p),
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
                ..
            } => {
                self.addr = Addr::Tcp(host.clone(), *port);
                self.tls = Some(TlsOptions {
                    reject_unauthorized: !insecure,
                    ..Default::default()
                });
            }
            ConnectionAddr::Unix(p) => self.addr = Addr::Unix(p.clone()),
            _ => return Err(invalid("unsupported Redis URL")),
        }
        let s = info.redis_settings();
        self.username = s.username().map(str::to_string);
        self.password = s.password().map(str::to_string);
        self.db = s.db();
        Ok(())
    }

    /// Replaces the configured password in `text` so it can never reach an error or a log.
    pub fn scrub(&self, text: String) -> String {
        match &self.password {
            Some(p) if p.len() >= 3 && text.contains(p.as_str()) => text.replace(p.as_str(), "***"),
            _ => text,
        }
    }

    /// Builds the redis-rs client for one connection attempt (RESP3, so the library reports
    /// disconnections and pub/sub pushes to us).
    pub fn redis_client(&self) -> Result<redis::Client> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // Only fails if another provider was installed first, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
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
            .set_protocol(ProtocolVersion::RESP3)
            .set_lib_name("redis-hotpath", env!("CARGO_PKG_VERSION"));
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
        let client = match &self.tls {
            Some(t) if t.ca.is_some() || t.cert.is_some() => {
                let client_tls = match (&t.cert, &t.key) {
                    (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                        client_cert: cert.as_bytes().to_vec(),
                        client_key: key.as_bytes().to_vec(),
                    }),
                    (None, None) => None,
                    _ => return Err(invalid("tls.cert and tls.key must be given together")),
                };
                redis::Client::build_with_tls(
                    info,
                    redis::TlsCertificates {
                        client_tls,
                        root_cert: t.ca.as_ref().map(|c| c.as_bytes().to_vec()),
                    },
                )
            }
            _ => redis::Client::open(info),
        };
        client.map_err(|e| invalid(self.scrub(format!("invalid connection settings: {e}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_then_options() {
        let c =
            ClientConfig::from_json(r#"{"url":"redis://u:secret@h1:7000/3","port":7001}"#).unwrap();
        assert_eq!(c.addr, Addr::Tcp("h1".into(), 7001));
        assert_eq!(c.username.as_deref(), Some("u"));
        assert_eq!(c.password.as_deref(), Some("secret"));
        assert_eq!(c.db, 3);
        assert!(c.tls.is_none());
    }

    #[test]
    fn tls_url_and_unix() {
        let c = ClientConfig::from_json(r#"{"url":"rediss://h:6380"}"#).unwrap();
        assert!(c.tls.as_ref().unwrap().reject_unauthorized);
        let c = ClientConfig::from_json(r#"{"path":"/tmp/r.sock"}"#).unwrap();
        assert_eq!(c.addr, Addr::Unix("/tmp/r.sock".into()));
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(ClientConfig::from_json(r#"{"port":70000}"#).is_err());
        assert!(ClientConfig::from_json(r#"{"db":-1}"#).is_err());
        assert!(ClientConfig::from_json(r#"{"url":"http://x"}"#).is_err());
        assert!(ClientConfig::from_json(r#"{"commandTimeout":"5"}"#).is_err());
    }

    #[test]
    fn scrub_hides_password() {
        let c = ClientConfig::from_json(r#"{"password":"hunter22"}"#).unwrap();
        assert_eq!(c.scrub("auth hunter22 failed".into()), "auth *** failed");
    }

    #[test]
    fn max_retries_null_means_unlimited() {
        let c = ClientConfig::from_json(r#"{"maxRetriesPerRequest":null}"#).unwrap();
        assert_eq!(c.max_retries_per_request, None);
        let c = ClientConfig::from_json(r#"{}"#).unwrap();
        assert_eq!(c.max_retries_per_request, Some(20));
    }
}
