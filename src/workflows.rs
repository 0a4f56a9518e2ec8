//! The app's GHL workflow actions and triggers, declared once: the Worker
//! dispatches on these keys, and the definitions the Marketplace portal or
//! CLI takes (`marketplace/workflows.json`) are generated from them
//! ([`definitions`]). Shapes follow GoHighLevel's marketplace-cli contracts
//! (`src/lib/workflows/{actions,triggers}/contract.ts`); see
//! `shared/research/marketplace-modules.md`.
//!
//! Also here, as pure functions: a workflow call's body, its idempotency key,
//! a trigger's filters, and the only URLs a trigger may fire at.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The header GHL sends with every action, field and subscription call: the
/// app's secret, typed in the portal (GHL signs none of these calls).
pub const KEY_HEADER: &str = "x-bridge-key";
/// How long an action's answer is kept: the same call within it gets the
/// same answer, and sends nothing twice.
pub const ACTION_REPLAY_MS: u64 = 15 * 60 * 1000;

/// One input of an action, as the portal defines it.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub field: &'static str,
    pub title: &'static str,
    /// `string`, `textarea`, `DYNAMIC`, ...
    pub field_type: &'static str,
    pub required: bool,
    pub help: &'static str,
}

/// One variable a later workflow step reads (`customVars`).
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub name: &'static str,
    pub reference: &'static str,
    /// `string`, `boolean`, `numerical`, ...
    pub field_type: &'static str,
    pub sample: &'static str,
}

/// The app's workflow actions (stable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKey {
    #[serde(rename = "spothit_send_sms")]
    SpotHitSendSms,
    #[serde(rename = "spothit_add_to_group")]
    SpotHitAddToGroup,
    #[serde(rename = "specter_enrich_contact")]
    SpecterEnrichContact,
    #[serde(rename = "specter_add_to_list")]
    SpecterAddToList,
}

impl ActionKey {
    pub const ALL: [ActionKey; 4] = [
        ActionKey::SpotHitSendSms,
        ActionKey::SpotHitAddToGroup,
        ActionKey::SpecterEnrichContact,
        ActionKey::SpecterAddToList,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ActionKey::SpotHitSendSms => "spothit_send_sms",
            ActionKey::SpotHitAddToGroup => "spothit_add_to_group",
            ActionKey::SpecterEnrichContact => "specter_enrich_contact",
            ActionKey::SpecterAddToList => "specter_add_to_list",
        }
    }

    pub fn parse(key: &str) -> Option<ActionKey> {
        ActionKey::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn name(self) -> &'static str {
        match self {
            ActionKey::SpotHitSendSms => "Send an SMS through Spot-Hit",
            ActionKey::SpotHitAddToGroup => "Add the contact to a Spot-Hit group",
            ActionKey::SpecterEnrichContact => "Enrich the contact from Specter",
            ActionKey::SpecterAddToList => "Add the contact to a Specter list",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ActionKey::SpotHitSendSms => "Texts the contact through the location's Spot-Hit account, unless it opted out (DND, STOP) or was deleted. Outputs Spot-Hit's id and the status.",
            ActionKey::SpotHitAddToGroup => "Imports the contact (mobile, e-mail, names) into one of the location's Spot-Hit groups, created if new; once per group. A contact opted out of SMS joins with its e-mail only.",
            ActionKey::SpecterEnrichContact => "Looks the contact up in Specter by e-mail and returns the person's main fields, counted against the location's Specter credit budget.",
            ActionKey::SpecterAddToList => "Adds the contact's Specter person (found by e-mail) to a Specter people list.",
        }
    }

    pub fn inputs(self) -> &'static [Input] {
        match self {
            ActionKey::SpotHitSendSms => &[
                Input { field: "message", title: "Message", field_type: "textarea", required: true, help: "GHL's merge values are resolved before the bridge gets it. Marketing SMS need \"STOP au 36200\"." },
                Input { field: "sender", title: "Sender (at most 11 characters)", field_type: "string", required: false, help: "The location's sender when empty." },
                Input { field: "campaign", title: "Campaign label", field_type: "string", required: false, help: "Spot-Hit's campaign name, not shown to the contact." },
            ],
            ActionKey::SpotHitAddToGroup => &[
                Input { field: "group", title: "Spot-Hit group", field_type: "DYNAMIC", required: false, help: "Picked from the location's Spot-Hit groups; a new name creates the group." },
            ],
            ActionKey::SpecterEnrichContact => &[
                Input { field: "email", title: "E-mail to look up", field_type: "string", required: false, help: "The contact's e-mail when empty." },
            ],
            ActionKey::SpecterAddToList => &[
                Input { field: "list", title: "Specter list id", field_type: "string", required: true, help: "A people list shared with the API." },
            ],
        }
    }

    pub fn outputs(self) -> &'static [Output] {
        match self {
            ActionKey::SpotHitSendSms => &[
                Output {
                    name: "Status",
                    reference: "status",
                    field_type: "string",
                    sample: "sent",
                },
                Output {
                    name: "Spot-Hit message id",
                    reference: "spothitId",
                    field_type: "string",
                    sample: "245174",
                },
                Output {
                    name: "Phone",
                    reference: "phone",
                    field_type: "string",
                    sample: "+33612345678",
                },
                Output {
                    name: "Why not sent",
                    reference: "reason",
                    field_type: "string",
                    sample: "",
                },
            ],
            ActionKey::SpotHitAddToGroup => &[
                Output {
                    name: "Status",
                    reference: "status",
                    field_type: "string",
                    sample: "added",
                },
                Output {
                    name: "Group",
                    reference: "group",
                    field_type: "string",
                    sample: "Clients VIP",
                },
                Output {
                    name: "Why not added",
                    reference: "reason",
                    field_type: "string",
                    sample: "",
                },
            ],
            ActionKey::SpecterEnrichContact => &[
                Output {
                    name: "Status",
                    reference: "status",
                    field_type: "string",
                    sample: "found",
                },
                Output {
                    name: "Specter person id",
                    reference: "personId",
                    field_type: "string",
                    sample: "per_3f2a",
                },
                Output {
                    name: "Full name",
                    reference: "fullName",
                    field_type: "string",
                    sample: "Jeanne Martin",
                },
                Output {
                    name: "LinkedIn URL",
                    reference: "linkedinUrl",
                    field_type: "string",
                    sample: "https://www.linkedin.com/in/jeanne-martin",
                },
                Output {
                    name: "Why not found",
                    reference: "reason",
                    field_type: "string",
                    sample: "",
                },
            ],
            ActionKey::SpecterAddToList => &[
                Output {
                    name: "Status",
                    reference: "status",
                    field_type: "string",
                    sample: "added",
                },
                Output {
                    name: "Why not added",
                    reference: "reason",
                    field_type: "string",
                    sample: "",
                },
            ],
        }
    }
}

/// The app's workflow triggers (stable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerKey {
    #[serde(rename = "spothit_reply_received")]
    SpotHitReplyReceived,
    #[serde(rename = "spothit_stop_received")]
    SpotHitStopReceived,
    #[serde(rename = "spothit_delivery_failed")]
    SpotHitDeliveryFailed,
    #[serde(rename = "specter_new_person")]
    SpecterNewPerson,
    #[serde(rename = "bridge_lead_received")]
    BridgeLeadReceived,
    #[serde(rename = "bridge_event_parked")]
    BridgeEventParked,
}

impl TriggerKey {
    pub const ALL: [TriggerKey; 6] = [
        TriggerKey::SpotHitReplyReceived,
        TriggerKey::SpotHitStopReceived,
        TriggerKey::SpotHitDeliveryFailed,
        TriggerKey::SpecterNewPerson,
        TriggerKey::BridgeLeadReceived,
        TriggerKey::BridgeEventParked,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TriggerKey::SpotHitReplyReceived => "spothit_reply_received",
            TriggerKey::SpotHitStopReceived => "spothit_stop_received",
            TriggerKey::SpotHitDeliveryFailed => "spothit_delivery_failed",
            TriggerKey::SpecterNewPerson => "specter_new_person",
            TriggerKey::BridgeLeadReceived => "bridge_lead_received",
            TriggerKey::BridgeEventParked => "bridge_event_parked",
        }
    }

    pub fn parse(key: &str) -> Option<TriggerKey> {
        TriggerKey::ALL.into_iter().find(|t| t.key() == key)
    }

    pub fn name(self) -> &'static str {
        match self {
            TriggerKey::SpotHitReplyReceived => "Spot-Hit: SMS reply received",
            TriggerKey::SpotHitStopReceived => "Spot-Hit: STOP received",
            TriggerKey::SpotHitDeliveryFailed => "Spot-Hit: SMS delivery failed",
            TriggerKey::SpecterNewPerson => "Specter: new person in a list or saved search",
            TriggerKey::BridgeLeadReceived => "Bridge: lead received",
            TriggerKey::BridgeEventParked => "Bridge: event parked for a person",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            TriggerKey::SpotHitReplyReceived => "A contact answered an SMS; the contact is in GHL by then.",
            TriggerKey::SpotHitStopReceived => "A contact answered STOP; SMS do-not-disturb is on by then.",
            TriggerKey::SpotHitDeliveryFailed => "Spot-Hit could not deliver an SMS the bridge sent, with its reason.",
            TriggerKey::SpecterNewPerson => "A person new in a polled Specter list or saved search, once the contact was written.",
            TriggerKey::BridgeLeadReceived => "A lead from one of the bridge's sources became a GHL contact.",
            TriggerKey::BridgeEventParked => "An event could not be synced and waits for a person (a dead letter).",
        }
    }

    /// The variables a fire carries: `(reference, sample)`; a filter may
    /// name any of them.
    pub fn variables(self) -> &'static [(&'static str, &'static str)] {
        match self {
            TriggerKey::SpotHitReplyReceived => &[
                ("contactId", "seD4PfOuKoVMLkEZqohJ"),
                ("phone", "+33612345678"),
                ("message", "Oui, merci"),
            ],
            TriggerKey::SpotHitStopReceived => &[
                ("contactId", "seD4PfOuKoVMLkEZqohJ"),
                ("phone", "+33612345678"),
            ],
            TriggerKey::SpotHitDeliveryFailed => &[
                ("contactId", "seD4PfOuKoVMLkEZqohJ"),
                ("phone", "+33612345678"),
                ("reason", "Spot-Hit: failed (code 1)"),
                ("spothitId", "245174"),
            ],
            TriggerKey::SpecterNewPerson => &[
                ("contactId", "seD4PfOuKoVMLkEZqohJ"),
                ("personId", "per_3f2a"),
                ("source", "list 6f1c2b1e"),
            ],
            TriggerKey::BridgeLeadReceived => &[
                ("contactId", "seD4PfOuKoVMLkEZqohJ"),
                ("sourceId", "site-devis"),
                ("email", "jeanne@example.fr"),
                ("phone", "+33612345678"),
                ("firstName", "Jeanne"),
                ("lastName", "Martin"),
            ],
            TriggerKey::BridgeEventParked => &[
                ("contactId", ""),
                ("sourceId", "site-devis"),
                ("reasonCode", "unknownCustomField"),
                (
                    "reason",
                    "the mapping names custom field `budjet`, which the location lacks",
                ),
            ],
        }
    }

    /// The filters a workflow may set: `(field, operators)`.
    pub fn filters(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            TriggerKey::SpotHitReplyReceived => {
                &[("message", &["contains", "equals", "is_one_of"])]
            }
            TriggerKey::BridgeLeadReceived | TriggerKey::BridgeEventParked => {
                &[("sourceId", &["equals", "is_one_of"])]
            }
            _ => &[],
        }
    }
}

/// `extras` of a workflow call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extras {
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

/// `meta` of a workflow call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub version: Value,
}

/// What GHL POSTs when a workflow reaches one of the app's actions (or asks
/// for its dynamic fields): `{data, extras, meta}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionCall {
    #[serde(default)]
    pub data: Map<String, Value>,
    pub extras: Extras,
    #[serde(default)]
    pub meta: Meta,
}

impl ActionCall {
    pub fn read(body: &str) -> Result<ActionCall, String> {
        let call: ActionCall = crate::json::read(body)
            .map_err(|e| format!("not a workflow action call ({{data, extras, meta}}): {e}"))?;
        if call.extras.location_id.trim().is_empty() {
            return Err("`extras.locationId` is required".into());
        }
        Ok(call)
    }

    /// A text input, trimmed; `None` when absent or empty.
    pub fn text(&self, field: &str) -> Option<String> {
        let value = match self.data.get(field)? {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!value.is_empty()).then_some(value)
    }

    /// The same call (location, workflow, contact, action, version, data)
    /// within [`ACTION_REPLAY_MS`] gets the first answer again.
    pub fn replay_key(&self, action: ActionKey) -> String {
        let identity = json!({
            "location": self.extras.location_id, "workflow": self.extras.workflow_id,
            "contact": self.extras.contact_id, "action": action.key(),
            "version": self.meta.version, "data": self.data,
        });
        crate::dedupe::idempotency_key("workflow-action", None, &identity)
    }
}

/// `triggerData.eventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SubscriptionChange {
    Created,
    Updated,
    Deleted,
}

/// One filter a workflow set on a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub field: String,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub value: Value,
}

/// `triggerData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerData {
    pub id: String,
    pub key: String,
    #[serde(default)]
    pub filters: Vec<Filter>,
    pub event_type: SubscriptionChange,
    #[serde(default)]
    pub target_url: String,
}

/// What GHL POSTs when a workflow starts, changes or stops using a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionCall {
    pub trigger_data: TriggerData,
    pub extras: Extras,
    #[serde(default)]
    pub meta: Meta,
}

impl SubscriptionCall {
    pub fn read(body: &str) -> Result<SubscriptionCall, String> {
        let call: SubscriptionCall = crate::json::read(body).map_err(|e| {
            format!("not a trigger subscription ({{triggerData, extras, meta}}): {e}")
        })?;
        if call.extras.location_id.trim().is_empty() {
            return Err("`extras.locationId` is required".into());
        }
        let key = &call.trigger_data.key;
        let Some(trigger) = TriggerKey::parse(key) else {
            return Err(format!("`{key}` is not one of this app's triggers"));
        };
        for filter in &call.trigger_data.filters {
            check_filter(trigger, filter)?;
        }
        Ok(call)
    }
}

fn check_filter(trigger: TriggerKey, filter: &Filter) -> Result<(), String> {
    let Some((_, operators)) = trigger.filters().iter().find(|(f, _)| *f == filter.field) else {
        return Err(format!(
            "trigger `{}` has no filter `{}`",
            trigger.key(),
            filter.field
        ));
    };
    let operator = filter.operator.as_deref().unwrap_or("equals");
    if !operators.contains(&operator) {
        return Err(format!(
            "filter `{}` takes {}, not `{operator}`",
            filter.field,
            operators.join(", ")
        ));
    }
    Ok(())
}

/// Whether a fire's variables pass every filter: text compared without case
/// or surrounding spaces; `is_one_of` takes a list or comma-separated text.
pub fn matches(filters: &[Filter], variables: &Value) -> bool {
    filters.iter().all(|filter| {
        let have = crate::case::lower(variables[&filter.field].as_str().unwrap_or("").trim());
        let wanted: Vec<String> = match &filter.value {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Value::String(s) => s.split(',').map(str::to_string).collect(),
            other => vec![other.to_string()],
        };
        let wanted: Vec<String> = wanted
            .iter()
            .map(|w| crate::case::lower(w.trim()))
            .collect();
        match filter.operator.as_deref().unwrap_or("equals") {
            "contains" => filter_text(&filter.value).is_some_and(|w| have.contains(&w)),
            "equals" => filter_text(&filter.value).is_some_and(|w| have == w),
            "is_one_of" => wanted.contains(&have),
            _ => false,
        }
    })
}

fn filter_text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(|s| crate::case::lower(s.trim()))
        .filter(|s| !s.is_empty())
}

/// The only place a trigger fires: `{GHL base}/workflows-marketplace/
/// triggers/execute/{the subscription's location}/{trigger id}`. The bridge
/// sends the location's token with each fire, so any other URL is refused.
pub fn check_target_url(ghl_base_url: &str, location_id: &str, target: &str) -> Result<(), String> {
    let prefix = format!(
        "{}/workflows-marketplace/triggers/execute/{location_id}/",
        ghl_base_url.trim_end_matches('/')
    );
    let rest = target.strip_prefix(&prefix).ok_or_else(|| {
        format!("`targetUrl` must start with {prefix}: the bridge sends the location's token there, never elsewhere")
    })?;
    let plain = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain {
        return Err(format!(
            "`targetUrl` ends in `{rest}`: a trigger id was expected"
        ));
    }
    Ok(())
}

/// The app's workflow modules as the Marketplace takes them, under the
/// deployment's `base_url`; the secret appears as a placeholder only.
pub fn definitions(base_url: &str) -> Value {
    let base = base_url.trim_end_matches('/');
    let headers = json!({ KEY_HEADER: "{{GHL_APP_HOOK_SECRET}}" });
    let actions: Vec<Value> = ActionKey::ALL
        .iter()
        .map(|a| {
            let url = format!("{base}/v1/hooks/ghl/actions/{}", a.key());
            let inputs: Vec<Value> = a
                .inputs()
                .iter()
                .map(|i| {
                    let mut input = json!({"field": i.field, "title": i.title, "fieldType": i.field_type,
                        "required": i.required, "helpText": i.help});
                    if i.field_type == "DYNAMIC" {
                        input["dynamicFieldsConfig"] = json!({"url": format!("{url}/fields"), "headers": headers});
                    }
                    input
                })
                .collect();
            let sample: Map<String, Value> = a
                .outputs()
                .iter()
                .map(|o| (o.reference.to_string(), Value::from(o.sample)))
                .collect();
            let vars: Vec<Value> = a
                .outputs()
                .iter()
                .map(|o| json!({"name": o.name, "reference": o.reference, "fieldType": o.field_type}))
                .collect();
            json!({"key": a.key(), "name": a.name(), "description": a.description(), "version": 1,
                "inputs": inputs,
                "executionConfig": {"type": "API", "url": url, "method": "POST", "headers": headers},
                "customVarsJson": sample, "customVars": vars})
        })
        .collect();
    let triggers: Vec<Value> = TriggerKey::ALL
        .iter()
        .map(|t| {
            let sample: Map<String, Value> = t
                .variables()
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect();
            let vars: Vec<Value> = t
                .variables()
                .iter()
                .map(|(k, _)| json!({"name": k, "reference": k, "fieldType": "string"}))
                .collect();
            let filters: Vec<Value> = t
                .filters()
                .iter()
                .map(|(field, ops)| json!({"field": field, "title": field, "type": "string", "operators": ops}))
                .collect();
            json!({"key": t.key(), "name": t.name(), "description": t.description(),
                "filters": filters, "customVarsJson": sample, "customVars": vars,
                "subscriptionConfig": {"url": format!("{base}/v1/hooks/ghl/triggers"), "headers": headers}})
        })
        .collect();
    json!({"actions": actions, "triggers": triggers})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(field: &str, operator: &str, value: Value) -> Filter {
        Filter {
            field: field.into(),
            operator: Some(operator.into()),
            value,
        }
    }

    #[test]
    fn keys_name_each_other() {
        for a in ActionKey::ALL {
            assert_eq!(ActionKey::parse(a.key()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.key());
        }
        for t in TriggerKey::ALL {
            assert_eq!(TriggerKey::parse(t.key()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.key());
        }
        assert_eq!(ActionKey::parse("lc_send"), None);
    }

    #[test]
    fn a_reply_filter_matches_without_case_and_an_unknown_operator_never() {
        let reply = json!({"message": "OUI merci"});
        assert!(matches(
            &[filter("message", "contains", json!("oui"))],
            &reply
        ));
        assert!(!matches(
            &[filter("message", "contains", json!("oui"))],
            &json!({"message": "non"})
        ));
        assert!(!matches(
            &[filter("message", "equals", json!("oui"))],
            &reply
        ));
        assert!(matches(
            &[filter("message", "is_one_of", json!("oui, yes ,si"))],
            &json!({"message": " Yes "})
        ));
        assert!(matches(
            &[filter("message", "is_one_of", json!(["oui", "si"]))],
            &json!({"message": "si"})
        ));
        assert!(!matches(
            &[filter("message", "sounds_like", json!("oui"))],
            &reply
        ));
        assert!(matches(&[], &reply));
        assert!(
            !matches(&[filter("message", "contains", json!(""))], &reply),
            "an empty filter value matches nothing"
        );
    }

    #[test]
    fn a_trigger_fires_only_at_its_locations_execute_url() {
        let base = "https://services.leadconnectorhq.com";
        let ok = format!("{base}/workflows-marketplace/triggers/execute/loc1/trg_9");
        assert!(check_target_url(base, "loc1", &ok).is_ok());
        assert!(
            check_target_url(base, "loc2", &ok).is_err(),
            "another location's"
        );
        assert!(check_target_url(
            base,
            "loc1",
            "https://evil.example/workflows-marketplace/triggers/execute/loc1/t"
        )
        .is_err());
        assert!(check_target_url(base, "loc1", &format!("{ok}/../x")).is_err());
        assert!(check_target_url(
            base,
            "loc1",
            &format!("{base}/workflows-marketplace/triggers/execute/loc1/")
        )
        .is_err());
        assert!(check_target_url(base, "loc1", &format!("{ok}?redirect=x")).is_err());
    }

    #[test]
    fn a_subscription_is_read_with_its_filters_checked() {
        let body = |key: &str, filters: Value| {
            json!({"triggerData": {"id": "t1", "key": key, "filters": filters, "eventType": "CREATED",
                "targetUrl": "https://x/workflows-marketplace/triggers/execute/l/t1"},
                "meta": {"key": key, "version": "1"}, "extras": {"locationId": "l", "workflowId": "w"}})
            .to_string()
        };
        let ok = SubscriptionCall::read(&body(
            "spothit_reply_received",
            json!([{"field": "message", "operator": "contains", "value": "oui"}]),
        ))
        .unwrap();
        assert_eq!(ok.trigger_data.event_type, SubscriptionChange::Created);
        assert!(SubscriptionCall::read(&body("nope", json!([])))
            .unwrap_err()
            .contains("not one of"));
        assert!(SubscriptionCall::read(&body(
            "spothit_stop_received",
            json!([{"field": "message", "value": "x"}])
        ))
        .unwrap_err()
        .contains("no filter"));
        assert!(SubscriptionCall::read(&body(
            "spothit_reply_received",
            json!([{"field": "message", "operator": "regex", "value": "x"}])
        ))
        .unwrap_err()
        .contains("takes"));
    }

    #[test]
    fn the_same_action_call_has_the_same_replay_key_and_other_data_another() {
        let call = |message: &str| ActionCall {
            data: json!({"message": message}).as_object().unwrap().clone(),
            extras: Extras {
                location_id: "l".into(),
                contact_id: Some("c".into()),
                workflow_id: Some("w".into()),
                company_id: None,
            },
            meta: Meta {
                key: "spothit_send_sms".into(),
                version: json!("1"),
            },
        };
        let a = call("Bonjour").replay_key(ActionKey::SpotHitSendSms);
        assert_eq!(a, call("Bonjour").replay_key(ActionKey::SpotHitSendSms));
        assert_ne!(a, call("Bonsoir").replay_key(ActionKey::SpotHitSendSms));
        assert_eq!(call("  Hi ").text("message").as_deref(), Some("Hi"));
    }

    #[test]
    fn every_key_is_defined_once_with_its_urls() {
        let defs = definitions("https://bridge.example/");
        let actions = defs["actions"].as_array().unwrap();
        assert_eq!(actions.len(), ActionKey::ALL.len());
        assert_eq!(
            actions[0]["executionConfig"]["url"],
            "https://bridge.example/v1/hooks/ghl/actions/spothit_send_sms"
        );
        assert_eq!(
            actions[1]["inputs"][0]["dynamicFieldsConfig"]["url"],
            "https://bridge.example/v1/hooks/ghl/actions/spothit_add_to_group/fields"
        );
        let triggers = defs["triggers"].as_array().unwrap();
        assert_eq!(triggers.len(), TriggerKey::ALL.len());
        assert_eq!(
            triggers[0]["subscriptionConfig"]["url"],
            "https://bridge.example/v1/hooks/ghl/triggers"
        );
        assert!(!defs.to_string().contains("dev-app-hook-secret"));
    }
}
