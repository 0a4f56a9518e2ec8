//! `BridgeClient`: a typed client of a running Worker's admin API (feature
//! `client`), for the mapping tester and dashboards. It uses the global
//! `fetch`, so it works in browsers, web workers and Node 18+.
//!
//! Each method describes its request as data (a [`Call`]) and one function
//! sends them all: every method shares one future instead of carrying its own
//! (theirs cost the npm module 11.6 KB gzip). Answers reach JS as
//! `JSON.parse` gives them, not read into the core's types and written out
//! again, which cost another 68 KB gzip: the module's TypeScript types
//! describe them, and the Worker says its version in `x-ghl-bridge-version`,
//! so an answer from another version is refused instead of misread.
//!
//! Failures reject with an `Error` whose message is the Worker's own (`code:
//! message`), or says the Worker could not be reached.

use crate::to_js;
use ghl_bridge::admin_api::{routes, ApiError, Service, VERSION, VERSION_HEADER};
use gloo_net::http::{Method, RequestBuilder, Response};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen]
pub struct BridgeClient {
    base_url: String,
    token: String,
    /// Set by `forLocation`: every per-location route goes under
    /// `/v1/admin/locations/{id}/`; unset, the older routes (the default location).
    location: Option<String>,
}

/// One admin request, as data.
struct Call {
    method: Method,
    url: String,
    query: Vec<(&'static str, String)>,
    /// The content type and the text.
    body: Option<(&'static str, String)>,
}

impl Call {
    fn new(method: Method, url: String) -> Call {
        Call {
            method,
            url,
            query: Vec::new(),
            body: None,
        }
    }

    fn query(mut self, name: &'static str, value: Option<String>) -> Call {
        if let Some(value) = value {
            self.query.push((name, value));
        }
        self
    }

    fn json(self, text: String) -> Call {
        self.text("application/json", text)
    }

    fn text(mut self, content_type: &'static str, text: String) -> Call {
        self.body = Some((content_type, text));
        self
    }
}

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The start of an answer that is not what was expected, for its error.
fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

/// A rejected call: `message` for people, plus the Worker's `code`, the HTTP
/// `status` and `details` (e.g. every mapping error with its line) as fields.
fn api_error(status: u16, body: &str) -> JsValue {
    let (code, message, details) = match serde_json::from_str::<ApiError>(body) {
        Ok(e) => (e.error.code, e.error.message, e.error.details),
        Err(_) => (
            "unexpected_answer".to_string(),
            format!("HTTP {status}: {}", excerpt(body)),
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

/// Sends one call and reads its answer.
async fn send(base_url: String, token: String, call: Call) -> Result<JsValue, JsValue> {
    let unreachable =
        |e: gloo_net::Error| error(&format!("could not reach the Worker at {base_url}: {e}"));
    let mut builder = RequestBuilder::new(&call.url)
        .method(call.method)
        .header("Authorization", &format!("Bearer {token}"));
    if !call.query.is_empty() {
        builder = builder.query(call.query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    let request = match call.body {
        Some((content_type, text)) => builder.header("Content-Type", content_type).body(text),
        None => builder.build(),
    };
    let response = request
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    read(response).await
}

async fn read(response: Response) -> Result<JsValue, JsValue> {
    let status = response.status();
    let worker_version = response.headers().get(VERSION_HEADER);
    let body = response.text().await.map_err(|e| error(&e.to_string()))?;
    if !(200..300).contains(&status) {
        return Err(api_error(status, &body));
    }
    if let Some(theirs) = worker_version.filter(|v| v != VERSION) {
        return Err(error(&format!(
            "the Worker runs ghl-bridge {theirs} and this client is {VERSION}: its answers may not be what this client's types say; use the same version"
        )));
    }
    js_sys::JSON::parse(&body).map_err(|_| {
        error(&format!(
            "HTTP {status}: the Worker's answer is not JSON: {}",
            excerpt(&body)
        ))
    })
}

/// A JS value as JSON text, for a request body.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if !value.is_object() {
        return Err(error(&format!("bad {what}: expected an object")));
    }
    js_sys::JSON::stringify(value)
        .map(String::from)
        .map_err(|_| error(&format!("bad {what}: it cannot be written as JSON")))
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

    /// Every location the deployment serves (operator token only); with
    /// `healthHours`, each with its health over those hours, in one request.
    pub fn locations(&self, health_hours: Option<u32>) -> Promise {
        let call = Call::new(Method::GET, self.deployment_url(routes::LOCATIONS))
            .query("healthHours", health_hours.map(|h| h.to_string()));
        self.run(Ok(call))
    }

    /// GHL webhooks for locations nobody installed, counted (operator token only).
    #[wasm_bindgen(js_name = unknownLocations)]
    pub fn unknown_locations(&self) -> Promise {
        self.get(Ok(self.deployment_url(routes::UNKNOWN_LOCATIONS)))
    }

    /// Changes the chosen location: `{name?, ghlToken?, phoneRegion?, timezone?}`.
    #[wasm_bindgen(js_name = updateLocation)]
    pub fn update_location(&self, change: JsValue) -> Promise {
        self.put_json(self.own_url(""), &change, "location change")
    }

    /// Creates or changes a form source: `{kind: "form", signingSecret?, mapping?}`.
    /// A generated secret is answered once, as `signingSecret`.
    #[wasm_bindgen(js_name = putSource)]
    pub fn put_source(&self, source_id: &str, source: JsValue) -> Promise {
        self.put_json(self.source_url(source_id), &source, "source")
    }

    /// The location's form sources (their secrets' last four only).
    pub fn sources(&self) -> Promise {
        self.get(self.own_url("sources"))
    }

    #[wasm_bindgen(js_name = getSource)]
    pub fn get_source(&self, source_id: &str) -> Promise {
        self.get(self.source_url(source_id))
    }

    #[wasm_bindgen(js_name = deleteSource)]
    pub fn delete_source(&self, source_id: &str) -> Promise {
        self.delete(self.source_url(source_id))
    }

    /// A token that sees only the chosen location (operator token only); shown once.
    #[wasm_bindgen(js_name = mintLocationToken)]
    pub fn mint_location_token(&self) -> Promise {
        self.post(self.own_url("tokens"))
    }

    /// The chosen location's Spot-Hit and Specter accounts (never their keys).
    pub fn connections(&self) -> Promise {
        self.get(self.own_url("connections"))
    }

    /// Connects `service` ("spothit" or "specter"): `{apiKey, rotatePathToken?}`.
    /// Spot-Hit's answer has the callback URLs to paste into Spot-Hit.
    pub fn connect(&self, service: &str, change: JsValue) -> Promise {
        self.put_json(self.connection_url(service), &change, "connection")
    }

    pub fn disconnect(&self, service: &str) -> Promise {
        self.delete(self.connection_url(service))
    }

    /// Recent events, newest first: `{events: EventRecord[]}`.
    pub fn events(&self, limit: Option<u32>) -> Promise {
        let call = Call::new(Method::GET, self.url(routes::EVENTS))
            .query("limit", limit.map(|l| l.to_string()));
        self.run(Ok(call))
    }

    /// One page of events, newest first: `{events, nextCursor?}`. `query`:
    /// `{status?, source?, contact?, limit?, cursor?}` (the previous page's
    /// `nextCursor`; `contact`: an e-mail or phone, normalised by the Worker).
    #[wasm_bindgen(js_name = eventsPage)]
    pub fn events_page(&self, query: JsValue) -> Promise {
        let call = Call::new(Method::GET, self.url(routes::EVENTS));
        self.run(events_query(call, &query))
    }

    /// The location's health over the last `hours` (24; at most 168): events
    /// per hour by outcome, dead letters, the last arrival, alerts firing.
    pub fn health(&self, hours: Option<u32>) -> Promise {
        let call = Call::new(Method::GET, self.url(routes::HEALTH))
            .query("hours", hours.map(|h| h.to_string()));
        self.run(Ok(call))
    }

    /// Sends a test alert to the destination: `{sent, status}` (the
    /// destination's HTTP status), 409 without a destination.
    #[wasm_bindgen(js_name = testAlert)]
    pub fn test_alert(&self) -> Promise {
        self.post(Ok(self.url(routes::ALERTS_TEST)))
    }

    /// Where the location's alerts go and the last ones sent.
    pub fn alerts(&self) -> Promise {
        self.get(Ok(self.url(routes::ALERTS)))
    }

    /// Sets where the location's alerts go: `{webhookUrl, signingSecret?,
    /// specterCreditsFloor?}` (a generated secret is answered once).
    #[wasm_bindgen(js_name = putAlerts)]
    pub fn put_alerts(&self, change: JsValue) -> Promise {
        self.put_json(Ok(self.url(routes::ALERTS)), &change, "alerts")
    }

    /// The location's custom fields, as GHL lists them: `{customFields: [...]}`.
    #[wasm_bindgen(js_name = customFields)]
    pub fn custom_fields(&self) -> Promise {
        self.get(Ok(self.url(routes::CUSTOM_FIELDS)))
    }

    /// The location's storage: rows and SQLite bytes.
    pub fn storage(&self) -> Promise {
        self.get(Ok(self.url(routes::STORAGE)))
    }

    /// Parked events: `{deadLetters: EventRecord[]}`.
    #[wasm_bindgen(js_name = deadLetters)]
    pub fn dead_letters(&self) -> Promise {
        self.get(Ok(self.url(routes::DEAD_LETTERS)))
    }

    /// GHL webhooks received, with what became of each: `{events: [...]}`.
    #[wasm_bindgen(js_name = ghlEvents)]
    pub fn ghl_events(&self) -> Promise {
        self.get(Ok(self.url(routes::GHL_EVENTS)))
    }

    /// Puts a dead letter back on the queue: `{status: "queued", eventId}`.
    pub fn replay(&self, event_id: &str) -> Promise {
        self.post(Ok(self.url(&routes::replay(event_id))))
    }

    /// The mapping a source uses (`mapping: null`: its built-in template).
    #[wasm_bindgen(js_name = getMapping)]
    pub fn get_mapping(&self, source_id: &str) -> Promise {
        self.get(Ok(self.url(&routes::mapping(source_id))))
    }

    /// Saves a mapping for a source. An invalid one is refused (422) and the
    /// error's `details` list every problem with its line.
    #[wasm_bindgen(js_name = putMapping)]
    pub fn put_mapping(&self, source_id: &str, mapping: &str) -> Promise {
        let call = Call::new(Method::PUT, self.url(&routes::mapping(source_id)));
        self.run(Ok(call.json(mapping.to_string())))
    }

    /// Back to the source's built-in template.
    #[wasm_bindgen(js_name = deleteMapping)]
    pub fn delete_mapping(&self, source_id: &str) -> Promise {
        self.delete(Ok(self.url(&routes::mapping(source_id))))
    }

    /// Sends a payload through the Worker as if `sourceId` had: it is synced to
    /// GHL for real. `format`: "json" or "form". `{status, eventId}`.
    #[wasm_bindgen(js_name = sendTestEvent)]
    pub fn send_test_event(&self, source_id: &str, payload: &str, format: &str) -> Promise {
        let content_type = match format {
            "json" => Ok("application/json"),
            "form" | "query" => Ok("application/x-www-form-urlencoded"),
            other => Err(error(&format!(
                "a test event is sent as \"json\" or \"form\", not `{other}`"
            ))),
        };
        let url = self.url(&routes::test_event(source_id));
        self.run(content_type.map(|t| Call::new(Method::POST, url).text(t, payload.to_string())))
    }

    /// The sync-back rules and where they come from (`admin` or `SYNC_RULES`).
    #[wasm_bindgen(js_name = getSyncRules)]
    pub fn get_sync_rules(&self) -> Promise {
        self.get(Ok(self.url(routes::SYNC_RULES)))
    }

    /// Saves the sync-back rules; invalid ones are refused (422) saying where.
    #[wasm_bindgen(js_name = putSyncRules)]
    pub fn put_sync_rules(&self, rules: &str) -> Promise {
        let call = Call::new(Method::PUT, self.url(routes::SYNC_RULES));
        self.run(Ok(call.json(rules.to_string())))
    }

    /// Puts a parked sync back (GHL -> Spot-Hit/Specter) on the queue again.
    #[wasm_bindgen(js_name = replayGhlEvent)]
    pub fn replay_ghl_event(&self, webhook_id: &str) -> Promise {
        self.post(Ok(self.url(&routes::replay_ghl_event(webhook_id))))
    }

    /// What the location spent on Specter today and this month, its budgets,
    /// and the team's credits left as Specter last said.
    #[wasm_bindgen(js_name = specterBudget)]
    pub fn specter_budget(&self) -> Promise {
        self.get(Ok(self.url(routes::SPECTER_BUDGET)))
    }

    /// Polls Specter now; answers what each list and saved search gave.
    #[wasm_bindgen(js_name = pollSpecter)]
    pub fn poll_specter(&self) -> Promise {
        self.post(Ok(self.url(routes::SPECTER_POLL)))
    }

    /// Forgets a person (GDPR erasure) by e-mail, phone or both: events,
    /// caches, links; a number that opted out keeps its opt-out. Answers what
    /// was erased.
    pub fn erase(&self, email: Option<String>, phone: Option<String>) -> Promise {
        let body = serde_json::json!({"email": email, "phone": phone}).to_string();
        let call = Call::new(Method::POST, self.url(routes::ERASURE));
        self.run(Ok(call.json(body)))
    }

    /// The location's workflow trigger subscriptions, each with its fires:
    /// `{subscriptions: TriggerSubscription[]}`.
    pub fn workflows(&self) -> Promise {
        self.get(Ok(self.url(routes::WORKFLOWS)))
    }

    /// The messages GHL sent through the bridge as SMS provider, newest
    /// first: `{messages: MessageJourney[]}`.
    pub fn messages(&self) -> Promise {
        self.get(Ok(self.url(routes::MESSAGES)))
    }

    /// The location's conversation-provider settings.
    #[wasm_bindgen(js_name = conversationProvider)]
    pub fn conversation_provider(&self) -> Promise {
        self.get(Ok(self.url(routes::CONVERSATION_PROVIDER)))
    }

    /// Saves them; a sender Spot-Hit would refuse is a 422 saying why.
    #[wasm_bindgen(js_name = putConversationProvider)]
    pub fn put_conversation_provider(&self, settings: &str) -> Promise {
        let call = Call::new(Method::PUT, self.url(routes::CONVERSATION_PROVIDER));
        self.run(Ok(call.json(settings.to_string())))
    }

    /// Re-queues events stuck longer than `olderThanMs` (default 15 minutes).
    pub fn sweep(&self, older_than_ms: Option<f64>) -> Promise {
        let call = Call::new(Method::POST, self.url(routes::SWEEP)).query(
            "olderThanMs",
            older_than_ms.map(|ms| (ms.max(0.0) as u64).to_string()),
        );
        self.run(Ok(call))
    }

    /// Whether the Worker reaches GHL with its credentials (never the token).
    #[wasm_bindgen(js_name = ghlConnection)]
    pub fn ghl_connection(&self) -> Promise {
        self.get(Ok(self.url(routes::GHL_CONNECTION)))
    }
}

impl BridgeClient {
    /// Sends `call` (or rejects with why it could not be made).
    fn run(&self, call: Result<Call, JsValue>) -> Promise {
        let (base_url, token) = (self.base_url.clone(), self.token.clone());
        future_to_promise(async move { send(base_url, token, call?).await })
    }

    /// A call with no body or query (or rejects with why its URL could not be made).
    fn bare(&self, method: Method, url: Result<String, JsValue>) -> Promise {
        self.run(url.map(|u| Call::new(method, u)))
    }

    fn get(&self, url: Result<String, JsValue>) -> Promise {
        self.bare(Method::GET, url)
    }

    fn post(&self, url: Result<String, JsValue>) -> Promise {
        self.bare(Method::POST, url)
    }

    fn delete(&self, url: Result<String, JsValue>) -> Promise {
        self.bare(Method::DELETE, url)
    }

    fn put_json(&self, url: Result<String, JsValue>, body: &JsValue, what: &str) -> Promise {
        let call = url.and_then(|u| Ok(Call::new(Method::PUT, u).json(json_text(body, what)?)));
        self.run(call)
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
        let id = self
            .location
            .as_deref()
            .ok_or_else(|| error("choose the location first: client.forLocation(locationId)"))?;
        Ok(format!("{}{}", self.base_url, routes::location(id, rest)))
    }

    fn source_url(&self, source_id: &str) -> Result<String, JsValue> {
        self.own_url(&format!("sources/{source_id}"))
    }

    fn connection_url(&self, service: &str) -> Result<String, JsValue> {
        if Service::parse(service).is_none() {
            return Err(error(&format!(
                "`{service}` is not a connection: use \"spothit\" or \"specter\""
            )));
        }
        self.own_url(&format!("connections/{service}"))
    }
}

/// The filters `eventsPage` takes, each as a query parameter; any other key
/// is refused (a typo would otherwise list every event).
const EVENTS_QUERY: [&str; 5] = ["status", "source", "contact", "limit", "cursor"];

fn events_query(mut call: Call, query: &JsValue) -> Result<Call, JsValue> {
    if query.is_undefined() || query.is_null() {
        return Ok(call);
    }
    if !query.is_object() {
        return Err(error("bad query: expected an object"));
    }
    for key in js_sys::Object::keys(query.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let Some(param) = EVENTS_QUERY.iter().find(|name| **name == key) else {
            return Err(error(&format!(
                "bad query: unknown field `{key}`, expected one of {}",
                EVENTS_QUERY.join(", ")
            )));
        };
        let value = js_sys::Reflect::get(query, &JsValue::from_str(&key))?;
        if value.is_undefined() || value.is_null() {
            continue;
        }
        let text = match (key.as_str(), value.as_f64(), value.as_string()) {
            ("limit", Some(n), _) if n >= 0.0 && n.fract() == 0.0 => n.to_string(),
            ("limit", _, _) => return Err(error("bad query: `limit` is a whole number")),
            (_, _, Some(text)) => text,
            _ => return Err(error(&format!("bad query: `{key}` is text"))),
        };
        call = call.query(param, Some(text));
    }
    Ok(call)
}
