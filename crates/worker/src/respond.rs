//! JSON responses, including the one error shape every route uses:
//! `{"error": {"code": "...", "message": "..."}}`.

use serde::Serialize;
use worker::{Response, Result};

/// A 200 with `value` as JSON. Only the serialising is made per type; the
/// response is built once, in `json_text`.
pub fn json_ok<T: Serialize>(value: &T) -> Result<Response> {
    json_text(serde_json::to_string(value)?)
}

/// A 200 whose body is JSON text written already (the store's answers).
pub fn json_text(body: String) -> Result<Response> {
    let mut response = Response::ok(body)?;
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

/// `code` is stable and machine-readable; `message` says what was wrong, for people.
pub fn json_error(status: u16, code: &str, message: &str) -> Result<Response> {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    Ok(json_ok(&body)?.with_status(status))
}
