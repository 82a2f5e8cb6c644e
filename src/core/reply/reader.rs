//! The RESP3 reader behind the reply shapes: reads a reply straight from its bytes onto the
//! tape, in a command's shape, with the peers' number parsing and a depth limit.

use super::{Bin, ReplyForm, Shape};
use crate::core::error::Error;
use crate::core::transfer::{op, Tape};

/// A number from its text, as node-redis reads scores (`inf`, `+inf`, `-inf` included);
/// NaN when it is none.
/// An integer reply as a double the way ioredis and node-redis build one: digit by digit
/// (`n * 10 + d`), which rounds integers beyond 2^53 differently from a correct parse, and
/// the faces must give the peers' numbers.
pub(super) fn parse_integer(text: &[u8]) -> f64 {
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
pub(super) struct Reader<'a> {
    b: &'a [u8],
    pub(super) i: usize,
    /// Aggregates open around the cursor.
    pub(super) depth: usize,
    /// A reply nested deeper than [`MAX_DEPTH`] was met: reading stops, and the reply is
    /// replaced by an error.
    pub(super) too_deep: bool,
    /// Integers go onto the tape as their text ([`Shape::Text`]).
    text_numbers: bool,
}

/// Replies nested deeper than this are not delivered (an error takes their place): the
/// readers on both sides of the boundary recurse per level.
pub const MAX_DEPTH: usize = 512;

impl<'a> Reader<'a> {
    /// A reader at the start of `b`.
    pub(super) fn new(b: &'a [u8]) -> Self {
        Reader {
            b,
            i: 0,
            depth: 0,
            too_deep: false,
            text_numbers: false,
        }
    }

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
    pub(super) fn aggregate(&mut self, kinds: &[u8]) -> Option<(u8, usize)> {
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
    pub(super) fn plain(&mut self, tape: &mut Tape, binary: Bin) {
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
    pub(super) fn shaped(&mut self, tape: &mut Tape, form: ReplyForm) {
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
