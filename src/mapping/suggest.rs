//! "Suggest a mapping": rules for a sample payload, from the field names real
//! forms use, in French and English. The synonyms are the web-form
//! template's own (`templates/web-form.json`), so the suggestion and the
//! template never disagree: each template rule that reads one of the payload's
//! names becomes a rule reading that name, with the template's transforms.

use super::templates::template;
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The mapping document, as JSON text.
    pub mapping: String,
    /// The payload's names no rule reads (offered to map by hand).
    pub unmatched: Vec<String>,
}

/// Names compare without case, accents' absence aside, and with `-`, `_`
/// and spaces alike (`E-mail`, `e_mail`, `e mail`).
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars().filter(|c| !matches!(c, '-' | '_' | ' ')) {
            crate::case::push_lower(&mut out, c);
        }
        out
    };
    norm(a) == norm(b)
}

/// The payload name a rule's `from` paths match, if any.
fn matching<'a>(rule: &Value, names: &'a [String]) -> Option<&'a String> {
    let paths: Vec<&str> = match rule.get("from") {
        Some(Value::String(p)) => vec![p.as_str()],
        Some(Value::Array(ps)) => ps.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    names.iter().find(|n| paths.iter().any(|p| same_name(p, n)))
}

/// The name a rule's condition tests, if the payload has it.
fn condition_on<'a>(rule: &Value, names: &'a [String]) -> Option<&'a String> {
    let path = rule.pointer("/when/path")?.as_str()?;
    names.iter().find(|n| same_name(path, n))
}

/// A suggested mapping for `payload` (its top-level names are what count).
pub fn suggest(payload: &Value) -> Suggestion {
    let names: Vec<String> = payload
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let web_form: Value = template("web-form")
        .and_then(|t| serde_json::from_str(t.mapping).ok())
        .unwrap_or_default();
    let mut read: Vec<&String> = Vec::new();
    let rules = |section: &str| -> Vec<Value> {
        web_form
            .get(section)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };

    let mut fields = Vec::new();
    for mut rule in rules("fields") {
        if let Some(name) = matching(&rule, &names) {
            rule["from"] = json!(name);
            read.push(name);
            fields.push(rule);
        }
    }
    // A tag or a note the template adds when a name is present (consent, message).
    let mut conditional = |section: &str| -> Vec<Value> {
        let mut kept = Vec::new();
        for mut rule in rules(section) {
            let reads = matching(&rule, &names).or_else(|| condition_on(&rule, &names));
            if let Some(name) = reads {
                if let Some(path) = rule.pointer_mut("/when/path") {
                    *path = json!(name);
                }
                if rule.get("from").is_some() {
                    rule["from"] = json!(name);
                }
                if let Some(Value::String(text)) = rule.get_mut("template") {
                    *text = retarget_placeholders(text, &names);
                }
                read.push(name);
                kept.push(rule);
            }
        }
        kept
    };
    let tags = conditional("tags");
    let notes = conditional("notes");

    let unmatched: Vec<String> = names
        .iter()
        .filter(|n| !read.contains(n))
        .cloned()
        .collect();
    let mut doc = Map::new();
    doc.insert("version".into(), json!(1));
    doc.insert("name".into(), json!("Suggested mapping"));
    if let Some(settings) = web_form.get("settings") {
        doc.insert("settings".into(), settings.clone());
    }
    doc.insert("fields".into(), Value::Array(fields));
    doc.insert("tags".into(), Value::Array(tags));
    doc.insert("notes".into(), Value::Array(notes));
    Suggestion {
        mapping: serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default(),
        unmatched,
    }
}

/// `{message}` in a template becomes `{Message}` when that is how the payload spells it.
fn retarget_placeholders(text: &str, names: &[String]) -> String {
    let mut out = text.to_string();
    for name in names {
        for (start, _) in text.match_indices('{') {
            let Some(end) = text[start..].find('}') else {
                continue;
            };
            let inner = &text[start + 1..start + end];
            if inner != name && same_name(inner, name) {
                out = out.replace(&format!("{{{inner}}}"), &format!("{{{name}}}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;

    fn rules_for(payload: Value) -> (Value, Vec<String>) {
        let s = suggest(&payload);
        Mapping::parse(&s.mapping).expect("a suggestion is a valid mapping");
        (serde_json::from_str(&s.mapping).unwrap(), s.unmatched)
    }

    fn targets(doc: &Value) -> Vec<(String, String)> {
        doc["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let from = r["from"].as_str().unwrap_or("").to_string();
                (r["to"].as_str().unwrap().to_string(), from)
            })
            .collect()
    }

    #[test]
    fn french_and_english_names_find_their_ghl_fields() {
        let (doc, unmatched) = rules_for(json!({
            "Courriel": "a@b.fr", "téléphone": "0612345678", "prénom": "Anne", "nom": "Le Guen",
            "societe": "ACME", "code_postal": "75001", "utm_source": "google", "numero_client": "C-12"
        }));
        let t = targets(&doc);
        for pair in [
            ("email", "Courriel"),
            ("phone", "téléphone"),
            ("firstName", "prénom"),
            ("lastName", "nom"),
            ("companyName", "societe"),
            ("postalCode", "code_postal"),
            ("customField.utm_source", "utm_source"),
        ] {
            assert!(
                t.contains(&(pair.0.into(), pair.1.into())),
                "{pair:?} in {t:?}"
            );
        }
        assert_eq!(unmatched, ["numero_client"]);
    }

    #[test]
    fn a_full_name_fills_first_and_last_and_a_message_becomes_a_note() {
        let (doc, _) = rules_for(json!({"Full-Name": "Jean de la Tour", "E-mail": "j@t.fr",
            "Message": "Rappelez-moi", "consent": "oui"}));
        let t = targets(&doc);
        assert!(t.contains(&("firstName".into(), "Full-Name".into())));
        assert!(t.contains(&("lastName".into(), "Full-Name".into())));
        assert!(t.contains(&("email".into(), "E-mail".into())));
        let note = doc["notes"][0]["template"].as_str().unwrap();
        assert!(note.contains("{Message}"), "{note}");
        assert_eq!(doc["notes"][0]["when"]["path"], "Message");
        assert_eq!(doc["tags"][0]["when"]["path"], "consent");
    }

    #[test]
    fn nothing_recognised_leaves_the_names_to_map_by_hand() {
        let s = suggest(&json!({"foo": 1}));
        let doc: Value = serde_json::from_str(&s.mapping).unwrap();
        assert_eq!(doc["fields"], json!([]));
        assert_eq!(s.unmatched, ["foo"]);
        // The mapping then says what is missing, as any mapping would.
        let errors = Mapping::parse(&s.mapping).unwrap_err();
        assert!(errors[0]
            .message
            .contains("no rule fills `email` or `phone`"));
        assert!(suggest(&json!("not an object")).unmatched.is_empty());
    }
}
