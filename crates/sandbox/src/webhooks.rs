//! Signed GHL webhooks: when data changes, the event is queued under the lock,
//! then delivered to the configured URL after the request, signed with the
//! sandbox's Ed25519 key in `x-ghl-signature` (base64, over the raw body).

use crate::state::{State, WebhookDelivery};
use crate::Shared;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The sandbox's fixed key pair (a development key: derived from a public seed).
pub fn signing_key() -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(b"ghl-bridge sandbox webhook signing key").into();
    SigningKey::from_bytes(&seed)
}

/// The public key, raw (32 bytes) and as SPKI DER, both base64.
pub fn public_key() -> (String, String) {
    let raw = signing_key().verifying_key().to_bytes();
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(&raw);
    let b64 = base64::engine::general_purpose::STANDARD;
    (b64.encode(raw), b64.encode(spki))
}

pub fn sign(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(signing_key().sign(body).to_bytes())
}

/// Pending deliveries, filled under the lock and sent by `flush`.
#[derive(Default)]
pub struct Outbox(pub Vec<(String, String, Vec<u8>)>);

/// Queues `{type, locationId, ...payload, timestamp, webhookId}`.
pub fn queue_event(state: &mut State, event_type: &str, payload: Map<String, Value>) {
    let Some(url) = state.settings.webhook_url.clone() else {
        return;
    };
    let webhook_id = format!("wh_{}", state.new_id());
    let mut body = Map::new();
    body.insert("type".into(), Value::String(event_type.into()));
    body.extend(payload);
    body.insert("timestamp".into(), Value::String(crate::now_iso()));
    body.insert("webhookId".into(), Value::String(webhook_id.clone()));
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    state.webhooks.push(WebhookDelivery {
        webhook_id: webhook_id.clone(),
        event_type: event_type.into(),
        url: url.clone(),
        status: None,
        error: None,
    });
    state.outbox.0.push((webhook_id, url, bytes));
}

/// Contact events carry the contact's fields flat, as GHL's do.
pub fn queue_contact_event(state: &mut State, event_type: &str, contact: &Map<String, Value>) {
    let mut payload = match crate::ghl::public_contact(contact) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    payload.remove("type");
    queue_event(state, event_type, payload);
}

/// One webhook to send: id, URL, raw body.
pub type Delivery = (String, String, Vec<u8>);

/// Hands what was queued under the lock to the delivery thread.
pub fn flush(shared: &Shared) {
    let pending = std::mem::take(&mut shared.lock().outbox.0);
    for delivery in pending {
        // The thread lives as long as the sandbox; a send can only fail at exit.
        let _ = shared.deliveries.send(delivery);
    }
}

/// The delivery thread: sends each webhook in turn and records the answer.
pub fn deliver_in_order(
    queue: std::sync::mpsc::Receiver<Delivery>,
    state: std::sync::Arc<std::sync::Mutex<State>>,
) {
    let agent = crate::http_agent();
    for (id, url, body) in queue {
        let result = agent
            .post(&url)
            .header("content-type", "application/json")
            .header("x-ghl-signature", &sign(&body))
            .send(&body[..]);
        let mut state = crate::lock(&state);
        if let Some(d) = state.webhooks.iter_mut().find(|d| d.webhook_id == id) {
            match result {
                Ok(r) => d.status = Some(r.status().as_u16()),
                Err(e) => d.error = Some(e.to_string()),
            }
        }
    }
}
