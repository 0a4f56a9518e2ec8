//! Signed webhooks, injected faults, and the Spot-Hit and Specter stand-ins.

mod common;

use base64::Engine;
use common::*;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use ghl_bridge::ghl::contacts::{ContactFields, CreateContact, CreateContactBody, ListContacts};
use ghl_bridge::ghl::tags::{AddTags, TagsBody};
use ghl_bridge::ghl::GhlError;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Received = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// A webhook receiver on a free port, recording signature headers and raw bodies.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Received) {
    let got: Received = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    let sig = headers
                        .get("x-ghl-signature")
                        .and_then(|v| v.to_str().ok())
                        .map(String::from);
                    sink.lock().unwrap().push((sig, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

fn wait_for(got: &Received, n: usize) -> Vec<(Option<String>, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if got.lock().unwrap().len() >= n {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    got.lock().unwrap().clone()
}

fn create(email: &str) -> CreateContact {
    CreateContact {
        body: CreateContactBody {
            location_id: LOCATION.into(),
            fields: ContactFields {
                email: Some(email.into()),
                ..Default::default()
            },
            ..Default::default()
        },
    }
}

#[test]
fn changes_send_webhooks_signed_with_the_sandbox_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, got) = receiver(&rt);
    let sb = Sandbox::start();
    sb.post_json("/__sandbox/config", json!({"webhookUrl": url}));
    let contact = sb
        .call(&create("hook@example.fr"), TOKEN)
        .0
        .unwrap()
        .contact;
    sb.call(
        &AddTags {
            contact_id: contact.id.clone(),
            body: TagsBody {
                tags: vec!["vip".into()],
            },
        },
        TOKEN,
    )
    .0
    .unwrap();

    let events = wait_for(&got, 2);
    assert_eq!(events.len(), 2);
    let keys = sb.get_json("/__sandbox/keys");
    let raw_key = base64::engine::general_purpose::STANDARD
        .decode(keys["webhookPublicKey"]["ed25519Raw"].as_str().unwrap())
        .unwrap();
    let key = VerifyingKey::from_bytes(&raw_key.try_into().unwrap()).unwrap();
    for (sig, body) in &events {
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig.as_deref().expect("signed"))
            .unwrap();
        let sig = Signature::from_slice(&sig).unwrap();
        assert!(
            key.verify(body, &sig).is_ok(),
            "signature verifies over the raw body"
        );
        let mut tampered = body.clone();
        tampered[5] ^= 1;
        assert!(key.verify(&tampered, &sig).is_err());
    }
    let first: Value = serde_json::from_slice(&events[0].1).unwrap();
    assert_eq!(first["type"], "ContactCreate");
    assert_eq!(first["locationId"], LOCATION);
    assert_eq!(first["email"], "hook@example.fr");
    assert!(first["webhookId"].as_str().unwrap().starts_with("wh_"));
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
    let second: Value = serde_json::from_slice(&events[1].1).unwrap();
    assert_eq!(second["type"], "ContactTagUpdate");
    assert_eq!(second["tags"], json!(["vip"]));
    let log = sb.get_json("/__sandbox/webhooks");
    assert_eq!(log["webhooks"].as_array().unwrap().len(), 2);
}

#[test]
fn injected_errors_storms_latency_and_drops() {
    let sb = Sandbox::start();
    let list = ListContacts {
        location_id: LOCATION.into(),
        ..Default::default()
    };

    sb.post_json(
        "/__sandbox/faults",
        json!({"errorRate": 1.0, "errorStatus": 503}),
    );
    assert!(matches!(
        sb.call(&list, TOKEN).0,
        Err(GhlError::Server { status: 503, .. })
    ));

    sb.post_json("/__sandbox/faults", json!({"storm429": 2}));
    for _ in 0..2 {
        let err = sb.call(&list, TOKEN).0.unwrap_err();
        assert!(matches!(err, GhlError::RateLimited { .. }), "{err:?}");
    }
    assert!(sb.call(&list, TOKEN).0.is_ok(), "the storm is over");

    // A storm in time: everything is 429 for 300 ms, then it clears.
    sb.post_json("/__sandbox/faults", json!({"storm429ForMs": 300}));
    assert!(matches!(
        sb.call(&list, TOKEN).0,
        Err(GhlError::RateLimited { .. })
    ));
    std::thread::sleep(Duration::from_millis(350));
    assert!(sb.call(&list, TOKEN).0.is_ok(), "the timed storm is over");

    sb.post_json("/__sandbox/faults", json!({"latencyMs": 300}));
    let t = Instant::now();
    assert!(sb.call(&list, TOKEN).0.is_ok());
    assert!(t.elapsed() >= Duration::from_millis(300));

    sb.post_json("/__sandbox/faults", json!({"dropRate": 1.0}));
    let request = ghl_bridge::ghl::build_request(&list, &sb.target(TOKEN)).unwrap();
    let outcome = agent()
        .get(&request.url)
        .header("Authorization", "Bearer sandbox-location-token")
        .header("Version", "2021-07-28")
        .call();
    let dropped = match outcome {
        Err(_) => true,
        Ok(mut r) => r.body_mut().read_to_string().is_err(),
    };
    assert!(dropped, "the connection is cut without a complete answer");

    // 20% of errors, with a seed: some fail, most pass, and the log says which.
    // (The burst limit is lifted so only injected faults fail.)
    sb.post_json("/__sandbox/config", json!({"burstLimit": 100000}));
    sb.post_json("/__sandbox/faults", json!({"errorRate": 0.2, "seed": 7}));
    let failures = (0..100)
        .filter(|_| sb.call(&list, TOKEN).0.is_err())
        .count();
    assert!(
        (8..=35).contains(&failures),
        "{failures} failures out of 100"
    );
    let log = sb.get_json("/__sandbox/requests");
    let faulted = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["note"] == "fault:500")
        .count();
    assert_eq!(faulted, failures);
    sb.post_json("/__sandbox/faults", json!({}));
    assert!(sb.call(&list, TOKEN).0.is_ok());
}

#[test]
fn reset_returns_to_the_seeded_state() {
    let sb = Sandbox::start();
    sb.call(&create("r@example.fr"), TOKEN).0.unwrap();
    assert_eq!(sb.get_json("/__sandbox/ghl/contacts")["count"], 1);
    sb.post_json("/__sandbox/reset", json!({}));
    assert_eq!(sb.get_json("/__sandbox/ghl/contacts")["count"], 0);
}

fn spothit(sb: &Sandbox, action: &str, form: &str) -> Value {
    let r = raw(
        &sb.url,
        "POST",
        &format!("/spothit/api/{action}"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form.into()),
    );
    assert_eq!(r.status, 200, "Spot-Hit answers 200 even for errors");
    serde_json::from_str(&r.body).unwrap()
}

#[test]
fn spothit_envelope_groups_import_and_sms() {
    let sb = Sandbox::start();
    assert_eq!(
        spothit(&sb, "groupe/lister", "key=wrong"),
        json!({"resultat": 0, "erreurs": "30"})
    );
    let created = spothit(&sb, "groupe/creer", "key=sandbox-spothit-key&nom=VIP");
    assert_eq!(created["resultat"], 1);
    let group = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        spothit(&sb, "groupe/lister", "key=sandbox-spothit-key"),
        json!([{"id": group, "groupe": "VIP"}])
    );
    let imported = spothit(&sb, "contacts/import", &format!("key=sandbox-spothit-key&groupe_id={group}&contacts[0][nom]=Dupont&contacts[0][mobile]=%2B33612345678"));
    assert_eq!(imported["resultat"], 1);
    let members = spothit(
        &sb,
        "contacts/get",
        &format!("key=sandbox-spothit-key&groupe={group}"),
    );
    assert_eq!(members[0]["mobile"], "+33612345678");
    assert_eq!(
        spothit(&sb, "envoyer/sms", "key=sandbox-spothit-key&message=Hi"),
        json!({"resultat": 0, "erreurs": "4"})
    );
    assert_eq!(
        spothit(
            &sb,
            "envoyer/sms",
            "key=sandbox-spothit-key&message=Hi%20STOP%2036200&destinataires=%2B33612345678"
        )["resultat"],
        1
    );
}

#[test]
fn spothit_callbacks_are_get_requests_to_the_configured_url() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/cb/{kind}",
        axum::routing::get(move |uri: axum::http::Uri| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(uri.to_string());
                "ok"
            }
        }),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    let sb = Sandbox::start();
    sb.post_json(
        "/__sandbox/config",
        json!({"spothitCallbackBase": format!("http://{addr}/cb")}),
    );
    let r = sb.post_json("/__sandbox/spothit/callback", json!({"kind": "stop", "params": {"numero": "+33612345678", "id": "1", "date": "1763812800"}}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        got.lock().unwrap()[0],
        "/cb/stop?date=1763812800&id=1&numero=+33612345678",
        "the `+` raw, as a careless sender leaves it"
    );
}

#[test]
fn specter_keys_credits_204_and_rate_limit() {
    let sb = Sandbox::start();
    let get = |path: &str, key: Option<&str>| {
        let headers: Vec<(&str, &str)> = key.map(|k| vec![("X-API-Key", k)]).unwrap_or_default();
        raw(
            &sb.url,
            "GET",
            &format!("/specter/api/v1{path}"),
            &headers,
            None,
        )
    };
    let k = Some("sandbox-specter-key");
    assert_eq!(
        get("/people/per_000000000000000000000001", None).status,
        401
    );
    let r = get("/people/per_000000000000000000000001", k);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-creditlimit-remaining"), Some("9999"));
    assert_eq!(
        get("/people/per_000000000000000000000003/email", k).status,
        204,
        "no e-mail on file"
    );
    assert_eq!(get("/people/per_nope", k).status, 404);
    let results: Value =
        serde_json::from_str(&get("/searches/people/1201/results", k).body).unwrap();
    assert_eq!(results.as_array().unwrap().len(), 2, "a bare array");
    let statuses: Vec<u16> = (0..20)
        .map(|_| {
            get(
                "/lists/people/6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01/results",
                k,
            )
            .status
        })
        .collect();
    assert!(
        statuses.contains(&429),
        "over 15 requests per second: {statuses:?}"
    );
}

#[test]
fn the_cores_specter_and_spothit_clients_work_against_the_sandbox() {
    use ghl_bridge::{specter, spothit};
    let sb = Sandbox::start();
    let sp = specter::SpecterTarget {
        base_url: format!("{}/specter/api/v1", sb.url),
        key: "sandbox-specter-key".into(),
    };
    let list = "6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01";
    let add = |ids: &[&str]| {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        specter::parse_answer(&send(&specter::add_to_list(&sp, list, &ids)))
    };
    let answer = add(&["per_000000000000000000000002"]).unwrap().unwrap();
    assert_eq!(answer["people"].as_array().unwrap().len(), 2);
    let err = add(&["per_unknown"]).unwrap_err();
    assert!(
        err.to_string().contains("unknown person id per_unknown"),
        "{err}"
    );
    let page = send(&specter::people_page(
        &sp,
        &specter::PeopleSource::List(list.into()),
        1,
        1,
        None,
    ));
    let rows = specter::parse_answer(&page).unwrap().unwrap();
    assert_eq!(
        rows[0]["person_id"], "per_000000000000000000000002",
        "page 1 of size 1"
    );
    let found = specter::parse_answer(&send(&specter::person_by_email(
        &sp,
        "Camille@octave-robotics.fr",
    )));
    assert_eq!(
        found.unwrap().unwrap()["person_id"],
        "per_000000000000000000000001"
    );
    let none = send(&specter::person_by_email(&sp, "nobody@example.fr"));
    assert_eq!(
        specter::parse_answer(&none),
        Ok(None),
        "204: no match, not an error"
    );

    let sh = spothit::SpotHitTarget {
        base_url: format!("{}/spothit/api", sb.url),
        key: "sandbox-spothit-key".into(),
    };
    let created = spothit::parse_answer(&send(&spothit::create_group(&sh, "VIP"))).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let groups = spothit::parse_answer(&send(&spothit::list_groups(&sh))).unwrap();
    assert_eq!(spothit::find_group(&groups, "VIP"), Some(id.clone()));
    let contact = spothit::SpotHitContact {
        mobile: Some("+33612345678".into()),
        ..Default::default()
    };
    spothit::parse_answer(&send(&spothit::import_contacts(&sh, &id, &[contact]))).unwrap();
    let numbers = ["+33612345678".to_string()];
    let empty = spothit::SmsSend {
        numbers: &numbers,
        ..Default::default()
    };
    let err = spothit::parse_answer(&send(&empty.request(&sh))).unwrap_err();
    assert_eq!(err, spothit::SpotHitError::Refused(vec!["2".into()]));
    let wrong = spothit::SpotHitTarget {
        key: "nope".into(),
        ..sh
    };
    let err = spothit::parse_answer(&send(&spothit::list_groups(&wrong))).unwrap_err();
    assert!(
        err.to_string().contains("30 (API key not recognised)"),
        "{err}"
    );
}
