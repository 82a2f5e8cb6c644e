//! The one error type of the core, and the one place where it is mapped to the stable
//! `code` strings that JavaScript sees.

use std::fmt;
use std::time::Duration;

/// Every failure the core can report.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The caller passed something unusable; nothing was sent.
    InvalidArg(String),
    /// The command's deadline passed (queueing, writing and waiting all count).
    Timeout(Duration),
    /// The connection could not be made, or was lost while the command was in flight.
    Connection(String),
    /// The server refused our credentials.
    Auth(String),
    /// The server answered with an error reply.
    Reply(String),
    /// Disconnected with the offline queue turned off: the command is refused unsent.
    OfflineDisabled,
    /// The offline queue already holds its limit of commands.
    OfflineQueueFull(usize),
    /// The command waited through this many failed reconnection attempts.
    MaxRetries(u32),
    /// The client was closed (`quit`/`disconnect`) and takes no more commands.
    Closed,
    /// A lock could not be acquired (the message says after how many attempts and why).
    LockNotAcquired(String),
    /// A held lock was lost (taken, expired, or it could not be extended in time).
    LockLost(String),
    /// A bug in this package (for example a caught panic); never expected.
    Internal(String),
}

impl Error {
    /// The stable code JavaScript sees on `err.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArg(_) => "ERR_INVALID_ARG",
            Error::Timeout(_) => "ERR_REDIS_TIMEOUT",
            Error::Connection(_) | Error::OfflineDisabled => "ERR_REDIS_CONNECTION",
            Error::Auth(_) => "ERR_REDIS_AUTH",
            Error::Reply(_) => "ERR_REDIS_REPLY",
            Error::OfflineQueueFull(_) => "ERR_REDIS_OFFLINE_QUEUE_FULL",
            Error::MaxRetries(_) => "ERR_REDIS_MAX_RETRIES",
            Error::Closed => "ERR_REDIS_CLOSED",
            Error::LockNotAcquired(_) => "ERR_LOCK_NOT_ACQUIRED",
            Error::LockLost(_) => "ERR_LOCK_LOST",
            Error::Internal(_) => "ERR_INTERNAL",
        }
    }

    /// Turns a redis-rs error into ours. Server replies keep their text; nothing here ever
    /// includes connection credentials (redis-rs does not print them, and the client scrubs
    /// the configured password from every message it emits as a second guard).
    pub fn from_redis(err: &redis::RedisError) -> Error {
        use redis::ErrorKind;
        if err.is_timeout() {
            return Error::Timeout(Duration::ZERO);
        }
        match err.kind() {
            ErrorKind::AuthenticationFailed => Error::Auth(describe(err)),
            ErrorKind::Server(_) | ErrorKind::Extension => {
                let text = describe(err);
                if text.starts_with("WRONGPASS") || text.starts_with("NOAUTH") {
                    Error::Auth(text)
                } else {
                    Error::Reply(text)
                }
            }
            // I/O, dropped or refused connections, and anything else redis-rs reports.
            _ => Error::Connection(describe(err)),
        }
    }

    /// The error of one failed reply inside a pipeline.
    pub fn from_server(err: &redis::ServerError) -> Error {
        Error::Reply(server_error_text(err))
    }
}

/// `CODE detail`, the way Redis itself writes an error reply (and ioredis shows it).
pub fn server_error_text(err: &redis::ServerError) -> String {
    match err.details() {
        Some(detail) => format!("{} {}", err.code(), detail),
        None => err.code().to_string(),
    }
}

fn describe(err: &redis::RedisError) -> String {
    if let (Some(code), Some(detail)) = (err.code(), err.detail()) {
        return format!("{code} {detail}");
    }
    err.to_string()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArg(m) => write!(f, "{m}"),
            Error::Timeout(d) if d.is_zero() => write!(f, "Command timed out"),
            Error::Timeout(d) => write!(f, "Command timed out after {} ms", d.as_millis()),
            Error::Connection(m) => write!(f, "Connection error: {m}"),
            // The server's own words, as the peers report them; the code says it is authentication.
            Error::Auth(m) => write!(f, "{m}"),
            Error::Reply(m) => write!(f, "{m}"),
            // ioredis' words, which its users match on.
            Error::OfflineDisabled => write!(
                f,
                "Stream isn't writeable and enableOfflineQueue options is false"
            ),
            Error::OfflineQueueFull(n) => write!(
                f,
                "Offline queue is full ({n} commands waiting for the connection); command rejected"
            ),
            Error::MaxRetries(n) => write!(
                f,
                "Reached the max retries per request limit (which is {n}). Refer to \"maxRetriesPerRequest\" option for details."
            ),
            Error::Closed => write!(f, "Connection is closed."),
            Error::LockNotAcquired(m) => write!(f, "Lock not acquired: {m}"),
            Error::LockLost(m) => write!(f, "Lock lost: {m}"),
            Error::Internal(m) => write!(f, "Internal error in redis-hotpath: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias for the core.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            Error::Timeout(Duration::from_secs(1)).code(),
            "ERR_REDIS_TIMEOUT"
        );
        assert_eq!(
            Error::OfflineQueueFull(3).code(),
            "ERR_REDIS_OFFLINE_QUEUE_FULL"
        );
        assert_eq!(Error::Closed.to_string(), "Connection is closed.");
        assert_eq!(
            Error::Timeout(Duration::from_millis(250)).to_string(),
            "Command timed out after 250 ms"
        );
    }
}
