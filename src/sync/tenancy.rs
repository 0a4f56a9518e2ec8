//! Locations as data, for the admin API: who a caller is (the operator, or a
//! location token that sees one location), a location's settings and its form
//! sources (a source id belongs to one location), its Spot-Hit and Specter
//! accounts, and which location a form source or a Spot-Hit callback posts
//! into. The Worker only turns these answers into HTTP.

use super::directory::{self, DIRECTORY};
use super::location;
use super::model::SecretKey;
use super::protocol::{Store, WorldError};
use super::world::World;
use crate::admin_api::{
    last4, AccountCredits, ConnectionAnswer, ConnectionUpdate, Connections, FormSource,
    LocationEntry, LocationProfile, LocationUpdate, Service, SourceAnswer, SourceUpdate,
    SpecterAccount, SpotHitAccount, SpotHitCallbacks,
};
use crate::mapping::{Mapping, MappingError};

/// Who is calling the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Operator,
    Location(String),
    /// A GHL user signed in through the app's page (SSO).
    Session(crate::sso::Session),
    Unknown,
}

/// `given` is the bearer token; `is_operator_token` compares in constant time.
pub async fn caller<W: World>(
    world: &W,
    is_operator_token: impl Fn(&str) -> bool,
    given: &str,
) -> Result<Caller, WorldError> {
    if is_operator_token(given) {
        return Ok(Caller::Operator);
    }
    let dir = world.store_named(DIRECTORY)?;
    let hash = directory::token_hash(given);
    if given.starts_with(SESSION_PREFIX) {
        let now = world.now_ms();
        return Ok(match directory::session(&dir, &hash).await? {
            Some(s) if s.expires_at_ms > now => Caller::Session(s),
            _ => Caller::Unknown,
        });
    }
    Ok(match directory::token_location(&dir, &hash).await? {
        Some(location) => Caller::Location(location),
        None => Caller::Unknown,
    })
}

/// How a session token starts (a location token starts `loc_`).
pub const SESSION_PREFIX: &str = "ses_";

/// Opens a session for a GHL user (`token` fresh, `ses_`-prefixed): a
/// location user sees its active location, when it installed the app; an
/// agency user the installed locations of its company. `Ok(Err)` says why
/// none.
pub async fn open_session<W: World>(
    world: &W,
    own: Option<LocationEntry>,
    user: &crate::sso::SsoUser,
    token: &str,
) -> Result<Result<crate::sso::SessionAnswer, String>, WorldError> {
    let all = locations(world, own).await?;
    let visible: Vec<String> = if user.is_agency() {
        let company = user.company_id.as_deref().unwrap_or_default();
        all.iter()
            .filter(|l| !company.is_empty() && l.company_id.as_deref() == Some(company))
            .map(|l| l.id.clone())
            .collect()
    } else {
        let active = user.active_location.clone().unwrap_or_default();
        all.iter()
            .filter(|l| l.id == active)
            .map(|l| l.id.clone())
            .collect()
    };
    if visible.is_empty() {
        let whose = match (user.is_agency(), &user.active_location) {
            (true, _) => format!("company {}", user.company_id.as_deref().unwrap_or("?")),
            (false, Some(l)) => format!("location {l}"),
            (false, None) => "this user (no active location)".into(),
        };
        return Ok(Err(format!("{whose} has not installed the app")));
    }
    let expires_at_ms = world.now_ms() + crate::sso::SESSION_MS;
    let session = crate::sso::Session {
        user_id: user.user_id.clone(),
        locations: visible.clone(),
        may_change: user.may_change(),
        expires_at_ms,
    };
    let dir = world.store_named(DIRECTORY)?;
    directory::put_session(&dir, &directory::token_hash(token), &session).await?;
    Ok(Ok(crate::sso::SessionAnswer {
        token: token.to_string(),
        expires_at: crate::iso8601::format_ms(expires_at_ms),
        locations: visible,
        role: if session.may_change { "admin" } else { "user" }.into(),
    }))
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
    /// The id is the bridge's own (a Spot-Hit callback, Specter, a template):
    /// events under it are read as that source's (pacing, STOP marks).
    Reserved,
    InvalidMapping(Vec<MappingError>),
}

fn answer(location_id: &str, source: &FormSource, mapping: Option<String>) -> SourceAnswer {
    SourceAnswer {
        source_id: source.id.clone(),
        location_id: location_id.to_string(),
        kind: source.kind,
        url_path: format!("/v1/hooks/forms/{}", source.id),
        signing_secret_last4: last4(&source.signing_secret),
        previous_secret_last4: source.previous_signing_secret.as_deref().map(last4),
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

/// The location's form sources, by id.
pub async fn sources<W: World>(
    world: &W,
    location_id: &str,
) -> Result<Vec<SourceAnswer>, WorldError> {
    let store = world.store_named(location_id)?;
    let prefix = SecretKey::FormSource(String::new()).key();
    // Only the keys: the values are read one by one, opened by the store.
    let ids: Vec<String> = store
        .kv_list(prefix.clone())
        .await?
        .into_iter()
        .filter_map(|(key, _)| key.strip_prefix(&prefix).map(str::to_string))
        .collect();
    let mut found = Vec::new();
    for id in ids {
        found.extend(source(world, location_id, &id).await?);
    }
    Ok(found)
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
    if crate::sources::kind::is_reserved(source_id) {
        return Ok(Err(SourceRefused::Reserved));
    }
    if let Some(Err(errors)) = change.mapping.as_deref().map(Mapping::parse) {
        return Ok(Err(SourceRefused::InvalidMapping(errors)));
    }
    let dir = world.store_named(DIRECTORY)?;
    if let Err(owner) = directory::claim_source(&dir, source_id, location_id).await? {
        return Ok(Err(SourceRefused::Taken(owner)));
    }
    let store = world.store_named(location_id)?;
    let existing = location::source(&store, source_id).await?;
    let rotating = change.rotate_secret && existing.is_some();
    let generated = change.signing_secret.is_none() && (existing.is_none() || rotating);
    let kept = existing.as_ref().filter(|_| !rotating);
    let previous = match (&existing, rotating, change.drop_previous_secret) {
        (_, _, true) => None,
        (Some(e), true, false) => Some(e.signing_secret.clone()),
        (Some(e), false, false) => e.previous_signing_secret.clone(),
        (None, _, _) => None,
    };
    let source = FormSource {
        id: source_id.to_string(),
        kind: change.kind,
        signing_secret: change
            .signing_secret
            .or(kept.map(|e| e.signing_secret.clone()))
            .unwrap_or(fresh_secret),
        previous_signing_secret: previous,
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

/// The location a form source posts into, and its signing secrets (the
/// current first; two during a rotation).
pub async fn form_source<W: World>(
    world: &W,
    source_id: &str,
) -> Result<Option<(String, Vec<String>)>, WorldError> {
    let dir = world.store_named(DIRECTORY)?;
    let Some(owner) = directory::source_owner(&dir, source_id).await? else {
        return Ok(None);
    };
    let source = location::source(&world.store_named(&owner)?, source_id).await?;
    Ok(source.map(|s| (owner, s.secrets())))
}

/// Connects (or re-keys) a location's Spot-Hit or Specter account. A Spot-Hit
/// connection keeps its callback token unless `rotate_path_token`; a new one
/// is `fresh_token`. The answer shows the callback URLs under `origin`.
pub async fn connect<W: World>(
    world: &W,
    location_id: &str,
    service: Service,
    change: ConnectionUpdate,
    fresh_token: String,
    origin: &str,
) -> Result<ConnectionAnswer, WorldError> {
    let store = world.store_named(location_id)?;
    let mut profile = location::profile(&store).await?;
    match service {
        Service::Specter => {
            profile.specter = Some(SpecterAccount {
                api_key: change.api_key,
            });
            location::put_profile(&store, &profile).await?;
            Ok(connection_answer(&profile, service))
        }
        Service::SpotHit => {
            let dir = world.store_named(DIRECTORY)?;
            let kept = profile.spothit.take().map(|a| a.path_token);
            let path_token = match kept {
                Some(token) if !change.rotate_path_token => token,
                old => {
                    if let Some(old) = old {
                        directory::remove_spothit_token(&dir, &directory::token_hash(&old)).await?;
                    }
                    fresh_token
                }
            };
            directory::add_spothit_token(&dir, &directory::token_hash(&path_token), location_id)
                .await?;
            let callbacks = SpotHitCallbacks::under(origin, &path_token);
            profile.spothit = Some(SpotHitAccount {
                api_key: change.api_key,
                path_token,
            });
            location::put_profile(&store, &profile).await?;
            let mut answer = connection_answer(&profile, service);
            answer.callback_urls = Some(callbacks);
            Ok(answer)
        }
    }
}

/// Forgets a location's account (a Spot-Hit one's callback URLs stop working).
pub async fn disconnect<W: World>(
    world: &W,
    location_id: &str,
    service: Service,
) -> Result<ConnectionAnswer, WorldError> {
    let store = world.store_named(location_id)?;
    let mut profile = location::profile(&store).await?;
    match service {
        Service::Specter => profile.specter = None,
        Service::SpotHit => {
            if let Some(account) = profile.spothit.take() {
                let dir = world.store_named(DIRECTORY)?;
                directory::remove_spothit_token(&dir, &directory::token_hash(&account.path_token))
                    .await?;
            }
        }
    }
    location::put_profile(&store, &profile).await?;
    Ok(connection_answer(&profile, service))
}

pub async fn connections<W: World>(
    world: &W,
    location_id: &str,
) -> Result<Connections, WorldError> {
    let profile = location::profile(&world.store_named(location_id)?).await?;
    Ok(Connections {
        spothit: connection_answer(&profile, Service::SpotHit),
        specter: connection_answer(&profile, Service::Specter),
    })
}

fn connection_answer(profile: &LocationProfile, service: Service) -> ConnectionAnswer {
    let (api_key, path_token) = match service {
        Service::SpotHit => (
            profile.spothit.as_ref().map(|a| &a.api_key),
            profile.spothit.as_ref().map(|a| last4(&a.path_token)),
        ),
        Service::Specter => (profile.specter.as_ref().map(|a| &a.api_key), None),
    };
    ConnectionAnswer {
        service,
        connected: api_key.is_some(),
        api_key_last4: api_key.map(|k| last4(k)),
        callback_urls: None,
        path_token_last4: path_token,
        credits: None,
    }
}

/// Whether the service takes `key`, by one call that costs no credit
/// (Spot-Hit's `credits`, Specter's people lists): its credits, or `Err`
/// with the service's words when it refuses the key.
pub async fn check_key<W: World>(
    world: &W,
    service: Service,
    base_url: &str,
    key: &str,
) -> Result<AccountCredits, String> {
    let (name, request) = match service {
        Service::SpotHit => (
            "Spot-Hit",
            crate::spothit::credits(&crate::spothit::SpotHitTarget {
                base_url: base_url.to_string(),
                key: key.to_string(),
            }),
        ),
        Service::Specter => (
            "Specter",
            crate::specter::people_lists(&crate::specter::SpecterTarget {
                base_url: base_url.to_string(),
                key: key.to_string(),
            }),
        ),
    };
    let response = world
        .send(&request)
        .await
        .map_err(|e| format!("{name} could not be reached to check the key: {e}"))?;
    let refused = |e: String| format!("{e}: nothing was saved");
    match service {
        Service::SpotHit => {
            let answer =
                crate::spothit::parse_answer(&response).map_err(|e| refused(e.to_string()))?;
            Ok(AccountCredits {
                remaining: crate::spothit::premium_credits(&answer),
                limit: None,
                unit: "premium SMS".into(),
            })
        }
        Service::Specter => {
            crate::specter::parse_answer(&response).map_err(|e| refused(e.to_string()))?;
            Ok(AccountCredits {
                remaining: crate::specter::credits_remaining(&response).map(|n| n as f64),
                limit: crate::specter::credits_limit(&response).map(|n| n as f64),
                unit: "Specter credits this month".into(),
            })
        }
    }
}

/// The location a Spot-Hit callback's path token belongs to: the
/// deployment's own token (`SPOTHIT_PATH_TOKEN`) is the default location's.
pub async fn spothit_location<W: World>(
    world: &W,
    own: Option<(&str, &str)>,
    given: &str,
    same_secret: impl Fn(&str, &str) -> bool,
) -> Result<Option<String>, WorldError> {
    if let Some((token, location_id)) = own {
        if same_secret(given, token) {
            return Ok(Some(location_id.to_string()));
        }
    }
    let dir = world.store_named(DIRECTORY)?;
    directory::spothit_location(&dir, &directory::token_hash(given)).await
}
