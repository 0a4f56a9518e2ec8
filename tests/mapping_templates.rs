//! Every built-in template, applied to its realistic sample payload.

use ghl_bridge::ghl::contacts::DndStatus;
use ghl_bridge::mapping::{
    builtin_template, parse_payload, ApplyOptions, Mapping, MappingOutcome, TEMPLATES,
};

/// 2026-11-22T10:00:00Z
const NOW: i64 = 1_795_341_600;

fn run(id: &str) -> MappingOutcome {
    let t = builtin_template(id).unwrap_or_else(|| panic!("no template {id}"));
    let mapping = Mapping::parse(t.mapping).unwrap_or_else(|e| panic!("{id} invalid: {e:?}"));
    let payload = parse_payload(t.sample, t.format).unwrap();
    mapping.apply(
        &payload,
        &ApplyOptions {
            now_unix: NOW,
            explain: true,
        },
    )
}

fn custom(out: &MappingOutcome, key: &str) -> Option<serde_json::Value> {
    out.contact
        .fields
        .custom_fields
        .as_ref()?
        .iter()
        .find(|c| c.key.as_deref() == Some(key))
        .map(|c| c.field_value.clone())
}

#[test]
fn every_template_is_valid_and_its_sample_syncs_without_warnings() {
    assert_eq!(TEMPLATES.len(), 8);
    for t in TEMPLATES {
        let out = run(t.id);
        assert!(out.errors.is_empty(), "{}: {:?}", t.id, out.errors);
        assert!(out.warnings.is_empty(), "{}: {:?}", t.id, out.warnings);
        assert!(!out.identity.is_empty(), "{}", t.id);
    }
}

#[test]
fn web_form_sample() {
    let out = run("web-form");
    let c = &out.contact.fields;
    assert_eq!(c.email.as_deref(), Some("jean-pierre.delatour@example.fr"));
    assert_eq!(c.phone.as_deref(), Some("+33612345678"));
    assert_eq!(c.first_name.as_deref(), Some("Jean-Pierre"));
    assert_eq!(c.last_name.as_deref(), Some("de la Tour"));
    assert_eq!(
        out.contact.company_name.as_deref(),
        Some("Atelier Delatour")
    );
    assert_eq!(c.source.as_deref(), Some("Web form"));
    assert_eq!(c.address1.as_deref(), Some("12 rue des Lilas"));
    assert_eq!(c.postal_code.as_deref(), Some("97400"));
    assert_eq!(c.city.as_deref(), Some("Saint-Denis"));
    assert_eq!(
        c.country.as_deref(),
        Some("RE"),
        "a country name becomes its code"
    );
    assert_eq!(
        serde_json::to_value(&c.date_of_birth).unwrap(),
        serde_json::json!("1990-09-25")
    );
    assert_eq!(custom(&out, "utm_source"), Some("google".into()));
    assert_eq!(custom(&out, "utm_campaign"), Some("Printemps-2026".into()));
    assert_eq!(
        out.tags,
        vec!["web-form", "campaign:printemps-2026", "consent:yes"]
    );
    assert_eq!(out.notes.len(), 1);
    assert!(out.notes[0].body.ends_with("un devis pour 3 fenêtres."));
    assert_eq!(
        out.unmapped,
        vec!["page"],
        "fields no rule reads are reported"
    );
    let email = out
        .provenance
        .iter()
        .find(|p| &*p.target == "email")
        .unwrap();
    assert_eq!(
        &*email.source, "e-mail",
        "matched `E-mail` case-insensitively"
    );
    assert_eq!(*email.steps, ["email (automatic)"]);
}

#[test]
fn web_form_accepts_the_field_names_real_forms_use() {
    let t = builtin_template("web-form").unwrap();
    let mapping = Mapping::parse(t.mapping).unwrap();
    let opts = ApplyOptions {
        now_unix: NOW,
        explain: true,
    };
    for (payload, first, last) in [
        (
            serde_json::json!({"firstName": "ana", "lastName": "LIMA", "email": "a@b.fr"}),
            "Ana",
            "Lima",
        ),
        (
            serde_json::json!({"first_name": "Ana", "last_name": "Lima", "mail": "a@b.fr"}),
            "Ana",
            "Lima",
        ),
        (
            serde_json::json!({"prenom": "Ana", "nom": "Lima", "courriel": "a@b.fr"}),
            "Ana",
            "Lima",
        ),
        (
            serde_json::json!({"fullName": "Ana Lima", "email": "a@b.fr"}),
            "Ana",
            "Lima",
        ),
        (
            serde_json::json!({"name": "Ana Lima", "mobile": "0612345678"}),
            "Ana",
            "Lima",
        ),
    ] {
        let out = mapping.apply(&payload, &opts);
        assert_eq!(
            out.contact.fields.first_name.as_deref(),
            Some(first),
            "{payload}"
        );
        assert_eq!(
            out.contact.fields.last_name.as_deref(),
            Some(last),
            "{payload}"
        );
        assert!(out.errors.is_empty(), "{payload}: {:?}", out.errors);
    }
}

#[test]
fn spothit_contact_row_from_php_style_form_fields() {
    let out = run("spothit-contact-row");
    let c = &out.contact.fields;
    assert_eq!(c.last_name.as_deref(), Some("Dupont"));
    assert_eq!(c.first_name.as_deref(), Some("Marie"));
    assert_eq!(c.email.as_deref(), Some("marie.dupont@exemple.fr"));
    // 0692 is a Réunion mobile: +262, not +33, even with phoneRegion FR.
    assert_eq!(c.phone.as_deref(), Some("+262692123456"));
    assert_eq!(out.tags, vec!["spothit", "spothit-group:Clients Réunion"]);
}

#[test]
fn spothit_failed_delivery_becomes_a_tag_and_nothing_else() {
    let out = run("spothit-status");
    assert_eq!(out.contact.fields.phone.as_deref(), Some("+33612345678"));
    assert!(
        out.contact.is_identity_only(),
        "a known contact needs no upsert"
    );
    assert_eq!(out.tags, vec!["sms:failed"]);
    assert!(out.notes.is_empty(), "one call per receipt: the tags");
}

#[test]
fn spothit_reply_becomes_a_note_and_a_task_due_in_four_hours() {
    let out = run("spothit-reply");
    assert_eq!(out.contact.fields.phone.as_deref(), Some("+262692123456"));
    assert_eq!(
        out.notes[0].body,
        "SMS reply from +262692123456:\nOui, rappelez-moi demain matin"
    );
    assert_eq!(out.tasks[0].due_date, "2026-11-22T14:00:00Z");
    assert_eq!(out.tags, vec!["sms:replied"]);
}

#[test]
fn spothit_stop_sets_sms_dnd() {
    let out = run("spothit-stop");
    let dnd = out.contact.fields.dnd_settings.unwrap();
    assert_eq!(dnd.sms.unwrap().status, DndStatus::Active);
    assert!(dnd.email.is_none(), "only SMS");
    assert_eq!(out.tags, vec!["sms:stop"]);
}

#[test]
fn specter_person() {
    let out = run("specter-person");
    let c = &out.contact.fields;
    assert_eq!(c.email.as_deref(), Some("camille@octave-robotics.fr"));
    assert_eq!(
        (c.first_name.as_deref(), c.last_name.as_deref()),
        (Some("Camille"), Some("Martin"))
    );
    assert_eq!(out.contact.company_name.as_deref(), Some("Octave Robotics"));
    assert_eq!(
        custom(&out, "specter_person_id"),
        Some("per_3f9a1c2b7d".into())
    );
    assert_eq!(out.tags, vec!["specter", "serial_founder", "prior_exit"]);
    assert!(out.notes[0]
        .body
        .starts_with("Specter highlights: serial_founder, prior_exit"));
}

#[test]
fn specter_person_without_email_cannot_sync_and_says_why() {
    let t = builtin_template("specter-person").unwrap();
    let mapping = Mapping::parse(t.mapping).unwrap();
    let out = mapping.apply(
        &serde_json::json!({"full_name": "No Mail"}),
        &ApplyOptions {
            now_unix: NOW,
            explain: true,
        },
    );
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0]
        .message
        .contains("neither a valid e-mail nor a valid phone"));
}

#[test]
fn specter_saved_search_row_tags_the_search_from_the_pollers_tag() {
    // Result rows are person records: the search is named by the tag the
    // poller adds (`specter_tag`), not by fields the rows do not have.
    let out = run("specter-saved-search-row");
    assert_eq!(out.contact.fields.first_name.as_deref(), Some("Thomas"));
    assert_eq!(out.tags, vec!["specter", "specter-search:1201"]);
}

#[test]
fn spothit_csv_export_sample_shows_every_kind_of_row() {
    use ghl_bridge::dedupe::KnownContacts;
    use ghl_bridge::mapping::csv_rows;
    use ghl_bridge::preview::preview_batch;
    let t = builtin_template("spothit-contacts-csv").unwrap();
    let mapping = Mapping::parse(t.mapping).unwrap();
    let rows = csv_rows(t.sample).unwrap();
    let known = KnownContacts::from_json(
        r#"[{"id": "ghl-jean", "email": "jean.martin@exemple.fr"}]"#,
        Some("FR"),
    )
    .unwrap();
    let batch = preview_batch(&mapping, &rows, &known, NOW);
    let s = &batch.summary;
    // Marie (create), Jean (update), Marie again by her Réunion phone
    // (duplicate), Paul (short phone, bad e-mail: invalid), Léa (create).
    assert_eq!(
        (s.rows, s.create, s.update, s.duplicate_in_file, s.invalid),
        (5, 2, 1, 1, 1)
    );
    assert_eq!(batch.rows[2].first_line, Some(2));
}

#[test]
fn the_web_form_reads_address_state_country_and_birth_date_as_forms_send_them() {
    let t = builtin_template("web-form").unwrap();
    let mapping = Mapping::parse(t.mapping).unwrap();
    let payload = serde_json::json!({"email": "a@b.fr", "street_address": "3 avenue Foch",
        "state": " Bretagne ", "country": "belgique", "birthdate": "1990-09-25"});
    let out = mapping.apply(
        &payload,
        &ApplyOptions {
            now_unix: NOW,
            explain: true,
        },
    );
    let c = &out.contact.fields;
    assert_eq!(c.address1.as_deref(), Some("3 avenue Foch"));
    assert_eq!(c.state.as_deref(), Some("Bretagne"));
    assert_eq!(c.country.as_deref(), Some("BE"));
    assert_eq!(
        serde_json::to_value(&c.date_of_birth).unwrap(),
        serde_json::json!("1990-09-25")
    );
    // A country the table does not know is refused, and said so.
    let unknown = mapping.apply(
        &serde_json::json!({"email": "a@b.fr", "pays": "Atlantide"}),
        &ApplyOptions {
            now_unix: NOW,
            explain: true,
        },
    );
    assert!(unknown.contact.fields.country.is_none());
    assert!(
        unknown
            .warnings
            .iter()
            .any(|w| w.message.contains("Atlantide")),
        "{:?}",
        unknown.warnings
    );
}
