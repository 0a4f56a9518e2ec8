//! Contacts a location already has, for simulating create-or-update before
//! going live: the page and the npm module let a user paste them (an export, or
//! a GHL contacts list/search answer) and see what each event would do.

use super::identity::{decide, IdentityDecision, IdentityKeys};
use serde_json::Value;
use std::collections::HashMap;

/// Identity key (`email:...`, `phone:...`) -> contact id.
#[derive(Debug, Clone, Default)]
pub struct KnownContacts {
    by_key: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("existing contacts: {0}")]
pub struct KnownContactsError(pub String);

impl KnownContacts {
    /// From JSON: a list of contacts, or an object holding one under `contacts`
    /// (GHL's list and search answers). Each contact needs an `id` (or
    /// `contactId`) and an `email` and/or a `phone`, normalised like the events'
    /// keys (national phone numbers in `phone_region`).
    pub fn from_json(
        text: &str,
        phone_region: Option<&str>,
    ) -> Result<KnownContacts, KnownContactsError> {
        let mut known = KnownContacts::default();
        if text.trim().is_empty() {
            return Ok(known);
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| KnownContactsError(format!("not valid JSON: {e}")))?;
        let list = match &value {
            Value::Array(items) => Some(items),
            Value::Object(o) => o.get("contacts").and_then(Value::as_array),
            _ => None,
        }
        .ok_or_else(|| {
            KnownContactsError("expected a list of contacts or an object with `contacts`".into())
        })?;
        for (i, contact) in list.iter().enumerate() {
            let text_of = |k: &str| contact.get(k).and_then(Value::as_str);
            let id = text_of("id")
                .or_else(|| text_of("contactId"))
                .filter(|id| !id.trim().is_empty())
                .ok_or_else(|| KnownContactsError(format!("contact {i} has no `id`")))?;
            let keys = IdentityKeys::new(text_of("email"), text_of("phone"), phone_region);
            known.remember(&keys, id);
        }
        Ok(known)
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// What the Worker would decide for these keys (the identity policy).
    pub fn decide(&self, keys: &IdentityKeys) -> IdentityDecision {
        let lookup = |key: &Option<String>, kind: &str| {
            key.as_ref()
                .and_then(|k| self.by_key.get(&format!("{kind}:{k}")))
                .map(String::as_str)
        };
        decide(
            keys,
            lookup(&keys.email, "email"),
            lookup(&keys.phone, "phone"),
        )
    }

    /// Records that these keys now point at `contact_id`; a key already known
    /// keeps its contact (GHL keeps the first contact's e-mail or phone).
    pub fn remember(&mut self, keys: &IdentityKeys, contact_id: &str) {
        for key in keys.all() {
            self.by_key
                .entry(key)
                .or_insert_with(|| contact_id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_ghl_answers_and_decides_like_the_worker() {
        let known = KnownContacts::from_json(
            r#"{"contacts": [{"id": "c1", "email": "Jean@Example.fr"}, {"id": "c2", "phone": "06 12 34 56 78"}]}"#,
            Some("FR"),
        )
        .unwrap();
        assert_eq!(known.len(), 2);
        let keys = IdentityKeys::new(Some("jean@example.fr"), None, None);
        assert!(
            matches!(known.decide(&keys), IdentityDecision::Update { contact_id, .. } if contact_id == "c1")
        );
        let both = IdentityKeys::new(Some("jean@example.fr"), Some("+33612345678"), None);
        assert!(matches!(
            known.decide(&both),
            IdentityDecision::Conflict { .. }
        ));
        let new = IdentityKeys::new(Some("new@example.fr"), None, None);
        assert_eq!(known.decide(&new), IdentityDecision::Create);
    }

    #[test]
    fn says_what_is_wrong() {
        let err = KnownContacts::from_json(r#"[{"email": "a@b.fr"}]"#, None).unwrap_err();
        assert_eq!(err.to_string(), "existing contacts: contact 0 has no `id`");
        assert!(KnownContacts::from_json("{", None).is_err());
        assert!(KnownContacts::from_json("", None).unwrap().is_empty());
    }
}
