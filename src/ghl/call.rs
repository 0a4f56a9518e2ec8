//! The [`Call`] trait every endpoint implements, and the request builder.

use super::{Endpoint, GhlError};
use crate::http::{HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;

/// One GHL API call: which endpoint, with what path values, query and body.
pub trait Call {
    /// The typed success body.
    type Response: DeserializeOwned;
    /// The typed request body; [`NoBody`] for endpoints without one.
    type Body: Serialize;

    fn endpoint(&self) -> &'static Endpoint;

    /// Values for the placeholders of [`Endpoint::path`], in order.
    fn path_values(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Query parameters; `None` values are left out.
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        Vec::new()
    }

    fn body(&self) -> Option<&Self::Body> {
        None
    }

    /// Turns GHL's answer into the typed result or a typed error.
    fn parse(&self, response: &HttpResponse) -> Result<Self::Response, GhlError> {
        if !(200..300).contains(&response.status) {
            return Err(GhlError::from_response(response));
        }
        crate::json::read(&response.body).map_err(|e| GhlError::InvalidBody {
            status: response.status,
            detail: e.to_string(),
        })
    }
}

/// The body type of calls that send none. It has no values, so `body()` can only
/// be `None`.
#[derive(Debug, Serialize)]
pub enum NoBody {}

/// Where calls go and with which credential. `Debug` never shows the token.
#[derive(Clone)]
pub struct GhlTarget {
    /// `https://services.leadconnectorhq.com`, or the sandbox's `.../ghl`.
    pub base_url: String,
    /// A location OAuth access token or a private-integration token.
    pub token: String,
}

impl fmt::Debug for GhlTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GhlTarget")
            .field("base_url", &self.base_url)
            .field("token", &"****")
            .finish()
    }
}

/// Why a call could not be turned into a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// An empty id would silently hit another endpoint (`/contacts/` is create).
    #[error("{endpoint}: path value `{placeholder}` is empty")]
    EmptyPathValue {
        endpoint: &'static str,
        placeholder: String,
    },
    #[error("{endpoint}: expected {expected} path values, got {got}")]
    PathValueCount {
        endpoint: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{endpoint}: body could not be encoded: {detail}")]
    Body {
        endpoint: &'static str,
        detail: String,
    },
}

/// Turns a call into the exact HTTP request GHL expects: URL with escaped path
/// values and query, `Authorization`, `Version`, `Accept`, and a JSON body.
pub fn build_request<C: Call>(call: &C, target: &GhlTarget) -> Result<HttpRequest, BuildError> {
    let endpoint = call.endpoint();
    let path = fill_path(endpoint, &call.path_values())?;
    let mut url = format!("{}{}", target.base_url.trim_end_matches('/'), path);

    let query: Vec<(&str, String)> = call
        .query()
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
    if !query.is_empty() {
        // Encoding a list of string pairs cannot fail.
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        url.push('?');
        url.push_str(&encoded);
    }

    let body = match call.body() {
        Some(body) => Some(serde_json::to_string(body).map_err(|e| BuildError::Body {
            endpoint: endpoint.id,
            detail: e.to_string(),
        })?),
        None => None,
    };

    let mut headers = vec![
        (
            "Authorization".to_string(),
            format!("Bearer {}", target.token),
        ),
        ("Version".to_string(), endpoint.version.to_string()),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if body.is_some() {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    Ok(HttpRequest {
        method: endpoint.method,
        url,
        headers,
        body,
    })
}

/// Replaces each `{placeholder}` of the endpoint's path with the next value.
fn fill_path(endpoint: &Endpoint, values: &[&str]) -> Result<String, BuildError> {
    let placeholders = endpoint.placeholders();
    if placeholders.len() != values.len() {
        return Err(BuildError::PathValueCount {
            endpoint: endpoint.id,
            expected: placeholders.len(),
            got: values.len(),
        });
    }
    let mut path = endpoint.path.to_string();
    for (placeholder, value) in placeholders.iter().zip(values) {
        if value.trim().is_empty() {
            return Err(BuildError::EmptyPathValue {
                endpoint: endpoint.id,
                placeholder: placeholder.to_string(),
            });
        }
        let escaped = crate::http::encode_path_segment(value);
        path = path.replacen(&format!("{{{placeholder}}}"), &escaped, 1);
    }
    Ok(path)
}
