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

#[wasm_bindgen_test]
fn templates_validate_and_apply_in_the_browser() {
    let templates: Vec<Value> =
        serde_wasm_bindgen::from_value(ghl_bridge_web::templates().unwrap()).unwrap();
    assert_eq!(templates.len(), 8);
    let form = templates.iter().find(|t| t["id"] == "web-form").unwrap();
    let validation: Value = serde_wasm_bindgen::from_value(
        ghl_bridge_web::validate_mapping(form["mapping"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(validation["ok"], true);

    let mapping = ghl_bridge_web::CompiledMapping::new(form["mapping"].as_str().unwrap()).unwrap();
    let out: Value = serde_wasm_bindgen::from_value(
        mapping
            .apply(
                form["sample"].as_str().unwrap(),
                "json",
                "demo",
                Some("evt-1".into()),
                1_795_341_600.0,
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out["contact"]["phone"], "+33612345678");
    assert_eq!(out["identity"]["email"], "jean-pierre.delatour@example.fr");
    assert!(out["idempotencyKey"].as_str().unwrap().starts_with("evt_"));
}

#[wasm_bindgen_test]
fn invalid_mappings_report_line_and_column() {
    let text = "{\"version\": 1,\n \"fields\": [{\"to\": \"emial\", \"from\": \"e\"}]}";
    let v: Value =
        serde_wasm_bindgen::from_value(ghl_bridge_web::validate_mapping(text).unwrap()).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["errors"][0]["pointer"], "/fields/0/to");
}

#[wasm_bindgen_test]
fn phone_metadata_works_in_wasm() {
    assert_eq!(
        ghl_bridge_web::normalise_phone_js("0692 12 34 56", Some("FR".into())).unwrap(),
        "+262692123456"
    );
    assert!(ghl_bridge_web::normalise_phone_js("12", Some("FR".into())).is_err());
}

#[wasm_bindgen_test]
fn preview_shows_the_exact_requests_with_the_token_masked() {
    let t = ghl_bridge::mapping::builtin_template("spothit-reply").unwrap();
    let p: Value = serde_wasm_bindgen::from_value(
        ghl_bridge_web::preview_event(
            t.mapping,
            t.sample,
            "form",
            "loc_1",
            1_795_341_600.0,
            Some(r#"[{"id": "c-9", "phone": "0692123456"}]"#.into()),
            None,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(p["ok"], true);
    let kinds: Vec<&str> = p["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["upsert", "tags", "note", "task"]);
    assert_eq!(
        p["requests"][0]["url"],
        "https://services.leadconnectorhq.com/contacts/upsert"
    );
    assert_eq!(p["requests"][0]["body"]["phone"], "+262692123456");
    assert_eq!(
        p["requests"][2]["url"],
        "https://services.leadconnectorhq.com/contacts/{contactId}/notes"
    );
    let auth = p["requests"][0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "Authorization")
        .unwrap();
    assert_eq!(auth[1], "Bearer ****");
    assert_eq!(p["identityKeys"][0], "phone:+262692123456");
    assert_eq!(p["decision"]["action"], "update");
    assert_eq!(
        p["decision"]["contactId"], "c-9",
        "matched by the Réunion phone"
    );

    let bad: Value = serde_wasm_bindgen::from_value(
        ghl_bridge_web::preview_event(
            "{\"version\": 1,\n\"fields\": [{\"to\": \"emial\", \"from\": \"e\"}]}",
            "{}",
            "json",
            "l",
            0.0,
            None,
            None,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["mappingErrors"][0]["line"], 2);
}

#[wasm_bindgen_test]
fn a_csv_batch_counts_rows_in_the_browser() {
    let t = ghl_bridge::mapping::builtin_template("spothit-contacts-csv").unwrap();
    let b: Value = serde_wasm_bindgen::from_value(
        ghl_bridge_web::preview_batch(t.mapping, t.sample, None, 1_795_341_600.0).unwrap(),
    )
    .unwrap();
    assert_eq!(b["ok"], true);
    assert_eq!(b["summary"]["rows"], 5);
    assert_eq!(b["summary"]["create"], 3);
    assert_eq!(b["summary"]["duplicateInFile"], 1);
    assert_eq!(b["summary"]["invalid"], 1);
    assert_eq!(b["rows"][3]["action"], "invalid");
    assert_eq!(b["rows"][3]["line"], 5);

    let bad: Value = serde_wasm_bindgen::from_value(
        ghl_bridge_web::preview_batch(t.mapping, "a,b\n1,2,3\n", None, 0.0).unwrap(),
    )
    .unwrap();
    assert_eq!(
        bad["payloadError"],
        "the payload is not valid CSV: line 2 has 3 cells but the header names 2 columns"
    );
}

#[wasm_bindgen_test]
async fn bridge_client_says_what_is_wrong() {
    assert!(ghl_bridge_web::BridgeClient::new("bridge.example", "t").is_err());
    assert!(ghl_bridge_web::BridgeClient::new("http://127.0.0.1:9", " ").is_err());
    // Nothing listens on port 9: the promise rejects with where it tried.
    let client = ghl_bridge_web::BridgeClient::new("http://127.0.0.1:9/", "secret-token").unwrap();
    let err = client.events(Some(5)).await.unwrap_err();
    let message = js_sys::Error::from(err).message().as_string().unwrap();
    assert!(
        message.starts_with("could not reach the Worker at http://127.0.0.1:9"),
        "{message}"
    );
    assert!(!message.contains("secret-token"));
}

/// Zones come from the browser's `Intl` in wasm: the answers must be the ones
/// the native tests check against jiff's database.
#[wasm_bindgen_test]
fn time_zones_from_intl_give_the_native_answers() {
    use ghl_bridge::mapping::dates::{convert, DateFormat, DateOutput};
    let at = |text: &str, zone: &str, output| {
        convert(&Value::from(text), DateFormat::Auto, Some(zone), output).unwrap()
    };
    let moment = DateOutput::Auto;
    let cases = [
        (
            "2026-07-01 10:00:00",
            "Europe/Paris",
            moment,
            "2026-07-01T08:00:00Z",
        ),
        (
            "2026-01-15 10:00:00",
            "Europe/Paris",
            moment,
            "2026-01-15T09:00:00Z",
        ),
        // Skipped by the spring change, then repeated by the autumn one.
        (
            "2026-03-29 02:30:00",
            "Europe/Paris",
            moment,
            "2026-03-29T01:30:00Z",
        ),
        (
            "2026-10-25 02:30:00",
            "Europe/Paris",
            moment,
            "2026-10-25T00:30:00Z",
        ),
        (
            "15/01/2026 10:30",
            "Indian/Reunion",
            moment,
            "2026-01-15T06:30:00Z",
        ),
        (
            "1990-09-25",
            "Europe/Paris",
            DateOutput::Datetime,
            "1990-09-24T22:00:00Z",
        ),
        // A moment's date where the zone is: already the next day in Réunion.
        (
            "2026-01-15T21:30:00Z",
            "Indian/Reunion",
            DateOutput::Date,
            "2026-01-16",
        ),
    ];
    for (text, zone, output, expected) in cases {
        assert_eq!(at(text, zone, output), expected, "{text} in {zone}");
    }
    let unknown = convert(
        &Value::from("2026-01-01"),
        DateFormat::Auto,
        Some("Mars/Base"),
        moment,
    );
    assert!(unknown.unwrap_err().contains("not a known time zone"));
}

/// The wasm build checks GHL's Ed25519 signatures with the browser's Web
/// Crypto: a delivery signed natively verifies, a tampered one does not.
#[wasm_bindgen_test]
async fn ghl_signatures_verify_with_web_crypto() {
    use ghl_bridge::ghl::webhooks::{verify_signature, GhlWebhookError, SIGNED_SAMPLE};
    let (key, body, signature) = SIGNED_SAMPLE;
    let verified = verify_signature(key, body.as_bytes(), Some(signature)).await;
    assert_eq!(verified, Ok(()));
    let tampered = body.replace("vip", "vop");
    let refused = verify_signature(key, tampered.as_bytes(), Some(signature)).await;
    assert_eq!(refused, Err(GhlWebhookError::BadSignature));
    let unsigned = verify_signature(key, body.as_bytes(), None).await;
    assert_eq!(unsigned, Err(GhlWebhookError::Unsigned));
}

#[wasm_bindgen_test]
fn case_from_the_platform_gives_the_native_answers() {
    use ghl_bridge::case;
    // The scripts people write names in, and Unicode's special cases.
    let ranges = [
        0xC0..0x250,    // Latin-1, Latin Extended-A and -B
        0x370..0x400,   // Greek
        0x400..0x530,   // Cyrillic
        0x531..0x588,   // Armenian
        0x10A0..0x1100, // Georgian
        0x1E00..0x2000, // Latin and Greek extended
        0xFB00..0xFB07, // ligatures (ﬀ -> FF)
    ];
    let mut checked = 0;
    for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
        let (mut upper, mut lower) = (String::new(), String::new());
        case::push_upper(&mut upper, c);
        case::push_lower(&mut lower, c);
        assert_eq!(upper, c.to_uppercase().collect::<String>(), "{c}");
        assert_eq!(lower, c.to_lowercase().collect::<String>(), "{c}");
        checked += 1;
    }
    assert!(checked > 1_500, "{checked}");
    for text in [
        "ΟΔΟΣ ΣΑΣ.",
        "Straße",
        "İstanbul",
        "Élodie D'ARTAGNAN",
        "ǅemal",
        "ŉ",
    ] {
        assert_eq!(case::lower(text), text.to_lowercase(), "{text}");
        assert_eq!(case::upper(text), text.to_uppercase(), "{text}");
    }
}
