//! The queue consumer: each message is one attempt of the core pipeline
//! (inbound, or sync back for GHL events); what it came to says whether to
//! ack the message or put it back with a delay. The Worker's own trouble
//! (storage, a binding) retries the message, never drops it.

use crate::config::Config;
use crate::world::WorkerWorld;
use ghl_bridge::sync::{inbound, sync_back, Disposition, QueuedEvent, QueuedKind, Run};
use serde_json::{json, Value};
use worker::{
    console_log, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Result,
};

pub async fn run(batch: MessageBatch<QueuedEvent>, env: &Env) -> Result<()> {
    let cfg = Config::from_env(env);
    // One after another. Side by side (the whole batch at once), workerd run
    // locally ran out of sockets in the many-locations load run.
    for message in batch.messages()? {
        handle(&message, env, &cfg).await;
    }
    Ok(())
}

/// One message: its attempt, then ack or put back.
async fn handle(message: &Message<QueuedEvent>, env: &Env, cfg: &Config) {
    let event = message.body().clone();
    let world = match WorkerWorld::for_location(env, &event.location) {
        Ok(w) => w,
        Err(e) => return failed(message, &event, &e.to_string()),
    };
    let settings = match world.settings(cfg, &event.location).await {
        Ok(s) => s,
        Err(e) => return failed(message, &event, &e.to_string()),
    };
    // One log line per attempt, naming its event.
    let ran = match event.kind {
        QueuedKind::Inbound => inbound::run(&world, &settings, &event.key)
            .await
            .map(|run| logged(run, |r, s| json!({"event": r.key, "source": r.source_id,
                "attempt": r.attempts, "outcome": s.outcome, "contactId": r.contact_id, "detail": s.detail}))),
        QueuedKind::Ghl => sync_back::run(&world, &settings, &event.key)
            .await
            .map(|run| logged(run, |e, s| json!({"ghlEvent": e.webhook_id, "type": e.event_type,
                "contactId": e.contact_id, "outcome": s.outcome, "detail": s.detail}))),
    };
    match ran {
        Ok((disposition, line)) => {
            let mut line = line.unwrap_or_else(|| json!({"outcome": "skipped"}));
            line["level"] = json!("info");
            if line.get("ghlEvent").is_none() {
                line["event"] = json!(event.key);
            }
            console_log!("{line}");
            match disposition {
                Disposition::Ack => message.ack(),
                Disposition::RetryAfterSeconds(delay) => retry(message, delay),
            }
        }
        Err(e) => failed(message, &event, &e.to_string()),
    }
}

/// The Worker's own trouble (storage, a binding): logged, and the message
/// tried again in 5 s, never dropped.
fn failed(message: &Message<QueuedEvent>, event: &QueuedEvent, why: &str) {
    console_log!(
        "{}",
        json!({"level": "error", "event": event.key, "msg": why})
    );
    retry(message, 5);
}

/// The message's disposition, and the attempt's log line if one ran.
fn logged<T>(
    run: Run<T>,
    line: impl Fn(&T, &ghl_bridge::sync::Settled) -> Value,
) -> (Disposition, Option<Value>) {
    let disposition = run.disposition();
    match run {
        Run::Attempted(record, settled) => (disposition, Some(line(&record, &settled))),
        Run::Skipped => (disposition, None),
        Run::HeldElsewhere => (disposition, Some(json!({"outcome": "heldElsewhere"}))),
    }
}

fn retry(message: &Message<QueuedEvent>, delay_seconds: u32) {
    message.retry_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay_seconds)
            .build(),
    );
}
