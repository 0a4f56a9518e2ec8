//! `/v1/admin/...` for many locations: who the caller is (the operator's
//! `ADMIN_TOKEN` sees every location; a location token, minted per location
//! and kept hashed, sees only its own and gets 403 elsewhere), the list of
//! locations, a location's settings, its tokens and its form sources. The
//! per-location routes of `admin.rs` run under `/v1/admin/locations/{id}/`.

use crate::config::Config;
use crate::failure::from_world;
use crate::respond::{json_error, json_ok};
use crate::store_client::StoreClient;
use crate::world::WorkerWorld;
use ghl_bridge::admin_api::{
    ApiError, FormSource, LocationEntry, LocationList, LocationUpdate, MintedToken, SourceAnswer,
    SourceUpdate,
};
use ghl_bridge::mapping::Mapping;
use ghl_bridge::sync::directory::{self, DIRECTORY};
use ghl_bridge::sync::location;
use ghl_bridge::sync::protocol::Store;
use worker::{Env, Method, Request, Response, Result};

/// Who is calling.
enum Caller {
    Operator,
    Location(String),
}

/// The caller, or the answer that refuses them.
async fn caller(
    req: &Request,
    env: &Env,
    cfg: &Config,
) -> Result<std::result::Result<Caller, Response>> {
    let Some(expected) = cfg.admin_token.as_deref() else {
        return json_error(
            503,
            "not_configured",
            "admin routes are off: set ADMIN_TOKEN",
        )
        .map(Err);
    };
    let given = req.headers().get("authorization")?.unwrap_or_default();
    let Some(token) = given.strip_prefix("Bearer ").map(str::trim) else {
        return json_error(
            401,
            "missing_token",
            "send `Authorization: Bearer <ADMIN_TOKEN>`",
        )
        .map(Err);
    };
    if crate::hooks::same_secret(token, expected) {
        return Ok(Ok(Caller::Operator));
    }
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    match directory::token_location(&dir, &directory::token_hash(token))
        .await
        .map_err(from_world)?
    {
        Some(location) => Ok(Ok(Caller::Location(location))),
        None => json_error(403, "bad_token", "the admin token is wrong").map(Err),
    }
}

fn forbidden(what: &str) -> Result<Response> {
    json_error(403, "forbidden", &format!("a location token cannot {what}"))
}

pub async fn route(req: Request, env: &Env, cfg: &Config, path: &str) -> Result<Response> {
    let who = match caller(&req, env, cfg).await? {
        Ok(who) => who,
        Err(refused) => return Ok(refused),
    };
    let segments: Vec<&str> = path.trim_start_matches("/v1/admin/").split('/').collect();
    match (segments.as_slice(), &who) {
        (["locations"], Caller::Location(_)) => forbidden("list every location"),
        (["locations"], Caller::Operator) if req.method() == Method::Get => list(env, cfg).await,
        (["locations", id, ..], Caller::Location(own)) if id != own => json_error(
            403,
            "forbidden",
            &format!("this token is for location {own}, not {id}"),
        ),
        (["locations", id, rest @ ..], _) => {
            let operator = matches!(who, Caller::Operator);
            location_routes(req, env, cfg, id, rest, operator).await
        }
        (rest, Caller::Operator) => {
            crate::admin::location_route(req, env, cfg, &cfg.ghl_location_id, rest).await
        }
        (_, Caller::Location(own)) => forbidden(&format!(
            "use the old routes; use /v1/admin/locations/{own}/..."
        )),
    }
}

async fn location_routes(
    req: Request,
    env: &Env,
    cfg: &Config,
    id: &str,
    rest: &[&str],
    operator: bool,
) -> Result<Response> {
    match (req.method(), rest) {
        (Method::Put, []) => update(req, env, cfg, id).await,
        (Method::Post, ["tokens"]) if operator => mint_token(env, id).await,
        (Method::Post, ["tokens"]) => forbidden("mint location tokens"),
        (_, ["sources", source_id]) => source(req, env, id, source_id).await,
        _ => crate::admin::location_route(req, env, cfg, id, rest).await,
    }
}

/// The deployment's own location (from its variables) and every one in the directory.
async fn list(env: &Env, cfg: &Config) -> Result<Response> {
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let mut locations = directory::locations(&dir).await.map_err(from_world)?;
    if !cfg.ghl_location_id.is_empty() && !locations.iter().any(|l| l.id == cfg.ghl_location_id) {
        let oauth = WorkerWorld::for_location(env, &cfg.ghl_location_id)?
            .oauth_access()
            .await
            .map_err(from_world)?;
        let (connected, auth) = match (&cfg.ghl_token, oauth.access_token) {
            (Some(_), _) => (true, "token"),
            (None, Some(_)) => (true, "oauth"),
            (None, None) => (false, "none"),
        };
        locations.insert(
            0,
            LocationEntry {
                id: cfg.ghl_location_id.clone(),
                name: cfg.ghl_location_id.clone(),
                connected,
                auth: auth.into(),
                company_id: None,
            },
        );
    }
    json_ok(&LocationList { locations })
}

/// `PUT /v1/admin/locations/{id}`: name, private-integration token, phone region, time zone.
async fn update(mut req: Request, env: &Env, cfg: &Config, id: &str) -> Result<Response> {
    let change: LocationUpdate = match serde_json::from_str(&req.text().await?) {
        Ok(c) => c,
        Err(e) => return json_error(400, "bad_location", &format!("the body: {e}")),
    };
    let world = WorkerWorld::for_location(env, id)?;
    let mut profile = location::profile(&world).await.map_err(from_world)?;
    profile.name = change.name.or(profile.name);
    profile.ghl_token = change.ghl_token.or(profile.ghl_token);
    profile.phone_region = change.phone_region.or(profile.phone_region);
    profile.timezone = change.timezone.or(profile.timezone);
    location::put_profile(&world, &profile)
        .await
        .map_err(from_world)?;
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let known = directory::location(&dir, id).await.map_err(from_world)?;
    let oauth = known.as_ref().is_some_and(|k| k.auth == "oauth");
    let entry = LocationEntry {
        id: id.to_string(),
        name: profile
            .name
            .clone()
            .or(known.as_ref().map(|k| k.name.clone()))
            .unwrap_or_else(|| id.to_string()),
        connected: profile.ghl_token.is_some()
            || oauth
            || (id == cfg.ghl_location_id && cfg.ghl_token.is_some()),
        auth: if oauth {
            "oauth"
        } else if profile.ghl_token.is_some() {
            "token"
        } else {
            "none"
        }
        .into(),
        company_id: known.and_then(|k| k.company_id),
    };
    directory::register_location(&dir, &entry)
        .await
        .map_err(from_world)?;
    json_ok(&entry)
}

/// `POST /v1/admin/locations/{id}/tokens`: answered once, kept hashed.
async fn mint_token(env: &Env, id: &str) -> Result<Response> {
    let token = format!("loc_{}", crate::auth::random_hex(24)?);
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    directory::add_token(&dir, &directory::token_hash(&token), id)
        .await
        .map_err(from_world)?;
    Ok(json_ok(&MintedToken { token })?.with_status(201))
}

fn last4(secret: &str) -> String {
    secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// `PUT|GET|DELETE /v1/admin/locations/{id}/sources/{sourceId}`.
async fn source(mut req: Request, env: &Env, id: &str, source_id: &str) -> Result<Response> {
    let world = WorkerWorld::for_location(env, id)?;
    let dir = StoreClient::for_location(env, DIRECTORY)?;
    let answer =
        |source: &FormSource, mapping: Option<String>, shown: Option<String>| SourceAnswer {
            source_id: source.id.clone(),
            location_id: id.to_string(),
            kind: source.kind,
            url_path: format!("/v1/hooks/forms/{}", source.id),
            signing_secret_last4: last4(&source.signing_secret),
            signing_secret: shown,
            mapping,
        };
    match req.method() {
        Method::Get => match location::source(&world, source_id)
            .await
            .map_err(from_world)?
        {
            None => json_error(
                404,
                "unknown_source",
                &format!("location {id} has no source `{source_id}`"),
            ),
            Some(source) => {
                let mapping = world
                    .mapping_get(source_id.to_string())
                    .await
                    .map_err(from_world)?;
                json_ok(&answer(&source, mapping, None))
            }
        },
        Method::Delete => {
            let deleted = location::delete_source(&world, source_id)
                .await
                .map_err(from_world)?;
            if deleted {
                directory::release_source(&dir, source_id)
                    .await
                    .map_err(from_world)?;
                world
                    .mapping_delete(source_id.to_string())
                    .await
                    .map_err(from_world)?;
            }
            json_ok(&serde_json::json!({"sourceId": source_id, "deleted": deleted}))
        }
        Method::Put => {
            let change: SourceUpdate = match serde_json::from_str(&req.text().await?) {
                Ok(c) => c,
                Err(e) => return json_error(400, "bad_source", &format!("the body: {e}")),
            };
            if let Some(text) = &change.mapping {
                if let Err(errors) = Mapping::parse(text) {
                    let mut body = ApiError::new(
                        "invalid_mapping",
                        &format!(
                            "the mapping has {} error(s); nothing was saved",
                            errors.len()
                        ),
                    );
                    body.error.details = Some(serde_json::to_value(&errors)?);
                    return Ok(Response::from_json(&body)?.with_status(422));
                }
            }
            if let Err(owner) = directory::claim_source(&dir, source_id, id)
                .await
                .map_err(from_world)?
            {
                return json_error(
                    409,
                    "source_taken",
                    &format!("source `{source_id}` belongs to location {owner}: choose another id"),
                );
            }
            let existing = location::source(&world, source_id)
                .await
                .map_err(from_world)?;
            let generated = change.signing_secret.is_none() && existing.is_none();
            let secret = match (change.signing_secret, existing) {
                (Some(s), _) => s,
                (None, Some(e)) => e.signing_secret,
                (None, None) => format!("whsec_{}", crate::auth::random_base64(24)?),
            };
            let source = FormSource {
                id: source_id.to_string(),
                kind: change.kind,
                signing_secret: secret,
            };
            location::put_source(&world, &source)
                .await
                .map_err(from_world)?;
            if let Some(text) = &change.mapping {
                world
                    .mapping_put(source_id.to_string(), text.clone())
                    .await
                    .map_err(from_world)?;
            }
            let mapping = world
                .mapping_get(source_id.to_string())
                .await
                .map_err(from_world)?;
            let shown = generated.then(|| source.signing_secret.clone());
            json_ok(&answer(&source, mapping, shown))
        }
        other => json_error(
            405,
            "method_not_allowed",
            &format!("{other} is not supported on a source: use PUT, GET or DELETE"),
        ),
    }
}
