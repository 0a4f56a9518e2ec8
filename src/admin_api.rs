//! The Worker's admin API as types: the Worker answers with these, and the
//! npm module's TypeScript types (`npm/index.d.ts`) describe them for
//! `BridgeClient`, which refuses the answers of a Worker of another version.
//! Every admin route needs `Authorization: Bearer <ADMIN_TOKEN>`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The core's version, which the Worker and the npm module are built from.
// The store's records, which the admin API answers with (defined apart so
// the stored shape and the API's other answers can change apart).
pub use crate::sync::model::{
    ContactAction, EventRecord, EventStatus, GhlEventEntry, GhlOutcome, GhlRequestLog, GhlStep,
    MappingUsed, OutboundState, ParkCode, StorageReport, Swept, GHL_REQUESTS_KEPT, STALE_AFTER_MS,
};

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
    /// GET: what the location spent on Specter today and this month, and its budgets.
    pub const SPECTER_BUDGET: &str = "/v1/admin/specter/budget";
    /// POST `{"email"?, "phone"?}`: forget a person but its opt-out.
    pub const ERASURE: &str = "/v1/admin/erasure";
    /// GET: the location's workflow trigger subscriptions, with their fires.
    pub const WORKFLOWS: &str = "/v1/admin/workflows";
    /// GET: the messages GHL sent through the bridge, each with its journey.
    pub const MESSAGES: &str = "/v1/admin/messages";
    /// GET, PUT: whether the bridge is the SMS provider, the sender, replies.
    pub const CONVERSATION_PROVIDER: &str = "/v1/admin/conversation-provider";
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
    /// POST: a test alert to the destination.
    pub const ALERTS_TEST: &str = "/v1/admin/alerts/test";
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
    pub fn by_oauth(answer: crate::sync::model::TokenAnswer) -> GhlConnection {
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
    /// Ask the service first (a free call), save nothing when it refuses
    /// the key, and answer the account's credits (the app's page always asks).
    #[serde(default)]
    pub check: bool,
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
    /// What the account has left, as its service said when the key was
    /// checked (answered only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<AccountCredits>,
}

/// An account's credits as Spot-Hit (premium SMS) or Specter (the team's
/// credits this month) reported them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCredits {
    /// None when the service's answer did not say.
    pub remaining: Option<f64>,
    /// Specter: the month's allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// What they count: `premium SMS` or `Specter credits this month`.
    pub unit: String,
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

/// `GET /v1/admin/locations/{locationId}/sources`: the location's form
/// sources, by id (their secrets' last four only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceList {
    pub sources: Vec<SourceAnswer>,
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
    /// An operator asked for a test alert (the app's page): it fires once
    /// and never resolves.
    Test,
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
    pub totals: crate::sync::model::SeriesPoint,
    /// Per hour, oldest first (hours without events are left out).
    pub hourly: Vec<crate::sync::model::SeriesPoint>,
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
        for step in [
            Upsert,
            Tags,
            Note,
            Task,
            Appointment,
            RemoveTags,
            Workflow,
            Campaign,
            Followers,
        ] {
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
