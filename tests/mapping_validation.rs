//! Validation: every error class, with its pointer, line and column.

use ghl_bridge::mapping::{Mapping, MappingError};

fn errors(text: &str) -> Vec<MappingError> {
    match Mapping::parse(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

fn one(text: &str) -> MappingError {
    let mut e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.remove(0)
}

const OK_FIELD: &str = r#"{"to": "email", "from": "email"}"#;

#[test]
fn syntax_error_points_at_the_line() {
    let e = one("{\n  \"version\": 1,\n  \"fields\": [\n    {\"to\": \"email\" \"from\": \"email\"}\n  ]\n}");
    assert_eq!(e.line, 4, "{e:?}");
    assert!(e.message.contains("not valid JSON"), "{e:?}");
}

#[test]
fn comments_and_trailing_commas_are_allowed() {
    let text = "{\n // a comment\n \"version\": 1,\n \"fields\": [{\"to\": \"email\", \"from\": \"email\"},],\n}";
    assert!(Mapping::parse(text).is_ok());
}

#[test]
fn unknown_target_field() {
    let text = format!("{{\n  \"version\": 1,\n  \"fields\": [\n    {OK_FIELD},\n    {{\"to\": \"frstName\", \"from\": \"prenom\"}}\n  ]\n}}");
    let e = one(&text);
    assert_eq!(e.pointer, "/fields/1/to");
    assert_eq!((e.line, e.column), (5, 12));
    assert!(
        e.message.contains("Did you mean `firstName`?"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_transform() {
    let text = format!("{{\"version\": 1,\n\"fields\": [{OK_FIELD},\n{{\"to\": \"city\", \"from\": \"ville\", \"transforms\": [\"trim\", \"uppercse\"]}}]}}");
    let e = one(&text);
    assert_eq!(e.pointer, "/fields/1/transforms/1");
    assert_eq!(e.line, 3);
    assert!(
        e.message.contains("Did you mean `uppercase`?"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_setting_key_points_at_the_key() {
    let text = format!("{{\"version\": 1, \"fields\": [{OK_FIELD},\n  {{\"to\": \"city\", \"form\": \"ville\"}}]}}");
    let e = one(&text);
    assert_eq!(e.pointer, "/fields/1/form");
    assert_eq!((e.line, e.column), (2, 18));
    assert!(e.message.contains("Did you mean `from`?"), "{}", e.message);
}

#[test]
fn a_key_given_twice_points_at_the_second() {
    let text = "{\"version\": 1, \"fields\": [\n  {\"to\": \"email\", \"from\": \"a\",\n   \"from\": \"b\"}]}";
    let e = one(text);
    assert_eq!(e.pointer, "/fields/0/from");
    assert_eq!((e.line, e.column), (3, 4));
    assert!(e.message.contains("`from` is given twice"), "{}", e.message);
}

#[test]
fn unknown_source_field_when_the_source_declares_its_fields() {
    let text = r#"{"version": 1, "sourceFields": ["numero", "message"],
  "fields": [{"to": "phone", "from": "numro"}]}"#;
    let e = one(text);
    assert_eq!(e.pointer, "/fields/0/from");
    assert!(
        e.message.contains("no field `numro`") && e.message.contains("Did you mean `numero`?"),
        "{}",
        e.message
    );
    // Placeholders in templates and condition paths are checked too.
    let text = r#"{"version": 1, "sourceFields": ["numero"], "fields": [{"to": "phone", "from": "numero"}],
  "notes": [{"template": "{mesage}"}], "tags": [{"value": "x", "when": {"path": "statu", "equals": "4"}}]}"#;
    let pointers: Vec<String> = errors(text).into_iter().map(|e| e.pointer).collect();
    assert_eq!(pointers, vec!["/tags/0/when/path", "/notes/0/template"]);
}

#[test]
fn type_mismatch() {
    let text = r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
  {"to": "dnd", "from": "stop", "transforms": ["trim"]},
  {"to": "city", "value": ["Paris", "Lyon"]}]}"#;
    let e = errors(text);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(e[0].pointer, "/fields/1");
    assert!(
        e[0].message
            .contains("takes true/false, but this rule produces text"),
        "{}",
        e[0].message
    );
    assert!(e[0].message.contains("{\"to\": \"boolean\"}"));
    assert_eq!(e[1].pointer, "/fields/2");
    assert!(e[1].message.contains("join"), "{}", e[1].message);
}

#[test]
fn missing_identity() {
    let e = one(r#"{"version": 1, "fields": [{"to": "firstName", "from": "prenom"}]}"#);
    assert_eq!(e.pointer, "/fields");
    assert!(
        e.message.contains("no rule fills `email` or `phone`"),
        "{}",
        e.message
    );
}

#[test]
fn rule_needs_exactly_one_source() {
    let e = errors(
        r#"{"version": 1, "fields": [{"to": "email", "from": "a", "value": "b"}, {"to": "phone"}]}"#,
    );
    assert!(e[0].message.contains("only one of"));
    assert!(e[1].message.contains("has no value"));
}

#[test]
fn bad_settings_regions_zones_durations_and_versions() {
    let text = r#"{"version": 2, "settings": {"phoneRegion": "XX", "timezone": "Mars/Olympus"},
  "fields": [{"to": "email", "from": "email"}, {"to": "phone", "from": "tel", "transforms": [{"phone": {"region": "ZZ"}}]}],
  "tasks": [{"title": "Call", "dueIn": "tomorrow"}]}"#;
    let pointers: Vec<String> = errors(text).into_iter().map(|e| e.pointer).collect();
    assert_eq!(
        pointers,
        vec![
            "/version",
            "/settings/phoneRegion",
            "/settings/timezone",
            "/fields/1/transforms/0",
            "/tasks/0/dueIn"
        ]
    );
}

#[test]
fn wrong_value_kinds_and_missing_keys() {
    let e = one(r#"{"version": 1, "fields": [{"from": "email"}]}"#);
    assert!(e.message.contains("needs `to`"), "{}", e.message);
    let e = one(r#"{"version": 1, "fields": [{"to": "email", "from": 3}]}"#);
    assert!(e.message.contains("source path"), "{}", e.message);
    assert_eq!(e.pointer, "/fields/0/from");
    let e = one(r#"{"version": "one"}"#);
    assert_eq!(e.pointer, "/version");
}

#[test]
fn bad_templates_say_where() {
    let e = one(
        r#"{"version": 1, "fields": [{"to": "email", "from": "email"}], "notes": [{"template": "Hi {prenom"}]}"#,
    );
    assert_eq!(e.pointer, "/notes/0/template");
    assert!(e.message.contains("no closing"), "{}", e.message);
}

#[test]
fn an_empty_document_is_explained() {
    assert!(one("").message.contains("empty"));
    assert!(one("[]").message.contains("must be a JSON object"));
}

#[test]
fn a_membership_rule_gives_exactly_one_change_with_an_id() {
    let e = one(&format!(
        "{{\"version\": 1, \"fields\": [{OK_FIELD}],\n\"workflows\": [{{\"enrol\": \"wf_1\", \"leave\": \"wf_2\"}}]}}"
    ));
    assert_eq!(e.pointer, "/workflows/0");
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("exactly one of `enrol` or `leave`"),
        "{e:?}"
    );

    let e = one(&format!(
        "{{\"version\": 1, \"fields\": [{OK_FIELD}], \"workflows\": [{{\"leaveAll\": true}}]}}"
    ));
    assert_eq!(e.pointer, "/workflows/0/leaveAll");
    assert!(e.message.contains("for campaigns"), "{e:?}");

    let e = one(&format!(
        "{{\"version\": 1, \"fields\": [{OK_FIELD}], \"campaigns\": [{{\"enrol\": \" \"}}]}}"
    ));
    assert_eq!(e.pointer, "/campaigns/0/enrol");
    assert!(e.message.contains("id of the GHL campaign"), "{e:?}");

    let e = one(&format!(
        "{{\"version\": 1, \"fields\": [{OK_FIELD}], \"followers\": [{{\"add\": []}}]}}"
    ));
    assert_eq!(e.pointer, "/followers/0/add");
}

#[test]
fn a_membership_condition_reads_a_declared_field() {
    let e = one(&format!(
        "{{\"version\": 1, \"sourceFields\": [\"email\", \"message\"], \"fields\": [{OK_FIELD}],\n\"campaigns\": [{{\"enrol\": \"c1\", \"when\": {{\"path\": \"mesage\", \"equals\": \"oui\"}}}}]}}"
    ));
    assert_eq!(e.pointer, "/campaigns/0/when/path");
    assert!(e.message.contains("Did you mean `message`?"), "{e:?}");
}
