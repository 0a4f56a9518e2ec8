//! Inbound webhooks: authenticate, then one shared path: idempotency, record,
//! queue. The caller gets its answer before any GHL call is made.
//! - Forms: Standard Webhooks signature.
//! - Spot-Hit callbacks (GET query strings, unsigned): a secret token in the path.

use crate::config::Config;
use crate::failure::from_world;
use crate::request_url;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::ghl::conversations::ProviderOutboundMessage;
use ghl_bridge::ghl::webhooks::GhlEventType;
use ghl_bridge::mapping::{parse_payload, PayloadFormat};
use ghl_bridge::secrets::same_secret;
use ghl_bridge::sources::{standard_webhooks, EventKind, Source};
use ghl_bridge::sync::directory::{self, DIRECTORY};
use ghl_bridge::sync::{inbound, location, provider, sync_back, tenancy, World};
use serde_json::json;
use worker::{Date, Env, Method, Request, Response, Result};

/// `POST /v1/hooks/forms/{sourceId}`: the deployment's own form source
/// (`FORM_SOURCE_ID`, for the default location), or a source a location
/// created (the directory says whose).
pub async fn form(mut req: Request, env: &Env, cfg: &Config, source_id: &str) -> Result<Response> {
    let Some((location, secrets)) = form_source(env, cfg, source_id).await? else {
        return json_error(
            404,
            "unknown_source",
            &format!("no form source `{source_id}` is configured"),
        );
    };
    if secrets.is_empty() {
        return json_error(
            503,
            "not_configured",
            "the form source has no signing secret (FORM_SIGNING_SECRET)",
        );
    }
    let body = req.bytes().await?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let now = (Date::now().as_millis() / 1000) as i64;
    if let Err(e) = standard_webhooks::verify_any(
        &secrets,
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
    ingest(env, &location, Source::form(source_id), id, format, text).await
}

/// The location a form source belongs to, and its signing secrets (none:
/// the deployment's own source without `FORM_SIGNING_SECRET`).
async fn form_source(
    env: &Env,
    cfg: &Config,
    source_id: &str,
) -> Result<Option<(String, Vec<String>)>> {
    if source_id == cfg.form_source_id {
        let secrets = cfg.form_signing_secret.iter().cloned().collect();
        return Ok(Some((cfg.ghl_location_id.clone(), secrets)));
    }
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    let found = tenancy::form_source(&world, source_id)
        .await
        .map_err(from_world)?;
    Ok(found)
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
    let Some(location) = spothit_token_location(env, cfg, token).await? else {
        return bad_spothit_token();
    };
    let kind = match kind {
        "status" => EventKind::SpotHitStatus,
        "reply" => EventKind::SpotHitReply,
        "stop" => EventKind::SpotHitStop,
        other => {
            return json_error(
                404,
                "unknown_callback",
                &format!("`{other}` is not a Spot-Hit callback: use status, reply or stop"),
            )
        }
    };
    let text = match req.method() {
        Method::Post => req.text().await?,
        _ => request_url::query(&req),
    };
    let payload = ghl_bridge::mapping::source::parse_form(&text);
    // Spot-Hit's own id for the message or reply, when it sends one.
    let event_id = ["id_accuse", "id"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()).map(String::from));
    let source = Source::built_in(kind);
    ingest(env, &location, source, event_id, PayloadFormat::Form, text).await
}

/// The location a Spot-Hit callback URL's token belongs to.
async fn spothit_token_location(env: &Env, cfg: &Config, token: &str) -> Result<Option<String>> {
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    let own = cfg
        .spothit_path_token
        .as_deref()
        .map(|t| (t, cfg.ghl_location_id.as_str()));
    let found = tenancy::spothit_location(&world, own, token, same_secret).await;
    found.map_err(from_world)
}

fn bad_spothit_token() -> Result<Response> {
    json_error(
        401,
        "bad_token",
        "the Spot-Hit callback URL's token is wrong (connect Spot-Hit to the location for its URLs)",
    )
}

/// The per-send status URL of one SMS GHL handed over: the location's
/// Spot-Hit token, then GHL's message id.
pub(crate) fn message_status_url(origin: &str, token: &str, message_id: &str) -> String {
    let id = ghl_bridge::http::encode_path_segment(message_id);
    format!("{origin}/v1/hooks/spothit/{token}/message/{id}")
}

/// `GET|POST /v1/hooks/spothit/{token}/message/{messageId}`: Spot-Hit's
/// status for one SMS GHL handed over, recorded once per status.
pub async fn spothit_message(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    token: &str,
    message_id: &str,
) -> Result<Response> {
    let Some(location) = spothit_token_location(env, cfg, token).await? else {
        return bad_spothit_token();
    };
    let text = match req.method() {
        Method::Post => req.text().await?,
        _ => request_url::query(&req),
    };
    let payload = ghl_bridge::mapping::source::parse_form(&text);
    let statut = payload.get("statut").and_then(|v| v.as_str()).unwrap_or("");
    let message_id = ghl_bridge::http::decode_path_segment(message_id);
    // One record per message and status: a repeated callback is a duplicate.
    let event_id = format!("{message_id}:{statut}");
    let named =
        serde_urlencoded::to_string([("ghlMessageId", message_id.as_str())]).unwrap_or_default();
    let text = if text.is_empty() {
        named
    } else {
        format!("{text}&{named}")
    };
    let source = Source::built_in(EventKind::SpotHitMessageStatus);
    ingest(
        env,
        &location,
        source,
        Some(event_id),
        PayloadFormat::Form,
        text,
    )
    .await
}

/// `POST /v1/hooks/ghl/provider/{GHL_APP_HOOK_SECRET}`: GHL's Delivery URL
/// for the conversation provider. GHL does not sign this call, so the path
/// carries a secret, compared in constant time; a wrong one is a 404 that
/// sends nothing. The message is recorded once by its id (a redelivery sends
/// nothing), answered 200 at once, and sent from the queue.
pub async fn provider(mut req: Request, env: &Env, cfg: &Config, secret: &str) -> Result<Response> {
    let known = cfg
        .app_hook_secret
        .as_deref()
        .is_some_and(|s| same_secret(s, secret));
    if !known {
        return json_error(404, "not_found", "no route for this Delivery URL");
    }
    let text = req.text().await?;
    let message = match ProviderOutboundMessage::read(&text) {
        Ok(m) => m,
        Err(why) => return json_error(400, "bad_message", &why),
    };
    let location = message.location_id.clone();
    let world = WorkerWorld::for_location(env, &location)?;
    let serves = tenancy::serves(&world, &cfg.ghl_location_id, &location);
    if !serves.await.map_err(from_world)? {
        return json_error(
            404,
            "unknown_location",
            &format!("location {location} has not installed the app: nothing was sent"),
        );
    }
    // Without a Spot-Hit account the message is still recorded: its `failed`
    // status tells the sender in GHL why.
    let settings = world.settings(cfg, &location).await.map_err(from_world)?;
    let status_url = settings
        .spothit_path_token
        .as_deref()
        .map(|token| message_status_url(&request_url::origin(&req), token, &message.message_id));
    provider::start_journey(&world, &message, status_url, None)
        .await
        .map_err(from_world)?;
    let source = Source::built_in(EventKind::GhlProviderMessage);
    let id = Some(message.message_id.clone());
    let answer = ingest(env, &location, source, id, PayloadFormat::Json, text).await?;
    // GHL reads any status but 2xx as a failure to deliver (and retries only
    // a 429): queued and duplicate are both a 200.
    Ok(answer.with_status(200))
}

/// `POST /v1/hooks/ghl`: a GHL webhook, Ed25519-signed. Redeliveries and echoes
/// of the bridge's own writes are recognised; other changes are recorded for the
/// admin view and, when sync rules can act on them, queued for Spot-Hit and
/// Specter (core `sync::sync_back`).
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
    let verified =
        ghl_bridge::ghl::webhooks::authenticate(key, &body, signature.as_deref(), now).await;
    let event = match verified {
        Ok(e) => e,
        Err(e @ ghl_bridge::ghl::webhooks::GhlWebhookError::BadBody(_)) => {
            return json_error(400, "bad_event", &e.to_string())
        }
        Err(e) => return json_error(401, "bad_signature", &e.to_string()),
    };
    match event.event_type {
        GhlEventType::Install => return crate::auth::on_install(env, cfg, &event).await,
        GhlEventType::Uninstall => return crate::auth::on_uninstall(env, &event).await,
        _ => {}
    }
    // A location nobody installed costs nothing: answered, not recorded.
    let world = WorkerWorld::for_location(env, &event.location_id)?;
    let serves = tenancy::serves(&world, &cfg.ghl_location_id, &event.location_id);
    if !serves.await.map_err(from_world)? {
        let dir = world.store_named(DIRECTORY).map_err(from_world)?;
        directory::count_unknown(&dir, &event.location_id, world.now_ms())
            .await
            .map_err(from_world)?;
        return json_ok(&json!({"status": "ignored", "reason": "unknown location"}));
    }
    let settings = world
        .settings(cfg, &event.location_id)
        .await
        .map_err(from_world)?;
    let event_type = event.event_type.clone();
    let recorded = sync_back::accept(&world, &settings, event)
        .await
        .map_err(from_world)?;
    json_ok(&json!({"status": recorded.outcome, "type": event_type}))
}

/// Records the event once and queues it: 202. A redelivery is answered 200
/// `duplicate`, not queued; a payload that cannot be read is 400.
pub(crate) async fn ingest(
    env: &Env,
    location: &str,
    source: Source<'_>,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
) -> Result<Response> {
    let payload = match parse_payload(&text, format) {
        Ok(p) => p,
        Err(e) => return json_error(400, "bad_payload", &e.to_string()),
    };
    let world = WorkerWorld::for_location(env, location)?;
    let uninstalled = location::is_uninstalled(&world).await.map_err(from_world)?;
    let accepted = if uninstalled {
        let reason = location::UNINSTALLED;
        inbound::ignore(&world, source, event_id, format, text, &payload, reason).await
    } else {
        inbound::accept(&world, location, source, event_id, format, text, &payload).await
    }
    .map_err(from_world)?;
    let status = if accepted.status == "queued" {
        202
    } else {
        200
    };
    Ok(json_ok(&accepted)?.with_status(status))
}
