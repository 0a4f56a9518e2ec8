//! A fresh process's first phone normalisations, natively (bench-mapping runs it).
use std::time::Instant;

fn main() {
    let numbers = [
        ("06 12 34 56 78", "FR"),
        ("+1 415 555 2671", "FR"),
        ("0692 12 34 56", "FR"),
    ];
    for (text, region) in numbers {
        let start = Instant::now();
        let e164 =
            ghl_bridge::dedupe::normalise::normalise_phone(text, Some(region)).unwrap_or_default();
        println!(
            "{text:>18} -> {e164:<14} {:>8.1} µs",
            start.elapsed().as_secs_f64() * 1e6
        );
    }
}
