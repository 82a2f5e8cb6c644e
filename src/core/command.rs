//! Decoding of one JavaScript tick's commands, sent across the boundary in one call.
//!
//! Also here: what a batch becomes once encoded for the wire ([`Outgoing`]) and the
//! completion-id ranges of host and Rust-side requests.
//!
//! The JavaScript side sends all string arguments of all commands concatenated into one
//! string, plus one `Uint32Array` of lengths: per command a header word (`argc` in the low
//! 23 bits, [`BLOBS_ONLY`] in bit 23, the reply's [`Shape`] code in bits 24–29, [`TRACKED_READ`] for a near-cache
//! read, [`BUFFER_REPLY`] when the reply must stay binary) followed by each argument's
//! length in UTF-16 code units, or [`BUFFER_ARG`] to take the next `Buffer` argument instead. This costs a few N-API calls per tick instead
//! of several per argument.

use std::time::Instant;

use crate::core::error::{Error, Result};
use crate::core::reply::{ReplyForm, Shape};

/// Set in a command's header word: deliver bulk replies as `Buffer`s.
pub const BUFFER_REPLY: u32 = 0x8000_0000;
/// Set in a command's header word: a near-cache read, which the server must track for this
/// connection. On a Cluster, whose node connections track in `OPTIN` mode, it goes out
/// preceded by `CLIENT CACHING YES`; a single server tracks every read anyway.
pub const TRACKED_READ: u32 = 0x4000_0000;
/// Where a command's header word keeps its reply shape's code.
pub const SHAPE_SHIFT: u32 = 24;
/// The shape code's bits in a command's header word.
const SHAPE_MASK: u32 = 0x3F << SHAPE_SHIFT;
/// Set in a command's header word with [`BUFFER_REPLY`]: only bulk strings become `Buffer`s,
/// simple strings stay text (node-redis' `BLOB_STRING: Buffer` type mapping).
pub const BLOBS_ONLY: u32 = 1 << (SHAPE_SHIFT - 1);
/// The argument count's bits in a command's header word.
pub const ARGC_MASK: u32 = BLOBS_ONLY - 1;
/// An argument length meaning "the next binary argument".
pub const BUFFER_ARG: u32 = 0xFFFF_FFFF;

/// The form of a command's reply from its header word and name: `MULTI`, `EXEC` and
/// `DISCARD` are marked whatever the host asked, so an `EXEC` reply's elements take the
/// forms of the commands queued before it (see [`crate::core::reply::put_batch`]).
fn form_of(head: u32, name: &[u8]) -> ReplyForm {
    let shape = if name.len() == 4 && name.eq_ignore_ascii_case(b"EXEC") {
        Shape::Exec
    } else if name.len() == 5 && name.eq_ignore_ascii_case(b"MULTI") {
        Shape::Multi
    } else if name.len() == 7 && name.eq_ignore_ascii_case(b"DISCARD") {
        Shape::Discard
    } else {
        match Shape::from_code(((head & SHAPE_MASK) >> SHAPE_SHIFT) as u8) {
            Shape::Multi | Shape::Exec | Shape::Discard => Shape::Plain,
            s => s,
        }
    };
    let form = ReplyForm::new(shape, head & BUFFER_REPLY != 0);
    if head & BLOBS_ONLY != 0 {
        form.blobs_only()
    } else {
        form
    }
}

/// One tick's commands, ready to send as one pipeline.
pub struct Batch {
    /// The commands, in submission order.
    pub pipeline: redis::Pipeline,
    /// How many commands `pipeline` holds.
    pub count: usize,
    /// Per command: how its reply is shaped and whether bulk replies stay bytes.
    pub forms: Vec<ReplyForm>,
    /// The positions of near-cache reads (see [`TRACKED_READ`]); usually none.
    pub tracked: Vec<usize>,
}

/// What [`walk`] meets, in order.
enum Part<'a> {
    /// A command starts: its argument count, its reply's form, whether it is a tracked read.
    Command(usize, ReplyForm, bool),
    /// One argument of the current command.
    Arg(&'a [u8]),
}

/// Walks one tick's commands. Both [`decode`] and [`encode`] use it, so the layout has one
/// reading.
fn walk(
    text: &str,
    lens: &[u32],
    buffers: &[&[u8]],
    mut on: impl FnMut(Part<'_>),
) -> Result<usize> {
    let bad = || Error::InvalidArg("malformed command batch".into());
    // The byte length equals the UTF-16 length exactly when the text is all ASCII, which
    // lets the common case slice by the given lengths directly.
    let ascii = text.is_ascii();
    let mut chars = text.char_indices().peekable();
    let mut byte_pos = 0usize;
    let mut next_buffer = 0usize;
    let mut count = 0usize;
    let mut i = 0usize;
    while i < lens.len() {
        let head = lens[i];
        i += 1;
        let argc = (head & ARGC_MASK) as usize;
        if argc == 0 || i + argc > lens.len() {
            return Err(bad());
        }
        let mut first = true;
        for &len in &lens[i..i + argc] {
            if len == BUFFER_ARG {
                let b = buffers.get(next_buffer).ok_or_else(bad)?;
                next_buffer += 1;
                if std::mem::take(&mut first) {
                    on(Part::Command(
                        argc,
                        form_of(head, b),
                        head & TRACKED_READ != 0,
                    ));
                }
                on(Part::Arg(b));
                continue;
            }
            let start = byte_pos;
            if ascii {
                byte_pos += len as usize;
            } else {
                let mut units = 0u32;
                while units < len {
                    let (_, c) = chars.next().ok_or_else(bad)?;
                    units += c.len_utf16() as u32;
                    byte_pos += c.len_utf8();
                }
                if units != len {
                    return Err(bad());
                }
            }
            let arg = text.get(start..byte_pos).ok_or_else(bad)?;
            if std::mem::take(&mut first) {
                on(Part::Command(
                    argc,
                    form_of(head, arg.as_bytes()),
                    head & TRACKED_READ != 0,
                ));
            }
            on(Part::Arg(arg.as_bytes()));
        }
        i += argc;
        count += 1;
    }
    if byte_pos != text.len() || next_buffer != buffers.len() {
        return Err(bad());
    }
    Ok(count)
}

/// Decodes a batch. `text` holds every string argument back to back, `lens` the layout
/// described in the module docs, `buffers` the binary arguments in order.
pub fn decode(text: &str, lens: &[u32], buffers: &[&[u8]]) -> Result<Batch> {
    let mut pipeline = redis::Pipeline::with_capacity(8);
    let mut forms = Vec::new();
    let mut tracked = Vec::new();
    let mut cmd: Option<redis::Cmd> = None;
    let count = walk(text, lens, buffers, |part| match part {
        Part::Command(_, form, is_tracked) => {
            if let Some(c) = cmd.replace(redis::Cmd::new()) {
                pipeline.add_command(c);
            }
            if is_tracked {
                tracked.push(forms.len());
            }
            forms.push(form);
        }
        Part::Arg(arg) => {
            if let Some(c) = cmd.as_mut() {
                c.arg(arg);
            }
        }
    })?;
    if let Some(c) = cmd {
        pipeline.add_command(c);
    }
    Ok(Batch {
        pipeline,
        count,
        forms,
        tracked,
    })
}

/// Encodes a batch straight into RESP bytes appended to `out` (the direct path, which
/// writes them to the socket itself); returns the per-command reply forms. Nothing is
/// appended when the batch is malformed.
pub fn encode(
    text: &str,
    lens: &[u32],
    buffers: &[&[u8]],
    out: &mut Vec<u8>,
) -> Result<Vec<ReplyForm>> {
    let mark = out.len();
    let mut forms = Vec::new();
    let r = walk(text, lens, buffers, |part| match part {
        Part::Command(argc, form, _) => {
            crate::core::resp::header(out, b'*', argc);
            forms.push(form);
        }
        Part::Arg(arg) => crate::core::resp::bulk(out, arg),
    });
    if let Err(e) = r {
        out.truncate(mark);
        return Err(e);
    }
    Ok(forms)
}

/// Builds a batch from already separated arguments (Rust callers and tests).
pub fn batch_of(commands: &[Vec<Vec<u8>>]) -> Batch {
    let mut pipeline = redis::Pipeline::with_capacity(commands.len());
    for args in commands {
        let mut cmd = redis::Cmd::new();
        for a in args {
            cmd.arg(a.as_slice());
        }
        pipeline.add_command(cmd);
    }
    Batch {
        pipeline,
        count: commands.len(),
        forms: vec![ReplyForm::PLAIN; commands.len()],
        tracked: Vec::new(),
    }
}

/// Completion ids at or above this belong to requests made from Rust
/// (`ClientHandle::request`); the host numbers its batches below it.
pub const INTERNAL_IDS: u32 = 0x8000_0000;

/// Whether `id` belongs to a Rust-side request rather than to the host.
pub fn is_internal(id: u32) -> bool {
    id >= INTERNAL_IDS
}

/// Completion ids nobody waits for (for example the `CLIENT TRACKING ON` sent when a
/// near-cache is turned on while connected).
pub const DISCARD: u32 = u32::MAX;

/// A batch the host wants written: its encoded commands and how to settle it.
#[derive(Debug)]
pub struct Outgoing {
    /// Completion id.
    pub id: u32,
    /// The commands, RESP-encoded.
    pub bytes: Vec<u8>,
    /// Per command: its reply's form.
    pub forms: Vec<crate::core::reply::ReplyForm>,
    /// When it must have settled.
    pub deadline: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(b: &Batch) -> Vec<Vec<Vec<u8>>> {
        b.pipeline
            .cmd_iter()
            .map(|c| {
                c.args_iter()
                    .map(|a| match a {
                        redis::Arg::Simple(s) => s.to_vec(),
                        _ => b"0".to_vec(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn ascii_batch() {
        let b = decode("SETk1vGETk1", &[3, 3, 2, 1, 2, 3, 2], &[]).unwrap();
        assert_eq!(b.count, 2);
        assert_eq!(
            args_of(&b)[0],
            vec![b"SET".to_vec(), b"k1".to_vec(), b"v".to_vec()]
        );
        assert_eq!(args_of(&b)[1], vec![b"GET".to_vec(), b"k1".to_vec()]);
    }

    #[test]
    fn unicode_lengths_are_utf16_units() {
        // "é" is 1 UTF-16 unit / 2 bytes, "😀" is 2 units / 4 bytes.
        let b = decode("SETé😀x", &[4, 3, 1, 2, 1], &[]).unwrap();
        let a = args_of(&b);
        assert_eq!(a[0][1], "é".as_bytes());
        assert_eq!(a[0][2], "😀".as_bytes());
        assert_eq!(a[0][3], b"x");
    }

    #[test]
    fn buffers_and_flags() {
        let bin: &[u8] = &[0, 255, 1];
        let b = decode("GET", &[2 | BUFFER_REPLY, 3, BUFFER_ARG], &[bin]).unwrap();
        assert_eq!(b.forms[0].binary(), crate::core::reply::Bin::ALL);
        assert_eq!(args_of(&b)[0][1], bin);
    }

    #[test]
    fn encode_writes_resp() {
        let mut out = b"x".to_vec();
        let flags = encode(
            "SETk1vGETk1",
            &[3, 3, 2, 1, 2 | BUFFER_REPLY, 3, 2],
            &[],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            flags,
            vec![ReplyForm::PLAIN, ReplyForm::new(Shape::Plain, true)]
        );
        assert_eq!(
            out,
            b"x*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n"
        );
        assert!(encode("GET", &[3, 3], &[], &mut out).is_err());
        assert!(out.ends_with(b"k1\r\n"), "nothing appended on error");
    }

    #[test]
    fn shapes_and_transaction_marks() {
        let obj = 2 | (Shape::Object as u32) << SHAPE_SHIFT;
        // A host cannot claim the transaction marks; the names set them.
        let fake = 1 | (Shape::Exec as u32) << SHAPE_SHIFT;
        let b = decode(
            "HGETALLhmultiPINGexec",
            &[obj, 7, 1, 1, 5, fake, 4, 1, 4],
            &[],
        )
        .unwrap();
        let shapes: Vec<Shape> = b.forms.iter().map(|f| f.shape()).collect();
        assert_eq!(
            shapes,
            vec![Shape::Object, Shape::Multi, Shape::Plain, Shape::Exec]
        );
    }

    #[test]
    fn tracked_reads_are_marked() {
        let tracked = 2 | TRACKED_READ | (Shape::Number as u32) << SHAPE_SHIFT;
        let b = decode("GETaGETb", &[2, 3, 1, tracked, 3, 1], &[]).unwrap();
        assert_eq!(b.tracked, vec![1]);
        assert_eq!(
            b.forms[1].shape(),
            Shape::Number,
            "the flag is not part of the shape"
        );
        assert!(decode("GETa", &[2, 3, 1], &[]).unwrap().tracked.is_empty());
    }

    #[test]
    fn malformed_is_rejected() {
        assert!(decode("GET", &[3, 3], &[]).is_err());
        assert!(decode("GETx", &[1, 3], &[]).is_err());
        assert!(decode("GET", &[0], &[]).is_err());
        assert!(decode("", &[1, BUFFER_ARG], &[]).is_err());
    }
}
