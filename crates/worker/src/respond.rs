//! JSON responses, including the one error shape every route uses:
//! `{"error": {"code": "...", "message": "..."}}`.

use serde::Serialize;
use worker::{Response, Result};

pub fn json_ok<T: Serialize>(value: &T) -> Result<Response> {
    Response::from_json(value)
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
    Ok(Response::from_json(&body)?.with_status(status))
}
