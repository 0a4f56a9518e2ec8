//! What goes on the queue: which event, in which location's store.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueuedKind {
    /// An inbound event (webhook, test event, Specter person) to sync to GHL.
    #[default]
    Inbound,
    /// A GHL event to sync on to Spot-Hit and Specter.
    Ghl,
}

impl QueuedKind {
    fn is_inbound(&self) -> bool {
        *self == QueuedKind::Inbound
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedEvent {
    pub location: String,
    /// An inbound event's idempotency key, or a GHL event's webhook id.
    pub key: String,
    /// Absent on the wire for inbound events (as messages in flight have it).
    #[serde(default, skip_serializing_if = "QueuedKind::is_inbound")]
    pub kind: QueuedKind,
    /// How long the queue holds the message before delivering it (a paced
    /// backlog); not part of the message itself.
    #[serde(skip)]
    pub delay_seconds: u32,
}

impl QueuedEvent {
    pub fn inbound(location: &str, key: &str) -> QueuedEvent {
        QueuedEvent {
            location: location.to_string(),
            key: key.to_string(),
            kind: QueuedKind::Inbound,
            delay_seconds: 0,
        }
    }

    /// Held by the queue for `delay_ms` (rounded up to whole seconds).
    pub fn after_ms(self, delay_ms: u64) -> QueuedEvent {
        QueuedEvent {
            delay_seconds: delay_ms.div_ceil(1000) as u32,
            ..self
        }
    }

    pub fn ghl(location: &str, webhook_id: &str) -> QueuedEvent {
        QueuedEvent {
            kind: QueuedKind::Ghl,
            ..QueuedEvent::inbound(location, webhook_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_of_messages_in_flight_is_kept() {
        let old: QueuedEvent = serde_json::from_str(r#"{"location":"l","key":"k"}"#).unwrap();
        assert_eq!(old, QueuedEvent::inbound("l", "k"));
        assert_eq!(
            serde_json::to_string(&QueuedEvent::ghl("l", "w")).unwrap(),
            r#"{"location":"l","key":"w","kind":"ghl"}"#
        );
        assert!(!serde_json::to_string(&old).unwrap().contains("kind"));
    }
}
