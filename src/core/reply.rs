//! Reply helpers. The core speaks RESP3 (so redis-rs reports disconnects and pushes) while the
//! faces promise RESP2 shapes; the binding applies that mapping as it converts replies, using
//! [`double_text`] for doubles.

use redis::Value;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_and_scalars_become_text() {
        assert_eq!(double_text(1.5), "1.5");
        assert_eq!(double_text(2200.0), "2200");
        assert_eq!(double_text(f64::NEG_INFINITY), "-inf");
        assert_eq!(as_text(&Value::Int(7)).as_deref(), Some("7"));
        assert_eq!(as_text(&Value::Okay).as_deref(), Some("OK"));
        assert_eq!(as_text(&Value::Nil), None);
    }
}
