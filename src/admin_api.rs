//! The Worker's admin API as types: the Worker answers with these, and the
//! npm module's TypeScript types (`npm/index.d.ts`) describe them for
//! `BridgeClient`, which refuses the answers of a Worker of another version.
//! Every admin route needs `Authorization: Bearer <ADMIN_TOKEN>`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The core's version, which the Worker and the npm module are built from.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The header in which the Worker says its [`VERSION`] on every answer, so a
/// client of another version refuses its answers instead of misreading them.
pub const VERSION_HEADER: &str = "x-ghl-bridge-version";

/// Routes, relative to the Worker's origin.
pub mod routes {
    pub const EVENTS: &str = "/v1/admin/events";
    pub const GHL_EVENTS: &str = "/v1/admin/ghl-events";
    pub const DEAD_LETTERS: &str = "/v1/admin/dead-letters";
    /// GET / PUT the sync-back rules (Spot-Hit, Specter).
    pub const SYNC_RULES: &str = "/v1/admin/sync-rules";
    /// POST: poll Specter now instead of waiting for the cron.
    pub const SPECTER_POLL: &str = "/v1/admin/specter/poll";
    /// POST `{"email"?, "phone"?}`: forget a person but its opt-out.
    pub const ERASURE: &str = "/v1/admin/erasure";
    /// POST: re-queue events stuck queued or processing (`?olderThanMs=`).
    pub const SWEEP: &str = "/v1/admin/sweep";
    /// GET: can the Worker reach GHL with its credentials.
    pub const GHL_CONNECTION: &str = "/v1/admin/ghl-connection";
    /// GET: the location's storage (rows, bytes).
    pub const STORAGE: &str = "/v1/admin/storage";
    /// POST: apply retention now (`?days=`, `?asOfMs=`).
    pub const RETENTION: &str = "/v1/admin/retention";
    /// GET (operator): GHL webhooks for locations nobody installed, counted.
    pub const UNKNOWN_LOCATIONS: &str = "/v1/admin/unknown-locations";
    /// GET: the location's custom fields (cached for an hour).
    pub const CUSTOM_FIELDS: &str = "/v1/admin/custom-fields";
    /// GET `?hours=` (24; at most 168): events per hour by outcome, dead letters, alerts.
    pub const HEALTH: &str = "/v1/admin/health";
    /// GET | PUT: where the location's alerts go, and the last ones sent.
    pub const ALERTS: &str = "/v1/admin/alerts";
    /// GET (operator): every location.
    pub const LOCATIONS: &str = "/v1/admin/locations";

    /// `rest` (a per-location route without `/v1/admin/`) for one location.
    pub fn location(location_id: &str, rest: &str) -> String {
        match rest {
            "" => format!("/v1/admin/locations/{location_id}"),
            rest => format!("/v1/admin/locations/{location_id}/{rest}"),
        }
    }

    /// POST: put a parked sync back of a GHL event on the queue again.
    pub fn replay_ghl_event(webhook_id: &str) -> String {
        format!("/v1/admin/ghl-events/{webhook_id}/replay")
    }

    pub fn replay(event_id: &str) -> String {
        format!("/v1/admin/dead-letters/{event_id}/replay")
    }

    /// GET (the stored mapping), PUT (mapping text), DELETE.
    pub fn mapping(source_id: &str) -> String {
        format!("/v1/admin/mappings/{source_id}")
    }

    /// POST a payload: it goes through the whole pipeline as if `source_id`
    /// had sent it (authenticated by the admin token instead of the source's).
    pub fn test_event(source_id: &str) -> String {
        format!("/v1/admin/sources/{source_id}/test-event")
    }
}

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
    pub format: crate::mapping::PayloadFormat,
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

fn is_zero(n: &u64) -> bool {
    *n == 0
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

/// `GET /v1/admin/events?limit=N&status=&source=&cursor=`, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    pub events: Vec<EventRecord>,
    /// Pass it as `cursor` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/admin/dead-letters`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetters {
    pub dead_letters: Vec<EventRecord>,
}

/// One GHL webhook as the Worker saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlEventEntry {
    pub webhook_id: String,
    #[serde(rename = "type")]
    pub event_type: crate::ghl::webhooks::GhlEventType,
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

/// `GET /v1/admin/ghl-events`, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GhlEventList {
    pub events: Vec<GhlEventEntry>,
}

/// The answer to a webhook, a test event or a replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// `queued` (202) or `duplicate` (200: seen before, not queued again).
    pub status: String,
    pub event_id: String,
    /// For a duplicate: where the first delivery stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<EventStatus>,
}

/// `GET /v1/admin/mappings/{sourceId}`: `mapping` is null when the source uses
/// its built-in template.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMapping {
    pub source_id: String,
    pub mapping: Option<String>,
}

/// `PUT /v1/admin/mappings/{sourceId}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingSaved {
    pub source_id: String,
    pub saved: bool,
}

/// `DELETE /v1/admin/mappings/{sourceId}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingDeleted {
    pub source_id: String,
    pub deleted: bool,
    /// What the source uses from now on.
    pub now: String,
}

/// `GET /v1/admin/sync-rules`: the rules text and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncRulesAnswer {
    pub rules: Option<String>,
    /// `admin` (saved through the API) or `SYNC_RULES` (the variable).
    pub from: Option<String>,
}

/// `PUT /v1/admin/sync-rules`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub saved: bool,
    /// Saved all the same, worth a look (an SMS without its STOP mention).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `POST /v1/admin/ghl-events/{webhookId}/replay`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlReplayed {
    pub status: String,
    pub webhook_id: String,
}

/// `GET /v1/admin/ghl-connection`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GhlConnection {
    pub connected: bool,
    /// `GHL_TOKEN` or `oauth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// This call refreshed the OAuth token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed: Option<bool>,
    /// Why not connected, and whether trying later may help.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
}

impl GhlConnection {
    /// A private-integration or location token serves the location.
    pub fn by_token() -> GhlConnection {
        GhlConnection {
            connected: true,
            via: Some("GHL_TOKEN".into()),
            ..Default::default()
        }
    }

    /// What the location's OAuth install gave.
    pub fn by_oauth(answer: crate::sync::protocol::TokenAnswer) -> GhlConnection {
        match answer.access_token {
            Some(_) => GhlConnection {
                connected: true,
                via: Some("oauth".into()),
                refreshed: Some(answer.refreshed),
                ..Default::default()
            },
            None => GhlConnection {
                connected: false,
                reason: answer.error,
                retryable: Some(answer.retryable),
                ..Default::default()
            },
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

/// One list or saved search in a Specter poll.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecterSourceReport {
    pub source: String,
    pub fetched: u32,
    /// New or changed people sent into the pipeline.
    pub queued: u32,
    pub unchanged: u32,
    /// No e-mail (and `fetchEmails` off, or Specter has none): not synced.
    pub without_email: u32,
    pub requests: u32,
    pub credits_spent: u32,
    /// Why the source was not read to the end (credit budget, an error).
    pub stopped: Option<String>,
}

/// `POST /v1/admin/specter/poll` (and the cron's log line).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecterPollReport {
    /// The sources read (the cron leaves those not due yet).
    pub sources: Vec<SpecterSourceReport>,
    /// The team's credits left, as Specter's last answer said.
    pub credits_remaining: Option<u64>,
    /// The location's spending against its `dailyCredits` and `monthlyCredits`.
    #[serde(default)]
    pub credits_spent_today: Option<u64>,
    #[serde(default)]
    pub credits_spent_this_month: Option<u64>,
    /// Why nothing was polled (no rules, no key).
    pub note: Option<String>,
}

/// One location the deployment serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationEntry {
    pub id: String,
    pub name: String,
    /// The bridge can call GHL for it.
    pub connected: bool,
    /// `oauth` (an install), `token` (a private-integration token an admin
    /// set, or `GHL_TOKEN`), `none`.
    pub auth: String,
    /// The agency it was installed from, for a bulk install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

impl LocationEntry {
    /// The deployment's own location, from its variables.
    pub fn deployments(id: &str, env_token: bool, oauth: bool) -> LocationEntry {
        let (connected, auth) = match (env_token, oauth) {
            (true, _) => (true, "token"),
            (false, true) => (true, "oauth"),
            (false, false) => (false, "none"),
        };
        LocationEntry {
            id: id.to_string(),
            name: id.to_string(),
            connected,
            auth: auth.into(),
            company_id: None,
        }
    }
}

/// `GET /v1/admin/locations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocationList {
    pub locations: Vec<LocationEntry>,
}

/// `GET /v1/admin/locations?healthHours=`: every location with its health
/// over that many hours, so the console's first screen is one request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocationHealthList {
    pub locations: Vec<LocationWithHealth>,
}

/// One location and its health, or why its health could not be read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationWithHealth {
    #[serde(flatten)]
    pub entry: LocationEntry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<LocationHealth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_error: Option<String>,
}

/// `PUT /v1/admin/locations/{locationId}`: what to change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationUpdate {
    pub name: Option<String>,
    /// A private-integration or location token (never answered back).
    pub ghl_token: Option<String>,
    pub phone_region: Option<String>,
    pub timezone: Option<String>,
}

/// What a location keeps about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationProfile {
    pub name: Option<String>,
    pub ghl_token: Option<String>,
    pub phone_region: Option<String>,
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spothit: Option<SpotHitAccount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specter: Option<SpecterAccount>,
}

/// A location's Spot-Hit account: its API key, and the secret token in the
/// callback URLs pasted into Spot-Hit (Spot-Hit cannot sign its callbacks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotHitAccount {
    pub api_key: String,
    pub path_token: String,
}

/// A location's Specter account (the lists it polls are in its sync rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecterAccount {
    pub api_key: String,
}

/// The services a location connects to besides GHL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    SpotHit,
    Specter,
}

impl Service {
    pub fn parse(name: &str) -> Option<Service> {
        match name {
            "spothit" => Some(Service::SpotHit),
            "specter" => Some(Service::Specter),
            _ => None,
        }
    }
}

/// `PUT /v1/admin/locations/{locationId}/connections/{spothit|specter}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionUpdate {
    pub api_key: String,
    /// Spot-Hit only: a new callback token (the old URLs stop working).
    #[serde(default)]
    pub rotate_path_token: bool,
}

/// A connection as the admin API shows it: never the key, only its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAnswer {
    pub service: Service,
    pub connected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_last4: Option<String>,
    /// Spot-Hit: the callback paths to paste into Spot-Hit (after the
    /// Worker's origin), answered only when connecting; the token's end otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_urls: Option<SpotHitCallbacks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_token_last4: Option<String>,
}

/// Where Spot-Hit posts delivery receipts, replies and STOPs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotHitCallbacks {
    pub status: String,
    pub reply: String,
    pub stop: String,
}

impl SpotHitCallbacks {
    pub fn under(origin: &str, token: &str) -> SpotHitCallbacks {
        let url = |kind: &str| format!("{origin}/v1/hooks/spothit/{token}/{kind}");
        SpotHitCallbacks {
            status: url("status"),
            reply: url("reply"),
            stop: url("stop"),
        }
    }
}

/// `GET /v1/admin/locations/{locationId}/connections`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Connections {
    pub spothit: ConnectionAnswer,
    pub specter: ConnectionAnswer,
}

/// The last four characters of a secret, the only part ever shown.
pub fn last4(secret: &str) -> String {
    let start = secret
        .char_indices()
        .rev()
        .nth(3)
        .map(|(i, _)| i)
        .unwrap_or(0);
    secret[start..].to_string()
}

/// GHL webhooks for a location the deployment does not serve: counted only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownLocation {
    pub location_id: String,
    pub events: u64,
    pub last_at_ms: u64,
}

/// `GET /v1/admin/unknown-locations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownLocations {
    pub locations: Vec<UnknownLocation>,
}

/// `PUT /v1/admin/locations/{locationId}/sources/{sourceId}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceUpdate {
    pub kind: SourceKind,
    /// `whsec_...`; generated (and answered once) when absent.
    pub signing_secret: Option<String>,
    /// A new secret (the one given, else generated and answered once); the
    /// current one keeps verifying beside it until `dropPreviousSecret`, so a
    /// sender switched later loses nothing.
    #[serde(default)]
    pub rotate_secret: bool,
    /// Ends a rotation: only the new secret verifies from now on.
    #[serde(default)]
    pub drop_previous_secret: bool,
    /// The mapping document; the web-form template when absent.
    pub mapping: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceKind {
    /// A form or any webhook, signed per Standard Webhooks.
    Form,
}

/// A source as a location keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormSource {
    pub id: String,
    pub kind: SourceKind,
    pub signing_secret: String,
    /// During a rotation, the secret being replaced: it verifies too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_signing_secret: Option<String>,
}

impl FormSource {
    /// Every secret a delivery may be signed with, the current first.
    pub fn secrets(&self) -> Vec<String> {
        std::iter::once(self.signing_secret.clone())
            .chain(self.previous_signing_secret.clone())
            .collect()
    }
}

/// A source as the admin API shows it: the secret never, only whether set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAnswer {
    pub source_id: String,
    pub location_id: String,
    pub kind: SourceKind,
    /// Where the source posts.
    pub url_path: String,
    pub signing_secret_last4: String,
    /// During a rotation: the last four of the secret still accepted beside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_last4: Option<String>,
    /// Only in the answer that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    pub mapping: Option<String>,
}

/// `POST /v1/admin/locations/{locationId}/tokens`: shown once, kept hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MintedToken {
    pub token: String,
}

/// Every error: `{"error": {"code", "message", "details"?}}` with a 4xx/5xx.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Stable and machine-readable (`bad_token`, `invalid_mapping`, ...).
    pub code: String,
    /// What was wrong, for people.
    pub message: String,
    /// For `invalid_mapping`: every error with its line and column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: &str, message: &str) -> ApiError {
        ApiError {
            error: ApiErrorBody {
                code: code.into(),
                message: message.into(),
                details: None,
            },
        }
    }
}

/// What an alert is about (one state per condition per location).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AlertCondition {
    /// The location has events parked as dead letters.
    EventParked,
    /// GHL cannot be reached with the location's credentials (uninstalled,
    /// a refresh refused).
    GhlDisconnected,
    /// Specter's credits left are under the location's floor.
    SpecterCreditsLow,
    /// Over the last 15 minutes, more events parked or retried than the
    /// location's threshold (checked by the cron).
    ErrorRate,
    /// GHL's daily allowance for the location is under 10% (checked by the cron).
    DailyAllowanceLow,
    /// A source sent nothing for longer than its expected interval (checked
    /// by the cron).
    SourceSilent,
    /// A contact opted out or was deleted while in a Spot-Hit group the
    /// bridge put it in: a person must take it out (Spot-Hit's API cannot).
    /// Each occurrence is told; it has no resolution.
    OptOutInSpotHitGroup,
    /// Specter credits: the location's daily or monthly budget is spent, or
    /// Specter answered that the team is out of credits; polling stopped.
    SpecterBudgetSpent,
}

/// An alert as sent: it fires, or it clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AlertState {
    Firing,
    Resolved,
}

/// `PUT /v1/admin/locations/{locationId}/alerts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertsUpdate {
    /// A Slack incoming webhook (Slack's body) or any URL (a signed Standard
    /// Webhooks body).
    pub webhook_url: String,
    /// `whsec_...` to sign with; generated (and answered once) when absent.
    pub signing_secret: Option<String>,
    /// Alert when Specter's credits left go under this (default 100).
    pub specter_credits_floor: Option<u64>,
    /// Alert when over this share of the last 15 minutes' events (at least
    /// 10) parked or needed a retry, in percent (default 20).
    pub error_rate_percent: Option<u64>,
    /// Alert when a source sends nothing for longer than this, in minutes, by
    /// source id (`{"demo": 60}`); replaces the kept ones when given.
    pub silent_after_minutes: Option<BTreeMap<String, u64>>,
}

/// Where a location's alerts go, as it keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertDestination {
    pub webhook_url: String,
    pub signing_secret: String,
    pub specter_credits_floor: u64,
    #[serde(default = "default_error_rate")]
    pub error_rate_percent: u64,
    #[serde(default)]
    pub silent_after_minutes: BTreeMap<String, u64>,
}

fn default_error_rate() -> u64 {
    20
}

/// GHL's daily allowance for a location (`X-RateLimit-Limit-Daily`,
/// `X-RateLimit-Daily-Remaining`), as an answer at `at_ms` said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyAllowance {
    pub remaining: u32,
    pub limit: u32,
    pub at_ms: u64,
}

impl DailyAllowance {
    /// Under a tenth of the day's calls left.
    pub fn is_low(&self) -> bool {
        u64::from(self.remaining) * 10 < u64::from(self.limit)
    }
}

/// One alert sent (or tried).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertSent {
    pub condition: AlertCondition,
    pub state: AlertState,
    pub at_ms: u64,
    pub message: String,
    /// The HTTP status the destination answered (none: unreachable).
    pub status: Option<u16>,
}

/// `GET|PUT /v1/admin/locations/{locationId}/alerts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertsAnswer {
    /// `none` when the location has no destination (nor the deployment).
    pub webhook_url: Option<String>,
    /// `slack` or `standardWebhooks`.
    pub format: Option<String>,
    pub signing_secret_last4: Option<String>,
    /// Only in the answer that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    pub specter_credits_floor: Option<u64>,
    pub error_rate_percent: Option<u64>,
    /// Expected intervals by source id, in minutes.
    pub silent_after_minutes: BTreeMap<String, u64>,
    /// Conditions firing now.
    pub firing: Vec<AlertCondition>,
    /// The last alerts sent, newest first.
    pub recent: Vec<AlertSent>,
}

/// `GET /v1/admin/locations/{locationId}/health?hours=`: what the console
/// shows of a location.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationHealth {
    pub location_id: String,
    pub since_ms: u64,
    /// Every event since `since_ms`, by outcome.
    pub totals: crate::sync::protocol::SeriesPoint,
    /// Per hour, oldest first (hours without events are left out).
    pub hourly: Vec<crate::sync::protocol::SeriesPoint>,
    /// Dead letters of all time.
    pub parked: u64,
    pub last_event_at_ms: Option<u64>,
    /// GHL calls of the events received in the last hour.
    pub ghl_calls_last_hour: u64,
    /// GHL's daily allowance as its last answers said (none: no call yet).
    pub ghl_daily: Option<DailyAllowance>,
    pub alerts_firing: Vec<AlertCondition>,
}

#[cfg(test)]
mod tests {
    use super::{EventStatus, GhlStep};

    #[test]
    fn a_ghl_steps_name_in_messages_is_its_name_on_the_wire() {
        use GhlStep::*;
        for step in [Upsert, Tags, Note, Task, Appointment] {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
    }

    #[test]
    fn an_event_status_s_name_is_its_name_on_the_wire() {
        use EventStatus::*;
        for status in [Queued, Processing, Done, Parked, Ignored] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
