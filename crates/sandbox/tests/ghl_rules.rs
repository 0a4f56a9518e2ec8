//! The sandbox refuses what GHL refuses, and does what GHL does.

mod common;

use common::*;
use ghl_bridge::ghl::contacts::*;
use ghl_bridge::ghl::notes::{CreateNote, NoteBody};
use ghl_bridge::ghl::tags::{AddTags, RemoveTags, TagsBody};
use ghl_bridge::ghl::tasks::{CreateTask, CreateTaskBody, SetTaskCompleted, SetTaskCompletedBody};
use ghl_bridge::ghl::GhlError;
use serde_json::json;

fn create(email: Option<&str>, phone: Option<&str>) -> CreateContact {
    CreateContact {
        body: CreateContactBody {
            location_id: LOCATION.into(),
            fields: ContactFields {
                email: email.map(String::from),
                phone: phone.map(String::from),
                first_name: Some("Jean".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    }
}

#[test]
fn missing_or_wrong_token_is_401() {
    let sb = Sandbox::start();
    let r = raw(
        &sb.url,
        "GET",
        "/ghl/contacts/x",
        &[("Version", "2021-07-28")],
        None,
    );
    assert_eq!(r.status, 401);
    let (res, _) = sb.call(
        &GetContact {
            contact_id: "x".into(),
        },
        "not-a-token",
    );
    assert!(matches!(res, Err(GhlError::Unauthorized { .. })), "{res:?}");
}

#[test]
fn missing_version_header_is_refused() {
    let sb = Sandbox::start();
    let r = raw(
        &sb.url,
        "GET",
        "/ghl/contacts/x",
        &[("Authorization", "Bearer sandbox-location-token")],
        None,
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Version header"), "{}", r.body);
    // The calendars API wants its own version.
    let r = raw(
        &sb.url,
        "POST",
        "/ghl/calendars/events/appointments",
        &[
            ("Authorization", "Bearer sandbox-location-token"),
            ("Version", "2021-07-28"),
            ("content-type", "application/json"),
        ],
        Some("{}".into()),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn a_read_only_token_cannot_write_but_can_read() {
    let sb = Sandbox::start();
    let (res, _) = sb.call(&create(Some("ro@example.fr"), None), READONLY);
    assert!(matches!(res, Err(GhlError::Forbidden { .. })), "{res:?}");
    let (res, _) = sb.call(
        &ListContacts {
            location_id: LOCATION.into(),
            ..Default::default()
        },
        READONLY,
    );
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn duplicates_are_refused_with_the_existing_contact_named() {
    let sb = Sandbox::start();
    let (first, raw_first) = sb.call(
        &create(Some("jean@example.fr"), Some("06 12 34 56 78")),
        TOKEN,
    );
    assert_eq!(raw_first.status, 201);
    let first = first.unwrap().contact;
    assert_eq!(
        first.phone.as_deref(),
        Some("+33612345678"),
        "stored in E.164"
    );
    // Same e-mail in another case: still a duplicate.
    let (res, _) = sb.call(&create(Some("JEAN@example.fr"), None), TOKEN);
    match res {
        Err(GhlError::DuplicateContact {
            contact_id,
            matching_field,
            ..
        }) => {
            assert_eq!(contact_id, first.id);
            assert_eq!(matching_field, "email");
        }
        other => panic!("{other:?}"),
    }
    // Same phone written another way.
    let (res, _) = sb.call(
        &create(Some("other@example.fr"), Some("+33 6 12 34 56 78")),
        TOKEN,
    );
    assert!(
        matches!(res, Err(GhlError::DuplicateContact { ref matching_field, .. }) if matching_field == "phone"),
        "{res:?}"
    );
    // A location that allows duplicates takes it.
    sb.post_json(
        "/__sandbox/ghl/locations/dev-location",
        json!({"allowDuplicateContact": true}),
    );
    let (res, _) = sb.call(&create(Some("jean@example.fr"), None), TOKEN);
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn unknown_properties_and_custom_fields_are_422() {
    let sb = Sandbox::start();
    let r = raw(
        &sb.url,
        "POST",
        "/ghl/contacts/",
        &[
            ("Authorization", "Bearer sandbox-location-token"),
            ("Version", "2021-07-28"),
            ("content-type", "application/json"),
        ],
        Some(
            json!({"locationId": LOCATION, "email": "a@b.fr", "additionalEmails": []}).to_string(),
        ),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("property additionalEmails should not exist"),
        "{}",
        r.body
    );

    let mut call = create(Some("cf@example.fr"), None);
    call.body.fields.custom_fields = Some(vec![CustomFieldInput {
        id: Some("no_such_field".into()),
        key: None,
        field_value: json!("x"),
    }]);
    let (res, _) = sb.call(&call, TOKEN);
    match res {
        Err(GhlError::Validation { messages }) => {
            assert!(messages[0].contains("no_such_field"), "{messages:?}")
        }
        other => panic!("{other:?}"),
    }
    // A known id is stored, read back as {id, value}.
    call.body.fields.custom_fields = Some(vec![CustomFieldInput {
        id: Some("cf001".into()),
        key: Some("contact.utm_source".into()),
        field_value: json!("google"),
    }]);
    let (res, _) = sb.call(&call, TOKEN);
    let contact = res.unwrap().contact;
    assert_eq!(contact.custom_fields[0].id, "cf001");
    assert_eq!(contact.custom_fields[0].value, "google");
    // companyName is not an update field.
    let r = raw(
        &sb.url,
        "PUT",
        &format!("/ghl/contacts/{}", contact.id),
        &[
            ("Authorization", "Bearer sandbox-location-token"),
            ("Version", "2021-07-28"),
            ("content-type", "application/json"),
        ],
        Some(json!({"companyName": "X"}).to_string()),
    );
    assert_eq!(r.status, 422);
}

#[test]
fn upsert_updates_the_match_and_silently_drops_a_conflicting_phone() {
    let sb = Sandbox::start();
    let a = sb
        .call(&create(Some("a@example.fr"), Some("0611111111")), TOKEN)
        .0
        .unwrap()
        .contact;
    let b = sb
        .call(&create(Some("b@example.fr"), Some("0622222222")), TOKEN)
        .0
        .unwrap()
        .contact;
    let upsert = |email: &str, phone: &str, city: &str| UpsertContact {
        body: UpsertContactBody {
            contact: CreateContactBody {
                location_id: LOCATION.into(),
                fields: ContactFields {
                    email: Some(email.into()),
                    phone: Some(phone.into()),
                    city: Some(city.into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            create_new_if_duplicate_allowed: None,
        },
    };
    // E-mail of A, phone of B: GHL updates A and ignores the phone.
    let out = sb
        .call(&upsert("a@example.fr", "0622222222", "Lyon"), TOKEN)
        .0
        .unwrap();
    assert!(!out.new);
    assert_eq!(out.contact.id, a.id);
    assert_eq!(out.contact.city.as_deref(), Some("Lyon"));
    assert_eq!(
        out.contact.phone.as_deref(),
        Some("+33611111111"),
        "phone of A kept, B's dropped"
    );
    // No match: created.
    let out = sb
        .call(&upsert("c@example.fr", "0633333333", "Nice"), TOKEN)
        .0
        .unwrap();
    assert!(out.new);
    let contacts = sb.get_json("/__sandbox/ghl/contacts");
    assert_eq!(contacts["count"], 3);
    let _ = b;
}

#[test]
fn over_the_burst_limit_is_429_with_the_rate_limit_headers() {
    let sb = Sandbox::start();
    sb.post_json(
        "/__sandbox/config",
        json!({"burstLimit": 5, "burstWindowMs": 60000}),
    );
    let list = ListContacts {
        location_id: LOCATION.into(),
        ..Default::default()
    };
    for i in 0..5 {
        let (res, resp) = sb.call(&list, TOKEN);
        assert!(res.is_ok(), "request {i}: {res:?}");
        assert_eq!(
            resp.header("x-ratelimit-remaining"),
            Some((4 - i).to_string().as_str())
        );
    }
    let (res, _) = sb.call(&list, TOKEN);
    match res {
        Err(e @ GhlError::RateLimited { .. }) => {
            let GhlError::RateLimited { ref rate_limit, .. } = e else {
                unreachable!()
            };
            assert_eq!(rate_limit.burst_max, Some(5));
            assert_eq!(rate_limit.burst_remaining, Some(0));
            assert_eq!(rate_limit.interval_ms, Some(60000));
            assert!(e.is_retryable());
            assert_eq!(e.retry_hint_ms(), Some(60000));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_daily_cap_is_enforced_too() {
    let sb = Sandbox::start();
    sb.post_json("/__sandbox/config", json!({"dailyLimit": 2}));
    let list = ListContacts {
        location_id: LOCATION.into(),
        ..Default::default()
    };
    sb.call(&list, TOKEN).0.unwrap();
    sb.call(&list, TOKEN).0.unwrap();
    let (res, _) = sb.call(&list, TOKEN);
    let e = res.unwrap_err();
    assert!(!e.is_retryable(), "daily cap used up: {e:?}");
}

#[test]
fn refresh_tokens_rotate_and_a_reused_one_is_refused() {
    let sb = Sandbox::start();
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let post = |body: String| {
        raw(
            &sb.url,
            "POST",
            "/ghl/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body),
        )
    };
    let base = [
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
    ];
    let r = post(form(&[
        base[0],
        base[1],
        ("grant_type", "authorization_code"),
        ("code", "sandbox-auth-code"),
    ]));
    assert_eq!(r.status, 200, "{}", r.body);
    let first: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    // The code works once.
    assert_eq!(
        post(form(&[
            base[0],
            base[1],
            ("grant_type", "authorization_code"),
            ("code", "sandbox-auth-code")
        ]))
        .status,
        400
    );
    // The access token works on the API.
    let at1 = first["access_token"].as_str().unwrap();
    assert!(sb
        .call(
            &ListContacts {
                location_id: LOCATION.into(),
                ..Default::default()
            },
            at1
        )
        .0
        .is_ok());
    // Refresh: a new pair; the old refresh token is then dead.
    let r = post(form(&[
        base[0],
        base[1],
        ("grant_type", "refresh_token"),
        ("refresh_token", &rt1),
    ]));
    assert_eq!(r.status, 200);
    let second: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let reused = post(form(&[
        base[0],
        base[1],
        ("grant_type", "refresh_token"),
        ("refresh_token", &rt1),
    ]));
    assert_eq!(reused.status, 400);
    assert!(reused.body.contains("already used"), "{}", reused.body);
    // A wrong client secret.
    assert_eq!(
        post(form(&[
            base[0],
            ("client_secret", "nope"),
            ("grant_type", "refresh_token")
        ]))
        .status,
        401
    );
}

#[test]
fn access_tokens_expire() {
    let sb = Sandbox::with(ghl_bridge_sandbox::Settings {
        access_token_ttl_secs: 0,
        ..Default::default()
    });
    let r = raw(&sb.url, "POST", "/ghl/oauth/token", &[("content-type", "application/x-www-form-urlencoded")],
        Some("client_id=sandbox-client&client_secret=sandbox-secret&grant_type=authorization_code&code=sandbox-auth-code".into()));
    let token: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let (res, _) = sb.call(
        &ListContacts {
            location_id: LOCATION.into(),
            ..Default::default()
        },
        token["access_token"].as_str().unwrap(),
    );
    assert!(
        matches!(res, Err(GhlError::Unauthorized { ref message }) if message.contains("expired")),
        "{res:?}"
    );
}

#[test]
fn list_paginates_with_the_cursor() {
    let sb = Sandbox::start();
    for i in 0..5 {
        sb.call(&create(Some(&format!("p{i}@example.fr")), None), TOKEN)
            .0
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut call = ListContacts {
        location_id: LOCATION.into(),
        limit: Some(2),
        ..Default::default()
    };
    loop {
        let page = sb.call(&call, TOKEN).0.unwrap();
        seen.extend(page.contacts.iter().map(|c| c.email.clone().unwrap()));
        match page.next_cursor() {
            Some((id, at)) => {
                call.start_after_id = Some(id);
                call.start_after = Some(at);
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..5)
            .map(|i| format!("p{i}@example.fr"))
            .collect::<Vec<_>>()
    );
    let over = ListContacts {
        location_id: LOCATION.into(),
        limit: Some(101),
        ..Default::default()
    };
    assert!(matches!(
        sb.call(&over, TOKEN).0,
        Err(GhlError::Validation { .. })
    ));
}

#[test]
fn tags_notes_tasks_and_duplicate_search() {
    let sb = Sandbox::start();
    let c = sb
        .call(&create(Some("t@example.fr"), Some("0612345678")), TOKEN)
        .0
        .unwrap()
        .contact;
    let (tags, resp) = sb.call(
        &AddTags {
            contact_id: c.id.clone(),
            body: TagsBody {
                tags: vec!["VIP".into(), "web".into()],
            },
        },
        TOKEN,
    );
    assert_eq!(resp.status, 201);
    assert_eq!(tags.unwrap().tags, vec!["vip", "web"]);
    let tags = sb
        .call(
            &RemoveTags {
                contact_id: c.id.clone(),
                body: TagsBody {
                    tags: vec!["web".into()],
                },
            },
            TOKEN,
        )
        .0
        .unwrap();
    assert_eq!(tags.tags, vec!["vip"]);
    let note = sb.call(
        &CreateNote {
            contact_id: c.id.clone(),
            body: NoteBody {
                body: "hello".into(),
                ..Default::default()
            },
        },
        TOKEN,
    );
    assert_eq!(note.1.status, 201);
    let task = sb
        .call(
            &CreateTask {
                contact_id: c.id.clone(),
                body: CreateTaskBody {
                    title: "Call".into(),
                    body: None,
                    due_date: "2026-11-23T09:00:00Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            },
            TOKEN,
        )
        .0
        .unwrap()
        .task;
    let done = sb
        .call(
            &SetTaskCompleted {
                contact_id: c.id.clone(),
                task_id: task.id,
                body: SetTaskCompletedBody { completed: true },
            },
            TOKEN,
        )
        .0
        .unwrap();
    assert!(done.task.completed);
    // A task without its required fields.
    let r = raw(
        &sb.url,
        "POST",
        &format!("/ghl/contacts/{}/tasks", c.id),
        &[
            ("Authorization", "Bearer sandbox-location-token"),
            ("Version", "2021-07-28"),
            ("content-type", "application/json"),
        ],
        Some("{\"body\": \"x\"}".into()),
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("title should not be empty"));
    let dup = sb
        .call(
            &FindDuplicateContact {
                location_id: LOCATION.into(),
                email: None,
                number: Some("+33612345678".into()),
            },
            TOKEN,
        )
        .0
        .unwrap();
    assert_eq!(dup.contact.unwrap().id, c.id);
    let none = sb
        .call(
            &FindDuplicateContact {
                location_id: LOCATION.into(),
                email: Some("zz@example.fr".into()),
                number: None,
            },
            TOKEN,
        )
        .0
        .unwrap();
    assert!(none.contact.is_none());
}

#[test]
fn another_location_is_off_limits() {
    let sb = Sandbox::start();
    let mut call = create(Some("x@example.fr"), None);
    call.body.location_id = "someone-elses-location".into();
    assert!(matches!(
        sb.call(&call, TOKEN).0,
        Err(GhlError::Forbidden { .. })
    ));
}

#[test]
fn custom_fields_are_listed_as_ghl_has_them_and_written_by_id_only() {
    let sb = Sandbox::start();
    let (listed, _) = sb.call(
        &ghl_bridge::ghl::custom_fields::ListCustomFields {
            location_id: LOCATION.into(),
        },
        TOKEN,
    );
    let fields = listed.unwrap().custom_fields;
    let budget = fields
        .iter()
        .find(|f| f.field_key == "contact.budget")
        .unwrap();
    assert_eq!(
        (budget.name.as_str(), budget.data_type.as_str()),
        ("Budget", "MONETORY")
    );
    let tier = fields.iter().find(|f| f.name == "Tier").unwrap();
    assert_eq!(tier.picklist_options, ["Gold", "Silver", "Bronze"]);

    let upsert = |items: serde_json::Value| {
        raw(
            &sb.url,
            "POST",
            "/ghl/contacts/upsert",
            &[
                ("Authorization", "Bearer sandbox-location-token"),
                ("Version", "2021-07-28"),
                ("content-type", "application/json"),
            ],
            Some(
                serde_json::json!({"locationId": LOCATION, "email": "cf@example.fr", "customFields": items})
                    .to_string(),
            ),
        )
    };
    // A key without an id is refused, as every item schema of the spec requires `id`.
    let key_only = upsert(serde_json::json!([{"key": "utm_source", "field_value": "google"}]));
    assert_eq!(key_only.status, 422, "{}", key_only.body);
    assert!(
        key_only.body.contains("customFields.0.id is required"),
        "{}",
        key_only.body
    );
    let unknown = upsert(serde_json::json!([{"id": "nope", "field_value": "x"}]));
    assert_eq!(unknown.status, 422);
    let by_id =
        upsert(serde_json::json!([{"id": budget.id, "key": "budget", "field_value": 1200}]));
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert!(by_id.body.contains(r#""value":1200"#), "{}", by_id.body);
}

#[test]
fn an_agency_bulk_install_gives_a_company_token_that_mints_location_tokens() {
    let sb = Sandbox::start();
    let no_redirects: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let chooser = no_redirects
        .get(format!(
            "{}/ghl/oauth/chooselocation?client_id=sandbox-client&redirect_uri=http://app/cb&state=s1",
            sb.url
        ))
        .call()
        .unwrap();
    assert_eq!(chooser.status().as_u16(), 303);
    let to = chooser.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("http://app/cb?code=") && to.ends_with("&state=s1"),
        "{to}"
    );
    let code = to
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let post = |path: &str, token: Option<&str>, body: String| {
        let auth = token.map(|t| format!("Bearer {t}")).unwrap_or_default();
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if token.is_some() {
            headers.push(("Authorization", auth.as_str()));
        }
        raw(&sb.url, "POST", path, &headers, Some(body))
    };
    let exchanged = post(
        "/ghl/oauth/token",
        None,
        format!("client_id=sandbox-client&client_secret=sandbox-secret&grant_type=authorization_code&code={code}&user_type=Company"),
    );
    let company: serde_json::Value = serde_json::from_str(&exchanged.body).unwrap();
    assert_eq!(company["userType"], "Company");
    assert_eq!(company["isBulkInstallation"], true);
    assert_eq!(company["companyId"], "dev-company");
    let company_token = company["access_token"].as_str().unwrap().to_string();
    assert!(company["refresh_token"].is_string());

    // A company token cannot touch contacts.
    let (denied, _) = sb.call(
        &ListContacts {
            location_id: LOCATION.into(),
            ..Default::default()
        },
        &company_token,
    );
    assert!(denied.is_err());

    let installed = raw(
        &sb.url,
        "GET",
        "/ghl/oauth/installedLocations?companyId=dev-company&appId=sandbox-app&isInstalled=true",
        &[("Authorization", &format!("Bearer {company_token}"))],
        None,
    );
    let listed: serde_json::Value = serde_json::from_str(&installed.body).unwrap();
    let ids: Vec<&str> = listed["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{listed}");
    assert!(ids.contains(&"dev-location-2"));

    let minted = post(
        "/ghl/oauth/locationToken",
        Some(&company_token),
        "companyId=dev-company&locationId=dev-location-2".into(),
    );
    assert_eq!(minted.status, 200, "{}", minted.body);
    let location: serde_json::Value = serde_json::from_str(&minted.body).unwrap();
    assert_eq!(location["locationId"], "dev-location-2");
    assert!(
        location.get("refresh_token").is_none(),
        "v2: no refresh token"
    );
    let token = location["access_token"].as_str().unwrap();
    let (own, _) = sb.call(
        &ListContacts {
            location_id: "dev-location-2".into(),
            ..Default::default()
        },
        token,
    );
    assert!(own.is_ok(), "{own:?}");
    let (other, _) = sb.call(
        &ListContacts {
            location_id: LOCATION.into(),
            ..Default::default()
        },
        token,
    );
    assert!(other.is_err(), "a location token reads only its location");
    let foreign = post(
        "/ghl/oauth/locationToken",
        Some(&company_token),
        "companyId=dev-company&locationId=elsewhere".into(),
    );
    assert_eq!(foreign.status, 400);

    // Uninstalled: its token stops working and it is no longer listed.
    sb.post_json(
        "/__sandbox/ghl/uninstall",
        serde_json::json!({"locationId": "dev-location-2"}),
    );
    let (after, _) = sb.call(
        &ListContacts {
            location_id: "dev-location-2".into(),
            ..Default::default()
        },
        token,
    );
    assert!(after.is_err());
}
