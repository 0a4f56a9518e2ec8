//! Contacts: create, get, update, delete, upsert, list, search, duplicates, with
//! the location's duplicate rule (e-mail and phone unique unless allowed).

use super::validate::{self, CREATE_CONTACT, UPDATE_CONTACT, UPSERT_EXTRA};
use super::{error, unprocessable, Caller, GhlJson};
use crate::state::{Location, State};
use crate::webhooks::queue_contact_event;
use crate::Shared;
use axum::extract::{Extension, Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

fn now_iso() -> String {
    crate::now_iso()
}

fn contact_of<'a>(
    state: &'a State,
    caller: &Caller,
    id: &str,
) -> Result<&'a Map<String, Value>, Response> {
    match state.contacts.get(id) {
        Some(c) if c.get("locationId").and_then(Value::as_str) == Some(&caller.location_id) => {
            Ok(c)
        }
        _ => Err(error(400, "Contact not found")),
    }
}

/// Which existing contact (other than `except`) an e-mail or phone duplicates,
/// e-mail first, as GHL checks.
fn find_duplicate(
    state: &State,
    location: &str,
    email: Option<&str>,
    phone: Option<&str>,
    except: Option<&str>,
) -> Option<(String, &'static str)> {
    let same_loc =
        |c: &&Map<String, Value>| c.get("locationId").and_then(Value::as_str) == Some(location);
    let not_self = |id: &&String| Some(id.as_str()) != except;
    if let Some(e) = email.map(str::to_lowercase).filter(|e| !e.is_empty()) {
        if let Some((id, _)) =
            state
                .contacts
                .iter()
                .filter(|(id, _)| not_self(id))
                .find(|(_, c)| {
                    same_loc(c)
                        && c.get("emailLowerCase").and_then(Value::as_str) == Some(e.as_str())
                })
        {
            return Some((id.clone(), "email"));
        }
    }
    if let Some(p) = phone.filter(|p| !p.is_empty()) {
        if let Some((id, _)) = state
            .contacts
            .iter()
            .filter(|(id, _)| not_self(id))
            .find(|(_, c)| same_loc(c) && c.get("phone").and_then(Value::as_str) == Some(p))
        {
            return Some((id.clone(), "phone"));
        }
    }
    None
}

fn duplicate_error(state: &State, id: &str, field: &str) -> Response {
    let name = state
        .contacts
        .get(id)
        .and_then(|c| c.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    let body = json!({
        "statusCode": 400,
        "message": "This location does not allow duplicated contacts.",
        "meta": {"contactName": name, "contactId": id, "matchingField": field},
        "traceId": format!("sandbox-{id}"),
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Normalises a write body the way GHL stores it: E.164 phone (national numbers
/// read in the location's country), custom fields by id, lowercase e-mail copy.
fn normalise(location: &Location, body: &mut Map<String, Value>) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if let Some(Value::String(p)) = body.get("phone").cloned() {
        if !p.trim().is_empty() {
            match ghl_bridge::dedupe::normalise::normalise_phone(&p, Some(&location.country)) {
                Ok(e164) => {
                    body.insert("phone".into(), Value::String(e164));
                }
                Err(_) => errors.push("phone must be a valid phone number".into()),
            }
        }
    }
    if let Some(Value::Array(items)) = body.get("customFields").cloned() {
        let mut stored = Vec::new();
        for item in items {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("?");
            match location.custom_fields.iter().find(|d| d["id"] == id) {
                Some(d) => stored.push(json!({"id": d["id"], "value": item["field_value"]})),
                None => errors.push(format!("Custom field {id} does not exist in this location")),
            }
        }
        body.insert("customFields".into(), Value::Array(stored));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn merge_custom_fields(existing: &mut Map<String, Value>, incoming: Vec<Value>) {
    let mut current: Vec<Value> = existing
        .get("customFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for cf in incoming {
        match current.iter_mut().find(|c| c["id"] == cf["id"]) {
            Some(slot) => *slot = cf,
            None => current.push(cf),
        }
    }
    existing.insert("customFields".into(), Value::Array(current));
}

/// Writes fields into a stored contact; returns whether tags or DND changed.
fn apply_fields(contact: &mut Map<String, Value>, mut body: Map<String, Value>) -> (bool, bool) {
    let old_tags = contact.get("tags").cloned();
    let old_dnd = (
        contact.get("dnd").cloned(),
        contact.get("dndSettings").cloned(),
    );
    body.remove("locationId");
    body.remove(UPSERT_EXTRA);
    if let Some(Value::Array(cfs)) = body.remove("customFields") {
        merge_custom_fields(contact, cfs);
    }
    if let Some(Value::Object(settings)) = body.remove("dndSettings") {
        let mut merged = contact
            .get("dndSettings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        merged.extend(settings);
        contact.insert("dndSettings".into(), Value::Object(merged));
    }
    for (k, v) in body {
        contact.insert(k, v);
    }
    let email_lower = contact
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    contact.insert(
        "emailLowerCase".into(),
        email_lower.map(Value::String).unwrap_or(Value::Null),
    );
    if !contact.contains_key("name") || contact.get("name").is_some_and(Value::is_null) {
        let first = contact
            .get("firstName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let last = contact
            .get("lastName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let full = format!("{first} {last}").trim().to_string();
        if !full.is_empty() {
            contact.insert("name".into(), Value::String(full));
        }
    }
    contact.insert("dateUpdated".into(), Value::String(now_iso()));
    let tags_changed = contact.get("tags").cloned() != old_tags;
    let dnd_changed = (
        contact.get("dnd").cloned(),
        contact.get("dndSettings").cloned(),
    ) != old_dnd;
    (tags_changed, dnd_changed)
}

fn new_contact(
    state: &mut State,
    location_id: &str,
    body: Map<String, Value>,
) -> Map<String, Value> {
    let id = state.new_id();
    let mut contact = Map::new();
    contact.insert("id".into(), Value::String(id));
    contact.insert("locationId".into(), Value::String(location_id.to_string()));
    contact.insert("type".into(), Value::String("lead".into()));
    contact.insert("dnd".into(), Value::Bool(false));
    contact.insert("tags".into(), Value::Array(vec![]));
    contact.insert("customFields".into(), Value::Array(vec![]));
    contact.insert("dateAdded".into(), Value::String(now_iso()));
    contact.insert(
        "dateAddedMs".into(),
        Value::from(state.now_ms() + state.contacts.len() as u64),
    );
    apply_fields(&mut contact, body);
    contact
}

/// The stored contact as GHL returns it (internal bookkeeping removed).
pub fn public(contact: &Map<String, Value>) -> Value {
    let mut c = contact.clone();
    c.remove("dateAddedMs");
    Value::Object(c)
}

/// Checks a body against an operation's field list and the field rules.
fn checked(
    body: &Value,
    allowed: &[&str],
    caller: &Caller,
    state: &State,
) -> Result<(Map<String, Value>, Location), Response> {
    let body = validate::object(body).map_err(unprocessable)?;
    let mut errors = validate::unknown_properties(&body, allowed);
    errors.extend(validate::contact_fields(&body));
    if let Some(loc) = body.get("locationId") {
        if loc.as_str() != Some(caller.location_id.as_str()) {
            return Err(error(
                403,
                "The token does not have access to this location.",
            ));
        }
    } else if allowed.contains(&"locationId") {
        errors.push("locationId should not be empty".into());
    }
    if !errors.is_empty() {
        return Err(unprocessable(errors));
    }
    let location = state
        .locations
        .get(&caller.location_id)
        .cloned()
        .ok_or_else(|| error(400, "Location not found"))?;
    let mut body = body;
    normalise(&location, &mut body).map_err(unprocessable)?;
    Ok((body, location))
}

/// GHL's duplicate error when the body's e-mail or phone is another contact's
/// and the location does not allow duplicates.
fn refuse_duplicate(
    state: &State,
    location: &Location,
    body: &Map<String, Value>,
    except: Option<&str>,
) -> Option<Response> {
    if location.allow_duplicate_contact {
        return None;
    }
    let email = body.get("email").and_then(Value::as_str);
    let phone = body.get("phone").and_then(Value::as_str);
    find_duplicate(state, &location.id, email, phone, except)
        .map(|(id, field)| duplicate_error(state, &id, field))
}

pub async fn create(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut state = shared.lock();
    let (body, location) = match checked(&body, CREATE_CONTACT, &caller, &state) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(refusal) = refuse_duplicate(&state, &location, &body, None) {
        return refusal;
    }
    let contact = new_contact(&mut state, &location.id, body);
    let id = contact["id"].as_str().unwrap_or_default().to_string();
    state.contacts.insert(id, contact.clone());
    queue_contact_event(&mut state, "ContactCreate", &contact);
    (
        StatusCode::CREATED,
        Json(json!({"contact": public(&contact)})),
    )
        .into_response()
}

pub async fn get(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let state = shared.lock();
    match contact_of(&state, &caller, &id) {
        Ok(c) => Json(json!({"contact": public(c)})).into_response(),
        Err(r) => r,
    }
}

pub async fn update(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut state = shared.lock();
    if let Err(r) = contact_of(&state, &caller, &id) {
        return r;
    }
    let (body, location) = match checked(&body, UPDATE_CONTACT, &caller, &state) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(refusal) = refuse_duplicate(&state, &location, &body, Some(&id)) {
        return refusal;
    }
    let contact = state.contacts.get_mut(&id).expect("checked above");
    let (tags_changed, dnd_changed) = apply_fields(contact, body);
    let contact = contact.clone();
    emit_update(&mut state, &contact, tags_changed, dnd_changed);
    Json(json!({"succeded": true, "contact": public(&contact)})).into_response()
}

fn emit_update(
    state: &mut State,
    contact: &Map<String, Value>,
    tags_changed: bool,
    dnd_changed: bool,
) {
    queue_contact_event(state, "ContactUpdate", contact);
    if tags_changed {
        queue_contact_event(state, "ContactTagUpdate", contact);
    }
    if dnd_changed {
        queue_contact_event(state, "ContactDndUpdate", contact);
    }
}

pub async fn delete(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let mut state = shared.lock();
    if let Err(r) = contact_of(&state, &caller, &id) {
        return r;
    }
    let contact = state.contacts.remove(&id).expect("checked above");
    state.notes.remove(&id);
    state.tasks.remove(&id);
    state.appointments.remove(&id);
    queue_contact_event(&mut state, "ContactDelete", &contact);
    Json(json!({"succeded": true})).into_response()
}

/// Upsert follows the duplicate rule: with a match it updates (the e-mail match
/// first); when e-mail and phone match two different contacts it updates the
/// e-mail's and silently ignores the phone, as GHL does.
pub async fn upsert(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut state = shared.lock();
    let mut allowed: Vec<&str> = CREATE_CONTACT.to_vec();
    allowed.push(UPSERT_EXTRA);
    let (mut body, location) = match checked(&body, &allowed, &caller, &state) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let email = body
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_string);
    let phone = body
        .get("phone")
        .and_then(Value::as_str)
        .map(str::to_string);
    if email.is_none() && phone.is_none() {
        return unprocessable(vec!["email or phone is required to upsert a contact".into()]);
    }
    let create_new = location.allow_duplicate_contact
        && body
            .get(UPSERT_EXTRA)
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let by_email = find_duplicate(&state, &location.id, email.as_deref(), None, None).map(|d| d.0);
    let by_phone = find_duplicate(&state, &location.id, None, phone.as_deref(), None).map(|d| d.0);
    let matched = if create_new {
        None
    } else {
        by_email.clone().or(by_phone.clone())
    };
    let trace = format!("sandbox-trace-{}", state.next_seq());
    match matched {
        Some(id) => {
            if by_email.is_some()
                && by_phone
                    .as_ref()
                    .is_some_and(|p| Some(p) != by_email.as_ref())
            {
                body.remove("phone");
            }
            body.remove(UPSERT_EXTRA);
            let contact = state.contacts.get_mut(&id).expect("found above");
            let (tags_changed, dnd_changed) = apply_fields(contact, body);
            let contact = contact.clone();
            emit_update(&mut state, &contact, tags_changed, dnd_changed);
            Json(json!({"new": false, "contact": public(&contact), "traceId": trace}))
                .into_response()
        }
        None => {
            body.remove(UPSERT_EXTRA);
            let contact = new_contact(&mut state, &location.id, body);
            let id = contact["id"].as_str().unwrap_or_default().to_string();
            state.contacts.insert(id, contact.clone());
            queue_contact_event(&mut state, "ContactCreate", &contact);
            Json(json!({"new": true, "contact": public(&contact), "traceId": trace}))
                .into_response()
        }
    }
}

fn location_contacts<'a>(
    state: &'a State,
    location: &'a str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    let mut all: Vec<&Map<String, Value>> = state
        .contacts
        .values()
        .filter(|c| c.get("locationId").and_then(Value::as_str) == Some(location))
        .collect();
    all.sort_by_key(|c| {
        (
            c.get("dateAddedMs").and_then(Value::as_u64).unwrap_or(0),
            c["id"].as_str().unwrap_or("").to_string(),
        )
    });
    all.into_iter()
}

fn matches_query(c: &Map<String, Value>, q: &str) -> bool {
    let q = q.to_lowercase();
    [
        "name",
        "firstName",
        "lastName",
        "email",
        "phone",
        "companyName",
    ]
    .iter()
    .any(|k| {
        c.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.to_lowercase().contains(&q))
    })
}

fn location_param(q: &HashMap<String, String>, caller: &Caller) -> Result<String, Response> {
    match q.get("locationId") {
        None => Err(unprocessable(vec!["locationId should not be empty".into()])),
        Some(l) if *l != caller.location_id => Err(error(
            403,
            "The token does not have access to this location.",
        )),
        Some(l) => Ok(l.clone()),
    }
}

/// `GET /contacts/`: cursor pagination with `startAfterId` + `startAfter`.
pub async fn list(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    let location = match location_param(&q, &caller) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let limit: usize = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return unprocessable(vec!["limit must not be greater than 100".into()]),
    };
    let filtered: Vec<&Map<String, Value>> = location_contacts(&state, &location)
        .filter(|c| q.get("query").is_none_or(|s| matches_query(c, s)))
        .collect();
    let start = match q.get("startAfterId") {
        Some(after) => filtered
            .iter()
            .position(|c| c["id"] == after.as_str())
            .map_or(filtered.len(), |i| i + 1),
        None => 0,
    };
    let page: Vec<Value> = filtered
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| public(c))
        .collect();
    let last = filtered.iter().skip(start).take(limit).next_back();
    let more = start + page.len() < filtered.len();
    let meta = match (last, more) {
        (Some(l), true) => json!({
            "total": filtered.len(),
            "startAfterId": l["id"],
            "startAfter": l.get("dateAddedMs").cloned().unwrap_or(Value::Null),
            "nextPageUrl": format!("/contacts/?locationId={location}&startAfterId={}&limit={limit}", l["id"].as_str().unwrap_or("")),
        }),
        _ => json!({"total": filtered.len()}),
    };
    Json(json!({"contacts": page, "count": filtered.len(), "meta": meta})).into_response()
}

/// `POST /contacts/search`: `locationId` and `pageLimit` required; page or
/// searchAfter; `eq` filters on email/phone and free-text `query`.
pub async fn search(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let state = shared.lock();
    let mut errors = Vec::new();
    let location = body.get("locationId").and_then(Value::as_str);
    if location.is_none() {
        errors.push("locationId should not be empty".to_string());
    }
    let limit = body.get("pageLimit").and_then(Value::as_u64);
    match limit {
        None => errors.push("pageLimit should not be empty".into()),
        Some(n) if n > 500 => errors.push("pageLimit must not be greater than 500".into()),
        _ => {}
    }
    if !errors.is_empty() {
        return unprocessable(errors);
    }
    if location != Some(caller.location_id.as_str()) {
        return error(403, "The token does not have access to this location.");
    }
    let filters: Vec<(String, String)> = body
        .get("filters")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter(|f| f["operator"] == "eq")
                .filter_map(|f| {
                    Some((
                        f["field"].as_str()?.to_string(),
                        f["value"].as_str()?.to_lowercase(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let all: Vec<&Map<String, Value>> = location_contacts(&state, &caller.location_id)
        .filter(|c| {
            body.get("query")
                .and_then(Value::as_str)
                .is_none_or(|q| matches_query(c, q))
        })
        .filter(|c| {
            filters.iter().all(|(f, v)| {
                c.get(f)
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.to_lowercase() == *v)
            })
        })
        .collect();
    let limit = limit.unwrap_or(20) as usize;
    let start = match (
        body.get("searchAfter").and_then(Value::as_array),
        body.get("page").and_then(Value::as_u64),
    ) {
        (Some(after), _) => {
            let id = after.get(1).and_then(Value::as_str).unwrap_or("");
            all.iter()
                .position(|c| c["id"] == id)
                .map_or(all.len(), |i| i + 1)
        }
        (None, Some(page)) => (page.max(1) as usize - 1) * limit,
        (None, None) => 0,
    };
    let contacts: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| {
            let mut v = public(c);
            let o = v.as_object_mut().expect("object");
            if let Some(a) = o.remove("address1") {
                o.insert("address".into(), a);
            }
            o.insert("searchAfter".into(), json!([c.get("dateAddedMs"), c["id"]]));
            v
        })
        .collect();
    Json(json!({"contacts": contacts, "total": all.len(), "traceId": "sandbox-search"}))
        .into_response()
}

/// `GET /contacts/search/duplicate?locationId=&email=&number=`
pub async fn duplicate(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    let location = match location_param(&q, &caller) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let country = state
        .locations
        .get(&location)
        .map(|l| l.country.clone())
        .unwrap_or_default();
    let phone = q
        .get("number")
        .and_then(|n| ghl_bridge::dedupe::normalise::normalise_phone(n, Some(&country)).ok());
    let found = find_duplicate(
        &state,
        &location,
        q.get("email").map(String::as_str),
        phone.as_deref(),
        None,
    )
    .and_then(|(id, _)| state.contacts.get(&id))
    .map(public);
    Json(json!({"contact": found})).into_response()
}

pub async fn by_business(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Path(business_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    let location = match location_param(&q, &caller) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let all: Vec<Value> = location_contacts(&state, &location)
        .filter(|c| c.get("businessId").and_then(Value::as_str) == Some(business_id.as_str()))
        .map(public)
        .collect();
    let skip = q.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit = q.get("limit").and_then(|s| s.parse().ok()).unwrap_or(25);
    let page: Vec<Value> = all.iter().skip(skip).take(limit).cloned().collect();
    Json(json!({"contacts": page, "count": all.len()})).into_response()
}

pub async fn custom_fields(
    Extract(shared): Extract<Shared>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> Response {
    let state = shared.lock();
    if location_id != caller.location_id {
        return error(403, "The token does not have access to this location.");
    }
    let fields = state
        .locations
        .get(&location_id)
        .map(|l| l.custom_fields.clone())
        .unwrap_or_default();
    Json(json!({"customFields": fields})).into_response()
}
