//! The location's custom fields, kept in its store: read from GHL when a
//! mapping first writes a custom field, again when the copy is an hour old,
//! and on a miss (a field created in GHL since) at most once a minute, so a
//! mapping naming a field that does not exist cannot make every event call GHL.

use super::attempt::{Attempt, Flow, Halt};
use super::budget::Lane;
use super::ghl_access::{refused, send_within_budget};
use super::protocol::WorldError;
use super::world::World;
use crate::admin_api::ParkCode;
use crate::ghl::contacts::CustomFieldInput;
use crate::ghl::custom_fields::{CustomField, FieldCatalog, ListCustomFields};
use crate::ghl::{build_request, Call, GhlError, GhlTarget};
use serde::{Deserialize, Serialize};

/// Where the copy is kept in the location's store.
pub const CUSTOM_FIELDS_KEY: &str = "custom-fields";
pub const MAX_AGE_MS: u64 = 60 * 60 * 1000;
pub const MISS_REFRESH_MS: u64 = 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kept {
    fetched_at_ms: u64,
    fields: Vec<CustomField>,
}

/// The fields to resolve `wanted` against.
pub async fn catalog<W: World>(
    world: &W,
    location_id: &str,
    target: &GhlTarget,
    wanted: &[CustomFieldInput],
) -> Flow<FieldCatalog> {
    let kept: Option<Kept> = world
        .kv_get(CUSTOM_FIELDS_KEY.into())
        .await?
        .and_then(|v| crate::json::from_value(v).ok());
    if let Some(kept) = kept {
        let age = world.now_ms().saturating_sub(kept.fetched_at_ms);
        let catalog = FieldCatalog {
            location_id: location_id.to_string(),
            fields: kept.fields,
        };
        let all_known = wanted.iter().all(|w| {
            let name = w.id.as_deref().or(w.key.as_deref()).unwrap_or_default();
            catalog.find(name).is_some()
        });
        let due = age > MAX_AGE_MS || (!all_known && age > MISS_REFRESH_MS);
        if !due {
            return Ok(catalog);
        }
    }
    fetch(world, location_id, target).await
}

async fn fetch<W: World>(world: &W, location_id: &str, target: &GhlTarget) -> Flow<FieldCatalog> {
    let call = ListCustomFields {
        location_id: location_id.to_string(),
    };
    let request =
        build_request(&call, target).map_err(|e| Attempt::park(ParkCode::Other, e.to_string()))?;
    let response = send_within_budget(world, Lane::Lead, &request, "custom fields").await?;
    let list = match call.parse(&response) {
        Ok(list) => list,
        Err(e @ GhlError::Forbidden { .. }) => {
            return Err(Attempt::park(
                ParkCode::GhlRefused,
                format!(
                    "cannot read the location's custom fields (the token needs the scope \
                 locations/customFields.readonly): {e}"
                ),
            )
            .into())
        }
        Err(e) => return Err(refused(world, e).await),
    };
    let kept = Kept {
        fetched_at_ms: world.now_ms(),
        fields: list.custom_fields,
    };
    world
        .kv_put(CUSTOM_FIELDS_KEY.into(), crate::json::to_value(&kept)?)
        .await?;
    Ok(FieldCatalog {
        location_id: location_id.to_string(),
        fields: kept.fields,
    })
}

/// The location's custom fields for the admin API (the tester's "GHL field"
/// list): the kept copy while under an hour old, else read from GHL. `Err`
/// says why they could not be read.
pub async fn for_admin<W: World>(
    world: &W,
    settings: &super::settings::LocationSettings,
) -> Result<Result<Vec<CustomField>, String>, WorldError> {
    let read = async {
        let target = super::ghl_access::ghl_target(world, settings).await?;
        catalog(world, &settings.location_id, &target, &[]).await
    };
    match read.await {
        Ok(catalog) => Ok(Ok(catalog.fields)),
        Err(Halt::Event(attempt)) => Ok(Err(why(attempt))),
        Err(Halt::World(e)) => Err(e),
    }
}

fn why(attempt: Attempt) -> String {
    match attempt {
        Attempt::Park(_, reason) | Attempt::Retry { reason, .. } => reason,
        Attempt::Defer { .. } => {
            "the location's GHL call budget is used up: try again in a few seconds".into()
        }
        Attempt::Done => String::new(),
    }
}
