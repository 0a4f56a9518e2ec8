//! The mapping document: what a user writes (JSON, comments allowed), versioned.
//!
//! These types are the format's single definition: serde reads them and schemars
//! derives `mapping.schema.json` from them, so editors autocomplete what the
//! engine accepts. Meaning is checked afterwards, in `validate.rs`.

use super::transform::Transform;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only format version so far.
pub const MAPPING_VERSION: u32 = 1;

/// A mapping from one source's payloads to a GHL contact and what goes with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappingDoc {
    /// Path or URL of this JSON Schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Format version: 1.
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub settings: Settings,
    /// The top-level fields this source sends. When given, a path that reads any
    /// other field is an error (catches typos before they lose data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_fields: Option<Vec<String>>,
    /// Contact fields. Several rules may target one field: the first that
    /// produces a value wins, later ones are fallbacks.
    #[serde(default)]
    pub fields: Vec<FieldRule>,
    /// Tags added to the contact (never replacing the contact's other tags).
    #[serde(default)]
    pub tags: Vec<ValueRule>,
    #[serde(default)]
    pub notes: Vec<NoteRule>,
    #[serde(default)]
    pub tasks: Vec<TaskRule>,
    #[serde(default)]
    pub appointments: Vec<AppointmentRule>,
    /// Tags taken off the contact (a list value gives one tag per element).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_tags: Vec<ValueRule>,
    /// GHL workflows the contact is enrolled in or taken out of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflows: Vec<MembershipRule>,
    /// GHL campaigns the contact is added to or taken out of (one, or all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<MembershipRule>,
    /// GHL users who follow the contact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub followers: Vec<FollowerRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Region for phone numbers written without a country code (ISO 3166, `FR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_region: Option<String>,
    /// Time zone for dates written without one (IANA, `Europe/Paris`). UTC if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// One or several source paths; with several, the first non-empty one is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Paths {
    One(String),
    Many(Vec<String>),
}

impl Paths {
    pub fn as_slice(&self) -> &[String] {
        match self {
            Paths::One(p) => std::slice::from_ref(p),
            Paths::Many(ps) => ps,
        }
    }
}

/// A contact field rule: where the value comes from, how it is transformed, where
/// it goes. (It repeats `ValueRule`'s keys instead of flattening it because serde
/// cannot combine `flatten` with `deny_unknown_fields`, and unknown keys must be
/// reported.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldRule {
    /// `email`, `phone`, `firstName`, ..., `dnd`, `dnd.SMS`,
    /// `customField.<key>` or `customFieldId.<id>`.
    pub to: String,
    /// Source path(s); the first non-empty one is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Paths>,
    /// A constant value instead of a source path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Text with `{path}` placeholders, e.g. `"{prenom} {nom}"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    /// Apply this rule only when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A value rule for tags: `from`, `value` or `template`, transforms, condition.
/// A list value gives one tag per element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValueRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Paths>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A note on the contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoteRule {
    /// The note text, with `{path}` placeholders.
    pub template: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A task on the contact, due some time after the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskRule {
    /// Title, with `{path}` placeholders.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// How long after the event the task is due: `30m`, `4h`, `2d`, `1w`.
    pub due_in: String,
    /// A GHL user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// An appointment booked for the contact in a GHL calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppointmentRule {
    pub calendar_id: String,
    /// Where the start time comes from, and how to read it (a `date` transform).
    pub start: ValueRule,
    /// Default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// Enrolling the contact in a GHL workflow or campaign, or taking it out.
/// Give exactly one of `enrol`, `leave` (an id, as GHL shows it) or, for
/// campaigns only, `leaveAll: true`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembershipRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<String>,
    /// Campaigns only: take the contact out of every campaign.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leave_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// GHL users (their ids) added as followers of the contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FollowerRule {
    pub add: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A test on one source value. Give `path` and exactly one of `equals`, `in`,
/// `contains`, `exists`. Text comparisons ignore case and surrounding spaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Inverts the test.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
}
