//! The options a face sends (typed N-API objects on the Node side, plain structs for Rust
//! callers and tests) and how they become a [`ClientConfig`]: every value checked for type
//! and range, URLs parsed, nothing coerced.

use std::path::PathBuf;
use std::time::Duration;

use redis::{ConnectionAddr, IntoConnectionInfo};

use crate::core::config::*;
use crate::core::error::Result;

/// The options a face sends, already normalised into this package's names; typed, so a
/// wrongly typed value is refused as it crosses into Rust (the Node binding receives this
/// as a plain object, camelCase). Every field is optional; [`ClientConfig::from_options`]
/// checks ranges.
#[cfg_attr(feature = "node", napi_derive::napi(object))]
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `redis://`, `rediss://` or `unix://` URL, applied first; explicit fields win.
    pub url: Option<String>,
    /// Host name or address.
    pub host: Option<String>,
    /// TCP port, 1 to 65535.
    pub port: Option<f64>,
    /// Unix socket path (instead of host and port).
    pub path: Option<String>,
    /// ACL user name.
    pub username: Option<String>,
    /// Password; never printed.
    pub password: Option<String>,
    /// Database index.
    pub db: Option<f64>,
    /// TLS settings; an empty object turns TLS on with the defaults.
    pub tls: Option<TlsSettings>,
    /// Milliseconds for TCP, TLS and the handshake.
    pub connect_timeout: Option<f64>,
    /// Milliseconds from issuing a command to its reply.
    pub command_timeout: Option<f64>,
    /// TCP keep-alive idle time in milliseconds; 0 turns keep-alive off.
    pub keep_alive: Option<f64>,
    /// `CLIENT SETNAME` on every connection.
    pub connection_name: Option<String>,
    /// Commands allowed to wait for a connection.
    pub max_offline_queue: Option<f64>,
    /// Commands written and unanswered at most.
    pub max_in_flight: Option<f64>,
    /// Whether commands may wait for a connection.
    pub enable_offline_queue: Option<bool>,
    /// Drive the command connection from the host's thread (see `core::direct`).
    pub direct: Option<bool>,
    /// Failed reconnection attempts a waiting command survives.
    pub max_retries_per_request: Option<f64>,
    /// No limit on reconnection attempts a waiting command survives.
    pub unlimited_retries: Option<bool>,
    /// The host chooses reconnection delays (`retryStrategy`).
    pub external_retry: Option<bool>,
    /// Wait for `connect()` instead of connecting at once.
    pub lazy_connect: Option<bool>,
    /// Seed nodes of a Redis Cluster.
    pub cluster_nodes: Option<Vec<ClusterNode>>,
    /// RESP version: 2 or 3 (the default).
    pub protocol: Option<f64>,
    /// Appended to the library name in `CLIENT SETINFO`: `redis-hotpath(<tag>)`.
    pub client_info_tag: Option<String>,
    /// Send no `CLIENT SETINFO` at all.
    pub disable_client_info: Option<bool>,
    /// Whose handshake to reproduce: `"ioredis"`, or `"node-redis"` (the default).
    pub wire: Option<String>,
    /// Wait for the server to finish loading before the connection is ready (default true).
    pub enable_ready_check: Option<bool>,
    /// Send `READONLY` on every connection.
    pub read_only: Option<bool>,
    /// Redis Sentinel nodes to ask for the server (the address options are then unused).
    pub sentinels: Option<Vec<ClusterNode>>,
    /// The monitored set's name (required with `sentinels`).
    pub sentinel_name: Option<String>,
    /// `"master"` (default) or `"slave"` / `"replica"`.
    pub sentinel_role: Option<String>,
    /// ACL user for the sentinels.
    pub sentinel_username: Option<String>,
    /// Password for the sentinels.
    pub sentinel_password: Option<String>,
    /// TLS to the sentinels (ioredis' `sentinelTLS`); the data servers use `tls`.
    pub sentinel_tls: Option<TlsSettings>,
    /// Cluster: send read-only commands to replicas.
    pub read_from_replicas: Option<bool>,
}

/// TLS settings as the faces send them.
#[cfg_attr(feature = "node", napi_derive::napi(object))]
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// PEM root certificate(s).
    pub ca: Option<String>,
    /// PEM client certificate.
    pub cert: Option<String>,
    /// PEM client key.
    pub key: Option<String>,
    /// `false` skips verification (tests only); default true.
    pub reject_unauthorized: Option<bool>,
}

/// One seed node of a Redis Cluster.
#[cfg_attr(feature = "node", napi_derive::napi(object))]
#[derive(Debug, Clone, Default)]
pub struct ClusterNode {
    /// Host name or address; default 127.0.0.1.
    pub host: Option<String>,
    /// TCP port.
    pub port: f64,
}

/// A duration in milliseconds: finite and not negative.
fn ms(v: Option<f64>, name: &str) -> Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(f) if f.is_finite() && f >= 0.0 => {
            Ok(Some(Duration::from_micros((f * 1000.0) as u64)))
        }
        Some(f) => Err(invalid(format!(
            "{name} must be a non-negative number of milliseconds, got {f}"
        ))),
    }
}

/// A whole number from `min` to `max`.
fn whole(v: Option<f64>, name: &str, min: f64, max: f64) -> Result<Option<u64>> {
    match v {
        None => Ok(None),
        Some(f) if f.fract() == 0.0 && f >= min && f <= max => Ok(Some(f as u64)),
        Some(f) => Err(invalid(format!(
            "{name} must be an integer from {min} to {max}, got {f}"
        ))),
    }
}

/// A TCP port.
fn port(v: f64, name: &str) -> Result<u16> {
    Ok(whole(Some(v), name, 1.0, 65535.0)?.unwrap_or(6379) as u16)
}

impl TlsOptions {
    /// The options as a face gave them (certificates are verified unless told otherwise).
    pub fn from_settings(t: &TlsSettings) -> TlsOptions {
        TlsOptions {
            ca: t.ca.clone(),
            cert: t.cert.clone(),
            key: t.key.clone(),
            reject_unauthorized: t.reject_unauthorized.unwrap_or(true),
        }
    }
}

impl ClientConfig {
    /// Builds a configuration from a face's options (a `url` is applied first, explicit
    /// fields win); a value out of range is an [`Error::InvalidArg`].
    pub fn from_options(o: &ClientOptions) -> Result<ClientConfig> {
        let mut c = ClientConfig::default();
        if let Some(url) = &o.url {
            c.apply_url(url)?;
        }
        if let Some(path) = &o.path {
            c.addr = Addr::Unix(PathBuf::from(path));
        } else if o.host.is_some() || o.port.is_some() {
            let (mut host, mut p) = match &c.addr {
                Addr::Tcp(h, p) => (h.clone(), *p),
                Addr::Unix(_) => ("127.0.0.1".to_string(), 6379),
            };
            if let Some(h) = &o.host {
                host = h.clone();
            }
            if let Some(v) = o.port {
                p = port(v, "port")?;
            }
            c.addr = Addr::Tcp(host, p);
        }
        if let Some(nodes) = &o.cluster_nodes {
            if nodes.is_empty() {
                return Err(invalid(
                    "clusterNodes must be a non-empty array of { host, port }",
                ));
            }
            for n in nodes {
                let host = n.host.clone().unwrap_or_else(|| "127.0.0.1".to_string());
                c.cluster_nodes
                    .push((host, port(n.port, "clusterNodes[].port")?));
            }
        }
        if let Some(u) = &o.username {
            c.username = Some(u.clone());
        }
        if let Some(p) = &o.password {
            if !p.is_empty() {
                c.password = Some(p.clone());
            }
        }
        if let Some(db) = whole(o.db, "db", 0.0, i64::MAX as f64)? {
            c.db = db as i64;
        }
        if let Some(t) = &o.tls {
            // Only when given: a `rediss://` URL has already turned TLS on.
            c.tls = Some(TlsOptions::from_settings(t));
        }
        if let Some(d) = ms(o.connect_timeout, "connectTimeout")? {
            c.connect_timeout = d;
        }
        if let Some(d) = ms(o.command_timeout, "commandTimeout")? {
            c.command_timeout = d;
        }
        if let Some(d) = ms(o.keep_alive, "keepAlive")? {
            c.keep_alive = (!d.is_zero()).then_some(d);
        }
        c.connection_name = o.connection_name.clone();
        if let Some(n) = whole(o.max_offline_queue, "maxOfflineQueue", 0.0, 1e15)? {
            c.max_offline_queue = n as usize;
        }
        if let Some(n) = whole(o.max_in_flight, "maxInFlight", 1.0, 1e15)? {
            c.max_in_flight = n as usize;
        }
        if let Some(b) = o.enable_offline_queue {
            c.enable_offline_queue = b;
        }
        if let Some(b) = o.direct {
            c.direct = b;
        }
        if let Some(n) = whole(o.max_retries_per_request, "maxRetriesPerRequest", 0.0, 1e9)? {
            c.max_retries_per_request = Some(n as u32);
        }
        if o.unlimited_retries == Some(true) {
            c.max_retries_per_request = None;
        }
        if o.external_retry == Some(true) {
            c.retry = RetryPolicy::External;
        }
        if let Some(b) = o.lazy_connect {
            c.lazy_connect = b;
        }
        match o.protocol {
            None => {}
            Some(3.0) => c.resp3 = true,
            Some(2.0) => c.resp3 = false,
            Some(_) => return Err(invalid("protocol must be 2 or 3")),
        }
        if let Some(tag) = &o.client_info_tag {
            // SETINFO refuses spaces and newlines in a library name.
            if tag.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                return Err(invalid(
                    "clientInfoTag must not contain spaces or control characters",
                ));
            }
            c.lib_name = Some(format!("{LIB_NAME}({tag})"));
        }
        if o.disable_client_info == Some(true) {
            c.lib_name = None;
        }
        c.wire = match o.wire.as_deref() {
            None | Some("node-redis") => Wire::Redis,
            Some("ioredis") => Wire::Ioredis,
            Some(_) => return Err(invalid("wire must be 'ioredis' or 'node-redis'")),
        };
        if let Some(b) = o.enable_ready_check {
            c.ready_check = b;
        }
        c.read_only = o.read_only == Some(true);
        c.read_from_replicas = o.read_from_replicas == Some(true);
        if let Some(nodes) = &o.sentinels {
            if nodes.is_empty() {
                return Err(invalid(
                    "sentinels must be a non-empty array of { host, port }",
                ));
            }
            if !c.cluster_nodes.is_empty() {
                return Err(invalid("sentinels and cluster nodes cannot be combined"));
            }
            let name = match &o.sentinel_name {
                Some(n) if !n.is_empty() => n.clone(),
                _ => return Err(invalid("sentinels need the monitored set's name (name)")),
            };
            let role = match o.sentinel_role.as_deref() {
                None | Some("master") => SentinelRole::Master,
                Some("slave") | Some("replica") => SentinelRole::Replica,
                Some(_) => return Err(invalid("role must be 'master' or 'slave'")),
            };
            let mut list = Vec::new();
            for n in nodes {
                let host = n.host.clone().unwrap_or_else(|| "127.0.0.1".to_string());
                list.push((host, port(n.port, "sentinels[].port")?));
            }
            c.sentinel = Some(SentinelConfig {
                nodes: std::sync::Arc::new(std::sync::Mutex::new(list)),
                name,
                role,
                username: o.sentinel_username.clone(),
                password: o.sentinel_password.clone().filter(|p| !p.is_empty()),
                tls: o.sentinel_tls.as_ref().map(TlsOptions::from_settings),
            });
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
}
