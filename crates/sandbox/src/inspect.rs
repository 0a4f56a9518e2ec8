//! `/__sandbox/`: look at the data, the request log and the webhooks sent;
//! inject faults; change settings; fire Spot-Hit callbacks; reset.

use crate::state::{Faults, Settings};
use crate::Shared;
use axum::extract::{Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/ghl/contacts", get(contacts))
        .route("/ghl/locations/{id}", post(location_settings))
        .route("/ghl/uninstall", post(uninstall))
        .route("/ghl/conversations", get(conversations))
        .route("/ghl/conversations/send", post(send_sms))
        .route("/ghl/sms-provider", post(sms_provider))
        .route("/ghl/sso", get(crate::ghl::sso::user_data))
        .route("/ghl/app", get(crate::ghl::sso::frame))
        .route(
            "/ghl/campaigns",
            get(crate::ghl::membership::list_campaigns),
        )
        .route(
            "/ghl/workflows",
            get(crate::ghl::workflows::list).post(crate::ghl::workflows::create),
        )
        .route(
            "/ghl/workflows/{id}",
            axum::routing::delete(crate::ghl::workflows::delete),
        )
        .route("/ghl/workflows/{id}/run", post(crate::ghl::workflows::run))
        .route(
            "/ghl/workflows/{id}/fields",
            post(crate::ghl::workflows::fields),
        )
        .route(
            "/ghl/workflows/{id}/deactivate",
            post(crate::ghl::workflows::deactivate),
        )
        .route("/requests", get(requests))
        .route("/faults", get(get_faults).post(set_faults))
        .route("/config", get(get_config).post(set_config))
        .route("/webhooks", get(webhooks))
        .route("/keys", get(keys))
        .route("/reset", post(reset))
        .route("/spothit", get(spothit))
        .route("/spothit/callback", post(spothit_callback))
        .route("/specter", get(specter).post(edit_specter))
        .route("/alerts", get(alerts).post(record_alert))
}

/// The conversations' messages (`?locationId=&contactId=`), as GHL's message
/// fields: id, direction, status, body, type, and what the provider did.
async fn conversations(
    Extract(s): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let state = s.lock();
    let (location, contact) = (q.get("locationId"), q.get("contactId"));
    Json(crate::ghl::conversations::list(
        &state,
        location.map(String::as_str),
        contact.map(String::as_str),
    ))
}

/// `{"locationId", "contactId", "message", "attachments"?, "deliveries"?}`: a
/// GHL user sends an SMS from the conversation; the location's SMS provider
/// gets it on its Delivery URL.
async fn send_sms(Extract(s): Extract<Shared>, Json(asked): Json<Value>) -> Response {
    let sent = {
        let mut state = s.lock();
        crate::ghl::conversations::send(&mut state, &asked)
    };
    match sent {
        Ok(sent) => {
            let id = sent.answer["messageId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            crate::ghl::conversations::deliver(s.clone(), id, sent.deliveries);
            Json(sent.answer).into_response()
        }
        Err(refused) => refused,
    }
}

/// `{"locationId", "providerId"}`: the location's default SMS provider, as an
/// agency admin sets it in GHL (null: back to LC Phone).
async fn sms_provider(Extract(s): Extract<Shared>, Json(asked): Json<Value>) -> Json<Value> {
    let mut state = s.lock();
    let location = asked["locationId"].as_str().unwrap_or_default().to_string();
    match asked["providerId"].as_str() {
        Some(p) => state
            .conversations
            .sms_provider
            .insert(location.clone(), p.into()),
        None => state.conversations.sms_provider.remove(&location),
    };
    Json(
        json!({"locationId": location, "providerId": state.conversations.sms_provider.get(&location)}),
    )
}

/// Every contact with its notes, tasks and appointments (`?locationId=`: of one location).
async fn contacts(
    Extract(s): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let state = s.lock();
    let location = q.get("locationId");
    let contacts: Vec<Value> = state
        .contacts
        .iter()
        .filter(|(_, c)| {
            location.is_none_or(|l| c.get("locationId").and_then(Value::as_str) == Some(l))
        })
        .map(|(id, c)| {
            let mut v = crate::ghl::public_contact(c);
            v["notes"] = json!(state.notes.get(id).cloned().unwrap_or_default());
            v["tasks"] = json!(state.tasks.get(id).cloned().unwrap_or_default());
            v["appointments"] = json!(state.appointments.get(id).cloned().unwrap_or_default());
            v
        })
        .collect();
    Json(json!({"contacts": contacts, "count": contacts.len()}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationSettings {
    allow_duplicate_contact: Option<bool>,
    country: Option<String>,
    /// Creates the location (in `dev-company`) when it does not exist, for load runs.
    name: Option<String>,
    /// A private-integration token with every scope for it.
    token: Option<String>,
}

/// The alert sink: records what the bridge sends (its headers and body).
async fn record_alert(
    Extract(s): Extract<Shared>,
    headers: axum::http::HeaderMap,
    body: String,
) -> Json<Value> {
    let mut state = s.lock();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let at_ms = state.now_ms();
    state.alerts.push(json!({
        "atMs": at_ms,
        "webhookId": header("webhook-id"),
        "webhookTimestamp": header("webhook-timestamp"),
        "webhookSignature": header("webhook-signature"),
        "body": parsed,
    }));
    Json(json!({"recorded": true}))
}

async fn alerts(Extract(s): Extract<Shared>) -> Json<Value> {
    let state = s.lock();
    Json(json!({"alerts": state.alerts, "count": state.alerts.len()}))
}

async fn location_settings(
    Extract(s): Extract<Shared>,
    Path(id): Path<String>,
    Json(body): Json<LocationSettings>,
) -> Response {
    let mut state = s.lock();
    if let Some(name) = body
        .name
        .as_deref()
        .filter(|_| !state.locations.contains_key(&id))
    {
        state.add_location(&id, name, false);
    }
    if let Some(token) = body
        .token
        .as_deref()
        .filter(|_| state.locations.contains_key(&id))
    {
        state.add_location_token(token, &id);
    }
    let Some(loc) = state.locations.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such location (send a `name` to create it)"})),
        )
            .into_response();
    };
    if let Some(a) = body.allow_duplicate_contact {
        loc.allow_duplicate_contact = a;
    }
    if let Some(c) = body.country {
        loc.country = c;
    }
    Json(json!(loc)).into_response()
}

async fn requests(
    Extract(s): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let since: u64 = q.get("since").and_then(|v| v.parse().ok()).unwrap_or(0);
    let state = s.lock();
    let list: Vec<_> = state
        .requests
        .iter()
        .filter(|r| r.seq > since)
        .cloned()
        .collect();
    Json(json!({"requests": list}))
}

async fn get_faults(Extract(s): Extract<Shared>) -> Json<Faults> {
    Json(s.lock().faults.clone())
}

/// Replaces the faults (send `{}` to clear them).
async fn set_faults(Extract(s): Extract<Shared>, Json(faults): Json<Faults>) -> Json<Faults> {
    let mut state = s.lock();
    if let Some(seed) = faults.seed {
        state.reseed(seed);
    }
    state.storm_until = (faults.storm_429_for_ms > 0).then(|| {
        std::time::Instant::now() + std::time::Duration::from_millis(faults.storm_429_for_ms)
    });
    state.faults = faults.clone();
    Json(faults)
}

async fn get_config(Extract(s): Extract<Shared>) -> Json<Settings> {
    Json(s.lock().settings.clone())
}

/// Merges the given settings (`webhookUrl`, `burstLimit`, ...).
async fn set_config(Extract(s): Extract<Shared>, Json(patch): Json<Value>) -> Response {
    let mut state = s.lock();
    let mut current = serde_json::to_value(&state.settings).unwrap_or_default();
    if let (Some(cur), Some(p)) = (current.as_object_mut(), patch.as_object()) {
        cur.extend(p.clone());
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(settings) => {
            state.settings = settings.clone();
            Json(settings).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn webhooks(Extract(s): Extract<Shared>) -> Json<Value> {
    Json(json!({"webhooks": s.lock().webhooks}))
}

async fn keys() -> Json<Value> {
    let (raw, spki) = crate::webhooks::public_key();
    Json(json!({"webhookPublicKey": {"ed25519Raw": raw, "spkiDer": spki}}))
}

/// The app uninstalled from a location: its tokens stop working.
async fn uninstall(Extract(s): Extract<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let location = body["locationId"].as_str().unwrap_or_default().to_string();
    let was = crate::ghl::oauth::uninstall(&mut s.lock(), &location);
    crate::webhooks::flush(&s);
    Json(json!({"uninstalled": was, "locationId": location}))
}

async fn reset(Extract(s): Extract<Shared>) -> Json<Value> {
    s.lock().reset();
    Json(json!({"reset": true}))
}

async fn spothit(Extract(s): Extract<Shared>) -> Json<Value> {
    Json(json!(s.lock().spothit))
}

#[derive(Deserialize)]
struct Callback {
    /// `status`, `reply` or `stop`.
    kind: String,
    params: BTreeMap<String, String>,
}

/// Fires a Spot-Hit callback at the configured base URL, as Spot-Hit would.
async fn spothit_callback(Extract(s): Extract<Shared>, Json(cb): Json<Callback>) -> Response {
    if !["status", "reply", "stop"].contains(&cb.kind.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "kind is status, reply or stop"})),
        )
            .into_response();
    }
    let Some(base) = s.lock().settings.spothit_callback_base.clone() else {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "no spothitCallbackBase configured"})),
        )
            .into_response();
    };
    let result = tokio::task::spawn_blocking(move || {
        crate::spothit::fire_callback(&base, &cb.kind, &cb.params)
    })
    .await;
    match result {
        Ok(Ok(status)) => Json(json!({"delivered": true, "status": status})).into_response(),
        Ok(Err(e)) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"delivered": false, "error": e})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn specter(Extract(s): Extract<Shared>) -> Json<Value> {
    Json(json!(s.lock().specter))
}

/// Changes Specter's data as its users would in the app: `{"people": [person,
/// ...]}` adds or replaces people by `person_id`; `lists` / `searches` set who
/// a list or saved search holds; `emails` sets e-mails.
async fn edit_specter(Extract(s): Extract<Shared>, Json(edit): Json<Value>) -> Json<Value> {
    let mut state = s.lock();
    let data = &mut state.specter;
    for person in edit["people"].as_array().cloned().unwrap_or_default() {
        let id = person["person_id"].clone();
        data.people.retain(|p| p["person_id"] != id);
        data.people.push(person);
    }
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (id, members) in edit["lists"].as_object().cloned().unwrap_or_default() {
        data.lists.insert(id, ids(&members));
    }
    // `{"searches": {"1201": ["per_1", ...]}}`; with `"addedAt": {"1201":
    // {"per_1": ms}}` a person's arrival in the search (for `new_results_after`).
    for (id, members) in edit["searches"].as_object().cloned().unwrap_or_default() {
        data.searches.insert(id, ids(&members));
    }
    for (search, people) in edit["addedAt"].as_object().cloned().unwrap_or_default() {
        for (person, at) in people.as_object().cloned().unwrap_or_default() {
            if let Some(at) = at.as_u64() {
                data.added_at.insert(format!("{search}/{person}"), at);
            }
        }
    }
    if let Some(n) = edit["creditsRemaining"].as_u64() {
        data.credits_remaining = n as u32;
    }
    if let Some(status) = edit["outOfCreditsStatus"].as_u64() {
        data.out_of_credits_status = status as u16;
    }
    for (id, email) in edit["emails"].as_object().cloned().unwrap_or_default() {
        if let Some(e) = email.as_str() {
            data.emails.insert(id, e.to_string());
        }
    }
    Json(json!({"ok": true}))
}
