//! The queue consumer: each message is one attempt of the core pipeline
//! (inbound, or sync back for GHL events); what it came to says whether to
//! ack the message or put it back with a delay. The Worker's own trouble
//! (storage, a binding) retries the message, never drops it. A batch runs in
//! one lane per location, side by side; one log line per batch says how long
//! each lane took (the batch ends with its slowest lane). The live and the
//! paced queue (see core `EventQueue`) both come here; a live message held
//! back for later moves to the paced one.

use crate::config::Config;
use crate::world::WorkerWorld;
use futures_util::future::join_all;
use ghl_bridge::sync::{
    inbound, lanes_by_location, sync_back, Disposition, EventQueue, LocationSettings, QueuedEvent,
    QueuedKind, Run, World,
};
use serde_json::{json, Value};
use worker::{
    console_log, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Result,
};

pub async fn run(batch: MessageBatch<QueuedEvent>, env: &Env) -> Result<()> {
    let cfg = Config::from_env(env);
    let started = now_ms();
    let queue_name = batch.queue();
    let queue = queue_named(&queue_name);
    let lanes = lanes_by_location(batch.messages()?, |m| m.body().location.as_str());
    let took = join_all(lanes.iter().map(|lane| run_lane(lane, queue, env, &cfg))).await;
    let lanes: Vec<Value> = lanes
        .iter()
        .zip(took)
        .map(|(lane, ms)| {
            let events: Vec<&str> = lane.iter().map(|m| m.body().key.as_str()).collect();
            json!({"location": lane[0].body().location, "messages": lane.len(), "ms": ms, "events": events})
        })
        .collect();
    console_log!(
        "{}",
        json!({"level": "info", "batch": {"queue": queue_name, "ms": now_ms() - started, "lanes": lanes}})
    );
    Ok(())
}

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// The paced queue's name in `wrangler.toml`; any other queue is the live one.
const PACED_QUEUE_NAME: &str = "ghl-bridge-paced";

fn queue_named(name: &str) -> EventQueue {
    if name == PACED_QUEUE_NAME {
        EventQueue::Paced
    } else {
        EventQueue::Live
    }
}

/// How long one location's lane may hold its batch. A batch ends with its
/// slowest lane, and a location sending faster than its GHL budget runs its
/// lane at the budget's pace (a 2,000-contact backfill: 3 contacts a second),
/// so without a bound the other locations' live leads wait for it.
const LANE_TIME_MS: u64 = 1_000;

/// One location's messages, one after another, with its store and settings
/// read once for them all; those left when the lane's time is up go back to
/// the queue unattempted, and the one running then waits for the budget no
/// longer than that. Answers how long the lane took, in ms.
async fn run_lane(
    lane: &[Message<QueuedEvent>],
    queue: EventQueue,
    env: &Env,
    cfg: &Config,
) -> u64 {
    let started = now_ms();
    let deadline = started + LANE_TIME_MS;
    let location = &lane[0].body().location;
    match lane_world(env, cfg, location).await {
        Ok((world, settings)) => {
            world.wait_until(deadline);
            for message in lane {
                if now_ms() > deadline {
                    put_back(message, queue, &world, 1).await;
                    continue;
                }
                handle(message, queue, &world, &settings).await;
            }
        }
        Err(why) => lane.iter().for_each(|m| failed(m, &why)),
    }
    now_ms() - started
}

/// The location's world and settings, which every message of its lane uses.
async fn lane_world<'a>(
    env: &'a Env,
    cfg: &Config,
    location: &str,
) -> std::result::Result<(WorkerWorld<'a>, LocationSettings), String> {
    let world = WorkerWorld::for_location(env, location).map_err(|e| e.to_string())?;
    let settings = world
        .settings(cfg, location)
        .await
        .map_err(|e| e.to_string())?;
    Ok((world, settings))
}

/// One message: its attempt, then ack or put back.
async fn handle(
    message: &Message<QueuedEvent>,
    queue: EventQueue,
    world: &WorkerWorld<'_>,
    settings: &LocationSettings,
) {
    let event = message.body();
    // One log line per attempt, naming its event.
    let ran = match event.kind {
        QueuedKind::Inbound => inbound::run(world, settings, &event.key)
            .await
            .map(|run| logged(run, |r, s| json!({"event": r.key, "source": r.source_id,
                "attempt": r.attempts, "outcome": s.outcome, "contactId": r.contact_id, "detail": s.detail}))),
        QueuedKind::Ghl => sync_back::run(world, settings, &event.key)
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
                Disposition::RetryAfterSeconds(delay) => {
                    put_back(message, queue, world, delay).await
                }
            }
        }
        Err(e) => failed(message, &e.to_string()),
    }
}

/// The Worker's own trouble (storage, a binding): logged, and the message
/// tried again in 5 s, never dropped.
fn failed(message: &Message<QueuedEvent>, why: &str) {
    log_error(message, why);
    retry(message, 5);
}

fn log_error(message: &Message<QueuedEvent>, why: &str) {
    console_log!(
        "{}",
        json!({"level": "error", "event": message.body().key, "msg": why})
    );
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

/// Puts a message back for `delay_seconds`: on the queue the core says
/// (moved by sending it there anew, then acking this one; if that send fails,
/// retried where it is), so a busy location's returns leave the live queue.
async fn put_back(
    message: &Message<QueuedEvent>,
    from: EventQueue,
    world: &WorkerWorld<'_>,
    delay_seconds: u32,
) {
    if let Some(moved) = message.body().moved_off(from, delay_seconds) {
        match world.enqueue(moved).await {
            Ok(()) => return message.ack(),
            Err(e) => log_error(message, &e.to_string()),
        }
    }
    retry(message, delay_seconds);
}

fn retry(message: &Message<QueuedEvent>, delay_seconds: u32) {
    message.retry_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay_seconds)
            .build(),
    );
}
