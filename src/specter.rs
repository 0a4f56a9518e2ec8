//! Specter's API as requests and answers: JSON with `X-API-Key`, bare JSON
//! arrays for lists, 202 (queued) and 204 (nothing) as outcomes, not errors,
//! 15 requests/second and monthly credits reported in headers.

use crate::http::{HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

pub const BASE_URL: &str = "https://app.tryspecter.com/api/v1";
/// Specter's per-key rate limit.
pub const REQUESTS_PER_SECOND: u32 = 15;
/// People endpoints return at most this many per page.
pub const PAGE_LIMIT: u32 = 100;

#[derive(Clone)]
pub struct SpecterTarget {
    pub base_url: String,
    pub key: String,
}

impl std::fmt::Debug for SpecterTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecterTarget")
            .field("base_url", &self.base_url)
            .field("key", &"****")
            .finish()
    }
}

fn request(target: &SpecterTarget, method: Method, path: &str, body: Option<Value>) -> HttpRequest {
    let mut headers = vec![
        ("X-API-Key".to_string(), target.key.clone()),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    HttpRequest {
        method,
        url: format!("{}{path}", target.base_url.trim_end_matches('/')),
        headers,
        body: body.map(|b| b.to_string()),
    }
}

/// What Specter polls: a people list (free) or a saved search (1 credit per person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeopleSource {
    List(String),
    SavedSearch(String),
}

/// One page (0-based) of a list's or saved search's people. `added_after`
/// (Unix ms): of a saved search, only the people added after then.
///
/// Specter documents `new_results_after` ("the results added after the given
/// timestamp") for its MCP server's saved-search tool (api-ref/mcp-changes);
/// its REST reference names no such parameter for
/// `/searches/people/{id}/results`. It is sent all the same, and the poller
/// does not rely on it: it stops at the first page of people it has seen.
pub fn people_page(
    target: &SpecterTarget,
    source: &PeopleSource,
    page: u32,
    limit: u32,
    added_after: Option<u64>,
) -> HttpRequest {
    let path = match source {
        PeopleSource::List(id) => format!("/lists/people/{id}/results"),
        PeopleSource::SavedSearch(id) => format!("/searches/people/{id}/results"),
    };
    let limit = limit.clamp(1, PAGE_LIMIT);
    let mut query = format!("{path}?page={page}&limit={limit}");
    if let (PeopleSource::SavedSearch(_), Some(ms)) = (source, added_after) {
        query.push_str(&format!(
            "&new_results_after={}",
            crate::iso8601::format_ms(ms)
        ));
    }
    request(target, Method::Get, &query, None)
}

/// A person's professional e-mail (1 credit when found, 204 when none).
pub fn person_email(target: &SpecterTarget, person_id: &str) -> HttpRequest {
    request(
        target,
        Method::Get,
        &format!("/people/{person_id}/email?type=professional"),
        None,
    )
}

/// Adds people to a people list (free).
pub fn add_to_list(target: &SpecterTarget, list_id: &str, person_ids: &[String]) -> HttpRequest {
    request(
        target,
        Method::Patch,
        &format!("/lists/people/{list_id}"),
        Some(json!({"add_ids": person_ids})),
    )
}

/// Finds a person by e-mail (1 credit; 204 when no match).
pub fn person_by_email(target: &SpecterTarget, email: &str) -> HttpRequest {
    request(
        target,
        Method::Post,
        "/people/by-email",
        Some(json!({"email": email})),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecterError {
    #[error("Specter rate limit (15 requests/second) hit")]
    RateLimited,
    #[error("Specter credits are used up for this month")]
    OutOfCredits,
    /// Specter's code and words: `API_KEY_INVALID: the API key is not valid`.
    #[error("Specter refused the API key ({0})")]
    Unauthorised(String),
    #[error("Specter answered HTTP {status}: {message}")]
    Other { status: u16, message: String },
}

impl SpecterError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SpecterError::RateLimited)
            || matches!(self, SpecterError::Other { status, .. } if *status >= 500)
    }
}

/// The answer: `Some(json)` for 200/201, `None` for 202 (queued) and 204 (nothing).
pub fn parse_answer(response: &HttpResponse) -> Result<Option<Value>, SpecterError> {
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    let code = body["errorCode"].as_str().unwrap_or_default().to_string();
    let message = body["message"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| response.body.chars().take(200).collect());
    match response.status {
        200 | 201 => Ok(Some(body)),
        202 | 204 => Ok(None),
        401 => Err(SpecterError::Unauthorised(format!("{code}: {message}"))),
        // Specter's errors page: 402 `OUT_OF_CREDITS`; its credit-limits page
        // (older): 429 with `OUT_OF_CREDITS`; 429 `RATE_LIMITED` is the
        // per-second limit. A 429 that says neither is read as out of
        // credits: stopping costs nothing, guessing wrong costs credits.
        402 => Err(SpecterError::OutOfCredits),
        429 if code == "RATE_LIMITED" => Err(SpecterError::RateLimited),
        429 => Err(SpecterError::OutOfCredits),
        status => Err(SpecterError::Other { status, message }),
    }
}

/// `GET /lists/people`: the team's people lists. Free (list management costs
/// no credit), so it checks a key; its headers say the credits left.
pub fn people_lists(target: &SpecterTarget) -> HttpRequest {
    request(target, Method::Get, "/lists/people", None)
}

/// The team's monthly allowance, from `X-CreditLimit-Limit`.
pub fn credits_limit(response: &HttpResponse) -> Option<u64> {
    response
        .header("x-creditlimit-limit")
        .and_then(|v| v.trim().parse().ok())
}

/// Credits left this month, from `X-CreditLimit-Remaining`.
pub fn credits_remaining(response: &HttpResponse) -> Option<u64> {
    response
        .header("x-creditlimit-remaining")?
        .trim()
        .parse()
        .ok()
}

/// Seconds until the team's credits renew, from `X-CreditLimit-Reset`.
pub fn credits_reset_seconds(response: &HttpResponse) -> Option<f64> {
    crate::number::parse_f64(response.header("x-creditlimit-reset")?.trim())
}

/// A person row's id and a fingerprint of everything in it: the poller syncs
/// a person again only when the fingerprint changes.
pub fn person_fingerprint(row: &Value) -> Option<(String, String)> {
    let id = row
        .get("person_id")
        .or_else(|| row.get("id"))?
        .as_str()?
        .to_string();
    Some((id, crate::dedupe::content_fingerprint(row, &[])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers() {
        let t = SpecterTarget {
            base_url: "https://sp.example/api/v1/".into(),
            key: "sp-key".into(),
        };
        let r = people_page(&t, &PeopleSource::SavedSearch("1201".into()), 2, 500, None);
        assert_eq!(
            r.url,
            "https://sp.example/api/v1/searches/people/1201/results?page=2&limit=100"
        );
        let r = people_page(
            &t,
            &PeopleSource::SavedSearch("1201".into()),
            0,
            50,
            Some(1_795_000_000_000),
        );
        assert!(
            r.url.ends_with("&new_results_after=2026-11-18T11:06:40Z"),
            "{}",
            r.url
        );
        assert!(!format!("{r:?}").contains("sp-key"));
        let r = add_to_list(&t, "l-1", &["per_1".into()]);
        assert_eq!(r.body.as_deref(), Some(r#"{"add_ids":["per_1"]}"#));

        assert_eq!(parse_answer(&HttpResponse::new(204, "")), Ok(None));
        assert_eq!(
            parse_answer(&HttpResponse::new(
                429,
                r#"{"errorCode": "RATE_LIMITED", "message": "slow"}"#
            )),
            Err(SpecterError::RateLimited)
        );
        for status in [402, 429] {
            assert_eq!(
                parse_answer(&HttpResponse::new(
                    status,
                    r#"{"errorCode": "OUT_OF_CREDITS", "message": "none"}"#
                )),
                Err(SpecterError::OutOfCredits)
            );
        }
        assert!(!SpecterError::OutOfCredits.is_retryable());
        let ok = HttpResponse::new(200, "[]").with_header("X-CreditLimit-Remaining", "42");
        assert_eq!(credits_remaining(&ok), Some(42));
    }
}
