//! Sync back from GHL: a verified GHL webhook is recorded (a redelivery, an
//! echo of the bridge's own write, or a change), and a change the rules can act
//! on is planned once (the contact's tag diff is read-and-written in one store
//! step, so a redelivery cannot see a tag as new twice) and carried out in
//! Spot-Hit and Specter one action at a time, resumable, with the inbound
//! path's retries and dead letters. A retry never re-decides.

use super::attempt::{outcome, settle_claimed, Attempt, Flow, Halt, Run};
use super::budget::Lane;
use super::consent;
use super::ghl_access::{ghl_target, refused, send_within_budget};
use super::links::{self, member_key, specter_person_key};
use super::protocol::{GhlEventIn, GhlRecorded, WorldError};
use super::provider;
use super::queue::QueuedEvent;
use super::settings::LocationSettings;
use super::world::World;
use crate::admin_api::ParkCode;
use crate::admin_api::{AlertCondition, GhlEventEntry};
use crate::case;
use crate::consent::{Channel, ConsentFacts, Dnd};
use crate::ghl::contacts::GetContact;
use crate::ghl::webhooks::{GhlEvent, GhlEventType};
use crate::ghl::{build_request, Call};
use crate::http::{HttpRequest, HttpResponse};
use crate::outbound::{
    contact_changed, plan_event, ContactView, Imported, OutboundAction, PlannedAction, SyncRules,
};
use crate::{specter, spothit};
use serde_json::{json, Value};

/// Where the sync-back rules saved through the admin API are kept.
pub const SYNC_RULES_KEY: &str = "sync-rules";

/// The location's rules: saved through the admin API, else the deployment's.
pub async fn load_rules<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<Option<Result<SyncRules, String>>, WorldError> {
    let stored = world.kv_get(SYNC_RULES_KEY.into()).await?;
    let text = stored
        .as_ref()
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| settings.sync_rules.clone());
    Ok(text.map(|t| SyncRules::parse(&t).map_err(|e| e.to_string())))
}

/// `GET /v1/admin/sync-rules`: the saved rules, else the deployment's.
pub async fn rules_answer<W: World>(
    world: &W,
    from_env: Option<String>,
) -> Result<crate::admin_api::SyncRulesAnswer, WorldError> {
    let stored = world.kv_get(SYNC_RULES_KEY.into()).await?;
    let (rules, from) = match stored.as_ref().and_then(Value::as_str) {
        Some(t) => (Some(t.to_string()), "admin"),
        None => (from_env, "SYNC_RULES"),
    };
    Ok(crate::admin_api::SyncRulesAnswer {
        from: rules.as_ref().map(|_| from.to_string()),
        rules,
    })
}

/// Records a verified GHL webhook and queues it when it is to be synced on.
/// A consent event (DND changed, contact deleted) updates what the location
/// knows of the person first, whatever the rules; it is queued only when the
/// person is in Spot-Hit groups a person must take it out of.
pub async fn accept<W: World>(
    world: &W,
    settings: &LocationSettings,
    event: GhlEvent,
) -> Result<GhlRecorded, WorldError> {
    let contact_id = event.contact_id().map(String::from);
    if let (GhlEventType::TaskComplete, Some(contact), Some(task)) = (
        &event.event_type,
        &contact_id,
        event.data.get("id").and_then(Value::as_str),
    ) {
        provider::reply_task_done(world, contact, task).await?;
    }
    let mut body = Value::Object(event.data);
    let mut consent_step = false;
    if let (true, Some(id)) = (event.event_type.is_consent(), &contact_id) {
        let at_ms = crate::iso8601::timestamp(&event.timestamp)
            .map_or(world.now_ms(), |t| t.as_millisecond().max(0) as u64);
        body = consent_step_body(world, settings, &event.event_type, id, &body, at_ms).await?;
        consent_step = !body.is_null();
    }
    let recorded = world
        .ghl_event(GhlEventIn {
            webhook_id: event.webhook_id.clone(),
            syncable: event.event_type.is_syncable() || consent_step,
            event_type: event.event_type,
            contact_id,
            echo_window_ms: settings.echo_window_ms,
            needs_no_saved_rules: settings.sync_rules.is_some() || consent_step,
            body,
        })
        .await?;
    if recorded.queued {
        world
            .enqueue(QueuedEvent::ghl(&settings.location_id, &event.webhook_id))
            .await?;
    }
    Ok(recorded)
}

/// Keeps a DND change or forgets a deleted contact; answers what the event
/// keeps for its sync: the Spot-Hit groups the person is in and why it must
/// leave them (`null`: nothing to do). A deleted contact's body is not kept.
async fn consent_step_body<W: World>(
    world: &W,
    settings: &LocationSettings,
    kind: &GhlEventType,
    contact_id: &str,
    body: &Value,
    at_ms: u64,
) -> Result<Value, WorldError> {
    let phone = body["phone"].as_str();
    let email = body["email"].as_str().map(case::lower);
    let groups = consent::spothit_groups(world, phone, email.as_deref()).await?;
    let why = if *kind == GhlEventType::ContactDelete {
        consent::on_deleted(world, contact_id, body, at_ms).await?;
        Some("contact deleted in GHL".to_string())
    } else {
        let dnd = consent::on_dnd_report(world, contact_id, body, at_ms).await?;
        dnd.filter(Dnd::any)
            .map(|_| "contact opted out in GHL (DND)".to_string())
    };
    let Some(why) = why.filter(|_| !groups.is_empty()) else {
        return Ok(Value::Null);
    };
    let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
    let detail = format!(
        "{why}: contact {contact_id} is in Spot-Hit group(s) {}",
        names.join(", ")
    );
    super::alerts::notify(
        world,
        settings,
        AlertCondition::OptOutInSpotHitGroup,
        &detail,
    )
    .await?;
    Ok(json!({"optOut": why, "spotHitGroups": groups}))
}

/// A consent event's plan: one step for a person per Spot-Hit group.
fn consent_plan(body: &Value) -> Vec<PlannedAction> {
    let why = body["optOut"].as_str().unwrap_or("contact opted out");
    let groups: Vec<(String, String)> =
        crate::json::from_value(body["spotHitGroups"].clone()).unwrap_or_default();
    groups
        .into_iter()
        .map(|(group, who)| PlannedAction {
            because: why.to_string(),
            action: OutboundAction::SpotHitLeaveGroupManually {
                group,
                contact: who,
            },
        })
        .collect()
}

/// One attempt at syncing the GHL event `webhook_id` on.
pub async fn run<W: World>(
    world: &W,
    settings: &LocationSettings,
    webhook_id: &str,
) -> Result<Run<GhlEventEntry>, WorldError> {
    let claimed = world.ghl_event_claim(webhook_id.to_string()).await?;
    let Some(claimed) = claimed.record else {
        return Ok(Run::not_claimed(claimed.skip));
    };
    let mut entry = claimed.entry;
    let attempt = process(world, settings, &mut entry, &claimed.event).await?;
    let Some(sync) = entry.sync.as_mut() else {
        return Ok(Run::Skipped);
    };
    let settled = settle_claimed(attempt, &mut sync.attempts, world.random());
    sync.status = settled.status;
    sync.error = settled.error.clone();
    sync.reason_code = settled.code;
    let (status, error) = (sync.status, sync.error.clone());
    world.ghl_event_update(entry.clone()).await?;
    super::alerts::after_event(world, settings, status, error.as_deref()).await?;
    Ok(Run::Attempted(entry, settled))
}

async fn process<W: World>(
    world: &W,
    settings: &LocationSettings,
    entry: &mut GhlEventEntry,
    event: &Value,
) -> Result<Attempt, WorldError> {
    outcome(steps(world, settings, entry, event).await)
}

/// The event's plan (made once, on the first attempt), then its actions not
/// done yet, each saved as done before the next.
async fn steps<W: World>(
    world: &W,
    settings: &LocationSettings,
    entry: &mut GhlEventEntry,
    event: &Value,
) -> Flow<()> {
    let rules = match load_rules(world, settings).await? {
        None if entry.event_type.is_consent() => SyncRules::default(),
        None => return Ok(()),
        Some(Err(e)) => return Err(Attempt::park(ParkCode::InvalidConfiguration, e).into()),
        Some(Ok(r)) => r,
    };
    let plan = match entry.sync.as_ref().and_then(|s| s.plan.clone()) {
        Some(plan) => plan,
        None => {
            let plan = if entry.event_type.is_consent() {
                consent_plan(event)
            } else {
                make_plan(world, settings, entry, event, &rules).await?
            };
            if let Some(sync) = entry.sync.as_mut() {
                sync.plan = Some(plan.clone());
            }
            world.ghl_event_update(entry.clone()).await?;
            plan
        }
    };
    let done = entry.sync.as_ref().map_or(0, |s| s.steps_done);
    let actions = Actions {
        world,
        settings,
        rules: &rules,
    };
    for (index, step) in plan.iter().enumerate().skip(done) {
        let line = actions.perform(step).await?;
        if let Some(sync) = entry.sync.as_mut() {
            sync.results.push(line);
            sync.steps_done = index + 1;
        }
        world.ghl_event_update(entry.clone()).await?;
    }
    Ok(())
}

/// The contact (from the event, or read from GHL for a task) and the plan.
async fn make_plan<W: World>(
    world: &W,
    settings: &LocationSettings,
    entry: &GhlEventEntry,
    event: &Value,
    rules: &SyncRules,
) -> Flow<Vec<PlannedAction>> {
    let kind = &entry.event_type;
    if entry.event_type == GhlEventType::TaskComplete {
        let Some(contact_id) = entry.contact_id.clone() else {
            return Err(Attempt::park(ParkCode::BadPayload, "the task has no contactId").into());
        };
        let contact = read_contact(world, settings, &contact_id).await?;
        let consent = consent_facts(world, &contact).await?;
        return Ok(plan_event(
            rules,
            kind,
            &contact,
            None,
            Some(event),
            &consent,
        ));
    }
    let Some(contact) = ContactView::from_ghl(event) else {
        return Err(Attempt::park(ParkCode::BadPayload, "the event carries no contact id").into());
    };
    let before = world
        .tags_swap(contact.id.clone(), contact.tags.clone())
        .await?;
    let consent = consent_facts(world, &contact).await?;
    let mut plan = plan_event(rules, kind, &contact, before.as_deref(), None, &consent);
    if *kind == GhlEventType::ContactUpdate {
        if let Some(imported) = imported(world, &contact.id).await? {
            plan.extend(contact_changed(&contact, &imported, &consent));
        }
    }
    Ok(plan)
}

/// What the bridge imported of the contact into Spot-Hit, if anything.
async fn imported<W: World>(world: &W, contact_id: &str) -> Result<Option<Imported>, WorldError> {
    let kept = world.kv_get(links::imported_key(contact_id)).await?;
    Ok(kept.and_then(|v| crate::json::from_value(v).ok()))
}

/// What the location knows of the contact's consent, with the DND it shows.
async fn consent_facts<W: World>(
    world: &W,
    contact: &ContactView,
) -> Result<ConsentFacts, WorldError> {
    consent::facts(
        world,
        Some(&contact.id),
        contact.phone.as_deref(),
        contact.dnd,
    )
    .await
}

/// The contact as GHL has it now (one call in the lead lane).
pub async fn read_contact<W: World>(
    world: &W,
    settings: &LocationSettings,
    contact_id: &str,
) -> Flow<ContactView> {
    let target = ghl_target(world, settings).await?;
    let call = GetContact {
        contact_id: contact_id.to_string(),
    };
    let request =
        build_request(&call, &target).map_err(|e| Attempt::park(ParkCode::Other, e.to_string()))?;
    let response = send_within_budget(world, Lane::Lead, &request, "contact read").await?;
    let found = match call.parse(&response) {
        Ok(found) => found,
        Err(e) => return Err(refused(world, e).await),
    };
    let value = crate::json::to_value(&found.contact).unwrap_or(Value::Null);
    ContactView::from_ghl(&value)
        .ok_or_else(|| Attempt::park(ParkCode::Other, "GHL returned a contact without id").into())
}

fn not_configured(app: &str, secret: &str) -> Halt {
    Attempt::park(
        ParkCode::AppRefused,
        format!("a rule needs {app}, which is not configured (set {secret})"),
    )
    .into()
}

/// One action, carried out as a planned sync-back step is (the consent
/// check again, a group joined once, a list's person found): for a workflow
/// action, which has no GHL event of its own. Answers the step's line.
pub async fn perform_one<W: World>(
    world: &W,
    settings: &LocationSettings,
    step: &PlannedAction,
) -> Flow<String> {
    let rules = match load_rules(world, settings).await? {
        Some(Ok(rules)) => rules,
        _ => SyncRules::default(),
    };
    let actions = Actions {
        world,
        settings,
        rules: &rules,
    };
    actions.perform(step).await
}

/// A Spot-Hit group import: which group, who (phone, else e-mail), the GHL
/// contact it is, and whether a person already in it is imported again.
struct Joining<'a> {
    group: &'a str,
    who: &'a str,
    contact_id: Option<&'a str>,
    reimport: bool,
}

/// Carries out planned actions for one location.
struct Actions<'a, W> {
    world: &'a W,
    settings: &'a LocationSettings,
    rules: &'a SyncRules,
}

impl<W: World> Actions<'_, W> {
    /// One action: the line that says what happened, or why not now.
    async fn perform(&self, step: &PlannedAction) -> Flow<String> {
        let because = &step.because;
        match &step.action {
            OutboundAction::Skipped { reason } => Ok(format!("{because}: skipped, {reason}")),
            OutboundAction::SpotHitLeaveGroupManually { group, contact } => {
                // Forget the membership, so tagging the contact again imports
                // it again (after the person has removed it in Spot-Hit).
                self.world.kv_delete(member_key(group, contact)).await?;
                Ok(format!(
                    "{because}: remove {contact} from Spot-Hit group `{group}` by hand (Spot-Hit's API cannot)"
                ))
            }
            OutboundAction::SpotHitJoinGroup {
                group,
                mobile,
                contact_id,
                reimport,
                ..
            } => {
                let mut contact = step.action.spothit_contact().unwrap_or_default();
                let check = consent::check(
                    self.world,
                    Channel::Sms,
                    contact_id.as_deref(),
                    mobile.as_deref(),
                    None,
                );
                if let (Some(_), Err(why)) = (&contact.mobile, check.await?) {
                    contact.mobile = None;
                    if contact.email.is_none() {
                        return Ok(format!("{because}: skipped, {why}"));
                    }
                }
                let who = contact.mobile.clone().or_else(|| contact.email.clone());
                let who = who.unwrap_or_default();
                let joining = Joining {
                    group,
                    who: &who,
                    contact_id: contact_id.as_deref(),
                    reimport: *reimport,
                };
                self.join_group(because, joining, contact).await
            }
            OutboundAction::SpotHitSms {
                message,
                number,
                sender,
                contact_id,
            } => {
                // Again now: a STOP or a deletion may have come since the plan.
                let check = consent::check(
                    self.world,
                    Channel::Sms,
                    contact_id.as_deref(),
                    Some(number),
                    None,
                );
                if let Err(why) = check.await? {
                    return Ok(format!("{because}: skipped, {why}"));
                }
                let Some(target) = &self.settings.spothit else {
                    return Err(not_configured("Spot-Hit", "SPOTHIT_API_KEY"));
                };
                let request = spothit::SmsSend {
                    message,
                    numbers: std::slice::from_ref(number),
                    sender: sender.as_deref(),
                    ..Default::default()
                }
                .request(target);
                let answer = self.spothit_call(&request).await?;
                let sent = format!(
                    "{because}: SMS sent to {number} (Spot-Hit message {})",
                    answer["id"]
                );
                let recorded = self
                    .record_in_thread(contact_id.as_deref(), message, &answer["id"])
                    .await;
                Ok(format!("{sent}{recorded}"))
            }
            OutboundAction::SpecterAddToList {
                list_id,
                contact_id,
                email,
            } => {
                self.add_to_list(because, list_id, contact_id, email.as_deref())
                    .await
            }
        }
    }

    /// An SMS just sent, in the contact's GHL conversation as outbound when
    /// the location asks for it. Said on the step's line, never failing it:
    /// the step is done once Spot-Hit took the SMS, and a retry would send
    /// it again.
    async fn record_in_thread(
        &self,
        contact_id: Option<&str>,
        text: &str,
        spothit_id: &Value,
    ) -> String {
        let Some(contact_id) = contact_id else {
            return String::new();
        };
        match provider::settings(self.world, self.settings).await {
            Ok(chosen) if chosen.enabled && chosen.record_outside_messages => {}
            _ => return String::new(),
        }
        let id = match spothit_id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let message = provider::ThreadMessage::sent_outside(text, Some(id));
        let lane = Lane::Lead;
        match provider::add_to_thread(self.world, self.settings, contact_id, &message, lane).await {
            Ok(added) => format!("; recorded in the conversation ({})", added.message_id),
            Err(Halt::Event(Attempt::Retry { reason, .. } | Attempt::Park(_, reason))) => {
                format!("; not recorded in the conversation: {reason}")
            }
            Err(Halt::Event(_)) => {
                "; not recorded in the conversation: the GHL call budget was spent".into()
            }
            Err(Halt::World(why)) => format!("; not recorded in the conversation: {why}"),
        }
    }

    /// Spot-Hit's import may append rather than update: a person is imported
    /// into a group once, whatever redeliveries or tag churn happen, unless
    /// its details changed in GHL (`reimport`).
    async fn join_group(
        &self,
        because: &str,
        joining: Joining<'_>,
        contact: spothit::SpotHitContact,
    ) -> Flow<String> {
        let Joining { group, who, .. } = joining;
        let Some(target) = &self.settings.spothit else {
            return Err(not_configured("Spot-Hit", "SPOTHIT_API_KEY"));
        };
        let member = member_key(group, who);
        if !joining.reimport && self.world.kv_get(member.clone()).await?.is_some() {
            return Ok(format!(
                "{because}: {who} is already in Spot-Hit group `{group}`"
            ));
        }
        let group_id = self.spothit_group(target, group).await?;
        let request = spothit::import_contacts(target, &group_id, std::slice::from_ref(&contact));
        self.spothit_call(&request).await?;
        self.world.kv_put(member, json!(group_id)).await?;
        let listed = links::membership_key(who, group);
        self.world.kv_put(listed, json!(group)).await?;
        if let Some(contact_id) = joining.contact_id {
            self.remember_import(contact_id, group, contact).await?;
        }
        let again = if joining.reimport { " again" } else { "" };
        Ok(format!(
            "{because}: imported{again} into Spot-Hit group `{group}` ({group_id})"
        ))
    }

    /// The contact's values as now imported, and one more group they are in.
    async fn remember_import(
        &self,
        contact_id: &str,
        group: &str,
        contact: spothit::SpotHitContact,
    ) -> Result<(), WorldError> {
        let mut kept = imported(self.world, contact_id).await?.unwrap_or_default();
        kept.contact = contact;
        if !kept
            .groups
            .iter()
            .any(|g| case::lower(g) == case::lower(group))
        {
            kept.groups.push(group.to_string());
        }
        let value = crate::json::to_value(&kept).unwrap_or(Value::Null);
        self.world
            .kv_put(links::imported_key(contact_id), value)
            .await?;
        Ok(())
    }

    async fn add_to_list(
        &self,
        because: &str,
        list_id: &str,
        contact_id: &str,
        email: Option<&str>,
    ) -> Flow<String> {
        let Some(target) = &self.settings.specter else {
            return Err(not_configured("Specter", "SPECTER_API_KEY"));
        };
        let Some(person) = self.specter_person(target, contact_id, email).await? else {
            let why = if self.rules.specter.lookup_by_email {
                " (none matches its e-mail)"
            } else {
                " (lookupByEmail is off)"
            };
            return Ok(format!(
                "{because}: skipped, no Specter person is known for this contact{why}"
            ));
        };
        let request = specter::add_to_list(target, list_id, std::slice::from_ref(&person));
        self.specter_call(&request).await?;
        Ok(format!(
            "{because}: Specter person {person} added to list {list_id}"
        ))
    }

    /// Sends one call to Spot-Hit or Specter: unreachable or a retryable
    /// answer retries the event, any other refusal parks it with the reason.
    async fn app_call<T, E: std::fmt::Display>(
        &self,
        app: &str,
        request: &HttpRequest,
        parse: impl Fn(&HttpResponse) -> Result<T, E>,
        retryable: impl Fn(&E) -> bool,
    ) -> Flow<T> {
        let response = self
            .world
            .send(request)
            .await
            .map_err(|e| Attempt::retry(format!("{app} unreachable: {e}"), None))?;
        let answer = parse(&response).map_err(|e| {
            if retryable(&e) {
                Attempt::retry(e.to_string(), Some(1_000))
            } else {
                Attempt::park(ParkCode::AppRefused, e.to_string())
            }
        })?;
        Ok(answer)
    }

    async fn spothit_call(&self, request: &HttpRequest) -> Flow<Value> {
        self.app_call("Spot-Hit", request, spothit::parse_answer, |e| {
            e.is_retryable()
        })
        .await
    }

    async fn specter_call(&self, request: &HttpRequest) -> Flow<Option<Value>> {
        self.app_call("Specter", request, specter::parse_answer, |e| {
            e.is_retryable()
        })
        .await
    }

    /// The Spot-Hit group's id: remembered, else found by name, else created.
    /// Two consumers meeting a new group at once would both create it, so the
    /// find-or-create runs under a short lease; the other waits and reads the
    /// id the first one stored.
    async fn spothit_group(&self, target: &spothit::SpotHitTarget, name: &str) -> Flow<String> {
        // Case-blind, like `find_group`: GHL lowercases the tags names come from.
        let key = format!("spothit-group:{}", case::lower(name));
        let mut waited_ms = 0;
        loop {
            if let Some(id) = self.world.kv_get(key.clone()).await? {
                return Ok(id.as_str().map(String::from).unwrap_or_default());
            }
            if self.world.lease_acquire(key.clone(), 30_000).await? {
                break;
            }
            if waited_ms >= 10_000 {
                return Err(Attempt::retry(
                    format!("Spot-Hit group `{name}` is being created by another event"),
                    Some(5_000),
                )
                .into());
            }
            self.world.sleep(200).await;
            waited_ms += 200;
        }
        let found = self.find_or_create_group(target, name).await;
        if let Ok(id) = &found {
            self.world.kv_put(key.clone(), json!(id)).await?;
        }
        self.world.lease_release(key).await?;
        found
    }

    /// The group named `name` in Spot-Hit, created when it has none.
    async fn find_or_create_group(
        &self,
        target: &spothit::SpotHitTarget,
        name: &str,
    ) -> Flow<String> {
        let groups = self.spothit_call(&spothit::list_groups(target)).await?;
        if let Some(id) = spothit::find_group(&groups, name) {
            return Ok(id);
        }
        let created = self
            .spothit_call(&spothit::create_group(target, name))
            .await?;
        Ok(match &created["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// The contact's Specter person: linked when the bridge brought it from
    /// Specter, else (if allowed, 1 credit) found by e-mail.
    async fn specter_person(
        &self,
        target: &specter::SpecterTarget,
        contact_id: &str,
        email: Option<&str>,
    ) -> Flow<Option<String>> {
        let key = specter_person_key(contact_id);
        if let Some(id) = self.world.kv_get(key.clone()).await? {
            return Ok(id.as_str().map(String::from));
        }
        let Some(email) = email.filter(|_| self.rules.specter.lookup_by_email) else {
            return Ok(None);
        };
        let Some(found) = self
            .specter_call(&specter::person_by_email(target, email))
            .await?
        else {
            return Ok(None);
        };
        // Specter's reference names it `id`; its by-email lookup has been
        // seen answering `person_id` (the name person rows use): either.
        let id = found
            .get("person_id")
            .or_else(|| found.get("id"))
            .and_then(Value::as_str)
            .map(String::from);
        if let Some(id) = &id {
            self.world.kv_put(key, json!(id)).await?;
        }
        Ok(id)
    }
}
