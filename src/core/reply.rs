//! Reply shapes: the one description of how each kind of command's reply reaches
//! JavaScript. The core speaks RESP3 (so redis-rs reports disconnects and pushes) while the
//! faces promise RESP2-era shapes (ioredis and node-redis as their users know them); a face
//! picks a [`Shape`] per command and [`put_frames`] writes the reply in that shape onto the
//! transfer tape ([`crate::core::transfer::Tape`]), once, in Rust.

use redis::Value;

use crate::core::error::Error;
use crate::core::message_tap::frame_len;
use crate::core::resp::double_text;
use crate::core::transfer::{op, Tape};

/// How one command's reply is shaped. The codes travel in the command's header word (see
/// [`crate::core::command`]); the JavaScript faces read them from [`Shape::ALL`] through
/// the binding, so both languages use these numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Shape {
    /// RESP2's shape: maps as flat `[k, v, ...]` arrays, doubles as text, booleans as 0/1.
    Plain = 0,
    /// A map (or flat pair list) as an object whose keys are strings (`HGETALL`); a key
    /// named `__proto__` stays an own property.
    Object = 1,
    /// RESP3's `[[member, score], ...]` flattened to `[member, score, ...]` with scores as
    /// text (ioredis' `WITHSCORES`, `HRANDFIELD WITHVALUES`, ...).
    FlatPairs = 2,
    /// `[{ value, score }, ...]` with numeric scores (node-redis' `zRangeWithScores`).
    Scored = 3,
    /// A number, or null (node-redis' `zScore`, `zIncrBy`); `inf` becomes `Infinity`.
    Number = 4,
    /// An array of [`Shape::Number`]s (`zMScore`).
    Numbers = 5,
    /// A map of streams as `[[name, entries], ...]` (`XREAD`, `XREADGROUP`).
    StreamPairs = 6,
    /// RESP3 as it is, at every depth: maps as objects (string keys), doubles as numbers
    /// (ioredis' `replyMapping: 'resp3'`).
    Resp3 = 7,
    /// [`Shape::Plain`] with integers as text, digit for digit (ioredis' `stringNumbers`).
    Text = 8,
    /// `MULTI`: the commands after it in the batch are queued; their shapes apply to the
    /// elements of the `EXEC` reply. Set by the core from the command name. (Every code fits
    /// the header word's six shape bits, so a form keeps two bits for its strings.)
    Multi = 61,
    /// `EXEC` (see [`Shape::Multi`]).
    Exec = 62,
    /// `DISCARD`: ends a `MULTI` without an `EXEC`.
    Discard = 63,
}

impl Shape {
    /// The shapes a face may ask for, by name.
    pub const ALL: [(&'static str, Shape); 9] = [
        ("plain", Shape::Plain),
        ("object", Shape::Object),
        ("flatPairs", Shape::FlatPairs),
        ("scored", Shape::Scored),
        ("number", Shape::Number),
        ("numbers", Shape::Numbers),
        ("streamPairs", Shape::StreamPairs),
        ("resp3", Shape::Resp3),
        ("text", Shape::Text),
    ];

    /// The shape with this code; unknown codes are [`Shape::Plain`].
    pub fn from_code(code: u8) -> Shape {
        match code {
            1 => Shape::Object,
            2 => Shape::FlatPairs,
            3 => Shape::Scored,
            4 => Shape::Number,
            5 => Shape::Numbers,
            6 => Shape::StreamPairs,
            7 => Shape::Resp3,
            8 => Shape::Text,
            61 => Shape::Multi,
            62 => Shape::Exec,
            63 => Shape::Discard,
            _ => Shape::Plain,
        }
    }
}

/// How one command's reply is delivered: its [`Shape`] and which strings stay binary
/// (`Buffer`s). One byte per command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyForm(u8);

impl ReplyForm {
    /// The shape's code (every [`Shape`] fits six bits).
    const SHAPE: u8 = 0x3F;
    const BINARY: u8 = 0x80;
    /// With [`Self::BINARY`]: only what RESP2 sends as bulk strings is binary (bulk, verbatim
    /// strings, doubles); simple strings (`OK`, `TYPE`'s reply) stay text (node-redis'
    /// `BLOB_STRING: Buffer` type mapping, node-redis speaking RESP2).
    const BLOBS_ONLY: u8 = 0x40;

    /// A form from its parts.
    pub fn new(shape: Shape, binary: bool) -> ReplyForm {
        ReplyForm(shape as u8 | if binary { Self::BINARY } else { 0 })
    }

    /// This form with only bulk strings binary (see [`Self::BLOBS_ONLY`]).
    pub fn blobs_only(self) -> ReplyForm {
        ReplyForm(self.0 | Self::BLOBS_ONLY)
    }

    /// Plain text replies (Rust callers).
    pub const PLAIN: ReplyForm = ReplyForm(0);

    /// The shape.
    pub fn shape(self) -> Shape {
        Shape::from_code(self.0 & Self::SHAPE)
    }

    /// Which strings stay binary.
    pub fn binary(self) -> Bin {
        match (self.0 & Self::BINARY != 0, self.0 & Self::BLOBS_ONLY != 0) {
            (false, _) => Bin::TEXT,
            (true, false) => Bin::ALL,
            (true, true) => Bin::BLOBS,
        }
    }
}

/// Which strings of a reply stay binary: bulk strings (with verbatim strings and doubles,
/// which RESP2 sends as bulk strings), simple strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bin {
    blob: bool,
    simple: bool,
}

impl Bin {
    /// Every string as text.
    pub const TEXT: Bin = Bin {
        blob: false,
        simple: false,
    };
    /// Every string binary (ioredis' `…Buffer` methods).
    pub const ALL: Bin = Bin {
        blob: true,
        simple: true,
    };
    /// Bulk strings binary, simple ones text (node-redis' type mapping).
    pub const BLOBS: Bin = Bin {
        blob: true,
        simple: false,
    };

    /// Whether bulk strings (and verbatim strings, doubles) are binary.
    pub fn blob(self) -> bool {
        self.blob
    }

    /// Whether simple strings are binary.
    pub fn simple(self) -> bool {
        self.simple
    }
}

/// Text of a reply element, for Rust callers that want strings.
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Okay => Some("OK".into()),
        Value::Int(i) => Some(i.to_string()),
        Value::Double(f) => Some(double_text(*f)),
        _ => None,
    }
}

/// A number from its text, as node-redis reads scores (`inf`, `+inf`, `-inf` included);
/// NaN when it is none.
/// An integer reply as a double the way ioredis and node-redis build one: digit by digit
/// (`n * 10 + d`), which rounds integers beyond 2^53 differently from a correct parse, and
/// the faces must give the peers' numbers.
fn parse_integer(text: &[u8]) -> f64 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return parse_number(text);
    }
    let n = digits
        .iter()
        .fold(0.0_f64, |n, d| n * 10.0 + f64::from(d - b'0'));
    if negative {
        -n
    } else {
        n
    }
}

fn parse_number(text: &[u8]) -> f64 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// Reads RESP3 replies straight from their bytes onto a tape, in a command's shape. Frames
/// come complete (checked by the frame scanner); bytes that do not fit still never panic,
/// they end the value as `undefined`.
struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// Aggregates open around the cursor.
    depth: usize,
    /// A reply nested deeper than [`MAX_DEPTH`] was met: reading stops, and the reply is
    /// replaced by an error.
    too_deep: bool,
    /// Integers go onto the tape as their text ([`Shape::Text`]).
    text_numbers: bool,
}

/// Replies nested deeper than this are not delivered (an error takes their place): the
/// readers on both sides of the boundary recurse per level.
pub const MAX_DEPTH: usize = 512;

impl<'a> Reader<'a> {
    /// The rest of the current line (without `\r\n`), moving past it.
    fn line(&mut self) -> &'a [u8] {
        let rest = self.b.get(self.i..).unwrap_or_default();
        match memchr::memchr(b'\r', rest) {
            Some(n) => {
                self.i += n + 2;
                &rest[..n]
            }
            None => {
                self.i = self.b.len();
                rest
            }
        }
    }

    fn count(&mut self) -> i64 {
        let l = self.line();
        std::str::from_utf8(l)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(-1)
    }

    /// `n` bytes and the `\r\n` after them.
    fn blob(&mut self, n: i64) -> &'a [u8] {
        let start = self.i.min(self.b.len());
        let end = start.saturating_add(n.max(0) as usize).min(self.b.len());
        self.i = end + 2;
        &self.b[start..end]
    }

    /// The type byte of the next value, past any attributes (which the faces never show).
    fn peek(&mut self) -> u8 {
        while self.b.get(self.i) == Some(&b'|') {
            self.i += 1;
            let n = self.count();
            let mut scratch = Tape::default();
            for _ in 0..n.max(0) * 2 {
                self.plain(&mut scratch, Bin::TEXT);
            }
        }
        self.b.get(self.i).copied().unwrap_or(0)
    }

    /// The aggregate header (`*`, `%`, ...) at the cursor, if that is what is next: its
    /// type and count (pairs for a map), moving past it.
    fn aggregate(&mut self, kinds: &[u8]) -> Option<(u8, usize)> {
        let t = self.peek();
        if !kinds.contains(&t) {
            return None;
        }
        let save = self.i;
        self.i += 1;
        let n = self.count();
        if n < 0 {
            self.i = save;
            return None;
        }
        Some((t, n as usize))
    }

    fn skip(&mut self) {
        let mut scratch = Tape::default();
        self.plain(&mut scratch, Bin::TEXT);
    }

    /// One value in the RESP2 shape: maps as flat arrays, doubles as their text, booleans as
    /// 0/1, verbatim strings without their format.
    fn plain(&mut self, tape: &mut Tape, binary: Bin) {
        if self.too_deep {
            return;
        }
        let t = self.peek();
        if matches!(t, b'*' | b'~' | b'>' | b'%') {
            if self.depth >= MAX_DEPTH {
                self.too_deep = true;
                return;
            }
            self.depth += 1;
            self.aggregate_plain(tape, binary);
            self.depth -= 1;
            return;
        }
        self.i += 1;
        match t {
            b'$' => {
                let n = self.count();
                if n < 0 {
                    tape.op1(op::NULL)
                } else {
                    let b = self.blob(n);
                    tape.bytes(b, binary.blob())
                }
            }
            b'+' => {
                let l = self.line();
                tape.bytes(l, binary.simple())
            }
            // RESP2 (node-redis' wire) carries a double as a bulk string.
            b',' => {
                let l = self.line();
                tape.bytes(l, binary.blob())
            }
            // A big number is text even for Buffer replies (as the peers give it).
            b'(' => {
                let l = self.line();
                tape.bytes(l, false)
            }
            b':' if self.text_numbers => {
                let l = self.line();
                tape.bytes(l, false)
            }
            b':' => {
                let l = self.line();
                tape.op2(op::NUMBER, parse_integer(l))
            }
            b'_' => {
                self.line();
                tape.op1(op::NULL)
            }
            b'#' => {
                let l = self.line();
                tape.op2(op::NUMBER, if l == b"t" { 1.0 } else { 0.0 })
            }
            b'=' => {
                let n = self.count();
                let b = self.blob(n);
                // `txt:` / `mkd:` first.
                tape.bytes(b.get(4..).unwrap_or_default(), binary.blob())
            }
            b'-' => {
                let l = self.line();
                tape.error(Error::Reply(String::from_utf8_lossy(l).into_owned()))
            }
            b'!' => {
                let n = self.count();
                let b = self.blob(n);
                tape.error(Error::Reply(String::from_utf8_lossy(b).into_owned()))
            }
            _ => {
                self.i = self.b.len();
                tape.op1(op::UNDEFINED)
            }
        }
    }

    /// An array, set, push or map (as a flat array) at the cursor.
    fn aggregate_plain(&mut self, tape: &mut Tape, binary: Bin) {
        let t = self.b[self.i];
        self.i += 1;
        let n = self.count();
        if n < 0 {
            return tape.op1(op::NULL);
        }
        let n = if t == b'%' { 2 * n } else { n };
        tape.op2(op::ARRAY, n as f64);
        for _ in 0..n {
            self.plain(tape, binary);
        }
    }

    /// One value as RESP3 has it: maps as objects, doubles as numbers, at every depth.
    fn resp3(&mut self, tape: &mut Tape, binary: Bin) {
        if self.too_deep {
            return;
        }
        match self.peek() {
            t @ (b'*' | b'~' | b'>' | b'%') => {
                if self.depth >= MAX_DEPTH {
                    self.too_deep = true;
                    return;
                }
                self.i += 1;
                let n = self.count();
                if n < 0 {
                    return tape.op1(op::NULL);
                }
                self.depth += 1;
                if t == b'%' {
                    tape.op2(op::OBJECT, n as f64);
                    for _ in 0..n {
                        self.plain(tape, Bin::TEXT);
                        self.resp3(tape, binary);
                    }
                } else {
                    tape.op2(op::ARRAY, n as f64);
                    for _ in 0..n {
                        self.resp3(tape, binary);
                    }
                }
                self.depth -= 1;
            }
            b',' => {
                self.i += 1;
                let l = self.line();
                tape.op2(op::NUMBER, parse_number(l))
            }
            _ => self.plain(tape, binary),
        }
    }

    /// A number where one is expected; anything else (`QUEUED`, nil, an error) keeps its
    /// plain shape.
    fn number(&mut self, tape: &mut Tape, binary: Bin) {
        match self.peek() {
            b',' | b':' => {
                self.i += 1;
                let l = self.line();
                tape.op2(op::NUMBER, parse_number(l))
            }
            b'$' => {
                self.i += 1;
                let n = self.count();
                if n < 0 {
                    return tape.op1(op::NULL);
                }
                let b = self.blob(n);
                tape.op2(op::NUMBER, parse_number(b))
            }
            _ => self.plain(tape, binary),
        }
    }

    /// One value in `form`'s shape.
    fn shaped(&mut self, tape: &mut Tape, form: ReplyForm) {
        let binary = form.binary();
        match form.shape() {
            Shape::Object => match self.aggregate(b"%*") {
                Some((t, n)) => {
                    // A map counts pairs; a flat array (RESP2-like) counts elements.
                    let pairs = if t == b'%' { n } else { n / 2 };
                    tape.op2(op::OBJECT, pairs as f64);
                    for _ in 0..pairs {
                        self.plain(tape, Bin::TEXT);
                        self.plain(tape, binary);
                    }
                    if t != b'%' && n % 2 == 1 {
                        self.skip();
                    }
                }
                None => self.plain(tape, binary),
            },
            Shape::FlatPairs => match self.aggregate(b"*") {
                Some((_, n)) if n > 0 && self.peek() == b'*' => {
                    // [[member, score], ...] -> [member, score, ...]; the total is known
                    // once every pair has been read.
                    let at = tape.ops.len();
                    tape.op2(op::ARRAY, 0.0);
                    let mut total = 0;
                    for _ in 0..n {
                        match self.aggregate(b"*") {
                            Some((_, m)) => {
                                total += m;
                                for _ in 0..m {
                                    self.plain(tape, binary);
                                }
                            }
                            None => {
                                total += 1;
                                self.plain(tape, binary);
                            }
                        }
                    }
                    tape.ops[at + 1] = total as f64;
                }
                Some((_, n)) => {
                    tape.op2(op::ARRAY, n as f64);
                    for _ in 0..n {
                        self.plain(tape, binary);
                    }
                }
                None => self.plain(tape, binary),
            },
            Shape::Scored => match self.aggregate(b"*") {
                Some((_, n)) if n > 0 && self.peek() == b'*' => {
                    let at = tape.ops.len();
                    tape.op2(op::SCORED, 0.0);
                    let mut pairs = 0;
                    for _ in 0..n {
                        match self.aggregate(b"*") {
                            Some((_, m)) if m >= 2 => {
                                pairs += 1;
                                self.plain(tape, binary);
                                self.number(tape, binary);
                                for _ in 2..m {
                                    self.skip();
                                }
                            }
                            Some((_, m)) => (0..m).for_each(|_| self.skip()),
                            None => self.skip(),
                        }
                    }
                    tape.ops[at + 1] = pairs as f64;
                }
                Some((_, n)) => {
                    tape.op2(op::SCORED, (n / 2) as f64);
                    for _ in 0..n / 2 {
                        self.plain(tape, binary);
                        self.number(tape, binary);
                    }
                    if n % 2 == 1 {
                        self.skip();
                    }
                }
                None => self.plain(tape, binary),
            },
            Shape::Number => self.number(tape, binary),
            Shape::Numbers => match self.aggregate(b"*") {
                Some((_, n)) => {
                    tape.op2(op::ARRAY, n as f64);
                    for _ in 0..n {
                        self.number(tape, binary);
                    }
                }
                None => self.plain(tape, binary),
            },
            Shape::StreamPairs => match self.aggregate(b"%") {
                Some((_, n)) => {
                    tape.op2(op::ARRAY, n as f64);
                    for _ in 0..n {
                        tape.op2(op::ARRAY, 2.0);
                        self.plain(tape, binary);
                        self.plain(tape, binary);
                    }
                }
                None => self.plain(tape, binary),
            },
            Shape::Resp3 => self.resp3(tape, binary),
            Shape::Text => {
                self.text_numbers = true;
                self.plain(tape, binary);
                self.text_numbers = false;
            }
            Shape::Plain | Shape::Multi | Shape::Exec | Shape::Discard => self.plain(tape, binary),
        }
    }
}

/// Writes one batch's replies (`count` RESP3 frames back to back in `frames`), each in its
/// command's form. Inside a `MULTI` the queued commands' own replies (`QUEUED`) stay plain
/// and their forms shape the matching elements of the `EXEC` reply instead.
pub fn put_frames(tape: &mut Tape, frames: &[u8], count: usize, forms: &[ReplyForm]) {
    let mut r = Reader {
        b: frames,
        i: 0,
        depth: 0,
        too_deep: false,
        text_numbers: false,
    };
    let mut queued_from: Option<usize> = None;
    for i in 0..count {
        let form = forms.get(i).copied().unwrap_or_default();
        let rest = frames.get(r.i..).unwrap_or_default();
        let end = r.i + frame_len(rest).ok().flatten().unwrap_or(rest.len());
        let mark = tape.mark();
        put_one(&mut r, tape, i, form, forms, &mut queued_from);
        if r.too_deep {
            tape.rewind(mark);
            tape.error(Error::Reply(format!(
                "ERR reply nested more than {MAX_DEPTH} levels deep; not delivered"
            )));
            r.too_deep = false;
            r.depth = 0;
        }
        // Each reply starts on its own frame, whatever was read of the one before.
        r.i = end;
    }
}

/// Writes reply `i` (see [`put_frames`]).
fn put_one(
    r: &mut Reader<'_>,
    tape: &mut Tape,
    i: usize,
    form: ReplyForm,
    forms: &[ReplyForm],
    queued_from: &mut Option<usize>,
) {
    match form.shape() {
        Shape::Multi => {
            *queued_from = Some(i + 1);
            r.plain(tape, form.binary());
        }
        Shape::Discard => {
            *queued_from = None;
            r.plain(tape, form.binary());
        }
        Shape::Exec => match queued_from.take() {
            Some(from) => match r.aggregate(b"*") {
                Some((_, n)) if n == i - from => {
                    tape.op2(op::ARRAY, n as f64);
                    for f in &forms[from..i] {
                        r.shaped(tape, *f);
                    }
                }
                Some((_, n)) => {
                    tape.op2(op::ARRAY, n as f64);
                    for _ in 0..n {
                        r.plain(tape, form.binary());
                    }
                }
                None => r.plain(tape, form.binary()),
            },
            None => r.plain(tape, form.binary()),
        },
        _ if queued_from.is_some() => r.plain(tape, form.binary()),
        _ => r.shaped(tape, form),
    }
}

/// Writes replies that redis-rs has already parsed (the runtime's connections): encoded
/// back to RESP3 so that one reading of each shape serves both paths.
pub fn put_batch(tape: &mut Tape, replies: Vec<Value>, forms: &[ReplyForm]) {
    let mut frames = Vec::new();
    for v in &replies {
        crate::core::resp::value(&mut frames, v);
    }
    put_frames(tape, &frames, replies.len(), forms);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::transfer::tests::decode;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn shaped(v: Value, shape: Shape) -> String {
        let mut t = Tape::default();
        put_batch(&mut t, vec![v], &[ReplyForm::new(shape, false)]);
        decode(&t)
    }

    #[test]
    fn doubles_and_scalars_become_text() {
        assert_eq!(double_text(1.5), "1.5");
        assert_eq!(double_text(2200.0), "2200");
        assert_eq!(double_text(f64::NEG_INFINITY), "-inf");
        assert_eq!(as_text(&Value::Int(7)).as_deref(), Some("7"));
        assert_eq!(as_text(&Value::Okay).as_deref(), Some("OK"));
        assert_eq!(as_text(&Value::Nil), None);
    }

    #[test]
    fn plain_is_resp2() {
        let map = Value::Map(vec![
            (bulk("a"), Value::Double(1.5)),
            (bulk("b"), Value::Nil),
        ]);
        assert_eq!(shaped(map, Shape::Plain), r#"["a","1.5","b",null]"#);
        assert_eq!(shaped(Value::Boolean(true), Shape::Plain), "1");
    }

    #[test]
    fn resp3_keeps_maps_and_doubles_at_every_depth() {
        let v = Value::Array(vec![
            Value::Map(vec![(bulk("a"), Value::Double(1.5))]),
            Value::Array(vec![bulk("m"), Value::Double(f64::INFINITY)]),
            Value::Int(3),
        ]);
        assert_eq!(shaped(v, Shape::Resp3), r#"[{"a":1.5},["m",Infinity],3]"#);
        // RESP2 frames (a server that refused HELLO) pass as they are.
        let flat = Value::Array(vec![bulk("k"), bulk("1.5")]);
        assert_eq!(shaped(flat, Shape::Resp3), r#"["k","1.5"]"#);
    }

    #[test]
    fn object_from_map_or_flat_pairs() {
        let map = Value::Map(vec![(bulk("__proto__"), bulk("x")), (bulk("k"), bulk("v"))]);
        assert_eq!(shaped(map, Shape::Object), r#"{"__proto__":"x","k":"v"}"#);
        let flat = Value::Array(vec![bulk("k"), bulk("v")]);
        assert_eq!(shaped(flat, Shape::Object), r#"{"k":"v"}"#);
        assert_eq!(shaped(Value::Nil, Shape::Object), "null");
    }

    #[test]
    fn scores_flat_or_scored() {
        let pairs = || {
            Value::Array(vec![
                Value::Array(vec![bulk("m1"), Value::Double(2200.0)]),
                Value::Array(vec![bulk("m2"), Value::Double(f64::INFINITY)]),
            ])
        };
        assert_eq!(
            shaped(pairs(), Shape::FlatPairs),
            r#"["m1","2200","m2","inf"]"#
        );
        assert_eq!(
            shaped(pairs(), Shape::Scored),
            r#"[{"value":"m1","score":2200},{"value":"m2","score":Infinity}]"#
        );
        // Already flat (RESP2-like): pairs of neighbours.
        let flat = Value::Array(vec![bulk("m"), bulk("-inf")]);
        assert_eq!(
            shaped(flat, Shape::Scored),
            r#"[{"value":"m","score":-Infinity}]"#
        );
        assert_eq!(shaped(Value::Array(vec![]), Shape::FlatPairs), "[]");
    }

    #[test]
    fn integers_round_as_the_peers_do() {
        // Beyond 2^53 the peers' digit-by-digit double differs from a correct parse.
        assert_eq!(parse_integer(b"123456789012345678"), 123456789012345696.0);
        assert_eq!(parse_integer(b"3833689182799134862"), 3833689182799135232.0);
        assert_eq!(parse_integer(b"-42"), -42.0);
        assert_eq!(parse_integer(b"9007199254740991"), 9007199254740991.0);
        assert!(parse_integer(b"x").is_nan());
    }

    #[test]
    fn numbers_and_streams() {
        assert_eq!(shaped(bulk("1.5"), Shape::Number), "1.5");
        assert_eq!(shaped(Value::Nil, Shape::Number), "null");
        let arr = Value::Array(vec![Value::Double(1.0), Value::Nil]);
        assert_eq!(shaped(arr, Shape::Numbers), "[1,null]");
        let streams = Value::Map(vec![(bulk("s"), Value::Array(vec![]))]);
        assert_eq!(shaped(streams, Shape::StreamPairs), r#"[["s",[]]]"#);
    }

    #[test]
    fn replies_nested_too_deep_become_an_error_in_their_place() {
        let mut frames = Vec::new();
        for _ in 0..MAX_DEPTH + 1 {
            frames.extend_from_slice(b"*1\r\n");
        }
        frames.extend_from_slice(b":1\r\n");
        frames.extend_from_slice(b"$2\r\nok\r\n");
        let mut t = Tape::default();
        put_frames(&mut t, &frames, 2, &[ReplyForm::PLAIN, ReplyForm::PLAIN]);
        assert_eq!(decode(&t), r#"#0 "ok""#);
        assert!(
            matches!(&t.extras[0], crate::core::transfer::Extra::Error(Error::Reply(m)) if m.contains("nested"))
        );
        // At the limit itself the reply is delivered.
        let mut frames = Vec::new();
        for _ in 0..MAX_DEPTH {
            frames.extend_from_slice(b"*1\r\n");
        }
        frames.extend_from_slice(b":1\r\n");
        let mut t = Tape::default();
        put_frames(&mut t, &frames, 1, &[ReplyForm::PLAIN]);
        let text = decode(&t);
        assert!(text.contains("[1]") && !text.contains('#'), "{text}");
    }

    #[test]
    fn truncated_or_garbled_frames_never_panic() {
        // Whatever the bytes, reading ends (undefined or partial values), never panics.
        let inputs: [&[u8]; 6] = [
            b"$10\r\nab",
            b"*3\r\n:1\r\n",
            b"%2\r\n$1\r\nk",
            b"=3\r\nx",
            b"?\r\n",
            b"$-5\r\n*-1\r\n",
        ];
        for bytes in inputs {
            for shape in [Shape::Plain, Shape::Object, Shape::Scored, Shape::FlatPairs] {
                let mut t = Tape::default();
                put_frames(&mut t, bytes, 3, &[ReplyForm::new(shape, false); 3]);
            }
        }
    }

    #[test]
    fn buffers_for_every_string_or_for_bulk_strings_only() {
        let replies = || vec![Value::SimpleString("string".into()), bulk("abc")];
        let mut all = Tape::default();
        put_batch(
            &mut all,
            replies(),
            &[ReplyForm::new(Shape::Plain, true); 2],
        );
        assert_eq!(decode(&all), "<string> <abc>");
        let mut blobs = Tape::default();
        let form = ReplyForm::new(Shape::Plain, true).blobs_only();
        assert_eq!(form.shape(), Shape::Plain);
        put_batch(&mut blobs, replies(), &[form; 2]);
        assert_eq!(decode(&blobs), r#""string" <abc>"#);
        // The string bits never reach the shape, whatever the shape.
        for (_, shape) in Shape::ALL {
            assert_eq!(ReplyForm::new(shape, true).blobs_only().shape(), shape);
        }
        for shape in [Shape::Multi, Shape::Exec, Shape::Discard] {
            assert_eq!(ReplyForm::new(shape, true).blobs_only().shape(), shape);
        }
    }

    #[test]
    fn exec_elements_take_the_queued_forms() {
        let forms = [
            ReplyForm::new(Shape::Multi, false),
            ReplyForm::new(Shape::Object, false),
            ReplyForm::new(Shape::Number, false),
            ReplyForm::new(Shape::FlatPairs, false),
            ReplyForm::new(Shape::Exec, false),
            ReplyForm::new(Shape::Number, false),
        ];
        let queued = || Value::SimpleString("QUEUED".into());
        let exec = Value::Array(vec![
            Value::Map(vec![(bulk("f"), bulk("v"))]),
            Value::Double(3.0),
            Value::Array(vec![Value::Array(vec![bulk("d"), Value::Double(-2.5)])]),
        ]);
        let mut t = Tape::default();
        put_batch(
            &mut t,
            vec![Value::Okay, queued(), queued(), queued(), exec, bulk("2")],
            &forms,
        );
        assert_eq!(
            decode(&t),
            r#""OK" "QUEUED" "QUEUED" "QUEUED" [{"f":"v"},3,["d","-2.5"]] 2"#
        );
    }
}
