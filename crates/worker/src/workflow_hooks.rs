//! GHL's workflow calls to the app: an action reached (`POST
//! /v1/hooks/ghl/actions/{actionKey}`), its dynamic field asked for
//! (`.../{actionKey}/fields`), a trigger subscribed to or dropped (`POST
//! /v1/hooks/ghl/triggers`). GHL signs none of them: each carries the app's
//! secret in `x-bridge-key` (`GHL_APP_HOOK_SECRET`), compared in constant
//! time; a wrong one is a 401 that does nothing. Decisions are in the core
//! (`sync::workflow_actions`, `sync::triggers`).

use crate::config::Config;
use crate::failure::from_world;
use crate::hooks::message_status_url;
use crate::request_url;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::secrets::same_secret;
use ghl_bridge::sync::{tenancy, triggers, workflow_actions};
use ghl_bridge::workflows::{ActionCall, ActionKey, SubscriptionCall, KEY_HEADER};
use serde_json::json;
use worker::{Env, Request, Response, Result};

/// The app's secret header, checked first: `None` when it is right.
fn refused(req: &Request, cfg: &Config) -> Option<Result<Response>> {
    let given = req
        .headers()
        .get(KEY_HEADER)
        .ok()
        .flatten()
        .unwrap_or_default();
    let known = cfg
        .app_hook_secret
        .as_deref()
        .is_some_and(|s| !given.is_empty() && same_secret(s, &given));
    (!known).then(|| {
        json_error(
            401,
            "bad_key",
            &format!("`{KEY_HEADER}` is missing or wrong: nothing was done"),
        )
    })
}

/// The location the call names, when it installed the app.
async fn installed<'a>(
    env: &'a Env,
    cfg: &Config,
    location: &str,
) -> Result<Option<WorkerWorld<'a>>> {
    let world = WorkerWorld::for_location(env, location)?;
    let serves = tenancy::serves(&world, &cfg.ghl_location_id, location);
    Ok(serves.await.map_err(from_world)?.then_some(world))
}

fn not_installed(location: &str) -> Result<Response> {
    json_error(
        404,
        "unknown_location",
        &format!("location {location} has not installed the app: nothing was done"),
    )
}

/// `POST /v1/hooks/ghl/actions/{actionKey}` and `.../{actionKey}/fields`.
pub async fn action(mut req: Request, env: &Env, cfg: &Config, rest: &str) -> Result<Response> {
    if let Some(refusal) = refused(&req, cfg) {
        return refusal;
    }
    let (key, fields) = match rest.split_once('/') {
        Some((key, "fields")) => (key, true),
        Some(_) => {
            return json_error(
                404,
                "not_found",
                "use /v1/hooks/ghl/actions/{actionKey}[/fields]",
            )
        }
        None => (rest, false),
    };
    let Some(action) = ActionKey::parse(key) else {
        return json_error(
            404,
            "unknown_action",
            &format!("`{key}` is not one of this app's actions"),
        );
    };
    let call = match ActionCall::read(&req.text().await?) {
        Ok(c) => c,
        Err(why) => return json_error(400, "bad_call", &why),
    };
    let location = call.extras.location_id.clone();
    let Some(world) = installed(env, cfg, &location).await? else {
        return not_installed(&location);
    };
    let settings = world.settings(cfg, &location).await.map_err(from_world)?;
    if fields {
        if action != ActionKey::SpotHitAddToGroup {
            return json_error(
                404,
                "no_dynamic_field",
                &format!("`{key}` has no dynamic field"),
            );
        }
        return match workflow_actions::group_field(&world, &settings).await {
            Ok(inputs) => json_ok(&inputs),
            Err(why) => json_error(422, "no_groups", &why),
        };
    }
    let origin = request_url::origin(&req);
    let token = settings.spothit_path_token.clone();
    let status_url = |id: &str| token.as_deref().map(|t| message_status_url(&origin, t, id));
    let answer = workflow_actions::run(&world, &settings, action, &call, status_url)
        .await
        .map_err(from_world)?;
    let mut response = json_ok(&answer.body)?;
    if answer.replayed {
        response.headers_mut().set("x-bridge-replayed", "true")?;
    }
    Ok(response)
}

/// `POST /v1/hooks/ghl/triggers`: a workflow's subscription `CREATED`,
/// `UPDATED` or `DELETED`, kept per location.
pub async fn subscription(mut req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    if let Some(refusal) = refused(&req, cfg) {
        return refusal;
    }
    let call = match SubscriptionCall::read(&req.text().await?) {
        Ok(c) => c,
        Err(why) => return json_error(400, "bad_subscription", &why),
    };
    let location = call.extras.location_id.clone();
    let Some(world) = installed(env, cfg, &location).await? else {
        return not_installed(&location);
    };
    let kept = triggers::subscribe(&world, &cfg.ghl_base_url, &call)
        .await
        .map_err(from_world)?;
    match kept {
        Err(why) => json_error(422, "bad_target_url", &why),
        Ok(None) => json_ok(&json!({"status": "deleted", "id": call.trigger_data.id})),
        Ok(Some(s)) => json_ok(&json!({"status": "subscribed", "subscription": s})),
    }
}
