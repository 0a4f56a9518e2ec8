//! The GHL API under `/ghl/`: one gate every call passes (token, `Version`,
//! scope, rate limit, injected faults, request log), then the handlers.

mod contacts;
pub mod conversations;
pub mod membership;
pub mod sso;
pub mod workflows;
pub use contacts::public as public_contact;
pub(crate) mod oauth;
mod subresources;
pub mod validate;

use crate::state::{
    Faults, LoggedRequest, State, CALENDAR_WRITE, CONVERSATIONS_READ, CONVERSATIONS_WRITE,
    CONVERSATION_MESSAGE_WRITE, READ, WORKFLOWS_READ, WRITE,
};
use crate::webhooks;
use crate::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Who is calling: the token's location and scopes.
#[derive(Debug, Clone)]
pub struct Caller {
    pub location_id: String,
}

/// GHL's NestJS-style error body.
pub fn error(status: u16, message: impl Into<Value>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({
        "statusCode": status,
        "message": message.into(),
        "error": code.canonical_reason().unwrap_or("Error"),
    });
    (code, Json(body)).into_response()
}

/// 422 with one message per broken rule, as GHL lists them.
pub fn unprocessable(messages: Vec<String>) -> Response {
    error(422, Value::from(messages))
}

pub fn router(state: Shared) -> Router<Shared> {
    let api = Router::new()
        .route("/contacts/", post(contacts::create).get(contacts::list))
        .route("/contacts", post(contacts::create).get(contacts::list))
        .route("/contacts/upsert", post(contacts::upsert))
        .route("/contacts/search", post(contacts::search))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route(
            "/contacts/business/{business_id}",
            get(contacts::by_business),
        )
        .route(
            "/contacts/{id}",
            get(contacts::get)
                .put(contacts::update)
                .delete(contacts::delete),
        )
        .route(
            "/contacts/{id}/tasks",
            get(subresources::list_tasks).post(subresources::create_task),
        )
        .route(
            "/contacts/{id}/tasks/{task_id}",
            get(subresources::get_task)
                .put(subresources::update_task)
                .delete(subresources::delete_task),
        )
        .route(
            "/contacts/{id}/tasks/{task_id}/completed",
            put(subresources::complete_task),
        )
        .route(
            "/contacts/{id}/notes",
            get(subresources::list_notes).post(subresources::create_note),
        )
        .route(
            "/contacts/{id}/notes/{note_id}",
            get(subresources::get_note)
                .put(subresources::update_note)
                .delete(subresources::delete_note),
        )
        .route(
            "/contacts/{id}/appointments",
            get(subresources::list_appointments),
        )
        .route(
            "/calendars/events/appointments",
            post(subresources::create_appointment),
        )
        .route(
            "/contacts/{id}/tags",
            post(subresources::add_tags).delete(subresources::remove_tags),
        )
        .route(
            "/contacts/{id}/followers",
            post(membership::followers).delete(membership::followers),
        )
        .route(
            "/contacts/{id}/campaigns/{campaign_id}",
            post(membership::campaign).delete(membership::campaign),
        )
        .route(
            "/contacts/{id}/workflow/{workflow_id}",
            post(membership::workflow).delete(membership::workflow),
        )
        .route(
            "/contacts/bulk/tags/update/{kind}",
            post(membership::bulk_tags),
        )
        .route("/contacts/bulk/business", post(membership::bulk_business))
        .route(
            "/locations/{location_id}/customFields",
            get(contacts::custom_fields),
        )
        .route(
            "/conversations/messages/{id}/status",
            put(conversations::update_status),
        )
        .route(
            "/conversations/messages/inbound",
            post(conversations::add_inbound),
        )
        .route("/conversations/search", get(conversations::search))
        .route("/conversations/", post(conversations::create))
        .route(
            "/workflows-marketplace/triggers/execute/{location_id}/{trigger_id}",
            post(workflows::execute),
        )
        .layer(middleware::from_fn_with_state(state, gate));
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/chooselocation", get(oauth::choose_location))
        .route("/oauth/installedLocations", get(oauth::installed_locations))
        .route("/oauth/locationToken", post(oauth::location_token))
        .merge(api)
}

/// The scope an operation needs, from its method and path.
fn required_scope(method: &Method, path: &str) -> &'static str {
    if path.starts_with("/workflows-marketplace/") {
        WORKFLOWS_READ
    } else if path.starts_with("/conversations/messages") {
        CONVERSATION_MESSAGE_WRITE
    } else if path.starts_with("/conversations") && method == Method::GET {
        CONVERSATIONS_READ
    } else if path.starts_with("/conversations") {
        CONVERSATIONS_WRITE
    } else if path.starts_with("/calendars/") {
        CALENDAR_WRITE
    } else if method == Method::GET || path.ends_with("/contacts/search") {
        READ
    } else {
        WRITE
    }
}

fn version_for(path: &str) -> &'static str {
    if path.starts_with("/calendars/") || path.starts_with("/conversations") {
        "2021-04-15"
    } else {
        "2021-07-28"
    }
}

enum Verdict {
    Pass(Caller),
    Refuse(Response, &'static str, Option<String>),
}

/// Checks a request in GHL's order: token, Version, scope, rate limit.
fn admit(
    state: &mut State,
    method: &Method,
    path: &str,
    headers: &axum::http::HeaderMap,
) -> Verdict {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = token else {
        return Verdict::Refuse(
            error(401, "Invalid JWT: no token provided"),
            "no-token",
            None,
        );
    };
    let Some(grant) = state.tokens.get(token).cloned() else {
        return Verdict::Refuse(
            error(401, "Invalid token: access token is invalid"),
            "bad-token",
            None,
        );
    };
    if grant.expires_at.is_some_and(|t| Instant::now() >= t) {
        return Verdict::Refuse(
            error(401, "Invalid JWT: access token expired"),
            "expired-token",
            Some(grant.location_id),
        );
    }
    let loc = Some(grant.location_id.clone());
    match headers.get("version").and_then(|v| v.to_str().ok()) {
        None => {
            return Verdict::Refuse(
                error(400, "Version header was not found"),
                "no-version",
                loc,
            )
        }
        Some(v) if v != version_for(path) => {
            return Verdict::Refuse(
                error(
                    400,
                    format!(
                        "Version header value `{v}` is not valid for this endpoint: use {}",
                        version_for(path)
                    ),
                ),
                "bad-version",
                loc,
            )
        }
        Some(_) => {}
    }
    let scope = required_scope(method, path);
    if !grant.scopes.iter().any(|s| s == scope) {
        return Verdict::Refuse(
            error(403, "The token is not authorized for this scope."),
            "scope",
            loc,
        );
    }
    match state.count_request(&grant.location_id) {
        Ok(_) => Verdict::Pass(Caller {
            location_id: grant.location_id,
        }),
        Err(limits) => {
            let mut r = error(429, "Too Many Requests: rate limit exceeded");
            for (k, v) in limits.pairs() {
                r.headers_mut()
                    .insert(k, HeaderValue::from_str(&v).expect("digits"));
            }
            Verdict::Refuse(r, "rate-limited", loc)
        }
    }
}

enum Fault {
    None,
    Status(u16),
    Storm,
    Timeout(u64),
    Drop,
}

fn roll_fault(state: &mut State, path: &str) -> (Fault, u64) {
    let f: Faults = state.faults.clone();
    if f.path_contains
        .as_deref()
        .is_some_and(|p| !path.contains(p))
    {
        return (Fault::None, 0);
    }
    let fault = if state.storm_until.is_some_and(|t| Instant::now() < t) {
        Fault::Storm
    } else if f.storm_429 > 0 {
        state.faults.storm_429 -= 1;
        Fault::Storm
    } else if f.drop_rate > 0.0 && state.dice() < f.drop_rate {
        Fault::Drop
    } else if f.timeout_rate > 0.0 && state.dice() < f.timeout_rate {
        Fault::Timeout(f.timeout_ms.unwrap_or(30_000))
    } else if f.error_rate > 0.0 && state.dice() < f.error_rate {
        Fault::Status(f.error_status.unwrap_or(500))
    } else {
        Fault::None
    };
    (fault, f.latency_ms)
}

/// Every `/ghl/` API call goes through here.
async fn gate(Extract(shared): Extract<Shared>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let logged_body = serde_json::from_slice::<Value>(&bytes).ok();

    let (verdict, fault, latency) = {
        let mut state = shared.lock();
        let verdict = admit(&mut state, &method, &path, &parts.headers);
        let (fault, latency) = match verdict {
            Verdict::Pass(_) => roll_fault(&mut state, &path),
            Verdict::Refuse(..) => (Fault::None, 0),
        };
        (verdict, fault, latency)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }

    let (response, note, location) = match verdict {
        Verdict::Refuse(r, note, loc) => (r, Some(note.to_string()), loc),
        Verdict::Pass(caller) => {
            let location = Some(caller.location_id.clone());
            match fault {
                Fault::Storm => {
                    let mut r = error(429, "Too Many Requests: rate limit exceeded");
                    r.headers_mut()
                        .insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
                    r.headers_mut()
                        .insert("X-RateLimit-Max", HeaderValue::from_static("100"));
                    r.headers_mut().insert(
                        "X-RateLimit-Interval-Milliseconds",
                        HeaderValue::from_static("10000"),
                    );
                    (r, Some("fault:429".into()), location)
                }
                Fault::Status(s) => (
                    error(s, "Internal server error (injected by the sandbox)"),
                    Some(format!("fault:{s}")),
                    location,
                ),
                Fault::Timeout(ms) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    (
                        error(504, "Gateway timeout (injected by the sandbox)"),
                        Some("fault:timeout".into()),
                        location,
                    )
                }
                Fault::Drop => {
                    log(
                        &shared,
                        &method,
                        &path,
                        query,
                        0,
                        location,
                        Some("fault:drop".into()),
                        logged_body,
                    );
                    return dropped_connection();
                }
                Fault::None => {
                    let mut req = Request::from_parts(parts, Body::from(bytes.clone()));
                    req.extensions_mut().insert(caller);
                    let mut r = next.run(req).await;
                    // Every answer carries the current rate-limit headers, as GHL's do.
                    if let Some(loc) = &location {
                        let limits = shared.lock().peek_limits(loc);
                        for (k, v) in limits.pairs() {
                            r.headers_mut()
                                .insert(k, HeaderValue::from_str(&v).expect("digits"));
                        }
                    }
                    (r, None, location)
                }
            }
        }
    };
    let status = response.status().as_u16();
    log(
        &shared,
        &method,
        &path,
        query,
        status,
        location,
        note,
        logged_body,
    );
    webhooks::flush(&shared);
    response
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn log(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<String>,
    status: u16,
    location_id: Option<String>,
    note: Option<String>,
    body: Option<Value>,
) {
    let mut state = shared.lock();
    let entry = LoggedRequest {
        seq: state.next_seq(),
        at_ms: state.now_ms(),
        method: method.to_string(),
        path: format!("/ghl{path}"),
        query,
        status,
        location_id,
        note,
        body,
    };
    state.requests.push(entry);
}

/// A response whose body fails at once: hyper drops the connection without an
/// answer, as a proxy cutting a request would.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dropped by the sandbox",
        ))
    });
    let mut r = Response::new(Body::from_stream(failing));
    r.headers_mut()
        .insert("content-length", HeaderValue::from_static("100"));
    r
}

impl State {
    /// The limits as they stand, without counting a request.
    pub fn peek_limits(&mut self, location_id: &str) -> crate::state::RateHeaders {
        let (burst, daily, interval) = (
            self.settings.burst_limit,
            self.settings.daily_limit,
            self.settings.burst_window_ms,
        );
        let w = self.rate.entry(location_id.to_string()).or_default();
        crate::state::RateHeaders {
            burst_max: burst,
            burst_remaining: burst.saturating_sub(w.recent.len() as u32),
            interval_ms: interval,
            daily_limit: daily,
            daily_remaining: daily.saturating_sub(w.day_count),
        }
    }
}

/// A JSON body, refused in GHL's error shape (not axum's plain text) when it is
/// not JSON. An empty body reads as `{}`.
pub struct GhlJson(pub Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for GhlJson {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(GhlJson(Value::Object(Default::default())));
        }
        serde_json::from_slice(&bytes)
            .map(GhlJson)
            .map_err(|e| error(400, format!("Unexpected token in JSON body: {e}")))
    }
}
