//! Redis Sentinel: which server a client connects to. Before every connection attempt the
//! known sentinels are asked, in turn, for the current primary (or a replica) of the
//! monitored set; the attempt then connects there like to any single server (the direct
//! path included) and checks `ROLE` before it counts as connected. A failover is followed
//! because Sentinel disconnects the clients of the server it reconfigures: the next attempt
//! asks again; sooner, because [`watch`] listens on a sentinel for `+switch-master` and tells
//! the host at once. The sentinels each answering sentinel reports are remembered for later
//! attempts.

use std::sync::Arc;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, Value};

use futures_util::StreamExt;

use crate::core::config::{Addr, ClientConfig, SentinelConfig, SentinelRole, Wire};
use crate::core::dial::{dial, Dialed};
use crate::core::error::{Error, Result};
use crate::core::handshake;
use crate::core::resp::ReplyReader;
use crate::core::sink::{Completion, Event, Sink};

/// The configuration one attempt connects with: `config` itself without Sentinel, else a
/// copy whose address is the server the first answering sentinel names.
pub async fn resolve(config: Arc<ClientConfig>) -> Result<Arc<ClientConfig>> {
    let Some(s) = &config.sentinel else {
        return Ok(config);
    };
    let per_sentinel = config.connect_timeout.min(Duration::from_secs(2));
    let mut why = String::from("no sentinel configured");
    for (host, port) in s.known() {
        match tokio::time::timeout(per_sentinel, ask(&host, port, s, &config)).await {
            Ok(Ok(Some(addr))) => {
                let mut c = (*config).clone();
                c.addr = Addr::Tcp(addr.0, addr.1);
                return Ok(Arc::new(c));
            }
            Ok(Ok(None)) => {
                why = format!(
                    "sentinel {host}:{port} knows no healthy {} of \"{}\"",
                    role_word(s.role),
                    s.name
                )
            }
            Ok(Err(e)) => why = format!("sentinel {host}:{port}: {e}"),
            Err(_) => why = format!("sentinel {host}:{port} did not answer in time"),
        }
    }
    // ioredis' words ("All sentinels are unreachable"), then which set and why.
    Err(Error::Connection(format!(
        "All sentinels are unreachable: none named a {} for \"{}\". Last error: {why}",
        role_word(s.role),
        s.name
    )))
}

fn role_word(role: SentinelRole) -> &'static str {
    match role {
        SentinelRole::Master => "primary",
        SentinelRole::Replica => "replica",
    }
}

/// Listens for `+switch-master` about this set on one sentinel at a time (the next known one
/// when it goes away) and reports each switch to the host as [`Event::SwitchMaster`], so
/// the client reconnects (and asks the sentinels again) without waiting to be disconnected.
/// `None` without Sentinel; the task ends when the returned handle is aborted.
pub fn watch(
    config: &ClientConfig,
    sink: Arc<dyn Sink>,
    client: u32,
) -> Option<tokio::task::AbortHandle> {
    let s = config.sentinel.clone()?;
    let config = config.clone();
    let task = crate::core::runtime::handle().spawn(async move {
        let report = |text: &str| {
            // "<name> <old ip> <old port> <new ip> <new port>"
            let parts: Vec<&str> = text.split(' ').collect();
            if parts.len() >= 5 && parts[0] == s.name {
                sink.push(Completion::Event {
                    client,
                    event: Event::SwitchMaster {
                        address: format!("{}:{}", parts[3], parts[4]),
                    },
                });
            }
        };
        loop {
            for (host, port) in s.known() {
                if s.tls.is_some() {
                    let _ = listen_tls(&host, port, &s, &report).await;
                } else {
                    let _ = listen(&host, port, &s, &config, &report).await;
                }
            }
            // Every sentinel is gone for now: look again shortly.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    Some(task.abort_handle())
}

/// The configuration of a conversation with one sentinel: its address and the sentinels'
/// credentials, in the client's wire form; no database, name or ready check (as ioredis'
/// sentinel clients).
fn sentinel_config(
    host: &str,
    port: u16,
    s: &SentinelConfig,
    client: &ClientConfig,
) -> ClientConfig {
    ClientConfig {
        addr: Addr::Tcp(host.to_string(), port),
        username: s.username.clone(),
        password: s.password.clone(),
        connect_timeout: client.connect_timeout,
        keep_alive: client.keep_alive,
        resp3: client.resp3,
        lib_name: client.lib_name.clone(),
        wire: client.wire,
        ready_check: false,
        ..ClientConfig::default()
    }
}

/// A `SENTINEL` subcommand's words in the client's wire form (ioredis: `sentinel slaves`).
fn words<'a>(client: &ClientConfig, sub: &'a str) -> [&'a str; 2] {
    if client.wire != Wire::Ioredis {
        return ["SENTINEL", sub];
    }
    match sub {
        "REPLICAS" => ["sentinel", "slaves"],
        "GET-MASTER-ADDR-BY-NAME" => ["sentinel", "get-master-addr-by-name"],
        _ => ["sentinel", "sentinels"],
    }
}

/// Subscribes to `+switch-master` on one sentinel and reports each message until the
/// connection ends.
async fn listen(
    host: &str,
    port: u16,
    s: &SentinelConfig,
    client: &ClientConfig,
    report: &impl Fn(&str),
) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let sc = sentinel_config(host, port, s, client);
    let Dialed::Tcp(mut stream) = dial(&sc).await? else {
        return Ok(());
    };
    handshake::run(&mut stream, &sc, false).await?;
    let mut out = Vec::new();
    let subscribe: &[u8] = if client.wire == Wire::Ioredis {
        b"subscribe"
    } else {
        b"SUBSCRIBE"
    };
    crate::core::resp::command(&mut out, &[subscribe, b"+switch-master"]);
    stream
        .write_all(&out)
        .await
        .map_err(|e| Error::Connection(e.to_string()))?;
    let mut reader = ReplyReader::new();
    loop {
        while let Some(v) = reader.next_reply()? {
            let items = match v {
                Value::Push { data, .. } => data,
                Value::Array(items) => items,
                _ => continue,
            };
            if let [kind, _, payload] = items.as_slice() {
                if crate::core::reply::as_text(kind).as_deref() == Some("message") {
                    report(&crate::core::reply::as_text(payload).unwrap_or_default());
                }
            }
        }
        handshake::read_more(&mut stream, &mut reader, "on the sentinel").await?;
    }
}

/// [`listen`] over TLS, through redis-rs.
async fn listen_tls(
    host: &str,
    port: u16,
    s: &SentinelConfig,
    report: &impl Fn(&str),
) -> Result<()> {
    let client_info = sentinel_client(host, port, s)?;
    let mut pubsub = client_info
        .get_async_pubsub()
        .await
        .map_err(|e| Error::from_redis(&e))?;
    pubsub
        .subscribe("+switch-master")
        .await
        .map_err(|e| Error::from_redis(&e))?;
    let mut messages = pubsub.on_message();
    while let Some(msg) = messages.next().await {
        let text: String = msg.get_payload().unwrap_or_default();
        report(&text);
    }
    Ok(())
}

fn sentinel_client(host: &str, port: u16, s: &SentinelConfig) -> Result<redis::Client> {
    let mut settings = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    if let Some(u) = &s.username {
        settings = settings.set_username(u);
    }
    if let Some(p) = &s.password {
        settings = settings.set_password(p);
    }
    crate::core::config::install_tls_provider();
    let addr = match &s.tls {
        None => ConnectionAddr::Tcp(host.to_string(), port),
        Some(t) => ConnectionAddr::TcpTls {
            host: host.to_string(),
            port,
            insecure: !t.reject_unauthorized,
            tls_params: None,
        },
    };
    let info: ConnectionInfo = addr
        .into_connection_info()
        .map_err(|e| Error::Connection(e.to_string()))?
        .set_redis_settings(settings);
    let certs = match &s.tls {
        Some(t) => t.certificates()?,
        None => None,
    };
    match certs {
        Some(certs) => redis::Client::build_with_tls(info, certs),
        None => redis::Client::open(info),
    }
    .map_err(|e| Error::from_redis(&e))
}

/// Asks one sentinel; also learns the other sentinels it knows. Without TLS the
/// conversation is the client's own (handshake and commands in its wire form, see
/// `core::handshake`); with TLS it goes through redis-rs.
async fn ask(
    host: &str,
    port: u16,
    s: &SentinelConfig,
    client: &ClientConfig,
) -> Result<Option<(String, u16)>> {
    if s.tls.is_some() {
        return ask_tls(host, port, s).await;
    }
    let sc = sentinel_config(host, port, s, client);
    let Dialed::Tcp(mut stream) = dial(&sc).await? else {
        return Ok(None);
    };
    handshake::run(&mut stream, &sc, false).await?;
    let name = s.name.as_bytes();
    let ask = |sub: &'static str| {
        let w = words(client, sub);
        [w[0].as_bytes(), w[1].as_bytes()]
    };
    let found = match s.role {
        SentinelRole::Master => {
            let [a, b] = ask("GET-MASTER-ADDR-BY-NAME");
            address(&handshake::request(&mut stream, &[a, b, name]).await?)?
        }
        SentinelRole::Replica => {
            let [a, b] = ask("REPLICAS");
            let reply = handshake::request(&mut stream, &[a, b, name]).await?;
            healthy(&reply).into_iter().next()
        }
    };
    // Other sentinels of the same set, for when this one is gone (errors here change nothing).
    let [a, b] = ask("SENTINELS");
    if let Ok(reply) = handshake::request(&mut stream, &[a, b, name]).await {
        s.learn(healthy(&reply));
    }
    Ok(found)
}

/// `SENTINEL GET-MASTER-ADDR-BY-NAME`'s reply: `[ip, port]`, or nil for an unknown set.
fn address(reply: &Value) -> Result<Option<(String, u16)>> {
    match reply {
        Value::Nil => Ok(None),
        Value::ServerError(e) => Err(Error::Reply(crate::core::error::server_error_text(e))),
        Value::Array(items) => match items.as_slice() {
            [ip, port] => {
                let ip = crate::core::reply::as_text(ip);
                let port = crate::core::reply::as_text(port).and_then(|p| p.parse().ok());
                match (ip, port) {
                    (Some(ip), Some(port)) => Ok(Some((ip, port))),
                    _ => Err(Error::Connection("unexpected sentinel reply".into())),
                }
            }
            _ => Err(Error::Connection("unexpected sentinel reply".into())),
        },
        _ => Err(Error::Connection("unexpected sentinel reply".into())),
    }
}

/// [`ask`] over TLS, through redis-rs.
async fn ask_tls(host: &str, port: u16, s: &SentinelConfig) -> Result<Option<(String, u16)>> {
    let client = sentinel_client(host, port, s)?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| Error::from_redis(&e))?;
    let found = match s.role {
        SentinelRole::Master => {
            let reply: Option<(String, u16)> = redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(&s.name)
                .query_async(&mut conn)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            reply
        }
        SentinelRole::Replica => {
            let reply: Value = redis::cmd("SENTINEL")
                .arg("REPLICAS")
                .arg(&s.name)
                .query_async(&mut conn)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            healthy(&reply).into_iter().next()
        }
    };
    if let Ok(reply) = redis::cmd("SENTINEL")
        .arg("SENTINELS")
        .arg(&s.name)
        .query_async::<Value>(&mut conn)
        .await
    {
        s.learn(healthy(&reply));
    }
    Ok(found)
}

/// The addresses in a `SENTINEL REPLICAS` / `SENTINEL SENTINELS` reply whose flags say
/// nothing is wrong with them.
fn healthy(reply: &Value) -> Vec<(String, u16)> {
    let Value::Array(entries) = reply else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in entries {
        let fields: Vec<(String, String)> = match e {
            Value::Map(pairs) => pairs
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        crate::core::reply::as_text(k)?,
                        crate::core::reply::as_text(v)?,
                    ))
                })
                .collect(),
            Value::Array(flat) => flat
                .chunks(2)
                .filter_map(|kv| match kv {
                    [k, v] => Some((
                        crate::core::reply::as_text(k)?,
                        crate::core::reply::as_text(v)?,
                    )),
                    _ => None,
                })
                .collect(),
            _ => continue,
        };
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let flags = get("flags").unwrap_or("");
        if ["s_down", "o_down", "disconnected"]
            .iter()
            .any(|f| flags.contains(f))
        {
            continue;
        }
        if let (Some(ip), Some(port)) = (get("ip"), get("port").and_then(|p| p.parse().ok())) {
            out.push((ip.to_string(), port));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn healthy_entries_only() {
        let entry = |ip: &str, port: &str, flags: &str| {
            Value::Array(
                ["ip", ip, "port", port, "flags", flags]
                    .iter()
                    .map(|s| bulk(s))
                    .collect(),
            )
        };
        let reply = Value::Array(vec![
            entry("10.0.0.1", "6380", "slave"),
            entry("10.0.0.2", "6381", "s_down,slave"),
            entry("10.0.0.3", "6382", "slave,disconnected"),
        ]);
        assert_eq!(healthy(&reply), vec![("10.0.0.1".to_string(), 6380)]);
    }

    #[test]
    fn role_is_checked_only_with_sentinel() {
        let role = Value::Array(vec![bulk("slave"), bulk("127.0.0.1")]);
        let plain = ClientConfig::default();
        assert!(crate::core::handshake::check_role_reply(&plain, &role).is_ok());
        let with = ClientConfig {
            sentinel: Some(SentinelConfig {
                nodes: Arc::new(std::sync::Mutex::new(vec![])),
                name: "mymaster".into(),
                role: SentinelRole::Master,
                username: None,
                password: None,
                tls: None,
            }),
            ..Default::default()
        };
        assert!(crate::core::handshake::check_role_reply(&with, &role).is_err());
        assert!(crate::core::handshake::check_role_reply(
            &with,
            &Value::Array(vec![bulk("master")])
        )
        .is_ok());
    }
}
