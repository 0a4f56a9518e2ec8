//! Sync back from GHL: a GHL event recorded by `/v1/hooks/ghl` is planned under
//! the location's sync rules (core `outbound`) and carried out in Spot-Hit and
//! Specter, one action at a time, resumable, with retries and dead letters like
//! inbound events. The plan is made once (the tag diff is read-and-written
//! atomically in the Durable Object), so a retry never re-decides.

use crate::config::Config;
use crate::consumer::{send_within_budget, settle, Attempt};
use crate::ghl_http;
use crate::store::{GhlEventEntry, QueuedEvent, Store, SYNC_RULES_KEY};
use ghl_bridge::ghl::contacts::GetContact;
use ghl_bridge::ghl::{build_request, Call, GhlTarget};
use ghl_bridge::outbound::{plan_event, ContactView, OutboundAction, PlannedAction, SyncRules};
use ghl_bridge::{specter, spothit};
use serde_json::{json, Value};
use worker::{console_log, Env, Message, MessageExt, Result};

/// GHL events the rules can act on.
pub const SYNCED_EVENTS: &[&str] = &[
    "ContactCreate",
    "ContactUpdate",
    "ContactTagUpdate",
    "TaskComplete",
];

/// The location's rules: saved through the admin API, else `SYNC_RULES`.
pub async fn load_rules(
    store: &Store,
    cfg: &Config,
) -> Result<Option<std::result::Result<SyncRules, String>>> {
    let stored = store.kv_get(SYNC_RULES_KEY).await?;
    let text = stored
        .as_ref()
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| cfg.sync_rules.clone());
    Ok(text.map(|t| SyncRules::parse(&t).map_err(|e| e.to_string())))
}

pub async fn handle(message: &Message<QueuedEvent>, env: &Env, cfg: &Config) -> Result<()> {
    let QueuedEvent { key, location, .. } = message.body().clone();
    let store = Store::for_location(env, &location)?;
    let claimed = store
        .call("/ghl-event/claim", json!({"webhookId": key}))
        .await?;
    let Ok(mut entry) = serde_json::from_value::<GhlEventEntry>(claimed["entry"].clone()) else {
        message.ack();
        return Ok(());
    };
    let attempt = process(&mut entry, &claimed["event"], &store, cfg).await?;
    let Some(sync) = entry.sync.as_mut() else {
        message.ack();
        return Ok(());
    };
    let settled = settle(attempt, sync.attempts, message);
    sync.status = settled.status;
    sync.error = settled.error;
    console_log!(
        "{}",
        json!({"level": "info", "ghlEvent": entry.webhook_id, "type": entry.event_type, "contactId": entry.contact_id, "outcome": settled.outcome, "detail": settled.detail})
    );
    store
        .call("/ghl-event/update", json!({"entry": entry}))
        .await?;
    Ok(())
}

async fn process(
    entry: &mut GhlEventEntry,
    event: &Value,
    store: &Store,
    cfg: &Config,
) -> Result<Attempt> {
    let rules = match load_rules(store, cfg).await? {
        None => return Ok(Attempt::Done),
        Some(Err(e)) => return Ok(Attempt::Park(e)),
        Some(Ok(r)) => r,
    };
    let plan = match entry.sync.as_ref().and_then(|s| s.plan.clone()) {
        Some(plan) => plan,
        None => {
            let plan = match make_plan(entry, event, &rules, store, cfg).await? {
                Ok(p) => p,
                Err(attempt) => return Ok(attempt),
            };
            if let Some(sync) = entry.sync.as_mut() {
                sync.plan = Some(plan.clone());
            }
            store
                .call("/ghl-event/update", json!({"entry": entry}))
                .await?;
            plan
        }
    };
    let done = entry.sync.as_ref().map_or(0, |s| s.steps_done);
    for (index, step) in plan.iter().enumerate().skip(done) {
        let result = match perform(step, &rules, store, cfg).await? {
            Ok(line) => line,
            Err(attempt) => return Ok(attempt),
        };
        if let Some(sync) = entry.sync.as_mut() {
            sync.results.push(result);
            sync.steps_done = index + 1;
        }
        store
            .call("/ghl-event/update", json!({"entry": entry}))
            .await?;
    }
    Ok(Attempt::Done)
}

/// The contact (from the event, or read from GHL for a task) and the plan.
async fn make_plan(
    entry: &GhlEventEntry,
    event: &Value,
    rules: &SyncRules,
    store: &Store,
    cfg: &Config,
) -> Result<std::result::Result<Vec<PlannedAction>, Attempt>> {
    if entry.event_type == "TaskComplete" {
        let Some(contact_id) = entry.contact_id.clone() else {
            return Ok(Err(Attempt::Park("the task has no contactId".into())));
        };
        let contact = match read_contact(&contact_id, store, cfg).await? {
            Ok(c) => c,
            Err(attempt) => return Ok(Err(attempt)),
        };
        return Ok(Ok(plan_event(
            rules,
            &entry.event_type,
            &contact,
            None,
            Some(event),
        )));
    }
    let Some(contact) = ContactView::from_ghl(event) else {
        return Ok(Err(Attempt::Park("the event carries no contact id".into())));
    };
    let swapped = store
        .call(
            "/tags/swap",
            json!({"contactId": contact.id, "tags": contact.tags}),
        )
        .await?;
    let before: Option<Vec<String>> =
        serde_json::from_value(swapped["before"].clone()).unwrap_or(None);
    Ok(Ok(plan_event(
        rules,
        &entry.event_type,
        &contact,
        before.as_deref(),
        None,
    )))
}

async fn read_contact(
    contact_id: &str,
    store: &Store,
    cfg: &Config,
) -> Result<std::result::Result<ContactView, Attempt>> {
    let token = match crate::auth::ghl_token(cfg, store).await? {
        Ok(t) => t,
        Err(attempt) => return Ok(Err(attempt)),
    };
    let call = GetContact {
        contact_id: contact_id.to_string(),
    };
    let target = GhlTarget {
        base_url: cfg.ghl_base_url.clone(),
        token,
    };
    let request = match build_request(&call, &target) {
        Ok(r) => r,
        Err(e) => return Ok(Err(Attempt::Park(e.to_string()))),
    };
    let response = match send_within_budget(store, &request).await? {
        None => return Ok(Err(crate::consumer::budget_full())),
        Some(Err(e)) => {
            return Ok(Err(Attempt::Retry {
                reason: format!("network: {e}"),
                hint_ms: None,
            }))
        }
        Some(Ok(r)) => r,
    };
    match call.parse(&response) {
        Ok(found) => {
            let value = serde_json::to_value(&found.contact).unwrap_or(Value::Null);
            Ok(ContactView::from_ghl(&value)
                .ok_or_else(|| Attempt::Park("GHL returned a contact without id".into())))
        }
        Err(e) => Ok(Err(crate::consumer::classify(store, e).await?)),
    }
}

type Step = std::result::Result<String, Attempt>;

async fn perform(
    step: &PlannedAction,
    rules: &SyncRules,
    store: &Store,
    cfg: &Config,
) -> Result<Step> {
    let because = &step.because;
    match &step.action {
        OutboundAction::Skipped { reason } => Ok(Ok(format!("{because}: skipped, {reason}"))),
        OutboundAction::SpotHitLeaveGroupManually { group, contact } => {
            // Forget the membership, so tagging the contact again imports it again
            // (after the person has removed it in Spot-Hit).
            store.kv_delete(&member_key(group, contact)).await?;
            Ok(Ok(format!(
                "{because}: remove {contact} from Spot-Hit group `{group}` by hand (Spot-Hit's API cannot)"
            )))
        }
        OutboundAction::SpotHitJoinGroup {
            group,
            mobile,
            email,
            ..
        } => {
            let Some(target) = cfg.spothit() else {
                return Ok(Err(Attempt::Park(not_configured(
                    "Spot-Hit",
                    "SPOTHIT_API_KEY",
                ))));
            };
            // Spot-Hit's import may append rather than update: import a person
            // into a group once, whatever redeliveries or tag churn happen.
            let who = mobile.clone().or_else(|| email.clone()).unwrap_or_default();
            let member = member_key(group, &who);
            if store.kv_get(&member).await?.is_some() {
                return Ok(Ok(format!(
                    "{because}: {who} is already in Spot-Hit group `{group}`"
                )));
            }
            let group_id = match spothit_group(&target, group, store).await? {
                Ok(id) => id,
                Err(a) => return Ok(Err(a)),
            };
            let contact = step.action.spothit_contact().unwrap_or_default();
            let request = spothit::import_contacts(&target, &group_id, &[contact]);
            match spothit_call(&request).await? {
                Ok(_) => {
                    store.kv_put(&member, json!(group_id)).await?;
                    Ok(Ok(format!(
                        "{because}: imported into Spot-Hit group `{group}` ({group_id})"
                    )))
                }
                Err(a) => Ok(Err(a)),
            }
        }
        OutboundAction::SpotHitSms {
            message,
            number,
            sender,
        } => {
            let Some(target) = cfg.spothit() else {
                return Ok(Err(Attempt::Park(not_configured(
                    "Spot-Hit",
                    "SPOTHIT_API_KEY",
                ))));
            };
            let request = spothit::send_sms(
                &target,
                message,
                std::slice::from_ref(number),
                sender.as_deref(),
            );
            Ok(spothit_call(&request).await?.map(|answer| {
                format!(
                    "{because}: SMS sent to {number} (Spot-Hit message {})",
                    answer["id"]
                )
            }))
        }
        OutboundAction::SpecterAddToList {
            list_id,
            contact_id,
            email,
        } => {
            let Some(target) = cfg.specter() else {
                return Ok(Err(Attempt::Park(not_configured(
                    "Specter",
                    "SPECTER_API_KEY",
                ))));
            };
            let person =
                match specter_person(&target, contact_id, email.as_deref(), rules, store).await? {
                    Ok(Some(p)) => p,
                    Ok(None) => {
                        return Ok(Ok(format!(
                            "{because}: skipped, no Specter person is known for this contact{}",
                            if rules.specter.lookup_by_email {
                                " (none matches its e-mail)"
                            } else {
                                " (lookupByEmail is off)"
                            }
                        )))
                    }
                    Err(a) => return Ok(Err(a)),
                };
            let request = specter::add_to_list(&target, list_id, std::slice::from_ref(&person));
            Ok(specter_call(&request)
                .await?
                .map(|_| format!("{because}: Specter person {person} added to list {list_id}")))
        }
    }
}

/// Who the bridge imported into a Spot-Hit group (phone, else e-mail).
fn member_key(group: &str, who: &str) -> String {
    format!("spothit-member:{}:{who}", group.to_lowercase())
}

fn not_configured(app: &str, secret: &str) -> String {
    format!("a rule needs {app}, which is not configured (set {secret})")
}

/// Sends one call to Spot-Hit or Specter: unreachable or a retryable answer
/// retries the event, any other refusal parks it with the app's reason.
async fn app_call<T, E: std::fmt::Display>(
    app: &str,
    request: &ghl_bridge::http::HttpRequest,
    parse: impl Fn(&ghl_bridge::http::HttpResponse) -> std::result::Result<T, E>,
    retryable: impl Fn(&E) -> bool,
) -> Result<std::result::Result<T, Attempt>> {
    let response = match ghl_http::send(request).await {
        Ok(r) => r,
        Err(e) => {
            return Ok(Err(Attempt::Retry {
                reason: format!("{app} unreachable: {e}"),
                hint_ms: None,
            }))
        }
    };
    Ok(parse(&response).map_err(|e| {
        if retryable(&e) {
            Attempt::Retry {
                reason: e.to_string(),
                hint_ms: Some(1_000),
            }
        } else {
            Attempt::Park(e.to_string())
        }
    }))
}

async fn spothit_call(
    request: &ghl_bridge::http::HttpRequest,
) -> Result<std::result::Result<Value, Attempt>> {
    app_call("Spot-Hit", request, spothit::parse_answer, |e| {
        e.is_retryable()
    })
    .await
}

async fn specter_call(
    request: &ghl_bridge::http::HttpRequest,
) -> Result<std::result::Result<Option<Value>, Attempt>> {
    app_call("Specter", request, specter::parse_answer, |e| {
        e.is_retryable()
    })
    .await
}

/// The Spot-Hit group's id: remembered, else found by name, else created.
/// Two consumers meeting a new group at once would both create it, so the
/// find-or-create runs under a short lease in the Durable Object; the other
/// waits and reads the id the first one stored.
async fn spothit_group(
    target: &spothit::SpotHitTarget,
    name: &str,
    store: &Store,
) -> Result<std::result::Result<String, Attempt>> {
    // Case-blind, like `find_group`: GHL lowercases the tags names come from.
    let key = format!("spothit-group:{}", name.to_lowercase());
    let known = || async {
        Ok::<_, worker::Error>(
            store
                .kv_get(&key)
                .await?
                .and_then(|v| v.as_str().map(String::from)),
        )
    };
    let mut waited_ms = 0;
    loop {
        if let Some(id) = known().await? {
            return Ok(Ok(id));
        }
        if store.lease(&key, 30_000).await? {
            break;
        }
        if waited_ms >= 10_000 {
            return Ok(Err(Attempt::Retry {
                reason: format!("Spot-Hit group `{name}` is being created by another event"),
                hint_ms: Some(5_000),
            }));
        }
        worker::Delay::from(std::time::Duration::from_millis(200)).await;
        waited_ms += 200;
    }
    let found = match spothit_call(&spothit::list_groups(target)).await? {
        Ok(groups) => match spothit::find_group(&groups, name) {
            Some(id) => Ok(id),
            None => spothit_call(&spothit::create_group(target, name))
                .await?
                .map(|created| match &created["id"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
        },
        Err(a) => Err(a),
    };
    if let Ok(id) = &found {
        store.kv_put(&key, json!(id)).await?;
    }
    store.release(&key).await?;
    Ok(found)
}

/// The contact's Specter person: linked when the bridge brought it from
/// Specter, else (if allowed, 1 credit) found by e-mail.
async fn specter_person(
    target: &specter::SpecterTarget,
    contact_id: &str,
    email: Option<&str>,
    rules: &SyncRules,
    store: &Store,
) -> Result<std::result::Result<Option<String>, Attempt>> {
    let key = format!("specter-person:{contact_id}");
    if let Some(id) = store
        .kv_get(&key)
        .await?
        .and_then(|v| v.as_str().map(String::from))
    {
        return Ok(Ok(Some(id)));
    }
    let Some(email) = email.filter(|_| rules.specter.lookup_by_email) else {
        return Ok(Ok(None));
    };
    match specter_call(&specter::person_by_email(target, email)).await? {
        Ok(Some(found)) => {
            let id = found["id"].as_str().map(String::from);
            if let Some(id) = &id {
                store.kv_put(&key, json!(id)).await?;
            }
            Ok(Ok(id))
        }
        Ok(None) => Ok(Ok(None)),
        Err(a) => Ok(Err(a)),
    }
}
