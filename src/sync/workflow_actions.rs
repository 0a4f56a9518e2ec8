//! The app's workflow actions at a location, run when a GHL workflow reaches
//! one: answered at once with what happened, as variables later steps read.
//! The same call (location, workflow, contact, action, data) within 15
//! minutes gets the first answer again and does nothing twice; an answer
//! that says "try again" (Spot-Hit or GHL unreachable) is not kept.
//!
//! Each action goes through the paths the rest of the bridge uses: the SMS
//! through the provider's send (consent, journey, status URL), a group or a
//! Specter list through sync back's actions (consent, a person joined once).

use super::attempt::{Attempt, Flow, Halt};
use super::protocol::WorldError;
use super::provider::{self, Outgoing};
use super::settings::LocationSettings;
use super::specter_poll;
use super::sync_back::{load_rules, perform_one, read_contact};
use super::world::World;
use crate::ghl::conversations::ProviderOutboundMessage;
use crate::outbound::{join, ContactView, OutboundAction, PlannedAction};
use crate::workflows::{ActionCall, ActionKey, ACTION_REPLAY_MS};
use crate::{specter, spothit};
use serde_json::{json, Value};

/// An action's answer, and whether it is final (kept for replays).
pub struct ActionAnswer {
    pub body: Value,
    pub replayed: bool,
}

/// Runs `action` for `call`; `status_url` makes a send's per-message status
/// URL from its id (`None`: no callback token, no statuses).
pub async fn run<W: World>(
    world: &W,
    settings: &LocationSettings,
    action: ActionKey,
    call: &ActionCall,
    status_url: impl Fn(&str) -> Option<String>,
) -> Result<ActionAnswer, WorldError> {
    let replay_key = call.replay_key(action);
    let replay = format!("workflow-action:{replay_key}");
    let now = world.now_ms();
    let kept = world
        .kv_get(replay.clone())
        .await?
        .filter(|k| now.saturating_sub(k["atMs"].as_u64().unwrap_or(0)) < ACTION_REPLAY_MS);
    if let Some(answer) = kept.as_ref().map(|k| &k["answer"]).filter(|a| !a.is_null()) {
        return Ok(ActionAnswer {
            body: answer.clone(),
            replayed: true,
        });
    }
    // Kept before anything is sent: a repeat while this one runs, or after
    // its answer was lost, finds the same journey and sends nothing again.
    let started = kept.and_then(|k| k["atMs"].as_u64()).unwrap_or(now);
    world
        .kv_put(replay.clone(), json!({"atMs": started, "answer": null}))
        .await?;
    let hash = replay_key.trim_start_matches("evt_");
    let journey_id = format!("wf-{}-{started}", &hash[..hash.len().min(12)]);
    let outcome = match action {
        ActionKey::SpotHitSendSms => send_sms(world, settings, call, &journey_id, status_url).await,
        ActionKey::SpotHitAddToGroup => add_to_group(world, settings, call).await,
        ActionKey::SpecterAddToList => add_to_list(world, settings, call).await,
        ActionKey::SpecterEnrichContact => enrich(world, settings, call).await,
    };
    let body = match outcome {
        Ok(body) => body,
        Err(Halt::World(e)) => return Err(e),
        Err(Halt::Event(Attempt::Retry { reason, .. })) => {
            // Not kept: the same call later tries again.
            return Ok(ActionAnswer {
                body: json!({"status": "failed", "reason": reason, "retryable": true}),
                replayed: false,
            });
        }
        Err(Halt::Event(Attempt::Defer { .. })) => {
            return Ok(ActionAnswer {
                body: json!({"status": "failed", "reason": "the location's GHL call budget is spent for now", "retryable": true}),
                replayed: false,
            });
        }
        Err(Halt::Event(Attempt::Park(_, reason))) => failed(&reason),
        Err(Halt::Event(Attempt::Done)) => json!({"status": "done"}),
    };
    let kept = json!({"atMs": started, "answer": body});
    world.kv_put(replay, kept).await?;
    Ok(ActionAnswer {
        body,
        replayed: false,
    })
}

fn failed(reason: &str) -> Value {
    json!({"status": "failed", "reason": reason})
}

/// The workflow's contact as GHL has it now.
async fn contact<W: World>(
    world: &W,
    settings: &LocationSettings,
    call: &ActionCall,
) -> Flow<Result<ContactView, Value>> {
    let Some(id) = call.extras.contact_id.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(Err(failed("the workflow ran without a contact")));
    };
    Ok(Ok(read_contact(world, settings, id).await?))
}

async fn send_sms<W: World>(
    world: &W,
    settings: &LocationSettings,
    call: &ActionCall,
    journey_id: &str,
    status_url: impl Fn(&str) -> Option<String>,
) -> Flow<Value> {
    let Some(text) = call.text("message") else {
        return Ok(failed("the message is empty"));
    };
    let person = match contact(world, settings, call).await? {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let Some(phone) = person.phone.clone() else {
        return Ok(json!({"status": "refused", "reason": "the contact has no phone number"}));
    };
    let chosen = provider::settings(world, settings).await?;
    let sender = call.text("sender").or(chosen.sender);
    let label = call
        .text("campaign")
        .unwrap_or_else(|| "GHL workflow".into());
    let id = journey_id.to_string();
    let message = ProviderOutboundMessage {
        location_id: settings.location_id.clone(),
        message_id: id.clone(),
        contact_id: person.id.clone(),
        kind: "SMS".into(),
        phone: phone.clone(),
        message: text,
        attachments: Vec::new(),
        user_id: None,
    };
    let workflow = call
        .extras
        .workflow_id
        .clone()
        .unwrap_or_else(|| "?".into());
    provider::start_journey(world, &message, status_url(&id), Some(workflow)).await?;
    let outgoing = Outgoing {
        message: &message,
        sender: sender.as_deref(),
        label: &label,
        current_dnd: person.dnd,
    };
    let journey = provider::send_once(world, settings, &outgoing).await?;
    Ok(match (&journey.spothit_id, &journey.error) {
        (Some(spothit_id), _) => {
            json!({"status": "sent", "spothitId": spothit_id, "phone": phone, "reason": ""})
        }
        (None, error) => json!({"status": "refused", "phone": phone,
            "reason": error.clone().unwrap_or_else(|| "not sent".into())}),
    })
}

async fn add_to_group<W: World>(
    world: &W,
    settings: &LocationSettings,
    call: &ActionCall,
) -> Flow<Value> {
    let Some(group) = call.text("group") else {
        return Ok(failed("no group was picked"));
    };
    let person = match contact(world, settings, call).await? {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    // The planner's import: what consent allows of the contact, with the DND
    // GHL shows now (the consent check when it runs knows only what was kept).
    let facts =
        super::consent::facts(world, Some(&person.id), person.phone.as_deref(), person.dnd).await?;
    let step = PlannedAction {
        because: because(call),
        action: join(group.clone(), &person, &facts),
    };
    let line = perform_one(world, settings, &step).await?;
    Ok(outcome_of(&line, json!({"group": group})))
}

async fn add_to_list<W: World>(
    world: &W,
    settings: &LocationSettings,
    call: &ActionCall,
) -> Flow<Value> {
    let Some(list) = call.text("list") else {
        return Ok(failed("no Specter list was given"));
    };
    let person = match contact(world, settings, call).await? {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let step = PlannedAction {
        because: because(call),
        action: OutboundAction::SpecterAddToList {
            list_id: list,
            contact_id: person.id.clone(),
            email: person.email.clone(),
        },
    };
    let line = perform_one(world, settings, &step).await?;
    Ok(outcome_of(&line, json!({})))
}

/// The contact's Specter person by e-mail (1 credit for a match), within
/// the location's Specter budget (the poller's ledger: daily, monthly, the
/// team's reserve), its main fields as the action's outputs.
async fn enrich<W: World>(
    world: &W,
    settings: &LocationSettings,
    call: &ActionCall,
) -> Flow<Value> {
    let person = match contact(world, settings, call).await? {
        Ok(c) => c,
        Err(answer) => return Ok(answer),
    };
    let Some(email) = call.text("email").or(person.email) else {
        return Ok(json!({"status": "refused", "reason": "the contact has no e-mail to look up"}));
    };
    let Some(target) = &settings.specter else {
        return Ok(failed("Specter is not connected to this location"));
    };
    let rules = match load_rules(world, settings).await? {
        Some(Ok(rules)) => rules.specter,
        _ => Default::default(),
    };
    let now = world.now_ms();
    let mut ledger = specter_poll::ledger(world, now).await?;
    if let Err(why) = ledger.allowance(&rules, now) {
        return Ok(json!({"status": "refused", "reason": why}));
    }
    let response = world
        .send(&specter::person_by_email(target, &email))
        .await
        .map_err(|e| Attempt::retry(format!("Specter unreachable: {e}"), None))?;
    let answer = specter::parse_answer(&response);
    if let Ok(Some(_)) = &answer {
        ledger.spend(1);
    }
    ledger.team_remaining = specter::credits_remaining(&response).or(ledger.team_remaining);
    world
        .kv_put(
            specter_poll::LEDGER_KEY.into(),
            crate::json::to_value(&ledger)?,
        )
        .await?;
    match answer {
        Ok(Some(found)) => {
            let text = |k: &str| found[k].as_str().unwrap_or("").to_string();
            let id = found["person_id"]
                .as_str()
                .or(found["id"].as_str())
                .unwrap_or("");
            let full = format!("{} {}", text("first_name"), text("last_name"));
            Ok(
                json!({"status": "found", "personId": id, "fullName": full.trim(),
                "linkedinUrl": text("linkedin_url"), "reason": ""}),
            )
        }
        Ok(None) => Ok(
            json!({"status": "not_found", "reason": format!("Specter knows no person with {email}")}),
        ),
        Err(e) if e.is_retryable() => Err(Attempt::retry(e.to_string(), Some(1_000)).into()),
        Err(e) => Ok(json!({"status": "refused", "reason": e.to_string()})),
    }
}

/// Why a step runs, on its line: the workflow that asked.
fn because(call: &ActionCall) -> String {
    format!(
        "workflow {}",
        call.extras.workflow_id.as_deref().unwrap_or("?")
    )
}

/// A sync-back line as an action's outputs: `skipped, <why>` or done.
fn outcome_of(line: &str, mut extra: Value) -> Value {
    let (status, reason) = match line.split_once(": skipped, ") {
        Some((_, why)) => ("skipped", why.to_string()),
        None => ("added", String::new()),
    };
    extra["status"] = json!(status);
    extra["reason"] = json!(reason);
    extra["detail"] = json!(line);
    extra
}

/// The dynamic field of `spothit_add_to_group`: the location's Spot-Hit
/// groups to pick from (a name typed anew creates the group).
pub async fn group_field<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<Value, String> {
    let Some(target) = &settings.spothit else {
        return Err("Spot-Hit is not connected to this location".into());
    };
    let response = world
        .send(&spothit::list_groups(target))
        .await
        .map_err(|e| format!("Spot-Hit unreachable: {e}"))?;
    let groups = spothit::parse_answer(&response).map_err(|e| e.to_string())?;
    let options: Vec<Value> = groups
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["groupe"].as_str())
        .map(|name| json!({"label": name, "value": name}))
        .collect();
    Ok(json!({"inputs": [{"section": "Spot-Hit", "fields": [
        {"field": "group", "title": "Spot-Hit group", "fieldType": "select", "required": true, "options": options}
    ]}]}))
}
