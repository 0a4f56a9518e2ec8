//! `normalise_phone` against 11,000 numbers whose answers Python's
//! `phonenumbers` computed (scripts/phone/corpus.py): every one must agree.

use ghl_bridge::dedupe::normalise::normalise_phone;

#[test]
fn agrees_with_python_phonenumbers_on_the_whole_corpus() {
    let corpus = include_str!("fixtures/phone-corpus.csv");
    let mut reader = csv::Reader::from_reader(corpus.as_bytes());
    let mut total = 0;
    let mut disagreements = Vec::new();
    for row in reader.records() {
        let row = row.expect("a corpus row");
        let (input, region, expected) = (&row[0], &row[1], &row[2]);
        let region = (!region.is_empty()).then_some(region);
        let ours = normalise_phone(input, region).unwrap_or_default();
        if ours != expected {
            disagreements.push(format!(
                "{input:?} in {region:?}: ours {ours:?}, phonenumbers {expected:?}"
            ));
        }
        // The mapping relies on this: an answer normalises to itself, in any
        // region (so `Mapping::apply` does not parse its phone twice).
        if !ours.is_empty() {
            for again_in in [region, Some("FR"), Some("US"), None] {
                let again = normalise_phone(&ours, again_in).unwrap_or_default();
                if again != ours {
                    disagreements.push(format!(
                        "{ours:?} in {again_in:?} normalises to {again:?}, not to itself"
                    ));
                }
            }
        }
        total += 1;
    }
    assert!(total >= 10_000, "the corpus has {total} numbers");
    assert!(
        disagreements.is_empty(),
        "{} of {total} disagree:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
}
