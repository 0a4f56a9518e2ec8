//! The queue consumer: each message is one attempt of the core pipeline
//! (inbound, or sync back for GHL events), run inside the location's Durable
//! Object (see `attempt`); what it came to says whether to ack the message
//! or put it back with a delay. The Worker's own trouble
//! (storage, a binding) retries the message, never drops it. A batch runs in
//! one lane per location, side by side; one log line per batch says how long
//! each lane took (the batch ends with its slowest lane). The live and the
//! paced queue (see core `EventQueue`) both come here; a live message held
//! back for later moves to the paced one.

use crate::store_client::AttemptAsked;
use crate::store_client::StoreClient;
use crate::world::enqueue;
use futures_util::future::join_all;
use ghl_bridge::sync::{lanes_by_location, EventQueue, QueuedEvent};
use serde_json::{json, Value};
use worker::{
    console_log, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Result,
};

pub async fn run(batch: MessageBatch<QueuedEvent>, env: &Env) -> Result<()> {
    let started = now_ms();
    let queue_name = batch.queue();
    let queue = queue_named(&queue_name);
    let messages = batch.messages()?;
    crate::usage::count(|u| u.queue_reads += messages.len() as u64);
    let lanes = lanes_by_location(messages, |m| m.body().location.as_str());
    let took = join_all(lanes.iter().map(|lane| run_lane(lane, queue, env))).await;
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

/// One location's messages, one after another, each attempted inside the
/// location's Durable Object; those left when the lane's time is up go back
/// to the queue unattempted, and the one running then waits for the budget
/// no longer than that. Answers how long the lane took, in ms.
async fn run_lane(lane: &[Message<QueuedEvent>], queue: EventQueue, env: &Env) -> u64 {
    let started = now_ms();
    let deadline_ms = started + LANE_TIME_MS;
    match StoreClient::for_location(env, &lane[0].body().location) {
        Ok(store) => {
            for message in lane {
                if now_ms() > deadline_ms {
                    put_back(message, queue, env, 1).await;
                    continue;
                }
                handle(message, queue, env, &store, deadline_ms).await;
            }
        }
        Err(why) => lane.iter().for_each(|m| failed(m, &why.to_string())),
    }
    now_ms() - started
}

/// One message: its attempt, then ack or put back.
async fn handle(
    message: &Message<QueuedEvent>,
    queue: EventQueue,
    env: &Env,
    store: &StoreClient,
    deadline_ms: u64,
) {
    let asked = AttemptAsked {
        event: message.body().clone(),
        deadline_ms,
    };
    match store.attempt(&asked).await {
        Ok(attempted) => {
            // One log line per attempt, naming its event.
            console_log!("{}", attempted.line);
            match attempted.retry_after_seconds {
                None => message.ack(),
                Some(delay) => put_back(message, queue, env, delay).await,
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

/// Puts a message back for `delay_seconds`: on the queue the core says
/// (moved by sending it there anew, then acking this one; if that send fails,
/// retried where it is), so a busy location's returns leave the live queue.
async fn put_back(message: &Message<QueuedEvent>, from: EventQueue, env: &Env, delay_seconds: u32) {
    if let Some(moved) = message.body().moved_off(from, delay_seconds) {
        match enqueue(env, moved).await {
            Ok(()) => return message.ack(),
            Err(e) => log_error(message, &e.to_string()),
        }
    }
    retry(message, delay_seconds);
}

fn retry(message: &Message<QueuedEvent>, delay_seconds: u32) {
    crate::usage::count(|u| u.queue_retries += 1);
    message.retry_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay_seconds)
            .build(),
    );
}
