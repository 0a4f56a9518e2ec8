//! Built-in mappings, ready to use, each with a realistic sample payload.

use super::source::PayloadFormat;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltinTemplate {
    pub id: &'static str,
    pub name: &'static str,
    /// How this source's payloads arrive.
    pub format: PayloadFormat,
    /// The mapping document (JSON text).
    pub mapping: &'static str,
    /// A realistic payload in `format`.
    pub sample: &'static str,
}

macro_rules! template {
    ($id:literal, $name:literal, $format:ident, $sample:literal) => {
        template!($id, $id, $name, $format, $sample)
    };
    // A second sample of one mapping (another id, format and sample file).
    ($id:literal, $mapping:literal, $name:literal, $format:ident, $sample:literal) => {
        BuiltinTemplate {
            id: $id,
            name: $name,
            format: PayloadFormat::$format,
            mapping: include_str!(concat!("templates/", $mapping, ".json")),
            sample: include_str!(concat!("templates/", $mapping, $sample)),
        }
    };
}

pub static TEMPLATES: &[BuiltinTemplate] = &[
    template!("web-form", "Web form", Json, ".sample.json"),
    template!(
        "spothit-contact-row",
        "Spot-Hit contact row",
        Form,
        ".sample.txt"
    ),
    template!(
        "spothit-contacts-csv",
        "spothit-contact-row",
        "Spot-Hit contacts export (CSV)",
        Csv,
        ".sample.csv"
    ),
    template!(
        "spothit-status",
        "Spot-Hit delivery status",
        Form,
        ".sample.txt"
    ),
    template!("spothit-reply", "Spot-Hit SMS reply", Form, ".sample.txt"),
    template!("spothit-stop", "Spot-Hit STOP", Form, ".sample.txt"),
    template!("specter-person", "Specter person", Json, ".sample.json"),
    template!(
        "specter-saved-search-row",
        "Specter saved-search result",
        Json,
        ".sample.json"
    ),
];

pub fn template(id: &str) -> Option<&'static BuiltinTemplate> {
    TEMPLATES.iter().find(|t| t.id == id)
}
