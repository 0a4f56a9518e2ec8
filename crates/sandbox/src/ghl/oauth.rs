//! OAuth 2.0 as GHL runs it: an authorisation code for an install, then
//! access tokens that expire and refresh tokens that rotate (each works once).

use crate::state::{
    AccessToken, Grantee, RefreshToken, State, ALL_SCOPES, COMPANY_SCOPES, DEV_COMPANY,
    OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET,
};
use crate::Shared;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
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

fn issue(state: &mut State, grantee: &Grantee, scopes: Vec<String>) -> serde_json::Value {
    let answer = mint(state, grantee, scopes, true);
    match grantee {
        Grantee::Location(id) => {
            let mut answer = answer;
            answer["userType"] = json!("Location");
            answer["locationId"] = json!(id);
            answer["companyId"] = json!(crate::state::DEV_COMPANY);
            answer
        }
        Grantee::Company(id) => {
            let approved = state.companies.get(id).cloned().unwrap_or_default();
            let mut answer = answer;
            answer["userType"] = json!("Company");
            answer["companyId"] = json!(id);
            answer["isBulkInstallation"] = json!(true);
            answer["approvedLocations"] = json!(approved);
            answer["installToFutureLocations"] = json!(false);
            answer
        }
    }
}

/// A new access token (and a refresh token when `refreshable`) for `grantee`.
pub(crate) fn mint(
    state: &mut State,
    grantee: &Grantee,
    scopes: Vec<String>,
    refreshable: bool,
) -> serde_json::Value {
    let access = format!("sbx-at-{}", state.new_id());
    let ttl = state.settings.access_token_ttl_secs;
    let company_id = match grantee {
        Grantee::Company(id) => Some(id.clone()),
        Grantee::Location(_) => None,
    };
    state.tokens.insert(
        access.clone(),
        AccessToken {
            location_id: grantee.location_id().to_string(),
            company_id,
            scopes: scopes.clone(),
            expires_at: Some(Instant::now() + Duration::from_secs(ttl)),
        },
    );
    let mut answer = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": scopes.join(" "),
        "userId": "sandbox-user",
    });
    if refreshable {
        let refresh = format!("sbx-rt-{}", state.new_id());
        state.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                grantee: grantee.clone(),
                scopes,
                used: false,
            },
        );
        answer["refresh_token"] = json!(refresh);
    }
    answer
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
            Some(grantee) => {
                let scopes = match &grantee {
                    Grantee::Location(_) => ALL_SCOPES,
                    Grantee::Company(_) => COMPANY_SCOPES,
                };
                let scopes = scopes.iter().map(|s| s.to_string()).collect();
                Json(issue(&mut state, &grantee, scopes)).into_response()
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
            let (grantee, scopes) = (grant.grantee.clone(), grant.scopes.clone());
            Json(issue(&mut state, &grantee, scopes)).into_response()
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type `{other}` is not supported"),
        ),
    }
}

/// The install screen, without a screen: approves at once and redirects to
/// `redirect_uri?code=...`. By default an agency user bulk-installs the app on
/// every location of `dev-company` (the code gives a Company token, as GHL's
/// mandatory bulk installation does); `?locationId=X` installs on one location
/// (a Location token).
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
    let grantee = match q.get("locationId") {
        Some(id) if state.locations.contains_key(id) => Grantee::Location(id.clone()),
        Some(id) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("no location `{id}`"),
            )
        }
        None => Grantee::Company(DEV_COMPANY.into()),
    };
    let locations = match &grantee {
        Grantee::Location(id) => vec![id.clone()],
        Grantee::Company(id) => state.companies.get(id).cloned().unwrap_or_default(),
    };
    let company = match &grantee {
        Grantee::Company(id) => Some(id.clone()),
        Grantee::Location(_) => Some(DEV_COMPANY.to_string()),
    };
    for location in &locations {
        // One INSTALL per location, sent now: it reaches the app before the
        // code exchange does (the race GHL has).
        let mut payload = serde_json::Map::new();
        payload.insert("appId".into(), json!("sandbox-app"));
        payload.insert("companyId".into(), json!(company));
        payload.insert("locationId".into(), json!(location));
        payload.insert("userId".into(), json!("sandbox-user"));
        payload.insert("installType".into(), json!("location"));
        crate::webhooks::queue_event(&mut state, "INSTALL", payload);
    }
    state.installed.extend(locations);
    let code = format!("sbx-code-{}", state.new_id());
    state.auth_codes.insert(code.clone(), grantee);
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let state_param = q
        .get("state")
        .map(|s| format!("&state={}", s))
        .unwrap_or_default();
    drop(state);
    crate::webhooks::flush(&shared);
    Redirect::to(&format!("{redirect}{sep}code={code}{state_param}")).into_response()
}

/// The agency token of the request, or GHL's refusal.
fn company_of(state: &State, headers: &HeaderMap) -> Result<String, Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(grant) = state.tokens.get(token) else {
        return Err(super::error(401, "Invalid token: access token is invalid"));
    };
    if grant.expires_at.is_some_and(|t| Instant::now() >= t) {
        return Err(super::error(401, "Invalid JWT: access token expired"));
    }
    grant.company_id.clone().ok_or_else(|| {
        super::error(
            401,
            "This route is not yet supported by the IAM Service (an agency token is required)",
        )
    })
}

/// `GET /oauth/installedLocations?companyId&appId&isInstalled=true`
pub async fn installed_locations(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    let company = match company_of(&state, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if q.get("companyId") != Some(&company) || !q.contains_key("appId") {
        return super::error(422, vec!["companyId (the token's) and appId are required"]);
    }
    let only_installed = q.get("isInstalled").map(String::as_str) == Some("true");
    let locations: Vec<serde_json::Value> = state
        .companies
        .get(&company)
        .into_iter()
        .flatten()
        .filter(|id| !only_installed || state.installed.contains(*id))
        .filter_map(|id| state.locations.get(id))
        .map(|l| {
            json!({"_id": l.id, "name": l.name, "address": "1 rue de la Paix, Paris",
                   "isInstalled": state.installed.contains(&l.id)})
        })
        .collect();
    Json(json!({"locations": locations, "count": locations.len(), "installToFutureLocations": false}))
        .into_response()
}

/// `POST /oauth/locationToken` (form or JSON): `companyId`, `locationId`. The
/// answer has no refresh token (the v2 spec): a new one is minted from the
/// company token when it expires.
pub async fn location_token(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body)
        .ok()
        .filter(|f: &HashMap<String, String>| !f.is_empty())
        .or_else(|| serde_json::from_str(&body).ok())
        .unwrap_or_default();
    let response = {
        let mut state = shared.lock();
        match company_of(&state, &headers) {
            Err(r) => r,
            Ok(company) => {
                let location = form.get("locationId").cloned().unwrap_or_default();
                let owned = state
                    .companies
                    .get(&company)
                    .is_some_and(|l| l.contains(&location));
                if form.get("companyId") != Some(&company) || !owned {
                    super::error(400, "Location not found for this company")
                } else if !state.installed.contains(&location) {
                    super::error(400, "The app is not installed on this location")
                } else {
                    let scopes = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
                    let mut answer = mint(
                        &mut state,
                        &Grantee::Location(location.clone()),
                        scopes,
                        false,
                    );
                    answer["locationId"] = json!(location);
                    answer["appId"] = json!("sandbox-app");
                    Json(answer).into_response()
                }
            }
        }
    };
    super::log(
        &shared,
        &axum::http::Method::POST,
        "/oauth/locationToken",
        None,
        response.status().as_u16(),
        None,
        None,
        None,
    );
    response
}

/// `POST /__sandbox/ghl/uninstall` `{"locationId"}`: the app leaves a location.
pub fn uninstall(state: &mut State, location_id: &str) -> bool {
    state.tokens.retain(|_, t| t.location_id != location_id);
    let was = state.installed.remove(location_id);
    if was {
        let mut payload = serde_json::Map::new();
        payload.insert("appId".into(), json!("sandbox-app"));
        payload.insert("locationId".into(), json!(location_id));
        crate::webhooks::queue_event(state, "UNINSTALL", payload);
    }
    was
}
