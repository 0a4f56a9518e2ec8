//! Spot-Hit under `/spothit/api/`: form-encoded POSTs with the key as parameter
//! `key`, answers `{"resultat": 1, ...}` or HTTP 200 with `{"resultat": 0,
//! "erreurs": ...}`. Callbacks (status, reply, STOP) are fired as GET requests to
//! the configured base URL by `POST /__sandbox/spothit/callback`.

use crate::state::SPOTHIT_KEY;
use crate::Shared;
use axum::extract::{Path, State as Extract};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct SpotHitData {
    /// `[{id, groupe}]`
    pub groups: Vec<Value>,
    /// Imported contacts with their group id.
    pub contacts: Vec<Value>,
    pub sms: Vec<Value>,
}

pub fn router() -> Router<Shared> {
    Router::new().route("/api/{*action}", post(api).get(api))
}

/// Error codes from Spot-Hit's documentation: 30 = key not recognised,
/// 4 = no valid recipient, 2 = empty message.
fn refuse(code: &str) -> Response {
    Json(json!({"resultat": 0, "erreurs": code})).into_response()
}

async fn api(
    Extract(shared): Extract<Shared>,
    Path(action): Path<String>,
    uri: axum::http::Uri,
    body: String,
) -> Response {
    let mut params: BTreeMap<String, String> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    params.extend(serde_urlencoded::from_str::<Vec<(String, String)>>(&body).unwrap_or_default());
    if params.get("key").map(String::as_str) != Some(SPOTHIT_KEY) {
        return refuse("30");
    }
    let mut state = shared.lock();
    let seq = state.next_seq();
    let data = &mut state.spothit;
    match action.as_str() {
        "groupe/lister" => Json(Value::Array(data.groups.clone())).into_response(),
        // As Spot-Hit answers it (research: youlead Base.php getCredit()):
        // numbers as strings, per kind of message.
        "credits" => Json(json!({"resultat": 1, "euros": "125.40", "premium": "1254",
            "lowcost": "2090", "email": "50000", "mms": "0", "post_paye": 0, "pre_paye": 1}))
        .into_response(),
        "groupe/creer" => {
            let Some(name) = params.get("nom").filter(|n| !n.trim().is_empty()) else {
                return refuse("1");
            };
            let id = (seq + 1000).to_string();
            data.groups.push(json!({"id": id, "groupe": name}));
            Json(json!({"resultat": 1, "id": id})).into_response()
        }
        "contacts/import" => {
            let group = params
                .get("groupe_id")
                .cloned()
                .unwrap_or_else(|| "0".into());
            let payload = ghl_bridge::mapping::source::parse_form(&body);
            let rows: Vec<Value> = match payload.get("contacts") {
                Some(Value::Object(m)) => m.values().cloned().collect(),
                Some(Value::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            if rows.is_empty() {
                return refuse("4");
            }
            for row in &rows {
                let mut row = row.clone();
                row["groupe_id"] = Value::String(group.clone());
                data.contacts.push(row);
            }
            Json(json!({"resultat": 1, "importes": rows.len()})).into_response()
        }
        "contacts/get" => {
            let group = params.get("groupe").cloned().unwrap_or_default();
            let rows: Vec<Value> = data
                .contacts
                .iter()
                .filter(|c| c["groupe_id"] == group.as_str())
                .cloned()
                .collect();
            Json(Value::Array(rows)).into_response()
        }
        "envoyer/sms" => {
            if params.get("message").is_none_or(|m| m.trim().is_empty()) {
                return refuse("2");
            }
            if params
                .get("destinataires")
                .is_none_or(|d| d.trim().is_empty())
            {
                return refuse("4");
            }
            let numbers = params["destinataires"].clone();
            // A sandbox rule to play a refusal: a number ending in 0000 is
            // not a valid recipient (Spot-Hit's code 6).
            if numbers.split(',').any(|n| n.trim().ends_with("0000")) {
                return refuse("6");
            }
            let id = seq + 240_000;
            data.sms
                .push(json!({"id": id, "params": params, "atMs": crate::unix_ms()}));
            if let Some(url) = params.get("url").filter(|u| !u.is_empty()) {
                let label = params.get("nom").cloned().unwrap_or_default();
                for (i, number) in numbers.split(',').enumerate() {
                    let receipt = receipt(id, i as u64, number.trim(), &label);
                    fire_per_send(url.clone(), receipt);
                }
            }
            Json(json!({"resultat": 1, "id": id})).into_response()
        }
        _ => refuse("1"),
    }
}

/// Spot-Hit's delivery receipt for one number of a send, with its real
/// parameters: delivered (statut 1), or failed (statut 4, code 1) for a
/// number ending in 0004 (a sandbox rule to play a failure).
fn receipt(id: u64, index: u64, number: &str, label: &str) -> BTreeMap<String, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    let failed = number.ends_with("0004");
    BTreeMap::from([
        ("id_accuse".to_string(), format!("{}{index}", id * 10)),
        ("id_message".to_string(), id.to_string()),
        ("numero".to_string(), number.to_string()),
        (
            "statut".to_string(),
            if failed { "4" } else { "1" }.to_string(),
        ),
        (
            "statut_code".to_string(),
            if failed { "1" } else { "0" }.to_string(),
        ),
        ("date_envoi".to_string(), now.clone()),
        ("date_update".to_string(), now),
        ("nom".to_string(), label.to_string()),
    ])
}

/// Calls a send's own status URL (`url`) a second later, as Spot-Hit does
/// once the operator reports: `GET <url>?<receipt>`. One sender thread, in
/// order, as a real sender's queue would (a thread per receipt would open
/// hundreds of connections at once in a load run).
fn fire_per_send(url: String, receipt: BTreeMap<String, String>) {
    use std::sync::mpsc::{channel, Sender};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};
    static QUEUE: OnceLock<Mutex<Sender<(Instant, String)>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (send, receive) = channel::<(Instant, String)>();
        std::thread::spawn(move || {
            for (due, url) in receive {
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                let _ = crate::http_agent().get(&url).call();
            }
        });
        Mutex::new(send)
    });
    let query = serde_urlencoded::to_string(&receipt).unwrap_or_default();
    let query = query.replace("numero=%2B", "numero=+");
    let due = Instant::now() + Duration::from_millis(1_000);
    if let Ok(send) = queue.lock() {
        let _ = send.send((due, format!("{url}?{query}")));
    }
}

/// Fires one callback: `GET <base>/<kind>?<params>` (kind = status, reply, stop).
pub fn fire_callback(
    base: &str,
    kind: &str,
    params: &BTreeMap<String, String>,
) -> Result<u16, String> {
    let query = serde_urlencoded::to_string(params).map_err(|e| e.to_string())?;
    // The `+` of an international `numero` is left raw, as a careless sender
    // writes it (it decodes to a space): what the bridge must read right.
    let query = query.replace("numero=%2B", "numero=+");
    let url = format!("{}/{kind}?{query}", base.trim_end_matches('/'));
    crate::http_agent()
        .get(&url)
        .call()
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}
