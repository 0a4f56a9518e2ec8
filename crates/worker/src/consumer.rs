//! The queue consumer: one event at a time, through the mapping and the core's
//! planner to GHL. Retryable failures (429, 5xx, network) go back on the queue
//! with backoff; permanent ones, or too many attempts, park the event as a dead
//! letter with its reason. Follow-up steps already done are not repeated.

use crate::config::Config;
use crate::ghl_http;
use crate::store::{EventRecord, QueuedEvent, Store};
use ghl_bridge::dedupe::{decide, IdentityDecision};
use ghl_bridge::ghl::contacts::UpsertedContact;
use ghl_bridge::ghl::{GhlError, GhlTarget};
use ghl_bridge::mapping::{builtin_template, parse_payload, ApplyOptions, Mapping, PayloadFormat};
use ghl_bridge::sync::{backoff_seconds, follow_up_requests, upsert_request, MAX_ATTEMPTS};
use serde_json::json;
use worker::{
    console_log, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder, Result,
};

/// What happened to one attempt.
enum Attempt {
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
        if let Err(e) = handle(&message, env, &cfg).await {
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
    let QueuedEvent { key, location } = message.body().clone();
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
    let log = |outcome: &str, detail: &str| {
        console_log!(
            "{}",
            json!({"level": "info", "event": record.key, "source": record.source_id, "attempt": record.attempts, "outcome": outcome, "contactId": record.contact_id, "detail": detail})
        );
    };
    match attempt {
        Attempt::Done => {
            record.status = "done".into();
            record.error = None;
            log("done", "");
            message.ack();
        }
        Attempt::Retry { reason, hint_ms } if record.attempts < MAX_ATTEMPTS => {
            let delay = backoff_seconds(record.attempts, hint_ms, js_sys::Math::random());
            record.status = "queued".into();
            record.error = Some(format!(
                "attempt {} failed, retrying in {delay}s: {reason}",
                record.attempts
            ));
            log("retry", &reason);
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(delay)
                    .build(),
            );
        }
        Attempt::Retry { reason, .. } => {
            record.status = "parked".into();
            record.error = Some(format!(
                "gave up after {} attempts: {reason}",
                record.attempts
            ));
            log("parked", &reason);
            message.ack();
        }
        Attempt::Park(reason) => {
            record.status = "parked".into();
            record.error = Some(reason.clone());
            log("parked", &reason);
            message.ack();
        }
    }
    store.call("/update", json!({"record": record})).await?;
    Ok(())
}

fn classify(e: GhlError) -> Attempt {
    if e.is_retryable() {
        Attempt::Retry {
            hint_ms: e.retry_hint_ms(),
            reason: e.to_string(),
        }
    } else {
        Attempt::Park(format!("GHL refused: {e}"))
    }
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
        None => builtin_template("web-form")
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
    let Some(token) = cfg.ghl_token.clone() else {
        return Ok(Attempt::Park(
            "no GHL token is configured (GHL_TOKEN)".into(),
        ));
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
        let request = match upsert_request(&outcome, location, &target) {
            Ok(r) => r,
            Err(e) => return Ok(Attempt::Park(e.to_string())),
        };
        record.ghl_calls += 1;
        let response = match ghl_http::send(&request).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(Attempt::Retry {
                    reason: format!("network: {e}"),
                    hint_ms: None,
                })
            }
        };
        let upserted: UpsertedContact = match ghl_bridge::ghl::Call::parse(
            &ghl_bridge::ghl::contacts::UpsertContact {
                body: outcome.contact.to_upsert_body(location),
            },
            &response,
        ) {
            Ok(u) => u,
            Err(e) => return Ok(classify(e)),
        };
        // GHL drops a phone that belongs to another contact without saying so.
        if let (Some(sent), Some(kept)) = (&outcome.identity.phone, &upserted.contact.phone) {
            if sent != kept {
                record.warnings.push(format!(
                    "GHL kept phone {kept} on contact {}: {sent} belongs to another contact",
                    upserted.contact.id
                ));
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
                json!({"keys": keys, "contactId": upserted.contact.id}),
            )
            .await?;
        store.call("/update", json!({"record": record})).await?;
    }

    let contact_id = record.contact_id.clone().unwrap_or_default();
    let steps = match follow_up_requests(&outcome, &contact_id, location, &target) {
        Ok(s) => s,
        Err(e) => return Ok(Attempt::Park(e.to_string())),
    };
    for step in steps.iter().skip(record.steps_done) {
        record.ghl_calls += 1;
        let response = match ghl_http::send(&step.request).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(Attempt::Retry {
                    reason: format!("network on {}: {e}", step.kind),
                    hint_ms: None,
                })
            }
        };
        if !(200..300).contains(&response.status) {
            return Ok(classify(GhlError::from_response(&response)));
        }
        record.steps_done = step.index + 1;
        store.call("/update", json!({"record": record})).await?;
    }
    Ok(Attempt::Done)
}
