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

    /// Which queue carries the message: one held back for its turn (a paced
    /// backlog, a burst of receipts) goes on the paced queue, so the live
    /// queue holds only events that can run now and a location's backfill is
    /// never in front of another location's new lead.
    pub fn queue(&self) -> EventQueue {
        if self.delay_seconds > 0 {
            EventQueue::Paced
        } else {
            EventQueue::Live
        }
    }

    /// This message of queue `from`, put back for `delay_seconds` (sent to its
    /// budget's turn, or not started in its lane's time): the message to send
    /// anew when that takes it off the live queue, which would otherwise fill
    /// with a busy location's returns; `None` to retry it where it is.
    pub fn moved_off(&self, from: EventQueue, delay_seconds: u32) -> Option<QueuedEvent> {
        let back = self.clone().after_ms(u64::from(delay_seconds) * 1000);
        (from == EventQueue::Live && back.queue() == EventQueue::Paced).then_some(back)
    }
}

/// The two queues of events. Each is consumed on its own, so a batch of paced
/// events that waits for its location's budget holds no live event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventQueue {
    /// Events to run at once: new leads, re-queued events, GHL events.
    Live,
    /// Events booked for a later turn of their location's budget.
    Paced,
}

/// A delivered batch split into one lane per location, each in delivery order.
/// Lanes run side by side and each lane one message after another: a busy
/// location (a backfill, a location out of budget) holds up only its own
/// events, and one location's events keep the order they came in.
pub fn lanes_by_location<T>(
    messages: impl IntoIterator<Item = T>,
    location_of: impl Fn(&T) -> &str,
) -> Vec<Vec<T>> {
    let mut lanes: Vec<Vec<T>> = Vec::new();
    for message in messages {
        let lane = lanes
            .iter_mut()
            .find(|lane| location_of(&lane[0]) == location_of(&message));
        match lane {
            Some(lane) => lane.push(message),
            None => lanes.push(vec![message]),
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_makes_one_lane_per_location_in_delivery_order() {
        let batch = [
            QueuedEvent::inbound("a", "1"),
            QueuedEvent::inbound("b", "2"),
            QueuedEvent::ghl("a", "3"),
            QueuedEvent::inbound("c", "4"),
            QueuedEvent::inbound("a", "5"),
        ];
        let lanes = lanes_by_location(batch, |e| e.location.as_str());
        let keys: Vec<Vec<&str>> = lanes
            .iter()
            .map(|lane| lane.iter().map(|e| e.key.as_str()).collect())
            .collect();
        assert_eq!(keys, [vec!["1", "3", "5"], vec!["2"], vec!["4"]]);
        assert!(lanes_by_location(Vec::<QueuedEvent>::new(), |e| &e.location).is_empty());
    }

    #[test]
    fn only_an_event_held_for_its_turn_goes_on_the_paced_queue() {
        let now = QueuedEvent::inbound("l", "k");
        assert_eq!(now.clone().queue(), EventQueue::Live);
        assert_eq!(now.clone().after_ms(0).queue(), EventQueue::Live);
        assert_eq!(now.clone().after_ms(1).queue(), EventQueue::Paced);
        assert_eq!(QueuedEvent::ghl("l", "w").queue(), EventQueue::Live);
    }

    #[test]
    fn a_message_held_back_leaves_the_live_queue() {
        let m = QueuedEvent::inbound("l", "k");
        let moved = m.moved_off(EventQueue::Live, 3).expect("moved");
        assert_eq!((moved.queue(), moved.delay_seconds), (EventQueue::Paced, 3));
        assert_eq!(m.moved_off(EventQueue::Live, 0), None);
        assert_eq!(m.moved_off(EventQueue::Paced, 3), None);
        assert_eq!(m.moved_off(EventQueue::Paced, 0), None);
    }

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
