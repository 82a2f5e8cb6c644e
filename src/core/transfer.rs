//! What crosses to JavaScript, encoded so that one drain costs a few N-API calls however
//! many replies and elements it carries.
//!
//! A [`Tape`] holds a list of numbers (`ops`, delivered as a `Float64Array`), one string of
//! every short text back to back (`text`), one byte buffer of every short binary value
//! (`bin`), and a few values the host must create one by one (`extras`: errors, long texts,
//! message batches). The JavaScript drain walks `ops` once and slices strings out of `text`.
//!
//! Records (the first number of each): [`record::BATCH`] `client id n` then `n` values;
//! [`record::BATCH_ERROR`] `client id extra`; [`record::EVENT`] `client` then two values
//! (the name, the detail); [`record::MESSAGES`] `client extra` (an array of a message
//! batch's payloads, names and meta, see [`MessageBatch`]).
//!
//! Values (see [`op`]): `NULL`; `NUMBER x`; `STRING len` (the next `len` UTF-16 units of
//! `text`); `BYTES len` (the next `len` bytes of `bin`); `ARRAY n` then `n` values; `EXTRA i`;
//! `OBJECT n` then `n` key/value pairs; `SCORED n` then `n` value/score pairs (objects
//! `{ value, score }`); `UNDEFINED`.

use crate::core::error::Error;
use crate::core::message_tap::RawMessage;

/// Value codes on the tape.
pub mod op {
    /// `null`.
    pub const NULL: f64 = 0.0;
    /// A number follows.
    pub const NUMBER: f64 = 1.0;
    /// A string: its length in UTF-16 units follows.
    pub const STRING: f64 = 2.0;
    /// A `Buffer`: its length in bytes follows.
    pub const BYTES: f64 = 3.0;
    /// An array: its length follows, then its elements.
    pub const ARRAY: f64 = 4.0;
    /// The index of a value in `extras` follows.
    pub const EXTRA: f64 = 5.0;
    /// An object: its number of entries follows, then keys and values.
    pub const OBJECT: f64 = 6.0;
    /// An array of `{ value, score }`: its length follows, then values and scores.
    pub const SCORED: f64 = 7.0;
    /// `undefined`.
    pub const UNDEFINED: f64 = 8.0;
    /// Not a value: the strings that follow are in the next text chunk.
    pub const NEXT_TEXT: f64 = 9.0;
}

/// Record codes on the tape.
pub mod record {
    /// A batch's replies.
    pub const BATCH: f64 = 16.0;
    /// A batch that failed as a whole.
    pub const BATCH_ERROR: f64 = 17.0;
    /// A connection event.
    pub const EVENT: f64 = 18.0;
    /// A batch of pub/sub messages.
    pub const MESSAGES: f64 = 19.0;
}

/// Texts and byte strings at least this long cross as values of their own: slicing them
/// out of a shared string would keep the whole drain's text alive as long as they live.
pub const OWN_VALUE_AT: usize = 4096;

/// Texts are cut into chunks of about this many bytes: one JavaScript string each, small
/// enough for V8's young generation (a larger string is a large object, mapped afresh).
pub const TEXT_CHUNK: usize = 32 * 1024;

/// A tape's buffers larger than this after a drain are freed rather than kept.
pub const KEEP_AT_MOST: usize = 4 << 20;

/// A value the host creates on its own.
#[derive(Debug)]
pub enum Extra {
    /// An `Error` with the error's code.
    Error(Error),
    /// A lock watch's loss: an `Error` with a `watchId` property.
    LockLost(Error, u32),
    /// A long text (UTF-8; invalid sequences become U+FFFD).
    Text(Vec<u8>),
    /// A long binary value.
    Bytes(Vec<u8>),
    /// A message batch for one client, and whether its payloads and names are binary.
    Messages(MessageBatch, bool),
}

/// A position on a [`Tape`] (see [`Tape::mark`]).
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    ops: usize,
    text: usize,
    chunks: usize,
    ascii: bool,
    bin: usize,
    extras: usize,
}

/// One drain's worth of records.
#[derive(Debug)]
pub struct Tape {
    /// Records and values.
    pub ops: Vec<f64>,
    /// Short texts back to back, valid UTF-8, in chunks (see [`op::NEXT_TEXT`]).
    pub text: Vec<u8>,
    /// The chunks of `text` before the current one: where each ends, and whether it is ASCII
    /// (so byte offsets are string offsets).
    pub chunks: Vec<(usize, bool)>,
    /// Whether the current chunk is ASCII.
    pub ascii: bool,
    /// Short binary values back to back.
    pub bin: Vec<u8>,
    /// Values the host creates one by one.
    pub extras: Vec<Extra>,
}

impl Default for Tape {
    fn default() -> Self {
        Tape {
            ops: Vec::new(),
            text: Vec::new(),
            chunks: Vec::new(),
            ascii: true,
            bin: Vec::new(),
            extras: Vec::new(),
        }
    }
}

impl Tape {
    /// Empties the tape, keeping its buffers' capacity. Buffers grown beyond
    /// [`KEEP_AT_MOST`] by one very large drain are given back.
    pub fn clear(&mut self) {
        if self.text.capacity() > KEEP_AT_MOST || self.bin.capacity() > KEEP_AT_MOST {
            *self = Tape::default();
            return;
        }
        self.ops.clear();
        self.text.clear();
        self.chunks.clear();
        self.bin.clear();
        self.extras.clear();
        self.ascii = true;
    }

    /// Where the tape ends now, to [`Tape::rewind`] to.
    pub fn mark(&self) -> Mark {
        Mark {
            ops: self.ops.len(),
            text: self.text.len(),
            chunks: self.chunks.len(),
            ascii: self.ascii,
            bin: self.bin.len(),
            extras: self.extras.len(),
        }
    }

    /// Drops everything written since `m`.
    pub fn rewind(&mut self, m: Mark) {
        self.ops.truncate(m.ops);
        self.text.truncate(m.text);
        self.chunks.truncate(m.chunks);
        self.ascii = m.ascii;
        self.bin.truncate(m.bin);
        self.extras.truncate(m.extras);
    }

    /// Appends one code.
    pub fn op1(&mut self, a: f64) {
        self.ops.push(a);
    }

    /// Appends a code and its operand.
    pub fn op2(&mut self, a: f64, b: f64) {
        self.ops.extend_from_slice(&[a, b]);
    }

    pub(crate) fn extra(&mut self, e: Extra) {
        let i = self.extras.len();
        self.extras.push(e);
        self.op2(op::EXTRA, i as f64);
    }

    /// An error value.
    pub fn error(&mut self, e: Error) {
        self.extra(Extra::Error(e));
    }

    /// A bulk value, a string (UTF-8 decoded) or a `Buffer` when `binary`, borrowed from a
    /// read buffer: copied once, onto the tape or into a value of its own.
    pub fn bytes(&mut self, b: &[u8], binary: bool) {
        if b.len() >= OWN_VALUE_AT {
            let own = b.to_vec();
            return self.extra(if binary {
                Extra::Bytes(own)
            } else {
                Extra::Text(own)
            });
        }
        if binary {
            self.bin.extend_from_slice(b);
            return self.op2(op::BYTES, b.len() as f64);
        }
        self.text(b);
    }

    /// The chunks of the text: byte ranges, and whether each is ASCII.
    pub fn text_chunks(&self) -> impl Iterator<Item = (std::ops::Range<usize>, bool)> + '_ {
        let last = (self.text.len(), self.ascii);
        let mut start = 0;
        self.chunks
            .iter()
            .copied()
            .chain([last])
            .map(move |(end, ascii)| {
                let r = start..end;
                start = end;
                (r, ascii)
            })
    }

    /// A short string.
    pub fn text(&mut self, b: &[u8]) {
        let open = self.chunks.last().map_or(0, |c| c.0);
        if self.text.len() - open + b.len() > TEXT_CHUNK && self.text.len() > open {
            self.chunks.push((self.text.len(), self.ascii));
            self.ascii = true;
            self.op1(op::NEXT_TEXT);
        }
        if b.is_ascii() {
            self.text.extend_from_slice(b);
            return self.op2(op::STRING, b.len() as f64);
        }
        // JavaScript offsets count UTF-16 units; decoding here (invalid bytes become U+FFFD)
        // keeps `text` valid UTF-8, so the host's decoding gives exactly these lengths.
        let s = String::from_utf8_lossy(b);
        let units = s.encode_utf16().count();
        self.text.extend_from_slice(s.as_bytes());
        self.ascii = false;
        self.op2(op::STRING, units as f64);
    }

    /// A batch of messages for one client.
    pub fn messages(&mut self, client: u32, batch: MessageBatch, binary: bool) {
        self.ops
            .extend_from_slice(&[record::MESSAGES, client as f64, self.extras.len() as f64]);
        self.extras.push(Extra::Messages(batch, binary));
    }
}

/// Payload bytes one message batch may gather before a new batch starts (offsets are u32).
const MAX_BATCH_BYTES: usize = 64 << 20;
/// Marks "no pattern" in a batch's per-message records.
pub const NO_PATTERN: u32 = u32::MAX;
/// Marks a sharded channel's message (`smessage`, never with a pattern).
pub const SHARDED: u32 = u32::MAX - 1;

/// Consecutive messages of one client: their payloads back to back, a table of channel and
/// pattern names, and three numbers per message (payload end, channel, pattern), so that a
/// burst crosses as a few JavaScript values instead of several per message.
#[derive(Debug, Default)]
pub struct MessageBatch {
    /// Payloads back to back.
    pub payloads: Vec<u8>,
    /// Whether every payload is ASCII.
    pub ascii: bool,
    /// Channel and pattern names.
    pub names: Vec<Vec<u8>>,
    /// Per message: payload end, channel index, pattern index (or [`NO_PATTERN`],
    /// [`SHARDED`]).
    pub meta: Vec<u32>,
}

impl MessageBatch {
    /// An empty batch.
    pub fn new() -> MessageBatch {
        MessageBatch {
            ascii: true,
            ..MessageBatch::default()
        }
    }

    /// Whether `m` still fits.
    pub fn has_room(&self, m: &RawMessage<'_>) -> bool {
        self.payloads.len() + m.payload.len() <= MAX_BATCH_BYTES
    }

    /// The index of `name` in the table. Only the last few entries are searched: a burst
    /// usually repeats one channel, and a duplicate entry costs one string, not correctness.
    fn name(&mut self, name: &[u8]) -> u32 {
        let n = self.names.len();
        for i in (n.saturating_sub(8)..n).rev() {
            if self.names[i] == name {
                return i as u32;
            }
        }
        self.names.push(name.to_vec());
        n as u32
    }

    /// Adds one message.
    pub fn add(&mut self, m: RawMessage<'_>) {
        self.ascii = self.ascii && m.payload.is_ascii();
        self.payloads.extend_from_slice(m.payload);
        let channel = self.name(m.channel);
        let pattern = match m.pattern {
            Some(p) => self.name(p),
            None if m.sharded => SHARDED,
            None => NO_PATTERN,
        };
        self.meta
            .extend_from_slice(&[self.payloads.len() as u32, channel, pattern]);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::reply::{ReplyForm, Shape};
    use crate::core::sink::Event;
    use redis::Value;

    /// Reads a tape back the way the JavaScript drain does, as JSON-like text: values and
    /// records separated by spaces; records as `B<client>:<id>[...]`, `E<client>:<extra>`,
    /// `V<client>:name=detail`, `E<client>:<id>#<extra>`, `M<client>:<extra>`; extras as `#<index>`.
    pub fn decode(t: &Tape) -> String {
        let chunks: Vec<Vec<u16>> = t
            .text_chunks()
            .map(|(r, _)| {
                String::from_utf8(t.text[r].to_vec())
                    .expect("text is valid UTF-8")
                    .encode_utf16()
                    .collect()
            })
            .collect();
        let mut r = Reader {
            t,
            text: chunks[0].clone(),
            chunks,
            chunk: 0,
            i: 0,
            s: 0,
            b: 0,
        };
        let mut out = Vec::new();
        while r.i < t.ops.len() {
            out.push(r.item());
        }
        out.join(" ")
    }

    struct Reader<'a> {
        t: &'a Tape,
        text: Vec<u16>,
        chunks: Vec<Vec<u16>>,
        chunk: usize,
        i: usize,
        s: usize,
        b: usize,
    }

    impl Reader<'_> {
        fn next(&mut self) -> f64 {
            self.i += 1;
            self.t.ops[self.i - 1]
        }

        fn item(&mut self) -> String {
            let code = self.t.ops[self.i];
            if code == record::BATCH {
                self.i += 1;
                let (c, id, n) = (self.next(), self.next(), self.next() as usize);
                let vals: Vec<String> = (0..n).map(|_| self.value()).collect();
                format!("B{c}:{id}[{}]", vals.join(","))
            } else if code == record::BATCH_ERROR {
                self.i += 1;
                let (c, id, x) = (self.next(), self.next(), self.next());
                format!("E{c}:{id}#{x}")
            } else if code == record::EVENT {
                self.i += 1;
                let c = self.next();
                format!("V{c}:{}={}", self.value(), self.value())
            } else if code == record::MESSAGES {
                self.i += 1;
                format!("M{}:{}", self.next(), self.next())
            } else {
                self.value()
            }
        }

        fn value(&mut self) -> String {
            let mut code = self.next();
            while code == op::NEXT_TEXT {
                self.chunk += 1;
                self.text = self.chunks[self.chunk].clone();
                self.s = 0;
                code = self.next();
            }
            let list = |r: &mut Self, n: usize, per: usize| -> Vec<String> {
                (0..n * per).map(|_| r.value()).collect()
            };
            match code {
                c if c == op::NULL => "null".into(),
                c if c == op::UNDEFINED => "undefined".into(),
                c if c == op::NUMBER => {
                    let x = self.next();
                    if x.is_infinite() {
                        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
                    } else {
                        format!("{x}")
                    }
                }
                c if c == op::STRING => {
                    let n = self.next() as usize;
                    let s = String::from_utf16_lossy(&self.text[self.s..self.s + n]);
                    self.s += n;
                    format!("{s:?}")
                }
                c if c == op::BYTES => {
                    let n = self.next() as usize;
                    let b = &self.t.bin[self.b..self.b + n];
                    self.b += n;
                    format!("<{}>", String::from_utf8_lossy(b))
                }
                c if c == op::EXTRA => format!("#{}", self.next()),
                c if c == op::ARRAY => {
                    let n = self.next() as usize;
                    format!("[{}]", list(self, n, 1).join(","))
                }
                c if c == op::OBJECT => {
                    let n = self.next() as usize;
                    let kv = list(self, n, 2);
                    let e: Vec<String> =
                        kv.chunks(2).map(|p| format!("{}:{}", p[0], p[1])).collect();
                    format!("{{{}}}", e.join(","))
                }
                c if c == op::SCORED => {
                    let n = self.next() as usize;
                    let kv = list(self, n, 2);
                    let e: Vec<String> = kv
                        .chunks(2)
                        .map(|p| format!(r#"{{"value":{},"score":{}}}"#, p[0], p[1]))
                        .collect();
                    format!("[{}]", e.join(","))
                }
                other => panic!("bad op {other}"),
            }
        }
    }

    #[test]
    fn records_and_text_offsets() {
        let mut t = Tape::default();
        let form = [ReplyForm::PLAIN, ReplyForm::new(Shape::Plain, true)];
        t.batch(
            3,
            7,
            &form,
            Ok(vec![
                Value::BulkString("héllo😀".as_bytes().to_vec()),
                Value::BulkString(b"\x00\xff".to_vec()),
            ]),
        );
        t.batch(
            3,
            8,
            &[],
            Err(Error::Timeout(std::time::Duration::from_millis(5))),
        );
        t.event(
            3,
            Event::Reconnecting {
                delay_ms: 50,
                attempt: 1,
            },
        );
        t.batch(
            3,
            9,
            &[ReplyForm::PLAIN],
            Ok(vec![Value::BulkString(b"\xffok".to_vec())]),
        );
        assert!(!t.ascii);
        assert_eq!(
            decode(&t),
            "B3:7[\"héllo😀\",<\u{0}\u{fffd}>] E3:8#0 V3:\"reconnecting\"=50 B3:9[\"\u{fffd}ok\"]"
        );
        assert!(matches!(t.extras[0], Extra::Error(Error::Timeout(_))));
    }

    #[test]
    fn text_is_cut_into_chunks() {
        let mut t = Tape::default();
        let word = "é".repeat(1000); // 2000 bytes, 1000 units
        let n = 3 * TEXT_CHUNK / 2000;
        for _ in 0..n {
            t.text(word.as_bytes());
        }
        t.text(b"end");
        let chunks: Vec<_> = t.text_chunks().collect();
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        assert!(chunks.iter().all(|(r, _)| r.len() <= TEXT_CHUNK));
        assert!(!chunks[0].1);
        let mut want = vec![format!("{word:?}"); n];
        want.push("\"end\"".into());
        assert_eq!(decode(&t), want.join(" "));
    }

    #[test]
    fn long_values_cross_on_their_own() {
        let mut t = Tape::default();
        t.bytes(&[b'a'; OWN_VALUE_AT], false);
        t.bytes(&[1; OWN_VALUE_AT + 1], true);
        t.bytes(b"short", false);
        assert_eq!(decode(&t), "#0 #1 \"short\"");
        assert!(t.ascii);
        assert!(matches!(&t.extras[1], Extra::Bytes(b) if b.len() == OWN_VALUE_AT + 1));
    }
}
