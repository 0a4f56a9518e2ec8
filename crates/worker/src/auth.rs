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
use crate::consumer::Attempt;
use crate::respond::{json_error, json_ok};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{Env, Request, Response, Result};

/// What the Durable Object keeps for an OAuth install.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at_ms: u64,
    #[serde(default)]
    pub issued_at_ms: u64,
    pub location_id: String,
    pub scope: String,
}

impl OAuthTokens {
    /// Still good for a while: refreshed a minute before it expires (or a
    /// tenth of its life, for short-lived tokens), so no call races the expiry.
    pub fn fresh(&self, now_ms: u64) -> bool {
        let life = self.expires_at_ms.saturating_sub(self.issued_at_ms);
        let margin = (life / 10).min(60_000);
        self.expires_at_ms > now_ms + margin
    }

    /// From GHL's token answer.
    pub fn from_answer(answer: &serde_json::Value, now_ms: u64) -> Option<OAuthTokens> {
        Some(OAuthTokens {
            access_token: answer["access_token"].as_str()?.to_string(),
            refresh_token: answer["refresh_token"].as_str()?.to_string(),
            expires_at_ms: now_ms + answer["expires_in"].as_u64().unwrap_or(3600) * 1000,
            issued_at_ms: now_ms,
            location_id: answer["locationId"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            scope: answer["scope"].as_str().unwrap_or_default().to_string(),
        })
    }
}

/// The form body of a call to GHL's token endpoint.
pub fn token_request(
    cfg: &Config,
    grant: &[(&str, &str)],
) -> Option<ghl_bridge::http::HttpRequest> {
    let mut fields = vec![
        ("client_id", cfg.ghl_client_id.clone()?),
        ("client_secret", cfg.ghl_client_secret.clone()?),
    ];
    fields.extend(grant.iter().map(|(k, v)| (*k, v.to_string())));
    Some(ghl_bridge::http::HttpRequest {
        method: ghl_bridge::http::Method::Post,
        url: format!("{}/oauth/token", cfg.ghl_base_url.trim_end_matches('/')),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(serde_urlencoded::to_string(&fields).unwrap_or_default()),
    })
}

/// The access token to call GHL with: `GHL_TOKEN`, else the OAuth install's
/// (refreshed when due). Not installed is a parked event with the fix; a
/// refresh that failed for now is retried.
pub async fn ghl_token(
    cfg: &Config,
    store: &Store,
) -> Result<std::result::Result<String, Attempt>> {
    if let Some(token) = &cfg.ghl_token {
        return Ok(Ok(token.clone()));
    }
    let answer = store.call("/oauth/access", json!({})).await?;
    if let Some(token) = answer["accessToken"].as_str() {
        return Ok(Ok(token.to_string()));
    }
    let reason = answer["error"]
        .as_str()
        .unwrap_or("no GHL credentials")
        .to_string();
    Ok(Err(if answer["retryable"] == true {
        Attempt::Retry {
            reason,
            hint_ms: Some(5_000),
        }
    } else {
        Attempt::Park(reason)
    }))
}

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
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    store
        .kv_put(
            &format!("oauth-state:{state}"),
            json!(worker::Date::now().as_millis()),
        )
        .await?;
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
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    // One-time and recent: a replayed or forged callback is refused.
    let issued = store
        .kv_put(&format!("oauth-state:{state}"), json!(0))
        .await?
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
    let Some(request) = token_request(
        cfg,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("user_type", "Location"),
            ("redirect_uri", &redirect),
        ],
    ) else {
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
    if tokens.location_id != cfg.ghl_location_id {
        return json_error(
            400,
            "wrong_location",
            &format!(
                "the app was installed on location {}, but this Worker syncs {} (GHL_LOCATION_ID)",
                tokens.location_id, cfg.ghl_location_id
            ),
        );
    }
    store.call("/oauth/put", json!({"tokens": tokens})).await?;
    json_ok(&json!({"installed": true, "locationId": tokens.location_id, "scope": tokens.scope}))
}

/// Hex of `bytes` bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
fn random_hex(bytes: u32) -> Result<String> {
    use wasm_bindgen::JsCast;
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    let fill: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())?
        .dyn_into()
        .map_err(|_| worker::Error::RustError("no crypto.getRandomValues".into()))?;
    let buffer = js_sys::Uint8Array::new_with_length(bytes);
    fill.call1(&crypto, &buffer)?;
    Ok(buffer.to_vec().iter().map(|b| format!("{b:02x}")).collect())
}
