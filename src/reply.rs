//! Reply shaping: the core speaks RESP3 (so redis-rs reports disconnects and pushes), but the
//! ioredis and node-redis faces promise RESP2 shapes. These helpers define that mapping once.

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

/// Rewrites a RESP3 reply into the shape the same command has under RESP2: maps and sets
/// become flat arrays, doubles become text, booleans become 0/1.
pub fn to_resp2(v: Value) -> Value {
    match v {
        Value::Map(pairs) => {
            let mut out = Vec::with_capacity(pairs.len() * 2);
            for (k, val) in pairs {
                out.push(to_resp2(k));
                out.push(to_resp2(val));
            }
            Value::Array(out)
        }
        Value::Set(items) | Value::Array(items) => {
            Value::Array(items.into_iter().map(to_resp2).collect())
        }
        Value::Double(f) => Value::BulkString(double_text(f).into_bytes()),
        Value::Boolean(b) => Value::Int(b as i64),
        Value::VerbatimString { text, .. } => Value::BulkString(text.into_bytes()),
        Value::BigNumber(n) => Value::BulkString(n),
        Value::Attribute { data, .. } => to_resp2(*data),
        Value::Push { kind, data } => {
            let mut out = vec![Value::BulkString(kind.to_string().into_bytes())];
            out.extend(data.into_iter().map(to_resp2));
            Value::Array(out)
        }
        other => other,
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
    fn maps_flatten_and_doubles_become_text() {
        let v = Value::Map(vec![(Value::BulkString(b"a".to_vec()), Value::Double(1.5))]);
        assert_eq!(
            to_resp2(v),
            Value::Array(vec![
                Value::BulkString(b"a".to_vec()),
                Value::BulkString(b"1.5".to_vec())
            ])
        );
        assert_eq!(double_text(2200.0), "2200");
        assert_eq!(double_text(f64::NEG_INFINITY), "-inf");
        assert_eq!(to_resp2(Value::Boolean(true)), Value::Int(1));
    }
}
