//! Where a field rule writes: a standard GHL contact field, DND, or a custom field.

use super::transform::Kind;
use crate::case;
use serde::Serialize;

/// The standard contact fields a mapping can fill (all text).
pub const CONTACT_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "source",
    "dateOfBirth",
    "gender",
    "assignedTo",
];

/// DND channels as GHL spells them.
pub const DND_CHANNELS: &[&str] = &["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum Target {
    /// One of [`CONTACT_FIELDS`].
    Field(&'static str),
    /// `dnd`: all channels.
    Dnd,
    /// `dnd.SMS`, ...
    DndChannel(&'static str),
    /// `customField.<key>`: by field key.
    CustomFieldKey(String),
    /// `customFieldId.<id>`: by field id.
    CustomFieldId(String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        let text = text.trim();
        if let Some(f) = CONTACT_FIELDS.iter().find(|f| **f == text) {
            return Ok(Target::Field(f));
        }
        if text == "dnd" {
            return Ok(Target::Dnd);
        }
        if let Some(channel) = text.strip_prefix("dnd.") {
            return DND_CHANNELS
                .iter()
                .find(|c| c.eq_ignore_ascii_case(channel))
                .map(|c| Target::DndChannel(c))
                .ok_or_else(|| {
                    format!(
                        "`{channel}` is not a DND channel; use one of {}",
                        DND_CHANNELS.join(", ")
                    )
                });
        }
        for prefix in ["customField.", "customFields."] {
            if let Some(key) = text.strip_prefix(prefix) {
                return non_empty(key, "customField.").map(Target::CustomFieldKey);
            }
        }
        if let Some(id) = text.strip_prefix("customFieldId.") {
            return non_empty(id, "customFieldId.").map(Target::CustomFieldId);
        }
        let names: Vec<&str> = CONTACT_FIELDS.iter().copied().chain(["dnd"]).collect();
        let best = names
            .iter()
            .map(|n| (strsim::jaro_winkler(&case::lower(n), &case::lower(text)), n))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = match best {
            Some((s, n)) if s > 0.85 => format!(" Did you mean `{n}`?"),
            _ => String::new(),
        };
        Err(format!(
            "`{text}` is not a GHL contact field.{hint} Use one of {}, dnd, dnd.<channel>, customField.<key> or customFieldId.<id>.",
            CONTACT_FIELDS.join(", ")
        ))
    }

    /// What the target accepts.
    pub fn kind(&self) -> Kind {
        match self {
            Target::Field(_) => Kind::Text,
            Target::Dnd | Target::DndChannel(_) => Kind::Boolean,
            Target::CustomFieldKey(_) | Target::CustomFieldId(_) => Kind::Any,
        }
    }

    pub fn is_identity(&self) -> bool {
        matches!(self, Target::Field("email") | Target::Field("phone"))
    }

    pub fn label(&self) -> String {
        match self {
            Target::Field(f) => f.to_string(),
            Target::Dnd => "dnd".into(),
            Target::DndChannel(c) => format!("dnd.{c}"),
            Target::CustomFieldKey(k) => format!("customField.{k}"),
            Target::CustomFieldId(id) => format!("customFieldId.{id}"),
        }
    }
}

fn non_empty(s: &str, prefix: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(format!("`{prefix}` needs a name after the dot"))
    } else {
        Ok(s.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Target::parse("email"), Ok(Target::Field("email")));
        assert_eq!(Target::parse("dnd.sms"), Ok(Target::DndChannel("SMS")));
        assert_eq!(
            Target::parse("customField.utm_source"),
            Ok(Target::CustomFieldKey("utm_source".into()))
        );
        assert_eq!(
            Target::parse("customFieldId.Kx9"),
            Ok(Target::CustomFieldId("Kx9".into()))
        );
        assert!(Target::parse("emial")
            .unwrap_err()
            .contains("Did you mean `email`?"));
        assert!(Target::parse("dnd.Pigeon")
            .unwrap_err()
            .contains("DND channel"));
        assert!(Target::parse("customField.").is_err());
    }
}
