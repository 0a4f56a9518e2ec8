//! Transforms: small steps a value goes through between source and target.
//!
//! Written in a mapping as a name (`"trim"`) or a one-key object
//! (`{"phone": {"region": "RE"}}`). They are parsed by hand rather than by serde's
//! enum support so that a typo gets a message a non-programmer understands.

use super::dates::{self, DateFormat, DateOutput};
use super::source::Payload;
use super::template::{push_text, Template};
use crate::case;
use crate::dedupe::normalise::{normalise_email, normalise_phone};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What kind of value a step produces; used to catch type mismatches up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Text,
    Number,
    Boolean,
    List,
    /// Unknown until run time (a raw source value, a lookup of mixed values).
    Any,
}

impl Kind {
    pub fn of(value: &Value) -> Kind {
        match value {
            Value::String(_) => Kind::Text,
            Value::Number(_) => Kind::Number,
            Value::Bool(_) => Kind::Boolean,
            Value::Array(_) => Kind::List,
            _ => Kind::Any,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "a number",
            Kind::Boolean => "true/false",
            Kind::List => "a list",
            Kind::Any => "any value",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NamePart {
    First,
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Coercion {
    Text,
    Number,
    Integer,
    Boolean,
}

/// One step. See `Transform::NAMES` for the list users see.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    Trim,
    Lowercase,
    Uppercase,
    TitleCase,
    /// Runs of spaces, tabs and newlines become one space.
    CollapseSpaces,
    /// Trim, lowercase, and drop the value if it is not an e-mail address.
    Email,
    /// E.164 (`+33612345678`); a number without country code uses `region`, else
    /// the mapping's `phoneRegion`. Dropped if not a valid number.
    Phone {
        region: Option<String>,
    },
    /// First or last part of a full name (`Jean-Pierre de la Tour` -> first
    /// `Jean-Pierre`, last `de la Tour`).
    SplitName(NamePart),
    /// Used when the value is empty.
    Default(Value),
    /// Replaces a value by the table's entry (keys compared ignoring case);
    /// a value not in the table takes `default`, or is dropped with a warning.
    Lookup {
        table: Map<String, Value>,
        default: Option<Value>,
        /// `table`, ready to search (made from it when the mapping is read).
        index: LookupIndex,
    },
    To(Coercion),
    Date {
        format: DateFormat,
        timezone: Option<String>,
        output: DateOutput,
    },
    /// `{value}` is the current value; other `{path}`s read the payload.
    Template(Template),
    /// A list into text, with this separator.
    Join(String),
    Replace {
        find: String,
        with: String,
    },
}

/// A lookup table's keys trimmed and ASCII-lowercased, sorted (equal keys in
/// the table's order), each with its value: a binary search per event where
/// comparing with every key, trimmed and folded each time, was a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupIndex(Vec<(String, Value)>);

impl LookupIndex {
    pub fn new(table: &Map<String, Value>) -> LookupIndex {
        let mut entries: Vec<(String, Value)> = table
            .iter()
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0)); // stable: the first of equals stays first
        LookupIndex(entries)
    }

    /// The value of the table's first key equal to `key`, both trimmed,
    /// ignoring ASCII case.
    fn get(&self, key: &str) -> Option<&Value> {
        let key = key.trim().to_ascii_lowercase();
        let at = self.0.partition_point(|(k, _)| k.as_str() < key.as_str());
        self.0.get(at).filter(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// What a step needs besides the value.
pub struct StepContext<'a> {
    pub payload: &'a Payload<'a>,
    pub phone_region: Option<&'a str>,
    pub timezone: Option<&'a str>,
}

impl Transform {
    /// Every transform name, as users write them.
    pub const NAMES: &'static [&'static str] = &[
        "trim",
        "lowercase",
        "uppercase",
        "titleCase",
        "collapseSpaces",
        "email",
        "phone",
        "splitName",
        "firstName",
        "lastName",
        "default",
        "lookup",
        "to",
        "date",
        "template",
        "join",
        "replace",
    ];

    /// Short label for explanations: `phone(RE)`, `lookup`, `to(boolean)`.
    pub fn label(&self) -> String {
        match self {
            Transform::Trim => "trim".into(),
            Transform::Lowercase => "lowercase".into(),
            Transform::Uppercase => "uppercase".into(),
            Transform::TitleCase => "titleCase".into(),
            Transform::CollapseSpaces => "collapseSpaces".into(),
            Transform::Email => "email".into(),
            Transform::Phone { region: Some(r) } => format!("phone({r})"),
            Transform::Phone { region: None } => "phone".into(),
            Transform::SplitName(NamePart::First) => "firstName".into(),
            Transform::SplitName(NamePart::Last) => "lastName".into(),
            Transform::Default(_) => "default".into(),
            Transform::Lookup { .. } => "lookup".into(),
            Transform::To(c) => format!(
                "to({})",
                crate::json::to_value(c)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?")
            ),
            Transform::Date { format, .. } => format!("date({})", format.label()),
            Transform::Template(_) => "template".into(),
            Transform::Join(_) => "join".into(),
            Transform::Replace { .. } => "replace".into(),
        }
    }

    /// Whether the step takes any text (or number, or true/false) and gives
    /// text back, never refusing it: what lets an unused fallback be skipped.
    pub fn never_refuses_text(&self) -> bool {
        matches!(
            self,
            Transform::Trim
                | Transform::Lowercase
                | Transform::Uppercase
                | Transform::TitleCase
                | Transform::CollapseSpaces
                | Transform::SplitName(_)
                | Transform::Replace { .. }
        )
    }

    /// The kind this step produces from an input of kind `input`.
    pub fn output_kind(&self, input: Kind) -> Kind {
        match self {
            Transform::Trim
            | Transform::Lowercase
            | Transform::Uppercase
            | Transform::TitleCase
            | Transform::CollapseSpaces
            | Transform::Email
            | Transform::Phone { .. }
            | Transform::SplitName(_)
            | Transform::Date { .. }
            | Transform::Template(_)
            | Transform::Join(_)
            | Transform::Replace { .. } => Kind::Text,
            Transform::To(Coercion::Text) => Kind::Text,
            Transform::To(Coercion::Number | Coercion::Integer) => Kind::Number,
            Transform::To(Coercion::Boolean) => Kind::Boolean,
            Transform::Default(v) => {
                if Kind::of(v) == input {
                    input
                } else {
                    Kind::Any
                }
            }
            Transform::Lookup { table, default, .. } => {
                let mut kinds = table.values().chain(default).map(Kind::of);
                let first = kinds.next().unwrap_or(Kind::Any);
                if kinds.all(|k| k == first) {
                    first
                } else {
                    Kind::Any
                }
            }
        }
    }

    /// Runs the step. `Ok(None)` means the value became empty; `Err` says why the
    /// value was dropped (it ends up as a warning).
    pub fn apply(&self, value: Value, ctx: &StepContext) -> Result<Option<Value>, String> {
        if let Transform::Default(fallback) = self {
            return Ok(Some(if super::source::is_empty_value(&value) {
                fallback.clone()
            } else {
                value
            }));
        }
        if let Transform::Join(sep) = self {
            return Ok(non_empty_text(match value {
                Value::Array(items) => items
                    .iter()
                    .map(text_of)
                    .filter(|s| !super::source::is_blank(s))
                    .collect::<Vec<_>>()
                    .join(sep),
                other => text_of(&other),
            }));
        }
        if let Transform::Lookup { default, index, .. } = self {
            let key = text_of(&value);
            let hit = index.get(&key).cloned();
            return match (hit, default) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(d)) => Ok(Some(d.clone())),
                (None, None) => Err(format!(
                    "`{key}` is not in the lookup table and no default is set"
                )),
            };
        }
        if let Transform::To(coercion) = self {
            return coerce(&value, *coercion).map(Some);
        }
        if let Transform::Date {
            format,
            timezone,
            output,
        } = self
        {
            let zone = timezone.as_deref().or(ctx.timezone);
            return dates::convert(&value, *format, zone, *output).map(|s| Some(Value::String(s)));
        }
        if let Transform::Template(template) = self {
            return Ok(non_empty_text(template.render(ctx.payload, Some(&value))));
        }
        // The rest work on text.
        let text = match value {
            Value::Array(_) => return Err(
                "this step works on text, but the value is a list (add {\"join\": \", \"} first)"
                    .into(),
            ),
            Value::String(text) => text, // owned already: no copy
            other => text_of(&other),
        };
        let result = match self {
            Transform::Trim if text.trim().len() == text.len() => text,
            Transform::Trim => text.trim().to_string(),
            Transform::Lowercase => case::lower(&text),
            Transform::Uppercase => case::upper(&text),
            Transform::TitleCase => title_case(&text),
            Transform::CollapseSpaces => collapse_spaces(text),
            Transform::Email => normalise_email(&text).map_err(|e| e.to_string())?,
            Transform::Phone { region } => {
                let region = region.as_deref().or(ctx.phone_region);
                normalise_phone(&text, region).map_err(|e| e.to_string())?
            }
            Transform::SplitName(part) => split_name(&text, *part),
            Transform::Replace { find, with } => text.replace(find.as_str(), with),
            _ => unreachable!("handled above"),
        };
        Ok(non_empty_text(result))
    }
}

/// Runs of whitespace as one space, none at either end.
fn collapse_spaces(text: String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut push = |word: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    };
    // ASCII text splits without decoding characters; the one ASCII character
    // Unicode calls whitespace and ASCII does not (\x0B) takes the long way.
    if text.is_ascii() && !text.contains('\x0B') {
        text.split_ascii_whitespace().for_each(&mut push);
    } else {
        text.split_whitespace().for_each(&mut push);
    }
    out
}

fn non_empty_text(s: String) -> Option<Value> {
    if super::source::is_blank(&s) {
        None
    } else {
        Some(Value::String(s))
    }
}

/// The text form of a scalar (numbers without quotes, lists joined by `, `).
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            push_text(&mut out, other);
            out
        }
    }
}

/// A value as conditions compare it: its text, trimmed, lower case.
pub fn normalised_operand(value: &Value) -> String {
    normalised_text(&text_of(value))
}

/// Text as conditions compare it: trimmed, lower case.
pub fn normalised_text(text: &str) -> String {
    case::lower(text.trim())
}

/// Capitalised words, with French particles as French writes them: `de`,
/// `du`, `des` and `d'` stay lower case, and so do `la`/`le` after `de`
/// ("Jean-Pierre de la Tour", "d'Aubigné"); an article that starts a name
/// keeps its capital ("Le Guen", "La Fontaine").
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // One buffer for every word's lower case, and whether the last was `de`.
    let mut lower = String::new();
    let mut after_de = false;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        lower.clear();
        if word.is_ascii() {
            lower.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            lower.push_str(&case::lower(word)); // whole-word rules (final sigma)
        }
        let particle = matches!(lower.as_str(), "de" | "du" | "des")
            || (matches!(lower.as_str(), "la" | "le" | "l'") && after_de);
        if particle {
            out.push_str(&lower);
        } else if let Some(rest) = lower.strip_prefix("d'").filter(|r| !r.is_empty()) {
            out.push_str("d'");
            push_capitalised_parts(&mut out, rest);
        } else {
            push_capitalised_parts(&mut out, &lower);
        }
        after_de = lower == "de";
    }
    out
}

/// Upper case after the start, a hyphen or an apostrophe: "jean-pierre o'neil".
fn push_capitalised_parts(out: &mut String, word: &str) {
    let mut start = true;
    for c in word.chars() {
        if start {
            case::push_upper(out, c);
        } else {
            out.push(c);
        }
        start = c.is_whitespace() || c == '-' || c == '\'';
    }
}

/// Splits at the first space: the first word is the first name, the rest the
/// last name (particles stay with it). A single word is a first name.
fn split_name(text: &str, part: NamePart) -> String {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default();
    match part {
        NamePart::First => first.to_string(),
        NamePart::Last => {
            let mut rest = String::with_capacity(text.len());
            for word in words {
                if !rest.is_empty() {
                    rest.push(' ');
                }
                rest.push_str(word);
            }
            rest
        }
    }
}

const TRUE_WORDS: &[&str] = &["true", "yes", "y", "oui", "o", "1", "on", "checked", "x"];
const FALSE_WORDS: &[&str] = &["false", "no", "n", "non", "0", "off", "unchecked", ""];

fn coerce(value: &Value, to: Coercion) -> Result<Value, String> {
    match to {
        Coercion::Text => Ok(Value::String(text_of(value))),
        Coercion::Boolean => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            other => {
                let t = case::lower(text_of(other).trim());
                if TRUE_WORDS.contains(&t.as_str()) {
                    Ok(Value::Bool(true))
                } else if FALSE_WORDS.contains(&t.as_str()) {
                    Ok(Value::Bool(false))
                } else {
                    Err(format!("`{t}` is not a yes/no value"))
                }
            }
        },
        Coercion::Number | Coercion::Integer => {
            let n = match value {
                Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
                other => {
                    // Accept French decimals and thousands separators: "1 234,5".
                    let t: String = text_of(other)
                        .chars()
                        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
                        .collect();
                    let t = if t.contains(',') && !t.contains('.') {
                        t.replace(',', ".")
                    } else {
                        t.replace(',', "")
                    };
                    crate::number::parse_f64(&t)
                        .ok_or_else(|| format!("`{}` is not a number", text_of(other)))?
                }
            };
            if !n.is_finite() {
                return Err("not a finite number".into());
            }
            if to == Coercion::Integer {
                if n.fract() != 0.0 {
                    return Err(format!("`{n}` is not a whole number"));
                }
                Ok(Value::from(n as i64))
            } else {
                Ok(serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reading transforms from JSON
// ---------------------------------------------------------------------------

impl TryFrom<Value> for Transform {
    type Error = String;

    fn try_from(spec: Value) -> Result<Transform, String> {
        match spec {
            Value::String(name) => from_name(&name),
            Value::Object(map) if map.len() == 1 => {
                let (name, arg) = map.into_iter().next().expect("one entry");
                from_object(&name, arg)
            }
            Value::Object(map) => Err(format!(
                "a transform object has exactly one key (its name), this one has {}: {}",
                map.len(),
                map.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            other => Err(format!(
                "a transform is a name like \"trim\" or an object like {{\"phone\": {{\"region\": \"FR\"}}}}, not {other}"
            )),
        }
    }
}

fn unknown(name: &str) -> String {
    let best = Transform::NAMES
        .iter()
        .map(|n| (strsim::jaro_winkler(&case::lower(n), &case::lower(name)), n))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((score, n)) if score > 0.8 => format!(" Did you mean `{n}`?"),
        _ => String::new(),
    };
    format!(
        "`{name}` is not a transform.{hint} Known transforms: {}.",
        Transform::NAMES.join(", ")
    )
}

fn from_name(name: &str) -> Result<Transform, String> {
    Ok(match name {
        "trim" => Transform::Trim,
        "lowercase" => Transform::Lowercase,
        "uppercase" => Transform::Uppercase,
        "titleCase" => Transform::TitleCase,
        "collapseSpaces" => Transform::CollapseSpaces,
        "email" => Transform::Email,
        "phone" => Transform::Phone { region: None },
        "firstName" => Transform::SplitName(NamePart::First),
        "lastName" => Transform::SplitName(NamePart::Last),
        "date" => Transform::Date {
            format: DateFormat::Auto,
            timezone: None,
            output: DateOutput::Auto,
        },
        "splitName" | "default" | "lookup" | "to" | "template" | "join" | "replace" => {
            return Err(format!(
                "`{name}` needs a setting: write it as {{\"{name}\": ...}} (see the mapping guide)"
            ))
        }
        other => return Err(unknown(other)),
    })
}

fn arg<T: serde::de::DeserializeOwned>(
    name: &str,
    arg: Value,
    expected: &str,
) -> Result<T, String> {
    crate::json::from_value(arg).map_err(|e| format!("`{name}` expects {expected} ({e})"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneArg {
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupArg {
    table: Map<String, Value>,
    default: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DateArg {
    #[serde(default)]
    format: Option<DateFormat>,
    timezone: Option<String>,
    #[serde(default)]
    output: Option<DateOutput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaceArg {
    find: String,
    with: String,
}

fn from_object(name: &str, value: Value) -> Result<Transform, String> {
    Ok(match name {
        "phone" => {
            let a: PhoneArg = arg(name, value, "{\"region\": \"FR\"}")?;
            Transform::Phone { region: a.region }
        }
        "splitName" => Transform::SplitName(arg(name, value, "\"first\" or \"last\"")?),
        "default" => Transform::Default(value),
        "lookup" => {
            let a: LookupArg = arg(
                name,
                value,
                "{\"table\": {\"from\": \"to\", ...}, \"default\": ...}",
            )?;
            Transform::Lookup {
                index: LookupIndex::new(&a.table),
                table: a.table,
                default: a.default,
            }
        }
        "to" => Transform::To(arg(
            name,
            value,
            "\"text\", \"number\", \"integer\" or \"boolean\"",
        )?),
        "date" => {
            let a: DateArg = arg(
                name,
                value,
                "{\"format\": \"auto|unix|unixMillis|iso8601|ymdHms|ymd|dmy|mdy\", \"timezone\": \"Europe/Paris\", \"output\": \"auto|date|datetime\"}",
            )?;
            Transform::Date {
                format: a.format.unwrap_or(DateFormat::Auto),
                timezone: a.timezone,
                output: a.output.unwrap_or(DateOutput::Auto),
            }
        }
        "template" => {
            let text: String = arg(name, value, "text with {placeholders}")?;
            Transform::Template(Template::parse(&text)?)
        }
        "join" => Transform::Join(arg(name, value, "the separator text, e.g. \", \"")?),
        "replace" => {
            let a: ReplaceArg = arg(name, value, "{\"find\": \"...\", \"with\": \"...\"}")?;
            Transform::Replace {
                find: a.find,
                with: a.with,
            }
        }
        "trim" | "lowercase" | "uppercase" | "titleCase" | "collapseSpaces" | "email"
        | "firstName" | "lastName" => {
            return Err(format!("`{name}` takes no setting: write it as \"{name}\""))
        }
        other => return Err(unknown(other)),
    })
}

impl<'de> Deserialize<'de> for Transform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spec = Value::deserialize(d)?;
        Transform::try_from(spec).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Transform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let one = |name: &str, v: Value| {
            let mut m = Map::new();
            m.insert(name.to_string(), v);
            Value::Object(m)
        };
        let spec = match self {
            Transform::Phone { region: Some(r) } => {
                one("phone", serde_json::json!({ "region": r }))
            }
            Transform::Default(v) => one("default", v.clone()),
            Transform::Lookup { table, default, .. } => one(
                "lookup",
                serde_json::json!({ "table": table, "default": default }),
            ),
            Transform::To(c) => one("to", crate::json::to_value(c).unwrap_or_default()),
            Transform::Date {
                format,
                timezone,
                output,
            } => one(
                "date",
                serde_json::json!({ "format": format, "timezone": timezone, "output": output }),
            ),
            Transform::Template(t) => one("template", Value::String(t.source().to_string())),
            Transform::Join(sep) => one("join", Value::String(sep.clone())),
            Transform::Replace { find, with } => {
                one("replace", serde_json::json!({ "find": find, "with": with }))
            }
            simple => Value::String(simple.label()),
        };
        spec.serialize(s)
    }
}

impl JsonSchema for Transform {
    fn schema_name() -> Cow<'static, str> {
        "Transform".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A transform step: a name, or an object with one key (the name) and its setting.",
            "oneOf": [
                { "enum": ["trim", "lowercase", "uppercase", "titleCase", "collapseSpaces", "email", "phone", "firstName", "lastName", "date"] },
                { "type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
                  "properties": {
                    "phone": { "type": "object", "properties": { "region": { "type": "string", "description": "ISO 3166 region, e.g. FR, RE, BE" } }, "additionalProperties": false },
                    "splitName": { "enum": ["first", "last"] },
                    "default": { "description": "Value used when the input is empty" },
                    "lookup": { "type": "object", "required": ["table"], "additionalProperties": false,
                      "properties": { "table": { "type": "object" }, "default": {} } },
                    "to": { "enum": ["text", "number", "integer", "boolean"] },
                    "date": { "type": "object", "additionalProperties": false, "properties": {
                      "format": { "enum": ["auto", "unix", "unixMillis", "iso8601", "ymdHms", "ymd", "dmy", "mdy"] },
                      "timezone": { "type": "string", "description": "IANA zone, e.g. Europe/Paris" },
                      "output": { "enum": ["auto", "date", "datetime"] } } },
                    "template": { "type": "string", "description": "Text with {value} and {path} placeholders" },
                    "join": { "type": "string", "description": "Separator for list values" },
                    "replace": { "type": "object", "required": ["find", "with"], "additionalProperties": false,
                      "properties": { "find": { "type": "string" }, "with": { "type": "string" } } }
                  } }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(spec: Value, input: Value) -> Result<Option<Value>, String> {
        let t = Transform::try_from(spec)?;
        let payload = json!({"prenom": "Jean"});
        let payload = Payload::new(&payload);
        let ctx = StepContext {
            payload: &payload,
            phone_region: Some("FR"),
            timezone: Some("Europe/Paris"),
        };
        t.apply(input, &ctx)
    }

    #[test]
    fn text_steps() {
        assert_eq!(run(json!("trim"), json!("  a b ")), Ok(Some(json!("a b"))));
        assert_eq!(
            run(json!("lowercase"), json!("ÉCOLE")),
            Ok(Some(json!("école")))
        );
        assert_eq!(
            run(json!("uppercase"), json!("rue")),
            Ok(Some(json!("RUE")))
        );
        assert_eq!(
            run(json!("titleCase"), json!("jean-pierre o'NEIL")),
            Ok(Some(json!("Jean-Pierre O'Neil")))
        );
        for (written, french) in [
            ("jean-pierre DE LA TOUR", "Jean-Pierre de la Tour"),
            ("de la tour", "de la Tour"),
            ("agrippa d'aubigné", "Agrippa d'Aubigné"),
            ("D'AUBIGNÉ", "d'Aubigné"),
            ("le guen", "Le Guen"),
            ("yann le guen", "Yann Le Guen"),
            ("jean de la fontaine", "Jean de la Fontaine"),
            ("la fontaine", "La Fontaine"),
            ("marie du bois-joly", "Marie du Bois-Joly"),
        ] {
            assert_eq!(
                run(json!("titleCase"), json!(written)),
                Ok(Some(json!(french))),
                "{written}"
            );
        }
        assert_eq!(
            run(json!("collapseSpaces"), json!(" a \n\t b ")),
            Ok(Some(json!("a b")))
        );
        assert_eq!(
            run(
                json!({"replace": {"find": ".", "with": ""}}),
                json!("06.12")
            ),
            Ok(Some(json!("0612")))
        );
        assert_eq!(
            run(json!("trim"), json!("   ")),
            Ok(None),
            "blank becomes empty"
        );
    }

    #[test]
    fn names_split_at_the_first_space() {
        assert_eq!(
            run(json!("firstName"), json!("Jean-Pierre de la Tour")),
            Ok(Some(json!("Jean-Pierre")))
        );
        assert_eq!(
            run(json!("lastName"), json!("Jean-Pierre de la Tour")),
            Ok(Some(json!("de la Tour")))
        );
        assert_eq!(
            run(json!({"splitName": "last"}), json!("Madonna")),
            Ok(None)
        );
    }

    #[test]
    fn lookup_default_and_join() {
        let table = json!({"lookup": {"table": {"1": "delivered", "4": "failed"}}});
        assert_eq!(run(table.clone(), json!("4")), Ok(Some(json!("failed"))));
        assert_eq!(run(table.clone(), json!(1)), Ok(Some(json!("delivered"))));
        assert!(run(table, json!("9"))
            .unwrap_err()
            .contains("not in the lookup table"));
        let with_default = json!({"lookup": {"table": {"a": 1}, "default": 0}});
        assert_eq!(run(with_default, json!("zz")), Ok(Some(json!(0))));
        assert_eq!(
            run(json!({"default": "n/a"}), json!("")),
            Ok(Some(json!("n/a")))
        );
        assert_eq!(
            run(json!({"default": "n/a"}), json!("x")),
            Ok(Some(json!("x")))
        );
        assert_eq!(
            run(json!({"join": " | "}), json!(["a", "", "b"])),
            Ok(Some(json!("a | b")))
        );
    }

    #[test]
    fn coercions() {
        assert_eq!(
            run(json!({"to": "boolean"}), json!("Oui")),
            Ok(Some(json!(true)))
        );
        assert_eq!(
            run(json!({"to": "boolean"}), json!("off")),
            Ok(Some(json!(false)))
        );
        assert!(run(json!({"to": "boolean"}), json!("maybe")).is_err());
        assert_eq!(
            run(json!({"to": "number"}), json!("1 234,5")),
            Ok(Some(json!(1234.5)))
        );
        assert_eq!(
            run(json!({"to": "number"}), json!("1,234.5")),
            Ok(Some(json!(1234.5)))
        );
        assert_eq!(
            run(json!({"to": "integer"}), json!("42")),
            Ok(Some(json!(42)))
        );
        assert!(run(json!({"to": "integer"}), json!("4.2")).is_err());
        assert_eq!(run(json!({"to": "text"}), json!(12)), Ok(Some(json!("12"))));
    }

    #[test]
    fn template_reads_value_and_payload() {
        assert_eq!(
            run(json!({"template": "{prenom}: {value}"}), json!("hello")),
            Ok(Some(json!("Jean: hello")))
        );
    }

    #[test]
    fn text_steps_refuse_lists_with_a_hint() {
        assert!(run(json!("trim"), json!(["a"]))
            .unwrap_err()
            .contains("join"));
    }

    #[test]
    fn typos_get_a_suggestion_and_the_list() {
        let err = Transform::try_from(json!("trimm")).unwrap_err();
        assert!(err.contains("Did you mean `trim`?"), "{err}");
        assert!(err.contains("Known transforms"), "{err}");
        let err = Transform::try_from(json!({"lookp": {}})).unwrap_err();
        assert!(err.contains("Did you mean `lookup`?"), "{err}");
        assert!(Transform::try_from(json!("lookup"))
            .unwrap_err()
            .contains("needs a setting"));
        assert!(Transform::try_from(json!({"trim": true}))
            .unwrap_err()
            .contains("takes no setting"));
        assert!(Transform::try_from(json!({"to": "float"}))
            .unwrap_err()
            .contains("expects"));
        assert!(Transform::try_from(json!(3))
            .unwrap_err()
            .contains("a transform is a name"));
    }

    #[test]
    fn every_transform_survives_a_serialise_round_trip() {
        for spec in [
            json!("trim"),
            json!("email"),
            json!("phone"),
            json!({"phone": {"region": "RE"}}),
            json!("firstName"),
            json!("lastName"),
            json!({"default": 3}),
            json!({"lookup": {"table": {"a": "b"}, "default": null}}),
            json!({"to": "boolean"}),
            json!({"date": {"format": "dmy", "timezone": "Europe/Paris", "output": "date"}}),
            json!({"template": "{value}!"}),
            json!({"join": ","}),
            json!({"replace": {"find": "a", "with": "b"}}),
        ] {
            let t = Transform::try_from(spec.clone()).unwrap();
            let back = Transform::try_from(crate::json::to_value(&t).unwrap()).unwrap();
            assert_eq!(t, back, "{spec}");
        }
    }
}
