//! Source payloads and the paths that read them.
//!
//! A payload arrives as JSON, as a form-encoded body or as a query string (Spot-Hit
//! callbacks). Form and query payloads become JSON too, PHP-style: `a[b][0]=x`
//! nests as `{"a": {"b": {"0": "x"}}}` and a repeated key (`t=1&t=2` or `t[]=1`)
//! becomes a list. A path then reads any of them the same way.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// How a payload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PayloadFormat {
    Json,
    /// `application/x-www-form-urlencoded` bodies and URL query strings alike.
    Form,
    /// A CSV file with a header row (`,`, `;` or tab separated, detected).
    /// As one payload it is its first data row; `csv_rows` reads them all.
    Csv,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload is not valid {format}: {detail}")]
pub struct PayloadError {
    pub format: &'static str,
    pub detail: String,
}

/// Decodes a payload into JSON.
pub fn parse_payload(text: &str, format: PayloadFormat) -> Result<Value, PayloadError> {
    match format {
        PayloadFormat::Json => serde_json::from_str(text).map_err(|e| PayloadError {
            format: "JSON",
            detail: e.to_string(),
        }),
        PayloadFormat::Form => Ok(parse_form(text)),
        PayloadFormat::Csv => csv_rows(text)?
            .into_iter()
            .next()
            .map(|row| row.payload)
            .ok_or_else(|| PayloadError {
                format: "CSV",
                detail: "there is a header row but no data row".into(),
            }),
    }
}

/// A payload as a mapping reads it. A JSON object is kept as its top-level
/// fields, their names borrowed from the text: no map is built and no name
/// copied, for each event the Worker syncs. Anything else (a list, a form, a
/// CSV row) is the whole [`Value`].
pub enum ParsedPayload<'a> {
    /// A JSON object's fields in the text's order, a repeated name included.
    Fields(Vec<(Cow<'a, str>, Value)>),
    Whole(Value),
}

impl<'a> ParsedPayload<'a> {
    /// Reads `text` as [`parse_payload`] does, with the same errors.
    pub fn parse(text: &'a str, format: PayloadFormat) -> Result<ParsedPayload<'a>, PayloadError> {
        let is_object = text
            .trim_start_matches([' ', '\t', '\n', '\r']) // JSON's whitespace
            .starts_with('{');
        if format != PayloadFormat::Json || !is_object {
            return parse_payload(text, format).map(ParsedPayload::Whole);
        }
        let mut reader = serde_json::Deserializer::from_str(text);
        reader
            .deserialize_map(FieldsVisitor)
            .and_then(|fields| reader.end().map(|()| fields))
            .map(ParsedPayload::Fields)
            .map_err(|e| PayloadError {
                format: "JSON",
                detail: e.to_string(),
            })
    }

    /// The payload as paths read it.
    pub fn view(&self) -> Payload<'_> {
        match self {
            ParsedPayload::Fields(fields) => {
                Payload::of_fields(fields.iter().map(|(k, v)| (&**k, v)).collect(), None)
            }
            ParsedPayload::Whole(value) => Payload::new(value),
        }
    }

    /// The top-level field written exactly `key` (the last, if repeated), as
    /// [`Value::get`] reads an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            ParsedPayload::Fields(fields) => {
                fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
            }
            ParsedPayload::Whole(value) => value.get(key),
        }
    }
}

/// A JSON object as its list of fields.
struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Vec<(Cow<'de, str>, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(16);
        while let Some(FieldName(name)) = map.next_key()? {
            fields.push((name, map.next_value()?));
        }
        Ok(fields)
    }
}

/// A field's name, borrowed from the text unless it holds an escape.
struct FieldName<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = FieldName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Borrowed(name)))
            }
            fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(name.to_string())))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

/// One data row of a CSV file, as a payload: `{"<header>": "<cell>", ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRow {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub payload: Value,
}

/// Every data row of a CSV file with a header row. The separator is the one
/// of `,` `;` tab that the header uses most (French spreadsheets export `;`).
/// Blank lines are skipped; a row with more cells than headers is an error that
/// names its line, one with fewer simply lacks the last columns.
pub fn csv_rows(text: &str) -> Result<Vec<CsvRow>, PayloadError> {
    let error = |detail: String| PayloadError {
        format: "CSV",
        detail,
    };
    let text = text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| error(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(error("the first line must name the columns".into()));
    }
    let mut rows = Vec::new();
    let bytes = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    for record in reader.records() {
        let record = record.map_err(|e| error(e.to_string()))?;
        // From the byte offset: the reader counts neither blank lines nor, in
        // its offsets, the line ends it skipped before this record.
        // Counted on from the previous record, so a big file stays linear.
        let mut offset = record.position().map_or(0, |p| p.byte() as usize);
        while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        let offset = offset.min(bytes.len()).max(counted_to);
        newlines += bytes[counted_to..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = offset;
        let line = 1 + newlines;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() > headers.len() {
            return Err(error(format!(
                "line {line} has {} cells but the header names {} columns",
                record.len(),
                headers.len()
            )));
        }
        let mut payload = Map::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            if !header.is_empty() {
                payload.insert(header.clone(), Value::String(cell.to_string()));
            }
        }
        rows.push(CsvRow {
            line,
            payload: Value::Object(payload),
        });
    }
    Ok(rows)
}

/// `a=1&b[c]=2&t[]=x&t[]=y` (a leading `?` is ignored) into nested JSON.
pub fn parse_form(text: &str) -> Value {
    let text = text.trim().trim_start_matches('?');
    let mut root = Map::new();
    for (key, value) in form_pairs(text) {
        let segments = bracket_segments(&key);
        insert_form_value(&mut root, &segments, Value::String(value));
    }
    Value::Object(root)
}

fn form_pairs(text: &str) -> Vec<(String, String)> {
    // serde_urlencoded decodes `+` and `%XX`; invalid UTF-8 becomes U+FFFD.
    serde_urlencoded::from_str::<Vec<(String, String)>>(text).unwrap_or_else(|_| {
        text.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (p.to_string(), String::new()),
            })
            .collect()
    })
}

/// `contacts[0][nom]` -> `["contacts", "0", "nom"]`; `t[]` -> `["t", ""]`.
fn bracket_segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_string()];
    };
    if !key.ends_with(']') || open == 0 {
        return vec![key.to_string()];
    }
    let mut segments = vec![key[..open].to_string()];
    for part in key[open + 1..key.len() - 1].split("][") {
        segments.push(part.to_string());
    }
    segments
}

fn insert_form_value(map: &mut Map<String, Value>, segments: &[String], value: Value) {
    let (head, rest) = segments.split_first().expect("at least one segment");
    if rest.is_empty() {
        push_or_set(map, head, value);
        return;
    }
    if rest.len() == 1 && rest[0].is_empty() {
        // `t[]=x`: always a list.
        let slot = map
            .entry(head.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        match slot {
            Value::Array(items) => items.push(value),
            other => *other = Value::Array(vec![other.take(), value]),
        }
        return;
    }
    let slot = map
        .entry(head.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert_form_value(inner, rest, value);
    }
}

fn push_or_set(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        None => {
            map.insert(key.to_string(), value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
    }
}

/// A path into a payload: `email`, `contact.email`, `contacts[0][nom]`,
/// `contacts.0.nom`, `items[2].name`. A key written exactly as it stands in the
/// payload (`e-mail`, `contacts[0][nom]` in a flat payload) is tried first;
/// names match case-insensitively when no exact key exists (`Email` = `email`).
#[derive(Clone, PartialEq, Eq)]
pub struct SourcePath {
    /// Shared, so each event's provenance names the path without a copy.
    text: Arc<str>,
    segments: Vec<String>,
    /// One segment that is the whole text (`email`): nothing to walk.
    plain: bool,
}

impl SourcePath {
    pub fn parse(text: &str) -> Result<SourcePath, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("a source path cannot be empty".to_string());
        }
        let mut segments = Vec::new();
        let mut current = String::new();
        let mut chars = trimmed.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '.' => segments.push(std::mem::take(&mut current)),
                '[' => {
                    if !current.is_empty() {
                        segments.push(std::mem::take(&mut current));
                    }
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some(']') => break,
                            Some(ch) => inner.push(ch),
                            None => return Err(format!("`{trimmed}` has a `[` without its `]`")),
                        }
                    }
                    segments.push(inner.trim_matches(|q| q == '"' || q == '\'').to_string());
                    if chars.peek() == Some(&'.') {
                        chars.next();
                    }
                }
                _ => current.push(c),
            }
        }
        if !current.is_empty() {
            segments.push(current);
        }
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "`{trimmed}` has an empty part (two dots in a row?)"
            ));
        }
        Ok(SourcePath {
            plain: segments.len() == 1 && segments[0] == trimmed,
            text: Arc::from(trimmed),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path's text, as explanations share it.
    pub fn shared_text(&self) -> &Arc<str> {
        &self.text
    }

    /// The first segment: the top-level field this path reads.
    pub fn root(&self) -> &str {
        &self.segments[0]
    }

    /// The value at this path, if any.
    pub fn resolve<'a>(&self, payload: &Payload<'a>) -> Option<&'a Value> {
        let found = payload.top_level(&self.text);
        if found.is_some() || self.plain {
            return found; // a plain name: nothing more to try
        }
        let mut segments = self.segments.iter();
        let mut current = match payload.other {
            None => payload.top_level(segments.next()?)?,
            Some(other) => other, // a list: its first segment is an index
        };
        for segment in segments {
            current = match current {
                Value::Object(_) => lookup_key(current, segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }
}

/// A payload as paths read it: its top-level keys listed once per event, so
/// each of a mapping's many candidate names (the web form tries about eighty)
/// is one pass over a short list rather than a walk of the whole map.
pub struct Payload<'a> {
    /// The payload itself when it is not an object (a list: paths index it).
    other: Option<&'a Value>,
    /// In the payload's order; a repeated name counts at its last place.
    keys: Vec<(&'a str, &'a Value)>,
    /// A bit per (length, folded first byte) of the keys: a name whose bit is
    /// clear is in no key, so most of the names a mapping tries cost no scan.
    signatures: u64,
}

fn signature(key: &str) -> u64 {
    let first = key.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
    1 << ((key.len() * 31 + usize::from(first)) % 64)
}

impl<'a> Payload<'a> {
    pub fn new(value: &'a Value) -> Payload<'a> {
        match value.as_object() {
            Some(map) => {
                Payload::of_fields(map.iter().map(|(k, v)| (k.as_str(), v)).collect(), None)
            }
            None => Payload::of_fields(Vec::new(), Some(value)),
        }
    }

    fn of_fields(keys: Vec<(&'a str, &'a Value)>, other: Option<&'a Value>) -> Payload<'a> {
        let signatures = keys.iter().fold(0, |bits, (k, _)| bits | signature(k));
        Payload {
            other,
            keys,
            signatures,
        }
    }

    /// The top-level keys and their values, a repeated name once (its last).
    /// Quadratic, and only an explained outcome asks (for its unread names).
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + '_ {
        let keys = &self.keys;
        keys.iter()
            .enumerate()
            .filter(|(i, (k, _))| !keys[i + 1..].iter().any(|(later, _)| later == k))
            .map(|(_, entry)| *entry)
    }

    /// `key` among the top-level keys, as [`find_key`] reads it.
    fn top_level(&self, key: &str) -> Option<&'a Value> {
        if self.signatures & signature(key) == 0 {
            return None;
        }
        find_key(self.keys.iter().rev().copied(), key)
    }
}

/// `key` in a nested object, as [`find_key`] reads it (a map's names are
/// each once: any order is latest first).
fn lookup_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let map = value.as_object()?;
    find_key(map.iter().map(|(k, v)| (k.as_str(), v)), key)
}

/// The entry written exactly `key`, else, of those equal to it ignoring ASCII
/// case, the one first in byte order: how every path reads an object, top
/// level or nested, whatever order its fields came in. `entries` come latest
/// first, so that a repeated name counts at its last place, as in a parsed map.
fn find_key<'a>(
    entries: impl Iterator<Item = (&'a str, &'a Value)>,
    key: &str,
) -> Option<&'a Value> {
    let mut folded: Option<(&str, &Value)> = None;
    for (k, v) in entries {
        if k.len() != key.len() {
            continue; // most keys: neither test can hold
        }
        if k == key {
            return Some(v);
        }
        if k.eq_ignore_ascii_case(key) && folded.is_none_or(|(best, _)| k < best) {
            folded = Some((k, v));
        }
    }
    folded.map(|(_, v)| v)
}

impl fmt::Debug for SourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourcePath({})", self.text)
    }
}

impl fmt::Display for SourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Every leaf path of a payload (`contacts.0.nom`), to report what no rule read.
pub fn leaf_paths(payload: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(v, &path, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let mut out = Vec::new();
    if payload.is_object() {
        walk(payload, "", &mut out);
    }
    out
}

/// True for text that `trim` would leave empty. Most text starts with a
/// visible ASCII character, which settles it without decoding any character.
pub fn is_blank(text: &str) -> bool {
    match text.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ') => false,
        Some(_) => text.trim().is_empty(),
    }
}

/// True for values that carry nothing: null, blank text, an empty list or object.
pub fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => is_blank(s),
        Value::Array(a) => a.iter().all(is_empty_value),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn php_style_form_nests() {
        let v =
            parse_form("contacts[0][nom]=Dupont&contacts[0][prenom]=Jean&groupe_id=3&t[]=a&t[]=b");
        assert_eq!(
            v,
            json!({"contacts": {"0": {"nom": "Dupont", "prenom": "Jean"}}, "groupe_id": "3", "t": ["a", "b"]})
        );
    }

    #[test]
    fn query_strings_decode_plus_and_percent() {
        let v = parse_form("?numero=%2B33612345678&message=Oui+merci&statut=1");
        assert_eq!(v["numero"], "+33612345678");
        assert_eq!(v["message"], "Oui merci");
    }

    #[test]
    fn repeated_keys_become_lists() {
        assert_eq!(parse_form("tag=a&tag=b")["tag"], json!(["a", "b"]));
    }

    #[test]
    fn paths_read_nested_arrays_brackets_and_exact_keys() {
        let payload = json!({
            "contact": {"Email": "A@B.fr"},
            "contacts": [{"nom": "Dupont"}],
            "e-mail": "x@y.fr",
            "flat[0][nom]": "Flat"
        });
        let payload = Payload::new(&payload);
        let get = |p: &str| SourcePath::parse(p).unwrap().resolve(&payload).cloned();
        assert_eq!(get("contact.email"), Some(json!("A@B.fr")));
        assert_eq!(get("contacts[0][nom]"), Some(json!("Dupont")));
        assert_eq!(get("contacts.0.nom"), Some(json!("Dupont")));
        assert_eq!(get("contacts[0].nom"), Some(json!("Dupont")));
        assert_eq!(get("e-mail"), Some(json!("x@y.fr")));
        assert_eq!(get("flat[0][nom]"), Some(json!("Flat")));
        assert_eq!(get("contacts[1].nom"), None);
    }

    #[test]
    fn blank_is_what_trim_empties() {
        for text in ["", " ", "\t\n\x0B\x0C\r ", "\u{a0}", "\u{3000} "] {
            assert!(is_blank(text), "{text:?}");
        }
        for text in ["a", " a", "\u{a0}x", "é", "\x00"] {
            assert_eq!(is_blank(text), text.trim().is_empty(), "{text:?}");
        }
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        assert!(SourcePath::parse("a[0")
            .unwrap_err()
            .contains("without its"));
        assert!(SourcePath::parse("a..b")
            .unwrap_err()
            .contains("empty part"));
        assert!(SourcePath::parse(" ").is_err());
    }
}
