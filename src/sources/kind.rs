//! What kind of source an event came from: a closed set, decided where the
//! event arrives (the route or the poller that received it) and carried on
//! its record. The kind decides the event's lane (receipts are paced apart),
//! whether it marks a STOP, whether its contact keeps a Specter link; the
//! source's id only names it. The bridge's own sources have fixed ids, which
//! a form source may not take ([`is_reserved`]).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    /// A web form or any webhook a location configured (Standard Webhooks).
    Form,
    /// Spot-Hit's delivery status callback.
    SpotHitStatus,
    /// Spot-Hit's reply callback.
    SpotHitReply,
    /// Spot-Hit's STOP callback.
    SpotHitStop,
    /// A person of a polled Specter list.
    SpecterList,
    /// A person of a polled Specter saved search.
    SpecterSavedSearch,
    /// An SMS GHL handed to the bridge as the location's SMS provider
    /// (`ProviderOutboundMessage` on the Delivery URL).
    GhlProviderMessage,
    /// Spot-Hit's status callback for one such SMS (its per-send URL).
    SpotHitMessageStatus,
}

/// Every kind that is the bridge's own, with its fixed source id (the id of
/// its built-in mapping template too).
const BUILT_IN: [(EventKind, &str); 7] = [
    (EventKind::SpotHitStatus, "spothit-status"),
    (EventKind::SpotHitReply, "spothit-reply"),
    (EventKind::SpotHitStop, "spothit-stop"),
    (EventKind::SpecterList, "specter-person"),
    (EventKind::SpecterSavedSearch, "specter-saved-search-row"),
    (EventKind::GhlProviderMessage, "ghl-sms-provider"),
    (EventKind::SpotHitMessageStatus, "spothit-message-status"),
];

impl EventKind {
    /// The fixed source id of a built-in kind; `None` for forms (named by
    /// the location).
    pub fn source_id(self) -> Option<&'static str> {
        BUILT_IN.iter().find(|(k, _)| *k == self).map(|(_, id)| *id)
    }

    /// The kind a source id names: a built-in one's, else a form. For a
    /// record stored before kinds were kept, and a test event sent to a
    /// built-in source by its id.
    pub fn of_source_id(id: &str) -> EventKind {
        BUILT_IN
            .iter()
            .find(|(_, built_in)| *built_in == id)
            .map_or(EventKind::Form, |(k, _)| *k)
    }

    /// A Spot-Hit callback (status, reply, STOP): unsigned GET query strings.
    pub fn is_spothit_callback(self) -> bool {
        matches!(
            self,
            EventKind::SpotHitStatus
                | EventKind::SpotHitReply
                | EventKind::SpotHitStop
                | EventKind::SpotHitMessageStatus
        )
    }

    /// An event of the conversation provider: sent or reported as is, not
    /// through a mapping.
    pub fn is_provider_message(self) -> bool {
        matches!(
            self,
            EventKind::GhlProviderMessage | EventKind::SpotHitMessageStatus
        )
    }

    pub fn is_specter(self) -> bool {
        matches!(self, EventKind::SpecterList | EventKind::SpecterSavedSearch)
    }
}

/// Whether `id` may not name a form source: the built-in sources' ids and
/// anything under their prefixes (`spothit-`, `specter-`), case aside.
pub fn is_reserved(id: &str) -> bool {
    let id = crate::case::lower(id.trim());
    ["spothit-", "specter-"]
        .iter()
        .any(|prefix| id.starts_with(prefix))
        || BUILT_IN.iter().any(|(_, built_in)| *built_in == id)
}

/// An event's source as it arrives: its id and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source<'a> {
    pub id: &'a str,
    pub kind: EventKind,
}

impl<'a> Source<'a> {
    /// A location's form source.
    pub fn form(id: &'a str) -> Source<'a> {
        Source {
            id,
            kind: EventKind::Form,
        }
    }

    /// What an id names (a test event sent to a source by its id).
    pub fn named(id: &'a str) -> Source<'a> {
        Source {
            id,
            kind: EventKind::of_source_id(id),
        }
    }
}

impl Source<'static> {
    /// One of the bridge's own sources.
    pub fn built_in(kind: EventKind) -> Source<'static> {
        Source {
            id: kind.source_id().unwrap_or("form"),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_ids_and_kinds_name_each_other_and_are_reserved() {
        for (kind, id) in BUILT_IN {
            assert_eq!(EventKind::of_source_id(id), kind);
            assert_eq!(kind.source_id(), Some(id));
            assert!(is_reserved(id));
            assert_eq!(Source::built_in(kind).id, id);
        }
        assert_eq!(EventKind::of_source_id("demo"), EventKind::Form);
        assert!(is_reserved("SpotHit-Anything") && !is_reserved("shop"));
    }
}
