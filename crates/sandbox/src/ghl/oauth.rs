//! OAuth 2.0 as GHL runs it: an authorisation code for an install, then
//! access tokens that expire and refresh tokens that rotate (each works once).

use crate::state::{
    AccessToken, RefreshToken, State, ALL_SCOPES, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET,
};
use crate::Shared;
use axum::extract::{Query, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The token endpoint's errors follow RFC 6749 (`{error, error_description}`);
/// GHL's exact wording is not documented.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

fn issue(state: &mut State, location_id: &str, scopes: Vec<String>) -> serde_json::Value {
    let access = format!("sbx-at-{}", state.new_id());
    let refresh = format!("sbx-rt-{}", state.new_id());
    let ttl = state.settings.access_token_ttl_secs;
    state.tokens.insert(
        access.clone(),
        AccessToken {
            location_id: location_id.to_string(),
            scopes: scopes.clone(),
            expires_at: Some(Instant::now() + Duration::from_secs(ttl)),
        },
    );
    state.refresh_tokens.insert(
        refresh.clone(),
        RefreshToken {
            location_id: location_id.to_string(),
            scopes: scopes.clone(),
            used: false,
        },
    );
    json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": refresh,
        "scope": scopes.join(" "),
        "userType": "Location",
        "locationId": location_id,
        "companyId": "sandbox-company",
        "userId": "sandbox-user",
    })
}

/// `POST /oauth/token` (form-encoded): `authorization_code` or `refresh_token`.
/// Logged like the API calls, with the grant type as the note (no secrets).
pub async fn token(Extract(shared): Extract<Shared>, body: String) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    let response = exchange(&shared, &form);
    super::log(
        &shared,
        &axum::http::Method::POST,
        "/oauth/token",
        None,
        response.status().as_u16(),
        None,
        Some(format!("grant:{grant}")),
        None,
    );
    response
}

fn exchange(shared: &Shared, form: &HashMap<String, String>) -> Response {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != OAUTH_CLIENT_ID || get("client_secret") != OAUTH_CLIENT_SECRET {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id or client_secret is wrong",
        );
    }
    let mut state = shared.lock();
    match get("grant_type") {
        "authorization_code" => match state.auth_codes.remove(get("code")) {
            Some(location) => {
                let scopes = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
                Json(issue(&mut state, &location, scopes)).into_response()
            }
            None => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the authorization code is invalid or was already used",
            ),
        },
        "refresh_token" => {
            let Some(grant) = state.refresh_tokens.get_mut(get("refresh_token")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token is invalid",
                );
            };
            if grant.used {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token was already used (refresh tokens rotate)",
                );
            }
            grant.used = true;
            let (location, scopes) = (grant.location_id.clone(), grant.scopes.clone());
            Json(issue(&mut state, &location, scopes)).into_response()
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type `{other}` is not supported"),
        ),
    }
}

/// The install screen, without a screen: approves at once and redirects to
/// `redirect_uri?code=...` (the location is `dev-location`).
pub async fn choose_location(
    Extract(shared): Extract<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("client_id").map(String::as_str) != Some(OAUTH_CLIENT_ID) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id",
        );
    }
    let Some(redirect) = q.get("redirect_uri") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is required",
        );
    };
    let mut state = shared.lock();
    let code = format!("sbx-code-{}", state.new_id());
    state
        .auth_codes
        .insert(code.clone(), crate::state::DEV_LOCATION.into());
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let state_param = q
        .get("state")
        .map(|s| format!("&state={}", s))
        .unwrap_or_default();
    Redirect::to(&format!("{redirect}{sep}code={code}{state_param}")).into_response()
}
