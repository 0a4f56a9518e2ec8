//! Mappings compiled once per text and kept. The Worker reads a source's
//! mapping text for every event (an admin may have just changed it), and
//! parsing and checking that text costs many times what applying it does. The
//! text itself is the key: a changed mapping is compiled anew, an unchanged one
//! never again in the same isolate.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Mapping, MappingError};

/// How many compiled mappings an isolate keeps (a location has a handful of
/// sources); when more arrive, all are dropped and compiled again on use.
const KEPT: usize = 64;

struct Compiled {
    text: String,
    region: Option<String>,
    mapping: Rc<Mapping>,
}

thread_local! {
    static COMPILED: RefCell<Vec<Compiled>> = const { RefCell::new(Vec::new()) };
}

/// `text` parsed and checked, national phone numbers read in `region` when the
/// mapping names no region of its own: compiled on first use, then kept. An
/// invalid mapping is not kept (its events are parked, it is no hot path).
pub fn compiled(text: &str, region: Option<&str>) -> Result<Rc<Mapping>, Vec<MappingError>> {
    let kept = COMPILED.with(|all| {
        all.borrow()
            .iter()
            .find(|c| c.region.as_deref() == region && c.text == text)
            .map(|c| Rc::clone(&c.mapping))
    });
    if let Some(mapping) = kept {
        return Ok(mapping);
    }
    let mapping = Rc::new(Mapping::parse(text)?.with_default_phone_region(region));
    COMPILED.with(|all| {
        let mut all = all.borrow_mut();
        if all.len() >= KEPT {
            all.clear();
        }
        all.push(Compiled {
            text: text.to_string(),
            region: region.map(str::to_string),
            mapping: Rc::clone(&mapping),
        });
    });
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{builtin_template, parse_payload, ApplyOptions, PayloadFormat};

    const OPTS: ApplyOptions = ApplyOptions {
        now_unix: 1_795_341_600,
        explain: false,
    };

    #[test]
    fn the_same_text_is_compiled_once_a_changed_text_again() {
        let text = builtin_template("web-form").unwrap().mapping;
        let first = compiled(text, Some("FR")).unwrap();
        assert!(Rc::ptr_eq(&first, &compiled(text, Some("FR")).unwrap()));
        let edited = text.replacen("\"Web form\"", "\"Web form, edited\"", 1);
        assert!(!Rc::ptr_eq(&first, &compiled(&edited, Some("FR")).unwrap()));
        assert!(!Rc::ptr_eq(&first, &compiled(text, Some("BE")).unwrap()));
    }

    #[test]
    fn a_kept_mapping_gives_what_a_fresh_parse_gives() {
        let t = builtin_template("web-form").unwrap();
        let payload = parse_payload(t.sample, PayloadFormat::Json).unwrap();
        let fresh = Mapping::parse(t.mapping)
            .unwrap()
            .with_default_phone_region(Some("BE"))
            .apply(&payload, &OPTS);
        let _ = compiled(t.mapping, Some("BE")).unwrap();
        let kept = compiled(t.mapping, Some("BE"))
            .unwrap()
            .apply(&payload, &OPTS);
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            serde_json::to_value(&fresh).unwrap()
        );
    }

    #[test]
    fn an_invalid_mapping_says_why_every_time() {
        for _ in 0..2 {
            let errors =
                compiled(r#"{"version": 1, "fields": [{"to": "frstName"}]}"#, None).unwrap_err();
            assert!(!errors.is_empty());
        }
    }

    #[test]
    fn past_the_limit_all_are_dropped_and_compiled_again() {
        let text = builtin_template("spothit-reply").unwrap().mapping;
        let first = compiled(text, None).unwrap();
        for spaces in 1..=KEPT {
            // The same rules, another text: trailing spaces.
            compiled(&format!("{text}{}", " ".repeat(spaces)), None).unwrap();
        }
        assert!(!Rc::ptr_eq(&first, &compiled(text, None).unwrap()));
    }
}
