//! `/v1/admin/...` for many locations (core `sync::tenancy`): the operator's
//! `ADMIN_TOKEN` sees every location; a location token sees only its own and
//! gets 403 elsewhere. The per-location routes of `admin.rs` run under
//! `/v1/admin/locations/{id}/`; the older routes serve the default location.

use crate::config::Config;
use crate::failure::from_world;
use crate::request_url;
use crate::respond::{json_error, json_ok};
use crate::world::WorkerWorld;
use ghl_bridge::admin_api::{
    ApiError, LocationEntry, LocationHealthList, LocationList, LocationWithHealth, MintedToken,
    Service, UnknownLocations,
};
use ghl_bridge::json;
use ghl_bridge::sync::directory::{self, DIRECTORY};
use ghl_bridge::sync::health;
use ghl_bridge::sync::tenancy::{self, Caller, SourceRefused};
use ghl_bridge::sync::{Store, World};
use worker::{Env, Method, Request, Response, Result};

fn forbidden(what: &str) -> Result<Response> {
    json_error(403, "forbidden", &format!("a location token cannot {what}"))
}

pub async fn route(req: Request, env: &Env, cfg: &Config, path: &str) -> Result<Response> {
    if cfg.admin_tokens.is_empty() {
        return json_error(
            503,
            "not_configured",
            "admin routes are off: set ADMIN_TOKEN",
        );
    }
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let Some(given) = header.strip_prefix("Bearer ").map(str::trim) else {
        return json_error(
            401,
            "missing_token",
            "send `Authorization: Bearer <ADMIN_TOKEN>`",
        );
    };
    let world = WorkerWorld::for_location(env, &cfg.ghl_location_id)?;
    let who = tenancy::caller(&world, |t| cfg.is_admin_token(t), given)
        .await
        .map_err(from_world)?;
    let segments: Vec<&str> = path.trim_start_matches("/v1/admin/").split('/').collect();
    if let Caller::Session(session) = &who {
        return session_routes(req, env, cfg, &world, session, &segments).await;
    }
    match (segments.as_slice(), &who) {
        (_, Caller::Unknown) => json_error(403, "bad_token", "the admin token is wrong"),
        (["locations"], Caller::Location(_)) => forbidden("list every location"),
        (["locations"], _) if req.method() == Method::Get => {
            locations_answer(&req, env, &world, cfg, |_| true).await
        }
        (["usage"], Caller::Operator) if req.method() == Method::Get => {
            usage(env, &world, cfg).await
        }
        (["unknown-locations"], Caller::Operator) if req.method() == Method::Get => {
            let dir = world.store_named(DIRECTORY).map_err(from_world)?;
            let locations = directory::unknown_locations(&dir).await;
            json_ok(&UnknownLocations {
                locations: locations.map_err(from_world)?,
            })
        }
        (["locations", id, ..], Caller::Location(own)) if id != own => json_error(
            403,
            "forbidden",
            &format!("this token is for location {own}, not {id}"),
        ),
        (["locations", id, rest @ ..], _) => {
            let operator = who == Caller::Operator;
            location_routes(req, env, cfg, id, rest, operator).await
        }
        (rest, Caller::Operator) => {
            crate::admin::location_route(req, env, cfg, &cfg.ghl_location_id, rest).await
        }
        (_, Caller::Location(own)) => forbidden(&format!(
            "use the older routes; use /v1/admin/locations/{own}/..."
        )),
        (_, Caller::Session(_)) => forbidden("reach this route"),
    }
}

/// A GHL user's session (SSO): its own locations only, and only to look
/// unless GHL says the user is an admin.
async fn session_routes(
    req: Request,
    env: &Env,
    cfg: &Config,
    world: &WorkerWorld<'_>,
    session: &ghl_bridge::sso::Session,
    segments: &[&str],
) -> Result<Response> {
    let mine = |id: &str| session.locations.iter().any(|l| l == id);
    match segments {
        ["locations"] if req.method() == Method::Get => {
            locations_answer(&req, env, world, cfg, mine).await
        }
        ["locations", id, ..] if !mine(id) => json_error(
            403,
            "forbidden",
            &format!(
                "this session is for {}, not {id}",
                session.locations.join(", ")
            ),
        ),
        ["locations", _, ..] if !session.may_change && req.method() != Method::Get => json_error(
            403,
            "read_only",
            "this GHL user may look, not change settings: ask an agency or sub-account admin",
        ),
        ["locations", id, rest @ ..] => location_routes(req, env, cfg, id, rest, false).await,
        _ => json_error(
            403,
            "forbidden",
            "a GHL session reaches its own locations only: /v1/admin/locations/{id}/...",
        ),
    }
}

async fn location_routes(
    mut req: Request,
    env: &Env,
    cfg: &Config,
    id: &str,
    rest: &[&str],
    operator: bool,
) -> Result<Response> {
    let world = WorkerWorld::for_location(env, id)?;
    match (req.method(), rest) {
        (Method::Put, []) => match json::read_document(&req.text().await?, "it") {
            Err(e) => json_error(400, "bad_location", &format!("the body: {e}")),
            Ok(change) => {
                let env_token = id == cfg.ghl_location_id && cfg.ghl_token.is_some();
                let entry = tenancy::update_location(&world, id, change, env_token).await;
                json_ok(&entry.map_err(from_world)?)
            }
        },
        (Method::Post, ["tokens"]) if operator => {
            let token = format!("loc_{}", crate::random::random_hex(24)?);
            let dir = world.store_named(DIRECTORY).map_err(from_world)?;
            directory::add_token(&dir, &directory::token_hash(&token), id)
                .await
                .map_err(from_world)?;
            Ok(json_ok(&MintedToken { token })?.with_status(201))
        }
        (Method::Post, ["tokens"]) => forbidden("mint location tokens"),
        (Method::Get, ["connections"]) => {
            json_ok(&tenancy::connections(&world, id).await.map_err(from_world)?)
        }
        (method @ (Method::Put | Method::Delete), ["connections", name]) => {
            let Some(service) = Service::parse(name) else {
                return json_error(
                    404,
                    "unknown_service",
                    &format!("`{name}` is not a connection: use spothit or specter"),
                );
            };
            if method == Method::Delete {
                let answer = tenancy::disconnect(&world, id, service).await;
                return json_ok(&answer.map_err(from_world)?);
            }
            let change: ghl_bridge::admin_api::ConnectionUpdate =
                match json::read_document(&req.text().await?, "it") {
                    Ok(c) => c,
                    Err(e) => return json_error(400, "bad_connection", &format!("the body: {e}")),
                };
            let mut credits = None;
            if change.check {
                let (base_url, refused) = match service {
                    Service::SpotHit => (&cfg.spothit_base_url, "spothit_refused"),
                    Service::Specter => (&cfg.specter_base_url, "specter_refused"),
                };
                match tenancy::check_key(&world, service, base_url, &change.api_key).await {
                    Ok(found) => credits = Some(found),
                    Err(why) => return json_error(422, refused, &why),
                }
            }
            let token = crate::random::random_hex(16)?;
            let origin = request_url::origin(&req);
            let answer = tenancy::connect(&world, id, service, change, token, &origin).await;
            let mut answer = answer.map_err(from_world)?;
            answer.credits = credits;
            json_ok(&answer)
        }
        (Method::Get, ["sources"]) => {
            let sources = tenancy::sources(&world, id).await.map_err(from_world)?;
            json_ok(&ghl_bridge::admin_api::SourceList { sources })
        }
        (Method::Get, ["sources", source_id]) => {
            match tenancy::source(&world, id, source_id)
                .await
                .map_err(from_world)?
            {
                Some(source) => json_ok(&source),
                None => json_error(
                    404,
                    "unknown_source",
                    &format!("location {id} has no source `{source_id}`"),
                ),
            }
        }
        (Method::Delete, ["sources", source_id]) => {
            let deleted = tenancy::delete_source(&world, id, source_id)
                .await
                .map_err(from_world)?;
            json_ok(&serde_json::json!({"sourceId": source_id, "deleted": deleted}))
        }
        (Method::Put, ["sources", source_id]) => {
            let change = match json::read_document(&req.text().await?, "it") {
                Ok(c) => c,
                Err(e) => return json_error(400, "bad_source", &format!("the body: {e}")),
            };
            let secret = format!("whsec_{}", crate::random::random_base64(24)?);
            let saved = tenancy::put_source(&world, id, source_id, change, secret)
                .await
                .map_err(from_world)?;
            match saved {
                Ok(answer) => json_ok(&answer),
                Err(SourceRefused::Reserved) => json_error(
                    422,
                    "reserved_source",
                    &format!("`{source_id}` is reserved for the bridge's own sources (spothit-*, specter-*): choose another id"),
                ),
                Err(SourceRefused::Taken(owner)) => json_error(
                    409,
                    "source_taken",
                    &format!("source `{source_id}` belongs to location {owner}: choose another id"),
                ),
                Err(SourceRefused::InvalidMapping(errors)) => {
                    let message = format!(
                        "the mapping has {} error(s); nothing was saved",
                        errors.len()
                    );
                    let mut body = ApiError::new("invalid_mapping", &message);
                    body.error.details = Some(json::to_value(&errors)?);
                    Ok(Response::from_json(&body)?.with_status(422))
                }
            }
        }
        _ => crate::admin::location_route(req, env, cfg, id, rest).await,
    }
}

/// The deployment's own location (from its variables) and every one in the directory.
/// `GET /v1/admin/locations[?healthHours=]`: the locations `shown` keeps
/// (every one for the operator, its own for a GHL session), with their
/// health when asked.
async fn locations_answer(
    req: &Request,
    env: &Env,
    world: &WorkerWorld<'_>,
    cfg: &Config,
    shown: impl Fn(&str) -> bool,
) -> Result<Response> {
    match request_url::param(req, "healthHours").map(|v| v.parse::<u64>()) {
        None => {
            let mut locations = entries(world, cfg).await?;
            locations.retain(|l| shown(&l.id));
            json_ok(&LocationList { locations })
        }
        Some(Ok(hours)) => list_with_health(env, world, cfg, hours, shown).await,
        Some(Err(_)) => json_error(
            400,
            "bad_hours",
            "healthHours is a whole number of hours (at most the last 168 are read)",
        ),
    }
}

/// The locations `shown` keeps, each with its health over the last `hours`,
/// read side by side: the console's first screen in one request (a browser
/// opens 6 connections to a host at a time).
async fn list_with_health(
    env: &Env,
    world: &WorkerWorld<'_>,
    cfg: &Config,
    hours: u64,
    shown: impl Fn(&str) -> bool,
) -> Result<Response> {
    let read = entries(world, cfg)
        .await?
        .into_iter()
        .filter(|entry| shown(&entry.id))
        .map(|entry| async move {
            let health = match WorkerWorld::for_location(env, &entry.id) {
                Ok(own) => health::health(&own, &entry.id, hours)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let (health, health_error) = match health {
                Ok(h) => (Some(h), None),
                Err(why) => (None, Some(why)),
            };
            LocationWithHealth {
                entry,
                health,
                health_error,
            }
        });
    json_ok(&LocationHealthList {
        locations: futures_util::future::join_all(read).await,
    })
}

/// `GET /v1/admin/usage`: this isolate's invocations and queue operations,
/// and the requests and rows of every location's store and the directory's
/// since their instances started (core `sync::usage`). Reading them costs a
/// directory read; the stores' own counts leave these requests out.
async fn usage(env: &Env, world: &WorkerWorld<'_>, cfg: &Config) -> Result<Response> {
    let dir = world.store_named(DIRECTORY).map_err(from_world)?;
    let mut names: Vec<String> = directory::locations(&dir)
        .await
        .map_err(from_world)?
        .into_iter()
        .map(|l| l.id)
        .collect();
    if !cfg.ghl_location_id.is_empty() && !names.contains(&cfg.ghl_location_id) {
        names.push(cfg.ghl_location_id.clone());
    }
    names.push(DIRECTORY.to_string());
    let mut total = crate::usage::counted();
    let read = names.iter().map(|name| async move {
        let store = WorkerWorld::for_location(env, name)?;
        store.usage().await.map_err(from_world)
    });
    for counted in futures_util::future::join_all(read).await {
        total.add(&counted?);
    }
    json_ok(&total)
}

async fn entries(world: &WorkerWorld<'_>, cfg: &Config) -> Result<Vec<LocationEntry>> {
    let own = if cfg.ghl_location_id.is_empty() {
        None
    } else {
        let oauth = world.oauth_access().await.map_err(from_world)?;
        let env_token = cfg.ghl_token.is_some();
        Some(LocationEntry::deployments(
            &cfg.ghl_location_id,
            env_token,
            oauth.access_token.is_some(),
        ))
    };
    tenancy::locations(world, own).await.map_err(from_world)
}
