//! The cron trigger (`[triggers]` in wrangler.toml): for every location, puts
//! back events the queue lost and polls Specter where it is set up. Both are
//! also admin routes, to run now. Retention runs on each location's own alarm.

use crate::config::Config;
use crate::failure::from_world;
use crate::store_client::StoreClient;
use crate::world::WorkerWorld;
use ghl_bridge::sync::directory::{self, DIRECTORY};
use ghl_bridge::sync::{alerts, specter_poll, sweep::sweep};
use serde_json::json;
use worker::{console_log, Env, Result};

pub async fn run(env: &Env) -> Result<()> {
    let cfg = crate::config::from_env(env);
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let mut locations: Vec<String> = directory::locations(&dir)
        .await
        .map_err(from_world)?
        .into_iter()
        .filter(|l| l.connected)
        .map(|l| l.id)
        .collect();
    if !cfg.ghl_location_id.is_empty() && !locations.contains(&cfg.ghl_location_id) {
        locations.insert(0, cfg.ghl_location_id.clone());
    }
    for location in locations {
        // One location's trouble does not stop the others'.
        if let Err(e) = run_location(env, &cfg, &location).await {
            console_log!(
                "{}",
                json!({"level": "error", "cron": true, "location": location, "msg": e.to_string()})
            );
        }
    }
    Ok(())
}

async fn run_location(env: &Env, cfg: &Config, location: &str) -> Result<()> {
    let world = WorkerWorld::for_location(env, location)?;
    let settings = world.settings(cfg, location).await.map_err(from_world)?;
    let swept = sweep(&world, location, None).await.map_err(from_world)?;
    alerts::check_error_rate(&world, &settings)
        .await
        .map_err(from_world)?;
    alerts::check_daily_allowance(&world, &settings)
        .await
        .map_err(from_world)?;
    alerts::check_silent_sources(&world, &settings)
        .await
        .map_err(from_world)?;
    // A location without Specter costs nothing more.
    let polled = match &settings.specter {
        Some(_) => Some(
            specter_poll::poll(&world, &settings, specter_poll::PollTrigger::Cron)
                .await
                .map_err(from_world)?,
        ),
        None => None,
    };
    console_log!(
        "{}",
        json!({"level": "info", "cron": true, "location": location, "requeued": swept, "specter": polled})
    );
    Ok(())
}
