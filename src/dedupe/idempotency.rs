//! Keys that make delivery idempotent, and the fingerprint that skips no-op updates.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Compact JSON with object keys sorted at every level: equal data, equal text,
/// whatever order a source (or a `preserve_order` build) puts keys in.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn digest_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab","c") and ("a","bc") differ.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of one source event: the same for every redelivery of that event
/// (same source, same event id if the source gives one, same content), different
/// as soon as the content changes. Key order in the payload does not matter.
pub fn idempotency_key(source_id: &str, event_id: Option<&str>, payload: &Value) -> String {
    let body = canonical_json(payload);
    format!(
        "evt_{}",
        digest_hex(&[source_id, event_id.unwrap_or(""), &body])
    )
}

/// A fingerprint of what would be written to GHL (contact fields and tags, any
/// order): equal fingerprints mean an update would change nothing.
pub fn content_fingerprint(contact: &Value, tags: &[String]) -> String {
    let mut tags: Vec<String> = tags.iter().map(|t| t.trim().to_lowercase()).collect();
    tags.sort();
    tags.dedup();
    let tags = Value::from(tags);
    format!(
        "fp_{}",
        digest_hex(&[&canonical_json(contact), &canonical_json(&tags)])
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
