//! Inbound events, source -> GHL. Accepting one: its idempotency key, recorded
//! once, queued. Processing one (the queue consumer): claimed, mapped, checked
//! for an identity conflict, upserted (one call: GHL applies the location's
//! duplicate rule), then the follow-up steps it has not done yet; settled as
//! done, retried with backoff, or parked with its reason.

use super::alerts;
use super::attempt::{outcome, settle_claimed, Attempt, Flow, Halt, Run};
use super::budget::Lane;
use super::field_cache;
use super::ghl_access::{budget_grant, ghl_target, refused, send_granted, send_within_budget};
use super::notes;
use super::plan::{follow_up_requests, upsert_call, FollowUp};
use super::protocol::WorldError;
use super::provider;
use super::queue::QueuedEvent;
use super::records::received;
use super::settings::LocationSettings;
use super::triggers;
use super::world::World;
use crate::admin_api::ParkCode;
use crate::admin_api::{
    Accepted, ContactAction, EventRecord, EventStatus, GhlRequestLog, GhlStep, MappingUsed,
    GHL_REQUESTS_KEPT,
};
use crate::dedupe::{decide, idempotency_key, IdentityDecision};
use crate::ghl::contacts::UpsertedContact;
use crate::ghl::{build_request, Call, GhlError, GhlTarget};
use crate::http::{url_path_and_query, HttpRequest, HttpResponse};
use crate::mapping::{
    builtin_template, compiled, ApplyOptions, Mapping, MappingOutcome, NoteDraft, ParsedPayload,
    PayloadFormat,
};
use crate::sources::{EventKind, Source};
use crate::workflows::TriggerKey;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// On a record the queue refused.
const NOT_QUEUED: &str = "not queued yet: the queue refused it; the sender's retry queues it";

/// The shared door of every inbound event (webhooks, test events, the Specter
/// poller): recorded once in the location's store, then queued. A second
/// delivery answers `duplicate` with where the first one stands.
pub async fn accept<W: World>(
    world: &W,
    location: &str,
    source: Source<'_>,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
    payload: &Value,
) -> Result<Accepted, WorldError> {
    // A Spot-Hit callback whose `numero` came with a raw `+`: read as sent.
    let repaired = match (format, source.kind.is_spothit_callback()) {
        (PayloadFormat::Form, true) => crate::spothit::repair_callback_query(&text),
        _ => None,
    };
    let (text, reparsed) = match repaired {
        Some(fixed) => {
            let parsed = crate::mapping::parse_payload(&fixed, format).ok();
            (fixed, parsed)
        }
        None => (text, None),
    };
    let payload = reparsed.as_ref().unwrap_or(payload);
    let record = arrival(world, source, event_id, format, text, payload);
    let key = record.key.clone();
    if source.kind == EventKind::SpotHitStop {
        // Kept on arrival, before the event waits in the queue: nothing the
        // bridge sends from now on reaches the number.
        if let Some(phone) = crate::spothit::callback_number(payload) {
            super::consent::record_stop(world, &phone, record.received_at_ms).await?;
        }
    }
    let ingested = world.ingest(record).await?;
    if !ingested.accepted {
        // Recorded by a delivery whose queueing failed (it was answered 429):
        // this retry queues it, so nothing waits for the sweep.
        let first = &ingested.record;
        if first.status == EventStatus::Queued && first.error.as_deref() == Some(NOT_QUEUED) {
            let mut queued = first.clone();
            world.enqueue(QueuedEvent::inbound(location, &key)).await?;
            queued.error = None;
            world.update(queued).await?;
        }
        return Ok(Accepted {
            status: "duplicate".into(),
            event_id: key,
            outcome: Some(ingested.record.status),
        });
    }
    let message = QueuedEvent::inbound(location, &key).after_ms(ingested.delay_ms);
    if let Err(e) = world.enqueue(message).await {
        // Said on the record, so the sender's retry queues it (best effort:
        // the sweep puts back what is still queued after 15 minutes anyway).
        let mut unqueued = ingested.record;
        unqueued.error = Some(NOT_QUEUED.into());
        let _ = world.update(unqueued).await;
        return Err(e);
    }
    Ok(Accepted {
        status: "queued".into(),
        event_id: key,
        outcome: None,
    })
}

/// The record of a delivery as it arrives, keyed by its idempotency key.
fn arrival<W: World>(
    world: &W,
    source: Source<'_>,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
    payload: &Value,
) -> EventRecord {
    let key = idempotency_key(source.id, event_id.as_deref(), payload);
    received(key, source, event_id, format, text, world.now_ms())
}

/// An event for a location that uninstalled the app: recorded as ignored
/// (so an admin sees it arrived), never queued, no GHL call.
pub async fn ignore<W: World>(
    world: &W,
    source: Source<'_>,
    event_id: Option<String>,
    format: PayloadFormat,
    text: String,
    payload: &Value,
    reason: &str,
) -> Result<Accepted, WorldError> {
    let mut record = arrival(world, source, event_id, format, text, payload);
    let key = record.key.clone();
    record.status = EventStatus::Ignored;
    record.error = Some(reason.to_string());
    let ingested = world.ingest(record).await?;
    Ok(Accepted {
        status: if ingested.accepted {
            "ignored"
        } else {
            "duplicate"
        }
        .into(),
        event_id: key,
        outcome: Some(ingested.record.status),
    })
}

/// One attempt at the event `key`, saved.
pub async fn run<W: World>(
    world: &W,
    settings: &LocationSettings,
    key: &str,
) -> Result<Run<EventRecord>, WorldError> {
    let claimed = world.claim(key.to_string()).await?;
    let Some(mut record) = claimed.record else {
        return Ok(Run::not_claimed(claimed.skip));
    };
    let attempt = process(world, settings, &mut record).await?;
    let settled = settle_claimed(attempt, &mut record.attempts, world.random());
    record.status = settled.status;
    record.error = settled.error.clone();
    record.reason_code = settled.code;
    world.update(record.clone()).await?;
    alerts::after_event(world, settings, record.status, record.error.as_deref()).await?;
    if record.status == EventStatus::Parked {
        parked_trigger(world, settings, &record).await;
    }
    Ok(Run::Attempted(record, settled))
}

/// `bridge_event_parked`, once per parking: best effort, since the event is
/// parked already and its dead letter says the same.
async fn parked_trigger<W: World>(world: &W, settings: &LocationSettings, record: &EventRecord) {
    let variables = json!({"contactId": record.contact_id.clone().unwrap_or_default(),
        "sourceId": record.source_id, "reasonCode": record.reason_code.map(|c| c.as_str()),
        "reason": record.error});
    let once = format!("{}:parked:{}", record.key, record.attempts);
    let key = TriggerKey::BridgeEventParked;
    let _ = triggers::fire(world, settings, key, &variables, &once).await;
}

/// The mapping a source uses: saved, else its kind's built-in template
/// (spothit-stop, ...), else the generic web form. Says which on the record;
/// an invalid one parks the event.
async fn load_mapping<W: World>(
    world: &W,
    record: &mut EventRecord,
    region: Option<&str>,
) -> Flow<Rc<Mapping>> {
    let source_id = record.source_id.clone();
    let text: Cow<str> = match world.mapping_get(source_id.clone()).await? {
        Some(t) => {
            record.mapping = Some(MappingUsed::Saved);
            t.into()
        }
        None => {
            let template = record.kind().source_id().unwrap_or("web-form");
            let builtin = builtin_template(template).or_else(|| builtin_template("web-form"));
            record.mapping = builtin.map(|t| MappingUsed::Builtin {
                template: t.id.to_string(),
            });
            builtin.map_or("", |t| t.mapping).into()
        }
    };
    let mapping = compiled(&text, region).map_err(|errors| {
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let why = format!(
            "the mapping for `{source_id}` is invalid: {}",
            all.join("; ")
        );
        Attempt::park(ParkCode::InvalidConfiguration, why)
    })?;
    Ok(mapping)
}

async fn process<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
) -> Result<Attempt, WorldError> {
    outcome(steps(world, settings, record).await)
}

/// The event's steps: mapped, checked for an identity conflict, upserted
/// (unless done, or a receipt for a contact the bridge knows), then the
/// follow-up steps it has not done yet.
async fn steps<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
) -> Flow<()> {
    match record.kind() {
        EventKind::GhlProviderMessage => return provider::deliver(world, settings, record).await,
        EventKind::SpotHitMessageStatus => {
            return provider::report_status(world, settings, record).await
        }
        _ => {}
    }
    let target = ghl_target(world, settings).await?;
    let (mut outcome, specter_person) = mapped(world, settings, record).await?;
    let thread = thread_message(world, settings, record, &mut outcome).await?;
    let keys = outcome.identity.all();
    let decision = identified(world, &outcome, &keys).await?;
    let lane = Lane::of_event(record.kind(), record.due_at_ms > 0);
    // A contact the bridge knows, with nothing to write but what identified
    // it (a delivery receipt): no upsert, only its follow-ups. A first
    // attempt only: after one that found the contact gone, the upsert runs.
    if let (None, IdentityDecision::Update { contact_id, .. }) = (&record.contact_id, &decision) {
        if outcome.contact.is_identity_only() && record.attempts == 1 {
            record.contact_id = Some(contact_id.clone());
            record.action = Some(ContactAction::Matched);
            world.update(record.clone()).await?;
        }
    }
    // The upsert is idempotent; it runs on every attempt until the contact id is known.
    if record.contact_id.is_none() {
        write_custom_fields_by_id(world, settings, &target, &mut outcome).await?;
        let upsert = Upsert {
            target: &target,
            lane,
            keys: &keys,
            specter_person,
        };
        upserted(world, settings, record, &outcome, upsert).await?;
    }
    let done = follow_ups(world, settings, record, &outcome, &target, lane).await?;
    if let (Some(message), true) = (thread, record.steps_done <= done) {
        let contact_id = record.contact_id.clone().unwrap_or_default();
        let added = provider::add_to_thread(world, settings, &contact_id, &message, lane).await?;
        record.ghl_calls += added.calls;
        record.steps_done = done + 1;
        record
            .warnings
            .push(format!("conversation message {} added", added.message_id));
        world.update(record.clone()).await?;
    }
    fire_triggers(world, settings, record, &outcome).await
}

/// The workflow trigger the event is, fired once the contact is written:
/// a reply, a STOP, a lead, a Specter person. Receipts fire nothing here.
async fn fire_triggers<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &EventRecord,
    outcome: &MappingOutcome,
) -> Flow<()> {
    let contact_id = record.contact_id.clone().unwrap_or_default();
    let phone = outcome.identity.phone.clone();
    let payload =
        || crate::mapping::parse_payload(&record.payload, record.format).unwrap_or(Value::Null);
    let (key, variables) = match record.kind() {
        EventKind::SpotHitReply => {
            let message = payload()["message"].as_str().unwrap_or("").to_string();
            let variables = json!({"contactId": contact_id, "phone": phone, "message": message});
            (TriggerKey::SpotHitReplyReceived, variables)
        }
        EventKind::SpotHitStop => {
            let variables = json!({"contactId": contact_id, "phone": phone});
            (TriggerKey::SpotHitStopReceived, variables)
        }
        EventKind::Form => {
            let fields = &outcome.contact.fields;
            let variables = json!({"contactId": contact_id, "sourceId": record.source_id,
                "email": outcome.identity.email, "phone": phone,
                "firstName": fields.first_name, "lastName": fields.last_name});
            (TriggerKey::BridgeLeadReceived, variables)
        }
        EventKind::SpecterList | EventKind::SpecterSavedSearch => {
            let person = payload()["person_id"].as_str().unwrap_or("").to_string();
            let variables =
                json!({"contactId": contact_id, "personId": person, "source": record.source_id});
            (TriggerKey::SpecterNewPerson, variables)
        }
        _ => return Ok(()),
    };
    triggers::fire(world, settings, key, &variables, &record.key).await?;
    Ok(())
}

/// A Spot-Hit reply or STOP at a location whose SMS provider is the bridge:
/// the message to add to the contact's conversation; the note and task
/// dropped unless the location keeps them.
async fn thread_message<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &EventRecord,
    outcome: &mut MappingOutcome,
) -> Flow<Option<provider::ThreadMessage>> {
    let stop = match record.kind() {
        EventKind::SpotHitReply => false,
        EventKind::SpotHitStop => true,
        _ => return Ok(None),
    };
    let chosen = provider::settings(world, settings).await?;
    if !chosen.threads_replies() {
        return Ok(None);
    }
    if !chosen.keeps_note_and_task() {
        outcome.notes.clear();
        outcome.tasks.clear();
    }
    let payload = crate::mapping::parse_payload(&record.payload, record.format)
        .map_err(|e| Attempt::park(ParkCode::BadPayload, e.to_string()))?;
    let message = provider::ThreadMessage::of_callback(&payload, stop);
    Ok(Some(message))
}

/// The event through its mapping: the outcome, and the Specter person a
/// Specter payload names (read before the payload, which borrows the record,
/// is dropped).
async fn mapped<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
) -> Flow<(MappingOutcome, Option<String>)> {
    let region = settings.default_phone_region.as_deref();
    let mapping = load_mapping(world, record, region).await?;
    let payload = ParsedPayload::parse(&record.payload, record.format)
        .map_err(|e| Attempt::park(ParkCode::BadPayload, e.to_string()))?;
    let options = ApplyOptions {
        now_unix: (record.received_at_ms / 1000) as i64,
        explain: false,
    };
    let outcome = mapping.apply_to(&payload.view(), &options);
    let specter_person = payload
        .get("person_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    drop(payload);
    record.warnings = outcome.warnings.iter().map(|w| w.message.clone()).collect();
    if let Some(error) = outcome.errors.first() {
        return Err(Attempt::park(ParkCode::BadPayload, error.message.clone()).into());
    }
    Ok((outcome, specter_person))
}

/// Who the event is about, by its identity keys: never two contacts merged
/// blindly (a conflict parks the event before anything is written).
async fn identified<W: World>(
    world: &W,
    outcome: &MappingOutcome,
    keys: &[String],
) -> Flow<IdentityDecision> {
    let known = world.identity_get(keys.to_vec()).await?;
    let lookup = |k: &Option<String>, kind: &str| {
        k.as_ref()
            .and_then(|v| known.get(&format!("{kind}:{v}")).cloned())
    };
    let decision = decide(
        &outcome.identity,
        lookup(&outcome.identity.email, "email").as_deref(),
        lookup(&outcome.identity.phone, "phone").as_deref(),
    );
    if let IdentityDecision::Conflict {
        email_contact_id,
        phone_contact_id,
    } = decision
    {
        return Err(Attempt::park(ParkCode::IdentityConflict, format!(
            "identity conflict: the e-mail belongs to contact {email_contact_id} and the phone to contact {phone_contact_id}; nothing was written"
        ))
        .into());
    }
    Ok(decision)
}

/// What the upsert needs beside the event and its outcome.
struct Upsert<'a> {
    target: &'a GhlTarget,
    lane: Lane,
    keys: &'a [String],
    specter_person: Option<String>,
}

/// One upsert (GHL applies the location's duplicate rule), its contact kept
/// on the record and in the identity cache.
async fn upserted<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
    outcome: &MappingOutcome,
    upsert: Upsert<'_>,
) -> Flow<()> {
    let call = upsert_call(outcome, &settings.location_id);
    let request = build_request(&call, upsert.target)
        .map_err(|e| Attempt::park(ParkCode::BadPayload, e.to_string()))?;
    let sent = send_within_budget(world, upsert.lane, &request, GhlStep::Upsert.as_str()).await;
    log_request(record, GhlStep::Upsert, &request, &sent, world.now_ms());
    let response = sent?;
    record.ghl_calls += 1;
    let upserted: UpsertedContact = match call.parse(&response) {
        Ok(u) => u,
        Err(e) => return Err(refused(world, e).await),
    };
    let phone = outcome.identity.phone.as_deref();
    let cached = kept_identity(record, upsert.keys, phone, &upserted);
    let id = upserted.contact.id.clone();
    record.contact_id = Some(id.clone());
    record.action = Some(if upserted.new {
        ContactAction::Created
    } else {
        ContactAction::Updated
    });
    world.identity_put(cached, id.clone()).await?;
    // A contact brought from Specter keeps its Specter person, for the
    // rules that add contacts to Specter lists.
    if let (Some(person), true) = (upsert.specter_person, record.kind().is_specter()) {
        let link = super::links::specter_person_key(&id);
        world.kv_put(link, Value::from(person)).await?;
    }
    world.update(record.clone()).await?;
    Ok(())
}

/// The follow-up steps (tags, notes, tasks, appointments) not done yet, each
/// saved as done before the next. Answers how many there are.
async fn follow_ups<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
    outcome: &MappingOutcome,
    target: &GhlTarget,
    lane: Lane,
) -> Flow<usize> {
    let contact_id = record.contact_id.clone().unwrap_or_default();
    let steps = follow_up_requests(outcome, &contact_id, &settings.location_id, target)
        .map_err(|e| Attempt::park(ParkCode::BadPayload, e.to_string()))?;
    let mut notes_seen = 0;
    for step in &steps {
        // The note steps are the outcome's notes, in order.
        let note = match step.kind {
            GhlStep::Note => {
                notes_seen += 1;
                Some((notes_seen - 1, &outcome.notes[notes_seen - 1]))
            }
            _ => None,
        };
        if step.index < record.steps_done {
            if let Some((ordinal, note)) = note {
                update_changed_note(world, record, ordinal, note, target, lane).await?;
            }
            continue;
        }
        if let Some(why) = enrolment_refused(world, record, outcome, step).await? {
            record.warnings.push(why);
            record.steps_done = step.index + 1;
            world.update(record.clone()).await?;
            continue;
        }
        let sent = if step.kind == GhlStep::Tags {
            // A receipt's tags the contact was given within the day cost no
            // call: a campaign's repeated statuses coalesce per contact. Only
            // on a first attempt: a later one may follow its own merge.
            if lane == Lane::Receipt && record.attempts == 1 {
                let news = world
                    .tags_news(contact_id.clone(), outcome.tags.clone())
                    .await?;
                if news.is_empty() {
                    record.steps_done = step.index + 1;
                    continue;
                }
            }
            tags_sent(world, &contact_id, outcome, step, lane).await
        } else {
            send_within_budget(world, lane, &step.request, step.kind.as_str()).await
        };
        log_request(record, step.kind, &step.request, &sent, world.now_ms());
        let response = sent?;
        record.ghl_calls += 1;
        if !(200..300).contains(&response.status) {
            let e = GhlError::from_response(&response);
            if record.action == Some(ContactAction::Matched) && e.is_contact_gone() {
                return Err(forget_gone_contact(record).into());
            }
            return Err(refused(world, e).await);
        }
        if let Some((ordinal, note)) = note {
            notes::remember(record, ordinal, note, &response);
        }
        if step.kind == GhlStep::Task && record.kind() == EventKind::SpotHitReply {
            // The reply's "answer it" task, closed when someone answers
            // through the conversation provider.
            provider::remember_reply_task(world, &contact_id, &response).await?;
        }
        record.steps_done = step.index + 1;
        world.update(record.clone()).await?;
    }
    Ok(steps.len())
}

/// An enrolment in a GHL workflow or campaign may message the contact, by
/// whatever the workflow sends: not for a contact who opted out of SMS (a
/// STOP, DND, here or in what this very event writes) or was deleted. Says
/// why it is skipped, on the event.
async fn enrolment_refused<W: World>(
    world: &W,
    record: &EventRecord,
    outcome: &MappingOutcome,
    step: &FollowUp,
) -> Flow<Option<String>> {
    if !step.is_enrolment() {
        return Ok(None);
    }
    let written = crate::json::to_value(&outcome.contact).unwrap_or(Value::Null);
    let check = super::consent::check(
        world,
        crate::consent::Channel::Sms,
        record.contact_id.as_deref(),
        outcome.identity.phone.as_deref(),
        crate::consent::Dnd::from_ghl(&written),
    );
    Ok(check.await?.err().map(|why| {
        let path = url_path_and_query(&step.request.url);
        format!("not enrolled ({} {path}): {why}", step.kind.as_str())
    }))
}

/// A note this event wrote, updated when the (fixed) mapping now gives it
/// another text; a note a person deleted in GHL is left deleted.
async fn update_changed_note<W: World>(
    world: &W,
    record: &mut EventRecord,
    ordinal: usize,
    note: &NoteDraft,
    target: &GhlTarget,
    lane: Lane,
) -> Flow<()> {
    let contact_id = record.contact_id.clone().unwrap_or_default();
    let Some((request, digest)) =
        notes::update_if_changed(record, ordinal, &contact_id, note, target)
            .map_err(|e| Attempt::park(ParkCode::BadPayload, e.to_string()))?
    else {
        return Ok(());
    };
    let sent = send_within_budget(world, lane, &request, "note update").await;
    log_request(record, GhlStep::Note, &request, &sent, world.now_ms());
    let response = sent?;
    record.ghl_calls += 1;
    match response.status {
        200..=299 => record.notes_written[ordinal].digest = digest,
        404 => {
            record.warnings.push(format!(
                "note {} was deleted in GHL: not written again",
                record.notes_written[ordinal].id
            ));
            record.notes_written[ordinal].digest = digest;
        }
        _ => return Err(refused(world, GhlError::from_response(&response)).await),
    }
    world.update(record.clone()).await?;
    Ok(())
}

/// The tags step once the budget grants it: the tags known before they are
/// added, so their webhook is an echo.
async fn tags_sent<W: World>(
    world: &W,
    contact_id: &str,
    outcome: &MappingOutcome,
    step: &FollowUp,
    lane: Lane,
) -> Flow<HttpResponse> {
    budget_grant(world, lane).await?;
    world
        .tags_merge(contact_id.to_string(), outcome.tags.clone())
        .await?;
    send_granted(world, &step.request, step.kind.as_str()).await
}

/// Keeps what one GHL request came to on the event's record (a request the
/// budget sent away before it went out is not one).
fn log_request(
    record: &mut EventRecord,
    step: GhlStep,
    request: &HttpRequest,
    sent: &Flow<HttpResponse>,
    now_ms: u64,
) {
    let (status, message) = match sent {
        Ok(r) if (200..300).contains(&r.status) => (Some(r.status), None),
        Ok(r) => (Some(r.status), Some(GhlError::from_response(r).to_string())),
        Err(Halt::Event(Attempt::Retry { reason, .. })) => (None, Some(reason.clone())),
        Err(_) => return,
    };
    record.ghl_requests.push(GhlRequestLog {
        step,
        method: request.method.as_str().to_string(),
        path: url_path_and_query(&request.url).to_string(),
        status,
        message,
        at_ms: now_ms,
    });
    let over = record.ghl_requests.len().saturating_sub(GHL_REQUESTS_KEPT);
    record.ghl_requests.drain(..over);
}

/// The contact the identity cache named is gone from GHL (deleted, merged):
/// the next attempt upserts, which finds or creates the right one.
fn forget_gone_contact(record: &mut EventRecord) -> Attempt {
    let gone = record.contact_id.take().unwrap_or_default();
    record.action = None;
    record.steps_done = 0;
    record.notes_written.clear();
    Attempt::retry(
        format!("contact {gone} the bridge knew is gone from GHL: upserting instead"),
        Some(1_000),
    )
}

/// GHL writes a custom field by `id`: each one the mapping names (by key,
/// name or id) is resolved against the location's fields and its value
/// converted to the field's type. One that matches nothing parks the event
/// with the closest fields, before anything is written.
async fn write_custom_fields_by_id<W: World>(
    world: &W,
    settings: &LocationSettings,
    target: &GhlTarget,
    outcome: &mut MappingOutcome,
) -> Flow<()> {
    let Some(items) = outcome.contact.fields.custom_fields.take() else {
        return Ok(());
    };
    if items.is_empty() {
        return Ok(());
    }
    let catalog = field_cache::catalog(world, &settings.location_id, target, &items).await?;
    let resolved = catalog
        .resolve(&items)
        .map_err(|e| Attempt::park(ParkCode::UnknownCustomField, e.to_string()))?;
    outcome.contact.fields.custom_fields = Some(resolved);
    Ok(())
}

/// The identity keys to remember for the upserted contact. GHL drops a phone
/// that belongs to another contact without saying so: warn, and do not cache
/// that phone as this contact's.
fn kept_identity(
    record: &mut EventRecord,
    keys: &[String],
    sent_phone: Option<&str>,
    upserted: &UpsertedContact,
) -> Vec<String> {
    let mut cached = keys.to_vec();
    let Some(sent) = sent_phone else {
        return cached;
    };
    let kept = upserted.contact.phone.as_deref();
    if kept != Some(sent) {
        let id = &upserted.contact.id;
        record.warnings.push(match kept {
            Some(kept) => {
                format!("GHL kept phone {kept} on contact {id}: {sent} belongs to another contact")
            }
            None => format!(
                "GHL did not write phone {sent} on contact {id}: it belongs to another contact"
            ),
        });
        cached.retain(|k| *k != format!("phone:{sent}"));
    }
    cached
}
