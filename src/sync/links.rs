//! What the location links to a contact or a person, kept as small values in
//! its store: the Specter person a contact is, and the Spot-Hit groups the
//! bridge put a person in (listed by group, to import once, by person, so an
//! opt-out finds the groups, and by contact, so a change is imported again).

use crate::case;

/// The contact's Specter person, when the bridge knows it.
pub fn specter_person_key(contact_id: &str) -> String {
    format!("specter-person:{contact_id}")
}

/// What the bridge imported of a GHL contact into Spot-Hit, and where
/// (`outbound::Imported`): a change to the contact in GHL imports it again.
pub fn imported_key(contact_id: &str) -> String {
    format!("spothit-imported:{contact_id}")
}

/// Who the bridge imported into a Spot-Hit group (phone, else e-mail).
pub fn member_key(group: &str, who: &str) -> String {
    format!("spothit-member:{}:{who}", case::lower(group))
}

/// A Spot-Hit group membership the bridge made, listed by person (phone,
/// else e-mail), so an opt-out or a deletion finds the person's groups.
pub fn membership_key(who: &str, group: &str) -> String {
    format!("spothit-in:{who}:{}", case::lower(group))
}

pub fn memberships_prefix(who: &str) -> String {
    format!("spothit-in:{who}:")
}
