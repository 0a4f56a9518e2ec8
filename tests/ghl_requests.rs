//! The request builder's exact output for every endpoint of the catalogue.

use ghl_bridge::ghl::appointments::*;
use ghl_bridge::ghl::contacts::*;
use ghl_bridge::ghl::notes::*;
use ghl_bridge::ghl::tags::*;
use ghl_bridge::ghl::tasks::*;
use ghl_bridge::ghl::{build_request, BuildError, Call, GhlTarget, CATALOGUE};
use ghl_bridge::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const BASE: &str = "https://services.leadconnectorhq.com";

fn target() -> GhlTarget {
    GhlTarget {
        base_url: BASE.to_string(),
        token: "pit-0123456789".to_string(),
    }
}

/// Builds the call and checks method, URL, every header and the body exactly.
/// Returns the endpoint id, so the suite can prove it covered the catalogue.
fn expect<C: Call>(
    call: C,
    method: Method,
    path_and_query: &str,
    body: Option<Value>,
) -> &'static str {
    let endpoint = call.endpoint();
    let request = build_request(&call, &target()).expect("builds");
    assert_eq!(request.method, method, "{}", endpoint.id);
    assert_eq!(
        request.url,
        format!("{BASE}{path_and_query}"),
        "{}",
        endpoint.id
    );
    let mut headers = vec![
        (
            "Authorization".to_string(),
            "Bearer pit-0123456789".to_string(),
        ),
        ("Version".to_string(), endpoint.version.to_string()),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if body.is_some() {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    assert_eq!(request.headers, headers, "{}", endpoint.id);
    let sent: Option<Value> = request
        .body
        .as_deref()
        .map(|b| serde_json::from_str(b).unwrap());
    assert_eq!(sent, body, "{}", endpoint.id);
    endpoint.id
}

fn s(v: &str) -> String {
    v.to_string()
}

fn full_contact_fields() -> ContactFields {
    ContactFields {
        first_name: Some(s("Jean")),
        last_name: Some(s("Dupont")),
        email: Some(s("jean@example.com")),
        phone: Some(s("+33612345678")),
        country: Some(s("FR")),
        timezone: Some(s("Europe/Paris")),
        source: Some(s("web form")),
        date_of_birth: Some(DateOfBirth::Text(s("1990-09-25"))),
        dnd_settings: Some(DndSettings {
            sms: Some(DndChannel {
                status: DndStatus::Active,
                message: Some(s("STOP")),
                code: None,
            }),
            ..Default::default()
        }),
        tags: Some(vec![s("web")]),
        custom_fields: Some(vec![
            CustomFieldInput {
                id: None,
                key: Some(s("contact.budget")),
                field_value: json!(1500),
            },
            CustomFieldInput {
                id: Some(s("Kx9")),
                key: None,
                field_value: json!(["a", "b"]),
            },
        ]),
        ..Default::default()
    }
}

fn expected_fields_json() -> Value {
    json!({
        "firstName": "Jean", "lastName": "Dupont", "email": "jean@example.com",
        "phone": "+33612345678", "country": "FR", "timezone": "Europe/Paris",
        "source": "web form", "dateOfBirth": "1990-09-25",
        "dndSettings": {"SMS": {"status": "active", "message": "STOP"}},
        "tags": ["web"],
        "customFields": [
            {"key": "contact.budget", "field_value": 1500},
            {"id": "Kx9", "field_value": ["a", "b"]}
        ]
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn every_catalogue_endpoint_builds_exactly() {
    let mut covered = BTreeSet::new();
    let mut check = |id: &'static str| assert!(covered.insert(id), "{id} tested twice");
    let c = || s("seD4PfOuKoVMLkEZqohJ");

    // contacts
    check(expect(
        GetContact { contact_id: c() },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ",
        None,
    ));
    let create_body = CreateContactBody {
        location_id: s("loc1"),
        gender: Some(s("female")),
        company_name: Some(s("ACME SAS")),
        fields: full_contact_fields(),
    };
    check(expect(
        CreateContact {
            body: create_body.clone(),
        },
        Method::Post,
        "/contacts/",
        Some(with(
            expected_fields_json(),
            json!({"locationId": "loc1", "gender": "female", "companyName": "ACME SAS"}),
        )),
    ));
    check(expect(
        UpdateContact {
            contact_id: c(),
            body: UpdateContactBody {
                fields: full_contact_fields(),
            },
        },
        Method::Put,
        "/contacts/seD4PfOuKoVMLkEZqohJ",
        Some(expected_fields_json()),
    ));
    check(expect(
        DeleteContact { contact_id: c() },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ",
        None,
    ));
    check(expect(
        UpsertContact {
            body: UpsertContactBody {
                contact: create_body,
                create_new_if_duplicate_allowed: Some(false),
            },
        },
        Method::Post,
        "/contacts/upsert",
        Some(with(
            expected_fields_json(),
            json!({"locationId": "loc1", "gender": "female", "companyName": "ACME SAS", "createNewIfDuplicateAllowed": false}),
        )),
    ));
    check(expect(
        ListContacts {
            location_id: s("loc1"),
            query: Some(s("jean dupont")),
            limit: Some(100),
            start_after_id: Some(s("c2")),
            start_after: Some(1_625_203_106_704),
        },
        Method::Get,
        "/contacts/?locationId=loc1&query=jean+dupont&limit=100&startAfterId=c2&startAfter=1625203106704",
        None,
    ));
    check(expect(
        SearchContacts {
            body: SearchContactsBody {
                location_id: s("loc1"),
                page_limit: 500,
                page: None,
                search_after: Some(vec![json!(1_625_203_106_704_i64), json!("c2")]),
                filters: vec![SearchFilter::Group {
                    group: s("OR"),
                    filters: vec![
                        SearchFilter::Condition {
                            field: s("email"),
                            operator: s("eq"),
                            value: Some(json!("jean@example.com")),
                        },
                        SearchFilter::Condition {
                            field: s("phone"),
                            operator: s("exists"),
                            value: None,
                        },
                    ],
                }],
                sort: vec![SearchSort {
                    field: s("dateAdded"),
                    direction: s("desc"),
                }],
                query: None,
            },
        },
        Method::Post,
        "/contacts/search",
        Some(json!({
            "locationId": "loc1", "pageLimit": 500, "searchAfter": [1625203106704_i64, "c2"],
            "filters": [{"group": "OR", "filters": [
                {"field": "email", "operator": "eq", "value": "jean@example.com"},
                {"field": "phone", "operator": "exists"}
            ]}],
            "sort": [{"field": "dateAdded", "direction": "desc"}]
        })),
    ));
    // The `+` of an E.164 number must travel as %2B, or GHL reads a space.
    check(expect(
        FindDuplicateContact { location_id: s("loc1"), email: Some(s("jean+crm@example.com")), number: Some(s("+33612345678")) },
        Method::Get,
        "/contacts/search/duplicate?locationId=loc1&number=%2B33612345678&email=jean%2Bcrm%40example.com",
        None,
    ));
    check(expect(
        ListBusinessContacts {
            business_id: s("b 1/2"),
            location_id: s("loc1"),
            limit: Some(10),
            skip: Some(20),
            query: None,
        },
        Method::Get,
        "/contacts/business/b%201%2F2?locationId=loc1&limit=10&skip=20",
        None,
    ));

    // tasks
    let t = || s("t1");
    check(expect(
        ListTasks { contact_id: c() },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks",
        None,
    ));
    check(expect(
        GetTask {
            contact_id: c(),
            task_id: t(),
        },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks/t1",
        None,
    ));
    check(expect(
        CreateTask {
            contact_id: c(),
            body: CreateTaskBody {
                title: s("Call back"),
                body: None,
                due_date: s("2026-11-23T09:00:00Z"),
                completed: false,
                assigned_to: Some(s("u1")),
            },
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks",
        Some(
            json!({"title": "Call back", "dueDate": "2026-11-23T09:00:00Z", "completed": false, "assignedTo": "u1"}),
        ),
    ));
    check(expect(
        UpdateTask {
            contact_id: c(),
            task_id: t(),
            body: UpdateTaskBody {
                title: Some(s("Call back today")),
                ..Default::default()
            },
        },
        Method::Put,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks/t1",
        Some(json!({"title": "Call back today"})),
    ));
    check(expect(
        SetTaskCompleted {
            contact_id: c(),
            task_id: t(),
            body: SetTaskCompletedBody { completed: true },
        },
        Method::Put,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks/t1/completed",
        Some(json!({"completed": true})),
    ));
    check(expect(
        DeleteTask {
            contact_id: c(),
            task_id: t(),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tasks/t1",
        None,
    ));

    // notes
    let n = || s("n1");
    check(expect(
        ListNotes { contact_id: c() },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ/notes",
        None,
    ));
    check(expect(
        GetNote {
            contact_id: c(),
            note_id: n(),
        },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ/notes/n1",
        None,
    ));
    check(expect(
        CreateNote {
            contact_id: c(),
            body: NoteBody {
                body: s("SMS reply: oui"),
                ..Default::default()
            },
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/notes",
        Some(json!({"body": "SMS reply: oui"})),
    ));
    check(expect(
        UpdateNote {
            contact_id: c(),
            note_id: n(),
            body: UpdateNoteBody {
                pinned: Some(true),
                ..Default::default()
            },
        },
        Method::Put,
        "/contacts/seD4PfOuKoVMLkEZqohJ/notes/n1",
        Some(json!({"pinned": true})),
    ));
    check(expect(
        DeleteNote {
            contact_id: c(),
            note_id: n(),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/notes/n1",
        None,
    ));

    // appointments
    check(expect(
        ListContactAppointments { contact_id: c() },
        Method::Get,
        "/contacts/seD4PfOuKoVMLkEZqohJ/appointments",
        None,
    ));
    check(expect(
        CreateAppointment {
            body: CreateAppointmentBody {
                calendar_id: s("cal1"),
                location_id: s("loc1"),
                contact_id: c(),
                start_time: s("2026-11-23T10:00:00+01:00"),
                end_time: Some(s("2026-11-23T10:30:00+01:00")),
                title: Some(s("Demo")),
                to_notify: Some(false),
                ..Default::default()
            },
        },
        Method::Post,
        "/calendars/events/appointments",
        Some(json!({
            "calendarId": "cal1", "locationId": "loc1", "contactId": "seD4PfOuKoVMLkEZqohJ",
            "startTime": "2026-11-23T10:00:00+01:00", "endTime": "2026-11-23T10:30:00+01:00",
            "title": "Demo", "toNotify": false
        })),
    ));

    // tags
    let tags = || TagsBody {
        tags: vec![s("vip"), s("spothit:replied")],
    };
    check(expect(
        AddTags {
            contact_id: c(),
            body: tags(),
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tags",
        Some(json!({"tags": ["vip", "spothit:replied"]})),
    ));
    check(expect(
        RemoveTags {
            contact_id: c(),
            body: tags(),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/tags",
        Some(json!({"tags": ["vip", "spothit:replied"]})),
    ));

    // locations
    check(expect(
        ghl_bridge::ghl::custom_fields::ListCustomFields {
            location_id: s("loc1"),
        },
        Method::Get,
        "/locations/loc1/customFields?model=contact",
        None,
    ));

    // followers, campaigns, workflows, bulk
    use ghl_bridge::ghl::membership::*;
    let followers = || FollowersBody {
        followers: vec![s("usr1"), s("usr2")],
    };
    check(expect(
        AddFollowers {
            contact_id: c(),
            body: followers(),
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/followers",
        Some(json!({"followers": ["usr1", "usr2"]})),
    ));
    check(expect(
        RemoveFollowers {
            contact_id: c(),
            body: followers(),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/followers",
        Some(json!({"followers": ["usr1", "usr2"]})),
    ));
    check(expect(
        AddToCampaign {
            contact_id: c(),
            campaign_id: s("camp1"),
            body: EmptyBody {},
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/campaigns/camp1",
        Some(json!({})),
    ));
    check(expect(
        RemoveFromCampaign {
            contact_id: c(),
            campaign_id: s("camp1"),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/campaigns/camp1",
        None,
    ));
    check(expect(
        RemoveFromAllCampaigns { contact_id: c() },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/campaigns/removeAll",
        None,
    ));
    check(expect(
        AddToWorkflow {
            contact_id: c(),
            workflow_id: s("wf1"),
            body: WorkflowBody {
                event_start_time: Some(s("2021-06-23T03:30:00+01:00")),
            },
        },
        Method::Post,
        "/contacts/seD4PfOuKoVMLkEZqohJ/workflow/wf1",
        Some(json!({"eventStartTime": "2021-06-23T03:30:00+01:00"})),
    ));
    check(expect(
        RemoveFromWorkflow {
            contact_id: c(),
            workflow_id: s("wf1"),
            body: WorkflowBody::default(),
        },
        Method::Delete,
        "/contacts/seD4PfOuKoVMLkEZqohJ/workflow/wf1",
        Some(json!({})),
    ));
    check(expect(
        BulkTags {
            change: BulkTagsChange::Remove,
            body: BulkTagsBody {
                contacts: vec![c()],
                tags: vec![s("vip")],
                location_id: s("loc1"),
                remove_all_tags: None,
            },
        },
        Method::Post,
        "/contacts/bulk/tags/update/remove",
        Some(json!({"contacts": ["seD4PfOuKoVMLkEZqohJ"], "tags": ["vip"], "locationId": "loc1"})),
    ));
    check(expect(
        BulkBusiness {
            body: BulkBusinessBody {
                location_id: s("loc1"),
                ids: vec![c()],
                business_id: s("biz1"),
            },
        },
        Method::Post,
        "/contacts/bulk/business",
        Some(json!({"locationId": "loc1", "ids": ["seD4PfOuKoVMLkEZqohJ"], "businessId": "biz1"})),
    ));

    // conversations (the SMS provider)
    use ghl_bridge::ghl::conversations::*;
    check(expect(
        UpdateMessageStatus {
            message_id: s("m1"),
            body: MessageStatusBody {
                status: MessageStatus::Delivered,
                error: None,
            },
        },
        Method::Put,
        "/conversations/messages/m1/status",
        Some(json!({"status": "delivered"})),
    ));
    check(expect(
        AddInboundMessage {
            body: InboundMessageBody {
                kind: s("SMS"),
                conversation_id: s("cv1"),
                contact_id: c(),
                conversation_provider_id: s("p1"),
                message: s("Oui"),
                direction: Direction::Inbound,
                alt_id: Some(s("sh1")),
                date: Some(s("2026-11-22T10:00:00.000Z")),
            },
        },
        Method::Post,
        "/conversations/messages/inbound",
        Some(json!({
            "type": "SMS", "conversationId": "cv1", "contactId": "seD4PfOuKoVMLkEZqohJ",
            "conversationProviderId": "p1", "message": "Oui", "direction": "inbound",
            "altId": "sh1", "date": "2026-11-22T10:00:00.000Z"
        })),
    ));
    check(expect(
        SearchConversations {
            location_id: s("loc1"),
            contact_id: c(),
        },
        Method::Get,
        "/conversations/search?locationId=loc1&contactId=seD4PfOuKoVMLkEZqohJ",
        None,
    ));
    check(expect(
        CreateConversation {
            body: CreateConversationBody {
                location_id: s("loc1"),
                contact_id: c(),
            },
        },
        Method::Post,
        "/conversations/",
        Some(json!({"locationId": "loc1", "contactId": "seD4PfOuKoVMLkEZqohJ"})),
    ));

    let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.id).collect();
    assert_eq!(
        covered, catalogue,
        "every catalogue endpoint needs an exact-output test"
    );
}

#[test]
fn calendars_use_their_own_version_header() {
    let call = CreateAppointment {
        body: CreateAppointmentBody::default(),
    };
    let request = build_request(&call, &target()).unwrap();
    assert_eq!(request.header("version"), Some("2021-04-15"));
    let request = build_request(&ListTasks { contact_id: s("c") }, &target()).unwrap();
    assert_eq!(request.header("version"), Some("2021-07-28"));
}

#[test]
fn an_empty_id_is_refused_instead_of_hitting_another_endpoint() {
    // `DELETE /contacts/` with an empty id must never be sent.
    let err = build_request(
        &DeleteContact {
            contact_id: s("  "),
        },
        &target(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BuildError::EmptyPathValue {
            endpoint: "contacts.delete",
            placeholder: s("contactId")
        }
    );
    assert!(err.to_string().contains("contactId"));
}

#[test]
fn a_base_url_with_a_trailing_slash_gives_one_slash() {
    let target = GhlTarget {
        base_url: s("http://127.0.0.1:8788/ghl/"),
        token: s("t"),
    };
    let request = build_request(
        &GetContact {
            contact_id: s("c1"),
        },
        &target,
    )
    .unwrap();
    assert_eq!(request.url, "http://127.0.0.1:8788/ghl/contacts/c1");
}

#[test]
fn catalogue_entries_are_well_formed() {
    let mut ids = BTreeSet::new();
    for e in CATALOGUE {
        assert!(ids.insert(e.id), "duplicate id {}", e.id);
        assert!(e.path.starts_with('/'), "{}", e.id);
        assert!(matches!(e.success_status, 200 | 201), "{}", e.id);
        let write = matches!(e.method, Method::Post | Method::Put | Method::Delete);
        // Search is a POST that only reads.
        if e.id != "contacts.search" {
            assert_eq!(
                e.scope.ends_with(".write"),
                write,
                "{} scope {}",
                e.id,
                e.scope
            );
        }
    }
    assert_eq!(CATALOGUE.len(), 38);
}

/// Each operation of GHL's contacts spec, as `tests/fixtures/ghl/contacts-operations.json`
/// lists it (extracted from `shared/anchors/ghl/apps/contacts.json`).
fn spec_operations() -> Vec<Value> {
    let listed: Value = serde_json::from_str(include_str!("fixtures/ghl/contacts-operations.json"))
        .expect("the contacts operations fixture");
    listed["operations"].as_array().unwrap().clone()
}

/// Every operation of GHL's contacts spec is in the catalogue (32 of 32),
/// with its method, path, version and scope as the spec says.
#[test]
fn every_contacts_operation_of_the_spec_is_modelled() {
    let operations = spec_operations();
    for op in &operations {
        let (method, path, id) = (
            op["method"].as_str().unwrap(),
            op["path"].as_str().unwrap(),
            op["operationId"].as_str().unwrap(),
        );
        let endpoint = CATALOGUE
            .iter()
            .find(|e| e.path == path && e.method.as_str() == method)
            .unwrap_or_else(|| panic!("{method} {path} ({id}) is not modelled"));
        assert_eq!(endpoint.operation_id, id, "{path}");
        if let Some(scope) = op["scope"].as_str() {
            assert_eq!(endpoint.scope, scope, "{id}");
        }
        if let Some(version) = op["version"].as_str() {
            assert_eq!(endpoint.version, version, "{id}");
        }
    }
    assert_eq!(operations.len(), 32, "the spec's contacts operations");
}

/// The fixture is what the official file says, where that file is (the
/// project's shared anchors beside the checkout).
#[test]
fn the_operations_fixture_is_the_official_specs() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/anchors/ghl/apps/contacts.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("{path} is not beside this checkout: the fixture is taken as it is");
        return;
    };
    let spec: Value = serde_json::from_str(&text).unwrap();
    let mut from_spec = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            from_spec.push((
                method.to_uppercase(),
                path.clone(),
                op["operationId"].as_str().unwrap().to_string(),
            ));
        }
    }
    let fixture: Vec<(String, String, String)> = spec_operations()
        .iter()
        .map(|o| {
            (
                o["method"].as_str().unwrap().into(),
                o["path"].as_str().unwrap().into(),
                o["operationId"].as_str().unwrap().into(),
            )
        })
        .collect();
    let sorted = |mut v: Vec<(String, String, String)>| {
        v.sort();
        v
    };
    assert_eq!(sorted(fixture), sorted(from_spec));
}
