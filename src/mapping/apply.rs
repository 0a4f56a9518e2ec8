//! Applying a mapping to one payload: the GHL contact draft, its tags, notes,
//! tasks and appointments, and for every value where it came from. A value the
//! mapping refuses becomes a warning; nothing is dropped silently.

use super::dates;
use super::source::{is_empty_value, Payload, SourcePath};
use super::target::Target;
use super::transform::{normalised_operand, text_of, StepContext, Transform};
use super::validate::{
    CompiledCondition, CompiledValue, Mapping, MembershipChange, MembershipList, ValueSource,
};
use super::zones::out_of_range;
use crate::dedupe::IdentityKeys;
use crate::ghl::contacts::{
    ContactFields, CreateContactBody, CustomFieldInput, DateOfBirth, DndChannel, DndSettings,
    DndStatus, UpsertContactBody,
};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

/// What applying needs from outside: the clock, passed in (the core reads none),
/// and whether to explain every value.
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// The event's time, Unix seconds: relative task due dates count from it.
    pub now_unix: i64,
    /// Fill [`MappingOutcome::provenance`] and [`MappingOutcome::unmapped`].
    /// A preview shows them; syncing an event or checking a file's rows does
    /// not, and skips their copies (each value's raw and final form, the names
    /// no rule reads). Everything else in the outcome is the same.
    pub explain: bool,
}

/// The contact as the mapping fills it: the fields every write accepts, plus the
/// two that only create and upsert take.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDraft {
    #[serde(flatten)]
    pub fields: ContactFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
}

impl ContactDraft {
    /// Nothing but the e-mail and phone that identify the contact: for a
    /// contact already known, an upsert would write nothing.
    pub fn is_identity_only(&self) -> bool {
        let rest = ContactFields {
            email: None,
            phone: None,
            ..self.fields.clone()
        };
        rest == ContactFields::default() && self.company_name.is_none() && self.gender.is_none()
    }

    /// The upsert body for `location_id`. Tags are left out on purpose: on upsert
    /// they replace every tag the contact has; they go through add-tags instead.
    pub fn to_upsert_body(&self, location_id: &str) -> UpsertContactBody {
        let mut fields = self.fields.clone();
        fields.tags = None;
        UpsertContactBody {
            contact: CreateContactBody {
                location_id: location_id.to_string(),
                gender: self.gender.clone(),
                company_name: self.company_name.clone(),
                fields,
            },
            create_new_if_duplicate_allowed: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteDraft {
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDraft {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// UTC ISO 8601.
    pub due_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentDraft {
    pub calendar_id: String,
    pub start_time: String,
    pub end_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A workflow or campaign the contact enters or leaves.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipDraft {
    pub list: MembershipList,
    #[serde(flatten)]
    pub change: MembershipChange,
}

/// Where one output value came from. The names in it are the compiled
/// mapping's own, shared (`Arc`), so that explaining every value costs an
/// event no copies of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// `email`, `tags`, `customField.utm_source`, ...
    pub target: Arc<str>,
    /// The rule, as a JSON pointer into the mapping.
    pub rule: Arc<str>,
    /// The source path read, `constant`, or `template`.
    pub source: Arc<str>,
    /// The value before any step.
    pub raw: Value,
    /// The steps it went through, in order (automatic ones marked).
    pub steps: Arc<[String]>,
    pub value: Value,
    /// False for a fallback rule whose target an earlier rule already filled.
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingOutcome {
    pub contact: ContactDraft,
    pub tags: Vec<String>,
    pub notes: Vec<NoteDraft>,
    pub tasks: Vec<TaskDraft>,
    pub appointments: Vec<AppointmentDraft>,
    /// Tags taken off the contact.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub memberships: Vec<MembershipDraft>,
    /// GHL user ids added as the contact's followers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub followers: Vec<String>,
    pub identity: IdentityKeys,
    pub provenance: Vec<Provenance>,
    /// Values the mapping refused, and why.
    pub warnings: Vec<Warning>,
    /// Problems that stop this event from being synced (no identity).
    pub errors: Vec<Warning>,
    /// Top-level payload fields no rule reads (when explaining), in the
    /// payload's order: a [`ParsedPayload`]'s text order, a map's by name.
    ///
    /// [`ParsedPayload`]: super::ParsedPayload
    pub unmapped: Vec<String>,
}

/// A value after its rule ran. It borrows the payload and the mapping where
/// it can: only an explained outcome keeps a copy of the raw value and a
/// share of the names.
enum Evaluated<'a> {
    /// The condition was false, or the source gave nothing.
    Nothing,
    Dropped {
        source: &'a Arc<str>,
        raw: Cow<'a, Value>,
        /// The step that refused the value.
        step: String,
        reason: String,
    },
    Value {
        source: &'a Arc<str>,
        raw: Cow<'a, Value>,
        steps: &'a Arc<[String]>,
        value: Value,
    },
}

impl Mapping {
    pub fn apply(&self, payload: &Value, options: &ApplyOptions) -> MappingOutcome {
        self.apply_to(&Payload::new(payload), options)
    }

    /// [`Mapping::apply`] on a payload as paths read it: a [`ParsedPayload`]'s
    /// view, so a JSON object is applied without being made a map first.
    ///
    /// [`ParsedPayload`]: super::ParsedPayload
    pub fn apply_to(&self, view: &Payload, options: &ApplyOptions) -> MappingOutcome {
        let settings = &self.doc.settings;
        let ctx = StepContext {
            payload: view,
            phone_region: settings.phone_region.as_deref(),
            timezone: settings.timezone.as_deref(),
        };
        let mut out = MappingOutcome {
            provenance: Vec::with_capacity(if options.explain {
                self.fields.len() + self.tags.len()
            } else {
                0
            }),
            ..MappingOutcome::default()
        };
        // Which targets a rule has filled so far (fallback rules come later).
        let mut filled: Vec<&str> = Vec::new();
        // Whether the e-mail and phone were written by their normalisation step.
        let (mut email_normalised, mut phone_normalised) = (false, false);

        for field in &self.fields {
            let target = &field.target_label;
            let automatic = field.automatic.as_ref();
            // A fallback for a target already filled is only explained or
            // warned about; with no explanation wanted and steps that never
            // refuse text, only a list could make it warn.
            let filled_already = filled.contains(&&**target);
            let only_a_list_counts = !options.explain && field.quiet_on_text && filled_already;
            match evaluate(
                &field.value,
                &ctx,
                automatic,
                &field.step_labels,
                only_a_list_counts,
            ) {
                Evaluated::Nothing => {}
                Evaluated::Dropped {
                    source,
                    raw,
                    step,
                    reason,
                } => out.warnings.push(Warning {
                    rule: field.value.pointer.to_string(),
                    target: Some(target.to_string()),
                    message: format!(
                        "`{}` from `{source}` was dropped at step `{step}`: {reason}",
                        text_of(&raw),
                    ),
                }),
                Evaluated::Value {
                    source,
                    raw,
                    steps,
                    mut value,
                } => {
                    let used = !filled_already;
                    if used {
                        // The value itself goes into the contact unless the
                        // outcome also explains it.
                        let written = if options.explain {
                            value.clone()
                        } else {
                            std::mem::take(&mut value)
                        };
                        match set_target(&mut out.contact, &field.target, written) {
                            Ok(()) => {
                                filled.push(target);
                                match field.target {
                                    Target::Field("email") => {
                                        email_normalised = field.ends_normalised()
                                    }
                                    Target::Field("phone") => {
                                        phone_normalised = field.ends_normalised()
                                    }
                                    _ => {}
                                }
                            }
                            Err(reason) => {
                                out.warnings.push(Warning {
                                    rule: field.value.pointer.to_string(),
                                    target: Some(target.to_string()),
                                    message: format!(
                                        "`{}` from `{source}` was not used: {reason}",
                                        text_of(&raw)
                                    ),
                                });
                                continue;
                            }
                        }
                    }
                    if options.explain {
                        out.provenance.push(Provenance {
                            target: Arc::clone(target),
                            rule: Arc::clone(&field.value.pointer),
                            source: Arc::clone(source),
                            raw: raw.into_owned(),
                            steps: Arc::clone(steps),
                            value,
                            used,
                        });
                    }
                }
            }
        }

        let mut explained = Explained {
            explain: options.explain,
            warnings: &mut out.warnings,
            provenance: &mut out.provenance,
        };
        out.tags = explained.tags(&self.tags, &TAGS, &ctx);
        out.removed_tags = explained.tags(&self.remove_tags, &REMOVED_TAGS, &ctx);

        for note in &self.notes {
            if !condition_holds(note.when.as_ref(), view) || note.body.renders_empty(view) {
                continue;
            }
            out.notes.push(NoteDraft {
                body: note.body.render(view, None),
                title: note
                    .title
                    .as_ref()
                    .map(|t| t.render(view, None))
                    .filter(|t| !t.is_empty()),
            });
        }

        for task in &self.tasks {
            if !condition_holds(task.when.as_ref(), view) {
                continue;
            }
            match dates::after(options.now_unix, &format!("{}m", task.due_in_seconds / 60)) {
                Ok(due_date) => out.tasks.push(TaskDraft {
                    title: task.title.render(view, None),
                    body: task
                        .body
                        .as_ref()
                        .map(|b| b.render(view, None))
                        .filter(|b| !b.is_empty()),
                    due_date,
                    assigned_to: task.assigned_to.clone(),
                }),
                Err(reason) => out.warnings.push(Warning {
                    rule: task.pointer.clone(),
                    target: Some("tasks".into()),
                    message: format!("no task: {reason}"),
                }),
            }
        }

        for appt in &self.appointments {
            if !condition_holds(appt.when.as_ref(), view) {
                continue;
            }
            let warn = |message: String| Warning {
                rule: appt.pointer.clone(),
                target: Some("appointments".into()),
                message,
            };
            let start = match evaluate(&appt.start, &ctx, None, &appt.start.step_labels, false) {
                Evaluated::Nothing => continue,
                Evaluated::Dropped { reason, .. } => {
                    out.warnings.push(warn(format!("no appointment: {reason}")));
                    continue;
                }
                Evaluated::Value { value, .. } => value,
            };
            let times = dates::convert(
                &start,
                dates::DateFormat::Auto,
                ctx.timezone,
                dates::DateOutput::Datetime,
            )
            .and_then(|s| {
                let ts = crate::iso8601::timestamp(&s).ok_or_else(|| out_of_range(&s))?;
                let end = ts
                    .checked_add(jiff::SignedDuration::from_mins(i64::from(
                        appt.duration_minutes,
                    )))
                    .map_err(|_| out_of_range(&format!("{s} + {} min", appt.duration_minutes)))?;
                Ok((s, end.to_string()))
            });
            match times {
                Ok((start_time, end_time)) => out.appointments.push(AppointmentDraft {
                    calendar_id: appt.calendar_id.clone(),
                    start_time,
                    end_time,
                    title: appt
                        .title
                        .as_ref()
                        .map(|t| t.render(view, None))
                        .filter(|t| !t.is_empty()),
                }),
                Err(reason) => out.warnings.push(warn(format!("no appointment: {reason}"))),
            }
        }

        for rule in &self.memberships {
            if condition_holds(rule.when.as_ref(), view) {
                out.memberships.push(MembershipDraft {
                    list: rule.list,
                    change: rule.change.clone(),
                });
            }
        }
        for rule in &self.followers {
            if condition_holds(rule.when.as_ref(), view) {
                for user in &rule.add {
                    if !out.followers.contains(user) {
                        out.followers.push(user.clone());
                    }
                }
            }
        }

        let fields = &out.contact.fields;
        out.identity = IdentityKeys::new(
            fields.email.as_deref().filter(|_| !email_normalised),
            fields.phone.as_deref().filter(|_| !phone_normalised),
            settings.phone_region.as_deref(),
        );
        // Normalising an answer again gives the same answer (the phone corpus
        // and a property test check it), so those are not parsed twice.
        if email_normalised {
            out.identity.email.clone_from(&fields.email);
        }
        if phone_normalised {
            out.identity.phone.clone_from(&fields.phone);
        }
        if out.identity.is_empty() {
            out.errors.push(Warning {
                rule: "/fields".into(),
                target: None,
                message: "this payload gives neither a valid e-mail nor a valid phone, so the contact cannot be matched or created".into(),
            });
        }
        if options.explain {
            out.unmapped = self.unmapped(view);
        }
        out
    }

    /// Every source path the mapping reads anywhere.
    pub fn read_paths(&self) -> Vec<&SourcePath> {
        let mut paths = Vec::new();
        for f in &self.fields {
            value_paths(&f.value, &mut paths);
        }
        for t in self.tags.iter().chain(&self.remove_tags) {
            value_paths(t, &mut paths);
        }
        for m in &self.memberships {
            paths.extend(m.when.iter().map(|c| &c.path));
        }
        for f in &self.followers {
            paths.extend(f.when.iter().map(|c| &c.path));
        }
        for a in &self.appointments {
            value_paths(&a.start, &mut paths);
            paths.extend(a.title.iter().flat_map(|t| t.paths()));
            paths.extend(a.when.iter().map(|c| &c.path));
        }
        for n in &self.notes {
            paths.extend(n.body.paths());
            paths.extend(n.title.iter().flat_map(|t| t.paths()));
            paths.extend(n.when.iter().map(|c| &c.path));
        }
        for t in &self.tasks {
            paths.extend(t.title.paths());
            paths.extend(t.body.iter().flat_map(|b| b.paths()));
            paths.extend(t.when.iter().map(|c| &c.path));
        }
        paths
    }

    /// See `read_names`.
    pub(super) fn folded_read_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .read_paths()
            .iter()
            .flat_map(|p| [p.root(), p.as_str()])
            .map(str::to_ascii_lowercase)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn unmapped(&self, payload: &Payload) -> Vec<String> {
        let mut folded = Vec::new();
        let mut read = |key: &str| {
            let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
                folded.clear();
                folded.extend(key.bytes().map(|b| b.to_ascii_lowercase()));
                &folded[..]
            } else {
                key.as_bytes() // the usual case: folded already
            };
            self.read_names
                .binary_search_by(|name| name.as_bytes().cmp(key))
                .is_ok()
        };
        payload
            .entries()
            .filter(|(k, v)| !read(k) && !is_empty_value(v))
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

/// The source paths one value rule reads.
fn value_paths<'a>(v: &'a CompiledValue, paths: &mut Vec<&'a SourcePath>) {
    match &v.source {
        ValueSource::Paths(ps) => paths.extend(ps.iter()),
        ValueSource::Template(t) => paths.extend(t.paths()),
        ValueSource::Constant(_) => {}
    }
    for t in &v.transforms {
        if let Transform::Template(tpl) = t {
            paths.extend(tpl.paths());
        }
    }
    if let Some(c) = &v.when {
        paths.push(&c.path);
    }
}

/// Where tag rules report what they did.
struct Explained<'o> {
    explain: bool,
    warnings: &'o mut Vec<Warning>,
    provenance: &'o mut Vec<Provenance>,
}

impl Explained<'_> {
    /// The tags `rules` give (one per element of a list value), each once.
    fn tags(
        &mut self,
        rules: &[CompiledValue],
        target: &Arc<str>,
        ctx: &StepContext,
    ) -> Vec<String> {
        let mut tags = Vec::new();
        for rule in rules {
            match evaluate(rule, ctx, None, &rule.step_labels, false) {
                Evaluated::Nothing => {}
                Evaluated::Dropped {
                    source,
                    raw,
                    reason,
                    ..
                } => self.warnings.push(Warning {
                    rule: rule.pointer.to_string(),
                    target: Some(target.to_string()),
                    message: format!("no tag from `{}` (`{source}`): {reason}", text_of(&raw)),
                }),
                Evaluated::Value {
                    source,
                    raw,
                    steps,
                    value,
                } => {
                    let items = match &value {
                        Value::Array(items) => &items[..],
                        other => std::slice::from_ref(other),
                    };
                    for item in items {
                        add_tag(&mut tags, item);
                    }
                    if self.explain {
                        self.provenance.push(Provenance {
                            target: Arc::clone(target),
                            rule: Arc::clone(&rule.pointer),
                            source: Arc::clone(source),
                            raw: raw.into_owned(),
                            steps: Arc::clone(steps),
                            value,
                            used: true,
                        });
                    }
                }
            }
        }
        tags
    }
}

/// A tag from one value, trimmed, unless it is blank or the contact has it
/// already in another case.
fn add_tag(tags: &mut Vec<String>, item: &Value) {
    let text = match item {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(text_of(other)),
    };
    let tag = text.trim();
    if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
        tags.push(tag.to_string());
    }
}

/// Runs one value rule: its condition, its first non-empty source, then its
/// steps and `automatic` (whose labels, all of them, are `labels`). With
/// `only_a_list_counts`, a value that is not a list comes to nothing: the
/// caller wants only the warning a list would give.
fn evaluate<'a>(
    rule: &'a CompiledValue,
    ctx: &StepContext<'a>,
    automatic: Option<&Transform>,
    labels: &'a Arc<[String]>,
    only_a_list_counts: bool,
) -> Evaluated<'a> {
    if !condition_holds(rule.when.as_ref(), ctx.payload) {
        return Evaluated::Nothing;
    }
    let (source, raw) = match &rule.source {
        ValueSource::Paths(paths) => {
            match paths.iter().find_map(|p| {
                p.resolve(ctx.payload)
                    .filter(|v| !is_empty_value(v))
                    .map(|v| (p, v))
            }) {
                Some((p, v)) => (p.shared_text(), Cow::Borrowed(v)),
                None => return Evaluated::Nothing,
            }
        }
        ValueSource::Constant(v) => (&*CONSTANT, Cow::Borrowed(v)),
        ValueSource::Template(t) => {
            if t.renders_empty(ctx.payload) {
                return Evaluated::Nothing;
            }
            (
                &*TEMPLATE,
                Cow::Owned(Value::String(t.render(ctx.payload, None))),
            )
        }
    };
    if only_a_list_counts && !raw.is_array() {
        return Evaluated::Nothing;
    }
    let mut value = raw.as_ref().clone();
    for (i, step) in rule.transforms.iter().chain(automatic).enumerate() {
        match step.apply(value, ctx) {
            Ok(Some(v)) => value = v,
            Ok(None) => return Evaluated::Nothing,
            Err(reason) => {
                return Evaluated::Dropped {
                    source,
                    raw,
                    step: labels.get(i).cloned().unwrap_or_default(),
                    reason,
                }
            }
        }
    }
    Evaluated::Value {
        source,
        raw,
        steps: labels,
        value,
    }
}

// Provenance's fixed names, shared rather than made for every event.
static CONSTANT: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("constant"));
static TEMPLATE: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("template"));
static TAGS: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("tags"));
static REMOVED_TAGS: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("removeTags"));

fn condition_holds(when: Option<&CompiledCondition>, payload: &Payload) -> bool {
    let Some(c) = when else { return true };
    let found = c.path.resolve(payload).filter(|v| !is_empty_value(v));
    let cond = &c.condition;
    let holds = if let Some(exists) = cond.exists {
        found.is_some() == exists
    } else if let Some(found) = found {
        let found = normalised_operand(found);
        if cond.contains.is_some() {
            c.operands
                .iter()
                .any(|needle| found.contains(needle.as_str()))
        } else {
            c.operands.contains(&found)
        }
    } else {
        false
    };
    holds != cond.not
}

fn set_target(draft: &mut ContactDraft, target: &Target, value: Value) -> Result<(), String> {
    let text = |value: Value| match value {
        Value::String(s) if s.trim().len() == s.len() => s, // moved, not copied
        other => text_of(&other).trim().to_string(),
    };
    let f = &mut draft.fields;
    match target {
        Target::Field(name) => {
            let slot = match *name {
                "firstName" => &mut f.first_name,
                "lastName" => &mut f.last_name,
                "name" => &mut f.name,
                "email" => &mut f.email,
                "phone" => &mut f.phone,
                "companyName" => &mut draft.company_name,
                "address1" => &mut f.address1,
                "city" => &mut f.city,
                "state" => &mut f.state,
                "postalCode" => &mut f.postal_code,
                "country" => &mut f.country,
                "website" => &mut f.website,
                "timezone" => &mut f.timezone,
                "source" => &mut f.source,
                "gender" => &mut draft.gender,
                "assignedTo" => &mut f.assigned_to,
                "dateOfBirth" => {
                    f.date_of_birth = Some(DateOfBirth::Text(text(value)));
                    return Ok(());
                }
                other => return Err(format!("`{other}` cannot be written")),
            };
            *slot = Some(text(value));
        }
        Target::Dnd => f.dnd = Some(value.as_bool().ok_or("DND takes true or false")?),
        Target::DndChannel(channel) => {
            let on = value.as_bool().ok_or("DND takes true or false")?;
            let setting = Some(DndChannel {
                status: if on {
                    DndStatus::Active
                } else {
                    DndStatus::Inactive
                },
                message: None,
                code: None,
            });
            let settings = f.dnd_settings.get_or_insert_with(DndSettings::default);
            match *channel {
                "Call" => settings.call = setting,
                "Email" => settings.email = setting,
                "SMS" => settings.sms = setting,
                "WhatsApp" => settings.whatsapp = setting,
                "GMB" => settings.gmb = setting,
                _ => settings.fb = setting,
            }
        }
        Target::CustomFieldKey(key) => {
            f.custom_fields
                .get_or_insert_with(Vec::new)
                .push(CustomFieldInput {
                    id: None,
                    key: Some(key.clone()),
                    field_value: value,
                })
        }
        Target::CustomFieldId(id) => {
            f.custom_fields
                .get_or_insert_with(Vec::new)
                .push(CustomFieldInput {
                    id: Some(id.clone()),
                    key: None,
                    field_value: value,
                })
        }
    }
    Ok(())
}
