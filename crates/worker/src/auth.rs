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
use crate::respond::{json_error, json_ok};
use crate::store_client::StoreClient;
use crate::world::WorkerWorld;
use ghl_bridge::admin_api::LocationEntry;
use ghl_bridge::ghl::oauth::{
    installed_locations, minted_location_token, OAuthTokens, Refreshed, UserType,
};
use ghl_bridge::ghl::webhooks::GhlEvent;
use ghl_bridge::sync::directory::{self, company_store, DIRECTORY};
use ghl_bridge::sync::location;
use ghl_bridge::sync::protocol::Store;
use serde_json::json;
use worker::{Env, Request, Response, Result};

fn callback_url(req: &Request) -> Result<String> {
    let url = req.url()?;
    Ok(format!(
        "{}/oauth/callback",
        url.origin().ascii_serialization()
    ))
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
    let state = random_hex(16)?;
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
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string())
    };
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
    let installed = match tokens.user_type {
        UserType::Location => {
            install_location(env, &tokens, None).await?;
            vec![tokens.location_id.clone()]
        }
        UserType::Company => match install_agency(env, cfg, tokens).await? {
            Ok(ids) => ids,
            Err(why) => return json_error(502, "bulk_install_failed", &why),
        },
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

/// Keeps a location's tokens in its store and lists it in the directory. A
/// re-install keeps the location's settings, sources and mappings.
async fn install_location(env: &Env, tokens: &OAuthTokens, name: Option<String>) -> Result<()> {
    let world = WorkerWorld::for_location(env, &tokens.location_id)?;
    world.oauth_put(tokens.clone()).await.map_err(from_world)?;
    location::reinstalled(&world).await.map_err(from_world)?;
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let known = directory::location(&dir, &tokens.location_id)
        .await
        .map_err(from_world)?;
    let entry = LocationEntry {
        id: tokens.location_id.clone(),
        name: name
            .or(known.map(|k| k.name))
            .unwrap_or_else(|| tokens.location_id.clone()),
        connected: true,
        auth: "oauth".into(),
        company_id: tokens.company_id.clone(),
    };
    directory::register_location(&dir, &entry)
        .await
        .map_err(from_world)
}

/// An INSTALL webhook (idempotent). One for a location of an agency whose
/// token the bridge has (a later install, or one "to future locations",
/// which may carry no `companyId`) mints the location's token. One that
/// arrives before the code exchange finished is answered and left to the
/// exchange, which lists every installed location. A failure GHL may fix by
/// retrying is a 429: Marketplace webhooks are retried only after a 429.
pub async fn on_install(env: &Env, cfg: &Config, event: &GhlEvent) -> Result<Response> {
    let location_id = event.location_id.clone();
    if location_id.is_empty() {
        return json_ok(&json!({"status": "ignored", "reason": "an agency-level install"}));
    }
    let world = WorkerWorld::for_location(env, &location_id)?;
    let current = world.oauth_access().await.map_err(from_world)?;
    if current.access_token.is_some() {
        location::reinstalled(&world).await.map_err(from_world)?;
        return json_ok(&json!({"status": "installed", "locationId": location_id}));
    }
    let Some(client) = cfg.oauth_client() else {
        return json_ok(&json!({"status": "ignored", "reason": "OAuth is not configured"}));
    };
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let named = event
        .data
        .get("companyId")
        .and_then(|c| c.as_str())
        .map(String::from);
    let companies = match named {
        Some(c) => vec![c],
        None => directory::companies(&dir).await.map_err(from_world)?,
    };
    for company_id in companies {
        let agency = StoreClient::for_location(env, &company_store(&company_id))?;
        let access = agency.oauth_access().await.map_err(from_world)?;
        let Some(company_token) = access.access_token else {
            continue;
        };
        let request = client.location_token_request(&company_id, &location_id, &company_token);
        let response = crate::ghl_http::send(&request).await?;
        let now = worker::Date::now().as_millis();
        match minted_location_token(&response, &company_id, now) {
            Refreshed::Tokens(mut tokens) => {
                tokens.location_id = location_id.clone();
                install_location(env, &tokens, None).await?;
                return json_ok(&json!({"status": "installed", "locationId": location_id}));
            }
            Refreshed::Retry(why) => {
                let mut res = json_error(429, "try_later", &why)?;
                res.headers_mut().set("retry-after", "60")?;
                return Ok(res);
            }
            Refreshed::Refused(_) => continue,
        }
    }
    // No agency token yet: the code exchange in flight will connect it.
    json_ok(&json!({"status": "pending", "locationId": location_id}))
}

/// An UNINSTALL webhook (idempotent): the location's tokens are deleted and
/// its new events ignored; its settings stay for a re-install.
pub async fn on_uninstall(env: &Env, event: &GhlEvent) -> Result<Response> {
    if event.location_id.is_empty() {
        return json_ok(&json!({"status": "ignored", "reason": "an agency-level uninstall"}));
    }
    let world = WorkerWorld::for_location(env, &event.location_id)?;
    location::uninstall(&world).await.map_err(from_world)?;
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let known = directory::location(&dir, &event.location_id)
        .await
        .map_err(from_world)?;
    if let Some(mut entry) = known {
        entry.connected = false;
        entry.auth = "none".into();
        directory::register_location(&dir, &entry)
            .await
            .map_err(from_world)?;
    }
    json_ok(&json!({"status": "uninstalled", "locationId": event.location_id}))
}

/// A bulk install (GHL's mandatory mode for new Marketplace apps): the code
/// gave the agency's token. It is kept in the agency's store; every location
/// the app is installed on gets a location token minted from it.
async fn install_agency(
    env: &Env,
    cfg: &Config,
    company: OAuthTokens,
) -> Result<std::result::Result<Vec<String>, String>> {
    let (Some(client), Some(company_id)) = (cfg.oauth_client(), company.company_id.clone()) else {
        return Ok(Err("the agency token carries no companyId".into()));
    };
    let agency = StoreClient::for_location(env, &company_store(&company_id))?;
    agency
        .oauth_put(company.clone())
        .await
        .map_err(from_world)?;
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    directory::register_company(&dir, &company_id)
        .await
        .map_err(from_world)?;
    let listed = crate::ghl_http::send(
        &client.installed_locations_request(&company_id, &company.access_token),
    )
    .await?;
    let locations = match installed_locations(&listed) {
        Ok(l) => l,
        Err(why) => return Ok(Err(why)),
    };
    let mut installed = Vec::new();
    for location in locations {
        let request =
            client.location_token_request(&company_id, &location.id, &company.access_token);
        let response = crate::ghl_http::send(&request).await?;
        let now = worker::Date::now().as_millis();
        match minted_location_token(&response, &company_id, now) {
            Refreshed::Tokens(mut tokens) => {
                tokens.location_id = location.id.clone();
                install_location(env, &tokens, Some(location.name)).await?;
                installed.push(location.id);
            }
            Refreshed::Retry(_) | Refreshed::Refused(_) => {
                return Ok(Err(format!(
                    "GHL refused a token for location {} (HTTP {}); install again",
                    location.id, response.status
                )))
            }
        }
    }
    Ok(Ok(installed))
}

/// `bytes` bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
fn random_bytes(bytes: u32) -> Result<Vec<u8>> {
    use wasm_bindgen::JsCast;
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    let fill: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())?
        .dyn_into()
        .map_err(|_| worker::Error::RustError("no crypto.getRandomValues".into()))?;
    let buffer = js_sys::Uint8Array::new_with_length(bytes);
    fill.call1(&crypto, &buffer)?;
    Ok(buffer.to_vec())
}

/// Hex of `bytes` random bytes.
pub(crate) fn random_hex(bytes: u32) -> Result<String> {
    Ok(random_bytes(bytes)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Standard base64 of `bytes` random bytes (a Standard Webhooks secret).
pub(crate) fn random_base64(bytes: u32) -> Result<String> {
    Ok(ghl_bridge::sources::standard_webhooks::base64_of(
        &random_bytes(bytes)?,
    ))
}
