//! The sandbox's data: locations, tokens, contacts and what hangs off them, the
//! rate-limit windows, injected faults and the request log. One mutex guards it
//! all; handlers hold it briefly and never across an await.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Fixed development credentials, documented in the README and docs/sandbox.md.
pub const DEV_LOCATION: &str = "dev-location";
/// The sandbox's agency and its sub-accounts (a bulk install covers all three).
pub const DEV_COMPANY: &str = "dev-company";
pub const DEV_LOCATIONS: [&str; 3] = [DEV_LOCATION, "dev-location-2", "dev-location-3"];
/// Scopes of an agency (company) token: it can list installs and mint location tokens.
pub const COMPANY_SCOPES: &[&str] = &["oauth.readonly", "oauth.write"];
pub const DEV_TOKEN: &str = "sandbox-location-token";
pub const DEV_READONLY_TOKEN: &str = "sandbox-readonly-token";
pub const OAUTH_CLIENT_ID: &str = "sandbox-client";
pub const OAUTH_CLIENT_SECRET: &str = "sandbox-secret";
pub const SPOTHIT_KEY: &str = "sandbox-spothit-key";
pub const SPECTER_KEY: &str = "sandbox-specter-key";

pub const READ: &str = "contacts.readonly";
pub const WRITE: &str = "contacts.write";
pub const CALENDAR_WRITE: &str = "calendars/events.write";
/// A conversation provider's scopes (ConversationProviders.md).
pub const CONVERSATION_MESSAGE_WRITE: &str = "conversations/message.write";
pub const CONVERSATIONS_READ: &str = "conversations.readonly";
pub const CONVERSATIONS_WRITE: &str = "conversations.write";
pub const ALL_SCOPES: &[&str] = &[
    READ,
    WRITE,
    CALENDAR_WRITE,
    "locations/customFields.readonly",
    CONVERSATION_MESSAGE_WRITE,
    CONVERSATIONS_READ,
    CONVERSATIONS_WRITE,
    WORKFLOWS_READ,
];
/// An app with workflow actions and triggers needs it (CustomTriggers.md);
/// the sandbox asks it of the trigger execute URL.
pub const WORKFLOWS_READ: &str = "workflows.readonly";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Requests per burst window per location (GHL: 100 per 10 s).
    pub burst_limit: u32,
    pub burst_window_ms: u64,
    /// Requests per day per location (GHL: 200 000).
    pub daily_limit: u32,
    /// Access token lifetime (GHL: 86 399 s).
    pub access_token_ttl_secs: u64,
    /// Where signed GHL webhooks go (the Worker's `/v1/hooks/ghl`), if anywhere.
    pub webhook_url: Option<String>,
    /// Where Spot-Hit callbacks go: `<base>/status`, `/reply`, `/stop`.
    pub spothit_callback_base: Option<String>,
    /// The app's conversation provider Delivery URL (the Worker's
    /// `/v1/hooks/ghl/provider/{secret}`): `dev-location` sends SMS there.
    #[serde(default)]
    pub provider_url: Option<String>,
    /// How long after the Delivery URL call GHL refuses a status on the
    /// message (403): about 5 to 10 s (highlevel-api-docs#4).
    #[serde(default = "default_handover_ms")]
    pub handover_ms: u64,
    /// The app's origin (the Worker), where workflow actions and trigger
    /// subscriptions go, and the `x-bridge-key` the portal sends with them.
    #[serde(default)]
    pub app_url: Option<String>,
    #[serde(default, skip_serializing)]
    pub app_key: Option<String>,
}

fn default_handover_ms() -> u64 {
    crate::ghl::conversations::HANDOVER_MS
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            burst_limit: 100,
            burst_window_ms: 10_000,
            daily_limit: 200_000,
            access_token_ttl_secs: 86_399,
            webhook_url: None,
            spothit_callback_base: None,
            provider_url: None,
            handover_ms: default_handover_ms(),
            app_url: None,
            app_key: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    pub name: String,
    pub allow_duplicate_contact: bool,
    /// Region for phone numbers written without a country code.
    pub country: String,
    /// Custom field definitions: `{id, fieldKey, name, dataType}`.
    pub custom_fields: Vec<Value>,
}

/// Who a token or an authorisation code speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    Location(String),
    /// An agency: its token lists installs and mints location tokens.
    Company(String),
}

impl Grantee {
    /// The location, for a location grant ("" for a company: no contact call passes).
    pub fn location_id(&self) -> &str {
        match self {
            Grantee::Location(id) => id,
            Grantee::Company(_) => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    /// "" for a company token.
    pub location_id: String,
    pub company_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<Instant>,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub grantee: Grantee,
    pub scopes: Vec<String>,
    /// Refresh tokens rotate: once used, one is dead.
    pub used: bool,
}

/// Faults injected into `/ghl/` answers. All rates are 0..=1.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Share of requests answered with `error_status` (default 500).
    pub error_rate: f64,
    pub error_status: Option<u16>,
    /// The next N requests get 429 (a storm), whatever the real counters say.
    pub storm_429: u32,
    /// Every request for this many milliseconds from now gets 429 (a storm in time).
    pub storm_429_for_ms: u64,
    /// Added to every answer.
    pub latency_ms: u64,
    /// Share of requests that hang for `timeout_ms` (default 30 s) before answering 504.
    pub timeout_rate: f64,
    pub timeout_ms: Option<u64>,
    /// Share of requests whose connection is dropped without an answer.
    pub drop_rate: f64,
    /// Only requests whose path contains this are affected (e.g. `/contacts/upsert`).
    pub path_contains: Option<String>,
    /// Seed for the fault dice, so a run can be repeated.
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub location_id: Option<String>,
    /// What happened besides the handler: `fault:500`, `fault:429`, `rate-limited`, ...
    pub note: Option<String>,
    pub body: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub webhook_id: String,
    pub event_type: String,
    pub url: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// A request window per location: timestamps in the burst window, and the day's count.
#[derive(Debug, Default)]
pub struct RateWindow {
    pub recent: VecDeque<Instant>,
    pub day_count: u32,
}

/// The custom fields every sandbox location has, as GHL lists them: id,
/// name, fieldKey `contact.xxx`, dataType (the templates' UTM fields among them).
fn seeded_custom_fields(location_id: &str) -> Vec<Value> {
    let fields: [(&str, &str, &str, &[&str]); 11] = [
        ("utm_source", "UTM Source", "TEXT", &[]),
        ("utm_medium", "UTM Medium", "TEXT", &[]),
        ("utm_campaign", "UTM Campaign", "TEXT", &[]),
        ("utm_term", "UTM Term", "TEXT", &[]),
        ("utm_content", "UTM Content", "TEXT", &[]),
        ("linkedin_url", "LinkedIn URL", "TEXT", &[]),
        ("job_title", "Job Title", "TEXT", &[]),
        ("specter_person_id", "Specter Person Id", "TEXT", &[]),
        ("seniority", "Seniority", "TEXT", &[]),
        ("budget", "Budget", "MONETORY", &[]),
        (
            "tier",
            "Tier",
            "SINGLE_OPTIONS",
            &["Gold", "Silver", "Bronze"],
        ),
    ];
    fields
        .iter()
        .enumerate()
        .map(|(i, (key, name, data_type, options))| {
            let mut field = serde_json::json!({"id": format!("cf{:03}", i + 1),
                "fieldKey": format!("contact.{key}"), "name": name, "dataType": data_type,
                "model": "contact", "locationId": location_id});
            if !options.is_empty() {
                field["picklistOptions"] = serde_json::json!(options);
            }
            field
        })
        .collect()
}

pub struct State {
    pub started: Instant,
    pub settings: Settings,
    pub locations: HashMap<String, Location>,
    pub tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub auth_codes: HashMap<String, Grantee>,
    /// Agency -> its locations, and where the app is installed.
    pub companies: HashMap<String, Vec<String>>,
    pub installed: std::collections::BTreeSet<String>,
    /// Contacts by id, as GHL returns them (camelCase JSON objects).
    pub contacts: BTreeMap<String, Map<String, Value>>,
    /// Notes, tasks and appointments by contact id.
    pub notes: HashMap<String, Vec<Map<String, Value>>>,
    pub tasks: HashMap<String, Vec<Map<String, Value>>>,
    pub appointments: HashMap<String, Vec<Map<String, Value>>>,
    pub rate: HashMap<String, RateWindow>,
    pub faults: Faults,
    /// When a time-based 429 storm ends.
    pub storm_until: Option<Instant>,
    pub requests: Vec<LoggedRequest>,
    pub webhooks: Vec<WebhookDelivery>,
    /// What the alert sink received, in order.
    pub alerts: Vec<Value>,
    pub outbox: crate::webhooks::Outbox,
    pub spothit: crate::spothit::SpotHitData,
    pub specter: crate::specter::SpecterData,
    /// Conversations, their messages, each location's SMS provider.
    pub conversations: crate::ghl::conversations::ConversationData,
    /// Workflows using the app's triggers and actions.
    pub workflows: crate::ghl::workflows::WorkflowData,
    /// Each location's campaigns and their members.
    pub campaigns: crate::ghl::membership::CampaignData,
    seq: u64,
    rng: u64,
    /// Ids come from their own generator, seeded from the clock and kept across
    /// resets: a restarted or reset sandbox never hands out an id it gave
    /// before (the Worker's stored state remembers webhook and contact ids).
    ids: u64,
}

impl State {
    pub fn new(settings: Settings) -> State {
        let mut state = State {
            started: Instant::now(),
            settings,
            locations: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            auth_codes: HashMap::new(),
            companies: HashMap::new(),
            installed: Default::default(),
            contacts: BTreeMap::new(),
            notes: HashMap::new(),
            tasks: HashMap::new(),
            appointments: HashMap::new(),
            rate: HashMap::new(),
            faults: Faults::default(),
            storm_until: None,
            requests: Vec::new(),
            webhooks: Vec::new(),
            alerts: Vec::new(),
            outbox: Default::default(),
            spothit: Default::default(),
            specter: crate::specter::SpecterData::seeded(),
            conversations: Default::default(),
            campaigns: crate::ghl::membership::CampaignData::seeded(),
            workflows: crate::ghl::workflows::WorkflowData::seeded(),
            seq: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
            ids: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1,
        };
        state.seed();
        state.conversations = crate::ghl::conversations::ConversationData::seeded(
            state.settings.provider_url.as_deref(),
        );
        state
    }

    /// The fixed starting point: the agency's three locations, a full and a
    /// read-only token, an authorisation code for the OAuth flow.
    fn seed(&mut self) {
        // Each location its own data, duplicate rule and rate budget.
        let names = ["Dev Location", "Dev Location 2", "Dev Location 3"];
        for (i, id) in DEV_LOCATIONS.iter().enumerate() {
            // The second allows duplicates, as some agencies' sub-accounts do.
            self.add_location(id, names[i], i == 1);
        }
        self.add_location_token(DEV_TOKEN, DEV_LOCATION);
        self.tokens.insert(
            DEV_READONLY_TOKEN.into(),
            AccessToken {
                location_id: DEV_LOCATION.into(),
                company_id: None,
                scopes: vec![READ.into()],
                expires_at: None,
            },
        );
        self.auth_codes.insert(
            "sandbox-auth-code".into(),
            Grantee::Location(DEV_LOCATION.into()),
        );
    }

    /// A location of the agency `dev-company`, with the templates' custom fields.
    pub fn add_location(&mut self, id: &str, name: &str, allow_duplicate_contact: bool) {
        self.locations.insert(
            id.to_string(),
            Location {
                id: id.to_string(),
                name: name.into(),
                allow_duplicate_contact,
                country: "FR".into(),
                custom_fields: seeded_custom_fields(id),
            },
        );
        let agency = self.companies.entry(DEV_COMPANY.into()).or_default();
        if !agency.iter().any(|l| l == id) {
            agency.push(id.to_string());
        }
    }

    /// A private-integration token with every scope, for location `id`.
    pub fn add_location_token(&mut self, token: &str, id: &str) {
        let scopes: Vec<String> = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
        self.tokens.insert(
            token.into(),
            AccessToken {
                location_id: id.into(),
                company_id: None,
                scopes,
                expires_at: None,
            },
        );
    }

    /// Back to the seeded state; settings (URLs, limits) are kept.
    pub fn reset(&mut self) {
        let (settings, ids) = (self.settings.clone(), self.ids);
        *self = State::new(settings);
        self.ids = ids;
    }

    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A pseudo-random number in [0, 1): xorshift, reseedable for repeatable faults.
    pub fn dice(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn reseed(&mut self, seed: u64) {
        self.rng = seed.max(1);
    }

    /// A GHL-looking id: 20 characters of [A-Za-z0-9].
    pub fn new_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..20)
            .map(|_| {
                let mut x = self.ids;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.ids = x;
                ALPHABET[((x >> 11) % ALPHABET.len() as u64) as usize] as char
            })
            .collect()
    }

    /// Counts a request against the location's windows. `Err` carries the headers
    /// of the refusal; `Ok` the headers to send with the answer.
    pub fn count_request(&mut self, location_id: &str) -> Result<RateHeaders, RateHeaders> {
        let window = Duration::from_millis(self.settings.burst_window_ms);
        let (burst_limit, daily_limit, window_ms) = (
            self.settings.burst_limit,
            self.settings.daily_limit,
            self.settings.burst_window_ms,
        );
        let now = Instant::now();
        let w = self.rate.entry(location_id.to_string()).or_default();
        while w
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            w.recent.pop_front();
        }
        let over = w.recent.len() as u32 >= burst_limit || w.day_count >= daily_limit;
        if !over {
            w.recent.push_back(now);
            w.day_count += 1;
        }
        let headers = RateHeaders {
            burst_max: burst_limit,
            burst_remaining: burst_limit.saturating_sub(w.recent.len() as u32),
            interval_ms: window_ms,
            daily_limit,
            daily_remaining: daily_limit.saturating_sub(w.day_count),
        };
        if over {
            Err(headers)
        } else {
            Ok(headers)
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RateHeaders {
    pub burst_max: u32,
    pub burst_remaining: u32,
    pub interval_ms: u64,
    pub daily_limit: u32,
    pub daily_remaining: u32,
}

impl RateHeaders {
    pub fn pairs(&self) -> [(&'static str, String); 5] {
        [
            ("X-RateLimit-Max", self.burst_max.to_string()),
            ("X-RateLimit-Remaining", self.burst_remaining.to_string()),
            (
                "X-RateLimit-Interval-Milliseconds",
                self.interval_ms.to_string(),
            ),
            ("X-RateLimit-Limit-Daily", self.daily_limit.to_string()),
            (
                "X-RateLimit-Daily-Remaining",
                self.daily_remaining.to_string(),
            ),
        ]
    }
}
