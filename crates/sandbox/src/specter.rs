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
    /// `search id/person id` -> when the person joined the search (Unix ms),
    /// for `new_results_after`. A person without one joined at the start.
    pub added_at: HashMap<String, u64>,
    pub credits_remaining: u32,
    /// The team's allowance (`X-CreditLimit-Limit`).
    pub credits_limit: u32,
    /// How out of credits is answered: 402 (Specter's errors page) or 429
    /// (its older credit-limits page), both with `OUT_OF_CREDITS`.
    pub out_of_credits_status: u16,
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
            added_at: HashMap::new(),
            credits_remaining: 10_000,
            credits_limit: 10_000,
            out_of_credits_status: 402,
            recent: VecDeque::new(),
        }
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/v1/people/{id}", get(person))
        .route("/api/v1/people/{id}/email", get(email))
        .route("/api/v1/lists/people", get(all_lists))
        .route("/api/v1/lists/people/{id}/results", get(list_results))
        .route(
            "/api/v1/lists/people/{id}",
            axum::routing::patch(modify_list),
        )
        .route("/api/v1/people/by-email", axum::routing::post(by_email))
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
    // Seconds to the renewal: the sandbox's month renews in 12 days.
    let reset = ("X-CreditLimit-Reset".to_string(), "1036800.0".to_string());
    if data.credits_remaining < cost {
        let status = StatusCode::from_u16(data.out_of_credits_status)
            .unwrap_or(StatusCode::PAYMENT_REQUIRED);
        let refused = refuse(
            status,
            "OUT_OF_CREDITS",
            "your team has no credits left for the current billing period",
        );
        return Err(with_headers(refused, [reset.clone(), reset.clone(), reset]));
    }
    data.credits_remaining -= cost;
    Ok([
        ("X-CreditLimit-Limit".into(), data.credits_limit.to_string()),
        (
            "X-CreditLimit-Remaining".into(),
            data.credits_remaining.to_string(),
        ),
        reset,
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
    lookup_answer(
        &s,
        &headers,
        email.map(|e| json!({"email": e, "type": "professional"})),
    )
}

/// A lookup: 1 credit and the answer when found, 204 (free) when not.
fn lookup_answer(s: &Shared, headers: &HeaderMap, found: Option<Value>) -> Response {
    let cost = u32::from(found.is_some());
    match admit(s, headers, cost) {
        Ok(h) => match found {
            Some(answer) => with_headers(Json(answer).into_response(), h),
            None => with_headers(StatusCode::NO_CONTENT.into_response(), h),
        },
        Err(r) => r,
    }
}

/// `page` (0-based) and `limit` (default 50, at most 100 for people).
fn page_of(ids: Vec<String>, query: &HashMap<String, String>) -> Result<Vec<String>, Response> {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50);
    if limit == 0 || limit > 100 {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "limit must be between 1 and 100",
        ));
    }
    Ok(ids.into_iter().skip(page * limit).take(limit).collect())
}

async fn list_results(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let ids = s.lock().specter.lists.get(&id).cloned();
    let Some(ids) = ids else {
        return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no list with this id");
    };
    let ids = match page_of(ids, &query) {
        Ok(ids) => ids,
        Err(r) => return r,
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
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let ids = s.lock().specter.searches.get(&id).cloned();
    let Some(ids) = ids else {
        return refuse(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no saved search with this id",
        );
    };
    // Only the people added after a time, as Specter's saved-search tool
    // documents `new_results_after` (its MCP changes page).
    let ids = match query.get("new_results_after") {
        None => ids,
        Some(after) => {
            let Some(after) = parse_ms(after) else {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    "new_results_after must be an ISO 8601 timestamp",
                );
            };
            let added = s.lock().specter.added_at.clone();
            ids.into_iter()
                .filter(|p| added.get(&format!("{id}/{p}")).copied().unwrap_or(0) > after)
                .collect()
        }
    };
    let ids = match page_of(ids, &query) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    let rows = people(&s, &ids);
    match admit(&s, &headers, rows.len() as u32) {
        Ok(h) => with_headers(Json(rows).into_response(), h),
        Err(r) => r,
    }
}

/// `2026-11-18T11:06:40Z` (or with milliseconds) as Unix ms.
fn parse_ms(text: &str) -> Option<u64> {
    let t: jiff::Timestamp = text.parse().ok()?;
    u64::try_from(t.as_millisecond()).ok()
}

/// `GET /lists/people`: the team's lists, a bare array (free, with the
/// credit headers every answer carries).
async fn all_lists(Extract(s): Extract<Shared>, headers: HeaderMap) -> Response {
    let credits = match admit(&s, &headers, 0) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let state = s.lock();
    let mut lists: Vec<Value> = state
        .specter
        .lists
        .iter()
        .map(|(id, people)| json!({"id": id, "name": format!("List {id}"), "people_count": people.len()}))
        .collect();
    lists.sort_by_key(|l| l["id"].to_string());
    with_headers(Json(Value::Array(lists)).into_response(), credits)
}

/// `PATCH /lists/people/{id}` `{add_ids, delete_ids}`: free; unknown people are
/// a 422, as a list only holds people Specter knows.
async fn modify_list(
    Extract(s): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let Ok(edit) = serde_json::from_str::<Value>(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the body is not JSON",
        );
    };
    let ids = |k: &str| -> Vec<String> {
        edit[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (add, delete) = (ids("add_ids"), ids("delete_ids"));
    if add.is_empty() && delete.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "add_ids or delete_ids must list at least one person",
        );
    }
    let headers_out = match admit(&s, &headers, 0) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut state = s.lock();
    let data = &mut state.specter;
    if let Some(unknown) = add
        .iter()
        .find(|p| !data.people.iter().any(|x| x["person_id"] == p.as_str()))
    {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &format!("unknown person id {unknown}"),
        );
    }
    let Some(members) = data.lists.get_mut(&id) else {
        return refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "no list with this id");
    };
    for p in add {
        if !members.contains(&p) {
            members.push(p);
        }
    }
    members.retain(|m| !delete.contains(m));
    let people: Vec<Value> = members.iter().map(|p| json!({"person_id": p})).collect();
    with_headers(
        Json(json!({"id": id, "name": format!("List {id}"), "people": people})).into_response(),
        headers_out,
    )
}

/// `POST /people/by-email` `{email}`: 1 credit for a match, 204 without.
async fn by_email(Extract(s): Extract<Shared>, headers: HeaderMap, body: String) -> Response {
    let email = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["email"].as_str().map(str::to_lowercase));
    let Some(email) = email.filter(|e| e.contains('@')) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "email must be a valid e-mail address",
        );
    };
    let owner = s
        .lock()
        .specter
        .emails
        .iter()
        .find(|(_, e)| e.to_lowercase() == email)
        .map(|(id, _)| id.clone());
    let found = owner.and_then(|id| people(&s, &[id]).into_iter().next());
    let answer = found.map(|p| {
        // `person_id`, not the reference's `id`: what a production client saw
        // (the stricter reading; the bridge accepts both).
        json!({"person_id": p["person_id"], "email": email, "first_name": p["first_name"],
               "last_name": p["last_name"], "linkedin_url": p["linkedin_url"], "score": 9})
    });
    lookup_answer(&s, &headers, answer)
}
