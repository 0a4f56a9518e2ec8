//! What a location keeps about itself in its own store: its profile (name,
//! private-integration token, phone region, time zone, Spot-Hit and Specter
//! accounts) and its form sources.
//! The pipeline's settings for a location are the deployment's defaults with
//! the location's own on top.

use super::model::SecretKey;
use super::protocol::{Store, WorldError};
use super::settings::LocationSettings;
use crate::admin_api::{FormSource, LocationProfile};
use crate::specter::SpecterTarget;
use crate::spothit::SpotHitTarget;

const UNINSTALLED_KEY: &str = "uninstalled";

/// Why a location's events are ignored.
pub const UNINSTALLED: &str =
    "the app was uninstalled from this location: install it again to sync";

pub async fn is_uninstalled<S: Store>(store: &S) -> Result<bool, WorldError> {
    Ok(store.kv_get(UNINSTALLED_KEY.into()).await?.is_some())
}

/// Uninstalled: its tokens are deleted and its new events ignored; its
/// settings, sources and mappings stay for a re-install.
pub async fn uninstall<S: Store>(store: &S) -> Result<(), WorldError> {
    store.kv_delete(SecretKey::OAuth.key()).await?;
    store
        .kv_put(UNINSTALLED_KEY.into(), serde_json::json!(true))
        .await?;
    Ok(())
}

pub async fn reinstalled<S: Store>(store: &S) -> Result<(), WorldError> {
    store.kv_delete(UNINSTALLED_KEY.into()).await?;
    Ok(())
}

fn source_key(id: &str) -> String {
    SecretKey::FormSource(id.to_string()).key()
}

pub async fn profile<S: Store>(store: &S) -> Result<LocationProfile, WorldError> {
    Ok(store
        .kv_get(SecretKey::Profile.key())
        .await?
        .and_then(|v| crate::json::from_value(v).ok())
        .unwrap_or_default())
}

pub async fn put_profile<S: Store>(store: &S, profile: &LocationProfile) -> Result<(), WorldError> {
    store
        .secret_put(SecretKey::Profile, crate::json::to_value(profile)?)
        .await?;
    Ok(())
}

pub async fn source<S: Store>(store: &S, id: &str) -> Result<Option<FormSource>, WorldError> {
    Ok(store
        .kv_get(source_key(id))
        .await?
        .and_then(|v| crate::json::from_value(v).ok()))
}

pub async fn put_source<S: Store>(store: &S, source: &FormSource) -> Result<(), WorldError> {
    store
        .secret_put(
            SecretKey::FormSource(source.id.clone()),
            crate::json::to_value(source)?,
        )
        .await?;
    Ok(())
}

pub async fn delete_source<S: Store>(store: &S, id: &str) -> Result<bool, WorldError> {
    store.kv_delete(source_key(id)).await
}

/// The settings of `location_id`: the deployment's (`defaults`, which are the
/// default location's) for what the location does not set. The deployment's
/// `GHL_TOKEN`, rules and Spot-Hit/Specter accounts belong to the default
/// location only; another location uses its own token, else its OAuth
/// install, and its own Spot-Hit and Specter accounts.
pub fn settings_for(
    defaults: &LocationSettings,
    location_id: &str,
    profile: &LocationProfile,
) -> LocationSettings {
    let mut own = if location_id == defaults.location_id {
        defaults.clone()
    } else {
        LocationSettings {
            location_id: location_id.to_string(),
            ghl_token: None,
            sync_rules: None,
            spothit: None,
            spothit_path_token: None,
            specter: None,
            sms_provider_by_default: false,
            ..defaults.clone()
        }
    };
    if profile.ghl_token.is_some() {
        own.ghl_token = profile.ghl_token.clone();
    }
    if profile.phone_region.is_some() {
        own.default_phone_region = profile.phone_region.clone();
    }
    if let Some(account) = &profile.spothit {
        own.spothit = Some(SpotHitTarget {
            base_url: own.spothit_base_url.clone(),
            key: account.api_key.clone(),
        });
        own.spothit_path_token = Some(account.path_token.clone());
    }
    if let Some(account) = &profile.specter {
        own.specter = Some(SpecterTarget {
            base_url: own.specter_base_url.clone(),
            key: account.api_key.clone(),
        });
    }
    own
}
