//! The Durable Object that keeps what must be strongly consistent, one instance
//! per GHL location: event records (idempotency, attempts, progress, outcome,
//! dead letters), the identity -> contactId cache, and the mappings per source.
//! A Durable Object handles one request at a time, so "check then record" in one
//! request is atomic: two racing deliveries of one event cannot both be accepted.

use crate::auth::OAuthTokens;
pub use ghl_bridge::admin_api::{
    EventRecord, EventStatus, GhlEventEntry, OutboundState, STALE_AFTER_MS,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State,
};

/// Where the sync-back rules saved through the admin API are kept (`/kv`).
pub const SYNC_RULES_KEY: &str = "sync-rules";

/// The storage slot of a `/kv` value.
fn kv_slot(key: &str) -> String {
    format!("kv:{key}")
}

/// What goes on the queue: which event, in which location's store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedEvent {
    pub location: String,
    /// An inbound event's idempotency key, or a GHL event's webhook id.
    pub key: String,
    /// `ghl`: a GHL event to sync on to Spot-Hit and Specter; absent: inbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl QueuedEvent {
    const GHL: &'static str = "ghl";

    /// An inbound event (webhook, test event, Specter person) to sync to GHL.
    pub fn inbound(location: &str, key: &str) -> QueuedEvent {
        QueuedEvent {
            location: location.to_string(),
            key: key.to_string(),
            kind: None,
        }
    }

    /// A GHL event to sync on to Spot-Hit and Specter.
    pub fn ghl(location: &str, webhook_id: &str) -> QueuedEvent {
        QueuedEvent {
            kind: Some(Self::GHL.into()),
            ..QueuedEvent::inbound(location, webhook_id)
        }
    }

    pub fn is_ghl(&self) -> bool {
        self.kind.as_deref() == Some(Self::GHL)
    }

    /// Onto the `EVENTS` queue.
    pub async fn send(self, env: &Env) -> Result<()> {
        env.queue("EVENTS")?.send(self).await
    }
}

#[durable_object]
pub struct BridgeStore {
    state: State,
    env: Env,
    /// An OAuth refresh is in flight: other callers wait for its result
    /// instead of spending the same one-time refresh token.
    refreshing: std::cell::Cell<bool>,
}

impl DurableObject for BridgeStore {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            refreshing: std::cell::Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let body: Value = if req.method() == Method::Post {
            req.json().await.unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let storage = self.state.storage();
        let key_of = |k: &Value| format!("event:{}", k.as_str().unwrap_or_default());
        match path.as_str() {
            "/ingest" => {
                let record: EventRecord = serde_json::from_value(body["record"].clone())?;
                let slot = format!("event:{}", record.key);
                if let Some(existing) = storage.get::<EventRecord>(&slot).await? {
                    return Response::from_json(&json!({"accepted": false, "record": existing}));
                }
                storage.put(&slot, &record).await?;
                Response::from_json(&json!({"accepted": true, "record": record}))
            }
            "/claim" => {
                let slot = key_of(&body["key"]);
                let Some(mut record) = storage.get::<EventRecord>(&slot).await? else {
                    return Response::from_json(&json!({"record": null}));
                };
                if matches!(record.status, EventStatus::Done | EventStatus::Parked) {
                    return Response::from_json(&json!({"record": null, "skip": record.status}));
                }
                record.status = EventStatus::Processing;
                record.attempts += 1;
                record.updated_at_ms = worker::Date::now().as_millis();
                storage.put(&slot, &record).await?;
                Response::from_json(&json!({"record": record}))
            }
            "/update" => {
                let mut record: EventRecord = serde_json::from_value(body["record"].clone())?;
                record.updated_at_ms = worker::Date::now().as_millis();
                storage
                    .put(&format!("event:{}", record.key), &record)
                    .await?;
                // Remember when the bridge last wrote this contact: GHL's webhooks
                // about it in the next moments are echoes of our own writes.
                if let Some(id) = &record.contact_id {
                    storage
                        .put(&format!("wrote:{id}"), worker::Date::now().as_millis())
                        .await?;
                }
                Response::from_json(&json!({"ok": true}))
            }
            "/replay" => {
                let slot = key_of(&body["key"]);
                let Some(mut record) = storage.get::<EventRecord>(&slot).await? else {
                    return Response::from_json(&json!({"record": null}));
                };
                if record.status != EventStatus::Parked {
                    return Response::from_json(&json!({"record": null, "status": record.status}));
                }
                record.status = EventStatus::Queued;
                record.attempts = 0;
                record.error = None;
                record.updated_at_ms = worker::Date::now().as_millis();
                storage.put(&slot, &record).await?;
                Response::from_json(&json!({"record": record}))
            }
            "/events" => {
                let mut records: Vec<EventRecord> = list(&storage, "event:").await?;
                records.sort_by_key(|r| std::cmp::Reverse(r.received_at_ms));
                let url = req.url()?;
                let param = |name: &str| {
                    url.query_pairs()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.to_string())
                };
                if param("status").as_deref() == Some("parked") {
                    records.retain(|r| r.status == EventStatus::Parked);
                }
                let limit = param("limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(200usize)
                    .min(5000);
                records.truncate(limit);
                Response::from_json(&json!({"events": records}))
            }
            "/stale" => {
                // Inbound events and GHL syncs stuck queued or processing: the
                // queue lost their message. Touched now, so one sweep takes each.
                let now = worker::Date::now().as_millis();
                let older = body["olderThanMs"].as_u64().unwrap_or(STALE_AFTER_MS);
                let mut inbound = Vec::new();
                for mut r in list::<EventRecord>(&storage, "event:").await? {
                    let last = r.updated_at_ms.max(r.received_at_ms);
                    let stuck = matches!(r.status, EventStatus::Queued | EventStatus::Processing);
                    if stuck && now.saturating_sub(last) > older {
                        r.updated_at_ms = now;
                        storage.put(&format!("event:{}", r.key), &r).await?;
                        inbound.push(r.key);
                    }
                }
                let mut ghl = Vec::new();
                for mut e in list::<GhlEventEntry>(&storage, "ghl:").await? {
                    let received = e.received_at_ms;
                    let Some(sync) = e.sync.as_mut() else {
                        continue;
                    };
                    let stuck =
                        matches!(sync.status, EventStatus::Queued | EventStatus::Processing);
                    if stuck && now.saturating_sub(sync.updated_at_ms.max(received)) > older {
                        sync.updated_at_ms = now;
                        storage.put(&format!("ghl:{}", e.webhook_id), &e).await?;
                        ghl.push(e.webhook_id);
                    }
                }
                Response::from_json(&json!({"inbound": inbound, "ghl": ghl}))
            }
            "/identity/get" => {
                let mut found = serde_json::Map::new();
                for k in body["keys"].as_array().cloned().unwrap_or_default() {
                    let k = k.as_str().unwrap_or_default().to_string();
                    if let Some(id) = storage.get::<String>(&format!("identity:{k}")).await? {
                        found.insert(k, Value::String(id));
                    }
                }
                Response::from_json(&json!({"matches": found}))
            }
            "/identity/put" => {
                let id = body["contactId"].as_str().unwrap_or_default().to_string();
                for k in body["keys"].as_array().cloned().unwrap_or_default() {
                    storage
                        .put(&format!("identity:{}", k.as_str().unwrap_or_default()), &id)
                        .await?;
                }
                Response::from_json(&json!({"ok": true}))
            }
            "/mapping/get" => {
                let text = storage
                    .get::<String>(&format!(
                        "mapping:{}",
                        body["sourceId"].as_str().unwrap_or_default()
                    ))
                    .await?;
                Response::from_json(&json!({"mapping": text}))
            }
            "/mapping/put" => {
                let slot = format!("mapping:{}", body["sourceId"].as_str().unwrap_or_default());
                storage
                    .put(&slot, body["mapping"].as_str().unwrap_or_default())
                    .await?;
                Response::from_json(&json!({"ok": true}))
            }
            "/rate/acquire" => {
                // A sliding window of GHL calls made for this location: grant a
                // call if the window has room, else say how long until it will.
                let limit = body["limit"].as_u64().unwrap_or(90) as usize;
                let window_ms = body["windowMs"].as_u64().unwrap_or(10_000);
                let now = worker::Date::now().as_millis();
                let paused_until: u64 = storage.get("rate:paused-until").await?.unwrap_or(0);
                if paused_until > now {
                    return Response::from_json(
                        &json!({"granted": false, "waitMs": paused_until - now}),
                    );
                }
                let mut recent: Vec<u64> = storage.get("rate:recent").await?.unwrap_or_default();
                recent.retain(|t| now.saturating_sub(*t) < window_ms);
                if recent.len() < limit {
                    recent.push(now);
                    storage.put("rate:recent", &recent).await?;
                    return Response::from_json(&json!({"granted": true, "waitMs": 0}));
                }
                let wait = window_ms.saturating_sub(now.saturating_sub(recent[0])) + 5;
                Response::from_json(&json!({"granted": false, "waitMs": wait}))
            }
            "/rate/pause" => {
                // GHL said 429 anyway (another app shares the budget): hold every
                // consumer of this location until the window has passed.
                let until = worker::Date::now().as_millis() + body["ms"].as_u64().unwrap_or(10_000);
                storage.put("rate:paused-until", until).await?;
                Response::from_json(&json!({"pausedUntil": until}))
            }
            "/ghl-event" => {
                // One GHL webhook: a redelivery (same webhookId), an echo of the
                // bridge's own write, or a change made in GHL. A change is kept
                // with its body when the sync-back rules may apply (`sync`).
                let webhook_id = body["webhookId"].as_str().unwrap_or_default().to_string();
                let seen = format!("ghl:{webhook_id}");
                if storage.get::<Value>(&seen).await?.is_some() {
                    return Response::from_json(&json!({"outcome": "duplicate"}));
                }
                let now = worker::Date::now().as_millis();
                let window_ms = body["echoWindowMs"].as_u64().unwrap_or(60_000);
                let wrote: Option<u64> = match body["contactId"].as_str() {
                    Some(id) => storage.get(&format!("wrote:{id}")).await?,
                    None => None,
                };
                let recent_write = wrote.is_some_and(|t| now.saturating_sub(t) < window_ms);
                // Soon after a bridge write, a contact event is an echo only if
                // it shows nothing new: every tag already known (the bridge
                // records its tags before adding them). A tag a person added
                // meanwhile makes it a real change. The bridge never completes
                // tasks, so a completed task is never an echo.
                let echo = recent_write
                    && match body["type"].as_str().unwrap_or_default() {
                        "TaskComplete" => false,
                        "ContactCreate" | "ContactUpdate" | "ContactTagUpdate" => {
                            let id = body["contactId"].as_str().unwrap_or_default();
                            let known: Vec<String> = storage
                                .get(&format!("tags:{id}"))
                                .await?
                                .unwrap_or_default();
                            body["event"]["tags"]
                                .as_array()
                                .map(|tags| {
                                    tags.iter()
                                        .filter_map(Value::as_str)
                                        .all(|t| known.iter().any(|k| k.eq_ignore_ascii_case(t)))
                                })
                                .unwrap_or(true)
                        }
                        _ => true,
                    };
                let sync = !echo
                    && body["syncable"] == true
                    && (body["rulesFromEnv"] == true
                        || storage
                            .get::<Value>(&kv_slot(SYNC_RULES_KEY))
                            .await?
                            .is_some());
                let entry = GhlEventEntry {
                    webhook_id: webhook_id.clone(),
                    event_type: body["type"].as_str().unwrap_or_default().to_string(),
                    contact_id: body["contactId"].as_str().map(String::from),
                    received_at_ms: now,
                    outcome: if echo { "echo" } else { "recorded" }.into(),
                    sync: sync.then(OutboundState::queued),
                };
                storage.put(&seen, &entry).await?;
                if sync {
                    storage
                        .put(&format!("ghl-body:{webhook_id}"), body["event"].clone())
                        .await?;
                }
                Response::from_json(&json!({"outcome": entry.outcome, "queued": sync}))
            }
            "/ghl-event/claim" => {
                // Like `/claim` for inbound events: one attempt at a time.
                let id = body["webhookId"].as_str().unwrap_or_default();
                let slot = format!("ghl:{id}");
                let Some(mut entry) = storage.get::<GhlEventEntry>(&slot).await? else {
                    return Response::from_json(&json!({"entry": null}));
                };
                let Some(sync) = entry.sync.as_mut() else {
                    return Response::from_json(&json!({"entry": null}));
                };
                if matches!(sync.status, EventStatus::Done | EventStatus::Parked) {
                    return Response::from_json(&json!({"entry": null}));
                }
                sync.status = EventStatus::Processing;
                sync.attempts += 1;
                sync.updated_at_ms = worker::Date::now().as_millis();
                storage.put(&slot, &entry).await?;
                let event: Value = storage
                    .get(&format!("ghl-body:{id}"))
                    .await?
                    .unwrap_or(Value::Null);
                Response::from_json(&json!({"entry": entry, "event": event}))
            }
            "/ghl-event/update" => {
                let mut entry: GhlEventEntry = serde_json::from_value(body["entry"].clone())?;
                if let Some(sync) = entry.sync.as_mut() {
                    sync.updated_at_ms = worker::Date::now().as_millis();
                }
                storage
                    .put(&format!("ghl:{}", entry.webhook_id), &entry)
                    .await?;
                Response::from_json(&json!({"ok": true}))
            }
            "/ghl-event/replay" => {
                let slot = format!("ghl:{}", body["webhookId"].as_str().unwrap_or_default());
                let Some(mut entry) = storage.get::<GhlEventEntry>(&slot).await? else {
                    return Response::from_json(&json!({"replayed": false}));
                };
                match entry.sync.as_mut() {
                    Some(sync) if sync.status == EventStatus::Parked => {
                        sync.status = EventStatus::Queued;
                        sync.attempts = 0;
                        sync.error = None;
                        sync.updated_at_ms = worker::Date::now().as_millis();
                    }
                    _ => return Response::from_json(&json!({"replayed": false})),
                }
                storage.put(&slot, &entry).await?;
                Response::from_json(&json!({"replayed": true}))
            }
            "/ghl-events" => {
                let mut events: Vec<GhlEventEntry> = list(&storage, "ghl:").await?;
                events.sort_by_key(|e| std::cmp::Reverse(e.received_at_ms));
                events.truncate(200);
                Response::from_json(&json!({"events": events}))
            }
            "/tags/swap" => {
                // The contact's tags now, and the ones it had when last seen:
                // read and written in one step, so two deliveries of one change
                // cannot both see the tag as new.
                let slot = format!("tags:{}", body["contactId"].as_str().unwrap_or_default());
                let before: Option<Vec<String>> = storage.get(&slot).await?;
                storage.put(&slot, &body["tags"]).await?;
                Response::from_json(&json!({"before": before}))
            }
            "/tags/merge" => {
                // Tags the bridge is about to add: known, so their webhook is
                // recognised as an echo and not taken for a person's change.
                let slot = format!("tags:{}", body["contactId"].as_str().unwrap_or_default());
                let mut known: Vec<String> = storage.get(&slot).await?.unwrap_or_default();
                for tag in body["tags"].as_array().cloned().unwrap_or_default() {
                    if let Some(t) = tag.as_str() {
                        if !known.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                            known.push(t.to_string());
                        }
                    }
                }
                storage.put(&slot, &known).await?;
                Response::from_json(&json!({"ok": true}))
            }
            "/kv/delete" => {
                let key = kv_slot(body["key"].as_str().unwrap_or_default());
                let existed = storage.delete(&key).await?;
                Response::from_json(&json!({"deleted": existed}))
            }
            "/lease/acquire" => {
                // A short exclusive right to do one thing (create a Spot-Hit
                // group); it lapses by itself if the holder dies.
                let slot = format!("lease:{}", body["name"].as_str().unwrap_or_default());
                let now = worker::Date::now().as_millis();
                let until: u64 = storage.get(&slot).await?.unwrap_or(0);
                if until > now {
                    return Response::from_json(&json!({"granted": false}));
                }
                storage
                    .put(&slot, now + body["ttlMs"].as_u64().unwrap_or(30_000))
                    .await?;
                Response::from_json(&json!({"granted": true}))
            }
            "/lease/release" => {
                let slot = format!("lease:{}", body["name"].as_str().unwrap_or_default());
                storage.delete(&slot).await?;
                Response::from_json(&json!({"ok": true}))
            }
            "/kv/get" => {
                // Small values other modules keep per location (Spot-Hit group
                // ids, Specter person links and fingerprints, sync rules).
                let key = kv_slot(body["key"].as_str().unwrap_or_default());
                let value: Option<Value> = storage.get(&key).await?;
                Response::from_json(&json!({"value": value}))
            }
            "/kv/put" => {
                let key = kv_slot(body["key"].as_str().unwrap_or_default());
                let previous: Option<Value> = storage.get(&key).await?;
                // JSON null crosses to JS as `undefined`, which storage refuses.
                if body["value"].is_null() {
                    storage.delete(&key).await?;
                } else {
                    storage.put(&key, &body["value"]).await?;
                }
                Response::from_json(&json!({"previous": previous}))
            }
            "/oauth/put" => {
                let tokens: OAuthTokens = serde_json::from_value(body["tokens"].clone())?;
                storage.put("oauth", &tokens).await?;
                Response::from_json(&json!({"ok": true}))
            }
            "/oauth/access" => Response::from_json(&self.oauth_access().await?),
            "/mapping/delete" => {
                let slot = format!("mapping:{}", body["sourceId"].as_str().unwrap_or_default());
                let existed = storage.delete(&slot).await?;
                Response::from_json(&json!({"deleted": existed}))
            }
            _ => Response::error("unknown store route", 404),
        }
    }
}

impl BridgeStore {
    /// A valid OAuth access token, refreshing it first when it is about to
    /// expire. Only here, one refresh at a time: concurrent callers wait for
    /// the refresh in flight and read the pair it stored.
    async fn oauth_access(&self) -> Result<Value> {
        let storage = self.state.storage();
        let cfg = crate::config::Config::from_env(&self.env);
        let mut waited_ms = 0;
        loop {
            let Some(tokens) = storage.get::<OAuthTokens>("oauth").await? else {
                return Ok(
                    json!({"error": "GHL is not connected: set GHL_TOKEN, or install the app through /oauth/start"}),
                );
            };
            let now = worker::Date::now().as_millis();
            if tokens.fresh(now) {
                return Ok(json!({"accessToken": tokens.access_token}));
            }
            if self.refreshing.get() {
                if waited_ms > 20_000 {
                    return Ok(
                        json!({"error": "waited too long for a token refresh", "retryable": true}),
                    );
                }
                worker::Delay::from(std::time::Duration::from_millis(100)).await;
                waited_ms += 100;
                continue;
            }
            let Some(request) = crate::auth::token_request(
                &cfg,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &tokens.refresh_token),
                    ("user_type", "Location"),
                ],
            ) else {
                return Ok(
                    json!({"error": "the OAuth token expired and GHL_CLIENT_ID / GHL_CLIENT_SECRET are not set to refresh it"}),
                );
            };
            self.refreshing.set(true);
            let sent = crate::ghl_http::send(&request).await;
            let outcome = match sent {
                Err(e) => {
                    json!({"error": format!("token refresh: GHL unreachable: {e}"), "retryable": true})
                }
                Ok(response) => {
                    let answer: Value = serde_json::from_str(&response.body).unwrap_or_default();
                    match OAuthTokens::from_answer(&answer, worker::Date::now().as_millis()) {
                        Some(mut fresh) if response.status == 200 => {
                            if fresh.location_id.is_empty() {
                                fresh.location_id = tokens.location_id.clone();
                            }
                            storage.put("oauth", &fresh).await?;
                            json!({"accessToken": fresh.access_token, "refreshed": true})
                        }
                        _ if response.status >= 500 || response.status == 429 => json!({
                            "error": format!("token refresh: GHL answered {}", response.status), "retryable": true}),
                        _ => json!({"error": format!(
                            "GHL refused the refresh token (HTTP {}: {}): reinstall the app through /oauth/start",
                            response.status, answer["error_description"].as_str().unwrap_or("no reason given"))}),
                    }
                }
            };
            self.refreshing.set(false);
            return Ok(outcome);
        }
    }
}

async fn list<T: serde::de::DeserializeOwned>(
    storage: &worker::Storage,
    prefix: &str,
) -> Result<Vec<T>> {
    // The storage filters by prefix: the identity cache and the rest are not read.
    let map = storage
        .list_with_options(worker::ListOptions::new().prefix(prefix))
        .await?;
    let mut out = Vec::new();
    for entry in map.entries() {
        let pair: js_sys::Array = entry?.into();
        if let Ok(v) = serde_wasm_bindgen::from_value(pair.get(1)) {
            out.push(v);
        }
    }
    Ok(out)
}

/// A typed client of the store for one location.
pub struct Store {
    stub: worker::Stub,
}

impl Store {
    pub fn for_location(env: &Env, location_id: &str) -> Result<Store> {
        let ns = env.durable_object("BRIDGE_STORE")?;
        Ok(Store {
            stub: ns.id_from_name(location_id)?.get_stub()?,
        })
    }

    pub async fn call(&self, route: &str, body: Value) -> Result<Value> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(body.to_string().into()));
        let req = Request::new_with_init(&format!("https://store{route}"), &init)?;
        let mut res = self.stub.fetch_with_request(req).await?;
        res.json().await
    }

    /// A small value kept per location (`/kv/get`).
    pub async fn kv_get(&self, key: &str) -> Result<Option<Value>> {
        let answer = self.call("/kv/get", json!({"key": key})).await?;
        Ok(Some(answer["value"].clone()).filter(|v| !v.is_null()))
    }

    /// Stores a small value; answers the one it replaced.
    pub async fn kv_put(&self, key: &str, value: Value) -> Result<Option<Value>> {
        let answer = self
            .call("/kv/put", json!({"key": key, "value": value}))
            .await?;
        Ok(Some(answer["previous"].clone()).filter(|v| !v.is_null()))
    }

    pub async fn kv_delete(&self, key: &str) -> Result<()> {
        self.call("/kv/delete", json!({"key": key})).await?;
        Ok(())
    }

    /// Takes the lease `name` for `ttl_ms` if nobody holds it.
    pub async fn lease(&self, name: &str, ttl_ms: u64) -> Result<bool> {
        let answer = self
            .call("/lease/acquire", json!({"name": name, "ttlMs": ttl_ms}))
            .await?;
        Ok(answer["granted"] == true)
    }

    pub async fn release(&self, name: &str) -> Result<()> {
        self.call("/lease/release", json!({"name": name})).await?;
        Ok(())
    }

    pub async fn get(&self, route: &str) -> Result<Value> {
        let mut res = self
            .stub
            .fetch_with_str(&format!("https://store{route}"))
            .await?;
        res.json().await
    }
}
