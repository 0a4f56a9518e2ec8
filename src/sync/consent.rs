//! What a location keeps for consent, and forgetting a person.
//!
//! The decision itself is [`crate::consent::decide`]; this room gathers its
//! facts from the location's store and keeps them up to date:
//! - `consent:contact:<id>`: the contact's DND as GHL's last `ContactDndUpdate`
//!   said it;
//! - `consent:stop:<E.164>`: a STOP Spot-Hit reported for the number (kept
//!   per number, not per contact: it holds before GHL's webhook arrives and
//!   after the contact is deleted, and holds nothing but the number);
//! - `consent:deleted:<id>`: when the contact was deleted in GHL.
//!
//! Erasure (a deleted contact, or `POST .../erasure`) drops everything the
//! bridge holds about the person but the number's opt-out.

use super::links::{self, membership_key, memberships_prefix};
use super::protocol::{Erased, Store, WorldError};
use crate::consent::{
    decide, lifts_stop, Channel, ConsentFacts, ContactConsent, Dnd, OptOut, StopMark,
};
use crate::dedupe::IdentityKeys;
use crate::json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn contact_key(contact_id: &str) -> String {
    format!("consent:contact:{contact_id}")
}

fn stop_key(phone: &str) -> String {
    format!("consent:stop:{phone}")
}

fn deleted_key(contact_id: &str) -> String {
    format!("consent:deleted:{contact_id}")
}

async fn read<S: Store, T: serde::de::DeserializeOwned>(
    store: &S,
    key: String,
) -> Result<Option<T>, WorldError> {
    Ok(store
        .kv_get(key)
        .await?
        .and_then(|v| json::from_value(v).ok()))
}

/// Everything the store knows of a person's consent, with `current` (the DND
/// an event or a read shows now).
pub async fn facts<S: Store>(
    store: &S,
    contact_id: Option<&str>,
    phone: Option<&str>,
    current: Option<Dnd>,
) -> Result<ConsentFacts, WorldError> {
    let mut facts = ConsentFacts {
        current,
        ..ConsentFacts::default()
    };
    if let Some(id) = contact_id.filter(|id| !id.is_empty()) {
        facts.kept = read(store, contact_key(id)).await?;
        facts.deleted_at_ms = read(store, deleted_key(id)).await?;
    }
    if let Some(phone) = phone.filter(|p| !p.is_empty()) {
        facts.stop = read(store, stop_key(phone)).await?;
    }
    Ok(facts)
}

/// The decision for a message about to go out, from the store's facts.
pub async fn check<S: Store>(
    store: &S,
    channel: Channel,
    contact_id: Option<&str>,
    phone: Option<&str>,
    current: Option<Dnd>,
) -> Result<Result<(), OptOut>, WorldError> {
    let facts = facts(store, contact_id, phone, current).await?;
    Ok(decide(channel, &facts))
}

/// Spot-Hit reported a STOP for `phone` (E.164) at `at_ms`. The first STOP
/// is kept: a second one does not move the date.
pub async fn record_stop<S: Store>(store: &S, phone: &str, at_ms: u64) -> Result<(), WorldError> {
    store
        .kv_put_if_absent(stop_key(phone), json!(StopMark { at_ms }))
        .await?;
    Ok(())
}

/// GHL said what a contact's DND is now (`ContactDndUpdate`, at `at_ms`):
/// kept, and a STOP on its number lifted when the contact was re-subscribed
/// after it. Answers the DND as reported.
pub async fn on_dnd_report<S: Store>(
    store: &S,
    contact_id: &str,
    body: &Value,
    at_ms: u64,
) -> Result<Option<Dnd>, WorldError> {
    let Some(dnd) = Dnd::from_ghl(body) else {
        return Ok(None);
    };
    let kept: Option<ContactConsent> = read(store, contact_key(contact_id)).await?;
    if kept.as_ref().is_some_and(|k| k.since_ms > at_ms) {
        return Ok(Some(dnd)); // an older report arriving late
    }
    let phone = body["phone"].as_str().map(String::from);
    let consent = ContactConsent {
        dnd,
        since_ms: at_ms,
        phone: phone.clone(),
    };
    store
        .kv_put(contact_key(contact_id), json::to_value(&consent)?)
        .await?;
    if let Some(phone) = &phone {
        let stop: Option<StopMark> = read(store, stop_key(phone)).await?;
        if stop.is_some_and(|s| lifts_stop(&dnd, at_ms, &s)) {
            store.kv_delete(stop_key(phone)).await?;
        }
    }
    Ok(Some(dnd))
}

/// The Spot-Hit groups the bridge put a person in (phone, then e-mail):
/// `(group, who)`.
pub async fn spothit_groups<S: Store>(
    store: &S,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<Vec<(String, String)>, WorldError> {
    let mut groups = Vec::new();
    for who in [phone, email].into_iter().flatten() {
        for (_, group) in store.kv_list(memberships_prefix(who)).await? {
            if let Some(name) = group.as_str() {
                groups.push((name.to_string(), who.to_string()));
            }
        }
    }
    Ok(groups)
}

/// Who to forget: the contacts, and the e-mail and phone (E.164) they had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub contact_ids: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// `POST /v1/admin/locations/{id}/erasure`: the person, by e-mail, phone or both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErasureRequest {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

impl ErasureRequest {
    /// The person to forget, normalised as the pipeline writes them; `Err`
    /// says which value is wrong.
    pub fn person(&self, phone_region: Option<&str>) -> Result<Person, String> {
        use crate::dedupe::normalise::{normalise_email, normalise_phone};
        let email = self.email.as_deref().filter(|e| !e.trim().is_empty());
        let phone = self.phone.as_deref().filter(|p| !p.trim().is_empty());
        if email.is_none() && phone.is_none() {
            return Err("give `email`, `phone` or both: the person to erase".into());
        }
        Ok(Person {
            contact_ids: Vec::new(),
            email: email
                .map(normalise_email)
                .transpose()
                .map_err(|e| format!("`email`: {e}"))?,
            phone: phone
                .map(|p| normalise_phone(p, phone_region))
                .transpose()
                .map_err(|e| format!("`phone`: {e}"))?,
        })
    }
}

/// What an erasure removed, and the opt-out it kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    pub contact_ids: Vec<String>,
    #[serde(flatten)]
    pub erased: Erased,
    /// Small values: DND kept, Specter links, Spot-Hit memberships.
    pub other: u64,
    /// The number's opt-out, kept so it is never messaged again.
    pub kept_opt_out: Option<String>,
}

/// Forgets `person` (see the module's doc): events, GHL event bodies,
/// identity and tag caches, DND kept and links; a number that opted out
/// (STOP, or SMS DND) keeps its opt-out and nothing else.
pub async fn erase<S: Store>(store: &S, person: &Person) -> Result<Erasure, WorldError> {
    let mut ids = person.contact_ids.clone();
    let identity = IdentityKeys {
        email: person.email.clone(),
        phone: person.phone.clone(),
    };
    let keys = identity.all();
    for id in store.identity_get(keys.clone()).await?.into_values() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut opted_out_phone = None;
    let mut other = 0;
    for id in &ids {
        let kept: Option<ContactConsent> = read(store, contact_key(id)).await?;
        if let Some(k) = kept.filter(|k| k.dnd.blocks(Channel::Sms)) {
            opted_out_phone = k.phone.clone().or_else(|| person.phone.clone());
            if let Some(phone) = &opted_out_phone {
                record_stop(store, phone, k.since_ms).await?;
            }
        }
        for key in [
            contact_key(id),
            links::specter_person_key(id),
            links::imported_key(id),
        ] {
            other += u64::from(store.kv_delete(key).await?);
        }
    }
    for (group, who) in
        spothit_groups(store, person.phone.as_deref(), person.email.as_deref()).await?
    {
        other += u64::from(store.kv_delete(membership_key(&who, &group)).await?);
        other += u64::from(store.kv_delete(links::member_key(&group, &who)).await?);
    }
    let search = super::search::person_search(&identity, ids.clone());
    let erased = store.erase(search, keys).await?;
    let stop = match &person.phone {
        Some(phone) => read::<S, StopMark>(store, stop_key(phone)).await?,
        None => None,
    };
    Ok(Erasure {
        contact_ids: ids,
        erased,
        other,
        kept_opt_out: stop.and(person.phone.clone()).or(opted_out_phone),
    })
}

/// A contact deleted in GHL (at `at_ms`): marked, so nothing is sent to it
/// whatever path a message takes, then forgotten.
pub async fn on_deleted<S: Store>(
    store: &S,
    contact_id: &str,
    body: &Value,
    at_ms: u64,
) -> Result<Erasure, WorldError> {
    store.kv_put(deleted_key(contact_id), json!(at_ms)).await?;
    let text = |k: &str| body[k].as_str().filter(|s| !s.is_empty()).map(String::from);
    let person = Person {
        contact_ids: vec![contact_id.to_string()],
        email: text("email").map(|e| crate::case::lower(&e)),
        phone: text("phone"),
    };
    erase(store, &person).await
}
