//! `/v1/admin/...`: bearer-token protected views and actions for operators.

use crate::config::Config;
use crate::respond::{json_error, json_ok};
use crate::store::{QueuedEvent, Store};
use ghl_bridge::mapping::Mapping;
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
            let parked = store.get("/events?status=parked").await?;
            json_ok(&json!({"deadLetters": parked["events"]}))
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
            env.queue("EVENTS")?
                .send(QueuedEvent {
                    location: cfg.ghl_location_id.clone(),
                    key: key.to_string(),
                })
                .await?;
            Ok(json_ok(&json!({"status": "queued", "eventId": key}))?.with_status(202))
        }
        (Method::Get, ["mappings", source]) => {
            let stored = store
                .call("/mapping/get", json!({"sourceId": source}))
                .await?;
            json_ok(&json!({"sourceId": source, "mapping": stored["mapping"]}))
        }
        (Method::Put, ["mappings", source]) => {
            let text = req.text().await?;
            if let Err(errors) = Mapping::parse(&text) {
                let body = json!({"error": {"code": "invalid_mapping", "message": "the mapping has errors", "details": errors}});
                return Ok(Response::from_json(&body)?.with_status(422));
            }
            store
                .call("/mapping/put", json!({"sourceId": source, "mapping": text}))
                .await?;
            json_ok(&json!({"sourceId": source, "saved": true}))
        }
        (Method::Delete, ["mappings", source]) => {
            let answer = store
                .call("/mapping/delete", json!({"sourceId": source}))
                .await?;
            json_ok(
                &json!({"sourceId": source, "deleted": answer["deleted"], "now": "the built-in web-form template"}),
            )
        }
        _ => json_error(
            404,
            "not_found",
            &format!("no admin route for {} {path}", req.method()),
        ),
    }
}
