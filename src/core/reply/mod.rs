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

mod reader;
use reader::Reader;
pub use reader::MAX_DEPTH;

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

/// Writes one batch's replies (`count` RESP3 frames back to back in `frames`), each in its
/// command's form. Inside a `MULTI` the queued commands' own replies (`QUEUED`) stay plain
/// and their forms shape the matching elements of the `EXEC` reply instead.
pub fn put_frames(tape: &mut Tape, frames: &[u8], count: usize, forms: &[ReplyForm]) {
    let mut r = Reader::new(frames);
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
mod tests;
