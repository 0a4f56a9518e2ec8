//! `BridgeClient`: a typed client of a running Worker's admin API (feature
//! `client`), for the mapping tester and dashboards. It reads and sends the
//! core's `admin_api` types, the ones the Worker answers with. It uses the
//! global `fetch`, so it works in browsers, web workers and Node 18+.
//!
//! Failures reject with an `Error` whose message is the Worker's own (`code:
//! message`), or says the Worker could not be reached.

use crate::to_js;
use ghl_bridge::admin_api::{
    routes, Accepted, AlertsAnswer, AlertsUpdate, ApiError, ConnectionAnswer, ConnectionUpdate,
    Connections, DeadLetters, EventList, GhlConnection, GhlEventList, GhlReplayed, LocationEntry,
    LocationHealth, LocationHealthList, LocationList, LocationUpdate, MappingDeleted, MappingSaved,
    MintedToken, Saved, Service, SourceAnswer, SourceUpdate, SpecterPollReport, StorageReport,
    StoredMapping, Swept, SyncRulesAnswer, UnknownLocations,
};
use ghl_bridge::ghl::custom_fields::CustomFieldList;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct BridgeClient {
    base_url: String,
    token: String,
    /// Set by `forLocation`: every per-location route goes under
    /// `/v1/admin/locations/{id}/`; unset, the older routes (the default location).
    location: Option<String>,
}

/// A rejected call: `message` for people, plus the Worker's `code`, the HTTP
/// `status` and `details` (e.g. every mapping error with its line) as fields.
fn api_error(status: u16, body: &str) -> JsValue {
    let (code, message, details) = match serde_json::from_str::<ApiError>(body) {
        Ok(e) => (e.error.code, e.error.message, e.error.details),
        Err(_) => (
            "unexpected_answer".to_string(),
            format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>()
            ),
            None,
        ),
    };
    let error = js_sys::Error::new(&format!("{code}: {message}"));
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&error, &k.into(), &v);
    };
    set("code", code.into());
    set("status", status.into());
    if let Some(details) = details.and_then(|d| to_js(&d).ok()) {
        set("details", details);
    }
    error.into()
}

async fn read<T: DeserializeOwned + Serialize>(response: Response) -> Result<JsValue, JsValue> {
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    if !(200..300).contains(&status) {
        return Err(api_error(status, &body));
    }
    let value: T = serde_json::from_str(&body).map_err(|e| {
        JsValue::from(js_sys::Error::new(&format!(
            "the Worker's answer does not match this client ({e}): are both the same version?"
        )))
    })?;
    to_js(&value).map_err(JsValue::from)
}

#[wasm_bindgen]
impl BridgeClient {
    /// `baseUrl`: the Worker's origin (`https://bridge.example.workers.dev`);
    /// `adminToken`: its `ADMIN_TOKEN`. The token is only ever sent as a header.
    #[wasm_bindgen(constructor)]
    pub fn new(base_url: &str, admin_token: &str) -> Result<BridgeClient, JsError> {
        let base_url = base_url.trim().trim_end_matches('/');
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(JsError::new(&format!(
                "the Worker URL must start with http:// or https://, got `{base_url}`"
            )));
        }
        if admin_token.trim().is_empty() {
            return Err(JsError::new("the admin token is empty"));
        }
        Ok(BridgeClient {
            base_url: base_url.to_string(),
            token: admin_token.trim().to_string(),
            location: None,
        })
    }

    /// The same Worker and token, for one location: every per-location call
    /// (events, mappings, dead letters, ...) then reads and writes that one.
    #[wasm_bindgen(js_name = forLocation)]
    pub fn for_location(&self, location_id: &str) -> Result<BridgeClient, JsError> {
        let id = location_id.trim();
        if id.is_empty() || id.contains('/') {
            return Err(JsError::new(&format!(
                "`{location_id}` is not a location id"
            )));
        }
        Ok(BridgeClient {
            base_url: self.base_url.clone(),
            token: self.token.clone(),
            location: Some(id.to_string()),
        })
    }

    /// The location `forLocation` chose, if any.
    #[wasm_bindgen(getter, js_name = locationId)]
    pub fn location_id(&self) -> Option<String> {
        self.location.clone()
    }

    fn authed(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.header("Authorization", &format!("Bearer {}", self.token))
    }

    /// A per-location route, under the chosen location when there is one.
    fn url(&self, route: &str) -> String {
        match (&self.location, route.strip_prefix("/v1/admin/")) {
            (Some(id), Some(rest)) => format!("{}{}", self.base_url, routes::location(id, rest)),
            _ => format!("{}{route}", self.base_url),
        }
    }

    /// A route that is not per location (the list of locations).
    fn deployment_url(&self, route: &str) -> String {
        format!("{}{route}", self.base_url)
    }

    /// A route only a chosen location has (sources, connections, tokens).
    fn own_url(&self, rest: &str) -> Result<String, JsValue> {
        let id = self.location.as_deref().ok_or_else(|| {
            JsValue::from(js_sys::Error::new(
                "choose the location first: client.forLocation(locationId)",
            ))
        })?;
        Ok(format!("{}{}", self.base_url, routes::location(id, rest)))
    }

    fn json_body(builder: RequestBuilder, body: &impl Serialize) -> Result<Request, JsValue> {
        let text = serde_json::to_string(body)
            .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
        builder
            .header("Content-Type", "application/json")
            .body(text)
            .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
    }

    fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| JsValue::from(js_sys::Error::new(&format!("bad {what}: {e}"))))
    }

    /// Every location the deployment serves (operator token only); with
    /// `healthHours`, each with its health over those hours, in one request.
    pub async fn locations(&self, health_hours: Option<u32>) -> Result<JsValue, JsValue> {
        let builder = self.authed(Request::get(&self.deployment_url(routes::LOCATIONS)));
        let Some(hours) = health_hours else {
            return read::<LocationList>(self.send(builder.build()).await?).await;
        };
        let builder = builder.query([("healthHours", hours.to_string())]);
        read::<LocationHealthList>(self.send(builder.build()).await?).await
    }

    /// GHL webhooks for locations nobody installed, counted (operator token only).
    #[wasm_bindgen(js_name = unknownLocations)]
    pub async fn unknown_locations(&self) -> Result<JsValue, JsValue> {
        let url = self.deployment_url(routes::UNKNOWN_LOCATIONS);
        let request = self.authed(Request::get(&url));
        read::<UnknownLocations>(self.send(request.build()).await?).await
    }

    /// Changes the chosen location: `{name?, ghlToken?, phoneRegion?, timezone?}`.
    #[wasm_bindgen(js_name = updateLocation)]
    pub async fn update_location(&self, change: JsValue) -> Result<JsValue, JsValue> {
        let change: LocationUpdate = Self::from_js(change, "location change")?;
        let request = Self::json_body(self.authed(Request::put(&self.own_url("")?)), &change)?;
        read::<LocationEntry>(self.send(Ok(request)).await?).await
    }

    /// Creates or changes a form source: `{kind: "form", signingSecret?, mapping?}`.
    /// A generated secret is answered once, as `signingSecret`.
    #[wasm_bindgen(js_name = putSource)]
    pub async fn put_source(&self, source_id: &str, source: JsValue) -> Result<JsValue, JsValue> {
        let source: SourceUpdate = Self::from_js(source, "source")?;
        let url = self.own_url(&format!("sources/{source_id}"))?;
        let request = Self::json_body(self.authed(Request::put(&url)), &source)?;
        read::<SourceAnswer>(self.send(Ok(request)).await?).await
    }

    #[wasm_bindgen(js_name = getSource)]
    pub async fn get_source(&self, source_id: &str) -> Result<JsValue, JsValue> {
        let url = self.own_url(&format!("sources/{source_id}"))?;
        read::<SourceAnswer>(self.send(self.authed(Request::get(&url)).build()).await?).await
    }

    #[wasm_bindgen(js_name = deleteSource)]
    pub async fn delete_source(&self, source_id: &str) -> Result<JsValue, JsValue> {
        let url = self.own_url(&format!("sources/{source_id}"))?;
        let request = self.authed(Request::delete(&url)).build();
        read::<serde_json::Value>(self.send(request).await?).await
    }

    /// A token that sees only the chosen location (operator token only); shown once.
    #[wasm_bindgen(js_name = mintLocationToken)]
    pub async fn mint_location_token(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::post(&self.own_url("tokens")?)).build();
        read::<MintedToken>(self.send(request).await?).await
    }

    /// The chosen location's Spot-Hit and Specter accounts (never their keys).
    pub async fn connections(&self) -> Result<JsValue, JsValue> {
        let request = self
            .authed(Request::get(&self.own_url("connections")?))
            .build();
        read::<Connections>(self.send(request).await?).await
    }

    /// Connects `service` ("spothit" or "specter"): `{apiKey, rotatePathToken?}`.
    /// Spot-Hit's answer has the callback URLs to paste into Spot-Hit.
    pub async fn connect(&self, service: &str, change: JsValue) -> Result<JsValue, JsValue> {
        let change: ConnectionUpdate = Self::from_js(change, "connection")?;
        let url = self.own_url(&format!("connections/{}", Self::service(service)?))?;
        let request = Self::json_body(self.authed(Request::put(&url)), &change)?;
        read::<ConnectionAnswer>(self.send(Ok(request)).await?).await
    }

    pub async fn disconnect(&self, service: &str) -> Result<JsValue, JsValue> {
        let url = self.own_url(&format!("connections/{}", Self::service(service)?))?;
        let request = self.authed(Request::delete(&url)).build();
        read::<ConnectionAnswer>(self.send(request).await?).await
    }

    fn service(name: &str) -> Result<&str, JsValue> {
        match Service::parse(name) {
            Some(_) => Ok(name),
            None => Err(js_sys::Error::new(&format!(
                "`{name}` is not a connection: use \"spothit\" or \"specter\""
            ))
            .into()),
        }
    }

    async fn send(&self, request: Result<Request, gloo_net::Error>) -> Result<Response, JsValue> {
        let unreachable = |e: gloo_net::Error| {
            JsValue::from(js_sys::Error::new(&format!(
                "could not reach the Worker at {}: {e}",
                self.base_url
            )))
        };
        request
            .map_err(unreachable)?
            .send()
            .await
            .map_err(unreachable)
    }

    /// Recent events, newest first: `{events: EventRecord[]}`.
    pub async fn events(&self, limit: Option<u32>) -> Result<JsValue, JsValue> {
        let mut builder = self.authed(Request::get(&self.url(routes::EVENTS)));
        if let Some(limit) = limit {
            builder = builder.query([("limit", limit.to_string())]);
        }
        read::<EventList>(self.send(builder.build()).await?).await
    }

    /// One page of events, newest first: `{events, nextCursor?}`. `query`:
    /// `{status?, source?, contact?, limit?, cursor?}` (the previous page's
    /// `nextCursor`; `contact`: an e-mail or phone, normalised by the Worker).
    #[wasm_bindgen(js_name = eventsPage)]
    pub async fn events_page(&self, query: JsValue) -> Result<JsValue, JsValue> {
        let query: EventsQuery = if query.is_undefined() || query.is_null() {
            EventsQuery::default()
        } else {
            Self::from_js(query, "query")?
        };
        let pairs: Vec<(&str, String)> = [
            ("status", query.status),
            ("source", query.source),
            ("limit", query.limit.map(|l| l.to_string())),
            ("cursor", query.cursor),
            ("contact", query.contact),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let builder = self
            .authed(Request::get(&self.url(routes::EVENTS)))
            .query(pairs);
        read::<EventList>(self.send(builder.build()).await?).await
    }

    /// The location's health over the last `hours` (24; at most 168): events
    /// per hour by outcome, dead letters, the last arrival, alerts firing.
    pub async fn health(&self, hours: Option<u32>) -> Result<JsValue, JsValue> {
        let mut builder = self.authed(Request::get(&self.url(routes::HEALTH)));
        if let Some(hours) = hours {
            builder = builder.query([("hours", hours.to_string())]);
        }
        read::<LocationHealth>(self.send(builder.build()).await?).await
    }

    /// Where the location's alerts go and the last ones sent.
    pub async fn alerts(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::ALERTS)));
        read::<AlertsAnswer>(self.send(request.build()).await?).await
    }

    /// Sets where the location's alerts go: `{webhookUrl, signingSecret?,
    /// specterCreditsFloor?}` (a generated secret is answered once).
    #[wasm_bindgen(js_name = putAlerts)]
    pub async fn put_alerts(&self, change: JsValue) -> Result<JsValue, JsValue> {
        let change: AlertsUpdate = Self::from_js(change, "alerts")?;
        let request = Self::json_body(
            self.authed(Request::put(&self.url(routes::ALERTS))),
            &change,
        )?;
        read::<AlertsAnswer>(self.send(Ok(request)).await?).await
    }

    /// The location's custom fields, as GHL lists them: `{customFields: [...]}`.
    #[wasm_bindgen(js_name = customFields)]
    pub async fn custom_fields(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::CUSTOM_FIELDS)));
        read::<CustomFieldList>(self.send(request.build()).await?).await
    }

    /// The location's storage: rows and SQLite bytes.
    pub async fn storage(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::STORAGE)));
        read::<StorageReport>(self.send(request.build()).await?).await
    }

    /// Parked events: `{deadLetters: EventRecord[]}`.
    #[wasm_bindgen(js_name = deadLetters)]
    pub async fn dead_letters(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::DEAD_LETTERS)));
        read::<DeadLetters>(self.send(request.build()).await?).await
    }

    /// GHL webhooks received, with what became of each: `{events: [...]}`.
    #[wasm_bindgen(js_name = ghlEvents)]
    pub async fn ghl_events(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::GHL_EVENTS)));
        read::<GhlEventList>(self.send(request.build()).await?).await
    }

    /// Puts a dead letter back on the queue: `{status: "queued", eventId}`.
    pub async fn replay(&self, event_id: &str) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::post(&self.url(&routes::replay(event_id))));
        read::<Accepted>(self.send(request.build()).await?).await
    }

    /// The mapping a source uses (`mapping: null`: its built-in template).
    #[wasm_bindgen(js_name = getMapping)]
    pub async fn get_mapping(&self, source_id: &str) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(&routes::mapping(source_id))));
        read::<StoredMapping>(self.send(request.build()).await?).await
    }

    /// Saves a mapping for a source. An invalid one is refused (422) and the
    /// error's `details` list every problem with its line.
    #[wasm_bindgen(js_name = putMapping)]
    pub async fn put_mapping(&self, source_id: &str, mapping: &str) -> Result<JsValue, JsValue> {
        let request = self
            .authed(Request::put(&self.url(&routes::mapping(source_id))))
            .header("Content-Type", "application/json")
            .body(mapping.to_string());
        read::<MappingSaved>(self.send(request).await?).await
    }

    /// Back to the source's built-in template.
    #[wasm_bindgen(js_name = deleteMapping)]
    pub async fn delete_mapping(&self, source_id: &str) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::delete(&self.url(&routes::mapping(source_id))));
        read::<MappingDeleted>(self.send(request.build()).await?).await
    }

    /// Sends a payload through the Worker as if `sourceId` had: it is synced to
    /// GHL for real. `format`: "json" or "form". `{status, eventId}`.
    #[wasm_bindgen(js_name = sendTestEvent)]
    pub async fn send_test_event(
        &self,
        source_id: &str,
        payload: &str,
        format: &str,
    ) -> Result<JsValue, JsValue> {
        let content_type = match format {
            "json" => "application/json",
            "form" | "query" => "application/x-www-form-urlencoded",
            other => {
                return Err(js_sys::Error::new(&format!(
                    "a test event is sent as \"json\" or \"form\", not `{other}`"
                ))
                .into())
            }
        };
        let request = self
            .authed(Request::post(&self.url(&routes::test_event(source_id))))
            .header("Content-Type", content_type)
            .body(payload.to_string());
        read::<Accepted>(self.send(request).await?).await
    }

    /// The sync-back rules and where they come from (`admin` or `SYNC_RULES`).
    #[wasm_bindgen(js_name = getSyncRules)]
    pub async fn get_sync_rules(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::SYNC_RULES)));
        read::<SyncRulesAnswer>(self.send(request.build()).await?).await
    }

    /// Saves the sync-back rules; invalid ones are refused (422) saying where.
    #[wasm_bindgen(js_name = putSyncRules)]
    pub async fn put_sync_rules(&self, rules: &str) -> Result<JsValue, JsValue> {
        let request = self
            .authed(Request::put(&self.url(routes::SYNC_RULES)))
            .header("Content-Type", "application/json")
            .body(rules.to_string());
        read::<Saved>(self.send(request).await?).await
    }

    /// Puts a parked sync back (GHL -> Spot-Hit/Specter) on the queue again.
    #[wasm_bindgen(js_name = replayGhlEvent)]
    pub async fn replay_ghl_event(&self, webhook_id: &str) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::post(
            &self.url(&routes::replay_ghl_event(webhook_id)),
        ));
        read::<GhlReplayed>(self.send(request.build()).await?).await
    }

    /// Polls Specter now; answers what each list and saved search gave.
    #[wasm_bindgen(js_name = pollSpecter)]
    pub async fn poll_specter(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::post(&self.url(routes::SPECTER_POLL)));
        read::<SpecterPollReport>(self.send(request.build()).await?).await
    }

    /// Re-queues events stuck longer than `olderThanMs` (default 15 minutes).
    pub async fn sweep(&self, older_than_ms: Option<f64>) -> Result<JsValue, JsValue> {
        let mut builder = self.authed(Request::post(&self.url(routes::SWEEP)));
        if let Some(ms) = older_than_ms {
            builder = builder.query([("olderThanMs", (ms.max(0.0) as u64).to_string())]);
        }
        read::<Swept>(self.send(builder.build()).await?).await
    }

    /// Whether the Worker reaches GHL with its credentials (never the token).
    #[wasm_bindgen(js_name = ghlConnection)]
    pub async fn ghl_connection(&self) -> Result<JsValue, JsValue> {
        let request = self.authed(Request::get(&self.url(routes::GHL_CONNECTION)));
        read::<GhlConnection>(self.send(request.build()).await?).await
    }
}

/// What `eventsPage` filters by.
#[derive(Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct EventsQuery {
    status: Option<String>,
    source: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    contact: Option<String>,
}
