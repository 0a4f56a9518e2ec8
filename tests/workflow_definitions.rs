//! `marketplace/workflows.json` is what `src/workflows.rs` declares: the
//! actions and triggers the Worker dispatches on, each defined once, with
//! the routes the Worker serves. `UPDATE_DEFINITIONS=1 cargo test --test
//! workflow_definitions` writes it anew after a change.

use ghl_bridge::workflows::{definitions, ActionKey, TriggerKey};
use serde_json::Value;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/marketplace/workflows.json");
const BASE: &str = "https://YOUR-WORKER.workers.dev";

#[test]
fn the_committed_definitions_are_the_declared_ones() {
    let generated = serde_json::to_string_pretty(&definitions(BASE)).unwrap() + "\n";
    if std::env::var("UPDATE_DEFINITIONS").is_ok() {
        std::fs::write(FILE, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(FILE).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "marketplace/workflows.json is stale: UPDATE_DEFINITIONS=1 cargo test --test workflow_definitions"
    );
}

#[test]
fn every_key_the_worker_handles_is_defined_and_nothing_else() {
    let defs = definitions(BASE);
    let keys = |kind: &str| -> Vec<String> {
        defs[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap().to_string())
            .collect()
    };
    let actions: Vec<String> = ActionKey::ALL.iter().map(|a| a.key().to_string()).collect();
    let triggers: Vec<String> = TriggerKey::ALL
        .iter()
        .map(|t| t.key().to_string())
        .collect();
    assert_eq!(keys("actions"), actions);
    assert_eq!(keys("triggers"), triggers);
    for key in keys("actions") {
        assert!(ActionKey::parse(&key).is_some(), "{key} is not dispatched");
    }
    for key in keys("triggers") {
        assert!(TriggerKey::parse(&key).is_some(), "{key} is not accepted");
    }
    // The stable keys outside checks use.
    for key in [
        "spothit_send_sms",
        "spothit_add_to_group",
        "specter_enrich_contact",
        "specter_add_to_list",
    ] {
        assert!(actions.contains(&key.to_string()), "{key}");
    }
    for key in [
        "spothit_reply_received",
        "spothit_stop_received",
        "spothit_delivery_failed",
        "specter_new_person",
        "bridge_lead_received",
        "bridge_event_parked",
    ] {
        assert!(triggers.contains(&key.to_string()), "{key}");
    }
    // Every action's variables are in its sample, so the builder shows them.
    for action in defs["actions"].as_array().unwrap() {
        for var in action["customVars"].as_array().unwrap() {
            let reference = var["reference"].as_str().unwrap();
            assert!(
                action["customVarsJson"].get(reference).is_some(),
                "{reference}"
            );
        }
    }
    assert!(!Value::to_string(&defs).contains("dev-app-hook-secret"));
}
