//! Alerts per location: a condition fires (an event parked, GHL disconnected,
//! Specter's credits low) and clears; each change is told to the location's
//! destination (its own, else the deployment's) as a Slack body to a Slack
//! URL or a signed Standard Webhooks body elsewhere. At most one firing
//! message per condition per location per hour, and a resolved message when
//! a condition that was told clears. All the states are one value in the
//! location's store, so a quiet location pays one read per settled event.

use super::model::SecretKey;
use super::protocol::{EventQuery, SeriesPoint, Store, WorldError};
use super::settings::LocationSettings;
use super::world::World;
use crate::admin_api::{
    last4, AlertCondition, AlertDestination, AlertSent, AlertState, AlertsAnswer, AlertsUpdate,
    DailyAllowance, EventStatus,
};
use crate::http::{HttpRequest, Method};
use crate::sources::standard_webhooks;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Where the location's daily allowance, as GHL's last answers said, is kept.
pub const DAILY_KEY: &str = "ghl-daily";
const STATES_KEY: &str = "alert-states";
const LOG_KEY: &str = "alert-log";
const LOG_LENGTH: usize = 50;
pub const QUIET_MS: u64 = 60 * 60 * 1000;
pub const DEFAULT_CREDITS_FLOOR: u64 = 100;
pub const DEFAULT_ERROR_RATE_PERCENT: u64 = 20;
/// The error rate is over this span, and needs this many events to mean anything.
pub const ERROR_RATE_SPAN_MS: u64 = 15 * 60 * 1000;
pub const ERROR_RATE_MIN_EVENTS: u64 = 10;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// One condition's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionState {
    pub firing: bool,
    /// A firing message was sent and its resolution is owed.
    pub told: bool,
    pub last_told_ms: u64,
}

type States = BTreeMap<AlertCondition, ConditionState>;

/// What a change of condition calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Send(AlertState),
    Nothing,
}

/// The decision, apart from any I/O: `firing` is the condition now.
pub fn decide(state: &mut ConditionState, firing: bool, now_ms: u64) -> Notice {
    match (firing, state.firing) {
        (true, _) => {
            state.firing = true;
            let quiet = now_ms.saturating_sub(state.last_told_ms) >= QUIET_MS;
            if !state.told && (quiet || state.last_told_ms == 0) {
                state.told = true;
                state.last_told_ms = now_ms;
                return Notice::Send(AlertState::Firing);
            }
            Notice::Nothing
        }
        (false, true) => {
            state.firing = false;
            if std::mem::take(&mut state.told) {
                return Notice::Send(AlertState::Resolved);
            }
            Notice::Nothing
        }
        (false, false) => Notice::Nothing,
    }
}

async fn states<S: Store>(store: &S) -> Result<States, WorldError> {
    Ok(store
        .kv_get(STATES_KEY.into())
        .await?
        .and_then(|v| crate::json::from_value(v).ok())
        .unwrap_or_default())
}

async fn destination<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<Option<AlertDestination>, WorldError> {
    let own = world
        .kv_get(SecretKey::AlertDestination.key())
        .await?
        .and_then(|v| crate::json::from_value(v).ok());
    Ok(own.or_else(|| settings.alerts.clone()))
}

/// The condition is `firing` now; tells the destination when that is news.
pub async fn observe<W: World>(
    world: &W,
    settings: &LocationSettings,
    condition: AlertCondition,
    firing: bool,
    detail: &str,
) -> Result<(), WorldError> {
    let mut all = states(world).await?;
    if !firing && !all.get(&condition).is_some_and(|s| s.firing) {
        return Ok(()); // the usual case: nothing was wrong, nothing to write
    }
    let Some(dest) = destination(world, settings).await? else {
        return Ok(());
    };
    let state = all.entry(condition).or_default();
    let notice = decide(state, firing, world.now_ms());
    world
        .kv_put(STATES_KEY.into(), crate::json::to_value(&all)?)
        .await?;
    if let Notice::Send(state) = notice {
        send(
            world,
            &settings.location_id,
            &dest,
            condition,
            state,
            detail,
        )
        .await?;
    }
    Ok(())
}

/// Tells the destination of one occurrence of `condition` now, whatever was
/// told before: for notices that are each news and never resolve.
pub async fn notify<W: World>(
    world: &W,
    settings: &LocationSettings,
    condition: AlertCondition,
    detail: &str,
) -> Result<(), WorldError> {
    let Some(dest) = destination(world, settings).await? else {
        return Ok(());
    };
    let location = &settings.location_id;
    send(
        world,
        location,
        &dest,
        condition,
        AlertState::Firing,
        detail,
    )
    .await
}

/// A test alert to the location's destination: the destination's HTTP
/// status (`None`: no answer), or why none was sent.
pub async fn send_test<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<Result<Option<u16>, String>, WorldError> {
    let Some(dest) = destination(world, settings).await? else {
        return Ok(Err("no alert destination is set for this location".into()));
    };
    let location = &settings.location_id;
    let (condition, state) = (AlertCondition::Test, AlertState::Firing);
    send(
        world,
        location,
        &dest,
        condition,
        state,
        "sent from the app's page",
    )
    .await?;
    let log = world.kv_get(LOG_KEY.into()).await?;
    let status = log.and_then(|l| l[0]["status"].as_u64()).map(|s| s as u16);
    Ok(Ok(status))
}

/// After an attempt: a parked event fires `EventParked`; a done one clears it
/// once no event is parked any more, and clears `GhlDisconnected` (GHL answered).
pub async fn after_event<W: World>(
    world: &W,
    settings: &LocationSettings,
    status: EventStatus,
    reason: Option<&str>,
) -> Result<(), WorldError> {
    match status {
        EventStatus::Parked => {
            let detail = reason.unwrap_or("an event was parked");
            observe(world, settings, AlertCondition::EventParked, true, detail).await
        }
        EventStatus::Done => {
            let all = states(world).await?;
            let was = |c| all.get(&c).is_some_and(|s: &ConditionState| s.firing);
            if was(AlertCondition::GhlDisconnected) {
                let ok = "GHL answers again";
                observe(world, settings, AlertCondition::GhlDisconnected, false, ok).await?;
            }
            if was(AlertCondition::EventParked) && !any_parked(world).await? {
                let ok = "no event is parked any more";
                observe(world, settings, AlertCondition::EventParked, false, ok).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn any_parked<W: World>(world: &W) -> Result<bool, WorldError> {
    let page = world
        .events(EventQuery {
            status: Some(EventStatus::Parked),
            limit: 1,
            ..EventQuery::default()
        })
        .await?;
    Ok(!page.events.is_empty())
}

fn message(location: &str, condition: AlertCondition, state: AlertState, detail: &str) -> String {
    let what = match condition {
        AlertCondition::EventParked => "an event was parked as a dead letter",
        AlertCondition::GhlDisconnected => "GHL cannot be reached with its credentials",
        AlertCondition::SpecterCreditsLow => "Specter's credits are running low",
        AlertCondition::ErrorRate => "too many events failed in the last 15 minutes",
        AlertCondition::DailyAllowanceLow => "GHL's daily allowance is almost used up",
        AlertCondition::SourceSilent => "a source has gone silent",
        AlertCondition::OptOutInSpotHitGroup => {
            "a contact who opted out is still in a Spot-Hit group: remove it by hand"
        }
        AlertCondition::SpecterBudgetSpent => "Specter polling stopped to save credits",
        AlertCondition::Test => "a test alert: this destination receives the bridge's alerts",
    };
    match state {
        AlertState::Firing => format!("ghl-bridge, location {location}: {what}: {detail}"),
        AlertState::Resolved => format!("ghl-bridge, location {location}: resolved ({detail})"),
    }
}

fn is_slack(url: &str) -> bool {
    url.starts_with("https://hooks.slack.com/")
}

/// The HTTP request that tells `dest`; Slack gets its `{"text"}` body.
pub fn alert_request(
    dest: &AlertDestination,
    location: &str,
    condition: AlertCondition,
    state: AlertState,
    text: &str,
    now_ms: u64,
) -> HttpRequest {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    let body = if is_slack(&dest.webhook_url) {
        json!({ "text": text }).to_string()
    } else {
        let kind = match state {
            AlertState::Firing => "alert.firing",
            AlertState::Resolved => "alert.resolved",
        };
        let body = json!({"type": kind, "timestamp": now_ms / 1000,
            "data": {"locationId": location, "condition": condition, "state": state, "message": text}})
        .to_string();
        let id = format!(
            "alert_{location}_{}_{now_ms}",
            crate::json::to_value(&condition)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("")
        );
        let ts = (now_ms / 1000) as i64;
        if let Ok(sig) = standard_webhooks::sign(&dest.signing_secret, &id, ts, body.as_bytes()) {
            headers.push(("webhook-id".into(), id));
            headers.push(("webhook-timestamp".into(), ts.to_string()));
            headers.push(("webhook-signature".into(), sig));
        }
        body
    };
    HttpRequest {
        method: Method::Post,
        url: dest.webhook_url.clone(),
        headers,
        body: Some(body),
    }
}

async fn send<W: World>(
    world: &W,
    location: &str,
    dest: &AlertDestination,
    condition: AlertCondition,
    state: AlertState,
    detail: &str,
) -> Result<(), WorldError> {
    let now = world.now_ms();
    let text = message(location, condition, state, detail);
    let request = alert_request(dest, location, condition, state, &text, now);
    // Best effort: an unreachable destination is shown in the log, not retried.
    let status = world.send(&request).await.ok().map(|r| r.status);
    let mut log: Vec<AlertSent> = world
        .kv_get(LOG_KEY.into())
        .await?
        .and_then(|v| crate::json::from_value(v).ok())
        .unwrap_or_default();
    log.insert(
        0,
        AlertSent {
            condition,
            state,
            at_ms: now,
            message: text,
            status,
        },
    );
    log.truncate(LOG_LENGTH);
    world
        .kv_put(LOG_KEY.into(), crate::json::to_value(&log)?)
        .await?;
    Ok(())
}

/// Sets the location's destination; `fresh_secret` when none is given or kept.
pub async fn configure<W: World>(
    world: &W,
    settings: &LocationSettings,
    change: AlertsUpdate,
    fresh_secret: String,
) -> Result<Result<AlertsAnswer, String>, WorldError> {
    let url = change.webhook_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Ok(Err(format!(
            "`webhookUrl` must be an http(s) URL, got `{url}`"
        )));
    }
    let kept: Option<AlertDestination> = world
        .kv_get(SecretKey::AlertDestination.key())
        .await?
        .and_then(|v| crate::json::from_value(v).ok());
    let generated = change.signing_secret.is_none() && kept.is_none();
    let dest = AlertDestination {
        webhook_url: url.to_string(),
        signing_secret: change
            .signing_secret
            .or(kept.as_ref().map(|k| k.signing_secret.clone()))
            .unwrap_or(fresh_secret),
        specter_credits_floor: change
            .specter_credits_floor
            .or(kept.as_ref().map(|k| k.specter_credits_floor))
            .unwrap_or(DEFAULT_CREDITS_FLOOR),
        error_rate_percent: change
            .error_rate_percent
            .or(kept.as_ref().map(|k| k.error_rate_percent))
            .unwrap_or(DEFAULT_ERROR_RATE_PERCENT),
        silent_after_minutes: change
            .silent_after_minutes
            .or(kept.map(|k| k.silent_after_minutes))
            .unwrap_or_default(),
    };
    world
        .secret_put(SecretKey::AlertDestination, crate::json::to_value(&dest)?)
        .await?;
    let mut answer = shown(world, settings).await?;
    answer.signing_secret = generated.then(|| dest.signing_secret.clone());
    Ok(Ok(answer))
}

/// The conditions firing now at the location.
pub async fn firing<W: World>(world: &W) -> Result<Vec<AlertCondition>, WorldError> {
    Ok(states(world)
        .await?
        .into_iter()
        .filter(|(_, s)| s.firing)
        .map(|(c, _)| c)
        .collect())
}

/// The location's alerts as the admin API shows them (never the secret).
pub async fn shown<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<AlertsAnswer, WorldError> {
    let dest = destination(world, settings).await?;
    let firing = firing(world).await?;
    let recent = world
        .kv_get(LOG_KEY.into())
        .await?
        .and_then(|v| crate::json::from_value(v).ok())
        .unwrap_or_default();
    Ok(AlertsAnswer {
        webhook_url: dest.as_ref().map(|d| d.webhook_url.clone()),
        format: dest.as_ref().map(|d| {
            if is_slack(&d.webhook_url) {
                "slack"
            } else {
                "standardWebhooks"
            }
            .to_string()
        }),
        signing_secret_last4: dest.as_ref().map(|d| last4(&d.signing_secret)),
        signing_secret: None,
        specter_credits_floor: dest.as_ref().map(|d| d.specter_credits_floor),
        error_rate_percent: dest.as_ref().map(|d| d.error_rate_percent),
        silent_after_minutes: dest.map(|d| d.silent_after_minutes).unwrap_or_default(),
        firing,
        recent,
    })
}

/// The share of the last 15 minutes' events that parked or needed a retry,
/// against the location's threshold (the cron checks it). `None`: too few events.
pub fn error_rate(points: &[SeriesPoint]) -> Option<(u64, u64)> {
    let (mut failed, mut all) = (0, 0);
    for p in points {
        failed += p.parked + p.retried;
        all += p.done + p.retried + p.parked;
    }
    (all >= ERROR_RATE_MIN_EVENTS).then_some((failed * 100 / all.max(1), all))
}

pub async fn check_error_rate<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<(), WorldError> {
    let Some(dest) = destination(world, settings).await? else {
        return Ok(());
    };
    let since = world.now_ms().saturating_sub(ERROR_RATE_SPAN_MS);
    let summary = world.event_summary(since, ERROR_RATE_SPAN_MS).await?;
    let (firing, detail) = match error_rate(&summary.points) {
        Some((percent, all)) => (
            percent > dest.error_rate_percent,
            format!(
                "{percent}% of {all} events parked or retried (threshold {}%)",
                dest.error_rate_percent
            ),
        ),
        None => (false, "too few events to judge".to_string()),
    };
    observe(world, settings, AlertCondition::ErrorRate, firing, &detail).await
}

/// GHL's daily allowance as last seen (see `ghl_access`): under 10% fires.
/// A figure older than a day says nothing of today's.
pub async fn check_daily_allowance<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<(), WorldError> {
    let daily = world
        .kv_get(DAILY_KEY.into())
        .await?
        .and_then(|v| crate::json::from_value::<DailyAllowance>(v).ok())
        .filter(|d| world.now_ms().saturating_sub(d.at_ms) < DAY_MS);
    let (firing, detail) = match daily {
        Some(d) => (
            d.is_low(),
            format!("{} of {} calls left today", d.remaining, d.limit),
        ),
        None => (false, "no recent figure from GHL".to_string()),
    };
    let condition = AlertCondition::DailyAllowanceLow;
    observe(world, settings, condition, firing, &detail).await
}

/// The sources that sent nothing for longer than their expected interval
/// (each source's last event, newest first by the store's index).
pub async fn check_silent_sources<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<(), WorldError> {
    let Some(dest) = destination(world, settings).await? else {
        return Ok(());
    };
    let now = world.now_ms();
    let mut silent = Vec::new();
    for (source, minutes) in &dest.silent_after_minutes {
        let last = world
            .events(EventQuery {
                source_id: Some(source.clone()),
                limit: 1,
                ..EventQuery::default()
            })
            .await?
            .events
            .first()
            .map(|e| e.received_at_ms);
        if let Some(line) = silence(source, *minutes, last, now) {
            silent.push(line);
        }
    }
    let detail = if silent.is_empty() {
        "every source sent within its interval".to_string()
    } else {
        silent.join("; ")
    };
    let condition = AlertCondition::SourceSilent;
    observe(world, settings, condition, !silent.is_empty(), &detail).await
}

/// How a source expected every `minutes` stands, if it is silent: its last
/// event at `last_ms` (none: nothing ever came, counted from now).
fn silence(source: &str, minutes: u64, last_ms: Option<u64>, now_ms: u64) -> Option<String> {
    let Some(last) = last_ms else {
        return Some(format!(
            "`{source}` has sent nothing yet (expected every {minutes} min)"
        ));
    };
    let quiet_min = now_ms.saturating_sub(last) / 60_000;
    (quiet_min >= minutes.max(1)).then(|| {
        format!("`{source}` has sent nothing for {quiet_min} min (expected every {minutes} min)")
    })
}

/// Specter's credits after a poll, against the location's floor.
pub async fn after_specter_poll<W: World>(
    world: &W,
    settings: &LocationSettings,
    credits_remaining: Option<u64>,
) -> Result<(), WorldError> {
    let Some(left) = credits_remaining else {
        return Ok(());
    };
    let floor = destination(world, settings)
        .await?
        .map_or(DEFAULT_CREDITS_FLOOR, |d| d.specter_credits_floor);
    let detail = format!("{left} credits left (floor {floor})");
    observe(
        world,
        settings,
        AlertCondition::SpecterCreditsLow,
        left < floor,
        &detail,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_firing_message_an_hour_and_a_resolution_when_it_clears() {
        let mut s = ConditionState::default();
        let t = 1_000_000;
        assert_eq!(decide(&mut s, true, t), Notice::Send(AlertState::Firing));
        assert_eq!(
            decide(&mut s, true, t + 60_000),
            Notice::Nothing,
            "still firing, told already"
        );
        assert_eq!(
            decide(&mut s, false, t + 120_000),
            Notice::Send(AlertState::Resolved)
        );
        assert_eq!(decide(&mut s, false, t + 130_000), Notice::Nothing);
        assert_eq!(
            decide(&mut s, true, t + 180_000),
            Notice::Nothing,
            "fired again within the hour: not told"
        );
        assert_eq!(
            decide(&mut s, false, t + 200_000),
            Notice::Nothing,
            "nothing owed"
        );
        assert_eq!(
            decide(&mut s, true, t + QUIET_MS + 1),
            Notice::Send(AlertState::Firing)
        );
    }

    #[test]
    fn the_error_rate_counts_parked_and_retried_events_and_needs_enough_of_them() {
        let p = |done, retried, parked| SeriesPoint {
            done,
            retried,
            parked,
            ..SeriesPoint::default()
        };
        assert_eq!(error_rate(&[p(3, 1, 1)]), None, "5 events say nothing");
        assert_eq!(error_rate(&[p(8, 1, 1), p(10, 0, 0)]), Some((10, 20)));
        assert_eq!(error_rate(&[p(2, 4, 4)]), Some((80, 10)));
    }

    #[test]
    fn slack_gets_its_text_body_and_others_a_signed_standard_webhook() {
        let dest = |url: &str| AlertDestination {
            webhook_url: url.into(),
            signing_secret: "whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0".into(),
            specter_credits_floor: 100,
            error_rate_percent: 20,
            silent_after_minutes: BTreeMap::new(),
        };
        let slack = alert_request(
            &dest("https://hooks.slack.com/services/T/B/x"),
            "loc",
            AlertCondition::EventParked,
            AlertState::Firing,
            "hello",
            1_795_000_000_000,
        );
        assert_eq!(slack.body.as_deref(), Some(r#"{"text":"hello"}"#));
        assert!(slack.header("webhook-signature").is_none());
        let signed = alert_request(
            &dest("https://ops.example/hook"),
            "loc",
            AlertCondition::EventParked,
            AlertState::Resolved,
            "ok",
            1_795_000_000_000,
        );
        let body = signed.body.clone().unwrap();
        assert!(body.contains(r#""type":"alert.resolved""#), "{body}");
        let verified = standard_webhooks::verify(
            "whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0",
            signed.header("webhook-id"),
            signed.header("webhook-timestamp"),
            signed.header("webhook-signature"),
            body.as_bytes(),
            1_795_000_000,
        );
        assert!(verified.is_ok(), "{verified:?}");
    }

    #[test]
    fn a_source_is_silent_past_its_interval_and_one_that_never_sent_is_too() {
        let t = 10 * 60 * 60_000;
        assert_eq!(silence("demo", 60, Some(t - 59 * 60_000), t), None);
        assert_eq!(
            silence("demo", 60, Some(t - 61 * 60_000), t).as_deref(),
            Some("`demo` has sent nothing for 61 min (expected every 60 min)")
        );
        assert!(silence("spothit-status", 30, None, t)
            .unwrap()
            .contains("nothing yet"));
    }

    #[test]
    fn the_daily_allowance_is_low_under_a_tenth() {
        let d = |remaining| DailyAllowance {
            remaining,
            limit: 200_000,
            at_ms: 0,
        };
        assert!(!d(20_000).is_low());
        assert!(d(19_999).is_low());
        assert!(d(0).is_low());
    }
}
