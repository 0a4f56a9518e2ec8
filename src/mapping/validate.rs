//! Turns mapping text into a checked [`Mapping`], or into every error found, each
//! with its JSON pointer, line, column and a message a non-programmer can act on.

use super::dates;
use super::document::*;
use super::source::SourcePath;
use super::target::Target;
use super::template::Template;
use super::transform::{normalised_operand, normalised_text, Coercion, Kind, Transform};
use super::zones::Zone;
use crate::case;
use crate::dedupe::normalise::is_known_region;
use crate::json;
use crate::json::positions::{self, Dialect, Positions};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingError {
    /// JSON pointer into the mapping (`/fields/2/transforms/0`); empty for the root.
    pub pointer: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Where a rule's value comes from.
#[derive(Debug, Clone)]
pub enum ValueSource {
    /// The first non-empty of these paths.
    Paths(Vec<SourcePath>),
    Constant(Value),
    Template(Template),
}

#[derive(Debug, Clone)]
pub struct CompiledCondition {
    pub path: SourcePath,
    pub condition: Condition,
    /// `equals`, `in` or `contains` operands, trimmed and lower-cased once here
    /// rather than for every event.
    pub operands: Vec<String>,
}

/// A checked value rule: source, steps, condition, and where it stands.
#[derive(Debug, Clone)]
pub struct CompiledValue {
    pub pointer: Arc<str>,
    pub source: ValueSource,
    pub transforms: Vec<Transform>,
    pub when: Option<CompiledCondition>,
    /// Each step's label for explanations, made once here and shared by every
    /// event's provenance.
    pub step_labels: Arc<[String]>,
}

#[derive(Debug, Clone)]
pub struct CompiledField {
    pub target: Target,
    /// `target` as written in explanations (`customField.utm_source`).
    pub target_label: Arc<str>,
    pub value: CompiledValue,
    /// The normalisation this target always gets (e-mail, phone, birth date,
    /// DND) when the rule's steps do not already have it.
    pub automatic: Option<Transform>,
    /// The labels of the rule's steps, then of the automatic one.
    pub step_labels: Arc<[String]>,
    /// Every step (the automatic one too) takes any text and never refuses
    /// it, so only a list can make this rule warn.
    pub quiet_on_text: bool,
}

#[derive(Debug, Clone)]
pub struct CompiledNote {
    pub pointer: String,
    pub body: Template,
    pub title: Option<Template>,
    pub when: Option<CompiledCondition>,
}

#[derive(Debug, Clone)]
pub struct CompiledTask {
    pub pointer: String,
    pub title: Template,
    pub body: Option<Template>,
    pub due_in_seconds: i64,
    pub assigned_to: Option<String>,
    pub when: Option<CompiledCondition>,
}

#[derive(Debug, Clone)]
pub struct CompiledAppointment {
    pub pointer: String,
    pub calendar_id: String,
    pub start: CompiledValue,
    pub duration_minutes: u32,
    pub title: Option<Template>,
    pub when: Option<CompiledCondition>,
}

/// Which GHL list a membership rule changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MembershipList {
    Workflow,
    Campaign,
}

/// What a membership rule does to the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "change", content = "id")]
pub enum MembershipChange {
    Enrol(String),
    Leave(String),
    /// Campaigns only.
    LeaveAll,
}

#[derive(Debug, Clone)]
pub struct CompiledMembership {
    pub pointer: String,
    pub list: MembershipList,
    pub change: MembershipChange,
    pub when: Option<CompiledCondition>,
}

#[derive(Debug, Clone)]
pub struct CompiledFollowers {
    pub pointer: String,
    pub add: Vec<String>,
    pub when: Option<CompiledCondition>,
}

/// A mapping that passed validation, ready to apply.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub doc: MappingDoc,
    pub fields: Vec<CompiledField>,
    pub tags: Vec<CompiledValue>,
    pub notes: Vec<CompiledNote>,
    pub tasks: Vec<CompiledTask>,
    pub appointments: Vec<CompiledAppointment>,
    pub remove_tags: Vec<CompiledValue>,
    /// Workflows, then campaigns, each in the document's order.
    pub memberships: Vec<CompiledMembership>,
    pub followers: Vec<CompiledFollowers>,
    /// Every name a path reads at the top level (its root, and its whole text,
    /// which a flat payload may hold as one key), ASCII-lowercased, sorted:
    /// what "unmapped" compares a payload's keys with, worked out once.
    pub(super) read_names: Vec<String>,
}

impl CompiledField {
    fn new(target: Target, value: CompiledValue) -> CompiledField {
        let automatic = automatic_step(&target, &value.transforms);
        let step_labels = value
            .step_labels
            .iter()
            .cloned()
            .chain(
                automatic
                    .iter()
                    .map(|s| format!("{} (automatic)", s.label())),
            )
            .collect();
        let quiet_on_text = value
            .transforms
            .iter()
            .chain(&automatic)
            .all(Transform::never_refuses_text);
        CompiledField {
            target_label: Arc::from(target.label()),
            target,
            value,
            automatic,
            step_labels,
            quiet_on_text,
        }
    }

    /// True when this rule's last step is an e-mail or phone normalisation, so
    /// its value is `normalise_email`'s or `normalise_phone`'s own answer.
    pub fn ends_normalised(&self) -> bool {
        let last = self.automatic.as_ref().or(self.value.transforms.last());
        matches!(last, Some(Transform::Email | Transform::Phone { .. }))
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

/// What a mapping looks like, for messages about one that is not an object.
const EXAMPLE: &str = r#"{"version": 1, "fields": [...]}"#;

/// Collects errors as pointers, placing them in the text at the end.
struct Checker<'a> {
    doc: &'a MappingDoc,
    errors: Vec<(String, String)>,
}

impl Mapping {
    /// Uses `region` for national phone numbers when the mapping names none (the
    /// Worker's `DEFAULT_PHONE_REGION`). An invalid region is ignored.
    pub fn with_default_phone_region(mut self, region: Option<&str>) -> Mapping {
        if self.doc.settings.phone_region.is_none() {
            if let Some(r) = region.filter(|r| is_known_region(r)) {
                self.doc.settings.phone_region = Some(r.to_string());
            }
        }
        self
    }

    /// Parses and checks mapping text. All errors are reported, not just the first.
    pub fn parse(text: &str) -> Result<Mapping, Vec<MappingError>> {
        let parsed =
            positions::parse(text, Dialect::Commented, "the mapping", EXAMPLE).map_err(|e| {
                vec![MappingError {
                    pointer: String::new(),
                    line: e.line,
                    column: e.column,
                    message: e.message,
                }]
            })?;
        let places = &parsed.positions;
        if !parsed.value.is_object() {
            return Err(vec![place(
                places,
                String::new(),
                format!("the mapping must be a JSON object like {EXAMPLE}"),
            )]);
        }
        let doc = read_doc(parsed.value, parsed.repeated_key, places).map_err(|e| vec![e])?;
        Mapping::check(doc).map_err(|errors| place_all(places, errors))
    }

    /// Checks a document built in code (templates, tests).
    pub fn check(doc: MappingDoc) -> Result<Mapping, Vec<(String, String)>> {
        let mut c = Checker {
            doc: &doc,
            errors: Vec::new(),
        };
        if doc.version != MAPPING_VERSION {
            c.err(
                "/version",
                format!(
                    "this engine reads mapping version {MAPPING_VERSION}; this mapping says {}",
                    doc.version
                ),
            );
        }
        if let Some(region) = &doc.settings.phone_region {
            if !is_known_region(region) {
                c.err(
                    "/settings/phoneRegion",
                    format!("`{region}` is not a region code (expected ISO 3166 like FR, BE, RE)"),
                );
            }
        }
        if let Some(zone) = &doc.settings.timezone {
            c.zone("/settings/timezone", zone);
        }

        let mut fields = Vec::new();
        for (i, rule) in doc.fields.iter().enumerate() {
            let at = format!("/fields/{i}");
            let target = match Target::parse(&rule.to) {
                Ok(t) => Some(t),
                Err(msg) => {
                    c.err(&format!("{at}/to"), msg);
                    None
                }
            };
            let spec = ValueRule {
                from: rule.from.clone(),
                value: rule.value.clone(),
                template: rule.template.clone(),
                transforms: rule.transforms.clone(),
                when: rule.when.clone(),
            };
            if let (Some(value), Some(target)) = (c.value_rule(&at, &spec), target) {
                c.check_kind(&at, &value, &target);
                fields.push(CompiledField::new(target, value));
            }
        }
        if !fields.iter().any(|f| f.target.is_identity())
            && !doc
                .fields
                .iter()
                .any(|r| r.to.trim() == "email" || r.to.trim() == "phone")
        {
            c.err(
                "/fields",
                "no rule fills `email` or `phone`, so no contact could ever be matched or created: add one, e.g. {\"to\": \"email\", \"from\": \"email\"}".to_string(),
            );
        }

        let tags = doc
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, r)| c.value_rule(&format!("/tags/{i}"), r))
            .collect();
        let notes = doc
            .notes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let at = format!("/notes/{i}");
                Some(CompiledNote {
                    body: c.template(&format!("{at}/template"), &n.template)?,
                    title: n
                        .title
                        .as_ref()
                        .and_then(|t| c.template(&format!("{at}/title"), t)),
                    when: c.condition(&format!("{at}/when"), n.when.as_ref())?,
                    pointer: at,
                })
            })
            .collect();
        let tasks = doc
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let at = format!("/tasks/{i}");
                let due = dates::parse_span(&t.due_in)
                    .map_err(|m| c.err(&format!("{at}/dueIn"), m))
                    .ok();
                Some(CompiledTask {
                    title: c.template(&format!("{at}/title"), &t.title)?,
                    body: t
                        .body
                        .as_ref()
                        .and_then(|b| c.template(&format!("{at}/body"), b)),
                    due_in_seconds: due?,
                    assigned_to: t.assigned_to.clone(),
                    when: c.condition(&format!("{at}/when"), t.when.as_ref())?,
                    pointer: at,
                })
            })
            .collect();
        let appointments = doc
            .appointments
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let at = format!("/appointments/{i}");
                if a.calendar_id.trim().is_empty() {
                    c.err(
                        &format!("{at}/calendarId"),
                        "`calendarId` cannot be empty: copy the id of the GHL calendar".into(),
                    );
                }
                Some(CompiledAppointment {
                    calendar_id: a.calendar_id.clone(),
                    start: c.value_rule(&format!("{at}/start"), &a.start)?,
                    duration_minutes: a.duration_minutes.unwrap_or(30),
                    title: a
                        .title
                        .as_ref()
                        .and_then(|t| c.template(&format!("{at}/title"), t)),
                    when: c.condition(&format!("{at}/when"), a.when.as_ref())?,
                    pointer: at,
                })
            })
            .collect();

        let remove_tags = doc
            .remove_tags
            .iter()
            .enumerate()
            .filter_map(|(i, r)| c.value_rule(&format!("/removeTags/{i}"), r))
            .collect();
        let mut memberships = Vec::new();
        for (list, rules) in [
            (MembershipList::Workflow, &doc.workflows),
            (MembershipList::Campaign, &doc.campaigns),
        ] {
            for (i, rule) in rules.iter().enumerate() {
                memberships.extend(c.membership(list, i, rule));
            }
        }
        let followers = doc
            .followers
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let at = format!("/followers/{i}");
                if f.add.is_empty() || f.add.iter().any(|u| u.trim().is_empty()) {
                    c.err(
                        &format!("{at}/add"),
                        "`add` needs one or more GHL user ids, none empty".into(),
                    );
                }
                Some(CompiledFollowers {
                    add: f.add.iter().map(|u| u.trim().to_string()).collect(),
                    when: c.condition(&format!("{at}/when"), f.when.as_ref())?,
                    pointer: at,
                })
            })
            .collect();

        let errors = std::mem::take(&mut c.errors);
        if errors.is_empty() {
            let mut mapping = Mapping {
                fields,
                tags,
                notes,
                tasks,
                appointments,
                remove_tags,
                memberships,
                followers,
                doc,
                read_names: Vec::new(),
            };
            mapping.read_names = mapping.folded_read_names();
            Ok(mapping)
        } else {
            Err(errors)
        }
    }
}

impl Checker<'_> {
    /// One `workflows` or `campaigns` rule: exactly one change, with an id.
    fn membership(
        &mut self,
        list: MembershipList,
        index: usize,
        rule: &MembershipRule,
    ) -> Option<CompiledMembership> {
        let at = match list {
            MembershipList::Workflow => format!("/workflows/{index}"),
            MembershipList::Campaign => format!("/campaigns/{index}"),
        };
        let id = |text: &Option<String>| text.as_deref().map(str::trim).map(str::to_string);
        let change = match (id(&rule.enrol), id(&rule.leave), rule.leave_all) {
            (Some(id), None, false) => ("enrol", MembershipChange::Enrol(id)),
            (None, Some(id), false) => ("leave", MembershipChange::Leave(id)),
            (None, None, true) if list == MembershipList::Campaign => {
                ("leaveAll", MembershipChange::LeaveAll)
            }
            (None, None, true) => {
                self.err(
                    &format!("{at}/leaveAll"),
                    "`leaveAll` is for campaigns: GHL has no call taking a contact out of every workflow".into(),
                );
                return None;
            }
            _ => {
                let options = match list {
                    MembershipList::Workflow => "`enrol` or `leave`",
                    MembershipList::Campaign => "`enrol`, `leave` or `leaveAll`",
                };
                self.err(&at, format!("give exactly one of {options}"));
                return None;
            }
        };
        if let (key, MembershipChange::Enrol(id) | MembershipChange::Leave(id)) = &change {
            if id.is_empty() {
                let what = match list {
                    MembershipList::Workflow => "workflow",
                    MembershipList::Campaign => "campaign",
                };
                self.err(
                    &format!("{at}/{key}"),
                    format!("`{key}` cannot be empty: copy the id of the GHL {what}"),
                );
                return None;
            }
        }
        Some(CompiledMembership {
            when: self.condition(&format!("{at}/when"), rule.when.as_ref())?,
            pointer: at,
            list,
            change: change.1,
        })
    }

    fn err(&mut self, pointer: &str, message: String) {
        self.errors.push((pointer.to_string(), message));
    }

    /// A source path, checked against the declared `sourceFields` if any.
    fn path(&mut self, pointer: &str, text: &str) -> Option<SourcePath> {
        let path = SourcePath::parse(text)
            .map_err(|m| self.err(pointer, m))
            .ok()?;
        if let Some(known) = &self.doc.source_fields {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(path.root())) {
                let best = known
                    .iter()
                    .map(|k| {
                        (
                            strsim::jaro_winkler(&case::lower(k), &case::lower(path.root())),
                            k,
                        )
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                let hint = match best {
                    Some((s, k)) if s > 0.8 => format!(" Did you mean `{k}`?"),
                    _ => String::new(),
                };
                self.err(
                    pointer,
                    format!(
                        "this source has no field `{}`.{hint} Its fields are: {}.",
                        path.root(),
                        known.join(", ")
                    ),
                );
                return None;
            }
        }
        Some(path)
    }

    fn template(&mut self, pointer: &str, text: &str) -> Option<Template> {
        let template = Template::parse(text)
            .map_err(|m| self.err(pointer, m))
            .ok()?;
        let mut ok = true;
        for p in template.paths() {
            ok &= self.path(pointer, p.as_str()).is_some();
        }
        ok.then_some(template)
    }

    /// `Some(None)` when there is no condition; `None` when it is invalid.
    fn condition(
        &mut self,
        pointer: &str,
        when: Option<&Condition>,
    ) -> Option<Option<CompiledCondition>> {
        let Some(cond) = when else { return Some(None) };
        let operators = [
            cond.equals.is_some(),
            cond.one_of.is_some(),
            cond.contains.is_some(),
            cond.exists.is_some(),
        ];
        if operators.iter().filter(|x| **x).count() != 1 {
            self.err(
                pointer,
                "a condition needs `path` and exactly one of `equals`, `in`, `contains`, `exists`"
                    .into(),
            );
            return None;
        }
        let path = self.path(&format!("{pointer}/path"), &cond.path)?;
        let operands = cond
            .equals
            .iter()
            .chain(cond.one_of.iter().flatten())
            .map(normalised_operand)
            .chain(cond.contains.iter().map(|n| normalised_text(n)))
            .collect();
        Some(Some(CompiledCondition {
            path,
            condition: cond.clone(),
            operands,
        }))
    }

    fn value_rule(&mut self, at: &str, rule: &ValueRule) -> Option<CompiledValue> {
        let given = [
            rule.from.is_some(),
            rule.value.is_some(),
            rule.template.is_some(),
        ];
        let source = match given.iter().filter(|x| **x).count() {
            1 => {
                if let Some(from) = &rule.from {
                    let many = matches!(from, Paths::Many(_));
                    let paths: Vec<Option<SourcePath>> = from
                        .as_slice()
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let ptr = if many {
                                format!("{at}/from/{i}")
                            } else {
                                format!("{at}/from")
                            };
                            self.path(&ptr, p)
                        })
                        .collect();
                    if paths.is_empty() {
                        self.err(&format!("{at}/from"), "`from` lists no path".into());
                    }
                    paths
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                        .map(ValueSource::Paths)
                } else if let Some(v) = &rule.value {
                    Some(ValueSource::Constant(v.clone()))
                } else {
                    let t = rule.template.as_deref().unwrap_or_default();
                    self.template(&format!("{at}/template"), t)
                        .map(ValueSource::Template)
                }
            }
            0 => {
                self.err(at, "this rule has no value: give `from` (a source path), `value` (a constant) or `template`".into());
                None
            }
            _ => {
                self.err(
                    at,
                    "give only one of `from`, `value` or `template` in a rule".into(),
                );
                None
            }
        };
        for (i, t) in rule.transforms.iter().enumerate() {
            self.transform(&format!("{at}/transforms/{i}"), t);
        }
        let when = self.condition(&format!("{at}/when"), rule.when.as_ref());
        Some(CompiledValue {
            pointer: Arc::from(at),
            source: source?,
            step_labels: rule.transforms.iter().map(Transform::label).collect(),
            transforms: rule.transforms.clone(),
            when: when?,
        })
    }

    fn zone(&mut self, pointer: &str, zone: &str) {
        if Zone::named(zone).is_none() {
            self.err(
                pointer,
                format!("`{zone}` is not a known time zone (expected IANA like Europe/Paris)"),
            );
        }
    }

    fn transform(&mut self, pointer: &str, t: &Transform) {
        match t {
            Transform::Phone { region: Some(r) } if !is_known_region(r) => self.err(
                pointer,
                format!("`{r}` is not a region code (expected ISO 3166 like FR, BE, RE)"),
            ),
            Transform::Date {
                timezone: Some(zone),
                ..
            } => self.zone(pointer, zone),
            Transform::Template(tpl) => {
                for p in tpl.paths() {
                    self.path(pointer, p.as_str());
                }
            }
            _ => {}
        }
    }

    /// The value's kind after its steps must fit the target.
    fn check_kind(&mut self, at: &str, value: &CompiledValue, target: &Target) {
        let mut kind = match &value.source {
            ValueSource::Paths(_) => Kind::Any,
            ValueSource::Constant(v) => Kind::of(v),
            ValueSource::Template(_) => Kind::Text,
        };
        for t in &value.transforms {
            kind = t.output_kind(kind);
        }
        let wanted = target.kind();
        let fits = kind == Kind::Any
            || wanted == Kind::Any
            || kind == wanted
            || (wanted == Kind::Text && kind == Kind::Number);
        if !fits {
            let fix = match wanted {
                Kind::Boolean => " Add {\"to\": \"boolean\"} as the last transform.",
                Kind::Text if kind == Kind::List => {
                    " Add {\"join\": \", \"} as the last transform."
                }
                Kind::Text => " Add {\"to\": \"text\"} as the last transform.",
                _ => "",
            };
            self.err(
                at,
                format!(
                    "`{}` takes {}, but this rule produces {}.{fix}",
                    target.label(),
                    wanted.describe(),
                    kind.describe()
                ),
            );
        }
    }
}

/// The document's structure (keys, kinds of values), or the first error in it,
/// placed at the value or key it is about.
fn read_doc(
    value: Value,
    repeated_key: Option<String>,
    places: &Positions,
) -> Result<MappingDoc, MappingError> {
    if let Some(pointer) = repeated_key {
        let name = positions::unescape(pointer.rsplit('/').next().unwrap_or_default());
        let message = format!("`{name}` is given twice here: keep one");
        return Err(place(places, pointer, message));
    }
    json::from_value_located(value).map_err(|e| {
        let message = friendly_serde_message(&e.error.to_string());
        place(places, e.pointer, message)
    })
}

fn place(positions: &Positions, pointer: String, message: String) -> MappingError {
    let mut placed = place_all(positions, vec![(pointer, message)]);
    placed.remove(0)
}

/// Each `(pointer, message)` at its line and column, the text read once.
fn place_all(positions: &Positions, errors: Vec<(String, String)>) -> Vec<MappingError> {
    // An error about a key itself points at the key, not its value.
    let located: Vec<String> = errors
        .iter()
        .map(|(pointer, message)| {
            let about_a_key = message.contains("is not a setting here")
                || message.contains("is given twice here");
            if about_a_key {
                format!("{pointer}#key")
            } else {
                pointer.clone()
            }
        })
        .collect();
    let places = positions.line_columns(located.iter().map(String::as_str));
    errors
        .into_iter()
        .zip(places)
        .map(|((pointer, message), (line, column))| MappingError {
            pointer,
            line,
            column,
            message,
        })
        .collect()
}

/// serde's messages, said for people.
fn friendly_serde_message(raw: &str) -> String {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let best = allowed
            .iter()
            .map(|a| (strsim::jaro_winkler(a, name), a))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = match best {
            Some((s, a)) if s > 0.8 => format!(" Did you mean `{a}`?"),
            _ => String::new(),
        };
        return format!(
            "`{name}` is not a setting here.{hint} Allowed here: {}.",
            allowed.join(", ")
        );
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("this part needs `{name}`");
    }
    if raw.contains("untagged enum Paths") {
        return "`from` is a source path like \"email\" or a list of paths like [\"email\", \"e-mail\"]".into();
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        return format!("wrong kind of value: {rest}");
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::templates::TEMPLATES;
    use serde_json::json;

    /// How serde_path_to_error placed a structural error before `read_doc`
    /// (its path, made a pointer): the reference the positions must agree with.
    fn reference(parsed: &positions::Parsed) -> Result<MappingDoc, MappingError> {
        serde_path_to_error::deserialize(&parsed.value).map_err(|e| {
            let mut pointer = String::new();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        pointer.push_str(&format!("/{index}"))
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        pointer.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
                    }
                    _ => {}
                }
            }
            let message = friendly_serde_message(&e.inner().to_string());
            place(&parsed.positions, pointer, message)
        })
    }

    /// Every value of `doc` with its pointer's path (keys and indices).
    fn paths(doc: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
        out.push(at.clone());
        let children: Vec<(Value, &Value)> = match doc {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), v))
                .collect(),
            Value::Array(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i), v))
                .collect(),
            _ => Vec::new(),
        };
        for (step, child) in children {
            let mut next = at.clone();
            next.push(step);
            paths(child, next, out);
        }
    }

    fn at<'a>(doc: &'a mut Value, path: &[Value]) -> &'a mut Value {
        path.iter().fold(doc, |v, step| match step {
            Value::String(k) => &mut v[k.as_str()],
            step => &mut v[step.as_u64().unwrap() as usize],
        })
    }

    /// Broken copies of `doc`: each value replaced by values of every kind,
    /// each key removed, an unknown key added to each object.
    fn mutations(doc: &Value) -> Vec<Value> {
        let replacements = [
            json!(7),
            json!(-1.5),
            json!("x"),
            json!(true),
            json!(null),
            json!([]),
            json!(["a", 1]),
            json!({}),
            json!({"fro": "email"}),
        ];
        let mut all = Vec::new();
        paths(doc, Vec::new(), &mut all);
        let mut out = Vec::new();
        for path in all {
            for replacement in &replacements {
                let mut copy = doc.clone();
                *at(&mut copy, &path) = replacement.clone();
                out.push(copy);
            }
            if let Some((last, parent)) = path.split_last() {
                let mut copy = doc.clone();
                match (at(&mut copy, parent), last) {
                    (Value::Object(map), Value::String(k)) => {
                        map.remove(k);
                    }
                    (Value::Array(list), i) => {
                        list.remove(i.as_u64().unwrap() as usize);
                    }
                    _ => {}
                }
                out.push(copy);
            }
            let mut copy = doc.clone();
            if let Value::Object(map) = at(&mut copy, &path) {
                map.insert("tempalte".into(), json!("{x}"));
                out.push(copy);
            }
        }
        out
    }

    #[test]
    fn structural_errors_are_placed_where_serde_path_to_error_places_them() {
        let mut checked = 0;
        let mut lists = 0;
        let mut kinds = std::collections::BTreeSet::new();
        for template in TEMPLATES {
            let doc: Value = serde_json::from_str(template.mapping).unwrap();
            for broken in mutations(&doc) {
                let text = serde_json::to_string_pretty(&broken).unwrap();
                let parsed =
                    positions::parse(&text, Dialect::Commented, "the mapping", EXAMPLE).unwrap();
                let ours = read_doc(
                    parsed.value.clone(),
                    parsed.repeated_key.clone(),
                    &parsed.positions,
                );
                let theirs = reference(&parsed);
                match (&ours, &theirs) {
                    // A list where a part of the mapping goes: serde_json reads
                    // it as the part's fields in order and fails inside it (or
                    // takes it, when the part's fields may all be left out);
                    // json::from_value refuses the list itself.
                    (Err(e), _) if e.message.contains("sequence, expected struct") => {
                        if let Err(t) = &theirs {
                            assert!(t.pointer.starts_with(&e.pointer), "{text}");
                        }
                        lists += 1;
                    }
                    _ => assert_eq!(ours.as_ref().err(), theirs.as_ref().err(), "{text}"),
                }
                if let Err(e) = ours {
                    checked += 1;
                    kinds.insert(e.message.split(' ').next().unwrap_or_default().to_string());
                }
            }
        }
        assert!(
            checked > 1_000,
            "only {checked} broken mappings were compared"
        );
        assert!(lists > 10, "only {lists} parts given as lists");
        for kind in ["`tempalte`", "this", "wrong"] {
            assert!(
                kinds.contains(kind),
                "no error starting with {kind}: {kinds:?}"
            );
        }
    }
}
