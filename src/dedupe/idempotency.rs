//! Keys that make delivery idempotent, and the fingerprint that skips no-op updates.

use crate::case;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Compact JSON with object keys sorted at every level: equal data, equal text,
/// whatever order a source (or a `preserve_order` build) puts keys in.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // Only JSON text went in: serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes straight into `out`: strings and numbers through serde_json's own
/// writer (no text per value), keys re-sorted only where a map's order is not
/// already sorted (serde_json's default map iterates in key order).
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            if !keys.is_sorted_by(|a, b| a.0 <= b.0) {
                keys.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push(b'{');
            for (i, (k, v)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&k.as_str(), out);
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

fn digest_hex(parts: &[&[u8]]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab","c") and ("a","bc") differ.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let mut hex = String::with_capacity(32);
    for b in &hasher.finalize()[..16] {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 0xf)] as char);
    }
    hex
}

/// The key of one source event: the same for every redelivery of that event
/// (same source, same event id if the source gives one, same content), different
/// as soon as the content changes. Key order in the payload does not matter.
pub fn idempotency_key(source_id: &str, event_id: Option<&str>, payload: &Value) -> String {
    let mut body = Vec::with_capacity(512);
    write_canonical(payload, &mut body);
    format!(
        "evt_{}",
        digest_hex(&[
            source_id.as_bytes(),
            event_id.unwrap_or("").as_bytes(),
            &body
        ])
    )
}

/// A fingerprint of what would be written to GHL (contact fields and tags, any
/// order): equal fingerprints mean an update would change nothing.
pub fn content_fingerprint(contact: &Value, tags: &[String]) -> String {
    let mut tags: Vec<String> = tags.iter().map(|t| case::lower(t.trim())).collect();
    tags.sort();
    tags.dedup();
    let tags = Value::from(tags);
    format!(
        "fp_{}",
        digest_hex(&[
            canonical_json(contact).as_bytes(),
            canonical_json(&tags).as_bytes()
        ])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_everywhere() {
        assert_eq!(
            canonical_json(&json!({"b": [{"d": 1, "c": 2}], "a": "x"})),
            r#"{"a":"x","b":[{"c":2,"d":1}]}"#
        );
    }

    #[test]
    fn same_event_same_key_changed_event_new_key() {
        let a = idempotency_key("demo", Some("msg_1"), &json!({"email": "a@b.fr", "n": 1}));
        let redelivered =
            idempotency_key("demo", Some("msg_1"), &json!({"n": 1, "email": "a@b.fr"}));
        assert_eq!(a, redelivered);
        assert!(a.starts_with("evt_") && a.len() == 36);
        assert_ne!(
            a,
            idempotency_key("demo", Some("msg_1"), &json!({"email": "a@b.fr", "n": 2}))
        );
        assert_ne!(
            a,
            idempotency_key("demo", Some("msg_2"), &json!({"email": "a@b.fr", "n": 1}))
        );
        assert_ne!(
            a,
            idempotency_key("other", Some("msg_1"), &json!({"email": "a@b.fr", "n": 1}))
        );
    }

    #[test]
    fn fingerprint_ignores_tag_order_and_case() {
        let c = json!({"email": "a@b.fr"});
        assert_eq!(
            content_fingerprint(&c, &["VIP".into(), "web".into()]),
            content_fingerprint(&c, &["web".into(), "vip".into(), "web".into()])
        );
        assert_ne!(
            content_fingerprint(&c, &[]),
            content_fingerprint(&json!({"email": "b@b.fr"}), &[])
        );
    }
}
