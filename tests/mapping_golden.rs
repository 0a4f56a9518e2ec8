//! The mapping's every answer, pinned: each built-in template applied to its
//! sample and to variations of it (keys in other cases, an exact key beside a
//! case-folded one, blanks, lists, nested objects, values a step refuses), with
//! the event's idempotency key. The fixture was written by the engine before its
//! fast path; any change to an outcome, a provenance line, a warning or a key
//! shows here as a diff. `UPDATE_GOLDEN=1 cargo test --test mapping_golden`
//! rewrites it (only when an answer is meant to change).

use ghl_bridge::dedupe::idempotency_key;
use ghl_bridge::mapping::{parse_payload, ApplyOptions, Mapping, TEMPLATES};
use serde_json::{json, Map, Value};

const NOW: i64 = 1_795_341_600;
const FIXTURE: &str = "tests/fixtures/mapping-golden.json";

/// One top-level entry (its index, key and value) into the entries written instead.
type Rewrite<'a> = &'a dyn Fn(usize, &str, &Value) -> Vec<(String, Value)>;

/// The sample's top-level keys rewritten in deterministic ways.
fn variations(sample: &Value) -> Vec<Value> {
    let Some(object) = sample.as_object() else {
        return vec![sample.clone()];
    };
    let rewrite = |f: Rewrite| {
        let mut out = Map::new();
        for (i, (k, v)) in object.iter().enumerate() {
            for (k, v) in f(i, k, v) {
                out.insert(k, v);
            }
        }
        Value::Object(out)
    };
    vec![
        sample.clone(),
        rewrite(&|_, k, v| vec![(k.to_uppercase(), v.clone())]),
        rewrite(&|i, k, v| {
            // Both spellings: the exact key must win over the case-folded one.
            let other = json!(format!("other-{i}"));
            vec![(k.to_string(), v.clone()), (k.to_uppercase(), other)]
        }),
        rewrite(&|i, k, v| match i % 3 {
            0 => vec![(k.to_string(), json!("   "))],
            1 => vec![(k.to_string(), json!([v.clone(), "second"]))],
            _ => vec![(k.to_string(), json!({"nested": v.clone()}))],
        }),
        rewrite(&|i, k, v| match i % 4 {
            0 => vec![(k.to_string(), json!(12345))],
            1 => vec![(k.to_string(), json!(true))],
            2 => vec![(k.to_string(), Value::Null)],
            _ => vec![(k.to_string(), v.clone())],
        }),
        rewrite(&|i, k, v| {
            let mut kept = vec![(k.to_string(), v.clone())];
            if i == 0 {
                kept.push(("E-Mail".into(), json!("Someone.Else@Example.com")));
                kept.push(("TEL".into(), json!("+44 20 7946 0958")));
                kept.push(("date_of_birth".into(), json!("1990-13-45")));
                kept.push(("utm_campaign".into(), json!("  Hiver 2027 ")));
                kept.push(("gdpr".into(), json!("OUI")));
                kept.push(("pays".into(), json!("Atlantis")));
            }
            kept
        }),
    ]
}

fn answers() -> Value {
    let mut all = Map::new();
    for t in TEMPLATES {
        let mapping = Mapping::parse(t.mapping).expect("valid template");
        let sample = parse_payload(t.sample, t.format).expect("sample parses");
        let cases: Vec<Value> = variations(&sample)
            .iter()
            .map(|payload| {
                let out = mapping.apply(
                    payload,
                    &ApplyOptions {
                        now_unix: NOW,
                        explain: true,
                    },
                );
                json!({
                    "payload": payload,
                    "outcome": out,
                    "key": idempotency_key(t.id, Some("evt_1"), payload),
                })
            })
            .collect();
        all.insert(t.id.to_string(), Value::Array(cases));
    }
    Value::Object(all)
}

#[test]
fn every_answer_matches_the_pinned_fixture() {
    let now = answers();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(FIXTURE, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
        return;
    }
    let pinned: Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture exists")).unwrap();
    for (id, cases) in pinned.as_object().unwrap() {
        for (i, case) in cases.as_array().unwrap().iter().enumerate() {
            assert_eq!(
                &now[id][i], case,
                "template {id}, case {i}: the answer moved"
            );
        }
    }
    assert_eq!(now, pinned);
}
