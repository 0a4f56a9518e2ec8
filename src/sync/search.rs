//! Finding one person's events from an e-mail or a phone typed in the
//! console: normalised as the pipeline does, turned into the contact ids the
//! identity cache knows for it and the text its payloads hold.

use super::protocol::{ContactSearch, Store, WorldError};
use crate::dedupe::IdentityKeys;

/// The phone digits looked for in payloads: the last nine (a French number
/// without its 0 or +33; elsewhere, the end of the number).
const PHONE_DIGITS: usize = 9;

/// The digits of `phone` that payloads are searched for.
pub fn phone_digits(phone: &str) -> String {
    let all: String = phone.chars().filter(char::is_ascii_digit).collect();
    all[all.len().saturating_sub(PHONE_DIGITS)..].to_string()
}

/// What `typed` asks for; `Err` says why it is neither an e-mail nor a phone.
pub async fn contact_search<S: Store>(
    store: &S,
    typed: &str,
    phone_region: Option<&str>,
) -> Result<Result<ContactSearch, String>, WorldError> {
    let typed = typed.trim();
    let keys = if typed.contains('@') {
        IdentityKeys::new(Some(typed), None, phone_region)
    } else {
        IdentityKeys::new(None, Some(typed), phone_region)
    };
    if keys.is_empty() {
        return Ok(Err(format!(
            "`contact` is neither an e-mail nor a phone number: `{typed}`"
        )));
    }
    let contact_ids = store
        .identity_get(keys.all())
        .await?
        .into_values()
        .collect();
    Ok(Ok(person_search(&keys, contact_ids)))
}

/// One person's events: those written to `contact_ids`, and those whose
/// payload holds the e-mail of `keys` (also URL-encoded) or its phone's digits.
pub fn person_search(keys: &IdentityKeys, contact_ids: Vec<String>) -> ContactSearch {
    ContactSearch {
        contact_ids,
        texts: keys
            .email
            .iter()
            .flat_map(|e| [e.clone(), e.replace('@', "%40")])
            .collect(),
        digits: keys.phone.as_deref().map(phone_digits),
    }
}
