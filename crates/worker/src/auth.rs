//! GHL credentials, both ways GHL offers them:
//! - a private-integration or location token from the `GHL_TOKEN` secret;
//! - OAuth 2.0 for a marketplace app: `GET /oauth/start` sends the installing
//!   user to GHL's location chooser, `GET /oauth/callback` exchanges the code,
//!   and the tokens live in the location's Durable Object, which refreshes them.
//!
//! GHL's refresh tokens work once. Two Workers refreshing at the same moment
//! with the same refresh token would lock the integration out (the loser's
//! token is dead and the winner's answer might be lost). So only the Durable
//! Object refreshes, one refresh at a time (see `BridgeStore::oauth_access`),
//! and stores the new pair before anyone uses it.

use crate::config::Config;
use crate::failure::from_world;
use crate::request_url;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::ghl::oauth::{OAuthTokens, UserType};
use ghl_bridge::ghl::webhooks::GhlEvent;
use ghl_bridge::sync::install::{self, InstallOutcome};
use ghl_bridge::sync::protocol::Store;
use serde_json::json;
use worker::{Env, Request, Response, Result};

fn callback_url(req: &Request) -> Result<String> {
    Ok(format!("{}/oauth/callback", request_url::origin(req)))
}

/// `GET /oauth/start`: to GHL's location chooser, with a one-time `state`.
pub async fn start(req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    let Some(client_id) = &cfg.ghl_client_id else {
        return json_error(
            503,
            "not_configured",
            "OAuth is off: set GHL_CLIENT_ID and GHL_CLIENT_SECRET",
        );
    };
    let state = crate::random::random_hex(16)?;
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    world
        .kv_put(
            format!("oauth-state:{state}"),
            json!(worker::Date::now().as_millis()),
        )
        .await
        .map_err(from_world)?;
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", &callback_url(&req)?),
        ("scope", &cfg.ghl_oauth_scopes),
        ("state", &state),
    ])
    .unwrap_or_default();
    let location = format!("{}?{query}", cfg.ghl_oauth_authorize_url);
    let mut response = Response::empty()?.with_status(302);
    response.headers_mut().set("location", &location)?;
    Ok(response)
}

/// `GET /oauth/callback?code&state`: checks the state, exchanges the code and
/// stores the tokens in the location's Durable Object.
pub async fn callback(req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    let query = request_url::query(&req);
    let param = |name: &str| ghl_bridge::http::query_param(&query, name);
    if let Some(error) = param("error") {
        return json_error(400, "install_refused", &format!("GHL said: {error}"));
    }
    let (Some(code), Some(state)) = (param("code"), param("state")) else {
        return json_error(
            400,
            "bad_callback",
            "the callback needs `code` and `state`: start the install at /oauth/start",
        );
    };
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    // One-time and recent: a replayed or forged callback is refused.
    let issued = world
        .kv_put(format!("oauth-state:{state}"), json!(0))
        .await
        .map_err(from_world)?
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if issued == 0 || worker::Date::now().as_millis().saturating_sub(issued) > 10 * 60 * 1000 {
        return json_error(
            400,
            "bad_state",
            "unknown, used or expired `state`: start the install again at /oauth/start",
        );
    }
    let redirect = callback_url(&req)?;
    let Some(request) = cfg.oauth_client().map(|client| {
        client.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Location"),
            ("redirect_uri", &redirect),
        ])
    }) else {
        return json_error(
            503,
            "not_configured",
            "set GHL_CLIENT_ID and GHL_CLIENT_SECRET",
        );
    };
    let response = match crate::ghl_http::send(&request).await {
        Ok(r) => r,
        Err(e) => {
            return json_error(
                502,
                "ghl_unreachable",
                &format!("GHL's token endpoint: {e}"),
            )
        }
    };
    let answer: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
    let Some(tokens) = (response.status == 200)
        .then(|| OAuthTokens::from_answer(&answer, worker::Date::now().as_millis()))
        .flatten()
    else {
        let why = answer["error_description"]
            .as_str()
            .or(answer["error"].as_str())
            .unwrap_or("no tokens in the answer");
        return json_error(
            400,
            "code_refused",
            &format!("GHL refused the code (HTTP {}): {why}", response.status),
        );
    };
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    let installed = match (tokens.user_type, cfg.oauth_client()) {
        (UserType::Company, Some(client)) => {
            match install::install_agency(&world, &client, tokens)
                .await
                .map_err(from_world)?
            {
                Ok(ids) => ids,
                Err(why) => return json_error(502, "bulk_install_failed", &why),
            }
        }
        _ => {
            install::install_location(&world, &tokens, None)
                .await
                .map_err(from_world)?;
            vec![tokens.location_id.clone()]
        }
    };
    // The deployment's own location when it is among them, for the one-location case.
    let location_id = installed
        .iter()
        .find(|id| **id == cfg.ghl_location_id)
        .or(installed.first())
        .cloned()
        .unwrap_or_default();
    json_ok(&json!({"installed": true, "locationId": location_id, "locations": installed}))
}

/// An INSTALL webhook (core `sync::install`): 429 when GHL should send it
/// again (Marketplace webhooks are retried only after a 429).
pub async fn on_install(env: &Env, cfg: &Config, event: &GhlEvent) -> Result<Response> {
    let world = WorkerWorld::for_location(env, &event.location_id)?;
    let client = cfg.oauth_client();
    let outcome = install::on_install(&world, client.as_ref(), event)
        .await
        .map_err(from_world)?;
    match outcome {
        InstallOutcome::Installed(id) => json_ok(&json!({"status": "installed", "locationId": id})),
        InstallOutcome::Pending(id) => json_ok(&json!({"status": "pending", "locationId": id})),
        InstallOutcome::Ignored(why) => json_ok(&json!({"status": "ignored", "reason": why})),
        InstallOutcome::RetryLater(why) => {
            let mut res = json_error(429, "try_later", &why)?;
            res.headers_mut().set("retry-after", "60")?;
            Ok(res)
        }
    }
}

/// An UNINSTALL webhook (core `sync::install`).
pub async fn on_uninstall(env: &Env, event: &GhlEvent) -> Result<Response> {
    let world = WorkerWorld::for_location(env, &event.location_id)?;
    if install::on_uninstall(&world, event)
        .await
        .map_err(from_world)?
    {
        json_ok(&json!({"status": "uninstalled", "locationId": event.location_id}))
    } else {
        json_ok(&json!({"status": "ignored", "reason": "an agency-level uninstall"}))
    }
}
