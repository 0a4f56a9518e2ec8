//! The cron trigger (`[triggers]` in wrangler.toml): puts back events the
//! queue lost, then polls Specter. Both are also admin routes, to run now.

use crate::config::Config;
use crate::store::{QueuedEvent, Store};
use ghl_bridge::admin_api::Swept;
use serde_json::json;
use worker::{console_log, Env, Result};

/// Re-queues inbound events and GHL syncs stuck queued or processing for
/// longer than `older_than_ms` (default: `STALE_AFTER_MS`).
pub async fn sweep(env: &Env, cfg: &Config, older_than_ms: Option<u64>) -> Result<Swept> {
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    let stale = store
        .call("/stale", json!({"olderThanMs": older_than_ms}))
        .await?;
    let stale: Swept = serde_json::from_value(stale)?;
    for key in &stale.inbound {
        QueuedEvent::inbound(&cfg.ghl_location_id, key)
            .send(env)
            .await?;
    }
    for webhook_id in &stale.ghl {
        QueuedEvent::ghl(&cfg.ghl_location_id, webhook_id)
            .send(env)
            .await?;
    }
    Ok(stale)
}

pub async fn run(env: &Env) -> Result<()> {
    let cfg = Config::from_env(env);
    let swept = sweep(env, &cfg, None).await?;
    let polled = crate::specter_poll::poll(env, &cfg).await?;
    console_log!(
        "{}",
        json!({"level": "info", "cron": true, "requeued": swept, "specter": polled})
    );
    Ok(())
}
