//! Inbound webhooks. Forms: Standard Webhooks signature, then idempotency, then
//! the queue; the caller gets its answer before any GHL call is made.

use crate::config::Config;
use crate::respond::{json_error, json_ok};
use crate::store::{EventRecord, QueuedEvent, Store};
use ghl_bridge::dedupe::idempotency_key;
use ghl_bridge::mapping::{parse_payload, PayloadFormat};
use ghl_bridge::sources::standard_webhooks;
use serde_json::json;
use worker::{Date, Env, Request, Response, Result};

/// `POST /v1/hooks/forms/{sourceId}`
pub async fn form(mut req: Request, env: &Env, cfg: &Config, source_id: &str) -> Result<Response> {
    if source_id != cfg.form_source_id {
        return json_error(
            404,
            "unknown_source",
            &format!("no form source `{source_id}` is configured"),
        );
    }
    let Some(secret) = cfg.form_signing_secret.as_deref() else {
        return json_error(
            500,
            "not_configured",
            "the form source has no signing secret (FORM_SIGNING_SECRET)",
        );
    };
    let body = req.bytes().await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let now = (Date::now().as_millis() / 1000) as i64;
    if let Err(e) = standard_webhooks::verify(
        secret,
        id.as_deref(),
        ts.as_deref(),
        sig.as_deref(),
        &body,
        now,
    ) {
        return json_error(401, "bad_signature", &e.to_string());
    }
    let content_type = header("content-type").unwrap_or_default();
    let format = if content_type.contains("x-www-form-urlencoded") {
        PayloadFormat::Form
    } else {
        PayloadFormat::Json
    };
    let text = String::from_utf8_lossy(&body).to_string();
    let payload = match parse_payload(&text, format) {
        Ok(p) => p,
        Err(e) => return json_error(400, "bad_payload", &e.to_string()),
    };
    let key = idempotency_key(source_id, id.as_deref(), &payload);
    let record = EventRecord {
        key: key.clone(),
        source_id: source_id.to_string(),
        event_id: id,
        received_at_ms: Date::now().as_millis(),
        format: if format == PayloadFormat::Form {
            "form".into()
        } else {
            "json".into()
        },
        payload: text,
        status: "queued".into(),
        attempts: 0,
        steps_done: 0,
        contact_id: None,
        action: None,
        error: None,
        ghl_calls: 0,
        warnings: Vec::new(),
    };
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    let answer = store.call("/ingest", json!({"record": record})).await?;
    if answer["accepted"] != true {
        return json_ok(
            &json!({"status": "duplicate", "eventId": key, "outcome": answer["record"]["status"]}),
        );
    }
    env.queue("EVENTS")?
        .send(QueuedEvent {
            location: cfg.ghl_location_id.clone(),
            key: key.clone(),
        })
        .await?;
    Ok(json_ok(&json!({"status": "queued", "eventId": key}))?.with_status(202))
}
