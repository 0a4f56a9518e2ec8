//! Echoes: GHL sends a webhook for the bridge's own writes too. Syncing those
//! back would loop, so soon after a bridge write a contact event is an echo,
//! unless it shows something the bridge did not write: a tag it does not know
//! (the bridge records its tags before adding them) is a person's change. The
//! bridge never completes tasks, so a completed task is never an echo.

use crate::ghl::webhooks::GhlEventType;
use serde_json::Value;

/// `last_write_ms`: when the bridge last wrote this contact, if it did.
pub fn is_echo(
    event_type: &GhlEventType,
    body: &Value,
    last_write_ms: Option<u64>,
    now_ms: u64,
    window_ms: u64,
    known_tags: &[String],
) -> bool {
    let recent_write = last_write_ms.is_some_and(|t| now_ms.saturating_sub(t) < window_ms);
    if !recent_write {
        return false;
    }
    match event_type {
        GhlEventType::TaskComplete | GhlEventType::ContactDelete => false,
        t if t.is_contact() => body["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .all(|t| known_tags.iter().any(|k| k.eq_ignore_ascii_case(t)))
            })
            .unwrap_or(true),
        _ => true,
    }
}

/// How long the tags the bridge knows on a contact are taken as still there:
/// a tag the bridge added or saw within this time is not sent again (a
/// person may remove one in GHL without the bridge hearing of it).
pub const TAGS_FRESH_MS: u64 = 24 * 3_600_000;

/// Adds `tags` to `known`, case-blind (GHL lowercases tags), and answers the
/// ones it did not have.
pub fn merge_tags(known: &mut Vec<String>, tags: &[String]) -> Vec<String> {
    let mut added = Vec::new();
    for t in tags {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(t)) {
            known.push(t.clone());
            added.push(t.clone());
        }
    }
    added
}

/// What [`merge_tags`] came to on a contact's tags known since `known_at_ms`:
/// the tags GHL may not have yet (all of them once what is known is older
/// than [`TAGS_FRESH_MS`]), and whether the known ones were refreshed. Known
/// tags are refreshed only by a merge that adds something, so they go stale
/// a day after the bridge last had news of them, however often it asks.
pub fn merge_known_tags(
    known: &mut Vec<String>,
    known_at_ms: u64,
    tags: &[String],
    now_ms: u64,
) -> (Vec<String>, bool) {
    let added = merge_tags(known, tags);
    if now_ms.saturating_sub(known_at_ms) >= TAGS_FRESH_MS {
        return (tags.to_vec(), true);
    }
    let refreshed = !added.is_empty();
    (added, refreshed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inside_the_window_only_known_tags_are_an_echo() {
        let known = vec!["vip".to_string()];
        let t = GhlEventType::ContactTagUpdate;
        assert!(is_echo(
            &t,
            &json!({"tags": ["VIP"]}),
            Some(1_000),
            2_000,
            60_000,
            &known
        ));
        assert!(!is_echo(
            &t,
            &json!({"tags": ["vip", "new"]}),
            Some(1_000),
            2_000,
            60_000,
            &known
        ));
        assert!(!is_echo(
            &t,
            &json!({"tags": ["vip"]}),
            Some(1_000),
            70_000,
            60_000,
            &known
        ));
        assert!(!is_echo(
            &t,
            &json!({"tags": ["vip"]}),
            None,
            2_000,
            60_000,
            &known
        ));
        assert!(!is_echo(
            &GhlEventType::TaskComplete,
            &json!({}),
            Some(1_000),
            2_000,
            60_000,
            &known
        ));
    }
}
