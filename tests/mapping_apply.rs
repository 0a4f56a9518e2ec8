//! Applying and explaining: provenance, fallbacks, conditions, and warnings for
//! every value the mapping refuses.

use ghl_bridge::mapping::{ApplyOptions, Mapping, MappingOutcome};
use serde_json::{json, Value};

fn apply(mapping: &str, payload: Value) -> MappingOutcome {
    Mapping::parse(mapping)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .apply(
            &payload,
            &ApplyOptions {
                now_unix: 1_795_341_600,
                explain: true,
            },
        )
}

#[test]
fn a_refused_value_is_a_warning_not_a_silent_drop() {
    let out = apply(
        r#"{"version": 1, "settings": {"phoneRegion": "FR"},
        "fields": [{"to": "email", "from": "email"}, {"to": "phone", "from": "tel"}]}"#,
        json!({"email": "not-an-email", "tel": "0612"}),
    );
    assert_eq!(out.warnings.len(), 2, "{:#?}", out.warnings);
    assert_eq!(out.warnings[0].target.as_deref(), Some("email"));
    assert!(out.warnings[0]
        .message
        .contains("`not-an-email` from `email` was dropped at step `email (automatic)`"));
    assert!(out.warnings[1]
        .message
        .contains("not a valid phone number for region FR"));
    assert_eq!(
        out.errors.len(),
        1,
        "and without identity the event cannot sync"
    );
}

#[test]
fn fallback_rules_fill_in_order_and_unused_ones_are_shown() {
    let mapping = r#"{"version": 1, "fields": [
        {"to": "email", "from": "email"},
        {"to": "firstName", "from": "prenom"},
        {"to": "firstName", "from": "name", "transforms": ["firstName"]}]}"#;
    let out = apply(mapping, json!({"email": "a@b.fr", "name": "Ana Lima"}));
    assert_eq!(out.contact.fields.first_name.as_deref(), Some("Ana"));
    let both = apply(
        mapping,
        json!({"email": "a@b.fr", "prenom": "Zoé", "name": "Ana Lima"}),
    );
    assert_eq!(both.contact.fields.first_name.as_deref(), Some("Zoé"));
    let unused: Vec<_> = both.provenance.iter().filter(|p| !p.used).collect();
    assert_eq!(unused.len(), 1);
    assert_eq!(&*unused[0].rule, "/fields/2");
    assert_eq!(unused[0].value, "Ana");
}

#[test]
fn provenance_records_path_raw_value_and_steps() {
    let out = apply(
        r#"{"version": 1, "fields": [{"to": "email", "from": ["mail", "contact.email"], "transforms": ["trim"]},
           {"to": "customField.budget", "from": "budget", "transforms": [{"to": "number"}]},
           {"to": "dateOfBirth", "from": "dob", "transforms": [{"date": {"format": "dmy", "output": "date"}}]}]}"#,
        json!({"contact": {"email": " Ana@B.FR "}, "budget": "1 500,50", "dob": "25/09/1990"}),
    );
    let email = &out.provenance[0];
    assert_eq!(
        (&*email.source, email.raw.clone()),
        ("contact.email", json!(" Ana@B.FR "))
    );
    assert_eq!(*email.steps, ["trim", "email (automatic)"]);
    assert_eq!(email.value, "ana@b.fr");
    assert_eq!(out.provenance[1].value, json!(1500.5));
    assert_eq!(
        serde_json::to_value(&out.contact).unwrap()["dateOfBirth"],
        "1990-09-25"
    );
}

#[test]
fn conditions_set_tags_and_fields_when_a_value_matches() {
    let mapping = r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
        {"to": "customField.tier", "value": "gold", "when": {"path": "amount", "in": ["1000", "5000"]}},
        {"to": "dnd", "value": true, "when": {"path": "optout", "exists": true}}],
      "tags": [{"value": "vip", "when": {"path": "plan", "equals": "PREMIUM"}},
               {"value": "no-company", "when": {"path": "company", "exists": true, "not": true}},
               {"value": "gmail", "when": {"path": "email", "contains": "@gmail."}}]}"#;
    let out = apply(
        mapping,
        json!({"email": "a@gmail.com", "plan": " premium ", "amount": 5000}),
    );
    assert_eq!(out.tags, vec!["vip", "no-company", "gmail"]);
    assert_eq!(
        out.contact.fields.custom_fields.as_ref().unwrap()[0].field_value,
        "gold"
    );
    assert_eq!(out.contact.fields.dnd, None);
    let out = apply(
        mapping,
        json!({"email": "a@b.fr", "company": "X", "optout": "yes"}),
    );
    assert!(out.tags.is_empty());
    assert_eq!(out.contact.fields.dnd, Some(true));
}

#[test]
fn lookup_tables_templates_and_list_tags() {
    let out = apply(
        r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
            {"to": "name", "template": "{prenom} {nom}"},
            {"to": "country", "from": "pays", "transforms": [{"lookup": {"table": {"France": "FR", "Belgique": "BE"}}}]}],
          "tags": [{"from": "interests"}]}"#,
        json!({"email": "a@b.fr", "prenom": "Jean", "nom": "Dupont", "pays": "belgique", "interests": ["solar", "Solar", "heat pump"]}),
    );
    assert_eq!(out.contact.fields.name.as_deref(), Some("Jean Dupont"));
    assert_eq!(out.contact.fields.country.as_deref(), Some("BE"));
    assert_eq!(
        out.tags,
        vec!["solar", "heat pump"],
        "one tag per element, deduplicated ignoring case"
    );
}

#[test]
fn tasks_and_appointments_use_the_event_time_and_zone() {
    let out = apply(
        r#"{"version": 1, "settings": {"timezone": "Europe/Paris"}, "fields": [{"to": "email", "from": "email"}],
          "tasks": [{"title": "Call {prenom}", "body": "About: {sujet}", "dueIn": "1d", "assignedTo": "user_1"}],
          "appointments": [{"calendarId": "cal_1", "start": {"from": "rdv", "transforms": [{"date": {"format": "dmy"}}]},
                            "durationMinutes": 45, "title": "Visite {prenom}"}]}"#,
        json!({"email": "a@b.fr", "prenom": "Ana", "rdv": "24/11/2026 14:30"}),
    );
    let task = &out.tasks[0];
    assert_eq!(
        (task.title.as_str(), task.due_date.as_str()),
        ("Call Ana", "2026-11-23T10:00:00Z")
    );
    assert_eq!(
        task.body.as_deref(),
        Some("About:"),
        "a missing placeholder renders empty"
    );
    let appt = &out.appointments[0];
    assert_eq!(
        appt.start_time, "2026-11-24T13:30:00Z",
        "14:30 in Paris in November is 13:30 UTC"
    );
    assert_eq!(appt.end_time, "2026-11-24T14:15:00Z");
    assert_eq!(appt.title.as_deref(), Some("Visite Ana"));
}

#[test]
fn upsert_body_leaves_tags_out_because_upsert_replaces_them() {
    let out = apply(
        r#"{"version": 1, "fields": [{"to": "email", "from": "email"}, {"to": "companyName", "from": "co"}], "tags": [{"value": "x"}]}"#,
        json!({"email": "a@b.fr", "co": "ACME"}),
    );
    let body = serde_json::to_value(out.contact.to_upsert_body("loc_1")).unwrap();
    assert_eq!(
        body,
        json!({"locationId": "loc_1", "companyName": "ACME", "email": "a@b.fr"})
    );
}

#[test]
fn a_default_region_applies_only_when_the_mapping_names_none() {
    let opts = ApplyOptions {
        now_unix: 0,
        explain: true,
    };
    let plain =
        Mapping::parse(r#"{"version": 1, "fields": [{"to": "phone", "from": "tel"}]}"#).unwrap();
    let out = plain.clone().apply(&json!({"tel": "0612345678"}), &opts);
    assert!(
        out.contact.fields.phone.is_none(),
        "no region: dropped with a warning"
    );
    assert_eq!(out.warnings.len(), 1);
    let out = plain
        .with_default_phone_region(Some("FR"))
        .apply(&json!({"tel": "0612345678"}), &opts);
    assert_eq!(out.contact.fields.phone.as_deref(), Some("+33612345678"));
    let belgian = Mapping::parse(r#"{"version": 1, "settings": {"phoneRegion": "BE"}, "fields": [{"to": "phone", "from": "tel"}]}"#)
        .unwrap()
        .with_default_phone_region(Some("FR"));
    let out = belgian.apply(&json!({"tel": "0470 12 34 56"}), &opts);
    assert_eq!(
        out.contact.fields.phone.as_deref(),
        Some("+32470123456"),
        "the mapping's own region wins"
    );
}

#[test]
fn memberships_removed_tags_and_followers_follow_their_conditions() {
    let mapping = r#"{"version": 1, "settings": {"phoneRegion": "FR"},
        "fields": [{"to": "phone", "from": "numero"}],
        "removeTags": [{"value": "sms:waiting"}, {"from": "old_tags"}],
        "workflows": [{"enrol": "wf_oui", "when": {"path": "message", "in": ["oui", "yes"]}},
                      {"leave": "wf_relance"}],
        "campaigns": [{"leaveAll": true, "when": {"path": "message", "equals": "stop"}}],
        "followers": [{"add": ["usr_1", "usr_2"]}, {"add": ["usr_1"]}]}"#;
    let out = apply(
        mapping,
        json!({"numero": "0612345678", "message": " Oui ", "old_tags": ["a", "b"]}),
    );
    assert_eq!(out.removed_tags, ["sms:waiting", "a", "b"]);
    let memberships = serde_json::to_value(&out.memberships).unwrap();
    assert_eq!(
        memberships,
        json!([{"list": "workflow", "change": "enrol", "id": "wf_oui"},
               {"list": "workflow", "change": "leave", "id": "wf_relance"}])
    );
    assert_eq!(out.followers, ["usr_1", "usr_2"]);
    assert!(out.tags.is_empty(), "removed tags are not added ones");

    let out = apply(mapping, json!({"numero": "0612345678", "message": "STOP"}));
    let memberships = serde_json::to_value(&out.memberships).unwrap();
    assert_eq!(
        memberships,
        json!([{"list": "workflow", "change": "leave", "id": "wf_relance"},
               {"list": "campaign", "change": "leaveAll"}])
    );
}
