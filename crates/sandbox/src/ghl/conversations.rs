//! GHL's side of a conversation provider (`apps/conversations.json`, and
//! `docs/marketplace modules/ConversationProviders.md` of GoHighLevel's
//! highlevel-api-docs): a location's default SMS provider, messages and their
//! statuses, and the call GHL makes to the provider's Delivery URL when a user
//! or a workflow sends an SMS.
//!
//! Where the spec and GHL's pages disagree the spec wins: an inbound message
//! needs `conversationId`, `contactId` and `conversationProviderId` (the page
//! says one id is enough), and `direction` defaults to outbound. Where both
//! are unsure the sandbox is strict: it never blocks a send to a contact on
//! DND itself (the provider must), it does not deduplicate by `altId`, and a
//! status on a message GHL has not handed over yet is a 403
//! (highlevel-api-docs#4: "No conversation provider found", for 5 to 10 s).

use super::{error, unprocessable, validate, Caller, GhlJson};
use crate::state::{State, DEV_LOCATION};
use crate::Shared;
use axum::extract::{Path, Query, State as Extract};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The Marketplace app's provider id (one per app): the bridge's, when the
/// Worker runs with `GHL_CONVERSATION_PROVIDER_ID` set to it.
pub const SANDBOX_PROVIDER_ID: &str = "sandbox-sms-provider";
/// How long after the Delivery URL call a status update is refused (403),
/// unless the sandbox's settings say otherwise.
pub const HANDOVER_MS: u64 = 5_000;

const STATUSES: &[&str] = &["delivered", "failed", "pending", "read"];
const STATUS_FIELDS: &[&str] = &["status", "error", "emailMessageId", "recipients"];
const INBOUND_FIELDS: &[&str] = &[
    "type",
    "attachments",
    "message",
    "conversationId",
    "contactId",
    "conversationProviderId",
    "html",
    "subject",
    "emailFrom",
    "emailTo",
    "emailCc",
    "emailBcc",
    "emailMessageId",
    "altId",
    "direction",
    "date",
    "call",
];
const MESSAGE_TYPES: &[&str] = &[
    "SMS",
    "RCS",
    "Email",
    "WhatsApp",
    "GMB",
    "IG",
    "FB",
    "Custom",
    "WebChat",
    "Live_Chat",
    "Call",
    "IVR_Call",
    "Campaign_Call",
    "Campaign_VoiceMail",
    "TIKTOK",
    "ALL_IN_ONE_CHAT",
    "FORM_SUBMISSION",
];

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    pub location_id: String,
    pub contact_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    #[serde(skip)]
    pub location_id: String,
    pub contact_id: String,
    pub direction: String,
    pub status: String,
    pub body: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    pub date_added: String,
    /// When GHL sent it (Unix ms), for latency figures.
    pub sent_at_ms: u64,
    /// Every status a provider reported, in order.
    pub status_history: Vec<Value>,
    /// What the Delivery URL answered, per call.
    pub delivery_answers: Vec<Value>,
    /// Handed to this provider: statuses are the provider's to set.
    #[serde(skip)]
    pub provider: Option<String>,
    #[serde(skip)]
    pub handed_at: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct ConversationData {
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    /// A location's default SMS provider (absent: LC Phone).
    pub sms_provider: HashMap<String, String>,
}

impl ConversationData {
    /// `dev-location` has the bridge as its SMS provider when the sandbox
    /// knows the bridge's Delivery URL.
    pub fn seeded(provider_url: Option<&str>) -> ConversationData {
        let mut data = ConversationData::default();
        if provider_url.is_some() {
            data.sms_provider
                .insert(DEV_LOCATION.into(), SANDBOX_PROVIDER_ID.into());
        }
        data
    }

    fn conversation_of(
        &mut self,
        location: &str,
        contact: &str,
        id: impl FnOnce() -> String,
    ) -> String {
        if let Some(c) = self
            .conversations
            .iter()
            .find(|c| c.location_id == location && c.contact_id == contact)
        {
            return c.id.clone();
        }
        let id = id();
        self.conversations.push(Conversation {
            id: id.clone(),
            location_id: location.into(),
            contact_id: contact.into(),
        });
        id
    }
}

/// The body as an object, with one problem per property the operation does
/// not have (GHL's `property X should not exist`).
fn checked_fields(
    body: &Value,
    allowed: &[&str],
) -> Result<(Map<String, Value>, Vec<String>), Response> {
    let body = validate::object(body).map_err(unprocessable)?;
    let problems = validate::unknown_properties(&body, allowed);
    Ok((body, problems))
}

/// A text property, empty when absent.
fn text_of(body: &Map<String, Value>, name: &str) -> String {
    body.get(name)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn contact_in(state: &State, location: &str, contact_id: &str) -> Option<Map<String, Value>> {
    state
        .contacts
        .get(contact_id)
        .filter(|c| c.get("locationId").and_then(Value::as_str) == Some(location))
        .cloned()
}

/// `PUT /conversations/messages/{messageId}/status`
pub async fn update_status(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    let (body, mut problems) = match checked_fields(&body, STATUS_FIELDS) {
        Ok(checked) => checked,
        Err(refused) => return refused,
    };
    match body.get("status").and_then(Value::as_str) {
        None => problems.push("status should not be empty".into()),
        Some(st) if !STATUSES.contains(&st) => problems.push(format!(
            "status must be one of the following values: {}",
            STATUSES.join(", ")
        )),
        Some(_) => {}
    }
    if let Some(e) = body.get("error") {
        for field in ["code", "type", "message"] {
            if !e.get(field).is_some_and(Value::is_string) {
                problems.push(format!("error.{field} must be a string"));
            }
        }
    }
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    let mut state = s.lock();
    let handover_ms = state.settings.handover_ms;
    let Some(message) = state
        .conversations
        .messages
        .iter_mut()
        .find(|m| m.id == id && m.location_id == c.location_id)
    else {
        return error(404, "Message not found");
    };
    let handed = message
        .handed_at
        .is_some_and(|t| t.elapsed() >= Duration::from_millis(handover_ms));
    if message.provider.is_none() || !handed {
        return error(403, "No conversation provider found for this message");
    }
    let status = body["status"].as_str().unwrap_or_default().to_string();
    message.status = status.clone();
    message.error = body.get("error").cloned();
    message
        .status_history
        .push(json!({"status": status, "at": crate::now_iso(), "error": body.get("error")}));
    Json(json!({"conversationId": message.conversation_id, "messageId": message.id, "status": status}))
        .into_response()
}

/// `POST /conversations/messages/inbound`
pub async fn add_inbound(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let (body, mut problems) = match checked_fields(&body, INBOUND_FIELDS) {
        Ok(checked) => checked,
        Err(refused) => return refused,
    };
    let text = |name: &str| text_of(&body, name);
    for required in [
        "type",
        "conversationId",
        "contactId",
        "conversationProviderId",
    ] {
        if text(required).is_empty() {
            problems.push(format!("{required} should not be empty"));
        }
    }
    if !text("type").is_empty() && !MESSAGE_TYPES.contains(&text("type").as_str()) {
        problems.push("type must be one of the following values: SMS, Email, ...".into());
    }
    let direction = match body.get("direction") {
        None => "outbound".to_string(),
        Some(Value::String(d)) if d == "inbound" || d == "outbound" => d.clone(),
        Some(_) => {
            problems.push("direction must be inbound or outbound".into());
            String::new()
        }
    };
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    let mut state = s.lock();
    if text("conversationProviderId") != SANDBOX_PROVIDER_ID {
        return error(400, "Invalid conversationProviderId");
    }
    let conversation = state
        .conversations
        .conversations
        .iter()
        .find(|v| v.id == text("conversationId") && v.location_id == c.location_id);
    match conversation {
        None => return error(400, "Conversation not found"),
        Some(v) if v.contact_id != text("contactId") => {
            return error(400, "The conversation belongs to another contact")
        }
        Some(_) => {}
    }
    let id = state.new_id();
    state.conversations.messages.push(Message {
        id: id.clone(),
        conversation_id: text("conversationId"),
        location_id: c.location_id.clone(),
        contact_id: text("contactId"),
        direction,
        status: "delivered".into(),
        body: text("message"),
        kind: text("type"),
        alt_id: Some(text("altId")).filter(|a| !a.is_empty()),
        error: None,
        date_added: Some(text("date"))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(crate::now_iso),
        sent_at_ms: crate::unix_ms(),
        status_history: Vec::new(),
        delivery_answers: Vec::new(),
        provider: None,
        handed_at: None,
    });
    Json(json!({"success": true, "conversationId": text("conversationId"), "messageId": id, "message": "Message added"}))
        .into_response()
}

/// `GET /conversations/search?locationId=&contactId=`
pub async fn search(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match q.get("locationId") {
        None => return unprocessable(vec!["locationId should not be empty".into()]),
        Some(l) if *l != c.location_id => {
            return error(403, "The token does not have access to this location")
        }
        Some(_) => {}
    }
    let state = s.lock();
    let found: Vec<Value> = state
        .conversations
        .conversations
        .iter()
        .filter(|v| v.location_id == c.location_id)
        .filter(|v| q.get("contactId").is_none_or(|id| *id == v.contact_id))
        .map(|v| json!({"id": v.id, "contactId": v.contact_id, "locationId": v.location_id, "type": "TYPE_PHONE", "unreadCount": 0}))
        .collect();
    Json(json!({"total": found.len(), "conversations": found})).into_response()
}

/// `POST /conversations/`: one conversation per contact; a second is refused
/// with the existing one's id.
pub async fn create(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let (body, mut problems) = match checked_fields(&body, &["locationId", "contactId"]) {
        Ok(checked) => checked,
        Err(refused) => return refused,
    };
    let text = |name: &str| text_of(&body, name);
    for required in ["locationId", "contactId"] {
        if text(required).is_empty() {
            problems.push(format!("{required} should not be empty"));
        }
    }
    if !problems.is_empty() {
        return unprocessable(problems);
    }
    if text("locationId") != c.location_id {
        return error(403, "The token does not have access to this location");
    }
    let mut state = s.lock();
    if contact_in(&state, &c.location_id, &text("contactId")).is_none() {
        return error(400, "Contact not found");
    }
    let existing = state
        .conversations
        .conversations
        .iter()
        .find(|v| v.location_id == c.location_id && v.contact_id == text("contactId"));
    if let Some(v) = existing {
        let body = json!({"statusCode": 400, "message": "Conversation already exists", "conversationId": v.id});
        return (axum::http::StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let id = state.new_id();
    let contact_id = text("contactId");
    state.conversations.conversations.push(Conversation {
        id: id.clone(),
        location_id: c.location_id.clone(),
        contact_id: contact_id.clone(),
    });
    let now = crate::now_iso();
    let conversation = json!({"id": id, "contactId": contact_id, "locationId": c.location_id,
        "dateAdded": now, "dateUpdated": now, "deleted": false, "lastMessageDate": now});
    (
        axum::http::StatusCode::CREATED,
        Json(json!({"success": true, "conversation": conversation})),
    )
        .into_response()
}

/// What `POST /__sandbox/ghl/conversations/send` did.
pub struct Sent {
    pub answer: Value,
    /// The Delivery URL calls to make after the lock is released.
    pub deliveries: Vec<(String, Vec<u8>)>,
}

/// A GHL user (or a workflow's "Send SMS") sends `message` to a contact: the
/// message is added to its conversation and, when the location's SMS
/// provider is the app, handed to the provider's Delivery URL
/// (`ProviderOutboundMessage`), `times` times (2: GHL delivering it twice).
pub fn send(state: &mut State, asked: &Value) -> Result<Sent, Response> {
    let text = |name: &str| {
        asked
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (location, contact_id, body) = (text("locationId"), text("contactId"), text("message"));
    let Some(contact) = contact_in(state, &location, &contact_id) else {
        return Err(error(
            404,
            format!("no contact {contact_id} in location {location}"),
        ));
    };
    let phone = contact
        .get("phone")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if phone.is_empty() {
        return Err(error(422, "the contact has no phone number"));
    }
    let attachments: Vec<Value> = asked
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let times = asked
        .get("deliveries")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, 3);
    let conversation_id = {
        let id = state.new_id();
        state
            .conversations
            .conversation_of(&location, &contact_id, || id)
    };
    let provider = state.conversations.sms_provider.get(&location).cloned();
    let id = state.new_id();
    state.conversations.messages.push(Message {
        id: id.clone(),
        conversation_id: conversation_id.clone(),
        location_id: location.clone(),
        contact_id: contact_id.clone(),
        direction: "outbound".into(),
        status: "pending".into(),
        body: body.clone(),
        kind: "SMS".into(),
        alt_id: None,
        error: None,
        date_added: crate::now_iso(),
        sent_at_ms: crate::unix_ms(),
        status_history: Vec::new(),
        delivery_answers: Vec::new(),
        provider: provider.clone(),
        handed_at: Some(Instant::now()),
    });
    let url = match (&provider, &state.settings.provider_url) {
        (Some(p), Some(url)) if p == SANDBOX_PROVIDER_ID => Some(url.clone()),
        _ => None,
    };
    let payload = json!({
        "contactId": contact_id, "locationId": location, "messageId": id, "type": "SMS",
        "phone": phone, "message": body, "attachments": attachments, "userId": "sandbox-user",
    });
    let bytes = serde_json::to_vec(&payload).unwrap_or_default();
    let deliveries = url
        .iter()
        .flat_map(|u| std::iter::repeat_n((u.clone(), bytes.clone()), times as usize))
        .collect::<Vec<_>>();
    Ok(Sent {
        answer: json!({"messageId": id, "conversationId": conversation_id,
            "provider": provider, "deliveries": deliveries.len()}),
        deliveries,
    })
}

/// The Delivery URL calls, made in order after the answer (as GHL's own
/// servers would); each answer is kept on the message.
pub fn deliver(shared: Shared, message_id: String, deliveries: Vec<(String, Vec<u8>)>) {
    std::thread::spawn(move || {
        for (url, bytes) in deliveries {
            let answer = crate::http_agent()
                .post(&url)
                .header("content-type", "application/json")
                .send(&bytes[..]);
            let kept = match answer {
                Ok(mut r) => {
                    let status = r.status().as_u16();
                    let body = r.body_mut().read_to_string().unwrap_or_default();
                    json!({"status": status, "body": serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body))})
                }
                Err(e) => json!({"error": e.to_string()}),
            };
            let mut state = shared.lock();
            if let Some(m) = state
                .conversations
                .messages
                .iter_mut()
                .find(|m| m.id == message_id)
            {
                m.delivery_answers.push(kept);
            }
        }
    });
}

/// The messages of a location (and contact), oldest first.
pub fn list(state: &State, location: Option<&str>, contact: Option<&str>) -> Value {
    let messages: Vec<&Message> = state
        .conversations
        .messages
        .iter()
        .filter(|m| location.is_none_or(|l| m.location_id == l))
        .filter(|m| contact.is_none_or(|c| m.contact_id == c))
        .collect();
    json!({"messages": messages, "count": messages.len()})
}
