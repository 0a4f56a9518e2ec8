//! Spot-Hit as a location's SMS provider in GHL's Conversations (GHL's
//! "conversation provider", default SMS mode). Three paths:
//! - out: GHL's `ProviderOutboundMessage` (a user, a workflow or a bulk action
//!   sent an SMS) is recorded once by GHL's message id, then sent through the
//!   location's Spot-Hit account with a per-send status URL ([`deliver`]);
//! - statuses: Spot-Hit's per-send callback becomes GHL's message status,
//!   never moved back from a final one ([`report_status`]);
//! - in: a reply or a STOP becomes a message in the contact's conversation
//!   ([`add_to_thread`]), in place of the note and task when the location
//!   asks for it.
//!
//! Each message's journey (GHL's id, Spot-Hit's id, every status with its
//! time) is kept under `provider:message:<id>` for the console.

use super::attempt::{Attempt, Flow, WaitingFor};
use super::budget::Lane;
use super::ghl_access::{ghl_target, refused, send_within_budget};
use super::protocol::WorldError;
use super::settings::LocationSettings;
use super::triggers;
use super::world::World;
use crate::admin_api::{EventRecord, ParkCode};
use crate::consent::{Channel, Dnd};
use crate::ghl::conversations::{
    AddInboundMessage, CreateConversation, CreateConversationBody, Direction, InboundMessageBody,
    MessageError, MessageStatus, MessageStatusBody, ProviderOutboundMessage, SearchConversations,
    UpdateMessageStatus,
};
use crate::ghl::{build_request, Call, GhlTarget};
use crate::http::HttpRequest;
use crate::spothit::{self, SpotHitError};
use crate::workflows::TriggerKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where a location's provider settings are kept.
const SETTINGS_KEY: &str = "provider:settings";
/// The journeys' key prefix.
pub const JOURNEY_PREFIX: &str = "provider:message:";
/// How long GHL refuses a status on a message it has not handed over yet
/// (about 5 to 10 s, highlevel-api-docs#4): no status is sent before this
/// long after GHL's call (a call spent on a 403 is the customer's), and one
/// refused all the same is tried again this long later.
const HANDOVER_WAIT_MS: u64 = 10_000;
/// Journeys the console lists, newest first.
pub const JOURNEYS_LISTED: usize = 100;

/// What becomes of a Spot-Hit reply at a location whose SMS provider is the
/// bridge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Replies {
    /// A message in the contact's conversation (and its tags).
    #[default]
    Conversation,
    /// The message, and the note and task as before.
    ConversationAndTask,
    /// The note and task only, as at a location that has not switched.
    NoteAndTask,
}

/// A location's conversation-provider settings (`GET|PUT
/// /v1/admin/locations/{id}/conversation-provider`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderSettings {
    /// Whether the bridge is the location's SMS provider in GHL (switched in
    /// GHL under Settings > Phone Numbers > Advanced > SMS Provider).
    pub enabled: bool,
    /// Spot-Hit's sender name (at most 11 characters); the account's default
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(default)]
    pub replies: Replies,
    /// Whether an SMS the sync rules send through Spot-Hit (outside GHL) is
    /// recorded in the contact's conversation as outbound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record_outside_messages: bool,
}

impl ProviderSettings {
    /// Refused loudly when wrong (a sender Spot-Hit would refuse).
    pub fn check(&self) -> Result<(), String> {
        if let Some(sender) = &self.sender {
            spothit::check_sender(sender).map_err(|e| format!("`sender` {e}"))?;
        }
        Ok(())
    }

    /// Whether a reply becomes a message in the conversation.
    pub fn threads_replies(&self) -> bool {
        self.enabled && self.replies != Replies::NoteAndTask
    }

    /// Whether a reply still gets its note and task.
    pub fn keeps_note_and_task(&self) -> bool {
        !self.enabled || self.replies != Replies::Conversation
    }
}

/// The location's settings: saved, else on for the deployment's own
/// location when the deployment names its provider (`GHL_CONVERSATION_PROVIDER_ID`).
pub async fn settings<W: World>(
    world: &W,
    location: &LocationSettings,
) -> Result<ProviderSettings, WorldError> {
    let saved = world.kv_get(SETTINGS_KEY.into()).await?;
    Ok(match saved.and_then(|v| crate::json::from_value(v).ok()) {
        Some(saved) => saved,
        None => ProviderSettings {
            enabled: location.sms_provider_by_default,
            ..ProviderSettings::default()
        },
    })
}

pub async fn put_settings<W: World>(
    world: &W,
    settings: &ProviderSettings,
) -> Result<(), WorldError> {
    world
        .kv_put(SETTINGS_KEY.into(), crate::json::to_value(settings)?)
        .await?;
    Ok(())
}

/// Where a message stands, as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JourneyState {
    /// GHL handed it over; not sent yet.
    Received,
    /// Spot-Hit took it.
    Sent,
    /// Not sent: opted out, refused by Spot-Hit, Spot-Hit not connected.
    Refused,
    Pending,
    Delivered,
    Failed,
}

/// One thing that happened to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JourneyStep {
    pub at_ms: u64,
    pub what: String,
}

/// A message GHL sent through the bridge, from GHL's call to its last status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageJourney {
    pub message_id: String,
    pub contact_id: String,
    pub phone: String,
    pub received_at_ms: u64,
    /// The per-send URL Spot-Hit calls with this message's statuses; none
    /// without a callback token (`SPOTHIT_PATH_TOKEN`), and then no statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spothit_id: Option<String>,
    pub state: JourneyState,
    /// The last status GHL accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<MessageStatus>,
    /// Why it failed or was refused, in Spot-Hit's or the bridge's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A refusal's code, as GHL's status gets it (`opted_out`, `spothit-6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub steps: Vec<JourneyStep>,
    /// The workflow whose action sent it: no GHL message, so no status is
    /// reported to GHL (a failure fires `spothit_delivery_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
}

impl MessageJourney {
    fn note(&mut self, at_ms: u64, what: impl Into<String>) {
        self.steps.push(JourneyStep {
            at_ms,
            what: what.into(),
        });
    }
}

fn journey_key(message_id: &str) -> String {
    format!("{JOURNEY_PREFIX}{message_id}")
}

async fn journey<W: World>(
    world: &W,
    message_id: &str,
) -> Result<Option<MessageJourney>, WorldError> {
    let found = world.kv_get(journey_key(message_id)).await?;
    Ok(found.and_then(|v| crate::json::from_value(v).ok()))
}

async fn save<W: World>(world: &W, journey: &MessageJourney) -> Result<(), WorldError> {
    world
        .kv_put(
            journey_key(&journey.message_id),
            crate::json::to_value(journey)?,
        )
        .await?;
    Ok(())
}

/// The journeys of a location, newest first.
pub async fn journeys<W: World>(world: &W) -> Result<Vec<MessageJourney>, WorldError> {
    let mut all: Vec<MessageJourney> = world
        .kv_list(JOURNEY_PREFIX.into())
        .await?
        .into_iter()
        .filter_map(|(_, v)| crate::json::from_value(v).ok())
        .collect();
    all.sort_by_key(|j| std::cmp::Reverse(j.received_at_ms));
    all.truncate(JOURNEYS_LISTED);
    Ok(all)
}

/// The journey of a message GHL just handed over, started once: a
/// redelivery of the same message id keeps the first.
pub async fn start_journey<W: World>(
    world: &W,
    message: &ProviderOutboundMessage,
    status_url: Option<String>,
    workflow_id: Option<String>,
) -> Result<(), WorldError> {
    let now = world.now_ms();
    let mut journey = MessageJourney {
        message_id: message.message_id.clone(),
        contact_id: message.contact_id.clone(),
        phone: message.phone.clone(),
        received_at_ms: now,
        status_url,
        spothit_id: None,
        state: JourneyState::Received,
        reported: None,
        error: None,
        error_code: None,
        steps: Vec::new(),
        workflow_id: workflow_id.clone(),
    };
    let origin = match &workflow_id {
        Some(w) => format!("asked by workflow {w}"),
        None => "received from GHL".to_string(),
    };
    journey.note(now, origin);
    let value = crate::json::to_value(&journey)?;
    world
        .kv_put_if_absent(journey_key(&message.message_id), value)
        .await?;
    Ok(())
}

/// Why a message was not sent, as GHL's `failed` status carries it.
pub struct Refusal {
    code: String,
    words: String,
}

/// One attempt at a message GHL handed over: decided and sent once (the
/// journey says so on a retry), then, when it was refused, the `failed`
/// status reported to GHL.
pub async fn deliver<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
) -> Flow<()> {
    let message = ProviderOutboundMessage::read(&record.payload)
        .map_err(|e| Attempt::park(ParkCode::BadPayload, e))?;
    record.contact_id = Some(message.contact_id.clone()).filter(|c| !c.is_empty());
    let provider = self::settings(world, settings).await?;
    let outgoing = Outgoing {
        message: &message,
        sender: provider.sender.as_deref(),
        label: "GHL conversation",
        current_dnd: None,
    };
    let mut journey = send_once(world, settings, &outgoing).await?;
    if journey.state == JourneyState::Sent {
        close_reply_task(world, settings, &mut journey).await?;
    }
    if journey.state == JourneyState::Refused && journey.reported.is_none() {
        let error = MessageError {
            code: journey
                .error_code
                .clone()
                .unwrap_or_else(|| "refused".into()),
            kind: "saas".into(),
            message: journey.error.clone().unwrap_or_else(|| "not sent".into()),
        };
        report(
            world,
            settings,
            &mut journey,
            MessageStatus::Failed,
            Some(error),
            Lane::Lead,
        )
        .await?;
    }
    Ok(())
}

fn reply_task_key(contact_id: &str) -> String {
    format!("provider:reply-task:{contact_id}")
}

/// Keeps the task a reply opened for the contact (GHL's answer to the task's
/// creation), so an answer sent from GHL closes it.
pub async fn remember_reply_task<W: World>(
    world: &W,
    contact_id: &str,
    created: &crate::http::HttpResponse,
) -> Result<(), WorldError> {
    let task = crate::json::read::<crate::ghl::tasks::TaskEnvelope>(&created.body).ok();
    if let Some(task) = task {
        world
            .kv_put(reply_task_key(contact_id), Value::String(task.task.id))
            .await?;
    }
    Ok(())
}

/// A task marked done in GHL: if it is the reply's, there is nothing left
/// for an answer to close (no call spent completing it again).
pub async fn reply_task_done<W: World>(
    world: &W,
    contact_id: &str,
    task_id: &str,
) -> Result<(), WorldError> {
    let key = reply_task_key(contact_id);
    if world
        .kv_get(key.clone())
        .await?
        .as_ref()
        .and_then(Value::as_str)
        == Some(task_id)
    {
        world.kv_delete(key).await?;
    }
    Ok(())
}

/// Someone answered the contact through the provider: the reply's open task
/// is marked completed (once; a task already gone is forgotten).
async fn close_reply_task<W: World>(
    world: &W,
    settings: &LocationSettings,
    journey: &mut MessageJourney,
) -> Flow<()> {
    let key = reply_task_key(&journey.contact_id);
    let Some(Value::String(task_id)) = world.kv_get(key.clone()).await? else {
        return Ok(());
    };
    let target = ghl_target(world, settings).await?;
    let call = crate::ghl::tasks::SetTaskCompleted {
        contact_id: journey.contact_id.clone(),
        task_id: task_id.clone(),
        body: crate::ghl::tasks::SetTaskCompletedBody { completed: true },
    };
    let request = built(&call, &target)?;
    let response = send_within_budget(world, Lane::Lead, &request, "task completed").await?;
    if (200..300).contains(&response.status) || response.status == 404 || response.status == 400 {
        world.kv_delete(key).await?;
        if (200..300).contains(&response.status) {
            journey.note(
                world.now_ms(),
                format!("the reply's task {task_id} marked completed"),
            );
            save(world, journey).await?;
        }
        return Ok(());
    }
    Err(refused(world, crate::ghl::GhlError::from_response(&response)).await)
}

/// One SMS to send: GHL's message (or a workflow action's), and how.
pub struct Outgoing<'a> {
    pub message: &'a ProviderOutboundMessage,
    pub sender: Option<&'a str>,
    /// Spot-Hit's campaign label (`nom`), not shown to the contact.
    pub label: &'a str,
    /// The contact's DND as GHL showed it just now, when it was read.
    pub current_dnd: Option<Dnd>,
}

/// The message's journey after its send: decided and sent once (a journey
/// past `received` is not sent again), the outcome saved on it.
pub async fn send_once<W: World>(
    world: &W,
    settings: &LocationSettings,
    outgoing: &Outgoing<'_>,
) -> Flow<MessageJourney> {
    let id = &outgoing.message.message_id;
    let Some(mut journey) = journey(world, id).await? else {
        return Err(Attempt::park(
            ParkCode::Other,
            format!("message {id} has no journey: it was not received through the Delivery URL"),
        )
        .into());
    };
    if journey.state != JourneyState::Received {
        return Ok(journey);
    }
    let status_url = journey.status_url.clone();
    match send(world, settings, outgoing, status_url.as_deref()).await? {
        Ok(spothit_id) => {
            journey.state = JourneyState::Sent;
            journey.note(
                world.now_ms(),
                format!("sent by Spot-Hit (message {spothit_id})"),
            );
            journey.spothit_id = Some(spothit_id);
        }
        Err(refusal) => {
            journey.state = JourneyState::Refused;
            journey.note(world.now_ms(), format!("not sent: {}", refusal.words));
            journey.error = Some(refusal.words);
            journey.error_code = Some(refusal.code);
        }
    }
    save(world, &journey).await?;
    Ok(journey)
}

/// The opt-out decision, then Spot-Hit: its message id, or why not.
async fn send<W: World>(
    world: &W,
    settings: &LocationSettings,
    outgoing: &Outgoing<'_>,
    status_url: Option<&str>,
) -> Flow<Result<String, Refusal>> {
    let message = outgoing.message;
    let refusal = |code: &str, words: String| {
        Ok(Err(Refusal {
            code: code.into(),
            words,
        }))
    };
    let contact = Some(message.contact_id.as_str()).filter(|c| !c.is_empty());
    let phone = Some(message.phone.as_str()).filter(|p| !p.is_empty());
    let current = outgoing.current_dnd;
    if let Err(why) = super::consent::check(world, Channel::Sms, contact, phone, current).await? {
        return refusal("opted_out", why.to_string());
    }
    let Some(phone) = phone else {
        return refusal(
            "no_phone",
            "GHL sent no phone number for the contact".into(),
        );
    };
    let Some(target) = &settings.spothit else {
        return refusal(
            "not_connected",
            "Spot-Hit is not connected to this location (connect it in the bridge's console)"
                .into(),
        );
    };
    let text = text_with_attachments(&message.message, &message.attachments);
    if text.trim().is_empty() {
        return refusal("empty", "the message is empty".into());
    }
    if let Some(sender) = outgoing.sender {
        if let Err(why) = spothit::check_sender(sender) {
            return refusal("bad_sender", format!("sender `{sender}` {why}"));
        }
    }
    let request = spothit::SmsSend {
        message: &text,
        numbers: &[phone.to_string()],
        sender: outgoing.sender,
        encoding_auto: true,
        label: Some(outgoing.label),
        status_url,
    }
    .request(target);
    let response = world
        .send(&request)
        .await
        .map_err(|e| Attempt::retry(format!("Spot-Hit unreachable: {e}"), None))?;
    match spothit::parse_answer(&response) {
        Ok(answer) => Ok(Ok(match &answer["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })),
        Err(e) if e.is_retryable() => Err(Attempt::retry(e.to_string(), Some(1_000)).into()),
        Err(SpotHitError::Refused(codes)) => {
            let words = SpotHitError::Refused(codes.clone()).to_string();
            refusal(&format!("spothit-{}", codes.join(",")), words)
        }
        Err(e) => refusal("spothit", e.to_string()),
    }
}

/// An SMS cannot carry media: the attachments' addresses are said in the
/// text, one per line, so the person still reaches them.
pub fn text_with_attachments(message: &str, attachments: &[String]) -> String {
    let mut text = message.to_string();
    for url in attachments.iter().filter(|u| !u.trim().is_empty()) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(url.trim());
    }
    text
}

/// What a Spot-Hit delivery status (`statut`) means to GHL: 1 delivered;
/// 4 failed, 5 expired; 0 waiting, 2 sent, 3 in progress are pending.
pub fn status_of(statut: &str) -> Option<MessageStatus> {
    match statut.trim() {
        "1" => Some(MessageStatus::Delivered),
        "4" | "5" => Some(MessageStatus::Failed),
        "0" | "2" | "3" => Some(MessageStatus::Pending),
        _ => None,
    }
}

fn spothit_status_words(statut: &str) -> &'static str {
    match statut.trim() {
        "0" => "waiting",
        "1" => "delivered",
        "2" => "sent",
        "3" => "in progress",
        "4" => "failed",
        "5" => "expired",
        _ => "unknown status",
    }
}

/// One attempt at a Spot-Hit status callback for a message GHL handed over
/// (`ghlMessageId` in its payload): reported to GHL unless GHL already shows
/// a final status.
pub async fn report_status<W: World>(
    world: &W,
    settings: &LocationSettings,
    record: &mut EventRecord,
) -> Flow<()> {
    let payload = crate::mapping::source::parse_form(&record.payload);
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (message_id, statut) = (field("ghlMessageId"), field("statut"));
    let Some(status) = status_of(&statut) else {
        return Err(Attempt::park(
            ParkCode::BadPayload,
            format!("`statut` is `{statut}`: not a Spot-Hit status (0 to 5)"),
        )
        .into());
    };
    let Some(mut journey) = journey(world, &message_id).await? else {
        return Err(Attempt::park(
            ParkCode::Other,
            format!("no message {message_id} was sent through the bridge"),
        )
        .into());
    };
    record.contact_id = Some(journey.contact_id.clone()).filter(|c| !c.is_empty());
    if journey.reported.is_some_and(MessageStatus::is_final) || journey.reported == Some(status) {
        return Ok(());
    }
    let code = field("statut_code");
    let detail = if code.is_empty() || code == "0" {
        String::new()
    } else {
        format!(" (code {code})")
    };
    let said = format!("Spot-Hit: {}{detail}", spothit_status_words(&statut));
    // Once per callback, whatever retries and waits follow.
    if !journey.steps.iter().any(|step| step.what == said) {
        journey.note(world.now_ms(), said.clone());
        journey.state = match status {
            MessageStatus::Delivered | MessageStatus::Read => JourneyState::Delivered,
            MessageStatus::Failed => JourneyState::Failed,
            MessageStatus::Pending => JourneyState::Pending,
        };
        if status == MessageStatus::Failed {
            journey.error = Some(said);
        }
        save(world, &journey).await?;
    }
    if status == MessageStatus::Failed {
        let variables = json!({"contactId": journey.contact_id, "phone": journey.phone,
            "reason": journey.error, "spothitId": journey.spothit_id});
        triggers::fire(
            world,
            settings,
            TriggerKey::SpotHitDeliveryFailed,
            &variables,
            &record.key,
        )
        .await?;
    }
    // A workflow's SMS has no GHL message to report on.
    if journey.workflow_id.is_some() {
        return Ok(());
    }
    let error = (status == MessageStatus::Failed).then(|| MessageError {
        code: format!("spothit-status-{statut}"),
        kind: "saas".into(),
        message: journey.error.clone().unwrap_or_default(),
    });
    report(world, settings, &mut journey, status, error, Lane::Receipt).await
}

/// `PUT .../status`, through the location's budget; GHL's 403 on a message
/// it has not handed over yet retries the event later (not the consumer).
async fn report<W: World>(
    world: &W,
    settings: &LocationSettings,
    journey: &mut MessageJourney,
    status: MessageStatus,
    error: Option<MessageError>,
    lane: Lane,
) -> Flow<()> {
    let handed_over_at = journey.received_at_ms + HANDOVER_WAIT_MS;
    if let Some(wait) = handed_over_at
        .checked_sub(world.now_ms())
        .filter(|w| *w > 0)
    {
        return Err(Attempt::Defer {
            come_back_ms: wait,
            waiting_for: WaitingFor::MessageHandover,
        }
        .into());
    }
    let target = ghl_target(world, settings).await?;
    let call = UpdateMessageStatus {
        message_id: journey.message_id.clone(),
        body: MessageStatusBody { status, error },
    };
    let request = built(&call, &target)?;
    let response = send_within_budget(world, lane, &request, "message status").await?;
    if response.status == 403 {
        return Err(Attempt::retry(
            "GHL has not handed the message to the provider yet (403): the status waits",
            Some(HANDOVER_WAIT_MS),
        )
        .into());
    }
    if let Err(e) = call.parse(&response) {
        return Err(refused(world, e).await);
    }
    journey.reported = Some(status);
    journey.note(world.now_ms(), format!("GHL shows {}", status.as_str()));
    save(world, journey).await?;
    Ok(())
}

fn built<C: Call>(call: &C, target: &GhlTarget) -> Flow<HttpRequest> {
    build_request(call, target).map_err(|e| Attempt::park(ParkCode::Other, e.to_string()).into())
}

/// A reply or a STOP, as a message in the contact's conversation: the
/// conversation found (kept per contact) or started, then the message with
/// Spot-Hit's id as `altId`. The event's own idempotency keeps it to one.
pub async fn add_to_thread<W: World>(
    world: &W,
    settings: &LocationSettings,
    contact_id: &str,
    reply: &ThreadMessage,
    lane: Lane,
) -> Flow<AddedToThread> {
    let Some(provider_id) = settings.conversation_provider_id.clone() else {
        return Err(Attempt::park(
            ParkCode::InvalidConfiguration,
            "replies go to the conversation but the deployment names no provider (set GHL_CONVERSATION_PROVIDER_ID)",
        )
        .into());
    };
    let target = ghl_target(world, settings).await?;
    let (conversation_id, lookups) =
        conversation(world, settings, &target, contact_id, lane).await?;
    let call = AddInboundMessage {
        body: InboundMessageBody {
            kind: "SMS".into(),
            conversation_id,
            contact_id: contact_id.to_string(),
            conversation_provider_id: provider_id,
            message: reply.text.clone(),
            direction: reply.direction,
            alt_id: reply.spothit_id.clone(),
            date: reply.date.clone(),
        },
    };
    let request = built(&call, &target)?;
    let response = send_within_budget(world, lane, &request, "conversation message").await?;
    match call.parse(&response) {
        Ok(added) => Ok(AddedToThread {
            message_id: added.message_id,
            calls: lookups + 1,
        }),
        Err(e) => Err(refused(world, e).await),
    }
}

/// A message added to a conversation, and the GHL calls it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedToThread {
    pub message_id: String,
    pub calls: u32,
}

/// What the bridge puts in a contact's conversation: a reply or a STOP
/// (inbound), or an SMS it sent through Spot-Hit outside GHL (outbound,
/// recorded, not sent again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    pub direction: Direction,
    pub text: String,
    pub spothit_id: Option<String>,
    /// ISO 8601, from Spot-Hit's Unix `date`.
    pub date: Option<String>,
}

impl ThreadMessage {
    /// A reply's (`message`) or a STOP's ("STOP") message, from its callback.
    pub fn of_callback(payload: &Value, stop: bool) -> ThreadMessage {
        let field = |name: &str| {
            payload
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let text = if stop {
            "STOP".to_string()
        } else {
            field("message").unwrap_or_default()
        };
        let date = field("date")
            .and_then(|d| d.trim().parse::<i64>().ok())
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string());
        ThreadMessage {
            direction: Direction::Inbound,
            text,
            spothit_id: field("id"),
            date,
        }
    }

    /// An SMS a sync rule sent through Spot-Hit, as GHL should show it.
    pub fn sent_outside(text: &str, spothit_id: Option<String>) -> ThreadMessage {
        ThreadMessage {
            direction: Direction::Outbound,
            text: text.to_string(),
            spothit_id,
            date: None,
        }
    }
}

/// The contact's conversation: kept, else found, else started; with the
/// GHL calls that took.
async fn conversation<W: World>(
    world: &W,
    settings: &LocationSettings,
    target: &GhlTarget,
    contact_id: &str,
    lane: Lane,
) -> Flow<(String, u32)> {
    let key = format!("provider:conversation:{contact_id}");
    if let Some(Value::String(id)) = world.kv_get(key.clone()).await? {
        return Ok((id, 0));
    }
    let mut calls = 1;
    let search = SearchConversations {
        location_id: settings.location_id.clone(),
        contact_id: contact_id.to_string(),
    };
    let response =
        send_within_budget(world, lane, &built(&search, target)?, "conversation search").await?;
    let found = match search.parse(&response) {
        Ok(list) => list.conversations.into_iter().next().map(|c| c.id),
        Err(e) => return Err(refused(world, e).await),
    };
    let id = match found {
        Some(id) => id,
        None => {
            calls += 1;
            let create = CreateConversation {
                body: CreateConversationBody {
                    location_id: settings.location_id.clone(),
                    contact_id: contact_id.to_string(),
                },
            };
            let response =
                send_within_budget(world, lane, &built(&create, target)?, "conversation start")
                    .await?;
            match create.parse(&response) {
                Ok(created) => created.conversation.id,
                Err(e) => return Err(refused(world, e).await),
            }
        }
    };
    world.kv_put(key, Value::String(id.clone())).await?;
    Ok((id, calls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spothit_statuses_map_to_ghl_and_only_pending_can_change() {
        assert_eq!(status_of("1"), Some(MessageStatus::Delivered));
        assert_eq!(status_of("4"), Some(MessageStatus::Failed));
        assert_eq!(status_of("5"), Some(MessageStatus::Failed));
        for waiting in ["0", "2", "3"] {
            assert_eq!(status_of(waiting), Some(MessageStatus::Pending));
        }
        assert_eq!(status_of("9"), None);
        assert!(MessageStatus::Delivered.is_final() && !MessageStatus::Pending.is_final());
    }

    #[test]
    fn attachments_are_said_in_the_text() {
        let urls = vec!["https://x.example/a.png".to_string(), " ".to_string()];
        assert_eq!(
            text_with_attachments("Voici", &urls),
            "Voici\nhttps://x.example/a.png"
        );
        assert_eq!(text_with_attachments("", &urls), "https://x.example/a.png");
        assert_eq!(text_with_attachments("Bonjour", &[]), "Bonjour");
    }

    #[test]
    fn a_reply_and_a_stop_read_their_callback() {
        let payload = serde_json::json!({"numero": "+33612345678", "message": "Oui", "id": "r1", "date": "1795341600"});
        let reply = ThreadMessage::of_callback(&payload, false);
        assert_eq!(reply.text, "Oui");
        assert_eq!(reply.spothit_id.as_deref(), Some("r1"));
        assert_eq!(reply.date.as_deref(), Some("2026-11-22T10:00:00.000Z"));
        assert_eq!(ThreadMessage::of_callback(&payload, true).text, "STOP");
    }

    #[test]
    fn settings_refuse_a_sender_spothit_would_refuse() {
        let mut s = ProviderSettings {
            enabled: true,
            sender: Some("MONCLUB".into()),
            replies: Replies::Conversation,
            record_outside_messages: false,
        };
        assert!(s.check().is_ok());
        assert!(s.threads_replies() && !s.keeps_note_and_task());
        s.sender = Some("A sender far too long".into());
        assert!(s.check().unwrap_err().contains("sender"));
        let off = ProviderSettings::default();
        assert!(!off.threads_replies() && off.keeps_note_and_task());
        let both: ProviderSettings =
            serde_json::from_str(r#"{"enabled":true,"replies":"conversationAndTask"}"#).unwrap();
        assert!(both.threads_replies() && both.keeps_note_and_task());
        assert!(
            serde_json::from_str::<ProviderSettings>(r#"{"enabled":true,"sendr":"X"}"#).is_err()
        );
    }
}
