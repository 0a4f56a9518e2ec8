//! A contact's followers, campaigns and workflows, and the bulk tags and
//! business operations (`apps/contacts.json`). Strict where the spec is
//! silent: a campaign or workflow the location does not have is a 400, an
//! `eventStartTime` that is not an ISO 8601 time with its offset a 422.

use super::subresources::{checked_body, held_list, require_contact, string_list};
use super::{error, unprocessable, Caller, GhlJson};
use crate::state::DEV_LOCATIONS;
use crate::Shared;
use axum::extract::{Extension, Path, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A location's campaigns (`dev-*` locations have "Relance devis"), with
/// their members.
#[derive(Debug, Default)]
pub struct CampaignData {
    pub members: HashMap<(String, String), Vec<String>>,
}

impl CampaignData {
    pub fn seeded() -> CampaignData {
        let members = DEV_LOCATIONS
            .iter()
            .map(|l| ((l.to_string(), "camp_relance".to_string()), Vec::new()))
            .collect();
        CampaignData { members }
    }
}

/// `POST|DELETE /contacts/{id}/followers`
pub async fn followers(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    method: axum::http::Method,
    Path(id): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    let body = match checked_body(&body, &["followers"], &[]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let asked = match string_list(&body, "followers") {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return unprocessable(vec!["followers should not be empty".into()]),
        Err(why) => return unprocessable(vec![why]),
    };
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let contact = state.contacts.get_mut(&id).expect("checked");
    let mut current = held_list(contact, "followers");
    let adding = method == axum::http::Method::POST;
    let changed: Vec<String> = if adding {
        let new: Vec<String> = asked
            .iter()
            .filter(|f| !current.contains(f))
            .cloned()
            .collect();
        current.extend(new.clone());
        new
    } else {
        let gone: Vec<String> = asked
            .iter()
            .filter(|f| current.contains(f))
            .cloned()
            .collect();
        current.retain(|f| !asked.contains(f));
        gone
    };
    contact.insert("followers".into(), json!(current));
    if adding {
        (
            StatusCode::CREATED,
            Json(json!({"followers": current, "followersAdded": changed})),
        )
            .into_response()
    } else {
        Json(json!({"followers": current, "followersRemoved": changed})).into_response()
    }
}

/// `GET /__sandbox/ghl/campaigns`: every location's campaigns and who is in
/// them, sorted, for tests and a person checking by hand.
pub async fn list_campaigns(Extract(s): Extract<Shared>) -> Response {
    let state = s.lock();
    let mut campaigns: Vec<Value> = state
        .campaigns
        .members
        .iter()
        .map(|((location, id), members)| {
            json!({"locationId": location, "id": id, "members": members})
        })
        .collect();
    campaigns.sort_by_key(|c| (c["locationId"].to_string(), c["id"].to_string()));
    Json(json!({ "campaigns": campaigns })).into_response()
}

/// `POST|DELETE /contacts/{id}/campaigns/{campaignId}`, and
/// `DELETE /contacts/{id}/campaigns/removeAll`.
pub async fn campaign(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    method: axum::http::Method,
    Path((id, campaign)): Path<(String, String)>,
    body: String,
) -> Response {
    let adding = method == axum::http::Method::POST;
    if adding {
        let parsed: Value =
            serde_json::from_str(if body.is_empty() { "{}" } else { &body }).unwrap_or(Value::Null);
        if let Err(r) = checked_body(&parsed, &[], &[]) {
            return r;
        }
    }
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let location = c.location_id.clone();
    if campaign == "removeAll" && !adding {
        for ((l, _), members) in state.campaigns.members.iter_mut() {
            if *l == location {
                members.retain(|m| *m != id);
            }
        }
        return Json(json!({"succeded": true})).into_response();
    }
    let Some(members) = state
        .campaigns
        .members
        .get_mut(&(location, campaign.clone()))
    else {
        return error(400, format!("Campaign {campaign} not found"));
    };
    if adding {
        if !members.contains(&id) {
            members.push(id);
        }
        (StatusCode::CREATED, Json(json!({"succeded": true}))).into_response()
    } else {
        members.retain(|m| *m != id);
        Json(json!({"succeded": true})).into_response()
    }
}

/// `POST|DELETE /contacts/{id}/workflow/{workflowId}`: the workflow must be
/// one of the location's (a sandbox workflow).
pub async fn workflow(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    method: axum::http::Method,
    Path((id, workflow)): Path<(String, String)>,
    GhlJson(body): GhlJson,
) -> Response {
    let body = match checked_body(&body, &["eventStartTime"], &[]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let start = body.get("eventStartTime").cloned();
    if let Some(start) = &start {
        let valid = start
            .as_str()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok());
        if !valid {
            return unprocessable(vec![
                "eventStartTime must be an ISO 8601 date-time with its offset, like 2021-06-23T03:30:00+01:00".into(),
            ]);
        }
    }
    let mut state = s.lock();
    if let Err(r) = require_contact(&state, &c, &id) {
        return r;
    }
    let location = c.location_id.clone();
    let Some(w) = state
        .workflows
        .workflows
        .iter_mut()
        .find(|w| w.id == workflow && w.location_id == location)
    else {
        return error(400, format!("Workflow {workflow} not found"));
    };
    if method == axum::http::Method::POST {
        if !w.enrolled.iter().any(|e| e["contactId"] == id.as_str()) {
            w.enrolled
                .push(json!({"contactId": id, "eventStartTime": start, "at": crate::now_iso()}));
        }
    } else {
        w.enrolled.retain(|e| e["contactId"] != id.as_str());
    }
    Json(json!({"succeded": true})).into_response()
}

/// `POST /contacts/bulk/tags/update/{type}` (`add` or `remove`).
pub async fn bulk_tags(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path(kind): Path<String>,
    GhlJson(body): GhlJson,
) -> Response {
    if kind != "add" && kind != "remove" {
        return error(
            404,
            format!("Cannot POST /contacts/bulk/tags/update/{kind}: use add or remove"),
        );
    }
    let body = match checked_body(
        &body,
        &["contacts", "tags", "locationId", "removeAllTags"],
        &[],
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (contacts, tags) = match (string_list(&body, "contacts"), string_list(&body, "tags")) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return unprocessable(vec![e]),
    };
    if body.get("locationId").and_then(Value::as_str) != Some(c.location_id.as_str()) {
        return error(403, "The token does not have access to this location");
    }
    let remove_all = body.get("removeAllTags").and_then(Value::as_bool) == Some(true);
    let mut state = s.lock();
    let mut errors = Vec::new();
    for id in &contacts {
        if require_contact(&state, &c, id).is_err() {
            errors.push(format!("contact {id} not found"));
            continue;
        }
        let contact = state.contacts.get_mut(id).expect("checked");
        let mut current = held_list(contact, "tags");
        if kind == "add" {
            current.extend(
                tags.iter()
                    .filter(|t| !current.contains(t))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        } else if remove_all {
            current.clear();
        } else {
            current.retain(|t| !tags.contains(t));
        }
        contact.insert("tags".into(), json!(current));
    }
    (
        StatusCode::CREATED,
        Json(
            json!({"succeded": errors.is_empty(), "errorCount": errors.len(), "responses": errors}),
        ),
    )
        .into_response()
}

/// `POST /contacts/bulk/business`.
pub async fn bulk_business(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    GhlJson(body): GhlJson,
) -> Response {
    let body = match checked_body(&body, &["locationId", "ids", "businessId"], &[]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ids = match string_list(&body, "ids") {
        Ok(ids) => ids,
        Err(e) => return unprocessable(vec![e]),
    };
    let Some(business) = body.get("businessId").and_then(Value::as_str) else {
        return unprocessable(vec!["businessId should not be empty".into()]);
    };
    if body.get("locationId").and_then(Value::as_str) != Some(c.location_id.as_str()) {
        return error(403, "The token does not have access to this location");
    }
    let mut state = s.lock();
    let mut done = Vec::new();
    for id in ids {
        if require_contact(&state, &c, &id).is_ok() {
            state
                .contacts
                .get_mut(&id)
                .expect("checked")
                .insert("businessId".into(), json!(business));
            done.push(id);
        }
    }
    Json(json!({"success": true, "ids": done})).into_response()
}
