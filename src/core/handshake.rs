//! The handshake: everything a new connection sends before it carries commands, written the
//! way the library the client imitates writes it, and how each reply is judged.
//!
//! One module for both connection paths: the direct path (`direct::open`) and the
//! runtime-driven connections (`client::open`, which hands the handshaken stream to
//! redis-rs) run the same steps. With [`Wire::Ioredis`] the commands are ioredis 6's, in its
//! case and order (`hello 3 AUTH …` or `auth …`, `select`, `client setname`,
//! `client SETINFO LIB-VER`/`LIB-NAME`, then the ready check `info`); otherwise node-redis 5's
//! (`HELLO 3 AUTH … SETNAME …` or `AUTH`/`CLIENT SETNAME`, `SELECT`, `CLIENT SETINFO …`), which
//! is also this package's own. Servers that are not a stock Redis 7 (Redis 5, proxies, managed
//! services) answer some of these with errors; each step says which errors end the attempt.

use std::io;
use std::time::Duration;

use redis::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::core::config::{ClientConfig, SentinelRole, Wire};
use crate::core::error::{Error, Result};
use crate::core::resp::{self, ReplyReader};

/// What a step's error means for the connection.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OnError {
    /// The attempt fails with it.
    Fatal,
    /// Authentication: fatal, except the replies of a server that needs no password or has
    /// no ACL users (Redis 5), which ioredis only warns about.
    Auth,
    /// Reported as an `error` event; the connection goes on (ioredis' `select`).
    Report,
    /// Ignored (`CLIENT SETINFO` before Redis 7.2, `CLIENT SETNAME` on ioredis).
    Ignore,
}

struct Step {
    args: Vec<Vec<u8>>,
    on_error: OnError,
}

/// Something the handshake met that the host should hear about on a connection that still
/// came up.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A server reply worth a warning (the server needs no password, INFO is refused).
    Warn(String),
    /// An error the library reports as an `error` event without dropping the connection.
    Report(Error),
}

fn step(args: &[&[u8]], on_error: OnError) -> Step {
    Step {
        args: args.iter().map(|a| a.to_vec()).collect(),
        on_error,
    }
}

/// The steps of one attempt, in the order they are written.
fn steps(config: &ClientConfig, tracking: bool, resp3: bool) -> Vec<Step> {
    match config.wire {
        Wire::Ioredis => ioredis_steps(config, tracking, resp3),
        Wire::Redis => redis_steps(config, tracking, resp3),
    }
}

/// ioredis 6 (`event_handler.js`, `getHandshakeCommands`): lower-case names; credentials
/// whenever a password or a user name is set (a user without a password sends an empty one).
fn ioredis_steps(config: &ClientConfig, tracking: bool, resp3: bool) -> Vec<Step> {
    let mut out = Vec::new();
    let password = config.password.as_deref();
    let credentials = password.is_some() || config.username.is_some();
    let pass = password.unwrap_or("").as_bytes();
    if resp3 {
        let mut hello: Vec<&[u8]> = vec![b"hello", b"3"];
        if credentials {
            let user = config.username.as_deref().unwrap_or("default").as_bytes();
            hello.extend_from_slice(&[b"AUTH", user, pass]);
        }
        out.push(step(&hello, OnError::Auth));
    } else if credentials {
        match &config.username {
            Some(u) => out.push(step(&[b"auth", u.as_bytes(), pass], OnError::Auth)),
            None => out.push(step(&[b"auth", pass], OnError::Auth)),
        }
    }
    let db = config.db.to_string();
    if config.db != 0 {
        out.push(step(&[b"select", db.as_bytes()], OnError::Report));
    }
    if let Some(name) = &config.connection_name {
        out.push(step(
            &[b"client", b"setname", name.as_bytes()],
            OnError::Ignore,
        ));
    }
    last_steps(&mut out, config, tracking, true);
    out
}

/// The steps both libraries end with, in their case: `READONLY` (ioredis ignores its error,
/// node-redis does not), `CLIENT SETINFO LIB-VER` then `LIB-NAME` (errors ignored: servers
/// before 7.2 have no SETINFO), and `CLIENT TRACKING ON` for a near-cache.
fn last_steps(out: &mut Vec<Step>, config: &ClientConfig, tracking: bool, ioredis: bool) {
    let (client, readonly, read_only_error) = if ioredis {
        (&b"client"[..], &b"readonly"[..], OnError::Ignore)
    } else {
        (&b"CLIENT"[..], &b"READONLY"[..], OnError::Fatal)
    };
    if config.read_only {
        out.push(step(&[readonly], read_only_error));
    }
    if let Some(name) = &config.lib_name {
        let ver = crate::core::config::LIB_VERSION.as_bytes();
        out.push(step(
            &[client, b"SETINFO", b"LIB-VER", ver],
            OnError::Ignore,
        ));
        out.push(step(
            &[client, b"SETINFO", b"LIB-NAME", name.as_bytes()],
            OnError::Ignore,
        ));
    }
    if tracking {
        let (t, on): (&[u8], &[u8]) = if ioredis {
            (b"tracking", b"on")
        } else {
            (b"TRACKING", b"ON")
        };
        out.push(step(&[client, t, on], OnError::Fatal));
    }
}

/// node-redis 5 (`#getHandshakeCommands`), this package's own form too.
fn redis_steps(config: &ClientConfig, tracking: bool, resp3: bool) -> Vec<Step> {
    let mut out = Vec::new();
    if resp3 {
        let mut hello: Vec<&[u8]> = vec![b"HELLO", b"3"];
        if let Some(p) = &config.password {
            let user = config.username.as_deref().unwrap_or("default").as_bytes();
            hello.extend_from_slice(&[b"AUTH", user, p.as_bytes()]);
        }
        if let Some(name) = &config.connection_name {
            hello.extend_from_slice(&[b"SETNAME", name.as_bytes()]);
        }
        out.push(step(&hello, OnError::Fatal));
    } else {
        if let Some(p) = &config.password {
            match &config.username {
                Some(u) => out.push(step(&[b"AUTH", u.as_bytes(), p.as_bytes()], OnError::Fatal)),
                None => out.push(step(&[b"AUTH", p.as_bytes()], OnError::Fatal)),
            }
        }
        if let Some(name) = &config.connection_name {
            out.push(step(
                &[b"CLIENT", b"SETNAME", name.as_bytes()],
                OnError::Fatal,
            ));
        }
    }
    let db = config.db.to_string();
    if config.db != 0 {
        out.push(step(&[b"SELECT", db.as_bytes()], OnError::Fatal));
    }
    last_steps(&mut out, config, tracking, false);
    out
}

/// The authentication replies ioredis lets pass with a warning: a password sent to a server
/// that needs none, or a user name sent to Redis 5 (no ACL users).
fn benign_auth(text: &str) -> bool {
    text.contains("no password is set")
        || text.contains("without any password configured for the default user")
        || text.contains("wrong number of arguments for 'auth' command")
}

/// Reads what the server sent next into `reader`; a closed connection is an error `when`
/// (the handshake, the checks after it).
pub async fn read_more<S>(stream: &mut S, reader: &mut ReplyReader, when: &str) -> Result<()>
where
    S: tokio::io::AsyncRead + Unpin,
{
    let n = stream
        .read(reader.room())
        .await
        .map_err(|e| Error::Connection(e.to_string()))?;
    if n == 0 {
        return Err(Error::Connection(format!(
            "Connection closed by the server {when}"
        )));
    }
    reader.filled(n);
    Ok(())
}

/// One command's reply, read on a connection nothing else is using yet.
pub async fn request<S>(stream: &mut S, args: &[&[u8]]) -> Result<Value>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let io = |e: io::Error| Error::Connection(e.to_string());
    let mut out = Vec::new();
    resp::command(&mut out, args);
    stream.write_all(&out).await.map_err(io)?;
    let mut reader = ReplyReader::new();
    loop {
        match reader.next_reply()? {
            Some(Value::Push { .. }) => {}
            Some(v) => return Ok(v),
            None => read_more(stream, &mut reader, "while connecting").await?,
        }
    }
}

/// Writes one attempt's steps in one write and judges every reply. The first fatal error
/// wins (the rest are read first, so the stream stays in step).
async fn send_steps<S>(
    stream: &mut S,
    config: &ClientConfig,
    tracking: bool,
    resp3: bool,
    notes: &mut Vec<Note>,
) -> Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let steps = steps(config, tracking, resp3);
    if steps.is_empty() {
        return Ok(());
    }
    let mut bytes = Vec::new();
    for s in &steps {
        let args: Vec<&[u8]> = s.args.iter().map(|a| a.as_slice()).collect();
        resp::command(&mut bytes, &args);
    }
    stream
        .write_all(&bytes)
        .await
        .map_err(|e| Error::Connection(e.to_string()))?;
    let mut reader = ReplyReader::new();
    let mut first = None;
    let mut answered = 0;
    while answered < steps.len() {
        match reader.next_reply()? {
            Some(Value::ServerError(e)) => {
                let text = crate::core::error::server_error_text(&e);
                match steps[answered].on_error {
                    OnError::Auth if benign_auth(&text) => notes.push(Note::Warn(text)),
                    // Whatever the words, a refused authentication fails what waits for it.
                    OnError::Auth => {
                        first.get_or_insert(Error::Auth(text));
                    }
                    OnError::Fatal => {
                        first.get_or_insert_with(|| resp::handshake_error(&e));
                    }
                    OnError::Report => notes.push(Note::Report(Error::Reply(text))),
                    OnError::Ignore => {}
                }
                answered += 1;
            }
            Some(Value::Push { .. }) => {}
            Some(_) => answered += 1,
            None => read_more(stream, &mut reader, "during the handshake").await?,
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The ready check (ioredis' `enableReadyCheck`): while the server is still loading its data
/// set, waits and asks again, so the connection is handed over only once commands can run.
/// ioredis asks `info` and takes any error but NOPERM as fatal; node-redis has no ready
/// check, so this package's own asks `INFO persistence` and goes ahead when INFO fails
/// (renamed away, refused by an ACL).
async fn ready_check<S>(
    stream: &mut S,
    config: &ClientConfig,
    notes: &mut Vec<Note>,
) -> Result<Option<String>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if !config.ready_check {
        return Ok(None);
    }
    let ioredis = config.wire == Wire::Ioredis;
    let args: &[&[u8]] = if ioredis {
        &[b"info"]
    } else {
        &[b"INFO", b"persistence"]
    };
    loop {
        let text = match request(stream, args).await? {
            Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            Value::VerbatimString { text, .. } => text,
            Value::ServerError(e) if ioredis => {
                let text = crate::core::error::server_error_text(&e);
                if text.contains("NOPERM") {
                    notes.push(Note::Warn(text));
                    return Ok(None);
                }
                return Err(resp::handshake_error(&e));
            }
            _ => return Ok(None),
        };
        match loading_delay(&text) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return Ok(Some(text)),
        }
    }
}

/// With Sentinel: the server must still have the role it was chosen for. ioredis reads it
/// from the ready check's INFO (nothing to check without one); otherwise `ROLE` is asked.
async fn check_role<S>(stream: &mut S, config: &ClientConfig, info: Option<&str>) -> Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if expected_role(config).is_none() {
        return Ok(());
    }
    if config.wire == Wire::Ioredis {
        return match info {
            Some(text) => check_info_role(config, text),
            None => Ok(()),
        };
    }
    let role = request(stream, &[b"ROLE"]).await?;
    check_role_reply(config, &role)
}

/// Runs the whole handshake on a fresh stream: the steps (again in RESP2 when the server
/// cannot speak RESP3), the ready check and, with Sentinel, the role check. Returns whether
/// the connection speaks RESP3 and what the host should hear about.
pub async fn run<S>(
    stream: &mut S,
    config: &ClientConfig,
    tracking: bool,
) -> Result<(bool, Vec<Note>)>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut notes = Vec::new();
    let mut resp3 = config.resp3;
    match send_steps(stream, config, tracking, resp3, &mut notes).await {
        // No RESP3 on this server (before Redis 6, or HELLO renamed away): speak RESP2.
        Err(Error::Connection(text) | Error::Auth(text)) if resp3 && refuses_resp3(&text) => {
            resp3 = false;
            notes.clear();
            send_steps(stream, config, tracking, false, &mut notes).await?;
        }
        other => other?,
    }
    let info = ready_check(stream, config, &mut notes).await?;
    check_role(stream, config, info.as_deref()).await?;
    Ok((resp3, notes))
}

/// What `ROLE` must report on the server an attempt reached, when Sentinel chose it.
pub fn expected_role(config: &ClientConfig) -> Option<&'static str> {
    config.sentinel.as_ref().map(|s| match s.role {
        SentinelRole::Master => "master",
        SentinelRole::Replica => "slave",
    })
}

/// ioredis' form of the role check: the `role:` line of the ready check's INFO, when it has
/// one (a server whose INFO says nothing of its role passes, as in ioredis).
pub fn check_info_role(config: &ClientConfig, info: &str) -> Result<()> {
    let Some(want) = expected_role(config) else {
        return Ok(());
    };
    match info.lines().find_map(|l| l.strip_prefix("role:")) {
        Some(role) if role.trim() != want => Err(Error::Connection(format!(
            "the server Sentinel named reports role {} instead of {want}; asking again",
            role.trim()
        ))),
        _ => Ok(()),
    }
}

/// Checks a `ROLE` reply against the role Sentinel promised (a failover may have moved it
/// meanwhile): the attempt fails, and the next one asks the sentinels again.
pub fn check_role_reply(config: &ClientConfig, reply: &Value) -> Result<()> {
    let Some(want) = expected_role(config) else {
        return Ok(());
    };
    let got = match reply {
        Value::Array(items) => items.first().and_then(crate::core::reply::as_text),
        _ => None,
    };
    match got.as_deref() {
        Some(role) if role == want => Ok(()),
        other => Err(Error::Connection(format!(
            "the server Sentinel named reports role {} instead of {want}; asking again",
            other.unwrap_or("(none)")
        ))),
    }
}

/// Whether a handshake error says the server cannot speak RESP3 (`NOPROTO`, or no `HELLO`
/// at all before Redis 6): the connection is then retried in RESP2.
pub fn refuses_resp3(text: &str) -> bool {
    let t = text.to_ascii_uppercase();
    t.contains("NOPROTO") || (t.contains("UNKNOWN COMMAND") && t.contains("HELLO"))
}

/// How long to wait before asking again when `INFO persistence` says the server is still
/// loading its data set (it answers most commands with `LOADING` until then); `None` once
/// it is not. The server's own estimate, between 50 ms and 1 s.
pub fn loading_delay(info: &str) -> Option<Duration> {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    if field("loading") != Some("1") {
        return None;
    }
    let eta = field("loading_eta_seconds")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    Some(Duration::from_secs(eta).clamp(Duration::from_millis(50), Duration::from_secs(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(config: &ClientConfig, resp3: bool) -> Vec<String> {
        steps(config, false, resp3)
            .iter()
            .map(|s| {
                s.args
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn ioredis_form() {
        let mut c = ClientConfig {
            wire: Wire::Ioredis,
            password: Some("pw".into()),
            db: 2,
            connection_name: Some("app".into()),
            ..ClientConfig::default()
        };
        let ver = crate::core::config::LIB_VERSION;
        assert_eq!(
            wire(&c, true),
            [
                "hello 3 AUTH default pw".to_string(),
                "select 2".into(),
                "client setname app".into(),
                format!("client SETINFO LIB-VER {ver}"),
                "client SETINFO LIB-NAME redis-hotpath".into(),
            ]
        );
        assert_eq!(wire(&c, false)[0], "auth pw");
        c.username = Some("u".into());
        c.password = None;
        assert_eq!(wire(&c, false)[0], "auth u ");
        assert_eq!(wire(&c, true)[0], "hello 3 AUTH u ");
    }

    #[test]
    fn node_redis_form() {
        let c = ClientConfig {
            password: Some("pw".into()),
            username: Some("u".into()),
            connection_name: Some("app".into()),
            lib_name: None,
            ..ClientConfig::default()
        };
        assert_eq!(wire(&c, true), ["HELLO 3 AUTH u pw SETNAME app"]);
        assert_eq!(wire(&c, false), ["AUTH u pw", "CLIENT SETNAME app"]);
    }

    #[test]
    fn benign_auth_replies() {
        assert!(benign_auth("ERR Client sent AUTH, but no password is set"));
        assert!(benign_auth(
            "ERR wrong number of arguments for 'auth' command"
        ));
        assert!(!benign_auth("WRONGPASS invalid username-password pair"));
    }
}
