//! The Durable Object that keeps what must be strongly consistent, one instance
//! per GHL location: event records (idempotency, attempts, progress, outcome,
//! dead letters), the identity -> contactId cache, and the mappings per source.
//! A Durable Object handles one request at a time, so "check then record" in one
//! request is atomic: two racing deliveries of one event cannot both be accepted.

pub use ghl_bridge::admin_api::{EventRecord, EventStatus};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State,
};

/// What goes on the queue: which event, in which location's store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedEvent {
    pub location: String,
    pub key: String,
}

#[durable_object]
pub struct BridgeStore {
    state: State,
}

impl DurableObject for BridgeStore {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
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
                storage.put(&slot, &record).await?;
                Response::from_json(&json!({"record": record}))
            }
            "/update" => {
                let record: EventRecord = serde_json::from_value(body["record"].clone())?;
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
                // bridge's own write, or a change made in GHL, recorded for admins.
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
                let outcome = if wrote.is_some_and(|t| now.saturating_sub(t) < window_ms) {
                    "echo"
                } else {
                    "recorded"
                };
                let entry = json!({"webhookId": webhook_id, "type": body["type"], "contactId": body["contactId"], "receivedAtMs": now, "outcome": outcome});
                storage.put(&seen, &entry).await?;
                Response::from_json(&json!({"outcome": outcome}))
            }
            "/ghl-events" => {
                let mut events: Vec<Value> = list(&storage, "ghl:").await?;
                events.sort_by_key(|e| std::cmp::Reverse(e["receivedAtMs"].as_u64().unwrap_or(0)));
                events.truncate(200);
                Response::from_json(&json!({"events": events}))
            }
            "/mapping/delete" => {
                let slot = format!("mapping:{}", body["sourceId"].as_str().unwrap_or_default());
                let existed = storage.delete(&slot).await?;
                Response::from_json(&json!({"deleted": existed}))
            }
            _ => Response::error("unknown store route", 404),
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

    pub async fn get(&self, route: &str) -> Result<Value> {
        let mut res = self
            .stub
            .fetch_with_str(&format!("https://store{route}"))
            .await?;
        res.json().await
    }
}
