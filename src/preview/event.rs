//! One payload: the exact GHL requests (secrets masked), keys, provenance,
//! warnings, and (given the contacts a location has) create or update.

use crate::dedupe::{idempotency_key, IdentityDecision, KnownContacts};
use crate::ghl::custom_fields::FieldCatalog;
use crate::ghl::{build_request, BuildError, GhlTarget, BASE_URL};
use crate::http::HttpRequest;
use crate::mapping::{ApplyOptions, Mapping, MappingError, MappingOutcome};
use crate::sync::{follow_up_requests, upsert_call};
use serde::Serialize;
use serde_json::Value;

/// The placeholder for the id the upsert returns, in follow-up URLs.
const CONTACT_ID: &str = "{contactId}";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRequest {
    /// `upsert`, `tags`, `note`, `task`, `appointment`.
    pub kind: &'static str,
    pub method: String,
    pub url: String,
    /// Credentials masked (`Bearer ****`).
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl PreviewRequest {
    fn new(kind: &'static str, request: HttpRequest) -> PreviewRequest {
        let r = request.redacted();
        PreviewRequest {
            kind,
            method: r.method.to_string(),
            url: r.url.replace("%7BcontactId%7D", CONTACT_ID),
            headers: r.headers,
            body: r.body.and_then(|b| serde_json::from_str(&b).ok()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub ok: bool,
    /// Mapping errors with line and column (then nothing else is computed).
    pub mapping_errors: Vec<MappingError>,
    /// The payload or the existing contacts could not be read.
    pub payload_error: Option<String>,
    /// A custom field the location does not have (the Worker would park the event).
    pub custom_field_error: Option<String>,
    pub outcome: Option<MappingOutcome>,
    pub idempotency_key: Option<String>,
    pub identity_keys: Vec<String>,
    /// The GHL calls the Worker would make, in order; `{contactId}` stands for
    /// the id the upsert returns.
    pub requests: Vec<PreviewRequest>,
    /// Given existing contacts: `create`, `update` (which contact, matched by
    /// what) or `conflict` (the Worker parks the event).
    pub decision: Option<IdentityDecision>,
}

impl Preview {
    fn failed(mapping_errors: Vec<MappingError>, payload_error: Option<String>) -> Preview {
        Preview {
            ok: false,
            mapping_errors,
            payload_error,
            custom_field_error: None,
            outcome: None,
            idempotency_key: None,
            identity_keys: Vec::new(),
            requests: Vec::new(),
            decision: None,
        }
    }
}

/// The requests for one outcome, with `{contactId}` where the upsert's id goes.
pub(crate) fn planned_requests(
    outcome: &MappingOutcome,
    location_id: &str,
) -> Result<Vec<PreviewRequest>, BuildError> {
    let target = GhlTarget {
        base_url: BASE_URL.into(),
        token: "preview".into(),
    };
    let mut requests = vec![PreviewRequest::new(
        "upsert",
        build_request(&upsert_call(outcome, location_id), &target)?,
    )];
    for follow in follow_up_requests(outcome, CONTACT_ID, location_id, &target)? {
        requests.push(PreviewRequest::new(follow.kind.as_str(), follow.request));
    }
    Ok(requests)
}

/// Everything the Worker would do with one decoded payload. `known` are the
/// location's contacts as the user pasted them (`None`: no simulation);
/// `fields` its custom fields (`None`: written as the mapping names them):
/// with them, each custom field is written by id with its value converted,
/// and one the location does not have is an error naming the closest ones.
pub fn preview_event(
    mapping: &Result<Mapping, Vec<MappingError>>,
    payload: Result<Value, String>,
    location_id: &str,
    now_unix: i64,
    known: Option<&KnownContacts>,
    fields: Option<&FieldCatalog>,
) -> Preview {
    let mapping = match mapping {
        Ok(m) => m,
        Err(errors) => return Preview::failed(errors.clone(), None),
    };
    let payload = match payload {
        Ok(p) => p,
        Err(e) => return Preview::failed(Vec::new(), Some(e)),
    };
    let mut outcome = mapping.apply(
        &payload,
        &ApplyOptions {
            now_unix,
            explain: true,
        },
    );
    let mut custom_field_error = None;
    if let (Some(catalog), Some(items)) = (fields, outcome.contact.fields.custom_fields.as_ref()) {
        match catalog.resolve(items) {
            Ok(resolved) => outcome.contact.fields.custom_fields = Some(resolved),
            Err(e) => custom_field_error = Some(e.to_string()),
        }
    }
    let ok = outcome.errors.is_empty() && custom_field_error.is_none();
    let requests = if ok {
        match planned_requests(&outcome, location_id) {
            Ok(r) => r,
            Err(e) => return Preview::failed(Vec::new(), Some(e.to_string())),
        }
    } else {
        Vec::new()
    };
    Preview {
        ok,
        mapping_errors: Vec::new(),
        payload_error: None,
        custom_field_error,
        idempotency_key: Some(idempotency_key("preview", None, &payload)),
        identity_keys: outcome.identity.all(),
        decision: known.filter(|_| ok).map(|k| k.decide(&outcome.identity)),
        outcome: Some(outcome),
        requests,
    }
}
