//! GHL's workflow engine, as far as an app's actions and triggers see it
//! (marketplace-modules research: CustomActions, CustomTriggers, the
//! marketplace-cli contracts). A sandbox workflow uses one of the app's
//! triggers (its subscription is sent to the app, with its `targetUrl`) and
//! can run one of the app's actions for a contact (the call GHL makes, with
//! the app's `x-bridge-key` header as the portal would send it). The
//! execute URL needs the location's token (field reports: 401 without) and
//! answers a switched-off workflow with an "inactive" error.

use super::{error, Caller};
use crate::state::State;
use crate::Shared;
use axum::extract::{Path, State as Extract};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerUse {
    pub id: String,
    pub key: String,
    pub filters: Value,
    pub target_url: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    pub id: String,
    pub location_id: String,
    pub active: bool,
    pub trigger: Option<TriggerUse>,
    /// What the app POSTed to the trigger's execute URL, in order.
    pub fires: Vec<Value>,
    /// Each action run: what was sent and what the app answered.
    pub runs: Vec<Value>,
    /// What the app answered to each subscription call.
    pub subscriptions: Vec<Value>,
    /// Contacts enrolled through the contacts API (`POST /contacts/{id}/workflow/{id}`).
    pub enrolled: Vec<Value>,
}

#[derive(Debug, Default)]
pub struct WorkflowData {
    pub workflows: Vec<Workflow>,
}

/// The workflow every `dev-*` location has from the start, for mappings and
/// recipes that enrol contacts ("SMS reply OUI: enrol in a workflow").
pub const SEEDED_WORKFLOW: &str = "wf_rappel_oui";

impl WorkflowData {
    pub fn seeded() -> WorkflowData {
        let workflows = crate::state::DEV_LOCATIONS
            .iter()
            .map(|location| Workflow {
                id: SEEDED_WORKFLOW.into(),
                location_id: location.to_string(),
                active: true,
                trigger: None,
                fires: Vec::new(),
                runs: Vec::new(),
                subscriptions: Vec::new(),
                enrolled: Vec::new(),
            })
            .collect();
        WorkflowData { workflows }
    }
}

/// Where the app is and the key the portal sends it (`--app-url`, `--app-key`).
#[derive(Debug, Clone)]
struct AppLink {
    url: Option<String>,
    key: String,
}

impl AppLink {
    fn of(state: &State) -> AppLink {
        AppLink {
            url: state.settings.app_url.clone(),
            key: state.settings.app_key.clone().unwrap_or_default(),
        }
    }
}

/// A call to the app, as GHL makes it (blocking; run off the async threads).
fn call_app(app: &AppLink, path: &str, body: &Value) -> Value {
    let Some(base) = &app.url else {
        return json!({"error": "the sandbox does not know the app's URL (--app-url)"});
    };
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let bytes = body.to_string();
    let key = app.key.clone();
    let answer = crate::http_agent()
        .post(&url)
        .header("content-type", "application/json")
        .header("x-bridge-key", &key)
        .send(bytes.as_bytes());
    match answer {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
            json!({"status": status, "body": body})
        }
        Err(e) => json!({"error": e.to_string()}),
    }
}

async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the sandbox's call to the app")
}

fn subscription_body(w: &Workflow, t: &TriggerUse, event: &str, company: &str) -> Value {
    json!({"triggerData": {"id": t.id, "key": t.key, "filters": t.filters, "eventType": event,
            "targetUrl": t.target_url},
        "meta": {"key": t.key, "version": "1"},
        "extras": {"locationId": w.location_id, "workflowId": w.id, "companyId": company}})
}

/// `POST /__sandbox/ghl/workflows {"locationId", "trigger"?: {"key", "filters"?}}`:
/// a workflow saved with the app's trigger: the subscription goes to the app.
pub async fn create(
    Extract(s): Extract<Shared>,
    headers: axum::http::HeaderMap,
    Json(asked): Json<Value>,
) -> Response {
    // The sandbox's own address, as the app reached it: GHL's base URL.
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let base = format!("http://{host}");
    let (workflow, app) = {
        let mut state = s.lock();
        let location = asked["locationId"].as_str().unwrap_or_default().to_string();
        if !state.locations.contains_key(&location) {
            return error(404, format!("no location {location}"));
        }
        let id = state.new_id();
        let trigger = asked
            .get("trigger")
            .filter(|t| t.is_object())
            .map(|t| TriggerUse {
                id: format!("trg_{}", state.new_id()),
                key: t["key"].as_str().unwrap_or_default().to_string(),
                filters: t.get("filters").cloned().unwrap_or_else(|| json!([])),
                target_url: String::new(),
            });
        let workflow = Workflow {
            id,
            location_id: location,
            active: true,
            trigger,
            fires: Vec::new(),
            runs: Vec::new(),
            subscriptions: Vec::new(),
            enrolled: Vec::new(),
        };
        (workflow, AppLink::of(&state))
    };
    let mut workflow = workflow;
    if let Some(t) = workflow.trigger.as_mut() {
        t.target_url = format!(
            "{base}/ghl/workflows-marketplace/triggers/execute/{}/{}",
            workflow.location_id, t.id
        );
    }
    let answer = match &workflow.trigger {
        Some(t) => {
            let body = subscription_body(&workflow, t, "CREATED", crate::state::DEV_COMPANY);
            off_thread(move || call_app(&app, "/v1/hooks/ghl/triggers", &body)).await
        }
        None => Value::Null,
    };
    workflow.subscriptions.push(answer.clone());
    let out = json!({"workflowId": workflow.id, "triggerId": workflow.trigger.as_ref().map(|t| &t.id),
        "targetUrl": workflow.trigger.as_ref().map(|t| &t.target_url), "subscription": answer});
    s.lock().workflows.workflows.push(workflow);
    Json(out).into_response()
}

/// `DELETE /__sandbox/ghl/workflows/{id}`: the workflow is deleted; the app
/// hears `DELETED`.
pub async fn delete(Extract(s): Extract<Shared>, Path(id): Path<String>) -> Response {
    let (found, app) = {
        let mut state = s.lock();
        let at = state.workflows.workflows.iter().position(|w| w.id == id);
        (
            at.map(|i| state.workflows.workflows.remove(i)),
            AppLink::of(&state),
        )
    };
    let Some(workflow) = found else {
        return error(404, "Workflow not found");
    };
    let answer = match &workflow.trigger {
        Some(t) => {
            let body = subscription_body(&workflow, t, "DELETED", crate::state::DEV_COMPANY);
            off_thread(move || call_app(&app, "/v1/hooks/ghl/triggers", &body)).await
        }
        None => Value::Null,
    };
    Json(json!({"deleted": id, "subscription": answer})).into_response()
}

/// `POST /__sandbox/ghl/workflows/{id}/deactivate`: switched off in GHL.
pub async fn deactivate(Extract(s): Extract<Shared>, Path(id): Path<String>) -> Response {
    let mut state = s.lock();
    match state.workflows.workflows.iter_mut().find(|w| w.id == id) {
        Some(w) => {
            w.active = false;
            Json(json!({"workflowId": id, "active": false})).into_response()
        }
        None => error(404, "Workflow not found"),
    }
}

/// `POST /__sandbox/ghl/workflows/{id}/run {"contactId", "action", "data"}`:
/// the workflow reaches one of the app's actions for a contact.
pub async fn run(
    Extract(s): Extract<Shared>,
    Path(id): Path<String>,
    Json(asked): Json<Value>,
) -> Response {
    action_call(s, id, asked, false).await
}

/// `POST /__sandbox/ghl/workflows/{id}/fields {"action", "data"?}`: the
/// builder asks for an action's dynamic field.
pub async fn fields(
    Extract(s): Extract<Shared>,
    Path(id): Path<String>,
    Json(asked): Json<Value>,
) -> Response {
    action_call(s, id, asked, true).await
}

async fn action_call(s: Shared, id: String, asked: Value, fields: bool) -> Response {
    let (location, app) = {
        let state = s.lock();
        match state.workflows.workflows.iter().find(|w| w.id == id) {
            Some(w) => (w.location_id.clone(), AppLink::of(&state)),
            None => return error(404, "Workflow not found"),
        }
    };
    let action = asked["action"].as_str().unwrap_or_default().to_string();
    let body = json!({"data": asked.get("data").cloned().unwrap_or_else(|| json!({})),
        "extras": {"locationId": location, "contactId": asked.get("contactId"), "workflowId": id},
        "meta": {"key": action, "version": "1"}});
    let path = format!(
        "/v1/hooks/ghl/actions/{action}{}",
        if fields { "/fields" } else { "" }
    );
    let sent = body.clone();
    let answer = off_thread(move || call_app(&app, &path, &sent)).await;
    if !fields {
        let mut state = s.lock();
        if let Some(w) = state.workflows.workflows.iter_mut().find(|w| w.id == id) {
            w.runs
                .push(json!({"at": crate::now_iso(), "sent": body, "answer": answer}));
        }
    }
    Json(answer).into_response()
}

/// `GET /__sandbox/ghl/workflows`: every workflow with its fires and runs.
pub async fn list(Extract(s): Extract<Shared>) -> Response {
    let state = s.lock();
    Json(json!({"workflows": state.workflows.workflows})).into_response()
}

/// `POST /ghl/workflows-marketplace/triggers/execute/{locationId}/{triggerId}`:
/// the app fires its trigger for one workflow.
pub async fn execute(
    Extract(s): Extract<Shared>,
    Extension(c): Extension<Caller>,
    Path((location, trigger)): Path<(String, String)>,
    body: String,
) -> Response {
    if c.location_id != location {
        return error(403, "The token does not have access to this location");
    }
    let mut state = s.lock();
    let found =
        state.workflows.workflows.iter_mut().find(|w| {
            w.location_id == location && w.trigger.as_ref().is_some_and(|t| t.id == trigger)
        });
    let Some(workflow) = found else {
        return error(404, "Trigger not found");
    };
    if !workflow.active {
        return error(400, format!("Trigger with id {trigger} is inactive"));
    }
    let payload = serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body));
    workflow
        .fires
        .push(json!({"at": crate::now_iso(), "payload": payload}));
    Json(json!({"success": true})).into_response()
}
