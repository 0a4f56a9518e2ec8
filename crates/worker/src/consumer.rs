//! The queue consumer: one event at a time, through the mapping and the core's
//! planner to GHL. Retryable failures (429, 5xx, network) go back on the queue
//! with backoff; permanent ones, or too many attempts, park the event as a dead
//! letter with its reason. Follow-up steps already done are not repeated.

use crate::config::Config;
use crate::ghl_http;
use crate::store::{EventRecord, EventStatus, QueuedEvent, Store};
use ghl_bridge::dedupe::{decide, IdentityDecision};
use ghl_bridge::ghl::contacts::UpsertedContact;
use ghl_bridge::ghl::{build_request, Call, GhlError, GhlTarget};
use ghl_bridge::mapping::{builtin_template, parse_payload, ApplyOptions, Mapping, PayloadFormat};
use ghl_bridge::sync::{backoff_seconds, follow_up_requests, upsert_call, MAX_ATTEMPTS};
use serde_json::json;
use worker::{
    console_log, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Result,
};

/// What happened to one attempt.
pub(crate) enum Attempt {
    Done,
    Retry {
        reason: String,
        hint_ms: Option<u64>,
    },
    Park(String),
}

pub async fn run(batch: MessageBatch<QueuedEvent>, env: &Env) -> Result<()> {
    let cfg = Config::from_env(env);
    for message in batch.messages()? {
        let handled = if message.body().is_ghl() {
            crate::outbound::handle(&message, env, &cfg).await
        } else {
            handle(&message, env, &cfg).await
        };
        if let Err(e) = handled {
            // Our own trouble (storage, bindings): retry the message, never drop it.
            console_log!(
                "{}",
                json!({"level": "error", "event": message.body().key, "msg": e.to_string()})
            );
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(5)
                    .build(),
            );
        }
    }
    Ok(())
}

async fn handle(message: &Message<QueuedEvent>, env: &Env, cfg: &Config) -> Result<()> {
    let QueuedEvent { key, location, .. } = message.body().clone();
    let store = Store::for_location(env, &location)?;
    let claimed = store.call("/claim", json!({"key": key})).await?;
    let Ok(mut record) = serde_json::from_value::<EventRecord>(claimed["record"].clone()) else {
        // Done or parked already (a redelivered message), or unknown: nothing to do.
        console_log!(
            "{}",
            json!({"level": "info", "event": key, "outcome": "skipped", "detail": claimed["skip"]})
        );
        message.ack();
        return Ok(());
    };
    let attempt = process(&mut record, &store, cfg, &location).await?;
    let settled = settle(attempt, record.attempts, message);
    record.status = settled.status;
    record.error = settled.error;
    console_log!(
        "{}",
        json!({"level": "info", "event": record.key, "source": record.source_id, "attempt": record.attempts, "outcome": settled.outcome, "contactId": record.contact_id, "detail": settled.detail})
    );
    store.call("/update", json!({"record": record})).await?;
    Ok(())
}

/// Where an event stands after an attempt, for its record and the log.
pub(crate) struct Settled {
    pub status: EventStatus,
    pub error: Option<String>,
    /// `done`, `retry` or `parked`.
    pub outcome: &'static str,
    pub detail: String,
}

/// Acks the message, or puts it back with backoff while attempts remain, and
/// says where the event stands. Inbound events and GHL syncs settle alike.
pub(crate) fn settle(attempt: Attempt, attempts: u32, message: &Message<QueuedEvent>) -> Settled {
    let parked = |error: String, detail: String| Settled {
        status: EventStatus::Parked,
        error: Some(error),
        outcome: "parked",
        detail,
    };
    match attempt {
        Attempt::Done => {
            message.ack();
            Settled {
                status: EventStatus::Done,
                error: None,
                outcome: "done",
                detail: String::new(),
            }
        }
        Attempt::Retry { reason, hint_ms } if attempts < MAX_ATTEMPTS => {
            let delay = backoff_seconds(attempts, hint_ms, js_sys::Math::random());
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(delay)
                    .build(),
            );
            Settled {
                status: EventStatus::Queued,
                error: Some(format!(
                    "attempt {attempts} failed, retrying in {delay}s: {reason}"
                )),
                outcome: "retry",
                detail: reason,
            }
        }
        Attempt::Retry { reason, .. } => {
            message.ack();
            parked(
                format!("gave up after {attempts} attempts: {reason}"),
                reason,
            )
        }
        Attempt::Park(reason) => {
            message.ack();
            parked(reason.clone(), reason)
        }
    }
}

/// Calls per location per window the Worker allows itself: below GHL's 100 per
/// 10 s, so other apps on the location and clock skew leave room.
const CALLS_PER_WINDOW: u32 = 90;
const WINDOW_MS: u64 = 10_000;
/// Longest wait inside one attempt; beyond it the message goes back on the queue.
const MAX_WAIT_MS: u64 = 12_000;

/// Sends one GHL call within the location's budget. `Ok(None)` means the budget
/// stayed full too long: retry the event later (not GHL's fault, not an error).
pub(crate) async fn send_within_budget(
    store: &Store,
    request: &ghl_bridge::http::HttpRequest,
) -> Result<Option<std::result::Result<ghl_bridge::http::HttpResponse, String>>> {
    let mut waited = 0;
    loop {
        let answer = store
            .call(
                "/rate/acquire",
                json!({"limit": CALLS_PER_WINDOW, "windowMs": WINDOW_MS}),
            )
            .await?;
        if answer["granted"] == true {
            break;
        }
        let wait = answer["waitMs"].as_u64().unwrap_or(1_000).max(50);
        if waited + wait > MAX_WAIT_MS {
            return Ok(None);
        }
        worker::Delay::from(std::time::Duration::from_millis(wait)).await;
        waited += wait;
    }
    Ok(Some(
        ghl_http::send(request).await.map_err(|e| e.to_string()),
    ))
}

pub(crate) fn budget_full() -> Attempt {
    Attempt::Retry {
        reason: "the location's call budget is used up for now".into(),
        hint_ms: Some(WINDOW_MS),
    }
}

/// A retryable GHL error goes back on the queue; a 429 also pauses the whole
/// location so other events do not run into the same wall. Anything else parks.
pub(crate) async fn classify(store: &Store, e: GhlError) -> Result<Attempt> {
    if let GhlError::RateLimited { .. } = &e {
        let ms = e.retry_hint_ms().unwrap_or(WINDOW_MS);
        store.call("/rate/pause", json!({"ms": ms})).await?;
    }
    Ok(if e.is_retryable() {
        Attempt::Retry {
            hint_ms: e.retry_hint_ms(),
            reason: e.to_string(),
        }
    } else {
        Attempt::Park(format!("GHL refused: {e}"))
    })
}

async fn load_mapping(
    store: &Store,
    source_id: &str,
    region: Option<&str>,
) -> Result<std::result::Result<Mapping, String>> {
    let stored = store
        .call("/mapping/get", json!({"sourceId": source_id}))
        .await?;
    let text = match stored["mapping"].as_str() {
        Some(t) => t.to_string(),
        // No stored mapping: the source's built-in template (spothit-stop, ...),
        // else the generic web form.
        None => builtin_template(source_id)
            .or_else(|| builtin_template("web-form"))
            .map(|t| t.mapping.to_string())
            .unwrap_or_default(),
    };
    Ok(Mapping::parse(&text)
        .map(|m| m.with_default_phone_region(region))
        .map_err(|errors| {
            format!(
                "the mapping for `{source_id}` is invalid: {}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }))
}

async fn process(
    record: &mut EventRecord,
    store: &Store,
    cfg: &Config,
    location: &str,
) -> Result<Attempt> {
    let token = match crate::auth::ghl_token(cfg, store).await? {
        Ok(t) => t,
        Err(attempt) => return Ok(attempt),
    };
    let target = GhlTarget {
        base_url: cfg.ghl_base_url.clone(),
        token,
    };
    let mapping = match load_mapping(
        store,
        &record.source_id,
        cfg.default_phone_region.as_deref(),
    )
    .await?
    {
        Ok(m) => m,
        Err(reason) => return Ok(Attempt::Park(reason)),
    };
    let format = if record.format == "form" {
        PayloadFormat::Form
    } else {
        PayloadFormat::Json
    };
    let payload = match parse_payload(&record.payload, format) {
        Ok(p) => p,
        Err(e) => return Ok(Attempt::Park(e.to_string())),
    };
    let outcome = mapping.apply(
        &payload,
        &ApplyOptions {
            now_unix: (record.received_at_ms / 1000) as i64,
        },
    );
    record.warnings = outcome.warnings.iter().map(|w| w.message.clone()).collect();
    if let Some(error) = outcome.errors.first() {
        return Ok(Attempt::Park(error.message.clone()));
    }

    // Identity: never merge two contacts blindly.
    let keys = outcome.identity.all();
    let known = store.call("/identity/get", json!({"keys": keys})).await?;
    let lookup = |k: Option<&String>, prefix: &str| -> Option<String> {
        k.and_then(|v| {
            known["matches"][format!("{prefix}:{v}")]
                .as_str()
                .map(String::from)
        })
    };
    let decision = decide(
        &outcome.identity,
        lookup(outcome.identity.email.as_ref(), "email").as_deref(),
        lookup(outcome.identity.phone.as_ref(), "phone").as_deref(),
    );
    if let IdentityDecision::Conflict {
        email_contact_id,
        phone_contact_id,
    } = decision
    {
        return Ok(Attempt::Park(format!(
            "identity conflict: the e-mail belongs to contact {email_contact_id} and the phone to contact {phone_contact_id}; nothing was written"
        )));
    }

    // The upsert is idempotent; it runs on every attempt until the contact id is known.
    if record.contact_id.is_none() {
        let call = upsert_call(&outcome, location);
        let request = match build_request(&call, &target) {
            Ok(r) => r,
            Err(e) => return Ok(Attempt::Park(e.to_string())),
        };
        let response = match send_within_budget(store, &request).await? {
            None => return Ok(budget_full()),
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                return Ok(Attempt::Retry {
                    reason: format!("network: {e}"),
                    hint_ms: None,
                })
            }
        };
        record.ghl_calls += 1;
        let upserted: UpsertedContact = match call.parse(&response) {
            Ok(u) => u,
            Err(e) => return classify(store, e).await,
        };
        // GHL drops a phone that belongs to another contact without saying so:
        // warn, and do not cache that phone as this contact's.
        let mut cached_keys = keys.clone();
        if let (Some(sent), Some(kept)) = (&outcome.identity.phone, &upserted.contact.phone) {
            if sent != kept {
                record.warnings.push(format!(
                    "GHL kept phone {kept} on contact {}: {sent} belongs to another contact",
                    upserted.contact.id
                ));
                cached_keys.retain(|k| *k != format!("phone:{sent}"));
            }
        }
        record.contact_id = Some(upserted.contact.id.clone());
        record.action = Some(if upserted.new {
            "created".into()
        } else {
            "updated".into()
        });
        store
            .call(
                "/identity/put",
                json!({"keys": cached_keys, "contactId": upserted.contact.id}),
            )
            .await?;
        // A contact brought from Specter keeps its Specter person, for the
        // rules that add contacts to Specter lists.
        if let Some(person) = payload.get("person_id").and_then(|p| p.as_str()) {
            if record.source_id.starts_with("specter") {
                store
                    .kv_put(
                        &format!("specter-person:{}", upserted.contact.id),
                        json!(person),
                    )
                    .await?;
            }
        }
        store.call("/update", json!({"record": record})).await?;
    }

    let contact_id = record.contact_id.clone().unwrap_or_default();
    let steps = match follow_up_requests(&outcome, &contact_id, location, &target) {
        Ok(s) => s,
        Err(e) => return Ok(Attempt::Park(e.to_string())),
    };
    for step in steps.iter().skip(record.steps_done) {
        if step.kind == "tags" {
            store
                .call(
                    "/tags/merge",
                    json!({"contactId": contact_id, "tags": outcome.tags}),
                )
                .await?;
        }
        let response = match send_within_budget(store, &step.request).await? {
            None => return Ok(budget_full()),
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                return Ok(Attempt::Retry {
                    reason: format!("network on {}: {e}", step.kind),
                    hint_ms: None,
                })
            }
        };
        record.ghl_calls += 1;
        if !(200..300).contains(&response.status) {
            return classify(store, GhlError::from_response(&response)).await;
        }
        record.steps_done = step.index + 1;
        store.call("/update", json!({"record": record})).await?;
    }
    Ok(Attempt::Done)
}
