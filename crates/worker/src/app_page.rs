//! `/app/`: the app's page, from the Worker's assets, with the
//! `frame-ancestors` policy that lets GHL (and the deployment's white-label
//! domains, `APP_FRAME_ANCESTORS`) frame it and no other site. The rest of
//! the pages are served by the assets alone.

use crate::config::Config;
use worker::{Env, Headers, Request, Response, Result};

pub async fn serve(req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    let page = env.assets("ASSETS")?.fetch_request(req).await?;
    // A fetched answer's headers cannot change: a copy with the policy.
    let headers = Headers::new();
    for (name, value) in page.headers() {
        headers.set(&name, &value)?;
    }
    headers.set("content-security-policy", &cfg.app_page_policy())?;
    Ok(page.with_headers(headers))
}
