//! Applying a mapping to one payload: the GHL contact draft, its tags, notes,
//! tasks and appointments, and for every value where it came from. A value the
//! mapping refuses becomes a warning; nothing is dropped silently.

use super::dates;
use super::source::{is_empty_value, SourcePath};
use super::target::Target;
use super::transform::{normalised_operand, text_of, Coercion, StepContext, Transform};
use super::validate::{CompiledCondition, CompiledValue, Mapping, ValueSource};
use crate::dedupe::IdentityKeys;
use crate::ghl::contacts::{
    ContactFields, CreateContactBody, CustomFieldInput, DateOfBirth, DndChannel, DndSettings,
    DndStatus, UpsertContactBody,
};
use serde::Serialize;
use serde_json::Value;

/// What applying needs from outside: the clock, passed in (the core reads none).
#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// The event's time, Unix seconds: relative task due dates count from it.
    pub now_unix: i64,
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

/// Where one output value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// `email`, `tags`, `customField.utm_source`, ...
    pub target: String,
    /// The rule, as a JSON pointer into the mapping.
    pub rule: String,
    /// The source path read, `constant`, or `template`.
    pub source: String,
    /// The value before any step.
    pub raw: Value,
    /// The steps it went through, in order (automatic ones marked).
    pub steps: Vec<String>,
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
    pub identity: IdentityKeys,
    pub provenance: Vec<Provenance>,
    /// Values the mapping refused, and why.
    pub warnings: Vec<Warning>,
    /// Problems that stop this event from being synced (no identity).
    pub errors: Vec<Warning>,
    /// Top-level payload fields no rule reads.
    pub unmapped: Vec<String>,
}

/// A value after its rule ran.
enum Evaluated {
    /// The condition was false, or the source gave nothing.
    Nothing,
    Dropped {
        source: String,
        raw: Value,
        steps: Vec<String>,
        reason: String,
    },
    Value {
        source: String,
        raw: Value,
        steps: Vec<String>,
        value: Value,
    },
}

impl Mapping {
    pub fn apply(&self, payload: &Value, options: &ApplyOptions) -> MappingOutcome {
        let settings = &self.doc.settings;
        let ctx = StepContext {
            payload,
            phone_region: settings.phone_region.as_deref(),
            timezone: settings.timezone.as_deref(),
        };
        let mut out = MappingOutcome::default();
        let mut filled_by: Vec<(String, String)> = Vec::new();

        for field in &self.fields {
            let target = field.target.label();
            let automatic = automatic_step(&field.target, &field.value.transforms);
            match evaluate(&field.value, &ctx, automatic.as_ref()) {
                Evaluated::Nothing => {}
                Evaluated::Dropped {
                    source,
                    raw,
                    steps,
                    reason,
                } => out.warnings.push(Warning {
                    rule: field.value.pointer.clone(),
                    target: Some(target.clone()),
                    message: format!(
                        "`{}` from `{source}` was dropped at step `{}`: {reason}",
                        text_of(&raw),
                        steps.last().map_or("", String::as_str)
                    ),
                }),
                Evaluated::Value {
                    source,
                    raw,
                    steps,
                    value,
                } => {
                    let earlier = filled_by
                        .iter()
                        .find(|(t, _)| *t == target)
                        .map(|(_, r)| r.clone());
                    let used = earlier.is_none();
                    if used {
                        match set_target(&mut out.contact, &field.target, value.clone()) {
                            Ok(()) => filled_by.push((target.clone(), field.value.pointer.clone())),
                            Err(reason) => {
                                out.warnings.push(Warning {
                                    rule: field.value.pointer.clone(),
                                    target: Some(target.clone()),
                                    message: format!(
                                        "`{}` from `{source}` was not used: {reason}",
                                        text_of(&raw)
                                    ),
                                });
                                continue;
                            }
                        }
                    }
                    out.provenance.push(Provenance {
                        target,
                        rule: field.value.pointer.clone(),
                        source,
                        raw,
                        steps,
                        value,
                        used,
                    });
                }
            }
        }

        for rule in &self.tags {
            match evaluate(rule, &ctx, None) {
                Evaluated::Nothing => {}
                Evaluated::Dropped {
                    source,
                    raw,
                    reason,
                    ..
                } => out.warnings.push(Warning {
                    rule: rule.pointer.clone(),
                    target: Some("tags".into()),
                    message: format!("no tag from `{}` (`{source}`): {reason}", text_of(&raw)),
                }),
                Evaluated::Value {
                    source,
                    raw,
                    steps,
                    value,
                } => {
                    let items = match &value {
                        Value::Array(items) => items.clone(),
                        other => vec![other.clone()],
                    };
                    for tag in items.iter().map(text_of).map(|t| t.trim().to_string()) {
                        if !tag.is_empty() && !out.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag))
                        {
                            out.tags.push(tag);
                        }
                    }
                    out.provenance.push(Provenance {
                        target: "tags".into(),
                        rule: rule.pointer.clone(),
                        source,
                        raw,
                        steps,
                        value,
                        used: true,
                    });
                }
            }
        }

        for note in &self.notes {
            if !condition_holds(note.when.as_ref(), payload) || note.body.renders_empty(payload) {
                continue;
            }
            out.notes.push(NoteDraft {
                body: note.body.render(payload, None),
                title: note
                    .title
                    .as_ref()
                    .map(|t| t.render(payload, None))
                    .filter(|t| !t.is_empty()),
            });
        }

        for task in &self.tasks {
            if !condition_holds(task.when.as_ref(), payload) {
                continue;
            }
            match dates::after(options.now_unix, &format!("{}m", task.due_in_seconds / 60)) {
                Ok(due_date) => out.tasks.push(TaskDraft {
                    title: task.title.render(payload, None),
                    body: task
                        .body
                        .as_ref()
                        .map(|b| b.render(payload, None))
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
            if !condition_holds(appt.when.as_ref(), payload) {
                continue;
            }
            let warn = |message: String| Warning {
                rule: appt.pointer.clone(),
                target: Some("appointments".into()),
                message,
            };
            let start = match evaluate(&appt.start, &ctx, None) {
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
                let ts: jiff::Timestamp = s.parse().map_err(|e: jiff::Error| e.to_string())?;
                let end = ts
                    .checked_add(jiff::SignedDuration::from_mins(i64::from(
                        appt.duration_minutes,
                    )))
                    .map_err(|e| e.to_string())?;
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
                        .map(|t| t.render(payload, None))
                        .filter(|t| !t.is_empty()),
                }),
                Err(reason) => out.warnings.push(warn(format!("no appointment: {reason}"))),
            }
        }

        out.identity = IdentityKeys::new(
            out.contact.fields.email.as_deref(),
            out.contact.fields.phone.as_deref(),
            settings.phone_region.as_deref(),
        );
        if out.identity.is_empty() {
            out.errors.push(Warning {
                rule: "/fields".into(),
                target: None,
                message: "this payload gives neither a valid e-mail nor a valid phone, so the contact cannot be matched or created".into(),
            });
        }
        out.unmapped = self.unmapped(payload);
        out
    }

    /// Every source path the mapping reads anywhere.
    pub fn read_paths(&self) -> Vec<&SourcePath> {
        let mut paths = Vec::new();
        for f in &self.fields {
            value_paths(&f.value, &mut paths);
        }
        for t in &self.tags {
            value_paths(t, &mut paths);
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

    fn unmapped(&self, payload: &Value) -> Vec<String> {
        let Some(map) = payload.as_object() else {
            return Vec::new();
        };
        let read = self.read_paths();
        map.iter()
            .filter(|(_, v)| !is_empty_value(v))
            .map(|(k, _)| k)
            .filter(|k| {
                !read
                    .iter()
                    .any(|p| p.root().eq_ignore_ascii_case(k) || p.as_str().eq_ignore_ascii_case(k))
            })
            .cloned()
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

/// Email, phone and birth dates are always normalised, even when the mapping
/// forgets the step: identity keys and GHL's formats depend on it.
fn automatic_step(target: &Target, steps: &[Transform]) -> Option<Transform> {
    let has = |f: fn(&Transform) -> bool| steps.iter().any(f);
    match target {
        Target::Field("email") if !has(|t| matches!(t, Transform::Email)) => Some(Transform::Email),
        Target::Field("phone") if !has(|t| matches!(t, Transform::Phone { .. })) => {
            Some(Transform::Phone { region: None })
        }
        Target::Field("dateOfBirth") if !has(|t| matches!(t, Transform::Date { .. })) => {
            Some(Transform::Date {
                format: dates::DateFormat::Auto,
                timezone: None,
                output: dates::DateOutput::Date,
            })
        }
        Target::Dnd | Target::DndChannel(_) => Some(Transform::To(Coercion::Boolean)),
        _ => None,
    }
}

fn evaluate(rule: &CompiledValue, ctx: &StepContext, automatic: Option<&Transform>) -> Evaluated {
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
                Some((p, v)) => (p.as_str().to_string(), v.clone()),
                None => return Evaluated::Nothing,
            }
        }
        ValueSource::Constant(v) => ("constant".to_string(), v.clone()),
        ValueSource::Template(t) => {
            if t.renders_empty(ctx.payload) {
                return Evaluated::Nothing;
            }
            (
                "template".to_string(),
                Value::String(t.render(ctx.payload, None)),
            )
        }
    };
    let mut value = raw.clone();
    let mut steps = Vec::new();
    let chain = rule
        .transforms
        .iter()
        .map(|t| (t, false))
        .chain(automatic.map(|t| (t, true)));
    for (step, auto) in chain {
        steps.push(if auto {
            format!("{} (automatic)", step.label())
        } else {
            step.label()
        });
        match step.apply(value, ctx) {
            Ok(Some(v)) => value = v,
            Ok(None) => return Evaluated::Nothing,
            Err(reason) => {
                return Evaluated::Dropped {
                    source,
                    raw,
                    steps,
                    reason,
                }
            }
        }
    }
    Evaluated::Value {
        source,
        raw,
        steps,
        value,
    }
}

fn condition_holds(when: Option<&CompiledCondition>, payload: &Value) -> bool {
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
    let text = || text_of(&value).trim().to_string();
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
                    f.date_of_birth = Some(DateOfBirth::Text(text()));
                    return Ok(());
                }
                other => return Err(format!("`{other}` cannot be written")),
            };
            *slot = Some(text());
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
