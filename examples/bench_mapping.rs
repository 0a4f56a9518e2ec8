//! Native throughput of the mapping engine: parse payload + apply + identity and
//! idempotency keys, per event, on the web-form and Specter templates.
//! Run: `cargo run --release --example bench_mapping` (or `make bench-mapping`,
//! which also runs the wasm, JSONata and plain-JS sides).

use ghl_bridge::dedupe::idempotency_key;
use ghl_bridge::mapping::{
    builtin_template, compiled, parse_payload, ApplyOptions, Mapping, ParsedPayload, PayloadFormat,
};
use std::rc::Rc;
use std::time::Instant;

/// Distinct payloads, so nothing is cached across events.
fn payloads(template: &str, n: usize) -> Vec<String> {
    let sample: serde_json::Value =
        serde_json::from_str(builtin_template(template).unwrap().sample).unwrap();
    (0..n)
        .map(|i| {
            let mut p = sample.clone();
            let o = p.as_object_mut().unwrap();
            if template == "web-form" {
                o.insert("E-mail".into(), format!("Lead.{i}@Example.FR").into());
                o.insert(
                    "tel".into(),
                    format!("06 12 {:02} {:02} {:02}", i % 100, (i / 100) % 100, i % 97).into(),
                );
                o.insert("full_name".into(), format!("jean-{i} de la tour").into());
            } else {
                o.insert(
                    "email".into(),
                    format!("person{i}@octave-robotics.fr").into(),
                );
                o.insert("person_id".into(), format!("per_{i}").into());
                o.insert("full_name".into(), format!("Camille Martin{i}").into());
            }
            p.to_string()
        })
        .collect()
}

fn main() {
    println!("native mapping benchmark (parse payload + apply + keys per event)");
    for template in ["web-form", "specter-person"] {
        let t = builtin_template(template).unwrap();
        let started = Instant::now();
        let mapping = Mapping::parse(t.mapping).expect("valid template");
        let compile_us = started.elapsed().as_secs_f64() * 1e6;
        let events = payloads(template, 2_000);
        // As the Worker applies a mapping: no provenance.
        let opts = ApplyOptions {
            now_unix: 1_795_341_600,
            explain: false,
        };
        // Warm-up (phone metadata and time zones load lazily on first use).
        for e in events.iter().take(50) {
            let p = parse_payload(e, PayloadFormat::Json).unwrap();
            let _ = mapping.apply(&p, &opts);
        }
        let rounds = 5;
        let started = Instant::now();
        let mut warnings = 0;
        for _ in 0..rounds {
            for e in &events {
                let p = parse_payload(e, PayloadFormat::Json).unwrap();
                let out = mapping.apply(&p, &opts);
                let _key = idempotency_key("bench", None, &p);
                warnings += out.warnings.len() + out.errors.len();
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let n = (rounds * events.len()) as f64;
        println!(
            "  {template:<16} {:>9.0} events/s  {:>6.1} µs/event  (validate mapping once: {:.0} µs; {} warnings)",
            n / secs,
            secs / n * 1e6,
            compile_us,
            warnings
        );
        worker_mapping_per_event(t.mapping, &events, &opts);
    }
}

/// The consumer reads a source's mapping text for every event: compiling it
/// each time (as it did) against taking the compiled one the isolate keeps.
fn worker_mapping_per_event(text: &str, events: &[String], opts: &ApplyOptions) {
    let run = |get: &dyn Fn() -> Rc<Mapping>| {
        let started = Instant::now();
        for e in events {
            let mapping = get();
            let payload = ParsedPayload::parse(e, PayloadFormat::Json).unwrap();
            let _ = mapping.apply_to(&payload.view(), opts);
        }
        started.elapsed().as_secs_f64() / events.len() as f64 * 1e6
    };
    let parsed_each_time = run(&|| {
        Rc::new(
            Mapping::parse(text)
                .unwrap()
                .with_default_phone_region(Some("FR")),
        )
    });
    let kept = run(&|| compiled(text, Some("FR")).unwrap());
    println!(
        "    the Worker's mapping per event: compiled each time {parsed_each_time:.1} µs, kept compiled {kept:.1} µs ({:.1}x)",
        parsed_each_time / kept
    );
}
