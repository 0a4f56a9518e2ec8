//! GHL's error answers and rate-limit headers, typed.

use crate::http::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The rate-limit headers GHL sends on every answer (burst window and daily cap,
/// per app and location). Absent headers stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// `X-RateLimit-Max`: requests allowed per burst window (100 on GHL).
    pub burst_max: Option<u32>,
    /// `X-RateLimit-Remaining`: requests left in the current burst window.
    pub burst_remaining: Option<u32>,
    /// `X-RateLimit-Interval-Milliseconds`: the burst window (10 000 ms on GHL).
    pub interval_ms: Option<u64>,
    /// `X-RateLimit-Limit-Daily`: requests allowed per day (200 000 on GHL).
    pub daily_limit: Option<u32>,
    /// `X-RateLimit-Daily-Remaining`.
    pub daily_remaining: Option<u32>,
}

impl RateLimit {
    pub fn from_response(response: &HttpResponse) -> RateLimit {
        fn num<T: std::str::FromStr>(response: &HttpResponse, name: &str) -> Option<T> {
            response.header(name)?.trim().parse().ok()
        }
        RateLimit {
            burst_max: num(response, "x-ratelimit-max"),
            burst_remaining: num(response, "x-ratelimit-remaining"),
            interval_ms: num(response, "x-ratelimit-interval-milliseconds"),
            daily_limit: num(response, "x-ratelimit-limit-daily"),
            daily_remaining: num(response, "x-ratelimit-daily-remaining"),
        }
    }

    /// True when the daily cap is used up: waiting seconds will not help.
    pub fn daily_exhausted(&self) -> bool {
        self.daily_remaining == Some(0)
    }
}

/// Why a GHL call failed. Each variant is a class a caller handles differently.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GhlError {
    /// 400 because the location does not allow duplicates and a contact matches.
    /// GHL names the existing contact in `meta` (shape from integrators' reports,
    /// not from the OpenAPI file, which has no schema for it).
    #[error(
        "GHL refused a duplicate contact (matches {contact_id} by {matching_field}): {message}"
    )]
    #[serde(rename_all = "camelCase")]
    DuplicateContact {
        message: String,
        contact_id: String,
        matching_field: String,
    },
    /// Any other 400.
    #[error("GHL rejected the request (400): {message}")]
    BadRequest { message: String },
    /// 401: missing, invalid or expired token. An expired OAuth token is refreshed
    /// and the call retried; anything else needs a person.
    #[error("GHL refused the token (401): {message}")]
    Unauthorized { message: String },
    /// 403: the token lacks the scope this endpoint needs, or the location is not
    /// one the token may touch.
    #[error("GHL refused access (403): {message}")]
    Forbidden { message: String },
    #[error("GHL found no such resource (404): {message}")]
    NotFound { message: String },
    /// 422: the body broke a validation rule (GHL lists each broken rule).
    #[error("GHL rejected the body (422): {}", messages.join("; "))]
    Validation { messages: Vec<String> },
    /// 429: over the burst or daily limit.
    #[error("GHL rate limit hit (429): {message}")]
    #[serde(rename_all = "camelCase")]
    RateLimited {
        message: String,
        rate_limit: RateLimit,
        /// From `Retry-After` (seconds) when GHL sends it; it is not documented.
        retry_after_ms: Option<u64>,
    },
    /// 5xx: GHL's own trouble; worth retrying.
    #[error("GHL failed ({status}): {message}")]
    Server { status: u16, message: String },
    /// A status this model does not expect.
    #[error("GHL answered an unexpected status {status}: {message}")]
    UnexpectedStatus { status: u16, message: String },
    /// A success status whose body is not the documented shape.
    #[error("GHL's answer ({status}) did not match the model: {detail}")]
    InvalidBody { status: u16, detail: String },
}

impl GhlError {
    /// The contact the call names does not exist (any more) in the location:
    /// a 404, or the 400 "Contact not found" of the contact's sub-resources.
    pub fn is_contact_gone(&self) -> bool {
        match self {
            GhlError::NotFound { .. } => true,
            GhlError::BadRequest { message } => {
                message.to_ascii_lowercase().contains("contact not found")
            }
            _ => false,
        }
    }

    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            GhlError::RateLimited { rate_limit, .. } => !rate_limit.daily_exhausted(),
            GhlError::Server { .. } => true,
            _ => false,
        }
    }

    /// How long to wait before retrying, when GHL says: `Retry-After`, else the
    /// burst window when the burst is used up.
    pub fn retry_hint_ms(&self) -> Option<u64> {
        match self {
            GhlError::RateLimited {
                rate_limit,
                retry_after_ms,
                ..
            } => retry_after_ms.or(match rate_limit.burst_remaining {
                Some(0) => rate_limit.interval_ms,
                _ => None,
            }),
            _ => None,
        }
    }

    /// Classifies a non-2xx answer.
    pub fn from_response(response: &HttpResponse) -> GhlError {
        let body: ErrorBody = crate::json::read(&response.body).unwrap_or_default();
        let messages = body.messages(response);
        let message = messages.join("; ");
        match response.status {
            400 => match body.duplicate_of() {
                Some((contact_id, matching_field)) => GhlError::DuplicateContact {
                    message,
                    contact_id,
                    matching_field,
                },
                None => GhlError::BadRequest { message },
            },
            401 => GhlError::Unauthorized { message },
            403 => GhlError::Forbidden { message },
            404 => GhlError::NotFound { message },
            422 => GhlError::Validation { messages },
            429 => GhlError::RateLimited {
                message,
                rate_limit: RateLimit::from_response(response),
                retry_after_ms: response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|seconds| seconds.saturating_mul(1000)),
            },
            status @ 500..=599 => GhlError::Server { status, message },
            status => GhlError::UnexpectedStatus { status, message },
        }
    }
}

/// GHL's NestJS-style error body: `{statusCode, message: string | string[], error}`,
/// sometimes with `meta` (duplicates) and `traceId`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
}

impl ErrorBody {
    /// Every message GHL gave, or a fallback that still says what happened.
    fn messages(&self, response: &HttpResponse) -> Vec<String> {
        let listed: Vec<String> = match &self.message {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        if !listed.is_empty() {
            return listed;
        }
        if let Some(error) = &self.error {
            return vec![error.clone()];
        }
        let snippet: String = response.body.chars().take(200).collect();
        if snippet.trim().is_empty() {
            vec![format!("HTTP {} with an empty body", response.status)]
        } else {
            vec![snippet]
        }
    }

    fn duplicate_of(&self) -> Option<(String, String)> {
        let meta = self.meta.as_ref()?;
        let contact_id = meta.get("contactId")?.as_str()?.to_string();
        let field = meta
            .get("matchingField")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        Some((contact_id, field))
    }
}
