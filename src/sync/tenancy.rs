//! Locations as data, for the admin API: who a caller is (the operator, or a
//! location token that sees one location), a location's settings and its form
//! sources (a source id belongs to one location), and which location a form
//! source posts into. The Worker only turns these answers into HTTP.

use super::directory::{self, DIRECTORY};
use super::location;
use super::protocol::{Store, WorldError};
use super::world::World;
use crate::admin_api::{FormSource, LocationEntry, LocationUpdate, SourceAnswer, SourceUpdate};
use crate::mapping::{Mapping, MappingError};

/// Who is calling the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Operator,
    Location(String),
    Unknown,
}

/// `given` is the bearer token; `same_secret` compares in constant time.
pub async fn caller<W: World>(
    world: &W,
    operator_token: &str,
    given: &str,
    same_secret: impl Fn(&str, &str) -> bool,
) -> Result<Caller, WorldError> {
    if same_secret(given, operator_token) {
        return Ok(Caller::Operator);
    }
    let dir = world.store_named(DIRECTORY)?;
    Ok(
        match directory::token_location(&dir, &directory::token_hash(given)).await? {
            Some(location) => Caller::Location(location),
            None => Caller::Unknown,
        },
    )
}

/// The directory's locations, with the deployment's own first when the
/// directory does not list it (a one-location deployment).
pub async fn locations<W: World>(
    world: &W,
    own: Option<LocationEntry>,
) -> Result<Vec<LocationEntry>, WorldError> {
    let mut all = directory::locations(&world.store_named(DIRECTORY)?).await?;
    if let Some(own) = own.filter(|o| !all.iter().any(|l| l.id == o.id)) {
        all.insert(0, own);
    }
    Ok(all)
}

/// Applies `change` to location `id`; `env_token`: the deployment's
/// `GHL_TOKEN` serves this location.
pub async fn update_location<W: World>(
    world: &W,
    id: &str,
    change: LocationUpdate,
    env_token: bool,
) -> Result<LocationEntry, WorldError> {
    let store = world.store_named(id)?;
    let mut profile = location::profile(&store).await?;
    profile.name = change.name.or(profile.name);
    profile.ghl_token = change.ghl_token.or(profile.ghl_token);
    profile.phone_region = change.phone_region.or(profile.phone_region);
    profile.timezone = change.timezone.or(profile.timezone);
    location::put_profile(&store, &profile).await?;
    let dir = world.store_named(DIRECTORY)?;
    let known = directory::location(&dir, id).await?;
    let oauth = known.as_ref().is_some_and(|k| k.auth == "oauth");
    let token = profile.ghl_token.is_some() || env_token;
    let entry = LocationEntry {
        id: id.to_string(),
        name: profile
            .name
            .clone()
            .or(known.as_ref().map(|k| k.name.clone()))
            .unwrap_or_else(|| id.to_string()),
        connected: token || oauth,
        auth: match (oauth, token) {
            (true, _) => "oauth",
            (false, true) => "token",
            (false, false) => "none",
        }
        .into(),
        company_id: known.and_then(|k| k.company_id),
    };
    directory::register_location(&dir, &entry).await?;
    Ok(entry)
}

/// Why a source was not saved.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceRefused {
    /// The id belongs to this other location.
    Taken(String),
    InvalidMapping(Vec<MappingError>),
}

fn answer(location_id: &str, source: &FormSource, mapping: Option<String>) -> SourceAnswer {
    let secret = &source.signing_secret;
    SourceAnswer {
        source_id: source.id.clone(),
        location_id: location_id.to_string(),
        kind: source.kind,
        url_path: format!("/v1/hooks/forms/{}", source.id),
        signing_secret_last4: secret[secret.len().saturating_sub(4)..].to_string(),
        signing_secret: None,
        mapping,
    }
}

pub async fn source<W: World>(
    world: &W,
    location_id: &str,
    source_id: &str,
) -> Result<Option<SourceAnswer>, WorldError> {
    let store = world.store_named(location_id)?;
    let Some(source) = location::source(&store, source_id).await? else {
        return Ok(None);
    };
    let mapping = store.mapping_get(source_id.to_string()).await?;
    Ok(Some(answer(location_id, &source, mapping)))
}

/// Creates or changes a form source. `fresh_secret` is used (and answered,
/// once) when neither the change nor the existing source has one.
pub async fn put_source<W: World>(
    world: &W,
    location_id: &str,
    source_id: &str,
    change: SourceUpdate,
    fresh_secret: String,
) -> Result<Result<SourceAnswer, SourceRefused>, WorldError> {
    if let Some(Err(errors)) = change.mapping.as_deref().map(Mapping::parse) {
        return Ok(Err(SourceRefused::InvalidMapping(errors)));
    }
    let dir = world.store_named(DIRECTORY)?;
    if let Err(owner) = directory::claim_source(&dir, source_id, location_id).await? {
        return Ok(Err(SourceRefused::Taken(owner)));
    }
    let store = world.store_named(location_id)?;
    let existing = location::source(&store, source_id).await?;
    let generated = change.signing_secret.is_none() && existing.is_none();
    let source = FormSource {
        id: source_id.to_string(),
        kind: change.kind,
        signing_secret: change
            .signing_secret
            .or(existing.map(|e| e.signing_secret))
            .unwrap_or(fresh_secret),
    };
    location::put_source(&store, &source).await?;
    if let Some(text) = change.mapping {
        store.mapping_put(source_id.to_string(), text).await?;
    }
    let mapping = store.mapping_get(source_id.to_string()).await?;
    let mut shown = answer(location_id, &source, mapping);
    shown.signing_secret = generated.then(|| source.signing_secret.clone());
    Ok(Ok(shown))
}

/// Deletes a source, its mapping and its claim on the id.
pub async fn delete_source<W: World>(
    world: &W,
    location_id: &str,
    source_id: &str,
) -> Result<bool, WorldError> {
    let store = world.store_named(location_id)?;
    let deleted = location::delete_source(&store, source_id).await?;
    if deleted {
        directory::release_source(&world.store_named(DIRECTORY)?, source_id).await?;
        store.mapping_delete(source_id.to_string()).await?;
    }
    Ok(deleted)
}

/// Whether the deployment serves `location_id`: its own, or a connected one.
pub async fn serves<W: World>(world: &W, own: &str, location_id: &str) -> Result<bool, WorldError> {
    if location_id == own {
        return Ok(true);
    }
    let entry = directory::location(&world.store_named(DIRECTORY)?, location_id).await?;
    Ok(entry.is_some_and(|l| l.connected))
}

/// The location a form source posts into, and its signing secret.
pub async fn form_source<W: World>(
    world: &W,
    source_id: &str,
) -> Result<Option<(String, String)>, WorldError> {
    let dir = world.store_named(DIRECTORY)?;
    let Some(owner) = directory::source_owner(&dir, source_id).await? else {
        return Ok(None);
    };
    let source = location::source(&world.store_named(&owner)?, source_id).await?;
    Ok(source.map(|s| (owner, s.signing_secret)))
}
