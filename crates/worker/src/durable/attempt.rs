//! One attempt of a queued event, run inside its location's Durable Object.
//! The consumer sends the event there (one request) instead of running the
//! pipeline itself, where each of the attempt's store operations was a
//! request to the Durable Object of its own (about 15 for a new web-form
//! lead). The answer says what the queue message should do, with the
//! attempt's log line, which the consumer prints.

use super::BridgeStore;
use crate::config::Config;
use crate::store_client::{AttemptAsked, Attempted};
use crate::world::WorkerWorld;
use ghl_bridge::sync::{inbound, sync_back, Disposition, QueuedKind, Run, Settled, WorldError};
use serde_json::{json, Value};
use worker::Env;

/// Runs the attempt against `store`, the location's own Durable Object, with
/// the deployment's `config` (which the Durable Object read once).
pub(super) async fn run(
    store: &BridgeStore,
    env: &Env,
    config: &Config,
    asked: AttemptAsked,
) -> Result<Attempted, WorldError> {
    let event = asked.event;
    let world = WorkerWorld::inside(env, store);
    world.wait_until(asked.deadline_ms);
    let settings = world.settings(config, &event.location).await?;
    let (disposition, line) = match event.kind {
        QueuedKind::Inbound => logged(
            inbound::run(&world, &settings, &event.key).await?,
            |r, s| {
                json!({"event": r.key, "source": r.source_id, "attempt": r.attempts,
                "outcome": s.outcome, "contactId": r.contact_id, "detail": s.detail})
            },
        ),
        QueuedKind::Ghl => logged(
            sync_back::run(&world, &settings, &event.key).await?,
            |e, s| {
                json!({"ghlEvent": e.webhook_id, "type": e.event_type,
                "contactId": e.contact_id, "outcome": s.outcome, "detail": s.detail})
            },
        ),
    };
    let mut line = line.unwrap_or_else(|| json!({"outcome": "skipped"}));
    line["level"] = json!("info");
    if line.get("ghlEvent").is_none() {
        line["event"] = json!(event.key);
    }
    Ok(Attempted {
        retry_after_seconds: match disposition {
            Disposition::Ack => None,
            Disposition::RetryAfterSeconds(delay) => Some(delay),
        },
        line,
    })
}

/// The message's disposition, and the attempt's log line if one ran.
fn logged<T>(run: Run<T>, line: impl Fn(&T, &Settled) -> Value) -> (Disposition, Option<Value>) {
    let disposition = run.disposition();
    match run {
        Run::Attempted(record, settled) => (disposition, Some(line(&record, &settled))),
        Run::Skipped => (disposition, None),
        Run::HeldElsewhere => (disposition, Some(json!({"outcome": "heldElsewhere"}))),
    }
}
