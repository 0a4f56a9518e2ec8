//! The mapping engine's exports (feature `mapping`, on by default).

use crate::to_js;
use ghl_bridge::dedupe::normalise::{normalise_email, normalise_phone};
use ghl_bridge::dedupe::{idempotency_key, KnownContacts};
use ghl_bridge::ghl::custom_fields::{CustomField, CustomFieldList, FieldCatalog};
use ghl_bridge::mapping::{
    csv_rows, parse_payload, ApplyOptions, Mapping, MappingError, MappingOutcome, ParsedPayload,
    PayloadFormat,
};
use ghl_bridge::preview;
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn format_of(name: &str) -> Result<PayloadFormat, JsError> {
    match name {
        "json" => Ok(PayloadFormat::Json),
        "form" | "query" => Ok(PayloadFormat::Form),
        "csv" => Ok(PayloadFormat::Csv),
        other => Err(JsError::new(&format!(
            "unknown payload format `{other}`: use \"json\", \"form\", \"query\" or \"csv\""
        ))),
    }
}

/// The built-in mapping templates: `{id, name, format, mapping, sample}`.
#[wasm_bindgen]
pub fn templates() -> Result<JsValue, JsError> {
    to_js(ghl_bridge::mapping::TEMPLATES)
}

/// The recipes: `{id, name, description, sourceId, format, mapping,
/// syncRules, sample, byHand}`.
#[wasm_bindgen]
pub fn recipes() -> Result<JsValue, JsError> {
    to_js(&ghl_bridge::recipes::recipes())
}

/// A location's sync rules (`existing`, JSON text or none) with a recipe's
/// added; throws saying which of the two is invalid.
#[wasm_bindgen(js_name = mergeSyncRules)]
pub fn merge_sync_rules(existing: Option<String>, added: &str) -> Result<String, JsError> {
    ghl_bridge::recipes::merge_rules(existing.as_deref(), added).map_err(|e| JsError::new(&e))
}

/// The mapping document's JSON Schema. The committed file is embedded (a test
/// keeps it equal to the generated one), so the schema generator stays out of
/// the wasm.
#[wasm_bindgen(js_name = mappingSchema)]
pub fn mapping_schema() -> Result<JsValue, JsError> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../mapping.schema.json"))
            .map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&schema)
}

#[derive(Serialize)]
struct Validation {
    ok: bool,
    errors: Vec<MappingError>,
}

/// Checks mapping text: `{ok, errors: [{pointer, line, column, message}]}`.
#[wasm_bindgen(js_name = validateMapping)]
pub fn validate_mapping(text: &str) -> Result<JsValue, JsError> {
    let errors = Mapping::parse(text).err().unwrap_or_default();
    to_js(&Validation {
        ok: errors.is_empty(),
        errors,
    })
}

/// "Suggest a mapping" for a sample payload: `{mapping, unmatched}` (the
/// mapping as JSON text; the payload's names no rule reads).
#[wasm_bindgen(js_name = suggestMapping)]
pub fn suggest_mapping(payload: &str, format: &str) -> Result<JsValue, JsError> {
    let payload =
        parse_payload(payload, format_of(format)?).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&ghl_bridge::mapping::suggest::suggest(&payload))
}

/// The top-level names of a payload (`[]` when it does not parse).
#[wasm_bindgen(js_name = payloadFields)]
pub fn payload_fields(payload: &str, format: &str) -> Result<JsValue, JsError> {
    let names: Vec<String> = parse_payload(payload, format_of(format)?)
        .ok()
        .and_then(|p| p.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default();
    to_js(&names)
}

/// The standard targets a field rule can write: `[{value, label}]`
/// (contact fields, then DND and its channels).
#[wasm_bindgen(js_name = mappingTargets)]
pub fn mapping_targets() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Choice {
        value: String,
        label: String,
    }
    let fields = ghl_bridge::mapping::CONTACT_FIELDS.iter().map(|f| Choice {
        value: f.to_string(),
        label: f.to_string(),
    });
    let dnd = std::iter::once(Choice {
        value: "dnd".into(),
        label: "dnd (every channel)".into(),
    });
    let channels = ghl_bridge::mapping::DND_CHANNELS.iter().map(|c| Choice {
        value: format!("dnd.{c}"),
        label: format!("dnd.{c}"),
    });
    to_js(&fields.chain(dnd).chain(channels).collect::<Vec<_>>())
}

/// `+33612345678`, or throws with the reason.
#[wasm_bindgen(js_name = normalisePhone)]
pub fn normalise_phone_js(input: &str, region: Option<String>) -> Result<String, JsError> {
    normalise_phone(input, region.as_deref()).map_err(|e| JsError::new(&e.to_string()))
}

/// `jean@example.fr`, or throws with the reason.
#[wasm_bindgen(js_name = normaliseEmail)]
pub fn normalise_email_js(input: &str) -> Result<String, JsError> {
    normalise_email(input).map_err(|e| JsError::new(&e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Applied<'a> {
    #[serde(flatten)]
    outcome: &'a MappingOutcome,
    idempotency_key: String,
}

/// A mapping checked once and applied to many payloads.
#[wasm_bindgen]
pub struct CompiledMapping {
    mapping: Mapping,
}

#[wasm_bindgen]
impl CompiledMapping {
    /// Throws an `Error` whose message lists every problem with its line.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<CompiledMapping, JsError> {
        Mapping::parse(text)
            .map(|mapping| CompiledMapping { mapping })
            .map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                JsError::new(&lines.join("\n"))
            })
    }

    /// Applies the mapping to one payload (`format`: "json", "form" or "query").
    /// `sourceId` and `eventId` feed the idempotency key; `nowUnix` is the event
    /// time in seconds (task due dates count from it).
    pub fn apply(
        &self,
        payload: &str,
        format: &str,
        source_id: &str,
        event_id: Option<String>,
        now_unix: f64,
    ) -> Result<JsValue, JsError> {
        let (payload, outcome) = self.run(payload, format, now_unix, true)?;
        to_js(&Applied {
            outcome: &outcome,
            idempotency_key: idempotency_key(source_id, event_id.as_deref(), &payload),
        })
    }

    /// The work the Worker does per event, no provenance: the webhook route's
    /// idempotency key (the payload parsed into a map, written canonically and
    /// hashed), then the consumer's mapping ([`Self::map_count`]). Returns only
    /// the number of warnings and errors: for benchmarks and bulk checks where
    /// building a JS object per event would dominate.
    #[wasm_bindgen(js_name = applyCount)]
    pub fn apply_count(&self, payload: &str, format: &str, now_unix: f64) -> Result<u32, JsError> {
        let parsed =
            parse_payload(payload, format_of(format)?).map_err(|e| JsError::new(&e.to_string()))?;
        let _key = idempotency_key("count", None, &parsed);
        self.map_count(payload, format, now_unix)
    }

    /// The mapping alone: parse and apply (identity keys included), no
    /// idempotency key and no provenance, as the Worker's consumer runs it.
    /// What a JSONata expression does, for comparisons.
    #[wasm_bindgen(js_name = mapCount)]
    pub fn map_count(&self, payload: &str, format: &str, now_unix: f64) -> Result<u32, JsError> {
        // As the Worker reads an event: a JSON object stays a list of fields.
        let payload = ParsedPayload::parse(payload, format_of(format)?)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let outcome = self.mapping.apply_to(
            &payload.view(),
            &ApplyOptions {
                now_unix: now_unix as i64,
                explain: false,
            },
        );
        Ok((outcome.warnings.len() + outcome.errors.len()) as u32)
    }
}

impl CompiledMapping {
    fn run(
        &self,
        payload: &str,
        format: &str,
        now_unix: f64,
        explain: bool,
    ) -> Result<(serde_json::Value, MappingOutcome), JsError> {
        let payload =
            parse_payload(payload, format_of(format)?).map_err(|e| JsError::new(&e.to_string()))?;
        let outcome = self.mapping.apply(
            &payload,
            &ApplyOptions {
                now_unix: now_unix as i64,
                explain,
            },
        );
        Ok((payload, outcome))
    }
}

/// Contacts the location already has (JSON text; empty: none), read with the
/// mapping's phone region.
fn known_contacts(
    mapping: &Result<Mapping, Vec<MappingError>>,
    existing: &str,
) -> Result<KnownContacts, String> {
    let region = mapping
        .as_ref()
        .ok()
        .and_then(|m| m.doc.settings.phone_region.as_deref());
    KnownContacts::from_json(existing, region).map_err(|e| e.to_string())
}

/// Everything the Worker would do with one payload, without doing it: the
/// mapping's errors, or the exact GHL requests (secrets masked), the keys, the
/// provenance and the warnings. With `existing` contacts (JSON, optional):
/// whether it would create, update or conflict. With the location's
/// `customFields` (JSON: GHL's `{customFields: [...]}` or the list): each is
/// written by id, and one the location lacks is `customFieldError`.
#[wasm_bindgen(js_name = previewEvent)]
pub fn preview_event(
    mapping: &str,
    payload: &str,
    format: &str,
    location_id: &str,
    now_unix: f64,
    existing: Option<String>,
    custom_fields: Option<String>,
) -> Result<JsValue, JsError> {
    let mapping = Mapping::parse(mapping);
    let payload = parse_payload(payload, format_of(format)?).map_err(|e| e.to_string());
    // Unreadable existing contacts are reported like an unreadable payload.
    let (payload, known) = match existing
        .as_deref()
        .map(|e| known_contacts(&mapping, e))
        .transpose()
    {
        Ok(known) => (payload, known),
        Err(e) => (Err(e), None),
    };
    let catalog = custom_fields
        .as_deref()
        .map(|text| field_catalog(location_id, text))
        .transpose()?;
    to_js(&preview::preview_event(
        &mapping,
        payload,
        location_id,
        now_unix as i64,
        known.as_ref(),
        catalog.as_ref(),
    ))
}

fn field_catalog(location_id: &str, text: &str) -> Result<FieldCatalog, JsError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Listed {
        Answer(CustomFieldList),
        List(Vec<CustomField>),
    }
    let fields = match serde_json::from_str::<Listed>(text) {
        Ok(Listed::Answer(a)) => a.custom_fields,
        Ok(Listed::List(l)) => l,
        Err(e) => return Err(JsError::new(&format!("the custom fields: {e}"))),
    };
    Ok(FieldCatalog {
        location_id: location_id.to_string(),
        fields,
    })
}

/// The data rows of a CSV file: `[{line, payload}]`, or throws with the line.
#[wasm_bindgen(js_name = csvRows)]
pub fn csv_rows_js(text: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Row<'a> {
        line: u64,
        payload: &'a serde_json::Value,
    }
    let rows = csv_rows(text).map_err(|e| JsError::new(&e.to_string()))?;
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            line: r.line,
            payload: &r.payload,
        })
        .collect();
    to_js(&rows)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchResult {
    ok: bool,
    mapping_errors: Vec<MappingError>,
    /// The CSV or the existing contacts could not be read.
    payload_error: Option<String>,
    #[serde(flatten)]
    batch: Option<preview::BatchPreview>,
}

/// Every row of a CSV file through the mapping, in order, against the existing
/// contacts (JSON, optional): each row's action (create, update,
/// duplicateInFile, conflict, invalid) with reasons, and the counts.
#[wasm_bindgen(js_name = previewBatch)]
pub fn preview_batch(
    mapping: &str,
    csv: &str,
    existing: Option<String>,
    now_unix: f64,
) -> Result<JsValue, JsError> {
    let failed = |mapping_errors, payload_error| BatchResult {
        ok: false,
        mapping_errors,
        payload_error,
        batch: None,
    };
    let parsed = Mapping::parse(mapping);
    let known = match known_contacts(&parsed, existing.as_deref().unwrap_or_default()) {
        Ok(k) => k,
        Err(e) => return to_js(&failed(Vec::new(), Some(e))),
    };
    let mapping = match parsed {
        Ok(m) => m,
        Err(errors) => return to_js(&failed(errors, None)),
    };
    let rows = match csv_rows(csv) {
        Ok(r) => r,
        Err(e) => return to_js(&failed(Vec::new(), Some(e.to_string()))),
    };
    to_js(&BatchResult {
        ok: true,
        mapping_errors: Vec::new(),
        payload_error: None,
        batch: Some(preview::preview_batch(
            &mapping,
            &rows,
            &known,
            now_unix as i64,
        )),
    })
}
