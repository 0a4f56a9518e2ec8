//! What hangs off a contact: tasks, notes, appointments and tags.

use super::contacts::public;
use super::validate::{self, APPOINTMENT, NOTE, TASK};
use super::{error, unprocessable, Caller, GhlJson};
use crate::state::State;
use crate::webhooks::{queue_contact_event, queue_event};
use crate::Shared;
use axum::extract::{Extension, Path, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

pub(crate) fn require_contact(state: &State, caller: &Caller, id: &str) -> Result<(), Response> {
    match state.contacts.get(id) {
        Some(c) if c.get("locationId").and_then(Value::as_str) == Some(&caller.location_id) => {
            Ok(())
        }
        _ => Err(error(400, "Contact not found")),
    }
}

/// A body's array of strings `name`, or what is wrong with it.
pub(crate) fn string_list(body: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    match body.get(name) {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()),
        _ => Err(format!("{name} must be an array of strings")),
    }
}

/// The strings a contact holds under `field` (its tags, its followers).
pub(crate) fn held_list(contact: &Map<String, Value>, field: &str) -> Vec<String> {
    contact
        .get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The body as an object with only `allowed` properties and every `required`
/// one set, or GHL's 422 listing what is wrong.
pub(crate) fn checked_body(
    body: &Value,
    allowed: &[&str],
    required: &[&str],
) -> Result<Map<String, Value>, Response> {
    let body = validate::object(body).map_err(unprocessable)?;
    let mut errors = validate::unknown_properties(&body, allowed);
    for r in required {
        if body
            .get(*r)
            .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
        {
            errors.push(format!("{r} should not be empty"));
        }
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(unprocessable(errors))
    }
}

/// A task or note webhook carries the item plus `contactId` and the location.
fn item_event(state: &mut State, kind: &str, location: &str, item: &Map<String, Value>) {
    let mut payload = item.clone();
    payload.insert("locationId".into(), Value::String(location.to_string()));
    queue_event(state, kind, payload);
}

// ---- tasks ----

pub async fn list_tasks(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    Json(json!({"tasks": state.tasks.get(&id).cloned().unwrap_or_default()})).into_response()
}

fn find<'a>(
    items: Option<&'a Vec<Map<String, Value>>>,
    item_id: &str,
) -> Option<&'a Map<String, Value>> {
    items?.iter().find(|t| t["id"] == item_id)
}

pub async fn get_task(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, task_id)): Path<(String, String)>,
) -> Response {
    let state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    match find(state.tasks.get(&id), &task_id) {
        Some(t) => Json(json!({"task": t})).into_response(),
        None => error(404, "Task not found"),
    }
}

pub async fn create_task(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let mut body = match checked_body(&body, TASK, &["title", "dueDate", "completed"]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    body.insert("id".into(), Value::String(state.new_id()));
    body.insert("contactId".into(), Value::String(id.clone()));
    body.insert("dateAdded".into(), Value::String(crate::now_iso()));
    state.tasks.entry(id).or_default().push(body.clone());
    item_event(&mut state, "TaskCreate", &c.location_id, &body);
    (StatusCode::CREATED, Json(json!({"task": body}))).into_response()
}

fn edit_task(
    s: &Shared,
    c: &Caller,
    id: &str,
    task_id: &str,
    body: Map<String, Value>,
) -> Response {
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, c, id) {
        return r;
    }
    let Some(task) = state
        .tasks
        .get_mut(id)
        .and_then(|ts| ts.iter_mut().find(|t| t["id"] == task_id))
    else {
        return error(404, "Task not found");
    };
    let was_done = task
        .get("completed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    task.extend(body);
    let task = task.clone();
    if !was_done && task.get("completed").and_then(Value::as_bool) == Some(true) {
        item_event(&mut state, "TaskComplete", &c.location_id, &task);
    }
    Json(json!({"task": task})).into_response()
}

pub async fn update_task(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, task_id)): Path<(String, String)>,
    GhlJson(body): GhlJson,
) -> Response {
    match checked_body(&body, TASK, &[]) {
        Ok(b) => edit_task(&s, &c, &id, &task_id, b),
        Err(r) => r,
    }
}

pub async fn complete_task(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, task_id)): Path<(String, String)>,
    GhlJson(body): GhlJson,
) -> Response {
    match checked_body(&body, &["completed"], &["completed"]) {
        Ok(b) if b["completed"].is_boolean() => edit_task(&s, &c, &id, &task_id, b),
        Ok(_) => unprocessable(vec!["completed must be a boolean value".into()]),
        Err(r) => r,
    }
}

pub async fn delete_task(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, task_id)): Path<(String, String)>,
) -> Response {
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let Some(tasks) = state.tasks.get_mut(&id) else {
        return error(404, "Task not found");
    };
    let Some(pos) = tasks.iter().position(|t| t["id"] == task_id.as_str()) else {
        return error(404, "Task not found");
    };
    let task = tasks.remove(pos);
    item_event(&mut state, "TaskDelete", &c.location_id, &task);
    Json(json!({"succeded": true})).into_response()
}

// ---- notes ----

pub async fn list_notes(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    Json(json!({"notes": state.notes.get(&id).cloned().unwrap_or_default()})).into_response()
}

pub async fn get_note(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, note_id)): Path<(String, String)>,
) -> Response {
    let state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    match find(state.notes.get(&id), &note_id) {
        Some(n) => Json(json!({"note": n})).into_response(),
        None => error(404, "Note not found"),
    }
}

pub async fn create_note(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let mut body = match checked_body(&body, NOTE, &["body"]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    body.insert("id".into(), Value::String(state.new_id()));
    body.insert("contactId".into(), Value::String(id.clone()));
    body.insert("dateAdded".into(), Value::String(crate::now_iso()));
    state.notes.entry(id).or_default().push(body.clone());
    item_event(&mut state, "NoteCreate", &c.location_id, &body);
    (StatusCode::CREATED, Json(json!({"note": body}))).into_response()
}

pub async fn update_note(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, note_id)): Path<(String, String)>,
    GhlJson(body): GhlJson,
) -> Response {
    let body = match checked_body(&body, NOTE, &[]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let Some(note) = state
        .notes
        .get_mut(&id)
        .and_then(|ns| ns.iter_mut().find(|n| n["id"] == note_id.as_str()))
    else {
        return error(404, "Note not found");
    };
    note.extend(body);
    let note = note.clone();
    item_event(&mut state, "NoteUpdate", &c.location_id, &note);
    Json(json!({"note": note})).into_response()
}

pub async fn delete_note(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((id, note_id)): Path<(String, String)>,
) -> Response {
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let Some(notes) = state.notes.get_mut(&id) else {
        return error(404, "Note not found");
    };
    let Some(pos) = notes.iter().position(|n| n["id"] == note_id.as_str()) else {
        return error(404, "Note not found");
    };
    let note = notes.remove(pos);
    item_event(&mut state, "NoteDelete", &c.location_id, &note);
    Json(json!({"succeded": true})).into_response()
}

// ---- appointments ----

pub async fn list_appointments(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    Json(json!({"events": state.appointments.get(&id).cloned().unwrap_or_default()}))
        .into_response()
}

pub async fn create_appointment(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let mut body = match checked_body(
        &body,
        APPOINTMENT,
        &["calendarId", "locationId", "contactId", "startTime"],
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut state = s.lock();
    if body["locationId"] != c.location_id.as_str() {
        return error(403, "The token does not have access to this location.");
    }
    let contact_id = body["contactId"].as_str().unwrap_or_default().to_string();
    if let Err(r) = require_contact(&state, &c, &contact_id) {
        return r;
    }
    body.insert("id".into(), Value::String(state.new_id()));
    body.entry("appointmentStatus")
        .or_insert(Value::String("new".into()));
    body.insert("dateAdded".into(), Value::String(crate::now_iso()));
    state
        .appointments
        .entry(contact_id)
        .or_default()
        .push(body.clone());
    let mut event = Map::new();
    event.insert("locationId".into(), Value::String(c.location_id.clone()));
    event.insert("appointment".into(), Value::Object(body.clone()));
    queue_event(&mut state, "AppointmentCreate", event);
    Json(Value::Object(body)).into_response()
}

// ---- tags ----

fn tag_list(body: &Value) -> Result<Vec<String>, Response> {
    let body = checked_body(body, &["tags"], &["tags"])?;
    let tags = string_list(&body, "tags").map_err(|why| unprocessable(vec![why]))?;
    Ok(tags.iter().map(|t| t.trim().to_lowercase()).collect())
}

fn change_tags(s: &Shared, c: &Caller, id: &str, body: &Value, add: bool) -> Response {
    let tags = match tag_list(body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, c, id) {
        return r;
    }
    let contact = state.contacts.get_mut(id).expect("checked");
    let mut current = held_list(contact, "tags");
    let before = current.clone();
    if add {
        for t in tags {
            if !current.contains(&t) {
                current.push(t);
            }
        }
    } else {
        current.retain(|t| !tags.contains(t));
    }
    contact.insert("tags".into(), json!(current));
    let contact = contact.clone();
    if current != before {
        queue_contact_event(&mut state, "ContactTagUpdate", &contact);
    }
    let status = if add {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let _ = public(&contact);
    (status, Json(json!({"tags": current}))).into_response()
}

pub async fn add_tags(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    change_tags(&s, &c, &id, &body, true)
}

pub async fn remove_tags(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    change_tags(&s, &c, &id, &body, false)
}
