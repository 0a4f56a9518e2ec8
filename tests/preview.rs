//! Dry runs: a CSV file's rows through a mapping against the contacts a
//! location already has, and one payload's exact requests.

use ghl_bridge::dedupe::KnownContacts;
use ghl_bridge::mapping::{csv_rows, parse_payload, Mapping, PayloadFormat};
use ghl_bridge::preview::{preview_batch, preview_event, RowAction};

const MAPPING: &str = r#"{"version": 1, "settings": {"phoneRegion": "FR"},
  "fields": [{"to": "email", "from": "email"}, {"to": "phone", "from": "mobile"},
             {"to": "firstName", "from": "prenom"}],
  "tags": [{"value": "import"}]}"#;

#[test]
fn csv_rows_detect_the_separator_and_name_bad_lines() {
    let rows = csv_rows(
        "\u{feff}prenom;email;mobile\nJean;jean@ex.fr;0612345678\n\n\"Anne; Marie\";a@ex.fr;\n",
    )
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].payload["email"], "jean@ex.fr");
    assert_eq!(rows[1].line, 4, "the blank line is skipped, not renumbered");
    assert_eq!(rows[1].payload["prenom"], "Anne; Marie");

    let tabs = csv_rows("a\tb\n1\t2\n").unwrap();
    assert_eq!(tabs[0].payload["b"], "2");

    let err = csv_rows("a,b\n1,2\n1,2,3\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the payload is not valid CSV: line 3 has 3 cells but the header names 2 columns"
    );
    let err = parse_payload("a,b\n", PayloadFormat::Csv).unwrap_err();
    assert!(err.to_string().contains("no data row"), "{err}");
}

#[test]
fn a_batch_counts_creates_updates_duplicates_conflicts_and_invalid_rows() {
    let mapping = Mapping::parse(MAPPING).unwrap();
    let known = KnownContacts::from_json(
        r#"[{"id": "old-1", "email": "known@ex.fr"}, {"id": "old-2", "phone": "+33699999999"}]"#,
        Some("FR"),
    )
    .unwrap();
    let csv = "prenom,email,mobile
Jean,jean@ex.fr,0612345678
Known,KNOWN@ex.fr,
Again,,06 12 34 56 78
Nobody,not-an-email,
Clash,known@ex.fr,0699999999
Known twice,known@ex.fr,
";
    let rows = csv_rows(csv).unwrap();
    let batch = preview_batch(&mapping, &rows, &known, 1_795_341_600);
    let actions: Vec<_> = batch.rows.iter().map(|r| r.action.clone()).collect();
    assert_eq!(
        actions,
        [
            RowAction::Create,
            RowAction::Update,
            RowAction::DuplicateInFile,
            RowAction::Invalid,
            RowAction::Conflict,
            RowAction::DuplicateInFile,
        ]
    );
    assert_eq!(batch.rows[1].contact_id.as_deref(), Some("old-1"));
    assert_eq!(batch.rows[2].first_line, Some(2), "same phone as line 2");
    assert_eq!(
        batch.rows[5].first_line,
        Some(3),
        "old-1 was already updated by line 3"
    );
    assert!(batch.rows[3].reasons[0].contains("neither a valid e-mail nor a valid phone"));
    assert_eq!(
        batch.rows[3].warnings.len(),
        1,
        "{:?}",
        batch.rows[3].warnings
    );
    assert!(batch.rows[4].reasons[0].contains("contact old-1 and the phone to contact old-2"));
    let s = &batch.summary;
    assert_eq!(
        (
            s.rows,
            s.create,
            s.update,
            s.duplicate_in_file,
            s.conflict,
            s.invalid
        ),
        (6, 1, 1, 2, 1, 1)
    );
    assert_eq!(s.calls, 4 * 2, "upsert + add-tags for each row that syncs");
}

#[test]
fn one_payload_shows_its_requests_and_the_decision() {
    let mapping = Mapping::parse(MAPPING);
    let known =
        KnownContacts::from_json(r#"[{"id": "old-1", "email": "jean@ex.fr"}]"#, None).unwrap();
    let payload = parse_payload("email=jean@ex.fr&prenom=Jean", PayloadFormat::Form)
        .map_err(|e| e.to_string());
    let preview = preview_event(&mapping, payload, "loc-1", 0, Some(&known), None);
    assert!(preview.ok);
    let urls: Vec<_> = preview.requests.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://services.leadconnectorhq.com/contacts/upsert",
            "https://services.leadconnectorhq.com/contacts/{contactId}/tags"
        ]
    );
    assert!(preview.requests[0]
        .headers
        .contains(&("Authorization".into(), "Bearer ****".into())));
    let decision = serde_json::to_value(&preview.decision).unwrap();
    assert_eq!(decision["action"], "update");
    assert_eq!(decision["contactId"], "old-1");

    let broken = Mapping::parse(r#"{"version": 1, "fields": [{"to": "phon", "from": "x"}]}"#);
    let preview = preview_event(&broken, Ok(serde_json::json!({})), "loc-1", 0, None, None);
    assert!(!preview.ok);
    assert_eq!(preview.mapping_errors[0].line, 1);
}

#[test]
fn with_the_locations_custom_fields_the_preview_writes_them_by_id_or_names_the_closest() {
    use ghl_bridge::ghl::custom_fields::{CustomField, FieldCatalog};
    let fields: Vec<CustomField> = serde_json::from_value(serde_json::json!([
        {"id": "cf001", "name": "UTM Source", "fieldKey": "contact.utm_source", "dataType": "TEXT"},
        {"id": "cf010", "name": "Budget", "fieldKey": "contact.budget", "dataType": "MONETORY"}
    ]))
    .unwrap();
    let catalog = FieldCatalog {
        location_id: "loc-1".into(),
        fields,
    };
    let mapping = Mapping::parse(
        r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
            {"to": "customField.utm_source", "from": "utm"}, {"to": "customField.Budget", "from": "b"}]}"#,
    );
    let payload = serde_json::json!({"email": "a@b.fr", "utm": "google", "b": "1 200,50"});
    let p = preview_event(
        &mapping,
        Ok(payload.clone()),
        "loc-1",
        0,
        None,
        Some(&catalog),
    );
    assert!(p.ok, "{:?}", p.custom_field_error);
    let body = serde_json::to_value(&p.requests[0]).unwrap()["body"]["customFields"].clone();
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cf001", "cf010"], "every item by id: {body}");

    let typo = Mapping::parse(
        r#"{"version": 1, "fields": [{"to": "email", "from": "email"}, {"to": "customField.budjet", "from": "b"}]}"#,
    );
    let p = preview_event(&typo, Ok(payload), "loc-1", 0, None, Some(&catalog));
    assert!(!p.ok);
    assert!(p.requests.is_empty(), "nothing would be written");
    let why = p.custom_field_error.unwrap();
    assert!(
        why.contains("budjet") && why.contains("contact.budget"),
        "{why}"
    );
}
