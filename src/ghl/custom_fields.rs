//! A location's custom fields, and writing one by `id`. Every item schema of
//! `UpsertContactDto.customFields` in GHL's OpenAPI file requires `id`; GHL's
//! own keys read `contact.utm_source`. Mappings name a field the way people
//! do — by fieldKey (`contact.budget` or `budget`), by name ("Budget") or by
//! id — so each is resolved against the location's fields
//! (`GET /locations/{locationId}/customFields`, scope
//! `locations/customFields.readonly`; no paging) and its value converted to
//! the field's type before it is sent.

use super::catalogue::LIST_CUSTOM_FIELDS;
use super::contacts::CustomFieldInput;
use super::{Call, Endpoint, NoBody};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// GHL's field types (`MONETORY` is GHL's spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FieldType {
    Text,
    LargeText,
    Numerical,
    Phone,
    Monetary,
    Checkbox,
    SingleOptions,
    MultipleOptions,
    Radio,
    Date,
    TextboxList,
    FileUpload,
    Email,
    Other(String),
}

impl FieldType {
    const NAMES: [(&'static str, FieldType); 13] = [
        ("TEXT", FieldType::Text),
        ("LARGE_TEXT", FieldType::LargeText),
        ("NUMERICAL", FieldType::Numerical),
        ("PHONE", FieldType::Phone),
        ("MONETORY", FieldType::Monetary),
        ("CHECKBOX", FieldType::Checkbox),
        ("SINGLE_OPTIONS", FieldType::SingleOptions),
        ("MULTIPLE_OPTIONS", FieldType::MultipleOptions),
        ("RADIO", FieldType::Radio),
        ("DATE", FieldType::Date),
        ("TEXTBOX_LIST", FieldType::TextboxList),
        ("FILE_UPLOAD", FieldType::FileUpload),
        ("EMAIL", FieldType::Email),
    ];

    pub fn as_str(&self) -> &str {
        match self {
            FieldType::Other(name) => name,
            known => Self::NAMES
                .iter()
                .find(|(_, t)| t == known)
                .map_or("TEXT", |(n, _)| n),
        }
    }
}

impl From<String> for FieldType {
    fn from(name: String) -> Self {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or(FieldType::Other(name))
    }
}

impl From<FieldType> for String {
    fn from(t: FieldType) -> String {
        t.as_str().to_string()
    }
}

/// One custom field as GHL lists it (the fields the bridge uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    pub id: String,
    pub name: String,
    /// `contact.utm_source`.
    pub field_key: String,
    pub data_type: FieldType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picklist_options: Vec<String>,
}

/// `{customFields: [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldList {
    pub custom_fields: Vec<CustomField>,
}

/// `GET /locations/{locationId}/customFields?model=contact`
#[derive(Debug, Clone)]
pub struct ListCustomFields {
    pub location_id: String,
}

impl Call for ListCustomFields {
    type Response = CustomFieldList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_CUSTOM_FIELDS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.location_id]
    }
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("model", Some("contact".into()))]
    }
}

/// What a mapping named that the location does not have, or cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("custom field `{name}` does not exist in location {location}{closest}")]
    Unknown {
        name: String,
        location: String,
        /// " (closest: `contact.budget` \"Budget\", ...)" or empty.
        closest: String,
    },
    #[error("custom field `{field}` ({data_type}): {problem}")]
    BadValue {
        field: String,
        data_type: String,
        problem: String,
    },
}

/// The location's fields, to resolve names against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldCatalog {
    pub location_id: String,
    pub fields: Vec<CustomField>,
}

impl FieldCatalog {
    /// The field `name` means: its id, its fieldKey with or without
    /// `contact.`, or its name (case and spacing ignored).
    pub fn find(&self, name: &str) -> Option<&CustomField> {
        let wanted = name.trim();
        let bare = wanted.strip_prefix("contact.").unwrap_or(wanted);
        self.fields
            .iter()
            .find(|f| f.id == wanted)
            .or_else(|| {
                self.fields.iter().find(|f| {
                    f.field_key.eq_ignore_ascii_case(wanted)
                        || f.field_key
                            .strip_prefix("contact.")
                            .is_some_and(|k| k.eq_ignore_ascii_case(bare))
                })
            })
            .or_else(|| {
                let simple = simplify(wanted);
                self.fields.iter().find(|f| simplify(&f.name) == simple)
            })
    }

    /// Up to three fields whose key or name is nearest to `name`.
    pub fn closest(&self, name: &str) -> Vec<&CustomField> {
        let simple = simplify(name.strip_prefix("contact.").unwrap_or(name));
        let mut scored: Vec<(f64, &CustomField)> = self
            .fields
            .iter()
            .map(|f| {
                let key = simplify(f.field_key.strip_prefix("contact.").unwrap_or(&f.field_key));
                let by_key = strsim::jaro_winkler(&simple, &key);
                let by_name = strsim::jaro_winkler(&simple, &simplify(&f.name));
                (by_key.max(by_name), f)
            })
            .filter(|(score, _)| *score > 0.7)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(3).map(|(_, f)| f).collect()
    }

    /// Every item written by id with its value in the field's type.
    pub fn resolve(&self, items: &[CustomFieldInput]) -> Result<Vec<CustomFieldInput>, FieldError> {
        items.iter().map(|item| self.resolve_one(item)).collect()
    }

    fn resolve_one(&self, item: &CustomFieldInput) -> Result<CustomFieldInput, FieldError> {
        let name = item
            .id
            .as_deref()
            .or(item.key.as_deref())
            .unwrap_or_default();
        let Some(field) = self.find(name) else {
            let closest: Vec<String> = self
                .closest(name)
                .iter()
                .map(|f| format!("`{}` \"{}\"", f.field_key, f.name))
                .collect();
            return Err(FieldError::Unknown {
                name: name.to_string(),
                location: self.location_id.clone(),
                closest: if closest.is_empty() {
                    String::new()
                } else {
                    format!("; closest: {}", closest.join(", "))
                },
            });
        };
        let field_value =
            convert(field, &item.field_value).map_err(|problem| FieldError::BadValue {
                field: field.field_key.clone(),
                data_type: field.data_type.as_str().to_string(),
                problem,
            })?;
        Ok(CustomFieldInput {
            id: Some(field.id.clone()),
            key: None,
            field_value,
        })
    }
}

/// Lower case, letters and digits only: "UTM source" = "utm_source".
fn simplify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        crate::case::push_lower(&mut out, c);
    }
    out
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value in the type GHL stores for `field`.
fn convert(field: &CustomField, value: &Value) -> Result<Value, String> {
    match field.data_type {
        FieldType::Numerical | FieldType::Monetary => number(value),
        FieldType::Date => date(value),
        FieldType::Checkbox | FieldType::MultipleOptions => {
            let items: Vec<String> = match value {
                Value::Array(items) => items.iter().map(text_of).collect(),
                other => text_of(other)
                    .split([',', ';', '|'])
                    .map(|s| s.trim().to_string())
                    .collect(),
            };
            let items = items.into_iter().filter(|s| !s.is_empty());
            let chosen: Result<Vec<Value>, String> = items
                .map(|s| option(field, &s).map(Value::String))
                .collect();
            Ok(Value::Array(chosen?))
        }
        FieldType::SingleOptions | FieldType::Radio => {
            option(field, &text_of(value)).map(Value::String)
        }
        _ => Ok(Value::String(text_of(value))),
    }
}

/// One of the field's options, as GHL spells it; any text when it lists none.
fn option(field: &CustomField, text: &str) -> Result<String, String> {
    if field.picklist_options.is_empty() {
        return Ok(text.to_string());
    }
    field
        .picklist_options
        .iter()
        .find(|o| simplify(o) == simplify(text))
        .cloned()
        .ok_or_else(|| {
            format!(
                "`{text}` is not one of its options ({})",
                field.picklist_options.join(", ")
            )
        })
}

fn number(value: &Value) -> Result<Value, String> {
    if value.is_number() {
        return Ok(value.clone());
    }
    let text = text_of(value);
    // "1 200,50 €", "1,200.50", "$300": keep digits, sign and the last separator.
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ','))
        .collect();
    let decimal = match (cleaned.rfind(','), cleaned.rfind('.')) {
        (Some(c), Some(d)) if c > d => cleaned.replace('.', "").replace(',', "."),
        (Some(_), None) if cleaned.matches(',').count() == 1 && !cleaned.ends_with(",000") => {
            cleaned.replace(',', ".")
        }
        _ => cleaned.replace(',', ""),
    };
    crate::number::parse_f64(&decimal)
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("`{text}` is not a number"))
}

/// `YYYY-MM-DD`, from ISO dates and times or French `DD/MM/YYYY`.
fn date(value: &Value) -> Result<Value, String> {
    let text = text_of(value);
    let iso = text.get(..10).unwrap_or(&text);
    if let Some(d) = crate::iso8601::date(iso) {
        return Ok(Value::String(d.to_string()));
    }
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    if let [d, m, y] = parts.as_slice() {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) {
            if let Ok(date) = jiff::civil::Date::new(y, m, d) {
                return Ok(Value::String(date.to_string()));
            }
        }
    }
    Err(format!("`{text}` is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> FieldCatalog {
        let list: CustomFieldList = serde_json::from_value(json!({"customFields": [
            {"id": "cf1", "name": "UTM Source", "fieldKey": "contact.utm_source", "dataType": "TEXT"},
            {"id": "cf2", "name": "Budget", "fieldKey": "contact.budget", "dataType": "MONETORY"},
            {"id": "cf3", "name": "Tier", "fieldKey": "contact.tier", "dataType": "SINGLE_OPTIONS",
             "picklistOptions": ["Gold", "Silver"]},
            {"id": "cf4", "name": "Interests", "fieldKey": "contact.interests", "dataType": "MULTIPLE_OPTIONS",
             "picklistOptions": ["Windows", "Doors", "Roofs"]},
            {"id": "cf5", "name": "Next visit", "fieldKey": "contact.next_visit", "dataType": "DATE"},
            {"id": "cf6", "name": "Rooms", "fieldKey": "contact.rooms", "dataType": "NUMERICAL"}
        ]}))
        .unwrap();
        FieldCatalog {
            location_id: "loc".into(),
            fields: list.custom_fields,
        }
    }

    fn by_key(key: &str, value: Value) -> CustomFieldInput {
        CustomFieldInput {
            id: None,
            key: Some(key.into()),
            field_value: value,
        }
    }

    #[test]
    fn the_list_call_asks_for_contact_fields_of_the_location() {
        let target = crate::ghl::GhlTarget {
            base_url: "https://x".into(),
            token: "t".into(),
        };
        let call = ListCustomFields {
            location_id: "loc 1".into(),
        };
        let request = crate::ghl::build_request(&call, &target).unwrap();
        assert_eq!(
            request.url,
            "https://x/locations/loc%201/customFields?model=contact"
        );
    }

    #[test]
    fn a_field_is_found_by_key_bare_key_name_or_id() {
        let c = catalog();
        for name in [
            "contact.utm_source",
            "utm_source",
            "UTM source",
            "utm-source",
            "cf1",
        ] {
            assert_eq!(c.find(name).map(|f| f.id.as_str()), Some("cf1"), "{name}");
        }
        assert!(c.find("utm_medium").is_none());
    }

    #[test]
    fn an_unknown_field_names_the_closest_ones() {
        let err = catalog()
            .resolve(&[by_key("budjet", json!("3"))])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "custom field `budjet` does not exist in location loc; closest: `contact.budget` \"Budget\""
        );
    }

    #[test]
    fn values_take_the_fields_type() {
        let c = catalog();
        let written = c
            .resolve(&[
                by_key("budget", json!("1 200,50 €")),
                by_key("tier", json!("gold")),
                by_key("interests", json!("windows; roofs")),
                by_key("next_visit", json!("25/09/2026")),
                by_key("rooms", json!("3")),
                by_key("utm_source", json!(" google ")),
            ])
            .unwrap();
        let values: Vec<(&str, Value)> = written
            .iter()
            .map(|w| (w.id.as_deref().unwrap(), w.field_value.clone()))
            .collect();
        assert_eq!(
            values,
            vec![
                ("cf2", json!(1200.5)),
                ("cf3", json!("Gold")),
                ("cf4", json!(["Windows", "Roofs"])),
                ("cf5", json!("2026-09-25")),
                ("cf6", json!(3.0)),
                ("cf1", json!("google")),
            ]
        );
        assert!(
            written.iter().all(|w| w.key.is_none()),
            "written by id only"
        );
        let bad = c.resolve(&[by_key("tier", json!("Bronze"))]).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "custom field `contact.tier` (SINGLE_OPTIONS): `Bronze` is not one of its options (Gold, Silver)"
        );
        assert!(c.resolve(&[by_key("rooms", json!("beaucoup"))]).is_err());
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        for (text, n) in [
            ("1,200.50", 1200.5),
            ("1.200,50", 1200.5),
            ("300", 300.0),
            ("12,5", 12.5),
            ("1,000", 1000.0),
        ] {
            assert_eq!(number(&json!(text)).unwrap(), json!(n), "{text}");
        }
    }
}
