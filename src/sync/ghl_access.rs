//! Reaching GHL for a location: the token to use, and each call sent inside
//! the location's budget, with a 429 pausing every caller of the location.

use super::alerts::DAILY_KEY;
use super::attempt::{Attempt, Flow, Halt, WaitingFor};
use super::budget::{Lane, CALLS_PER_WINDOW, WINDOW_MS};
use super::protocol::WorldError;
use super::settings::LocationSettings;
use super::world::World;
use crate::admin_api::ParkCode;
use crate::admin_api::{AlertCondition, DailyAllowance};
use crate::ghl::oauth::NOT_CONNECTED;
use crate::ghl::{GhlError, GhlTarget, RateLimit};
use crate::http::{HttpRequest, HttpResponse};

/// The target to call GHL with: the location's token, else its OAuth
/// install's (refreshed by the store when due). No token parks the event with
/// the fix; a refresh that failed for now is retried.
pub async fn ghl_target<W: World>(world: &W, settings: &LocationSettings) -> Flow<GhlTarget> {
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
                    return Err(if answer.retryable {
                        Attempt::retry(reason, Some(5_000))
                    } else {
                        Attempt::park(ParkCode::GhlRefused, reason)
                    }
                    .into());
                }
            }
        }
    };
    Ok(GhlTarget {
        base_url: settings.ghl_base_url.clone(),
        token,
    })
}

/// Sends one GHL call once the budget grants it in `lane`. `what` names the
/// step for a network error.
pub async fn send_within_budget<W: World>(
    world: &W,
    lane: Lane,
    request: &HttpRequest,
    what: &str,
) -> Flow<HttpResponse> {
    budget_grant(world, lane).await?;
    send_granted(world, request, what).await
}

/// One call's place in the budget of `lane`: waits a little for it, or sends
/// the event away to its booked turn.
pub async fn budget_grant<W: World>(world: &W, lane: Lane) -> Flow<()> {
    let allowed = match world.wait_deadline_ms() {
        Some(deadline) => lane
            .max_wait_ms()
            .min(deadline.saturating_sub(world.now_ms())),
        None => lane.max_wait_ms(),
    };
    let mut waited = 0;
    loop {
        let grant = world
            .rate_acquire(CALLS_PER_WINDOW, WINDOW_MS, lane)
            .await?;
        if grant.granted {
            break;
        }
        let wait = grant.wait_ms.max(50);
        if waited + wait > allowed {
            // Away until its booked turn: the consumer moves on to others.
            let come_back_ms = grant.come_back_ms;
            return Err(Attempt::Defer {
                come_back_ms,
                waiting_for: WaitingFor::CallBudget,
            }
            .into());
        }
        world.sleep(wait).await;
        waited += wait;
    }
    Ok(())
}

/// Sends a call the budget granted.
pub async fn send_granted<W: World>(
    world: &W,
    request: &HttpRequest,
    what: &str,
) -> Flow<HttpResponse> {
    let sent = world.send(request).await;
    if let Ok(response) = &sent {
        keep_daily_allowance(world, response).await?;
    }
    Ok(sent.map_err(|e| Attempt::retry(format!("network on {what}: {e}"), None))?)
}

/// Keeps GHL's daily allowance from an answer's headers, not on every call:
/// every 2,000th of the allowance (100 calls of GHL's 200,000), and ten times
/// as often in the last tenth, where the alert is, and the day's first. GHL
/// counts the location's calls of this app, so each multiple is seen.
async fn keep_daily_allowance<W: World>(
    world: &W,
    response: &HttpResponse,
) -> Result<(), WorldError> {
    let limits = RateLimit::from_response(response);
    let (Some(remaining), Some(limit)) = (limits.daily_remaining, limits.daily_limit) else {
        return Ok(());
    };
    let daily = DailyAllowance {
        remaining,
        limit,
        at_ms: world.now_ms(),
    };
    let step = (limit / 2000).max(1);
    let step = if daily.is_low() {
        (step / 10).max(1)
    } else {
        step
    };
    // And the day's first call, so a new day shows at once.
    if remaining % step == 0 || remaining + 1 == limit {
        world
            .kv_put(DAILY_KEY.into(), crate::json::to_value(&daily)?)
            .await?;
    }
    Ok(())
}

/// A GHL refusal, as where the attempt stops: a 429 also pauses the whole
/// location so other events do not run into the same wall.
pub async fn refused<W: World>(world: &W, e: GhlError) -> Halt {
    if let GhlError::RateLimited { .. } = &e {
        let pause = e.retry_hint_ms().unwrap_or(WINDOW_MS);
        if let Err(failed) = world.rate_pause(pause).await {
            return Halt::World(failed);
        }
    }
    Attempt::from_ghl(&e).into()
}
