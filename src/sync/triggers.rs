//! The app's workflow triggers at a location: the subscriptions GHL sends
//! when a workflow starts, changes or stops using one, and the fires. A fire
//! goes to each active subscription of the location and key whose filters
//! match, once per event (a retried event skips the ones already fired), with
//! the location's token, through its GHL budget, and only to GHL's own
//! execute URL for that location. GHL bills each fire to the sub-account:
//! nothing fires speculatively.

use super::attempt::Flow;
use super::budget::Lane;
use super::ghl_access::{ghl_target, refused, send_within_budget};
use super::protocol::WorldError;
use super::settings::LocationSettings;
use super::world::World;
use crate::ghl::GhlError;
use crate::http::{HttpRequest, Method};
use crate::workflows::{
    check_target_url, matches, Filter, SubscriptionCall, SubscriptionChange, TriggerKey,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const PREFIX: &str = "trigger:";
/// GHL's version header for the execute URL (field reports; the docs say none).
const EXECUTE_VERSION: &str = "2021-07-28";

/// One workflow's use of one trigger at the location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub key: TriggerKey,
    pub filters: Vec<Filter>,
    pub target_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// False once GHL answered that the workflow is inactive.
    pub active: bool,
    pub fires: u64,
    pub updated_at_ms: u64,
}

fn key_of(id: &str) -> String {
    format!("{PREFIX}{id}")
}

/// Keeps, changes or drops a subscription. `Ok(Err)` says what is wrong
/// with it (a `targetUrl` that is not GHL's execute URL for the location).
pub async fn subscribe<W: World>(
    world: &W,
    ghl_base_url: &str,
    call: &SubscriptionCall,
) -> Result<Result<Option<Subscription>, String>, WorldError> {
    let data = &call.trigger_data;
    if data.event_type == SubscriptionChange::Deleted {
        world.kv_delete(key_of(&data.id)).await?;
        return Ok(Ok(None));
    }
    let location = &call.extras.location_id;
    if let Err(why) = check_target_url(ghl_base_url, location, &data.target_url) {
        return Ok(Err(why));
    }
    let Some(key) = TriggerKey::parse(&data.key) else {
        return Ok(Err(format!(
            "`{}` is not one of this app's triggers",
            data.key
        )));
    };
    let fires = match world.kv_get(key_of(&data.id)).await? {
        Some(v) => crate::json::from_value::<Subscription>(v).map_or(0, |s| s.fires),
        None => 0,
    };
    let subscription = Subscription {
        id: data.id.clone(),
        key,
        filters: data.filters.clone(),
        target_url: data.target_url.clone(),
        workflow_id: call.extras.workflow_id.clone(),
        active: true,
        fires,
        updated_at_ms: world.now_ms(),
    };
    save(world, &subscription).await?;
    Ok(Ok(Some(subscription)))
}

async fn save<W: World>(world: &W, subscription: &Subscription) -> Result<(), WorldError> {
    let value = crate::json::to_value(subscription)?;
    world.kv_put(key_of(&subscription.id), value).await?;
    Ok(())
}

/// The location's subscriptions.
pub async fn subscriptions<W: World>(world: &W) -> Result<Vec<Subscription>, WorldError> {
    Ok(world
        .kv_list(PREFIX.into())
        .await?
        .into_iter()
        .filter_map(|(_, v)| crate::json::from_value(v).ok())
        .collect())
}

/// Fires `key` with `variables` at each matching active subscription, once
/// per `event` (its idempotency key). Answers how many fired.
pub async fn fire<W: World>(
    world: &W,
    settings: &LocationSettings,
    key: TriggerKey,
    variables: &Value,
    event: &str,
) -> Flow<u32> {
    let due: Vec<Subscription> = subscriptions(world)
        .await?
        .into_iter()
        .filter(|s| s.active && s.key == key && matches(&s.filters, variables))
        .collect();
    let mut fired = 0;
    for mut subscription in due {
        let marker = format!("trigger-fired:{event}:{}", subscription.id);
        if world.kv_get(marker.clone()).await?.is_some() {
            continue;
        }
        // Checked again when firing: a subscription saved before the check
        // existed never gets the token either.
        let location = &settings.location_id;
        if check_target_url(&settings.ghl_base_url, location, &subscription.target_url).is_err() {
            continue;
        }
        let target = ghl_target(world, settings).await?;
        let request = HttpRequest {
            method: Method::Post,
            url: subscription.target_url.clone(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {}", target.token)),
                ("Version".into(), EXECUTE_VERSION.into()),
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(variables.to_string()),
        };
        let response = send_within_budget(world, Lane::Lead, &request, "trigger fire").await?;
        if (200..300).contains(&response.status) {
            world.kv_put(marker, Value::from(world.now_ms())).await?;
            subscription.fires += 1;
            save(world, &subscription).await?;
            fired += 1;
        } else if is_inactive(&response.body) {
            subscription.active = false;
            save(world, &subscription).await?;
        } else {
            return Err(refused(world, GhlError::from_response(&response)).await);
        }
    }
    Ok(fired)
}

/// GHL's answer for a workflow switched off ("trigger with id … inactive").
fn is_inactive(body: &str) -> bool {
    crate::case::lower(body).contains("inactive")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inactive_workflow_is_read_from_ghls_words() {
        assert!(is_inactive(
            r#"{"message":"Trigger with id t1 is Inactive"}"#
        ));
        assert!(!is_inactive(r#"{"message":"Internal error"}"#));
    }
}
