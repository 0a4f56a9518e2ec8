//! The GHL models against realistic payloads (tests/fixtures/ghl, one file per
//! endpoint family, written from GHL's OpenAPI examples): every answer parses into
//! its typed result and serialises back without losing or inventing a field.

use ghl_bridge::ghl::appointments::*;
use ghl_bridge::ghl::contacts::*;
use ghl_bridge::ghl::notes::*;
use ghl_bridge::ghl::tags::*;
use ghl_bridge::ghl::tasks::*;
use ghl_bridge::ghl::Call;
use ghl_bridge::http::HttpResponse;
use serde::Serialize;
use serde_json::Value;

fn fixture(family: &str, case: &str) -> (Value, HttpResponse) {
    let path = format!(
        "{}/tests/fixtures/ghl/{family}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let entry = all
        .get(case)
        .unwrap_or_else(|| panic!("{path} has no case {case}"));
    let status = entry["status"].as_u64().expect("status") as u16;
    let body = match entry.get("body_text") {
        Some(text) => text.as_str().expect("body_text").to_string(),
        None => entry["body"].to_string(),
    };
    let mut response = HttpResponse::new(status, body);
    if let Some(headers) = entry.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            response = response.with_header(name, value.as_str().expect("header"));
        }
    }
    (entry.get("body").cloned().unwrap_or(Value::Null), response)
}

/// Nulls and empty lists carry no information; everything else must survive.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// Parses the fixture with the call's own parser and checks the round trip.
fn round_trip<C: Call>(call: &C, family: &str, case: &str) -> C::Response
where
    C::Response: Serialize,
{
    let (original, response) = fixture(family, case);
    let parsed = call
        .parse(&response)
        .unwrap_or_else(|e| panic!("{family}/{case} did not parse: {e}"));
    let back = serde_json::to_value(&parsed).expect("serialise");
    assert_eq!(
        normalise(&back),
        normalise(&original),
        "{family}/{case}: a field was lost or invented in the round trip"
    );
    parsed
}

fn id(s: &str) -> String {
    s.to_string()
}

#[test]
fn contacts_family_round_trips() {
    let got = round_trip(
        &GetContact {
            contact_id: id("x"),
        },
        "contacts",
        "get",
    )
    .contact;
    assert_eq!(got.email.as_deref(), Some("rosan@deos.com"));
    assert_eq!(
        got.dnd_settings
            .as_ref()
            .unwrap()
            .sms
            .as_ref()
            .unwrap()
            .status,
        DndStatus::Permanent
    );
    assert_eq!(
        got.custom_fields[1].value,
        serde_json::json!(["red", "blue"])
    );
    assert_eq!(
        got.date_of_birth,
        Some(DateOfBirth::Text("1990-09-25T00:00:00.000Z".into()))
    );
    // Fields the model does not name are kept, not dropped.
    assert_eq!(got.extra["ssn"], "");
    assert_eq!(
        got.extra["additionalEmails"][0]["email"],
        "rosan.other@deos.com"
    );
    assert_eq!(got.extra["attributionSource"]["utmSource"], "newsletter");

    let created = CreateContact {
        body: CreateContactBody::default(),
    };
    let created = round_trip(&created, "contacts", "create").contact;
    assert_eq!(created.extra["birthDay"], 25);

    let updated = UpdateContact {
        contact_id: id("x"),
        body: UpdateContactBody::default(),
    };
    assert!(round_trip(&updated, "contacts", "update").succeeded);
    assert!(
        round_trip(
            &DeleteContact {
                contact_id: id("x")
            },
            "contacts",
            "delete"
        )
        .succeeded
    );

    let upserted = UpsertContact {
        body: UpsertContactBody::default(),
    };
    let upserted = round_trip(&upserted, "contacts", "upsert");
    assert!(upserted.new);
    assert_eq!(upserted.contact.id, "seD4PfOuKoVMLkEZqohJ");

    let list = round_trip(&ListContacts::default(), "contacts", "list");
    assert_eq!(list.contacts.len(), 2);
    assert_eq!(
        list.next_cursor(),
        Some(("c2".to_string(), 1_625_203_106_704))
    );

    let search = SearchContacts {
        body: SearchContactsBody {
            location_id: id("l"),
            page_limit: 1,
            page: None,
            search_after: None,
            filters: vec![],
            sort: vec![],
            query: None,
        },
    };
    let found = round_trip(&search, "contacts", "search");
    let hit = &found.contacts[0];
    assert_eq!(hit.address.as_deref(), Some("1 rue de Rivoli"));
    assert_eq!(
        hit.date_of_birth,
        Some(DateOfBirth::EpochMillis(654_220_800_000))
    );
    assert_eq!(hit.search_after.as_ref().unwrap().len(), 2);

    let dup = FindDuplicateContact::default();
    assert_eq!(
        round_trip(&dup, "contacts", "duplicate_found")
            .contact
            .unwrap()
            .id,
        "ocQHyuzHvysMo5N5VsXc"
    );
    assert!(round_trip(&dup, "contacts", "duplicate_none")
        .contact
        .is_none());

    let business = round_trip(&ListBusinessContacts::default(), "contacts", "by_business");
    assert_eq!(business.count, 1);
}

#[test]
fn tasks_family_round_trips() {
    let (c, t) = (id("c"), id("t"));
    let list = round_trip(
        &ListTasks {
            contact_id: c.clone(),
        },
        "tasks",
        "list",
    );
    assert_eq!(list.tasks.len(), 2);
    assert!(list.tasks[1].completed);
    assert_eq!(list.tasks[1].extra["dateAdded"], "2020-10-20T09:00:00Z");
    let get = GetTask {
        contact_id: c.clone(),
        task_id: t.clone(),
    };
    assert_eq!(round_trip(&get, "tasks", "get").task.title, "Call back");
    let create = CreateTask {
        contact_id: c.clone(),
        body: CreateTaskBody {
            title: id("x"),
            body: None,
            due_date: id("d"),
            completed: false,
            assigned_to: None,
        },
    };
    assert_eq!(round_trip(&create, "tasks", "create").task.id, "t3");
    let update = UpdateTask {
        contact_id: c.clone(),
        task_id: t.clone(),
        body: UpdateTaskBody::default(),
    };
    round_trip(&update, "tasks", "update");
    let done = SetTaskCompleted {
        contact_id: c.clone(),
        task_id: t.clone(),
        body: SetTaskCompletedBody { completed: true },
    };
    assert!(round_trip(&done, "tasks", "set_completed").task.completed);
    let delete = DeleteTask {
        contact_id: c,
        task_id: t,
    };
    assert!(round_trip(&delete, "tasks", "delete").succeeded);
}

#[test]
fn notes_family_round_trips() {
    let (c, n) = (id("c"), id("n"));
    let list = round_trip(
        &ListNotes {
            contact_id: c.clone(),
        },
        "notes",
        "list",
    );
    assert_eq!(list.notes[1].pinned, Some(true));
    assert!(list.notes[1].extra.contains_key("relations"));
    let get = GetNote {
        contact_id: c.clone(),
        note_id: n.clone(),
    };
    round_trip(&get, "notes", "get");
    let create = CreateNote {
        contact_id: c.clone(),
        body: NoteBody::default(),
    };
    assert_eq!(round_trip(&create, "notes", "create").note.id, "n3");
    let update = UpdateNote {
        contact_id: c.clone(),
        note_id: n.clone(),
        body: UpdateNoteBody::default(),
    };
    round_trip(&update, "notes", "update");
    let delete = DeleteNote {
        contact_id: c,
        note_id: n,
    };
    assert!(round_trip(&delete, "notes", "delete").succeeded);
}

#[test]
fn appointments_family_round_trips() {
    let list = ListContactAppointments {
        contact_id: id("c"),
    };
    let events = round_trip(&list, "appointments", "list_for_contact").events;
    assert_eq!(events[0].appointment_status.as_deref(), Some("confirmed"));
    assert_eq!(events[0].extra["assignedResources"][0], "room-1");
    let create = CreateAppointment {
        body: CreateAppointmentBody::default(),
    };
    let booked = round_trip(&create, "appointments", "create");
    assert_eq!(booked.id, "0TkCdp9PfvLeWKYRRvIz");
    assert_eq!(booked.extra["isRecurring"], false);
}

#[test]
fn tags_family_round_trips() {
    let body = TagsBody {
        tags: vec![id("vip")],
    };
    let add = AddTags {
        contact_id: id("c"),
        body: body.clone(),
    };
    assert_eq!(round_trip(&add, "tags", "add").tags.len(), 3);
    let remove = RemoveTags {
        contact_id: id("c"),
        body,
    };
    assert_eq!(round_trip(&remove, "tags", "remove").tags, vec!["existing"]);
}

#[test]
fn a_contact_with_an_unknown_dnd_status_still_parses() {
    let response = HttpResponse::new(
        200,
        r#"{"contact":{"id":"c","dndSettings":{"WhatsApp":{"status":"paused"}}}}"#,
    );
    let contact = GetContact {
        contact_id: id("c"),
    }
    .parse(&response)
    .unwrap()
    .contact;
    assert_eq!(
        contact.dnd_settings.unwrap().whatsapp.unwrap().status,
        DndStatus::Other("paused".into())
    );
}
