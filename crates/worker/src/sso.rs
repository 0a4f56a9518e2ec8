//! `POST /v1/sso {"payload"}`: the app's page, inside GHL, hands over the
//! user data GHL gave it (encrypted with `GHL_SSO_KEY`); the answer is a
//! short session of the bridge's own (`{token, expiresAt, locations, role}`)
//! that is a bearer for the admin routes of those locations. The payload
//! is a bearer credential with no expiry, so each is taken once.

use crate::config::Config;
use crate::failure::from_world;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::admin_api::LocationEntry;
use ghl_bridge::sso::SsoUser;
use ghl_bridge::sync::directory::{self, DIRECTORY};
use ghl_bridge::sync::{tenancy, World};
use serde::Deserialize;
use worker::{Env, Request, Response, Result};

#[derive(Deserialize)]
struct Asked {
    payload: String,
}

pub async fn exchange(mut req: Request, env: &Env, cfg: &Config) -> Result<Response> {
    let Some(key) = cfg.ghl_sso_key.as_deref() else {
        return json_error(
            503,
            "not_configured",
            "GHL's SSO is off: set GHL_SSO_KEY (the app's shared secret)",
        );
    };
    let asked: Asked = match ghl_bridge::json::read_document(&req.text().await?, "the body") {
        Ok(a) => a,
        Err(why) => return json_error(400, "bad_request", &why),
    };
    let user = match SsoUser::read(&asked.payload, key) {
        Ok(u) => u,
        Err(e) => return json_error(401, "bad_payload", &e.to_string()),
    };
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    let dir = world.store_named(DIRECTORY).map_err(from_world)?;
    let hash = directory::token_hash(&asked.payload);
    let first = directory::first_use_of_payload(&dir, &hash, world.now_ms()).await;
    if !first.map_err(from_world)? {
        return json_error(
            401,
            "payload_used",
            "this SSO payload was used already: ask GHL for the user again",
        );
    }
    let own = (!cfg.ghl_location_id.is_empty())
        .then(|| LocationEntry::deployments(&cfg.ghl_location_id, cfg.ghl_token.is_some(), false));
    let token = format!(
        "{}{}",
        tenancy::SESSION_PREFIX,
        crate::random::random_hex(24)?
    );
    match tenancy::open_session(&world, own, &user, &token)
        .await
        .map_err(from_world)?
    {
        Ok(answer) => json_ok(&answer),
        Err(why) => json_error(403, "not_installed", &why),
    }
}
