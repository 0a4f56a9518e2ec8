//! The mapping engine: one declarative document from any source payload to a GHL
//! contact and its tags, notes, tasks and appointments, checked before use and
//! explained after.
//!
//! ```text
//! mapping text --Mapping::parse--> Mapping --apply(payload)--> MappingOutcome
//!   (errors with pointer, line, column)        (draft, provenance, warnings)
//! ```

mod apply;
mod compiled;
pub mod dates;
mod document;
pub mod source;
pub mod suggest;
mod target;
mod template;
pub mod templates;
pub mod transform;
mod validate;
pub mod zones;

pub use apply::{
    ApplyOptions, AppointmentDraft, ContactDraft, MappingOutcome, MembershipDraft, NoteDraft,
    Provenance, TaskDraft, Warning,
};
pub use compiled::compiled;
pub use document::*;
pub use source::{
    csv_rows, parse_payload, CsvRow, ParsedPayload, Payload, PayloadFormat, SourcePath,
};
pub use target::{Target, CONTACT_FIELDS, DND_CHANNELS};
pub use template::Template;
pub use templates::{template as builtin_template, BuiltinTemplate, TEMPLATES};
pub use validate::{Mapping, MappingError, MembershipChange, MembershipList};

/// The JSON Schema of the mapping document, generated from the Rust types.
/// `mapping.schema.json` at the repository root is this, committed for editors.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(MappingDoc);
    serde_json::to_value(schema).unwrap_or_default()
}
