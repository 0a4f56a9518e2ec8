//! Specter under `/specter/api/v1/`: `X-API-Key`, 15 requests per second,
//! credits per result with their headers, 204 for "no e-mail", bare JSON arrays.

use crate::state::SPECTER_KEY;
use crate::Shared;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct SpecterData {
    pub people: Vec<Value>,
    /// Person id -> professional e-mail.
    pub emails: HashMap<String, String>,
    /// List id -> person ids.
    pub lists: HashMap<String, Vec<String>>,
    /// Saved search id -> person ids.
    pub searches: HashMap<String, Vec<String>>,
    pub credits_remaining: u32,
    #[serde(skip)]
    pub recent: VecDeque<Instant>,
}

impl SpecterData {
    pub fn seeded() -> SpecterData {
        let person = |id: &str, first: &str, last: &str, title: &str, company: &str| {
            json!({"person_id": id, "first_name": first, "last_name": last, "full_name": format!("{first} {last}"),
                   "current_position_title": title, "current_position_company_name": company,
                   "linkedin_url": format!("https://www.linkedin.com/in/{}-{}", first.to_lowercase(), last.to_lowercase()),
                   "highlights": ["prior_vc_backed_experience"], "last_updated": "2026-11-14T10:36:12.625Z"})
        };
        SpecterData {
            people: vec![
                person(
                    "per_000000000000000000000001",
                    "Camille",
                    "Martin",
                    "CEO",
                    "Octave Robotics",
                ),
                person(
                    "per_000000000000000000000002",
                    "Thomas",
                    "Nguyen",
                    "VP Engineering",
                    "Payflow",
                ),
                person(
                    "per_000000000000000000000003",
                    "Inès",
                    "Moreau",
                    "CTO",
                    "Verdant Labs",
                ),
            ],
            emails: HashMap::from([
                (
                    "per_000000000000000000000001".into(),
                    "camille@octave-robotics.fr".into(),
                ),
                (
                    "per_000000000000000000000002".into(),
                    "thomas.nguyen@payflow.io".into(),
                ),
            ]),
            lists: HashMap::from([(
                "6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01".into(),
                vec!["per_000000000000000000000001".into()],
            )]),
            searches: HashMap::from([(
                "1201".into(),
                vec![
                    "per_000000000000000000000002".into(),
                    "per_000000000000000000000003".into(),
                ],
            )]),
            credits_remaining: 10_000,
            recent: VecDeque::new(),
        }
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/v1/people/{id}", get(person))
        .route("/api/v1/people/{id}/email", get(email))
        .route("/api/v1/lists/people/{id}/results", get(list_results))
        .route("/api/v1/searches/people/{id}/results", get(search_results))
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errorCode": code, "message": message}))).into_response()
}

/// Key, rate limit (15/s), then credits; `cost` credits are charged on success.
fn admit(
    shared: &Shared,
    headers: &HeaderMap,
    cost: u32,
) -> Result<[(String, String); 3], Response> {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        None => {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "API_KEY_MISSING",
                "X-API-Key header is required",
            ))
        }
        Some(k) if k != SPECTER_KEY => {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "API_KEY_INVALID",
                "the API key is not valid",
            ))
        }
        Some(_) => {}
    }
    let mut state = shared.lock();
    let data = &mut state.specter;
    let now = Instant::now();
    while data
        .recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        data.recent.pop_front();
    }
    if data.recent.len() >= 15 {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "15 requests per second",
        ));
    }
    data.recent.push_back(now);
    if data.credits_remaining < cost {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "CREDIT_LIMIT",
            "no credits left this month",
        ));
    }
    data.credits_remaining -= cost;
    Ok([
        ("X-RateLimit-Limit".into(), "15".into()),
        ("X-CreditLimit-Limit".into(), "10000".into()),
        (
            "X-CreditLimit-Remaining".into(),
            data.credits_remaining.to_string(),
        ),
    ])
}

fn with_headers(mut r: Response, headers: [(String, String); 3]) -> Response {
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k),
            HeaderValue::from_str(&v),
        ) {
            r.headers_mut().insert(name, value);
        }
    }
    r
}

fn people(shared: &Shared, ids: &[String]) -> Vec<Value> {
    let state = shared.lock();
    ids.iter()
        .filter_map(|id| {
            state
                .specter
                .people
                .iter()
                .find(|p| p["person_id"] == id.as_str())
                .cloned()
        })
        .collect()
}

async fn person(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let found = people(&s, std::slice::from_ref(&id));
    let Some(p) = found.into_iter().next() else {
        return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no person with this id");
    };
    match admit(&s, &headers, 1) {
        Ok(h) => with_headers(Json(p).into_response(), h),
        Err(r) => r,
    }
}

async fn email(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let email = s.lock().specter.emails.get(&id).cloned();
    match email {
        None => match admit(&s, &headers, 0) {
            Ok(h) => with_headers(StatusCode::NO_CONTENT.into_response(), h),
            Err(r) => r,
        },
        Some(e) => match admit(&s, &headers, 1) {
            Ok(h) => with_headers(
                Json(json!({"email": e, "type": "professional"})).into_response(),
                h,
            ),
            Err(r) => r,
        },
    }
}

async fn list_results(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ids = s.lock().specter.lists.get(&id).cloned();
    let Some(ids) = ids else {
        return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no list with this id");
    };
    match admit(&s, &headers, 0) {
        Ok(h) => with_headers(Json(people(&s, &ids)).into_response(), h),
        Err(r) => r,
    }
}

async fn search_results(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ids = s.lock().specter.searches.get(&id).cloned();
    let Some(ids) = ids else {
        return refuse(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no saved search with this id",
        );
    };
    let rows = people(&s, &ids);
    match admit(&s, &headers, rows.len() as u32) {
        Ok(h) => with_headers(Json(rows).into_response(), h),
        Err(r) => r,
    }
}
