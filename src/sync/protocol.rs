//! The location store's protocol: every operation on a location's state is one
//! request type with one answer type, declared once below. The Worker sends
//! them to the location's Durable Object (which runs them on SQLite), tests to
//! the in-memory store ([`super::memory::MemoryStore`]); the pipeline only sees
//! the typed methods of [`Store`].
//!
//! On the wire a request is `{"claim": ["k1"]}`: serde's external tag (an
//! `"op"` field inside would make serde buffer the whole request before
//! reading it, and the wasm carry that code for every operation), then the
//! request's fields as a list in the order they are declared below. Both ends
//! are the same build, so names would only repeat what the order says, and a
//! list is read with one short visitor where a named struct needs a field
//! matcher: 6 KB less gzipped wasm for the 34 operations. The answer is the
//! answer type as JSON. A request that does not deserialise (a field missing,
//! one too many) is an error, never a default.

use super::budget::{Grant, Lane};
use super::model::{
    EventRecord, EventStatus, GhlEventEntry, GhlOutcome, SecretKey, StorageReport, Swept,
};
pub use super::model::{EventSummary, SeriesPoint, TokenAnswer};
use crate::ghl::oauth::OAuthTokens;
use crate::json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The world's own failure (storage, a binding, the transport to the store):
/// not the event's fault, so the event is tried again, never parked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldError(pub String);

impl std::fmt::Display for WorldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WorldError {}

impl From<serde_json::Error> for WorldError {
    fn from(e: serde_json::Error) -> Self {
        WorldError(format!("store protocol: {e}"))
    }
}

/// One operation of the protocol and the type of its answer.
pub trait StoreOp: Serialize + DeserializeOwned {
    type Answer: Serialize + DeserializeOwned;
    fn into_request(self) -> StoreRequest;
}

/// What a store's transport brings back: the answer's JSON text, or the world's failure.
pub type Exchange<'a> = Pin<Box<dyn Future<Output = Result<String, WorldError>> + 'a>>;

/// Carries a request to the location's store and brings its answer back as
/// JSON text. Not generic: the typed methods of [`Store`] wrap it in an
/// [`Answer`], so no transport code is made once per operation (9.1 KB of
/// the Worker's gzipped wasm, when each operation had its own `async` copies).
pub trait StoreTransport {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_>;
}

impl<T: StoreTransport> StoreTransport for std::rc::Rc<T> {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        (**self).exchange(request)
    }
}

/// A typed answer on its way: the exchange, read as a `T` once it is done.
pub struct Answer<'a, T> {
    /// The operation's name, for the error when its answer is unreadable.
    name: &'static str,
    exchange: Exchange<'a>,
    answer: PhantomData<fn() -> T>,
}

impl<'a, T> Answer<'a, T> {
    /// Sends `request` through `transport`.
    pub fn new(transport: &'a (impl StoreTransport + ?Sized), request: StoreRequest) -> Self {
        Answer {
            name: request.name(),
            exchange: transport.exchange(request),
            answer: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Future for Answer<'_, T> {
    type Output = Result<T, WorldError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let name = self.name;
        self.exchange
            .as_mut()
            .poll(cx)
            .map(|text| json::read(&text?).map_err(|e| WorldError(format!("store `{name}`: {e}"))))
    }
}

/// Runs one request on a store backend (the Durable Object, the in-memory one).
#[allow(async_fn_in_trait)]
pub trait Handle<O: StoreOp> {
    async fn handle(&self, op: O) -> Result<O::Answer, WorldError>;
}

/// Declares each operation once: its method on [`Store`], its request struct,
/// its variant of [`StoreRequest`] and its answer type.
macro_rules! store_ops {
    ($( $(#[$doc:meta])* $method:ident => $name:ident { $($field:ident : $ty:ty),* $(,)? } -> $answer:ty; )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone)]
            pub struct $name { $(pub $field: $ty),* }

            // On the wire the fields are a list in declaration order (see the
            // module's doc); a unit request (no fields) is `null`.
            impl Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    ($(&self.$field,)*).serialize(s)
                }
            }

            impl<'de> Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let ($($field,)*) = <($($ty,)*)>::deserialize(d)?;
                    Ok($name { $($field),* })
                }
            }

            impl StoreOp for $name {
                type Answer = $answer;
                fn into_request(self) -> StoreRequest { StoreRequest::$name(self) }
            }
        )*

        /// Every request, as it travels to the store.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub enum StoreRequest { $($name($name)),* }

        impl StoreRequest {
            /// The operation's name on the wire, for logs and errors.
            pub fn name(&self) -> &'static str {
                match self { $(StoreRequest::$name(_) => stringify!($method)),* }
            }
        }

        /// Runs a request on `backend` and answers with its JSON text (written
        /// straight from the answer, no `Value` in between).
        pub async fn dispatch<B>(backend: &B, request: StoreRequest) -> Result<String, WorldError>
        where
            B: Sized $(+ Handle<$name>)*,
        {
            match request {
                $(StoreRequest::$name(op) => {
                    let answer: $answer = <B as Handle<$name>>::handle(backend, op).await?;
                    Ok(serde_json::to_string(&answer)?)
                })*
            }
        }

        /// The typed methods every store client has, one per operation.
        pub trait Store: StoreTransport {
            $(
                $(#[$doc])*
                fn $method(&self, $($field: $ty),*) -> Answer<'_, $answer> {
                    Answer::new(self, $name { $($field),* }.into_request())
                }
            )*
        }

        impl<T: StoreTransport> Store for T {}
    };
}

store_ops! {
    /// Records a new inbound event once; a second delivery is not accepted.
    ingest => Ingest { record: EventRecord } -> Ingested;
    /// Starts an attempt: `None` when the event is done, parked or unknown.
    claim => Claim { key: String } -> Claimed<EventRecord>;
    /// Saves an event's progress (and, with a contact, when the bridge wrote it).
    update => Update { record: EventRecord } -> Ack;
    /// A parked event back to queued; `None` when it is not parked.
    replay => Replay { key: String } -> Option<EventRecord>;
    /// A page of events, newest first.
    events => Events { query: EventQuery } -> EventPage;
    /// Events and syncs stuck queued or processing: touched, to be re-queued.
    stale => Stale { older_than_ms: Option<u64> } -> Swept;
    /// The contact ids known for identity keys (`email:...`, `phone:...`).
    identity_get => IdentityGet { keys: Vec<String> } -> BTreeMap<String, String>;
    identity_put => IdentityPut { keys: Vec<String>, contact_id: String } -> Ack;
    mapping_get => MappingGet { source_id: String } -> Option<String>;
    mapping_put => MappingPut { source_id: String, mapping: String } -> Ack;
    mapping_delete => MappingDelete { source_id: String } -> bool;
    /// One GHL call in `lane` within the location's budget, or how long to wait.
    rate_acquire => RateAcquire { limit: u32, window_ms: u64, lane: Lane } -> Grant;
    /// GHL said 429: nobody calls for this location for `ms`.
    rate_pause => RatePause { ms: u64 } -> Ack;
    /// One GHL webhook: a redelivery, an echo, or a change (kept to sync on).
    ghl_event => RecordGhlEvent { event: GhlEventIn } -> GhlRecorded;
    ghl_event_claim => ClaimGhlEvent { webhook_id: String } -> Claimed<ClaimedGhlEvent>;
    ghl_event_update => UpdateGhlEvent { entry: GhlEventEntry } -> Ack;
    ghl_event_replay => ReplayGhlEvent { webhook_id: String } -> bool;
    ghl_events => GhlEvents { limit: u32 } -> Vec<GhlEventEntry>;
    /// The contact's tags now, answering the ones it had when last seen.
    tags_swap => SwapTags { contact_id: String, tags: Vec<String> } -> Option<Vec<String>>;
    /// Tags the bridge is about to add (their webhook is then an echo).
    tags_merge => MergeTags { contact_id: String, tags: Vec<String> } -> Ack;
    /// Of `tags`, the ones the contact may not have yet, nothing written
    /// ([`super::echo::merge_known_tags`]).
    tags_news => TagNews { contact_id: String, tags: Vec<String> } -> Vec<String>;
    /// Small values kept per location (group ids, person links, fingerprints).
    kv_get => KvGet { key: String } -> Option<Value>;
    /// Stores a value (`null` deletes it) and answers the one it replaced.
    kv_put => KvPut { key: String, value: Value } -> Option<Value>;
    kv_delete => KvDelete { key: String } -> bool;
    /// Stores a secret, sealed with `SECRETS_KEY` (refused without one,
    /// but on the local sandbox); read back with `kv_get`.
    secret_put => SecretPut { key: SecretKey, value: Value } -> Ack;
    /// Stores a value only if the key is free; answers the one holding it.
    kv_put_if_absent => KvPutIfAbsent { key: String, value: Value } -> Option<Value>;
    /// Counts one more occurrence under `key`, seen at `at_ms` (atomic).
    kv_tally => KvTally { key: String, at_ms: u64 } -> Tally;
    /// Every value whose key starts with `prefix`, by key.
    kv_list => KvList { prefix: String } -> Vec<(String, Value)>;
    /// A short exclusive right to do one thing; it lapses by itself.
    lease_acquire => LeaseAcquire { name: String, ttl_ms: u64 } -> bool;
    lease_release => LeaseRelease { name: String } -> Ack;
    oauth_put => PutOAuth { tokens: OAuthTokens } -> Ack;
    /// A usable OAuth access token, refreshed (once at a time) when due.
    oauth_access => OAuthAccess {} -> TokenAnswer;
    /// Deletes what is older than the retention period, payloads first, as
    /// of now (or of `as_of_ms`, to see what a later run will delete).
    retain => Retain { retention_days: u32, as_of_ms: Option<u64> } -> RetentionReport;
    /// Events per time bucket by outcome since `since_ms`, the parked ones
    /// of all time and the last arrival: the console's health of a location.
    event_summary => EventSummaryRequest { since_ms: u64, bucket_ms: u64 } -> EventSummary;
    /// Forgets a person (GDPR erasure, a contact deleted in GHL): the inbound
    /// events `search` finds, the GHL events and caches (tags, writes) of its
    /// contacts, and identity keys naming them or listed in `identity_keys`.
    erase => Erase { search: ContactSearch, identity_keys: Vec<String> } -> Erased;
    /// Seals again with the current `SECRETS_KEY` every secret the store keeps
    /// in clear or under the previous key (a rotation), at once.
    reseal => Reseal {} -> Resealed;
    /// What the store was asked and read and wrote since its instance
    /// started ([`super::usage`]); asking is not counted.
    usage => UsageRequest {} -> super::usage::Usage;
    /// Rows and bytes the location's storage holds.
    storage_report => StorageReportRequest {} -> StorageReport;
}

/// What a re-seal did: secrets sealed again, and those it could not open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resealed {
    pub resealed: u64,
    /// Sealed with a key neither `SECRETS_KEY` nor `SECRETS_KEY_PREVIOUS`
    /// opens: still there, unreadable until that key is given back.
    pub remaining: u64,
}

/// What an erasure removed, by kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erased {
    /// Inbound events (their payloads with them).
    pub events: u64,
    /// GHL webhooks about the contacts (entries and bodies).
    pub ghl_events: u64,
    pub identity_keys: u64,
    /// Per-contact caches: tags as last seen, when the bridge wrote it.
    pub contacts: u64,
}

/// How many times something was counted, and when last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub count: u64,
    pub last_at_ms: u64,
}

impl Tally {
    /// `held`: the value kept under the key so far (anything else counts as none).
    pub fn counted_once_more(held: Option<&Value>, at_ms: u64) -> Tally {
        let before: Tally = held
            .and_then(|v| json::from_value(v.clone()).ok())
            .unwrap_or_default();
        Tally {
            count: before.count + 1,
            last_at_ms: before.last_at_ms.max(at_ms),
        }
    }
}

/// An empty answer: the operation was done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ingested {
    pub accepted: bool,
    /// The record as stored: the new one, or the first delivery's.
    pub record: EventRecord,
    /// How long the queue should hold a new event (pacing the location's backlog).
    #[serde(default)]
    pub delay_ms: u64,
}

/// An attempt started on `record`, or why not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claimed<T> {
    pub record: Option<T>,
    /// Done or parked already, or `processing`: another attempt holds it.
    pub skip: Option<EventStatus>,
}

impl<T> Claimed<T> {
    pub fn started(record: T) -> Claimed<T> {
        Claimed {
            record: Some(record),
            skip: None,
        }
    }

    /// `None`: unknown.
    pub fn refused(skip: Option<EventStatus>) -> Claimed<T> {
        Claimed { record: None, skip }
    }
}

/// Which events, and from where on (the cursor of the previous page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventQuery {
    pub status: Option<EventStatus>,
    pub source_id: Option<String>,
    pub limit: u32,
    pub cursor: Option<String>,
    /// Only the events about one person (see [`super::search`]).
    pub contact: Option<ContactSearch>,
}

/// One person's events: those written to a contact the identity cache knows
/// for the e-mail or phone, and those whose payload holds it (parked before
/// any write, say).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactSearch {
    pub contact_ids: Vec<String>,
    /// Lower-case text the payload holds (the e-mail, also URL-encoded).
    pub texts: Vec<String>,
    /// The phone's last digits, found in a payload once its separators
    /// ([`PHONE_SEPARATORS`]) are gone, however it was written.
    pub digits: Option<String>,
}

/// What people put between a phone's digits (and a form's encoding of a
/// space): dropped from a payload before looking for the digits.
pub const PHONE_SEPARATORS: [&str; 7] = ["%20", " ", ".", "-", "+", "(", ")"];

impl ContactSearch {
    /// The in-memory reading of the query (the Durable Object's is SQL).
    pub fn matches(&self, record: &EventRecord) -> bool {
        if record
            .contact_id
            .as_ref()
            .is_some_and(|id| self.contact_ids.contains(id))
        {
            return true;
        }
        let payload = crate::case::lower(&record.payload);
        if self.texts.iter().any(|t| payload.contains(t.as_str())) {
            return true;
        }
        self.digits.as_ref().is_some_and(|digits| {
            let bare = PHONE_SEPARATORS
                .iter()
                .fold(payload.clone(), |text, sep| text.replace(sep, ""));
            bare.contains(digits.as_str())
        })
    }
}

impl EventQuery {
    /// From the admin route's query string (`limit` defaults to 200).
    pub fn from_params(
        status: Option<String>,
        source: Option<String>,
        limit: Option<String>,
        cursor: Option<String>,
    ) -> Result<EventQuery, String> {
        let status = match status {
            None => None,
            Some(s) => Some(
                crate::json::from_value(Value::String(s.clone())).map_err(|_| {
                    format!(
                        "`status` is one of queued, processing, done, parked, ignored, not `{s}`"
                    )
                })?,
            ),
        };
        Ok(EventQuery {
            status,
            source_id: source,
            limit: limit.and_then(|l| l.parse().ok()).unwrap_or(200),
            cursor,
            contact: None,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Pass it back for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A page position: the last event shown (newest-first order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor<'a> {
    pub received_at_ms: u64,
    pub key: &'a str,
}

impl<'a> Cursor<'a> {
    pub fn after(record: &'a EventRecord) -> Cursor<'a> {
        Cursor {
            received_at_ms: record.received_at_ms,
            key: &record.key,
        }
    }

    pub fn encode(&self) -> String {
        format!("{}:{}", self.received_at_ms, self.key)
    }

    pub fn decode(text: &'a str) -> Option<Cursor<'a>> {
        let (at, key) = text.split_once(':')?;
        Some(Cursor {
            received_at_ms: at.parse().ok()?,
            key,
        })
    }

    /// Whether `record` comes after this position (older, or same time and
    /// a smaller key): the order every backend pages in.
    pub fn precedes(&self, record: &EventRecord) -> bool {
        (record.received_at_ms, record.key.as_str()) < (self.received_at_ms, self.key)
    }
}

/// A verified GHL webhook, as the store needs it to decide.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlEventIn {
    pub webhook_id: String,
    pub event_type: crate::ghl::webhooks::GhlEventType,
    pub contact_id: Option<String>,
    pub echo_window_ms: u64,
    /// The bridge can act on this event (a rule, or a consent step).
    pub syncable: bool,
    /// Acted on without rules saved in the store: the deployment's rules
    /// (`SYNC_RULES`) apply, or it is a consent step that needs none.
    pub needs_no_saved_rules: bool,
    /// The event's body, kept when it is to be synced on.
    pub body: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GhlRecorded {
    pub outcome: GhlOutcome,
    /// Queued to sync on to Spot-Hit and Specter.
    pub queued: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimedGhlEvent {
    pub entry: GhlEventEntry,
    pub event: Value,
}

/// What one retention run deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    /// Payloads (inbound) and bodies (GHL) of settled events dropped.
    pub payloads_dropped: u64,
    pub events_deleted: u64,
    pub ghl_events_deleted: u64,
    /// Identity keys, echo marks, tag snapshots, leases and OAuth states.
    pub other_deleted: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_travels_tagged_and_unknown_fields_are_refused() {
        let wire = serde_json::to_value(Claim { key: "k1".into() }.into_request()).unwrap();
        assert_eq!(wire, serde_json::json!({"claim": ["k1"]}));
        let back: StoreRequest = serde_json::from_str(&wire.to_string()).unwrap();
        assert_eq!(back.name(), "claim");
        let read = |text: &str| serde_json::from_str::<StoreRequest>(text);
        assert!(
            read(r#"{"claim": []}"#).is_err(),
            "a missing field is an error, not a default"
        );
        assert!(read(r#"{"nope": ["k1"]}"#).is_err());
        assert!(
            read(r#"{"claim": ["k1", ["k2"]]}"#).is_err(),
            "one too many"
        );
        assert!(
            read(r#"{"claim": {"key": "k1"}}"#).is_err(),
            "names are not read"
        );
        let two = IdentityPut {
            keys: vec!["email:a@b.fr".into()],
            contact_id: "c1".into(),
        };
        let two = serde_json::to_string(&two.into_request()).unwrap();
        assert_eq!(two, r#"{"identityPut":[["email:a@b.fr"],"c1"]}"#);
        let none = serde_json::to_string(&OAuthAccess {}.into_request()).unwrap();
        assert_eq!(none, r#"{"oAuthAccess":null}"#);
        assert_eq!(read(&none).unwrap().name(), "oauth_access");
    }

    #[test]
    fn cursors_round_trip_and_order_newest_first() {
        let c = Cursor::decode("1700:abc").unwrap();
        assert_eq!(c.encode(), "1700:abc");
        assert!(Cursor::decode("x:abc").is_none());
    }
}
