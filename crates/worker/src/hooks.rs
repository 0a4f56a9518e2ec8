//! Inbound webhooks: authenticate, then one shared path: idempotency, record,
//! queue. The caller gets its answer before any GHL call is made.
//! - Forms: Standard Webhooks signature.
//! - Spot-Hit callbacks (GET query strings, unsigned): a secret token in the path.

use crate::config::Config;
use crate::respond::{json_error, json_ok};
use crate::store::{EventRecord, EventStatus, QueuedEvent, Store};
use ghl_bridge::admin_api::Accepted;
use ghl_bridge::dedupe::idempotency_key;
use ghl_bridge::mapping::{parse_payload, PayloadFormat};
use ghl_bridge::sources::standard_webhooks;
use serde_json::json;
use worker::{Date, Env, Method, Request, Response, Result};

/// Constant-time comparison, so a secret cannot be guessed byte by byte.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

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
    ingest(env, cfg, source_id, id, format, text).await
}

/// `GET|POST /v1/hooks/spothit/{token}/{status|reply|stop}`: Spot-Hit cannot sign,
/// so the URL configured in Spot-Hit carries a secret token.
pub async fn spothit(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    token: &str,
    kind: &str,
) -> Result<Response> {
    let Some(expected) = cfg.spothit_path_token.as_deref() else {
        return json_error(
            404,
            "not_configured",
            "Spot-Hit callbacks are off: set SPOTHIT_PATH_TOKEN",
        );
    };
    if !same_secret(token, expected) {
        return json_error(
            401,
            "bad_token",
            "the Spot-Hit callback URL's token is wrong",
        );
    }
    if !["status", "reply", "stop"].contains(&kind) {
        return json_error(
            404,
            "unknown_callback",
            &format!("`{kind}` is not a Spot-Hit callback: use status, reply or stop"),
        );
    }
    let text = match req.method() {
        Method::Post => req.text().await?,
        _ => req.url()?.query().unwrap_or_default().to_string(),
    };
    let payload = ghl_bridge::mapping::source::parse_form(&text);
    // Spot-Hit's own id for the message or reply, when it sends one.
    let event_id = ["id_accuse", "id"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()).map(String::from));
    ingest(
        env,
        cfg,
        &format!("spothit-{kind}"),
        event_id,
        PayloadFormat::Form,
        text,
    )
    .await
}

/// `POST /v1/hooks/ghl`: a GHL webhook, Ed25519-signed. Redeliveries and echoes
/// of the bridge's own writes are recognised; other changes are recorded for the
/// admin view and, when sync rules can act on them, queued for Spot-Hit and
/// Specter (`outbound.rs`).
pub async fn ghl(mut req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    let Some(key) = cfg.ghl_webhook_public_key.as_deref() else {
        return json_error(
            503,
            "not_configured",
            "GHL webhooks are off: set GHL_WEBHOOK_PUBLIC_KEY",
        );
    };
    let body = req.bytes().await?;
    let signature = req.headers().get("x-ghl-signature")?;
    let now = (Date::now().as_millis() / 1000) as i64;
    let event = match ghl_bridge::ghl::webhooks::authenticate(key, &body, signature.as_deref(), now)
    {
        Ok(e) => e,
        Err(e @ ghl_bridge::ghl::webhooks::GhlWebhookError::BadBody(_)) => {
            return json_error(400, "bad_event", &e.to_string())
        }
        Err(e) => return json_error(401, "bad_signature", &e.to_string()),
    };
    if event.location_id != cfg.ghl_location_id {
        return json_error(
            404,
            "unknown_location",
            &format!(
                "this Worker syncs location {}, not {}",
                cfg.ghl_location_id, event.location_id
            ),
        );
    }
    let store = Store::for_location(env, &event.location_id)?;
    // Kept for the sync-back rules when they can act on it and there are rules
    // (`SYNC_RULES` here, or saved ones the store checks in the same step).
    let syncable = crate::outbound::SYNCED_EVENTS.contains(&event.event_type.as_str());
    let answer = store
        .call(
            "/ghl-event",
            json!({"webhookId": event.webhook_id, "type": event.event_type, "contactId": event.contact_id(),
                   "echoWindowMs": cfg.echo_window_ms, "syncable": syncable,
                   "rulesFromEnv": cfg.sync_rules.is_some(), "event": event.data}),
        )
        .await?;
    if answer["queued"] == true {
        QueuedEvent::ghl(&event.location_id, &event.webhook_id)
            .send(env)
            .await?;
    }
    json_ok(&json!({"status": answer["outcome"], "type": event.event_type}))
}

/// Records the event once and queues it: 202. A redelivery is answered 200
/// `duplicate`, not queued; a payload that cannot be read is 400.
pub(crate) async fn ingest(
    env: &Env,
    cfg: &Config,
    source_id: &str,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
) -> Result<Response> {
    let payload = match parse_payload(&text, format) {
        Ok(p) => p,
        Err(e) => return json_error(400, "bad_payload", &e.to_string()),
    };
    let accepted = record_and_queue(env, cfg, source_id, event_id, format, text, &payload).await?;
    let status = if accepted.status == "queued" {
        202
    } else {
        200
    };
    Ok(json_ok(&accepted)?.with_status(status))
}

/// The shared path of every inbound event (webhooks, test events, the Specter
/// poller): idempotency key, record once in the Durable Object, queue.
pub(crate) async fn record_and_queue(
    env: &Env,
    cfg: &Config,
    source_id: &str,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
    payload: &serde_json::Value,
) -> Result<Accepted> {
    let key = idempotency_key(source_id, event_id.as_deref(), payload);
    let record = EventRecord {
        key: key.clone(),
        source_id: source_id.to_string(),
        event_id,
        received_at_ms: Date::now().as_millis(),
        format: if format == PayloadFormat::Form {
            "form".into()
        } else {
            "json".into()
        },
        payload: text,
        status: EventStatus::Queued,
        attempts: 0,
        steps_done: 0,
        contact_id: None,
        action: None,
        error: None,
        ghl_calls: 0,
        warnings: Vec::new(),
        updated_at_ms: Date::now().as_millis(),
    };
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    let answer = store.call("/ingest", json!({"record": record})).await?;
    if answer["accepted"] != true {
        return Ok(Accepted {
            status: "duplicate".into(),
            event_id: key,
            outcome: serde_json::from_value(answer["record"]["status"].clone()).ok(),
        });
    }
    QueuedEvent::inbound(&cfg.ghl_location_id, &key)
        .send(env)
        .await?;
    Ok(Accepted {
        status: "queued".into(),
        event_id: key,
        outcome: None,
    })
}
