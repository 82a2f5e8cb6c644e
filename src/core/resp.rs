//! RESP on our own sockets: writing commands and reading replies frame by frame, for the
//! direct path (`core::direct`), where the connection is driven without redis-rs.
//!
//! Frames are found with the message tap's scanner ([`frame_len`]) and parsed with redis-rs'
//! parser, so there is one reading of RESP3 in the crate and one tested frame scanner.

use redis::Value;

use crate::core::error::{Error, Result};
use crate::core::message_tap::frame_len;

/// Appends a RESP header such as `*3\r\n` or `$5\r\n`.
pub fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push(kind);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends one bulk string argument.
pub fn bulk(out: &mut Vec<u8>, arg: &[u8]) {
    header(out, b'$', arg.len());
    out.extend_from_slice(arg);
    out.extend_from_slice(b"\r\n");
}

/// Appends one command.
pub fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    header(out, b'*', args.len());
    for a in args {
        bulk(out, a);
    }
}

/// Appends one parsed reply encoded back to RESP3 (doubles in [`double_text`]'s form).
pub fn value(out: &mut Vec<u8>, v: &Value) {
    let line = |out: &mut Vec<u8>, kind: u8, text: &[u8]| {
        out.push(kind);
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    };
    match v {
        Value::Nil => out.extend_from_slice(b"_\r\n"),
        Value::Int(i) => line(out, b':', i.to_string().as_bytes()),
        Value::BulkString(b) => bulk(out, b),
        Value::SimpleString(s) => line(out, b'+', s.as_bytes()),
        Value::Okay => out.extend_from_slice(b"+OK\r\n"),
        Value::Double(f) => line(out, b',', double_text(*f).as_bytes()),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Value::VerbatimString { format, text } => {
            let body = format!("{format}:{text}");
            header(out, b'=', body.len());
            out.extend_from_slice(body.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Value::BigNumber(n) => line(out, b'(', n),
        Value::Array(items) | Value::Set(items) => {
            header(
                out,
                if matches!(v, Value::Set(_)) {
                    b'~'
                } else {
                    b'*'
                },
                items.len(),
            );
            for x in items {
                value(out, x);
            }
        }
        Value::Map(pairs) => {
            header(out, b'%', pairs.len());
            for (k, x) in pairs {
                value(out, k);
                value(out, x);
            }
        }
        Value::Attribute { data, .. } => value(out, data),
        Value::Push { kind, data } => {
            header(out, b'>', data.len() + 1);
            bulk(out, kind.to_string().as_bytes());
            for x in data {
                value(out, x);
            }
        }
        Value::ServerError(e) => {
            let text = crate::core::error::server_error_text(e).replace(['\r', '\n'], " ");
            line(out, b'-', text.as_bytes());
        }
        _ => out.extend_from_slice(b"_\r\n"),
    }
}

/// Bytes read from a socket, handed out as complete reply frames. The buffer keeps its
/// zeroed room between reads (no fresh allocation per read).
pub struct ReplyReader {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

/// Room a read is given at least.
const READ_ROOM: usize = 64 * 1024;
/// A buffer grown beyond this for one large reply is given back once it is empty.
const KEEP_AT_MOST: usize = 4 << 20;

impl Default for ReplyReader {
    fn default() -> Self {
        ReplyReader::new()
    }
}

impl ReplyReader {
    /// An empty reader.
    pub fn new() -> ReplyReader {
        ReplyReader {
            data: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    /// Room to read into; call [`ReplyReader::filled`] with how much was read.
    pub fn room(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.data.len() > KEEP_AT_MOST {
                self.data = Vec::new();
            }
        }
        if self.data.len() - self.end < READ_ROOM / 4 {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.data.len() - self.end < READ_ROOM / 4 {
                let want = (self.end + READ_ROOM).max(self.data.len() * 2);
                self.data.resize(want, 0);
            }
        }
        &mut self.data[self.end..]
    }

    /// Records `n` bytes read into [`ReplyReader::room`].
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.data.len());
    }

    /// Whether unparsed bytes are waiting (an incomplete frame).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The next complete reply's bytes, unparsed, if one has arrived; bytes that are not
    /// RESP are a connection error.
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>> {
        let buf = &self.data[self.start..self.end];
        let len = match frame_len(buf) {
            Ok(Some(n)) => n,
            Ok(None) => return Ok(None),
            Err(_) => return Err(not_resp(buf)),
        };
        let at = self.start;
        self.start += len;
        Ok(Some(&self.data[at..at + len]))
    }

    /// The next complete reply, if one has arrived. Server errors come back as
    /// [`Value::ServerError`], pushes as [`Value::Push`]; bytes that are not RESP are a
    /// connection error (the stream can no longer be trusted).
    pub fn next_reply(&mut self) -> Result<Option<Value>> {
        let buf = &self.data[self.start..self.end];
        let len = match frame_len(buf) {
            Ok(Some(n)) => n,
            Ok(None) => return Ok(None),
            Err(_) => return Err(not_resp(buf)),
        };
        let v = redis::parse_redis_value(&buf[..len])
            .map_err(|e| Error::Connection(format!("protocol error: {e}")))?;
        self.start += len;
        Ok(Some(v))
    }
}

/// Maps a server error met during the handshake.
pub fn handshake_error(e: &redis::ServerError) -> Error {
    let text = crate::core::error::server_error_text(e);
    if text.starts_with("WRONGPASS") || text.starts_with("NOAUTH") || text.contains("AUTH") {
        Error::Auth(text)
    } else {
        Error::Connection(text)
    }
}

/// The error for bytes that are not RESP: an unknown type byte is named as ioredis names it
/// (`Unknown RESP type 38 "&"`).
fn not_resp(buf: &[u8]) -> Error {
    match buf.first() {
        Some(&b) if !b"+-:$*_#,(!=%~>|".contains(&b) => Error::Connection(format!(
            "protocol error: Unknown RESP type {b} \"{}\"",
            char::from(b)
        )),
        _ => Error::Connection("protocol error: not RESP".into()),
    }
}

/// Writes a RESP3 double the way RESP2 replies carry it: as text.
pub fn double_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands() {
        let mut out = Vec::new();
        command(&mut out, &[b"GET", b"k"]);
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        out.clear();
        header(&mut out, b'$', 0);
        header(&mut out, b'$', 1234567890);
        assert_eq!(out, b"$0\r\n$1234567890\r\n");
    }

    #[test]
    fn reads_frames_across_reads() {
        let mut r = ReplyReader::new();
        let bytes: &[u8] = b"+OK\r\n$5\r\nhello\r\n-ERR bad\r\n*2\r\n:1\r\n_\r\n";
        let mut got = Vec::new();
        // Feed one byte at a time: every cut point must wait, never misparse.
        for b in bytes {
            r.room()[0] = *b;
            r.filled(1);
            while let Some(v) = r.next_reply().unwrap() {
                got.push(v);
            }
        }
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], Value::Okay);
        assert_eq!(got[1], Value::BulkString(b"hello".to_vec()));
        assert!(matches!(got[2], Value::ServerError(_)));
        assert_eq!(got[3], Value::Array(vec![Value::Int(1), Value::Nil]));
        assert!(r.is_empty());
    }

    #[test]
    fn garbage_is_a_connection_error() {
        let mut r = ReplyReader::new();
        r.room()[..4].copy_from_slice(b"?x\r\n");
        r.filled(4);
        assert!(matches!(r.next_reply(), Err(Error::Connection(_))));
    }
}
