//! `/v1/admin/...`: bearer-token protected views and actions for operators.

use crate::config::Config;
use crate::respond::{json_error, json_ok};
use crate::store::{QueuedEvent, Store, SYNC_RULES_KEY};
use ghl_bridge::admin_api::{
    Accepted, ApiError, DeadLetters, EventList, GhlConnection, GhlReplayed, MappingDeleted,
    MappingSaved, Saved, StoredMapping, SyncRulesAnswer,
};
use ghl_bridge::mapping::{Mapping, PayloadFormat};
use ghl_bridge::outbound::SyncRules;
use serde_json::json;
use worker::{Env, Method, Request, Response, Result};

pub async fn route(mut req: Request, env: &Env, cfg: &Config, path: &str) -> Result<Response> {
    let Some(expected) = cfg.admin_token.as_deref() else {
        return json_error(
            503,
            "not_configured",
            "admin routes are off: set ADMIN_TOKEN",
        );
    };
    let given = req.headers().get("authorization")?.unwrap_or_default();
    match given.strip_prefix("Bearer ") {
        None => {
            return json_error(
                401,
                "missing_token",
                "send `Authorization: Bearer <ADMIN_TOKEN>`",
            )
        }
        Some(t) if !crate::hooks::same_secret(t.trim(), expected) => {
            return json_error(403, "bad_token", "the admin token is wrong")
        }
        Some(_) => {}
    }
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    let segments: Vec<&str> = path.trim_start_matches("/v1/admin/").split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["events"]) => {
            let limit = req
                .url()?
                .query_pairs()
                .find(|(k, _)| k == "limit")
                .map(|(_, v)| v.to_string());
            let route = match limit {
                Some(l) => format!("/events?limit={}", l.parse::<u32>().unwrap_or(200)),
                None => "/events".to_string(),
            };
            json_ok(&store.get(&route).await?)
        }
        (Method::Get, ["ghl-events"]) => json_ok(&store.get("/ghl-events").await?),
        (Method::Get, ["dead-letters"]) => {
            let parked: EventList =
                serde_json::from_value(store.get("/events?status=parked").await?)?;
            json_ok(&DeadLetters {
                dead_letters: parked.events,
            })
        }
        (Method::Post, ["dead-letters", key, "replay"]) => {
            let answer = store.call("/replay", json!({"key": key})).await?;
            if answer["record"].is_null() {
                return json_error(
                    404,
                    "not_parked",
                    &format!("event `{key}` is not a dead letter"),
                );
            }
            QueuedEvent::inbound(&cfg.ghl_location_id, key)
                .send(env)
                .await?;
            let answer = Accepted {
                status: "queued".into(),
                event_id: key.to_string(),
                outcome: None,
            };
            Ok(json_ok(&answer)?.with_status(202))
        }
        (Method::Get, ["mappings", source]) => {
            let stored = store
                .call("/mapping/get", json!({"sourceId": source}))
                .await?;
            json_ok(&StoredMapping {
                source_id: source.to_string(),
                mapping: stored["mapping"].as_str().map(String::from),
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
                body.error.details = Some(serde_json::to_value(&errors)?);
                return Ok(Response::from_json(&body)?.with_status(422));
            }
            store
                .call("/mapping/put", json!({"sourceId": source, "mapping": text}))
                .await?;
            json_ok(&MappingSaved {
                source_id: source.to_string(),
                saved: true,
            })
        }
        (Method::Delete, ["mappings", source]) => {
            let answer = store
                .call("/mapping/delete", json!({"sourceId": source}))
                .await?;
            json_ok(&MappingDeleted {
                source_id: source.to_string(),
                deleted: answer["deleted"] == true,
                now: "the source's built-in template".into(),
            })
        }
        (Method::Post, ["sources", source, "test-event"]) => {
            test_event(req, env, cfg, source).await
        }
        (Method::Get, ["sync-rules"]) => {
            let stored = store.kv_get(SYNC_RULES_KEY).await?;
            let (rules, from) = match stored.as_ref().and_then(|v| v.as_str()) {
                Some(t) => (Some(t.to_string()), "admin"),
                None => (cfg.sync_rules.clone(), "SYNC_RULES"),
            };
            json_ok(&SyncRulesAnswer {
                from: rules.as_ref().map(|_| from.to_string()),
                rules,
            })
        }
        (Method::Put, ["sync-rules"]) => {
            let text = req.text().await?;
            if let Err(e) = SyncRules::parse(&text) {
                return json_error(422, "invalid_rules", &e.to_string());
            }
            store.kv_put(SYNC_RULES_KEY, json!(text)).await?;
            json_ok(&Saved { saved: true })
        }
        (Method::Post, ["ghl-events", id, "replay"]) => {
            let answer = store
                .call("/ghl-event/replay", json!({"webhookId": id}))
                .await?;
            if answer["replayed"] != true {
                return json_error(
                    404,
                    "not_parked",
                    &format!("GHL event `{id}` has no parked sync"),
                );
            }
            QueuedEvent::ghl(&cfg.ghl_location_id, id).send(env).await?;
            let answer = GhlReplayed {
                status: "queued".into(),
                webhook_id: id.to_string(),
            };
            Ok(json_ok(&answer)?.with_status(202))
        }
        (Method::Get, ["ghl-connection"]) => {
            // Gets a usable token the way the consumer does (refreshing an
            // OAuth one when due), and says how GHL is reached. Never the token.
            if cfg.ghl_token.is_some() {
                return json_ok(&GhlConnection {
                    connected: true,
                    via: Some("GHL_TOKEN".into()),
                    ..Default::default()
                });
            }
            let answer = store.call("/oauth/access", json!({})).await?;
            json_ok(&match answer["accessToken"].as_str() {
                Some(_) => GhlConnection {
                    connected: true,
                    via: Some("oauth".into()),
                    refreshed: Some(answer["refreshed"] == true),
                    ..Default::default()
                },
                None => GhlConnection {
                    connected: false,
                    reason: answer["error"].as_str().map(String::from),
                    retryable: Some(answer["retryable"] == true),
                    ..Default::default()
                },
            })
        }
        (Method::Post, ["specter", "poll"]) => json_ok(&crate::specter_poll::poll(env, cfg).await?),
        (Method::Post, ["sweep"]) => {
            let older = req
                .url()?
                .query_pairs()
                .find(|(k, _)| k == "olderThanMs")
                .and_then(|(_, v)| v.parse::<u64>().ok());
            json_ok(&crate::cron::sweep(env, cfg, older).await?)
        }
        _ => json_error(
            404,
            "not_found",
            &format!("no admin route for {} {path}", req.method()),
        ),
    }
}

/// `POST /v1/admin/sources/{sourceId}/test-event`: the body goes through the
/// same pipeline as a real delivery from that source (same idempotency key,
/// mapping and GHL calls), so sending the same test twice is a `duplicate`.
async fn test_event(mut req: Request, env: &Env, cfg: &Config, source: &str) -> Result<Response> {
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
    crate::hooks::ingest(env, cfg, source, None, format, text).await
}
