//! The records a location's store keeps and the closed sets they use: the
//! inbound events (their status, outcome, reason code), the GHL webhooks and
//! their sync, the health summary's points, the OAuth token answer. The store
//! protocol (`protocol`) carries them and both stores keep them; the admin
//! API (`crate::admin_api`) answers with them. This module depends on
//! neither, so the two can change apart.

use serde::{Deserialize, Serialize};

fn is_zero(n: &u64) -> bool {
    *n == 0
}
use crate::ghl::webhooks::GhlEventType;
use crate::mapping::PayloadFormat;

/// One inbound event as the Worker's store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// The idempotency key, also the event's id in the admin API.
    pub key: String,
    pub source_id: String,
    /// What kind of source it came from, decided where it arrived (records
    /// stored before kinds were kept: none, read from the id by `kind()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<crate::sources::EventKind>,
    /// The source's own id for the delivery, when it sends one.
    pub event_id: Option<String>,
    pub received_at_ms: u64,
    /// `json` or `form`.
    pub format: PayloadFormat,
    pub payload: String,
    pub status: EventStatus,
    pub attempts: u32,
    /// Follow-up steps already done (resume point after a failure).
    pub steps_done: usize,
    pub contact_id: Option<String>,
    pub action: Option<ContactAction>,
    pub error: Option<String>,
    /// Why it is parked, as a code (records parked before codes: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ParkCode>,
    /// GHL calls made for this event, all attempts included.
    pub ghl_calls: u32,
    pub warnings: Vec<String>,
    /// Last change of this record (received, claimed, progressed, parked).
    #[serde(default)]
    pub updated_at_ms: u64,
    /// Paced behind the location's backlog: queued to run from this time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub due_at_ms: u64,
    /// The mapping the last attempt ran the payload through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<MappingUsed>,
    /// The GHL requests sent for this event, oldest first (the last
    /// [`GHL_REQUESTS_KEPT`]), each with what GHL answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ghl_requests: Vec<GhlRequestLog>,
    /// The notes this event wrote, in the mapping's order: replayed after its
    /// mapping was fixed, the event updates a note whose text changed
    /// instead of writing it twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes_written: Vec<WrittenNote>,
}

/// A note an event wrote: GHL's id, and a digest of its title and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenNote {
    pub id: String,
    pub digest: String,
}

impl WrittenNote {
    /// The digest of a note's title and text (MD5: to notice a change, not
    /// to keep a secret).
    pub fn digest(title: Option<&str>, body: &str) -> String {
        use md5::{Digest, Md5};
        let mut hasher = Md5::new();
        hasher.update(title.unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(body.as_bytes());
        crate::secrets::lower_hex(&hasher.finalize())
    }
}

impl EventRecord {
    /// The kind of source the event came from.
    pub fn kind(&self) -> crate::sources::EventKind {
        self.kind
            .unwrap_or_else(|| crate::sources::EventKind::of_source_id(&self.source_id))
    }
}

/// How many of an event's GHL requests its record keeps (retries add up).
pub const GHL_REQUESTS_KEPT: usize = 20;

/// The mapping an event ran through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MappingUsed {
    /// The one saved for its source.
    Saved,
    /// A built-in template (the source's own, else the generic web form).
    Builtin { template: String },
}

/// Which of an event's GHL calls a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GhlStep {
    Upsert,
    Tags,
    Note,
    Task,
    Appointment,
    RemoveTags,
    Workflow,
    Campaign,
    Followers,
}

impl GhlStep {
    /// Its name on the wire, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            GhlStep::Upsert => "upsert",
            GhlStep::Tags => "tags",
            GhlStep::Note => "note",
            GhlStep::Task => "task",
            GhlStep::Appointment => "appointment",
            GhlStep::RemoveTags => "removeTags",
            GhlStep::Workflow => "workflow",
            GhlStep::Campaign => "campaign",
            GhlStep::Followers => "followers",
        }
    }
}

/// One GHL request an event made, and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlRequestLog {
    pub step: GhlStep,
    pub method: String,
    /// The path and query, without the host (never a credential).
    pub path: String,
    /// GHL's HTTP status; none when no answer came (the network).
    pub status: Option<u16>,
    /// What went wrong, in GHL's words where it gave some; none on success.
    pub message: Option<String>,
    pub at_ms: u64,
}

/// What the event did to the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContactAction {
    Created,
    Updated,
    /// Already known to the bridge with nothing on it to write (a delivery
    /// receipt): no upsert, only the follow-ups.
    Matched,
}

/// What a GHL webhook was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GhlOutcome {
    /// Seen before (same webhookId): not recorded again.
    Duplicate,
    /// The bridge's own write coming back.
    Echo,
    /// A change made in GHL.
    Recorded,
}

/// An event still queued or processing this long after its last change was
/// lost by the queue (or its consumer died): the cron puts it back. Longer than
/// the longest retry delay (300 s) plus one attempt.
pub const STALE_AFTER_MS: u64 = 15 * 60 * 1000;

/// Why an event was parked, as a closed set: dead letters group by it (the
/// text beside it names the contacts, fields and values, for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParkCode {
    /// The payload cannot be read, or the mapping gives an error for it.
    BadPayload,
    /// The source's saved mapping (or the sync rules) do not parse.
    InvalidConfiguration,
    /// The e-mail and the phone belong to two different contacts.
    IdentityConflict,
    /// A custom field the mapping names does not exist at the location.
    UnknownCustomField,
    /// GHL answered with a refusal that trying again will not change.
    GhlRefused,
    /// Spot-Hit or Specter refused, or is not connected.
    AppRefused,
    /// Every attempt failed on something that may pass later.
    GaveUp,
    /// Anything else (a GHL answer without what it should hold, ...).
    Other,
}

impl ParkCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ParkCode::BadPayload => "badPayload",
            ParkCode::InvalidConfiguration => "invalidConfiguration",
            ParkCode::IdentityConflict => "identityConflict",
            ParkCode::UnknownCustomField => "unknownCustomField",
            ParkCode::GhlRefused => "ghlRefused",
            ParkCode::AppRefused => "appRefused",
            ParkCode::GaveUp => "gaveUp",
            ParkCode::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventStatus {
    Queued,
    Processing,
    Done,
    /// A dead letter: it needs a person (see `error`), then a replay.
    Parked,
    /// Recorded and not synced: its location uninstalled the app (see `error`).
    Ignored,
}

impl EventStatus {
    /// Its name on the wire, as the store's status column keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Queued => "queued",
            EventStatus::Processing => "processing",
            EventStatus::Done => "done",
            EventStatus::Parked => "parked",
            EventStatus::Ignored => "ignored",
        }
    }
}

/// One GHL webhook as the Worker saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlEventEntry {
    pub webhook_id: String,
    #[serde(rename = "type")]
    pub event_type: GhlEventType,
    pub contact_id: Option<String>,
    pub received_at_ms: u64,
    /// `recorded` (a change made in GHL), `echo` (of the bridge's own write).
    pub outcome: GhlOutcome,
    /// Syncing it on to Spot-Hit and Specter under the rules; absent when
    /// there are no rules or the event is an echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<OutboundState>,
}

/// Where the sync of one GHL event to Spot-Hit and Specter stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundState {
    pub status: EventStatus,
    pub attempts: u32,
    /// What the rules made of the event (set once, on the first attempt).
    pub plan: Option<Vec<crate::outbound::PlannedAction>>,
    /// Actions of the plan already done (a retry resumes after them).
    pub steps_done: usize,
    /// One line per action done: what happened.
    pub results: Vec<String>,
    pub error: Option<String>,
    /// Why it is parked, as a code (syncs parked before codes: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ParkCode>,
    #[serde(default)]
    pub updated_at_ms: u64,
}

impl OutboundState {
    pub fn queued() -> OutboundState {
        OutboundState {
            status: EventStatus::Queued,
            attempts: 0,
            plan: None,
            steps_done: 0,
            results: Vec::new(),
            error: None,
            reason_code: None,
            updated_at_ms: 0,
        }
    }
}

/// `POST /v1/admin/sweep`: the events put back on the queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Swept {
    /// Inbound event ids.
    pub inbound: Vec<String>,
    /// GHL webhook ids (syncs back).
    pub ghl: Vec<String>,
}

/// `GET /v1/admin/storage`: what a location's storage holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageReport {
    /// The SQLite database's size.
    pub bytes: u64,
    pub events: u64,
    /// Events whose payload is still kept.
    pub payloads: u64,
    pub ghl_events: u64,
    pub identity_keys: u64,
    pub other_rows: u64,
}

/// Events of one time bucket, by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    /// The bucket's start.
    pub at_ms: u64,
    /// Done at the first attempt.
    pub done: u64,
    /// Done after retries.
    pub retried: u64,
    pub parked: u64,
    pub ignored: u64,
    /// Queued or processing still.
    pub pending: u64,
    /// GHL calls the bucket's events made.
    pub ghl_calls: u64,
}

impl SeriesPoint {
    /// Counts `n` events of `status` (of which `retried` took more than one attempt).
    pub fn add(&mut self, status: EventStatus, n: u64, retried: u64, calls: u64) {
        match status {
            EventStatus::Done => {
                self.done += n - retried.min(n);
                self.retried += retried.min(n);
            }
            EventStatus::Parked => self.parked += n,
            EventStatus::Ignored => self.ignored += n,
            EventStatus::Queued | EventStatus::Processing => self.pending += n,
        }
        self.ghl_calls += calls;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// Oldest first; buckets without events are left out.
    pub points: Vec<SeriesPoint>,
    pub parked_total: u64,
    pub last_event_at_ms: Option<u64>,
}

/// A GHL access token, or why there is none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAnswer {
    pub access_token: Option<String>,
    /// This call refreshed it.
    #[serde(default)]
    pub refreshed: bool,
    pub error: Option<String>,
    /// Trying later may help (GHL unreachable, a refresh in flight too long).
    #[serde(default)]
    pub retryable: bool,
}

impl TokenAnswer {
    pub fn token(access_token: String, refreshed: bool) -> TokenAnswer {
        TokenAnswer {
            access_token: Some(access_token),
            refreshed,
            ..TokenAnswer::default()
        }
    }

    pub fn failed(error: impl Into<String>, retryable: bool) -> TokenAnswer {
        TokenAnswer {
            error: Some(error.into()),
            retryable,
            ..TokenAnswer::default()
        }
    }
}

/// A value the store keeps sealed (tokens, keys, signing secrets): the key
/// says it, so the store seals by the operation (`secret_put`), never by
/// reading a key's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretKey {
    /// The location's profile: its private-integration token, Spot-Hit and
    /// Specter keys.
    Profile,
    /// The location's (or agency's) OAuth tokens.
    OAuth,
    /// Its alert destination, with the secret alerts are signed with.
    AlertDestination,
    /// A form source, with its signing secrets.
    FormSource(String),
}

impl SecretKey {
    /// Where it is kept.
    pub fn key(&self) -> String {
        match self {
            SecretKey::Profile => "profile".into(),
            SecretKey::OAuth => "~oauth".into(),
            SecretKey::AlertDestination => "alert-destination".into(),
            SecretKey::FormSource(id) => format!("form-source:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::EventKind;

    /// A parked receipt and a GHL sync as the build before kinds and reason
    /// codes (2c3453f) stored them: they read, the kind from the source id.
    #[test]
    fn records_stored_by_the_previous_build_still_read() {
        let event = r#"{"key":"evt_1","sourceId":"spothit-status","eventId":"99","receivedAtMs":1795000000000,
            "format":"form","payload":"","status":"parked","attempts":8,"stepsDone":0,"contactId":null,
            "action":null,"error":"gave up after 8 attempts: busy","ghlCalls":8,"warnings":[],"updatedAtMs":1795000001000,
            "dueAtMs":1795000000500,"mapping":{"kind":"builtin","template":"spothit-status"}}"#;
        let record: EventRecord = serde_json::from_str(event).unwrap();
        assert_eq!(record.kind, None);
        assert_eq!(record.kind(), EventKind::SpotHitStatus);
        assert_eq!(record.reason_code, None);
        let entry = r#"{"webhookId":"w1","type":"ContactTagUpdate","contactId":"c1","receivedAtMs":1795000000000,
            "outcome":"recorded","sync":{"status":"parked","attempts":1,"plan":null,"stepsDone":0,"results":[],
            "error":"a rule needs Spot-Hit","updatedAtMs":1795000000000}}"#;
        let entry: GhlEventEntry = serde_json::from_str(entry).unwrap();
        assert_eq!(entry.sync.unwrap().reason_code, None);
    }
}
