//! The mapping engine's exports (feature `mapping`, on by default).

use crate::to_js;
use ghl_bridge::dedupe::idempotency_key;
use ghl_bridge::dedupe::normalise::{normalise_email, normalise_phone};
use ghl_bridge::mapping::{
    parse_payload, ApplyOptions, Mapping, MappingError, MappingOutcome, PayloadFormat,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn format_of(name: &str) -> Result<PayloadFormat, JsError> {
    match name {
        "json" => Ok(PayloadFormat::Json),
        "form" | "query" => Ok(PayloadFormat::Form),
        other => Err(JsError::new(&format!(
            "unknown payload format `{other}`: use \"json\", \"form\" or \"query\""
        ))),
    }
}

/// The built-in mapping templates: `{id, name, format, mapping, sample}`.
#[wasm_bindgen]
pub fn templates() -> Result<JsValue, JsError> {
    to_js(ghl_bridge::mapping::TEMPLATES)
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
        let (payload, outcome) = self.run(payload, format, now_unix)?;
        to_js(&Applied {
            outcome: &outcome,
            idempotency_key: idempotency_key(source_id, event_id.as_deref(), &payload),
        })
    }

    /// Same work as `apply` (keys included), but returns only the number of
    /// warnings and errors: for benchmarks and bulk checks where building a JS
    /// object per event would dominate.
    #[wasm_bindgen(js_name = applyCount)]
    pub fn apply_count(&self, payload: &str, format: &str, now_unix: f64) -> Result<u32, JsError> {
        let (payload, outcome) = self.run(payload, format, now_unix)?;
        let _key = idempotency_key("count", None, &payload);
        Ok((outcome.warnings.len() + outcome.errors.len()) as u32)
    }
}

impl CompiledMapping {
    fn run(
        &self,
        payload: &str,
        format: &str,
        now_unix: f64,
    ) -> Result<(serde_json::Value, MappingOutcome), JsError> {
        let payload =
            parse_payload(payload, format_of(format)?).map_err(|e| JsError::new(&e.to_string()))?;
        let outcome = self.mapping.apply(
            &payload,
            &ApplyOptions {
                now_unix: now_unix as i64,
            },
        );
        Ok((payload, outcome))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewRequest {
    /// `upsert`, `tags`, `note`, `task`, `appointment`.
    kind: &'static str,
    method: String,
    url: String,
    /// Credentials masked (`Bearer ****`).
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Preview<'a> {
    ok: bool,
    /// Mapping errors with line and column (then nothing else is computed).
    mapping_errors: Vec<MappingError>,
    /// The payload could not be read.
    payload_error: Option<String>,
    outcome: Option<&'a MappingOutcome>,
    idempotency_key: Option<String>,
    identity_keys: Vec<String>,
    /// The GHL calls the Worker would make, in order; `{contactId}` stands for
    /// the id the upsert returns.
    requests: Vec<PreviewRequest>,
}

/// Everything the Worker would do with one payload, without doing it: the
/// mapping's errors, or the exact GHL requests (secrets masked), the keys, the
/// provenance and the warnings.
#[wasm_bindgen(js_name = previewEvent)]
pub fn preview_event(
    mapping: &str,
    payload: &str,
    format: &str,
    location_id: &str,
    now_unix: f64,
) -> Result<JsValue, JsError> {
    let empty = |mapping_errors, payload_error| Preview {
        ok: false,
        mapping_errors,
        payload_error,
        outcome: None,
        idempotency_key: None,
        identity_keys: Vec::new(),
        requests: Vec::new(),
    };
    let mapping = match Mapping::parse(mapping) {
        Ok(m) => m,
        Err(errors) => return to_js(&empty(errors, None)),
    };
    let payload = match parse_payload(payload, format_of(format)?) {
        Ok(p) => p,
        Err(e) => return to_js(&empty(Vec::new(), Some(e.to_string()))),
    };
    let outcome = mapping.apply(
        &payload,
        &ApplyOptions {
            now_unix: now_unix as i64,
        },
    );
    let target = ghl_bridge::ghl::GhlTarget {
        base_url: ghl_bridge::ghl::BASE_URL.into(),
        token: "preview".into(),
    };
    let mut requests = Vec::new();
    if outcome.errors.is_empty() {
        let show = |kind, r: ghl_bridge::http::HttpRequest| {
            let r = r.redacted();
            PreviewRequest {
                kind,
                method: r.method.to_string(),
                url: r.url.replace("CONTACT_ID", "{contactId}"),
                headers: r.headers,
                body: r.body.and_then(|b| serde_json::from_str(&b).ok()),
            }
        };
        let upsert = ghl_bridge::sync::upsert_call(&outcome, location_id);
        let built = ghl_bridge::ghl::build_request(&upsert, &target)
            .map_err(|e| JsError::new(&e.to_string()))?;
        requests.push(show("upsert", built));
        let follow =
            ghl_bridge::sync::follow_up_requests(&outcome, "CONTACT_ID", location_id, &target)
                .map_err(|e| JsError::new(&e.to_string()))?;
        requests.extend(follow.into_iter().map(|f| show(f.kind, f.request)));
    }
    to_js(&Preview {
        ok: outcome.errors.is_empty(),
        mapping_errors: Vec::new(),
        payload_error: None,
        idempotency_key: Some(idempotency_key("preview", None, &payload)),
        identity_keys: outcome.identity.all(),
        outcome: Some(&outcome),
        requests,
    })
}
