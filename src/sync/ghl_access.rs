//! Reaching GHL for a location: the token to use, and each call sent inside
//! the location's budget, with a 429 pausing every caller of the location.

use super::attempt::Attempt;
use super::budget::{CALLS_PER_WINDOW, MAX_WAIT_MS, WINDOW_MS};
use super::protocol::WorldError;
use super::settings::LocationSettings;
use super::world::World;
use crate::admin_api::AlertCondition;
use crate::ghl::oauth::NOT_CONNECTED;
use crate::ghl::{GhlError, GhlTarget};
use crate::http::{HttpRequest, HttpResponse};

/// What a GHL step came to when it did not give an answer to read.
pub type Step<T> = Result<T, Attempt>;

/// The target to call GHL with: the location's token, else its OAuth
/// install's (refreshed by the store when due). No token parks the event with
/// the fix; a refresh that failed for now is retried.
pub async fn ghl_target<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<Step<GhlTarget>, WorldError> {
    let token = match &settings.ghl_token {
        Some(t) => t.clone(),
        None => {
            let answer = world.oauth_access().await?;
            match answer.access_token {
                Some(t) => t,
                None => {
                    let reason = answer.error.unwrap_or_else(|| NOT_CONNECTED.into());
                    let condition = AlertCondition::GhlDisconnected;
                    super::alerts::observe(world, settings, condition, true, &reason).await?;
                    return Ok(Err(if answer.retryable {
                        Attempt::retry(reason, Some(5_000))
                    } else {
                        Attempt::Park(reason)
                    }));
                }
            }
        }
    };
    Ok(Ok(GhlTarget {
        base_url: settings.ghl_base_url.clone(),
        token,
    }))
}

/// Sends one GHL call once the budget grants it. `what` names the step for
/// a network error.
pub async fn send_within_budget<W: World>(
    world: &W,
    request: &HttpRequest,
    what: &str,
) -> Result<Step<HttpResponse>, WorldError> {
    let mut waited = 0;
    loop {
        let grant = world.rate_acquire(CALLS_PER_WINDOW, WINDOW_MS).await?;
        if grant.granted {
            break;
        }
        let wait = grant.wait_ms.max(50);
        if waited + wait > MAX_WAIT_MS {
            // Away until its booked turn: the consumer moves on to others.
            let come_back_ms = grant.come_back_ms;
            return Ok(Err(Attempt::Defer { come_back_ms }));
        }
        world.sleep(wait).await;
        waited += wait;
    }
    Ok(world
        .send(request)
        .await
        .map_err(|e| Attempt::retry(format!("network on {what}: {e}"), None)))
}

/// A GHL refusal: a 429 also pauses the whole location so other events do
/// not run into the same wall.
pub async fn refused<W: World>(world: &W, e: GhlError) -> Result<Attempt, WorldError> {
    if let GhlError::RateLimited { .. } = &e {
        world
            .rate_pause(e.retry_hint_ms().unwrap_or(WINDOW_MS))
            .await?;
    }
    Ok(Attempt::from_ghl(&e))
}
