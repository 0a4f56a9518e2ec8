//! Identity keys and the matching policy.
//!
//! Policy (what a user can rely on):
//! 1. A contact is identified by its normalised e-mail (`email:jean@example.fr`)
//!    and its E.164 phone (`phone:+33612345678`). E-mail is the primary key:
//!    people change phones more often than addresses, and GHL's own duplicate
//!    search checks e-mail first.
//! 2. Both keys point at the same contact, or only one matches: update that
//!    contact (the other key is added to it).
//! 3. Neither matches: create.
//! 4. E-mail and phone match two different contacts: **conflict**. Nothing is
//!    written; the event is parked with both contact ids so a person decides.
//!    (GHL's upsert would silently update the e-mail match and drop the phone.)
//! 5. Neither key can be built: the event cannot be matched and is refused.

use super::normalise::{normalise_email, normalise_phone};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyKind {
    Email,
    Phone,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityKeys {
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl IdentityKeys {
    /// Keys from raw values, normalised again here so a key never depends on
    /// whether the mapping remembered its `email` or `phone` transform.
    pub fn new(
        email: Option<&str>,
        phone: Option<&str>,
        phone_region: Option<&str>,
    ) -> IdentityKeys {
        IdentityKeys {
            email: email.and_then(|e| normalise_email(e).ok()),
            phone: phone.and_then(|p| normalise_phone(p, phone_region).ok()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }

    /// `email:...` if there is an e-mail, else `phone:...`.
    pub fn primary(&self) -> Option<String> {
        self.all().into_iter().next()
    }

    /// Every key, primary first.
    pub fn all(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(e) = &self.email {
            keys.push(format!("email:{e}"));
        }
        if let Some(p) = &self.phone {
            keys.push(format!("phone:{p}"));
        }
        keys
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum IdentityDecision {
    Create,
    #[serde(rename_all = "camelCase")]
    Update {
        contact_id: String,
        matched_by: KeyKind,
    },
    #[serde(rename_all = "camelCase")]
    Conflict {
        email_contact_id: String,
        phone_contact_id: String,
    },
    /// Neither an e-mail nor a phone: nothing to match on.
    NoIdentity,
}

/// Applies the policy above to what the identity cache or GHL said each key
/// matches.
pub fn decide(
    keys: &IdentityKeys,
    email_match: Option<&str>,
    phone_match: Option<&str>,
) -> IdentityDecision {
    if keys.is_empty() {
        return IdentityDecision::NoIdentity;
    }
    let email_match = email_match.filter(|_| keys.email.is_some());
    let phone_match = phone_match.filter(|_| keys.phone.is_some());
    match (email_match, phone_match) {
        (Some(e), Some(p)) if e != p => IdentityDecision::Conflict {
            email_contact_id: e.to_string(),
            phone_contact_id: p.to_string(),
        },
        (Some(e), _) => IdentityDecision::Update {
            contact_id: e.to_string(),
            matched_by: KeyKind::Email,
        },
        (None, Some(p)) => IdentityDecision::Update {
            contact_id: p.to_string(),
            matched_by: KeyKind::Phone,
        },
        (None, None) => IdentityDecision::Create,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> IdentityKeys {
        IdentityKeys::new(
            Some(" Jean@Example.com"),
            Some("06 12 34 56 78"),
            Some("FR"),
        )
    }

    #[test]
    fn keys_are_normalised_and_email_comes_first() {
        let k = keys();
        assert_eq!(
            k.all(),
            vec!["email:jean@example.com", "phone:+33612345678"]
        );
        assert_eq!(k.primary().unwrap(), "email:jean@example.com");
        let phone_only = IdentityKeys::new(None, Some("+33612345678"), None);
        assert_eq!(phone_only.primary().unwrap(), "phone:+33612345678");
        assert!(IdentityKeys::new(Some("nope"), Some("12"), Some("FR")).is_empty());
    }

    #[test]
    fn the_policy() {
        let k = keys();
        assert_eq!(decide(&k, None, None), IdentityDecision::Create);
        assert_eq!(
            decide(&k, Some("A"), Some("A")),
            IdentityDecision::Update {
                contact_id: "A".into(),
                matched_by: KeyKind::Email
            }
        );
        assert_eq!(
            decide(&k, None, Some("B")),
            IdentityDecision::Update {
                contact_id: "B".into(),
                matched_by: KeyKind::Phone
            }
        );
        assert_eq!(
            decide(&k, Some("A"), Some("B")),
            IdentityDecision::Conflict {
                email_contact_id: "A".into(),
                phone_contact_id: "B".into()
            }
        );
        assert_eq!(
            decide(&IdentityKeys::default(), Some("A"), None),
            IdentityDecision::NoIdentity
        );
    }
}
