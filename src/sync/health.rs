//! A location's health for the console: events per hour by outcome, the
//! dead letters, the last arrival, GHL calls, the alerts firing. One store
//! query (grouped in SQLite) and the alert states.

use super::alerts;
use super::alerts::DAILY_KEY;
use super::protocol::{SeriesPoint, WorldError};
use super::world::World;
use crate::admin_api::LocationHealth;

pub const HOUR_MS: u64 = 60 * 60 * 1000;
/// The longest span the console asks for: a week.
pub const MAX_HOURS: u64 = 24 * 7;

pub async fn health<W: World>(
    world: &W,
    location_id: &str,
    hours: u64,
) -> Result<LocationHealth, WorldError> {
    let now = world.now_ms();
    let hours = hours.clamp(1, MAX_HOURS);
    // Whole hours, so a bucket is never cut at the start of the span.
    let since_ms = (now / HOUR_MS).saturating_sub(hours - 1) * HOUR_MS;
    let summary = world.event_summary(since_ms, HOUR_MS).await?;
    let mut totals = SeriesPoint {
        at_ms: since_ms,
        ..SeriesPoint::default()
    };
    for p in &summary.points {
        totals.done += p.done;
        totals.retried += p.retried;
        totals.parked += p.parked;
        totals.ignored += p.ignored;
        totals.pending += p.pending;
        totals.ghl_calls += p.ghl_calls;
    }
    // The hour buckets that overlap the last 60 minutes (so up to two hours).
    let ghl_calls_last_hour = summary
        .points
        .iter()
        .filter(|p| p.at_ms + HOUR_MS > now.saturating_sub(HOUR_MS))
        .map(|p| p.ghl_calls)
        .sum();
    Ok(LocationHealth {
        location_id: location_id.to_string(),
        since_ms,
        totals,
        hourly: summary.points,
        parked: summary.parked_total,
        last_event_at_ms: summary.last_event_at_ms,
        ghl_calls_last_hour,
        ghl_daily: world
            .kv_get(DAILY_KEY.into())
            .await?
            .and_then(|v| crate::json::from_value(v).ok()),
        alerts_firing: alerts::firing(world).await?,
    })
}
