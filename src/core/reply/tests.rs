//! Tests of the reply shapes: each shape's tape for the replies it meets, nesting limits,
//! transactions' forms and malformed frames.

use super::reader::parse_integer;
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
