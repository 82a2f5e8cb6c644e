//! The subscriber's fast path: a stream adapter that takes pub/sub messages out of the byte
//! stream before redis-rs parses it.
//!
//! A subscriber under a flood receives almost nothing but `message` pushes. Parsing each into
//! a generic value and passing it through the library's push channel cost about 2.5 µs per
//! message, more than the JavaScript side spends on it. The tap sits between the socket and
//! the library: it finds frame boundaries with a small RESP3 scanner, hands every
//! `message`/`pmessage`/`smessage` push straight to a callback as borrowed slices, and passes
//! every other frame (subscribe confirmations, replies, errors) through unchanged, so the
//! library still does the handshake, pairs replies with commands and tracks subscriptions.
//! If the scanner ever meets bytes it does not understand it stops classifying and passes
//! everything through, leaving the error to the library.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many bytes one read from the socket may add.
const READ_CHUNK: usize = 64 * 1024;

/// One pub/sub message, borrowed from the read buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// The pattern that matched (`pmessage`).
    pub pattern: Option<&'a [u8]>,
    /// The channel it was published on.
    pub channel: &'a [u8],
    /// The payload.
    pub payload: &'a [u8],
    /// Whether it came through a sharded channel (`smessage`).
    pub sharded: bool,
}

/// Receives the messages the tap takes out of the stream, in stream order.
pub type Deliver = Box<dyn FnMut(RawMessage<'_>) + Send>;

/// The scanner met bytes that are not RESP3.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// Where the line starting at `from` ends (the index of its `\r`), if it is complete.
fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    let nl = from + memchr::memchr(b'\n', buf.get(from..)?)?;
    if nl > from && buf[nl - 1] == b'\r' {
        Some(nl - 1)
    } else {
        None
    }
}

fn number(digits: &[u8]) -> Result<i64, Malformed> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Malformed)
}

/// The length of the complete RESP3 frame at the start of `buf`; `Ok(None)` if more bytes
/// are needed.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, Malformed> {
    let mut pos = 0;
    // Values still to read: nested aggregates add their elements to this count.
    let mut remaining: u64 = 1;
    while remaining > 0 {
        if pos >= buf.len() {
            return Ok(None);
        }
        let Some(end) = line_end(buf, pos) else {
            // A line without its "\r\n" yet, or a lone "\n": wait, unless it can't be RESP.
            if buf[pos..].contains(&b'\n') {
                return Err(Malformed);
            }
            return Ok(None);
        };
        let kind = buf[pos];
        let header = &buf[pos + 1..end];
        pos = end + 2;
        remaining -= 1;
        match kind {
            b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => {}
            b'$' | b'!' | b'=' => {
                let n = number(header)?;
                if n >= 0 {
                    let next = pos + n as usize + 2;
                    if buf.len() < next {
                        return Ok(None);
                    }
                    if &buf[next - 2..next] != b"\r\n" {
                        return Err(Malformed);
                    }
                    pos = next;
                }
            }
            b'*' | b'~' | b'>' => {
                let n = number(header)?;
                if n > 0 {
                    remaining += n as u64;
                }
            }
            b'%' => remaining += 2 * number(header)?.max(0) as u64,
            // Attributes annotate the value that follows them.
            b'|' => remaining += 2 * number(header)?.max(0) as u64 + 1,
            _ => return Err(Malformed),
        }
    }
    Ok(Some(pos))
}

/// The bulk string at `pos` and where the next element starts, in a complete frame.
fn bulk(frame: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    if frame.get(pos) != Some(&b'$') {
        return None;
    }
    let end = line_end(frame, pos)?;
    let n = usize::try_from(number(&frame[pos + 1..end]).ok()?).ok()?;
    let start = end + 2;
    Some((frame.get(start..start + n)?, start + n + 2))
}

/// The message a complete frame carries, if it is a `message`, `pmessage` or `smessage`
/// push.
pub fn message(frame: &[u8]) -> Option<RawMessage<'_>> {
    let arity = match frame.get(..4)? {
        b">3\r\n" => 3,
        b">4\r\n" => 4,
        _ => return None,
    };
    let (kind, pos) = bulk(frame, 4)?;
    match (kind, arity) {
        (b"message" | b"smessage", 3) => {
            let (channel, pos) = bulk(frame, pos)?;
            let (payload, _) = bulk(frame, pos)?;
            Some(RawMessage {
                pattern: None,
                channel,
                payload,
                sharded: kind == b"smessage",
            })
        }
        (b"pmessage", 4) => {
            let (pattern, pos) = bulk(frame, pos)?;
            let (channel, pos) = bulk(frame, pos)?;
            let (payload, _) = bulk(frame, pos)?;
            Some(RawMessage {
                pattern: Some(pattern),
                channel,
                payload,
                sharded: false,
            })
        }
        _ => None,
    }
}

/// Wraps a subscriber's socket; see the module documentation.
pub struct MessageTap<S> {
    inner: S,
    /// Read bytes are `buf[..end]`; the rest is zeroed room for the next read (kept, so
    /// a read does not zero a fresh chunk each time).
    buf: Vec<u8>,
    end: usize,
    /// The first byte not yet handed on.
    start: usize,
    /// Bytes in `start..pass_end` are whole frames (or, once `broken`, anything) to pass on.
    pass_end: usize,
    broken: bool,
    eof: bool,
    deliver: Deliver,
}

impl<S> MessageTap<S> {
    /// Taps `inner`, handing messages to `deliver`.
    pub fn new(inner: S, deliver: Deliver) -> MessageTap<S> {
        MessageTap {
            inner,
            buf: Vec::new(),
            end: 0,
            start: 0,
            pass_end: 0,
            broken: false,
            eof: false,
            deliver,
        }
    }

    /// Takes out the messages at `start` and stops at the first other complete frame, which
    /// becomes pass-through.
    fn classify(&mut self) {
        while self.start < self.end {
            if self.broken {
                self.pass_end = self.end;
                return;
            }
            let rest = &self.buf[self.start..self.end];
            match frame_len(rest) {
                Ok(Some(n)) => match message(&rest[..n]) {
                    Some(m) => {
                        (self.deliver)(m);
                        self.start += n;
                    }
                    None => {
                        self.pass_end = self.start + n;
                        return;
                    }
                },
                Ok(None) => return,
                Err(Malformed) => self.broken = true,
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for MessageTap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.pass_end > this.start {
                let n = (this.pass_end - this.start).min(out.remaining());
                out.put_slice(&this.buf[this.start..this.start + n]);
                this.start += n;
                return Poll::Ready(Ok(()));
            }
            this.classify();
            if this.pass_end > this.start {
                continue;
            }
            if this.eof {
                // A partial frame before the end goes on as it is: the library reports it.
                if this.start < this.end {
                    this.broken = true;
                    this.pass_end = this.end;
                    continue;
                }
                return Poll::Ready(Ok(()));
            }
            if this.start > 0 {
                this.buf.copy_within(this.start..this.end, 0);
                this.end -= this.start;
                this.start = 0;
                this.pass_end = 0;
                // Give back the room a very large frame needed once it has gone through.
                if this.buf.len() > 16 * READ_CHUNK && this.end < READ_CHUNK {
                    this.buf.truncate(2 * READ_CHUNK);
                    this.buf.shrink_to_fit();
                }
            }
            if this.buf.len() < this.end + READ_CHUNK {
                this.buf.resize(this.end + READ_CHUNK, 0);
            }
            let mut read = ReadBuf::new(&mut this.buf[this.end..]);
            let polled = Pin::new(&mut this.inner).poll_read(cx, &mut read);
            let filled = read.filled().len();
            this.end += filled;
            match polled {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => this.eof = filled == 0,
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for MessageTap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn push(parts: &[&[u8]]) -> Vec<u8> {
        let mut v = format!(">{}\r\n", parts.len()).into_bytes();
        for p in parts {
            v.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
            v.extend_from_slice(p);
            v.extend_from_slice(b"\r\n");
        }
        v
    }

    #[test]
    fn frame_lengths_of_every_resp3_kind() {
        for f in [
            &b"+OK\r\n"[..],
            b"-ERR x\r\n",
            b":12\r\n",
            b"$3\r\nabc\r\n",
            b"$-1\r\n",
            b"_\r\n",
            b"*2\r\n$1\r\na\r\n:1\r\n",
            b"*-1\r\n",
            b"%1\r\n+k\r\n*1\r\n,1.5\r\n",
            b"|1\r\n+a\r\n+b\r\n:3\r\n",
            b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
            b"=7\r\ntxt:abc\r\n",
            b"$4\r\na\r\nb\r\n",
        ] {
            assert_eq!(
                frame_len(f),
                Ok(Some(f.len())),
                "{:?}",
                String::from_utf8_lossy(f)
            );
            for cut in 0..f.len() {
                assert_eq!(frame_len(&f[..cut]), Ok(None), "cut {cut} of {f:?}");
            }
        }
        assert_eq!(frame_len(b"?x\r\n"), Err(Malformed));
        assert_eq!(frame_len(b"$3\r\nabcd\r\n"), Err(Malformed));
    }

    #[test]
    fn recognises_only_message_pushes() {
        let m = push(&[b"message", b"ch", b"hi"]);
        assert_eq!(
            message(&m),
            Some(RawMessage {
                pattern: None,
                channel: b"ch",
                payload: b"hi",
                sharded: false
            })
        );
        let p = push(&[b"pmessage", b"c*", b"ch", b""]);
        assert_eq!(
            message(&p).map(|m| (m.pattern, m.payload)),
            Some((Some(&b"c*"[..]), &b""[..]))
        );
        assert!(message(&push(&[b"smessage", b"s", b"x"])).is_some_and(|m| m.sharded));
        assert_eq!(message(&push(&[b"subscribe", b"ch", b"1"])), None);
        assert_eq!(
            message(b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n"),
            None
        );
    }

    /// Feeds `input` through a tap in chunks of `chunk` bytes; returns what passed through
    /// and the messages taken out.
    async fn run(input: Vec<u8>, chunk: usize) -> (Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>) {
        let (mut writer, reader) = tokio::io::duplex(7);
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let mut tap = MessageTap::new(
            reader,
            Box::new(move |m: RawMessage<'_>| {
                if let Ok(mut g) = sink.lock() {
                    g.push((m.channel.to_vec(), m.payload.to_vec()));
                }
            }),
        );
        let feed = tokio::spawn(async move {
            for c in input.chunks(chunk) {
                writer.write_all(c).await.expect("write");
            }
        });
        let mut passed = Vec::new();
        tap.read_to_end(&mut passed).await.expect("read");
        feed.await.expect("feeder");
        let messages = got.lock().map(|g| g.clone()).unwrap_or_default();
        (passed, messages)
    }

    #[tokio::test]
    async fn passes_everything_but_messages_through_in_order() {
        let mut input = Vec::new();
        let mut expected_pass = Vec::new();
        let mut expected_msgs = Vec::new();
        let confirm = push(&[b"subscribe", b"ch", b"1"]);
        input.extend_from_slice(&confirm);
        expected_pass.extend_from_slice(&confirm);
        for i in 0..50 {
            let payload = format!("payload {i} é").into_bytes();
            input.extend_from_slice(&push(&[b"message", b"ch", &payload]));
            expected_msgs.push((b"ch".to_vec(), payload));
            if i % 10 == 0 {
                input.extend_from_slice(b"+PONG\r\n");
                expected_pass.extend_from_slice(b"+PONG\r\n");
            }
        }
        for chunk in [1, 3, 16, 4096] {
            let (passed, msgs) = run(input.clone(), chunk).await;
            assert_eq!(passed, expected_pass, "chunk {chunk}");
            assert_eq!(msgs, expected_msgs, "chunk {chunk}");
        }
    }

    #[tokio::test]
    async fn frames_larger_than_a_read_chunk() {
        let big = vec![b'z'; 3 * READ_CHUNK + 17];
        let mut input = push(&[b"message", b"ch", &big]);
        let reply = format!("${}\r\n{}\r\n", 2 * READ_CHUNK, "r".repeat(2 * READ_CHUNK));
        input.extend_from_slice(reply.as_bytes());
        input.extend_from_slice(&push(&[b"message", b"ch", b"small"]));
        let (passed, msgs) = run(input, 50_000).await;
        assert_eq!(passed, reply.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].1, big);
        assert_eq!(msgs[1].1, b"small");
    }

    #[tokio::test]
    async fn unknown_bytes_pass_through_untouched() {
        let mut input = push(&[b"message", b"ch", b"one"]);
        input.extend_from_slice(b"?garbage\r\n");
        input.extend_from_slice(&push(&[b"message", b"ch", b"two"]));
        let (passed, msgs) = run(input.clone(), 5).await;
        assert_eq!(msgs.len(), 1);
        assert_eq!(passed, input[push(&[b"message", b"ch", b"one"]).len()..]);
    }
}
