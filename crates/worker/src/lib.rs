//! The ghl-bridge Cloudflare Worker: HTTP routes and the queue consumer around
//! the core. Thin glue only: decisions live in the `ghl-bridge` core. Static
//! files of the mapping tester (`www/`) are served by Workers static assets
//! before this code runs, so `/` never reaches it.
//!
//! One script: the entry points below and the Durable Object (`durable`),
//! deployed together by one `wrangler deploy`.

mod admin;
mod app_page;
mod auth;
mod config;
mod consumer;
mod cron;
mod durable;
mod failure;
mod ghl_http;
mod hooks;
mod random;
mod request_url;
mod respond;
mod sso;
mod store_client;
mod tenants;
mod usage;
mod workflow_hooks;
mod world;

use respond::{json_error, json_ok};
use worker::{
    event, Context, Env, MessageBatch, Method, Request, Response, Result, ScheduleContext,
    ScheduledEvent,
};

pub use durable::BridgeStore;
use ghl_bridge::admin_api::{VERSION, VERSION_HEADER};
use ghl_bridge::sync::QueuedEvent;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    usage::count(|u| u.worker_invocations += 1);
    let webhook = req.path().starts_with("/v1/hooks/");
    let mut response = match route(req, env).await {
        Ok(response) => response,
        // Every answer is JSON, the Worker's own failures too.
        Err(e) => failure::answer(e, webhook)?,
    };
    // A redirect's headers cannot change; it needs no version.
    let _ = response.headers_mut().set(VERSION_HEADER, VERSION);
    Ok(response)
}

async fn route(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let cfg = config::from_env(&env);
    let method = req.method();
    if let (Some(problem), false) = (cfg.problem_text(), path == "/health") {
        // Refused with the same words /health gives; a webhook 429, so its
        // sender retries once the setting is fixed and nothing is lost.
        let status = if path.starts_with("/v1/hooks/") {
            429
        } else {
            503
        };
        return json_error(status, "misconfigured", &problem);
    }
    match (method.clone(), path.as_str()) {
        (Method::Get | Method::Head, "/health") => health(&cfg),
        (_, "/health") => json_error(
            405,
            "method_not_allowed",
            &format!("{method} /health is not supported; use GET"),
        ),
        (Method::Post, p) if p.starts_with("/v1/hooks/forms/") => {
            let source = p.trim_start_matches("/v1/hooks/forms/").to_string();
            hooks::form(req, &env, &cfg, &source).await
        }
        (Method::Post, "/v1/hooks/ghl") => hooks::ghl(req, &env, &cfg).await,
        (Method::Post, "/v1/sso") => sso::exchange(req, &env, &cfg).await,
        (Method::Get | Method::Head, p) if p.starts_with("/app/") => {
            app_page::serve(req, &env, &cfg).await
        }
        (Method::Post, "/v1/hooks/ghl/triggers") => {
            workflow_hooks::subscription(req, &env, &cfg).await
        }
        (Method::Post, p) if p.starts_with("/v1/hooks/ghl/actions/") => {
            let rest = p.trim_start_matches("/v1/hooks/ghl/actions/").to_string();
            workflow_hooks::action(req, &env, &cfg, &rest).await
        }
        (Method::Post, p) if p.starts_with("/v1/hooks/ghl/provider/") => {
            let secret = p.trim_start_matches("/v1/hooks/ghl/provider/").to_string();
            hooks::provider(req, &env, &cfg, &secret).await
        }
        (Method::Get, "/oauth/start") => auth::start(req, &env, &cfg).await,
        (Method::Get, "/oauth/callback") => auth::callback(req, &env, &cfg).await,
        (Method::Get | Method::Post, p) if p.starts_with("/v1/hooks/spothit/") => {
            let rest: Vec<String> = p
                .trim_start_matches("/v1/hooks/spothit/")
                .split('/')
                .map(String::from)
                .collect();
            match rest.as_slice() {
                [token, kind] => hooks::spothit(req, &env, &cfg, token, kind).await,
                [token, kind, message] if kind == "message" => {
                    hooks::spothit_message(req, &env, &cfg, token, message).await
                }
                _ => json_error(
                    404,
                    "not_found",
                    "use /v1/hooks/spothit/{token}/{status|reply|stop} or /v1/hooks/spothit/{token}/message/{messageId}",
                ),
            }
        }
        (_, p) if p.starts_with("/v1/hooks/forms/") => {
            json_error(405, "method_not_allowed", "webhooks are POSTed")
        }
        (_, p) if p.starts_with("/v1/admin/") => tenants::route(req, &env, &cfg, p).await,
        _ => json_error(404, "not_found", &format!("no route for {method} {path}")),
    }
}

#[event(queue)]
async fn queue(batch: MessageBatch<QueuedEvent>, env: Env, _ctx: Context) -> Result<()> {
    usage::count(|u| u.worker_invocations += 1);
    consumer::run(batch, &env).await
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    usage::count(|u| u.worker_invocations += 1);
    if let Err(e) = cron::run(&env).await {
        worker::console_log!(
            "{}",
            serde_json::json!({"level": "error", "cron": true, "msg": e.to_string()})
        );
    }
}

/// Liveness plus what a caller needs to know it reached the right thing; 503
/// naming each variable that is wrong.
fn health(cfg: &config::Config) -> Result<Response> {
    if let Some(problem) = cfg.problem_text() {
        let body = serde_json::json!({
            "status": "misconfigured",
            "error": {"code": "misconfigured", "message": problem},
            "problems": cfg.problems,
            "build": store_client::BUILD,
        });
        return Ok(json_ok(&body)?.with_status(503));
    }
    json_ok(&serde_json::json!({
        "status": "ok",
        "service": "ghl-bridge",
        "version": VERSION,
        "build": store_client::BUILD,
        "ghlEndpoints": ghl_bridge::ghl::CATALOGUE.len(),
    }))
}
