//! `/v1/admin/...`: bearer-token protected views and actions for operators.

use crate::config::Config;
use crate::failure::from_world;
use crate::request_url;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::admin_api::{
    Accepted, ApiError, DeadLetters, EventList, EventStatus, GhlConnection, GhlEventList,
    GhlReplayed, MappingDeleted, MappingSaved, Saved, StoredMapping,
};
use ghl_bridge::ghl::custom_fields::CustomFieldList;
use ghl_bridge::json;
use ghl_bridge::mapping::{Mapping, PayloadFormat};
use ghl_bridge::outbound::SyncRules;
use ghl_bridge::sync::protocol::{EventQuery, Store};
use ghl_bridge::sync::sweep::sweep;
use ghl_bridge::sync::sync_back::{self, SYNC_RULES_KEY};
use ghl_bridge::sync::{
    alerts, consent, field_cache, health, provider, search, specter_poll, triggers, QueuedEvent,
    World,
};
use serde_json::json;
use worker::{Env, Method, Request, Response, Result};

/// The per-location routes (`/v1/admin/locations/{id}/...`, and the older
/// `/v1/admin/...` ones for the default location) after the caller was let in.
pub async fn location_route(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    location: &str,
    segments: &[&str],
) -> Result<Response> {
    let world = WorkerWorld::for_location(env, location)?;
    let query = request_url::query(&req);
    let param = |name: &str| ghl_bridge::http::query_param(&query, name);
    match (req.method(), segments) {
        (Method::Get, ["events"]) => {
            let query = EventQuery::from_params(
                param("status"),
                param("source"),
                param("limit"),
                param("cursor"),
            );
            let mut query = match query {
                Ok(q) => q,
                Err(why) => return json_error(400, "bad_status", &why),
            };
            if let Some(typed) = param("contact") {
                let settings = world.settings(cfg, location).await.map_err(from_world)?;
                let region = settings.default_phone_region.as_deref();
                match search::contact_search(&world, &typed, region)
                    .await
                    .map_err(from_world)?
                {
                    Ok(c) => query.contact = Some(c),
                    Err(why) => return json_error(400, "bad_contact", &why),
                }
            }
            let page = world.events(query).await.map_err(from_world)?;
            json_ok(&EventList {
                events: page.events,
                next_cursor: page.next_cursor,
            })
        }
        (Method::Post, ["reseal"]) => {
            let done = world.reseal().await.map_err(from_world)?;
            json_ok(&done)
        }
        (Method::Post, ["erasure"]) => {
            let text = req.text().await?;
            let asked: consent::ErasureRequest = match json::read_document(&text, "the body") {
                Ok(a) => a,
                Err(why) => return json_error(400, "bad_request", &why),
            };
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            let person = match asked.person(settings.default_phone_region.as_deref()) {
                Ok(p) => p,
                Err(why) => return json_error(422, "bad_person", &why),
            };
            let erased = consent::erase(&world, &person).await.map_err(from_world)?;
            json_ok(&erased)
        }
        (Method::Get, ["conversation-provider"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            let chosen = provider::settings(&world, &settings)
                .await
                .map_err(from_world)?;
            json_ok(&chosen)
        }
        (Method::Put, ["conversation-provider"]) => {
            let text = req.text().await?;
            let chosen: provider::ProviderSettings = match json::read_document(&text, "the body") {
                Ok(c) => c,
                Err(why) => return json_error(400, "bad_request", &why),
            };
            if let Err(why) = chosen.check() {
                return json_error(422, "bad_provider_settings", &why);
            }
            provider::put_settings(&world, &chosen)
                .await
                .map_err(from_world)?;
            json_ok(&chosen)
        }
        (Method::Get, ["workflows"]) => {
            let subscriptions = triggers::subscriptions(&world).await.map_err(from_world)?;
            json_ok(&serde_json::json!({ "subscriptions": subscriptions }))
        }
        (Method::Get, ["messages"]) => {
            let messages = provider::journeys(&world).await.map_err(from_world)?;
            json_ok(&serde_json::json!({ "messages": messages }))
        }
        (Method::Get, ["ghl-events"]) => {
            let events = world.ghl_events(200).await.map_err(from_world)?;
            json_ok(&GhlEventList { events })
        }
        (Method::Get, ["dead-letters"]) => {
            let query = EventQuery {
                status: Some(EventStatus::Parked),
                limit: param("limit").and_then(|l| l.parse().ok()).unwrap_or(200),
                cursor: param("cursor"),
                ..EventQuery::default()
            };
            let page = world.events(query).await.map_err(from_world)?;
            json_ok(&DeadLetters {
                dead_letters: page.events,
            })
        }
        (Method::Post, ["dead-letters", key, "replay"]) => {
            if world
                .replay(key.to_string())
                .await
                .map_err(from_world)?
                .is_none()
            {
                return json_error(
                    404,
                    "not_parked",
                    &format!("event `{key}` is not a dead letter"),
                );
            }
            world
                .enqueue(QueuedEvent::inbound(location, key))
                .await
                .map_err(from_world)?;
            let answer = Accepted {
                status: "queued".into(),
                event_id: key.to_string(),
                outcome: None,
            };
            Ok(json_ok(&answer)?.with_status(202))
        }
        (Method::Get, ["mappings", source]) => {
            let mapping = world
                .mapping_get(source.to_string())
                .await
                .map_err(from_world)?;
            json_ok(&StoredMapping {
                source_id: source.to_string(),
                mapping,
            })
        }
        (Method::Put, ["mappings", source]) => {
            let text = req.text().await?;
            if let Err(errors) = Mapping::parse(&text) {
                let mut body = ApiError::new(
                    "invalid_mapping",
                    &format!(
                        "the mapping has {} error(s); nothing was saved",
                        errors.len()
                    ),
                );
                body.error.details = Some(json::to_value(&errors)?);
                return Ok(Response::from_json(&body)?.with_status(422));
            }
            world
                .mapping_put(source.to_string(), text)
                .await
                .map_err(from_world)?;
            json_ok(&MappingSaved {
                source_id: source.to_string(),
                saved: true,
            })
        }
        (Method::Delete, ["mappings", source]) => {
            let deleted = world
                .mapping_delete(source.to_string())
                .await
                .map_err(from_world)?;
            json_ok(&MappingDeleted {
                source_id: source.to_string(),
                deleted,
                now: "the source's built-in template".into(),
            })
        }
        (Method::Post, ["sources", source, "test-event"]) => {
            test_event(req, env, location, source).await
        }
        (Method::Get, ["sync-rules"]) => {
            let answer = sync_back::rules_answer(&world, cfg.sync_rules.clone()).await;
            json_ok(&answer.map_err(from_world)?)
        }
        (Method::Put, ["sync-rules"]) => {
            let text = req.text().await?;
            let warnings = match SyncRules::parse(&text) {
                Ok(rules) => rules.warnings(),
                Err(e) => return json_error(422, "invalid_rules", &e.to_string()),
            };
            world
                .kv_put(SYNC_RULES_KEY.into(), json!(text))
                .await
                .map_err(from_world)?;
            json_ok(&Saved {
                saved: true,
                warnings,
            })
        }
        (Method::Post, ["ghl-events", id, "replay"]) => {
            if !world
                .ghl_event_replay(id.to_string())
                .await
                .map_err(from_world)?
            {
                return json_error(
                    404,
                    "not_parked",
                    &format!("GHL event `{id}` has no parked sync"),
                );
            }
            world
                .enqueue(QueuedEvent::ghl(location, id))
                .await
                .map_err(from_world)?;
            let answer = GhlReplayed {
                status: "queued".into(),
                webhook_id: id.to_string(),
            };
            Ok(json_ok(&answer)?.with_status(202))
        }
        (Method::Get, ["ghl-connection"]) => {
            // Gets a usable token the way the consumer does (refreshing an
            // OAuth one when due), and says how GHL is reached. Never the token.
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            if settings.ghl_token.is_some() {
                return json_ok(&GhlConnection::by_token());
            }
            let answer = world.oauth_access().await.map_err(from_world)?;
            json_ok(&GhlConnection::by_oauth(answer))
        }
        (Method::Get, ["health"]) => {
            let hours = param("hours").and_then(|h| h.parse().ok()).unwrap_or(24);
            json_ok(
                &health::health(&world, location, hours)
                    .await
                    .map_err(from_world)?,
            )
        }
        (Method::Post, ["alerts", "test"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            match alerts::send_test(&world, &settings)
                .await
                .map_err(from_world)?
            {
                Ok(status) => json_ok(&serde_json::json!({"sent": true, "status": status})),
                Err(why) => json_error(409, "no_destination", &why),
            }
        }
        (Method::Get, ["alerts"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            json_ok(&alerts::shown(&world, &settings).await.map_err(from_world)?)
        }
        (Method::Put, ["alerts"]) => {
            let change = match json::read_document(&req.text().await?, "it") {
                Ok(c) => c,
                Err(e) => return json_error(400, "bad_alerts", &format!("the body: {e}")),
            };
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            let secret = format!("whsec_{}", crate::random::random_base64(24)?);
            match alerts::configure(&world, &settings, change, secret)
                .await
                .map_err(from_world)?
            {
                Ok(answer) => json_ok(&answer),
                Err(why) => json_error(400, "bad_alerts", &why),
            }
        }
        (Method::Get, ["custom-fields"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            match field_cache::for_admin(&world, &settings)
                .await
                .map_err(from_world)?
            {
                Ok(fields) => json_ok(&CustomFieldList {
                    custom_fields: fields,
                }),
                Err(why) => json_error(502, "ghl_unavailable", &why),
            }
        }
        (Method::Get, ["specter", "budget"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            let budget = specter_poll::budget(&world, &settings).await;
            json_ok(&budget.map_err(from_world)?)
        }
        (Method::Post, ["specter", "poll"]) => {
            let settings = world.settings(cfg, location).await.map_err(from_world)?;
            let report = specter_poll::poll(&world, &settings, specter_poll::PollTrigger::Admin)
                .await
                .map_err(from_world)?;
            json_ok(&report)
        }
        (Method::Post, ["sweep"]) => {
            let older = param("olderThanMs").and_then(|v| v.parse::<u64>().ok());
            let swept = sweep(&world, location, older).await.map_err(from_world)?;
            json_ok(&swept)
        }
        (Method::Get, ["storage"]) => json_ok(&world.storage_report().await.map_err(from_world)?),
        (Method::Post, ["retention"]) => {
            let days = param("days")
                .and_then(|d| d.parse().ok())
                .unwrap_or(cfg.retention_days);
            let as_of = param("asOfMs").and_then(|d| d.parse().ok());
            json_ok(&world.retain(days, as_of).await.map_err(from_world)?)
        }
        _ => json_error(
            404,
            "not_found",
            &format!("no admin route for {} {}", req.method(), req.path()),
        ),
    }
}

/// `POST /v1/admin/sources/{sourceId}/test-event`: the body goes through the
/// same pipeline as a real delivery from that source (same idempotency key,
/// mapping and GHL calls), so sending the same test twice is a `duplicate`.
async fn test_event(mut req: Request, env: &Env, location: &str, source: &str) -> Result<Response> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    let format = if content_type.contains("x-www-form-urlencoded") {
        PayloadFormat::Form
    } else if content_type.is_empty() || content_type.contains("json") {
        PayloadFormat::Json
    } else {
        return json_error(
            415,
            "unsupported_payload",
            &format!("send the payload as JSON or form-encoded, not `{content_type}`"),
        );
    };
    let text = req.text().await?;
    // Sent to a source by its id: it plays that source (a built-in's kind).
    let source = ghl_bridge::sources::Source::named(source);
    crate::hooks::ingest(env, location, source, None, format, text).await
}
