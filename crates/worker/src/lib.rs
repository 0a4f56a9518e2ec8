//! The ghl-bridge Cloudflare Worker: HTTP routes around the core.
//!
//! Thin glue only: decisions live in the `ghl-bridge` core. Static files of the
//! mapping tester (`www/`) are served by Workers static assets before this code
//! runs, so `/` never reaches it.

mod respond;

use respond::{json_error, json_ok};
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    match (req.method(), path.as_str()) {
        (Method::Get | Method::Head, "/health") => health(),
        (_, "/health") => json_error(
            405,
            "method_not_allowed",
            &format!("{} /health is not supported; use GET", req.method()),
        ),
        _ => json_error(
            404,
            "not_found",
            &format!("no route for {} {}", req.method(), path),
        ),
    }
}

/// Liveness plus what a caller needs to know it reached the right thing.
fn health() -> Result<Response> {
    json_ok(&serde_json::json!({
        "status": "ok",
        "service": "ghl-bridge",
        "version": env!("CARGO_PKG_VERSION"),
        "ghlEndpoints": ghl_bridge::ghl::CATALOGUE.len(),
    }))
}
