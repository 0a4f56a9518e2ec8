//! What the location links to a contact or a person, kept as small values in
//! its store: the Specter person a contact is, and the Spot-Hit groups the
//! bridge put a person in (listed by group, to import once, and by person,
//! so an opt-out finds the groups).

use crate::case;

/// The contact's Specter person, when the bridge knows it.
pub fn specter_person_key(contact_id: &str) -> String {
    format!("specter-person:{contact_id}")
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
