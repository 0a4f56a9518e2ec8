//! Body checks as GHL's API applies them (from `apps/contacts.json`): each
//! operation accepts its own field list, and an unknown field is a 422
//! `property X should not exist`.

use serde_json::{Map, Value};

pub const CREATE_CONTACT: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "locationId",
    "gender",
    "phone",
    "address1",
    "city",
    "state",
    "postalCode",
    "website",
    "timezone",
    "dnd",
    "dndSettings",
    "inboundDndSettings",
    "tags",
    "customFields",
    "source",
    "dateOfBirth",
    "country",
    "companyName",
    "assignedTo",
];
pub const UPDATE_CONTACT: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "address1",
    "city",
    "state",
    "postalCode",
    "website",
    "timezone",
    "dnd",
    "dndSettings",
    "inboundDndSettings",
    "tags",
    "customFields",
    "source",
    "dateOfBirth",
    "country",
    "assignedTo",
];
pub const UPSERT_EXTRA: &str = "createNewIfDuplicateAllowed";
pub const TASK: &[&str] = &["title", "body", "dueDate", "completed", "assignedTo"];
pub const NOTE: &[&str] = &["userId", "body", "title", "color", "pinned"];
pub const APPOINTMENT: &[&str] = &[
    "calendarId",
    "locationId",
    "contactId",
    "startTime",
    "endTime",
    "title",
    "appointmentStatus",
    "assignedUserId",
    "address",
    "ignoreDateRange",
    "toNotify",
    "meetingLocationType",
    "ignoreFreeSlotValidation",
];
const DND_CHANNELS: &[&str] = &["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];
const DND_STATUSES: &[&str] = &["active", "inactive", "permanent"];

/// The body as an object, or the 422 messages.
pub fn object(body: &Value) -> Result<Map<String, Value>, Vec<String>> {
    body.as_object()
        .cloned()
        .ok_or_else(|| vec!["body must be a JSON object".to_string()])
}

pub fn unknown_properties(body: &Map<String, Value>, allowed: &[&str]) -> Vec<String> {
    body.keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect()
}

fn is_email(s: &str) -> bool {
    ghl_bridge::dedupe::normalise::normalise_email(s).is_ok()
}

/// Field-level rules for contact bodies.
pub fn contact_fields(body: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    for key in [
        "firstName",
        "lastName",
        "name",
        "email",
        "phone",
        "address1",
        "city",
        "state",
        "postalCode",
        "website",
        "timezone",
        "source",
        "country",
        "companyName",
        "assignedTo",
        "gender",
    ] {
        if let Some(v) = body.get(key) {
            if !(v.is_string() || v.is_null()) {
                errors.push(format!("{key} must be a string"));
            }
        }
    }
    if let Some(Value::String(e)) = body.get("email") {
        if !e.is_empty() && !is_email(e) {
            errors.push("email must be an email".into());
        }
    }
    if let Some(v) = body.get("dnd") {
        if !v.is_boolean() {
            errors.push("dnd must be a boolean value".into());
        }
    }
    if let Some(tags) = body.get("tags") {
        if !tags
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string))
        {
            errors.push("tags must be an array of strings".into());
        }
    }
    if let Some(dnd) = body.get("dndSettings") {
        match dnd.as_object() {
            None => errors.push("dndSettings must be an object".into()),
            Some(map) => {
                for (channel, setting) in map {
                    if !DND_CHANNELS.contains(&channel.as_str()) {
                        errors.push(format!("property dndSettings.{channel} should not exist"));
                    } else if !setting
                        .get("status")
                        .and_then(Value::as_str)
                        .is_some_and(|s| DND_STATUSES.contains(&s))
                    {
                        errors.push(format!("dndSettings.{channel}.status must be one of: active, inactive, permanent"));
                    }
                }
            }
        }
    }
    if let Some(cfs) = body.get("customFields") {
        match cfs.as_array() {
            None => errors.push("customFields must be an array".into()),
            Some(items) => {
                // The spec's item schemas (TextField ... FileField) all
                // require `id`; `key` may ride along but does not replace it.
                for (i, cf) in items.iter().enumerate() {
                    let Some(o) = cf.as_object() else {
                        errors.push(format!("customFields.{i} must be an object"));
                        continue;
                    };
                    if !o.get("id").is_some_and(Value::is_string) {
                        errors.push(format!("customFields.{i}.id is required (a string)"));
                    }
                    let known = o
                        .keys()
                        .all(|k| ["id", "key", "field_value"].contains(&k.as_str()));
                    if !o.contains_key("field_value") || !known {
                        errors.push(format!(
                            "customFields.{i} must be {{id, key?, field_value}}"
                        ));
                    }
                }
            }
        }
    }
    errors
}
