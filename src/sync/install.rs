//! Installing the app, every way GHL has: a location install (a Location
//! token), an agency's bulk install (a Company token, then a location token
//! minted for each installed location), INSTALL webhooks (idempotent; one may
//! arrive before the code exchange) and UNINSTALL webhooks. Stores are
//! reached by name: each location's, the directory's, each agency's.

use super::directory::{self, company_store, DIRECTORY};
use super::location;
use super::protocol::{Store, WorldError};
use super::world::World;
use crate::admin_api::LocationEntry;
use crate::ghl::oauth::{
    installed_locations, minted_location_token, OAuthClient, OAuthTokens, Refreshed,
};
use crate::ghl::webhooks::GhlEvent;

/// Keeps a location's tokens in its store and lists it in the directory. A
/// re-install keeps the location's settings, sources and mappings.
pub async fn install_location<W: World>(
    world: &W,
    tokens: &OAuthTokens,
    name: Option<String>,
) -> Result<(), WorldError> {
    let store = world.store_named(&tokens.location_id)?;
    store.oauth_put(tokens.clone()).await?;
    location::reinstalled(&store).await?;
    let dir = world.store_named(DIRECTORY)?;
    let known = directory::location(&dir, &tokens.location_id).await?;
    let entry = LocationEntry {
        id: tokens.location_id.clone(),
        name: name
            .or(known.map(|k| k.name))
            .unwrap_or_else(|| tokens.location_id.clone()),
        connected: true,
        auth: "oauth".into(),
        company_id: tokens.company_id.clone(),
    };
    directory::register_location(&dir, &entry).await
}

/// A bulk install (GHL's mandatory mode for new Marketplace apps): the code
/// gave the agency's token. It is kept in the agency's store; every location
/// the app is installed on gets a location token minted from it. Answers the
/// locations installed, or why the install could not finish.
pub async fn install_agency<W: World>(
    world: &W,
    client: &OAuthClient,
    company: OAuthTokens,
) -> Result<Result<Vec<String>, String>, WorldError> {
    let Some(company_id) = company.company_id.clone() else {
        return Ok(Err("the agency token carries no companyId".into()));
    };
    world
        .store_named(&company_store(&company_id))?
        .oauth_put(company.clone())
        .await?;
    directory::register_company(&world.store_named(DIRECTORY)?, &company_id).await?;
    let request = client.installed_locations_request(&company_id, &company.access_token);
    let listed = match world.send(&request).await {
        Ok(r) => r,
        Err(e) => return Ok(Err(format!("GHL unreachable listing the installs: {e}"))),
    };
    let locations = match installed_locations(&listed) {
        Ok(l) => l,
        Err(why) => return Ok(Err(why)),
    };
    let mut installed = Vec::new();
    for found in locations {
        let request = client.location_token_request(&company_id, &found.id, &company.access_token);
        let minted = match world.send(&request).await {
            Ok(response) => minted_location_token(&response, &company_id, world.now_ms()),
            Err(e) => Refreshed::Retry(e),
        };
        let Refreshed::Tokens(mut tokens) = minted else {
            return Ok(Err(format!(
                "GHL gave no token for location {}: install again",
                found.id
            )));
        };
        tokens.location_id = found.id.clone();
        install_location(world, &tokens, Some(found.name)).await?;
        installed.push(found.id);
    }
    Ok(Ok(installed))
}

/// What an INSTALL webhook came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    Installed(String),
    /// Before the code exchange: the exchange will connect it.
    Pending(String),
    Ignored(&'static str),
    /// GHL should send it again (answer 429).
    RetryLater(String),
}

/// An INSTALL webhook (idempotent). One for a location of an agency whose
/// token the bridge has (a later install, or one "to future locations",
/// which may carry no `companyId`: each known agency is tried) mints the
/// location's token.
pub async fn on_install<W: World>(
    world: &W,
    client: Option<&OAuthClient>,
    event: &GhlEvent,
) -> Result<InstallOutcome, WorldError> {
    let location_id = event.location_id.clone();
    if location_id.is_empty() {
        return Ok(InstallOutcome::Ignored("an agency-level install"));
    }
    let store = world.store_named(&location_id)?;
    if store.oauth_access().await?.access_token.is_some() {
        location::reinstalled(&store).await?;
        return Ok(InstallOutcome::Installed(location_id));
    }
    let Some(client) = client else {
        return Ok(InstallOutcome::Ignored("OAuth is not configured"));
    };
    let named = event.data.get("companyId").and_then(|c| c.as_str());
    let companies = match named {
        Some(c) => vec![c.to_string()],
        None => directory::companies(&world.store_named(DIRECTORY)?).await?,
    };
    for company_id in companies {
        let access = world
            .store_named(&company_store(&company_id))?
            .oauth_access()
            .await?;
        let Some(company_token) = access.access_token else {
            continue;
        };
        let request = client.location_token_request(&company_id, &location_id, &company_token);
        let minted = match world.send(&request).await {
            Ok(response) => minted_location_token(&response, &company_id, world.now_ms()),
            Err(e) => Refreshed::Retry(e),
        };
        match minted {
            Refreshed::Tokens(mut tokens) => {
                tokens.location_id = location_id.clone();
                install_location(world, &tokens, None).await?;
                return Ok(InstallOutcome::Installed(location_id));
            }
            Refreshed::Retry(why) => return Ok(InstallOutcome::RetryLater(why)),
            Refreshed::Refused(_) => continue,
        }
    }
    Ok(InstallOutcome::Pending(location_id))
}

/// An UNINSTALL webhook (idempotent): the location's tokens are deleted and
/// its new events ignored; its settings stay for a re-install. `false` for
/// an agency-level uninstall (no location).
pub async fn on_uninstall<W: World>(world: &W, event: &GhlEvent) -> Result<bool, WorldError> {
    if event.location_id.is_empty() {
        return Ok(false);
    }
    location::uninstall(&world.store_named(&event.location_id)?).await?;
    let dir = world.store_named(DIRECTORY)?;
    if let Some(mut entry) = directory::location(&dir, &event.location_id).await? {
        entry.connected = false;
        entry.auth = "none".into();
        directory::register_location(&dir, &entry).await?;
    }
    Ok(true)
}
