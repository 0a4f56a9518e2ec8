//! The cron trigger (`[triggers]` in wrangler.toml): puts back events the
//! queue lost, then polls Specter. Both are also admin routes, to run now.

use crate::config::Config;
use crate::failure::from_world;
use crate::world::WorkerWorld;
use ghl_bridge::sync::{specter_poll, sweep::sweep};
use serde_json::json;
use worker::{console_log, Env, Result};

pub async fn run(env: &Env) -> Result<()> {
    let settings = Config::from_env(env).location();
    let world = WorkerWorld::for_location(env, &settings.location_id)?;
    let swept = sweep(&world, &settings.location_id, None)
        .await
        .map_err(from_world)?;
    let polled = specter_poll::poll(&world, &settings)
        .await
        .map_err(from_world)?;
    console_log!(
        "{}",
        json!({"level": "info", "cron": true, "requeued": swept, "specter": polled})
    );
    Ok(())
}
