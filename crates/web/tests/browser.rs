//! The exports, run in headless Chromium (wasm-bindgen-test-runner + chromedriver).
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn catalogue() -> Vec<Value> {
    let js = ghl_bridge_web::catalogue().expect("catalogue exports");
    serde_wasm_bindgen::from_value(js).expect("plain JS objects")
}

#[wasm_bindgen_test]
fn catalogue_reaches_js_as_plain_objects_with_every_endpoint() {
    let entries = catalogue();
    assert_eq!(entries.len(), ghl_bridge::ghl::CATALOGUE.len());
    let upsert = entries
        .iter()
        .find(|e| e["id"] == "contacts.upsert")
        .expect("upsert listed");
    assert_eq!(upsert["method"], "POST");
    assert_eq!(upsert["path"], "/contacts/upsert");
    assert_eq!(upsert["scope"], "contacts.write");
    assert_eq!(upsert["version"], "2021-07-28");
    assert_eq!(upsert["successStatus"], 200);
    assert_eq!(upsert["uncertain"], Value::Null);
}

#[wasm_bindgen_test]
fn uncertain_entries_say_why() {
    let entries = catalogue();
    let search = entries
        .iter()
        .find(|e| e["id"] == "contacts.search")
        .unwrap();
    assert!(search["uncertain"].as_str().unwrap().contains("pageLimit"));
}

#[wasm_bindgen_test]
fn core_version_is_exported() {
    assert_eq!(ghl_bridge_web::core_version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn runs_in_a_real_browser() {
    // A DOM exists only in a browser, so this fails if the tests ran in Node.
    let has_document = js_sys::Reflect::has(&js_sys::global(), &"document".into()).unwrap();
    assert!(has_document, "expected a browser global with a document");
}
