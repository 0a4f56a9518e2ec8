//! The whole pipeline, inbound and sync back, against an in-memory world
//! (the core's `MemoryStore`, a virtual clock, a queue in a `Vec`) and the
//! real sandbox (its GHL, Spot-Hit and Specter, on a loopback port): the
//! duplicate rule, the silently dropped phone, 429s with GHL's headers, 5xx
//! and 422 are the sandbox's own. Seconds under a plain `cargo test`.

use ghl_bridge::admin_api::{
    Accepted, ContactAction, EventRecord, EventStatus, GhlOutcome, GhlRequestLog, MappingUsed,
};
use ghl_bridge::ghl::conversations::{MessageStatus, ProviderOutboundMessage};
use ghl_bridge::ghl::webhooks::GhlEvent;
use ghl_bridge::http::{HttpRequest, HttpResponse, Method};
use ghl_bridge::mapping::{builtin_template, parse_payload, PayloadFormat};
use ghl_bridge::sources::{EventKind, Source};
use ghl_bridge::specter::SpecterTarget;
use ghl_bridge::spothit::SpotHitTarget;
use ghl_bridge::sync::budget::Lane;
use ghl_bridge::sync::memory::MemoryStore;
use ghl_bridge::sync::protocol::{EventQuery, Exchange, StoreRequest, StoreTransport, WorldError};
use ghl_bridge::sync::provider::ProviderSettings;
use ghl_bridge::sync::sweep::sweep;
use ghl_bridge::sync::{
    directory, inbound, location, provider, specter_poll, sync_back, tenancy, Disposition,
    EventQueue, LocationSettings, QueuedEvent, QueuedKind, Run, Store, World,
};
use ghl_bridge_sandbox::Settings;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

const LOCATION: &str = "dev-location";
const TOKEN: &str = "sandbox-location-token";
const START_MS: u64 = 1_795_000_000_000;
const RULES: &str = r#"{"version": 1,
  "spotHit": {"tagGroups": {"vip": "Clients VIP"}},
  "specter": {"poll": [{"list": "6f1c2b1e-9a4d-4c36-8a55-2d1b6b0f7a01"}], "fetchEmails": true}}"#;

/// The sandbox on a free loopback port, for one test.
struct Sandbox {
    url: String,
    _runtime: tokio::runtime::Runtime,
}

impl Sandbox {
    fn start(settings: Settings) -> Sandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (addr, _) = runtime
            .block_on(ghl_bridge_sandbox::spawn(
                "127.0.0.1:0".parse().unwrap(),
                settings,
            ))
            .unwrap();
        Sandbox {
            url: format!("http://{addr}"),
            _runtime: runtime,
        }
    }

    fn get(&self, path: &str) -> Value {
        let r = http(&request(Method::Get, &format!("{}{path}", self.url), None));
        serde_json::from_str(&r.unwrap().body).unwrap()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let req = request(
            Method::Post,
            &format!("{}{path}", self.url),
            Some(body.to_string()),
        );
        serde_json::from_str(&http(&req).unwrap().body).unwrap_or(Value::Null)
    }

    fn contacts(&self) -> Vec<Value> {
        let all = self.get("/__sandbox/ghl/contacts")["contacts"].clone();
        serde_json::from_value(all).unwrap()
    }

    /// GHL calls the sandbox logged whose path contains `part`.
    fn calls(&self, part: &str) -> usize {
        self.get("/__sandbox/requests")["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["path"].as_str().unwrap_or_default().contains(part))
            .count()
    }

    fn faults(&self, faults: Value) {
        self.post("/__sandbox/faults", faults);
    }

    /// A contact made in GHL by a person, not by the bridge.
    fn person_creates(&self, body: Value) -> String {
        let mut req = request(
            Method::Post,
            &format!("{}/ghl/contacts/", self.url),
            Some(body.to_string()),
        );
        req.headers
            .push(("Authorization".into(), format!("Bearer {TOKEN}")));
        req.headers.push(("Version".into(), "2021-07-28".into()));
        let answer: Value = serde_json::from_str(&http(&req).unwrap().body).unwrap();
        answer["contact"]["id"].as_str().unwrap().to_string()
    }
}

fn request(method: Method, url: &str, body: Option<String>) -> HttpRequest {
    HttpRequest {
        method,
        url: url.to_string(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body,
    }
}

/// Sends a request with ureq: statuses are data, no answer is an `Err`.
fn http(request: &HttpRequest) -> Result<HttpResponse, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    let body = request.body.clone().unwrap_or_default();
    let sent = match request.method {
        Method::Get => agent.run(builder.body(()).map_err(|e| e.to_string())?),
        _ => agent.run(builder.body(body).map_err(|e| e.to_string())?),
    };
    let mut response = sent.map_err(|e| e.to_string())?;
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Ok(HttpResponse {
        status: response.status().as_u16(),
        headers,
        body: response.body_mut().read_to_string().unwrap_or_default(),
    })
}

/// The in-memory world: the store, a virtual clock that sleeping advances, a
/// queue of messages, each GHL call's virtual time.
struct TestWorld {
    clock: Rc<Cell<u64>>,
    store: Rc<MemoryStore>,
    /// Other stores by name (the directory, agencies, other locations).
    named: RefCell<std::collections::HashMap<String, Rc<MemoryStore>>>,
    queue: RefCell<Vec<QueuedEvent>>,
    calls_at: RefCell<Vec<u64>>,
    /// The queue refuses messages (a binding or an outage).
    queue_down: Cell<bool>,
    /// The consumer's lane deadline, when a test sets one.
    deadline: Cell<Option<u64>>,
}

impl TestWorld {
    fn new() -> TestWorld {
        let clock = Rc::new(Cell::new(START_MS));
        let store = Rc::new(MemoryStore::new(clock.clone()));
        TestWorld {
            named: RefCell::new([(LOCATION.to_string(), store.clone())].into()),
            store,
            clock,
            queue: RefCell::new(Vec::new()),
            calls_at: RefCell::new(Vec::new()),
            queue_down: Cell::new(false),
            deadline: Cell::new(None),
        }
    }

    fn advance(&self, ms: u64) {
        self.clock.set(self.clock.get() + ms);
    }
}

impl StoreTransport for TestWorld {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        self.store.exchange(request)
    }
}

impl World for TestWorld {
    type Named = Rc<MemoryStore>;

    fn store_named(&self, name: &str) -> Result<Rc<MemoryStore>, WorldError> {
        let mut named = self.named.borrow_mut();
        let store = named
            .entry(name.to_string())
            .or_insert_with(|| Rc::new(MemoryStore::new(self.clock.clone())));
        Ok(store.clone())
    }

    fn now_ms(&self) -> u64 {
        self.clock.get()
    }
    fn random(&self) -> f64 {
        0.5
    }
    async fn sleep(&self, ms: u64) {
        self.advance(ms);
    }
    fn wait_deadline_ms(&self) -> Option<u64> {
        self.deadline.get()
    }
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        if request.url.contains("/ghl/") {
            self.calls_at.borrow_mut().push(self.now_ms());
        }
        http(request)
    }
    async fn enqueue(&self, event: QueuedEvent) -> Result<(), WorldError> {
        if self.queue_down.get() {
            return Err(WorldError("queue: unavailable".into()));
        }
        self.queue.borrow_mut().push(event);
        Ok(())
    }
}

/// Runs a future to its end: nothing in this world ever waits for a wake-up
/// (HTTP blocks, sleeping moves the clock).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

struct Bridge {
    sandbox: Sandbox,
    world: TestWorld,
    settings: LocationSettings,
}

impl Bridge {
    fn new() -> Bridge {
        Bridge::with(Settings::default())
    }

    fn with(settings: Settings) -> Bridge {
        let sandbox = Sandbox::start(settings);
        let mut location = LocationSettings::new(LOCATION, &format!("{}/ghl", sandbox.url));
        location.ghl_token = Some(TOKEN.into());
        location.default_phone_region = Some("FR".into());
        location.sync_rules = Some(RULES.into());
        location.spothit = Some(SpotHitTarget {
            base_url: format!("{}/spothit/api", sandbox.url),
            key: "sandbox-spothit-key".into(),
        });
        location.specter = Some(SpecterTarget {
            base_url: format!("{}/specter/api/v1", sandbox.url),
            key: "sandbox-specter-key".into(),
        });
        Bridge {
            sandbox,
            world: TestWorld::new(),
            settings: location,
        }
    }

    /// A web-form delivery, as the form route hands it to the pipeline.
    fn form(&self, event_id: &str, payload: Value) -> ghl_bridge::admin_api::Accepted {
        let text = payload.to_string();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::form("demo"),
            Some(event_id.into()),
            PayloadFormat::Json,
            text,
            &payload,
        ))
        .unwrap()
    }

    /// One queue message, as the consumer runs it; answers its disposition.
    fn deliver(&self, message: &QueuedEvent) -> Disposition {
        match message.kind {
            QueuedKind::Inbound => {
                block_on(inbound::run(&self.world, &self.settings, &message.key))
                    .unwrap()
                    .disposition()
            }
            QueuedKind::Ghl => block_on(sync_back::run(&self.world, &self.settings, &message.key))
                .unwrap()
                .disposition(),
        }
    }

    /// Runs the queue until it is empty, as Cloudflare Queues would: a
    /// message put back waits its delay (the clock moves on). Answers the
    /// delays asked for, in order.
    fn drain(&self) -> Vec<u32> {
        let mut delays = Vec::new();
        for _ in 0..200 {
            let Some(message) = self.world.queue.borrow_mut().pop() else {
                return delays;
            };
            match self.deliver(&message) {
                Disposition::Ack => {}
                Disposition::RetryAfterSeconds(s) => {
                    delays.push(s);
                    self.world.advance(s as u64 * 1000);
                    self.world.queue.borrow_mut().insert(0, message);
                }
            }
        }
        panic!("the queue never emptied");
    }

    fn event(&self, key: &str) -> EventRecord {
        let page = block_on(self.world.events(EventQuery {
            limit: 1000,
            ..EventQuery::default()
        }))
        .unwrap();
        page.events.into_iter().find(|e| e.key == key).unwrap()
    }

    /// A GHL webhook as the hook route hands it on, once verified.
    fn ghl_webhook(&self, id: &str, kind: &str, data: Value) -> GhlOutcome {
        let mut body = data;
        body["type"] = json!(kind);
        body["locationId"] = json!(LOCATION);
        body["webhookId"] = json!(id);
        body["timestamp"] = json!("2026-11-20T10:00:00.000Z");
        let event: GhlEvent = serde_json::from_value(body).unwrap();
        block_on(sync_back::accept(&self.world, &self.settings, event))
            .unwrap()
            .outcome
    }
}

impl Bridge {
    /// A Spot-Hit delivery status for `numero` (E.164), as the hook route hands it on.
    fn receipt(&self, id: &str, numero: &str, statut: &str) -> ghl_bridge::admin_api::Accepted {
        let text = format!(
            "id_accuse={id}&id_message=245174&numero={}&statut={statut}&statut_code=0&nom=Relance",
            numero.replace('+', "%2B")
        );
        let payload = parse_payload(&text, PayloadFormat::Form).unwrap();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::built_in(EventKind::SpotHitStatus),
            None,
            PayloadFormat::Form,
            text.clone(),
            &payload,
        ))
        .unwrap()
    }

    /// A contact the bridge wrote from a form lead (so its identity cache
    /// knows it by e-mail and phone): its GHL id.
    fn known_contact(&self, email: &str, phone: &str) -> String {
        let accepted = self.form(email, lead(email, phone));
        self.drain();
        let record = self.event(&accepted.event_id);
        assert_eq!(record.status, EventStatus::Done, "{record:?}");
        record.contact_id.unwrap()
    }

    /// The tags of the sandbox's contact `id`.
    fn tags_of(&self, id: &str) -> Vec<String> {
        let contact = self.contacts_by_id(id);
        serde_json::from_value(contact["tags"].clone()).unwrap_or_default()
    }

    fn contacts_by_id(&self, id: &str) -> Value {
        self.sandbox
            .contacts()
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap_or(Value::Null)
    }
}

fn lead(email: &str, phone: &str) -> Value {
    json!({"first_name": "Jeanne", "last_name": "Martin", "email": email, "phone": phone,
           "message": "Bonjour, je voudrais un devis.", "utm_source": "google"})
}

#[test]
fn a_form_lead_becomes_one_contact_with_its_tags_and_note() {
    let b = Bridge::new();
    let accepted = b.form("f-1", lead("jeanne@example.fr", "06 12 34 56 78"));
    assert_eq!(accepted.status, "queued");
    assert_eq!(b.drain(), Vec::<u32>::new());
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done, "{record:?}");
    assert_eq!(record.action, Some(ContactAction::Created));
    let contacts = b.sandbox.contacts();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["phone"], "+33612345678");
    assert_eq!(contacts[0]["email"], "jeanne@example.fr");
    assert_eq!(contacts[0]["notes"].as_array().unwrap().len(), 1);
    assert_eq!(record.ghl_calls, b.sandbox.calls("/ghl/contacts/") as u32);
    assert_eq!(
        b.sandbox.calls("/customFields"),
        1,
        "and the location's custom fields"
    );
}

#[test]
fn a_redelivered_webhook_is_a_duplicate_and_costs_no_call() {
    let b = Bridge::new();
    let first = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    let again = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    assert_eq!(again.status, "duplicate");
    assert_eq!(again.event_id, first.event_id);
    assert_eq!(b.world.queue.borrow().len(), 1, "queued once");
    b.drain();
    let late = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    assert_eq!(late.outcome, Some(EventStatus::Done));
    assert_eq!(b.sandbox.calls("/contacts/upsert"), 1);
    assert_eq!(b.sandbox.contacts().len(), 1);
}

#[test]
fn a_message_delivered_twice_runs_one_attempt_at_a_time() {
    let b = Bridge::new();
    let accepted = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    let key = accepted.event_id;
    // Two consumers got the same message: the first claim holds the event.
    let first = block_on(b.world.claim(key.clone())).unwrap();
    assert!(first.record.is_some());
    let second = block_on(inbound::run(&b.world, &b.settings, &key)).unwrap();
    assert_eq!(second, Run::HeldElsewhere, "a racing claim must not run");
    assert_eq!(b.sandbox.calls("/ghl/"), 0);
    // The first consumer died: after the claim lease the event runs once.
    b.world.advance(ghl_bridge::sync::records::CLAIM_LEASE_MS);
    let third = block_on(inbound::run(&b.world, &b.settings, &key)).unwrap();
    assert!(matches!(third, Run::Attempted(ref r, _) if r.status == EventStatus::Done));
    let contacts = b.sandbox.contacts();
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        contacts[0]["notes"].as_array().unwrap().len(),
        1,
        "one note"
    );
    let again = block_on(inbound::run(&b.world, &b.settings, &key)).unwrap();
    assert_eq!(again, Run::Skipped);
}

#[test]
fn server_errors_and_429s_are_retried_with_backoff_then_succeed() {
    let b = Bridge::new();
    // Two 429s with GHL's headers, then 503s on the note for a while.
    b.sandbox
        .faults(json!({"storm429": 2, "pathContains": "/contacts/upsert"}));
    let accepted = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    let delays = b.drain();
    assert_eq!(delays.len(), 2, "{delays:?}");
    assert!(
        delays.iter().all(|d| *d >= 1),
        "never sooner than GHL asked"
    );
    let record = b.event(&accepted.event_id);
    assert_eq!((record.status, record.attempts), (EventStatus::Done, 3));

    b.sandbox
        .faults(json!({"errorRate": 1.0, "errorStatus": 503, "pathContains": "/notes"}));
    let second = b.form("f-2", lead("paul@example.fr", "0622222222"));
    for _ in 0..3 {
        let message = b.world.queue.borrow_mut().pop().unwrap();
        let Disposition::RetryAfterSeconds(delay) = b.deliver(&message) else {
            panic!("a 503 is retried")
        };
        b.world.advance(delay as u64 * 1000);
        b.world.queue.borrow_mut().push(message);
    }
    let record = b.event(&second.event_id);
    assert_eq!(record.status, EventStatus::Queued);
    assert!(
        record.error.as_deref().unwrap().contains("503"),
        "{record:?}"
    );
    assert_eq!(record.steps_done, 1, "the tags step is done, not redone");
    b.sandbox.faults(json!({}));
    b.drain();
    let record = b.event(&second.event_id);
    assert_eq!((record.status, record.attempts), (EventStatus::Done, 4));
    assert_eq!(
        b.sandbox.calls("/contacts/upsert"),
        3 + 1,
        "upserted once after the 429s"
    );
    let paul = b
        .sandbox
        .contacts()
        .into_iter()
        .find(|c| c["email"] == "paul@example.fr")
        .unwrap();
    assert_eq!(paul["notes"].as_array().unwrap().len(), 1);
}

#[test]
fn the_call_budget_holds_every_window_and_a_pause_calls_no_one() {
    let b = Bridge::with(Settings {
        burst_limit: 100_000,
        ..Settings::default()
    });
    let keys: Vec<String> = (0..40)
        .map(|i| {
            let payload = lead(&format!("p{i}@example.fr"), &format!("06123456{i:02}"));
            b.form(&format!("f-{i}"), payload).event_id
        })
        .collect();
    let delays = b.drain();
    assert!(
        !delays.is_empty(),
        "one waited for the budget away from the queue"
    );
    for key in &keys {
        let e = b.event(key);
        assert_eq!(
            (e.status, e.attempts),
            (EventStatus::Done, 1),
            "waiting for the budget is not an attempt"
        );
    }
    let at = b.world.calls_at.borrow().clone();
    assert_eq!(
        at.len(),
        1 + 120,
        "the custom fields once, then 3 calls per lead"
    );
    for (i, t) in at.iter().enumerate() {
        let in_window = at[i..].iter().take_while(|u| **u < t + 10_000).count();
        assert!(
            in_window <= 90,
            "{in_window} calls within 10 s from call {i}"
        );
    }
    // GHL said 429 elsewhere: the location is paused longer than an attempt
    // may wait, so the event goes back on the queue without calling GHL.
    block_on(b.world.rate_pause(30_000)).unwrap();
    let before = b.sandbox.calls("/ghl/");
    b.form("f-late", lead("late@example.fr", "0699999999"));
    let message = b.world.queue.borrow_mut().pop().unwrap();
    assert!(matches!(b.deliver(&message), Disposition::RetryAfterSeconds(s) if s >= 30));
    assert_eq!(b.sandbox.calls("/ghl/"), before, "no call while paused");
    assert_eq!(b.event(&message.key).attempts, 0);
}

#[test]
fn a_refusal_parks_the_event_and_a_replay_resumes_after_the_done_steps() {
    let b = Bridge::new();
    b.sandbox
        .faults(json!({"errorRate": 1.0, "errorStatus": 422, "pathContains": "/notes"}));
    let accepted = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    b.drain();
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Parked);
    assert!(
        record.error.as_deref().unwrap().starts_with("GHL refused"),
        "{record:?}"
    );
    let parked = block_on(b.world.events(EventQuery {
        status: Some(EventStatus::Parked),
        limit: 10,
        ..EventQuery::default()
    }))
    .unwrap();
    assert_eq!(parked.events.len(), 1, "a dead letter");

    b.sandbox.faults(json!({}));
    assert!(block_on(b.world.replay(accepted.event_id.clone()))
        .unwrap()
        .is_some());
    assert!(block_on(b.world.replay(accepted.event_id.clone()))
        .unwrap()
        .is_none());
    b.world.enqueue_now(&accepted.event_id);
    b.drain();
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done);
    assert_eq!(b.sandbox.calls("/contacts/upsert"), 1, "not upserted again");
    assert_eq!(b.sandbox.calls("/tags"), 1, "tags not added again");
    assert_eq!(
        b.sandbox.contacts()[0]["notes"].as_array().unwrap().len(),
        1
    );
}

trait EnqueueNow {
    fn enqueue_now(&self, key: &str);
}

impl EnqueueNow for TestWorld {
    fn enqueue_now(&self, key: &str) {
        block_on(self.enqueue(QueuedEvent::inbound(LOCATION, key))).unwrap();
    }
}

#[test]
fn an_email_and_a_phone_of_two_known_contacts_park_without_a_write() {
    let b = Bridge::new();
    b.form("a", lead("anne@example.fr", "0611111111"));
    b.form("b", lead("bruno@example.fr", "0622222222"));
    b.drain();
    let mixed = b.form("c", lead("anne@example.fr", "0622222222"));
    let before = b.sandbox.calls("/ghl/");
    b.drain();
    let record = b.event(&mixed.event_id);
    assert_eq!(record.status, EventStatus::Parked);
    assert_eq!(
        record.reason_code,
        Some(ghl_bridge::admin_api::ParkCode::IdentityConflict),
        "dead letters group by code, not by the text naming the contacts"
    );
    assert!(record.error.unwrap().starts_with("identity conflict"));
    assert_eq!(b.sandbox.calls("/ghl/"), before, "nothing was written");
}

#[test]
fn a_phone_ghl_drops_is_reported_and_not_cached() {
    let b = Bridge::new();
    // Made in GHL by people: the bridge's cache knows neither.
    b.sandbox
        .person_creates(json!({"locationId": LOCATION, "email": "anne@example.fr"}));
    let bruno = b
        .sandbox
        .person_creates(json!({"locationId": LOCATION, "phone": "+33622222222"}));
    let accepted = b.form("c", lead("anne@example.fr", "0622222222"));
    b.drain();
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done);
    assert_eq!(record.action, Some(ContactAction::Updated));
    assert!(
        record
            .warnings
            .iter()
            .any(|w| w.contains("+33622222222") && w.contains("belongs to another contact")),
        "{:?} {:?}",
        record.warnings,
        b.sandbox.contacts()
    );
    let known = block_on(b.world.identity_get(vec![
        "email:anne@example.fr".into(),
        "phone:+33622222222".into(),
    ]))
    .unwrap();
    assert_eq!(
        known.len(),
        1,
        "only the e-mail is this contact's: {known:?}"
    );
    assert_eq!(b.sandbox.contacts().len(), 2);
    assert!(!known.values().any(|id| *id == bruno));
}

#[test]
fn the_bridges_own_write_is_an_echo_and_a_persons_tag_is_a_change() {
    let b = Bridge::new();
    let payload = json!({"first_name": "Jeanne", "email": "jeanne@example.fr", "tags": "vip"});
    let text = payload.to_string();
    let accepted = block_on(inbound::accept(
        &b.world,
        LOCATION,
        Source::form("demo"),
        None,
        PayloadFormat::Json,
        text,
        &payload,
    ))
    .unwrap();
    b.drain();
    let contact = b.event(&accepted.event_id).contact_id.unwrap();
    let tags: Vec<String> = b.sandbox.contacts()[0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert!(!tags.is_empty(), "the mapping tagged the contact");
    let echo = b.ghl_webhook(
        "w-1",
        "ContactTagUpdate",
        json!({"id": contact, "tags": tags}),
    );
    assert_eq!(echo, GhlOutcome::Echo);
    assert!(
        b.world.queue.borrow().is_empty(),
        "an echo is not synced back"
    );
    b.world.advance(1_000);
    let mut changed = tags.clone();
    changed.push("vip".into());
    changed.push("relance".into());
    let change = b.ghl_webhook(
        "w-2",
        "ContactTagUpdate",
        json!({"id": contact, "tags": changed}),
    );
    assert_eq!(
        change,
        GhlOutcome::Recorded,
        "a tag a person added is a change"
    );
    assert_eq!(b.world.queue.borrow().len(), 1);
    assert_eq!(
        b.ghl_webhook("w-2", "ContactTagUpdate", json!({"id": contact})),
        GhlOutcome::Duplicate
    );
    // Long after the write, the same tags are a change too.
    b.world.advance(120_000);
    let later = b.ghl_webhook("w-3", "ContactUpdate", json!({"id": contact, "tags": tags}));
    assert_eq!(later, GhlOutcome::Recorded);
}

#[test]
fn a_spothit_group_is_found_or_created_once_and_each_person_imported_once() {
    let b = Bridge::new();
    for (i, phone) in ["+33611111111", "+33622222222"].iter().enumerate() {
        let outcome = b.ghl_webhook(
            &format!("w-{i}"),
            "ContactTagUpdate",
            json!({"id": format!("c-{i}"), "tags": ["VIP"], "phone": phone, "firstName": "Ana"}),
        );
        assert_eq!(outcome, GhlOutcome::Recorded);
    }
    // The first contact tagged again (a redelivered change): no second import.
    b.ghl_webhook(
        "w-again",
        "ContactUpdate",
        json!({"id": "c-0", "tags": ["vip", "x"], "phone": "+33611111111"}),
    );
    b.drain();
    let spothit = b.sandbox.get("/__sandbox/spothit");
    assert_eq!(spothit["groups"].as_array().unwrap().len(), 1, "{spothit}");
    assert_eq!(
        spothit["contacts"].as_array().unwrap().len(),
        2,
        "{spothit}"
    );
    let entries = block_on(b.world.ghl_events(10)).unwrap();
    let lines: Vec<String> = entries
        .iter()
        .flat_map(|e| e.sync.clone().unwrap().results)
        .collect();
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("imported into Spot-Hit group"))
            .count()
            == 2,
        "{lines:?}"
    );
}

#[test]
fn specter_polls_queue_only_new_or_changed_people() {
    let b = Bridge::new();
    let first = block_on(specter_poll::poll(
        &b.world,
        &b.settings,
        specter_poll::PollTrigger::Admin,
    ))
    .unwrap();
    assert_eq!(first.sources[0].queued, 1, "{first:?}");
    b.drain();
    assert_eq!(b.sandbox.contacts().len(), 1);
    let second = block_on(specter_poll::poll(
        &b.world,
        &b.settings,
        specter_poll::PollTrigger::Admin,
    ))
    .unwrap();
    assert_eq!(
        (second.sources[0].queued, second.sources[0].unchanged),
        (0, 1)
    );
    b.sandbox.post(
        "/__sandbox/specter",
        json!({"people": [{"person_id": "per_000000000000000000000001", "first_name": "Camille",
            "last_name": "Martin", "current_position_title": "CEO", "current_position_company_name": "Nouvelle SAS",
            "last_updated": "2026-11-20T10:00:00.000Z"}]}),
    );
    let third = block_on(specter_poll::poll(
        &b.world,
        &b.settings,
        specter_poll::PollTrigger::Admin,
    ))
    .unwrap();
    assert_eq!(third.sources[0].queued, 1, "the job change: {third:?}");
    b.drain();
    let contacts = b.sandbox.contacts();
    assert_eq!(contacts.len(), 1, "still one contact");
    assert_eq!(contacts[0]["companyName"], "Nouvelle SAS");
}

#[test]
fn a_lost_message_is_swept_back_and_still_syncs_once() {
    let b = Bridge::new();
    let accepted = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    b.world.queue.borrow_mut().clear(); // the queue lost it
    assert!(block_on(sweep(&b.world, LOCATION, None))
        .unwrap()
        .inbound
        .is_empty());
    b.world.advance(16 * 60 * 1000);
    let swept = block_on(sweep(&b.world, LOCATION, None)).unwrap();
    assert_eq!(swept.inbound, vec![accepted.event_id.clone()]);
    // A second sweep right after does not take it again.
    assert!(block_on(sweep(&b.world, LOCATION, None))
        .unwrap()
        .inbound
        .is_empty());
    b.drain();
    assert_eq!(b.event(&accepted.event_id).status, EventStatus::Done);
    assert_eq!(b.sandbox.contacts().len(), 1);
}

#[test]
fn events_page_newest_first_by_cursor_and_retention_drops_payloads_first() {
    let b = Bridge::new();
    for i in 0..25 {
        b.form(
            &format!("f-{i}"),
            lead(&format!("p{i}@example.fr"), "0612345678"),
        );
        b.world.advance(1_000);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = block_on(b.world.events(EventQuery {
            limit: 10,
            cursor: cursor.clone(),
            ..EventQuery::default()
        }))
        .unwrap();
        seen.extend(page.events.iter().map(|e| e.received_at_ms));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 25);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );

    b.drain();
    const DAY: u64 = 24 * 3600 * 1000;
    b.world.advance(8 * DAY);
    let report = block_on(b.world.retain(30, None)).unwrap();
    assert_eq!((report.payloads_dropped, report.events_deleted), (25, 0));
    b.world.advance(23 * DAY);
    let report = block_on(b.world.retain(30, None)).unwrap();
    assert_eq!(report.events_deleted, 25);
    let left = block_on(b.world.storage_report()).unwrap();
    assert_eq!((left.events, left.payloads), (0, 0));
}

#[test]
fn a_template_sample_runs_through_unchanged_mappings() {
    // Every built-in inbound template's sample lands as one done event.
    let b = Bridge::new();
    for name in ["web-form", "spothit-reply", "spothit-stop"] {
        let t = builtin_template(name).unwrap();
        let payload = parse_payload(t.sample, t.format).unwrap();
        let accepted = block_on(inbound::accept(
            &b.world,
            LOCATION,
            Source::named(name),
            None,
            t.format,
            t.sample.to_string(),
            &payload,
        ))
        .unwrap();
        b.drain();
        let record = b.event(&accepted.event_id);
        assert_eq!(record.status, EventStatus::Done, "{name}: {record:?}");
    }
}

#[test]
fn custom_fields_are_written_by_id_and_an_unknown_one_parks_naming_the_closest() {
    let b = Bridge::new();
    let first = b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    b.form("f-2", lead("paul@example.fr", "0622222222"));
    b.drain();
    assert_eq!(b.event(&first.event_id).status, EventStatus::Done);
    let log = b.sandbox.get("/__sandbox/requests")["requests"].clone();
    let upserts: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/contacts/upsert"))
        .collect();
    assert_eq!(upserts.len(), 2);
    for upsert in &upserts {
        let items = upsert["body"]["customFields"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|i| i["id"].is_string() && i.get("key").is_none()),
            "{items:?}"
        );
    }
    assert_eq!(
        b.sandbox.calls("/customFields"),
        1,
        "the list is read once and kept"
    );
    assert_eq!(
        b.event(&first.event_id).ghl_calls,
        3,
        "the list is the location's, not the event's"
    );

    let mapping = r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
        {"to": "customField.Budjet", "from": "budget"}, {"to": "customField.tier", "from": "tier"}]}"#;
    block_on(b.world.mapping_put("demo".into(), mapping.into())).unwrap();
    let typo = b.form(
        "f-3",
        json!({"email": "anne@example.fr", "budget": "1 500 €", "tier": "gold"}),
    );
    b.drain();
    let record = b.event(&typo.event_id);
    assert_eq!(record.status, EventStatus::Parked);
    assert_eq!(
        record.error.as_deref(),
        Some("custom field `Budjet` does not exist in location dev-location; closest: `contact.budget` \"Budget\"")
    );
    assert_eq!(
        b.sandbox.calls("/contacts/upsert"),
        2,
        "nothing was written"
    );

    let fixed = r#"{"version": 1, "fields": [{"to": "email", "from": "email"},
        {"to": "customField.Budget", "from": "budget"}, {"to": "customField.tier", "from": "tier"}]}"#;
    block_on(b.world.mapping_put("demo".into(), fixed.into())).unwrap();
    block_on(b.world.replay(typo.event_id.clone()))
        .unwrap()
        .unwrap();
    b.world.enqueue_now(&typo.event_id);
    b.drain();
    assert_eq!(b.event(&typo.event_id).status, EventStatus::Done);
    let anne = b
        .sandbox
        .contacts()
        .into_iter()
        .find(|c| c["email"] == "anne@example.fr")
        .unwrap();
    let mut values: Vec<String> = anne["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}={}", f["id"].as_str().unwrap(), f["value"]))
        .collect();
    values.sort();
    assert_eq!(
        values,
        ["cf010=1500.0", "cf011=\"Gold\""],
        "a number, and the option as GHL spells it"
    );
}

#[test]
fn an_event_recorded_while_the_queue_was_down_is_queued_by_the_senders_retry() {
    let b = Bridge::new();
    let payload = lead("jeanne@example.fr", "0612345678");
    let text = payload.to_string();
    b.world.queue_down.set(true);
    let first = block_on(inbound::accept(
        &b.world,
        LOCATION,
        Source::form("demo"),
        Some("f-1".into()),
        PayloadFormat::Json,
        text.clone(),
        &payload,
    ));
    assert!(
        first.is_err(),
        "the Worker answers 429: the sender keeps the event"
    );
    b.world.queue_down.set(false);
    let retry = b.form("f-1", payload);
    assert_eq!(retry.status, "duplicate", "recorded once");
    assert_eq!(b.world.queue.borrow().len(), 1, "and queued by the retry");
    b.drain();
    assert_eq!(b.event(&retry.event_id).status, EventStatus::Done);
    assert_eq!(b.sandbox.contacts().len(), 1);
    // A later redelivery of a done event queues nothing.
    b.form("f-1", lead("jeanne@example.fr", "0612345678"));
    assert!(b.world.queue.borrow().is_empty());
}

#[test]
fn a_source_id_belongs_to_one_location_and_an_uninstalled_location_ignores_its_events() {
    use ghl_bridge::admin_api::{SourceKind, SourceUpdate};
    use ghl_bridge::sync::{install, location, tenancy};
    let b = Bridge::new();
    let form = || SourceUpdate {
        kind: SourceKind::Form,
        signing_secret: None,
        mapping: None,
        rotate_secret: false,
        drop_previous_secret: false,
    };
    let saved = block_on(tenancy::put_source(
        &b.world,
        "dev-location-2",
        "shop",
        form(),
        "whsec_c2VjcmV0LW9uZQ==".into(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        saved.signing_secret.as_deref(),
        Some("whsec_c2VjcmV0LW9uZQ=="),
        "a new secret is shown once"
    );
    assert_eq!(saved.signing_secret_last4, "ZQ==");
    let again = block_on(tenancy::put_source(
        &b.world,
        "dev-location-2",
        "shop",
        form(),
        "whsec_other".into(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        again.signing_secret, None,
        "an existing secret is kept and not shown"
    );
    let taken = block_on(tenancy::put_source(
        &b.world,
        "dev-location-3",
        "shop",
        form(),
        "whsec_x".into(),
    ))
    .unwrap();
    assert!(
        matches!(&taken, Err(tenancy::SourceRefused::Taken(owner)) if owner == "dev-location-2"),
        "{taken:?}"
    );
    for reserved in ["spothit-stop", "Specter-Person", "spothit-reply "] {
        let refused = block_on(tenancy::put_source(
            &b.world,
            "dev-location-2",
            reserved,
            form(),
            "x".into(),
        ))
        .unwrap();
        assert!(
            matches!(refused, Err(tenancy::SourceRefused::Reserved)),
            "{reserved}"
        );
    }
    let routed = block_on(tenancy::form_source(&b.world, "shop")).unwrap();
    assert_eq!(
        routed,
        Some((
            "dev-location-2".into(),
            vec!["whsec_c2VjcmV0LW9uZQ==".into()]
        ))
    );
    // A rotation: the new secret, answered once, and the old one beside it
    // until the rotation ends.
    let rotate = SourceUpdate {
        rotate_secret: true,
        ..form()
    };
    let rotated = block_on(tenancy::put_source(
        &b.world,
        "dev-location-2",
        "shop",
        rotate,
        "whsec_c2VjcmV0LXR3bw==".into(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        rotated.signing_secret.as_deref(),
        Some("whsec_c2VjcmV0LXR3bw==")
    );
    assert_eq!(rotated.previous_secret_last4.as_deref(), Some("ZQ=="));
    let both = block_on(tenancy::form_source(&b.world, "shop"))
        .unwrap()
        .unwrap();
    assert_eq!(both.1, ["whsec_c2VjcmV0LXR3bw==", "whsec_c2VjcmV0LW9uZQ=="]);
    let body = br#"{"email":"a@b.fr"}"#;
    let now = 1_795_341_600;
    let old_sig =
        ghl_bridge::sources::standard_webhooks::sign("whsec_c2VjcmV0LW9uZQ==", "m", now, body)
            .unwrap();
    let verify = |secrets: &[String]| {
        ghl_bridge::sources::standard_webhooks::verify_any(
            secrets,
            Some("m"),
            Some(&now.to_string()),
            Some(&old_sig),
            body,
            now,
        )
    };
    assert_eq!(verify(&both.1), Ok(()), "the old sender still gets in");
    let ended = SourceUpdate {
        drop_previous_secret: true,
        ..form()
    };
    block_on(tenancy::put_source(
        &b.world,
        "dev-location-2",
        "shop",
        ended,
        "x".into(),
    ))
    .unwrap()
    .unwrap();
    let only_new = block_on(tenancy::form_source(&b.world, "shop"))
        .unwrap()
        .unwrap();
    assert_eq!(only_new.1, ["whsec_c2VjcmV0LXR3bw=="]);
    assert!(verify(&only_new.1).is_err(), "the rotation is over");

    let event: GhlEvent =
        serde_json::from_value(json!({"type": "UNINSTALL", "locationId": LOCATION,
        "webhookId": "w-u", "timestamp": "2026-11-20T10:00:00.000Z", "appId": "app"}))
        .unwrap();
    assert!(block_on(install::on_uninstall(&b.world, &event)).unwrap());
    assert!(block_on(location::is_uninstalled(&b.world)).unwrap());
    let payload = json!({"email": "apres@example.fr"});
    let ignored = block_on(inbound::ignore(
        &b.world,
        Source::form("demo"),
        Some("m-1".into()),
        PayloadFormat::Json,
        payload.to_string(),
        &payload,
        location::UNINSTALLED,
    ))
    .unwrap();
    assert_eq!(
        (ignored.status.as_str(), ignored.outcome),
        ("ignored", Some(EventStatus::Ignored))
    );
    assert!(b.world.queue.borrow().is_empty(), "nothing queued");
    let claimed = block_on(b.world.claim(ignored.event_id)).unwrap();
    assert_eq!(
        claimed.skip,
        Some(EventStatus::Ignored),
        "an ignored event is settled"
    );
    assert_eq!(b.sandbox.calls("/ghl/"), 0, "no GHL call");
}

fn connect(
    world: &TestWorld,
    location: &str,
    service: ghl_bridge::admin_api::Service,
    body: Value,
    fresh: &str,
) -> ghl_bridge::admin_api::ConnectionAnswer {
    let change = serde_json::from_value(body).unwrap();
    let origin = "https://bridge.example";
    block_on(tenancy::connect(
        world,
        location,
        service,
        change,
        fresh.into(),
        origin,
    ))
    .unwrap()
}

fn spothit_owner(world: &TestWorld, token: &str) -> Option<String> {
    let own = Some(("env-token", LOCATION));
    block_on(tenancy::spothit_location(world, own, token, |a, b| a == b)).unwrap()
}

#[test]
fn each_location_has_its_own_spothit_and_specter_accounts_and_callback_urls() {
    use ghl_bridge::admin_api::Service;
    let world = TestWorld::new();
    let a = connect(
        &world,
        "loc-a",
        Service::SpotHit,
        json!({"apiKey": "key-aaaa-1111"}),
        "tok-a",
    );
    connect(
        &world,
        "loc-b",
        Service::SpotHit,
        json!({"apiKey": "key-bbbb-2222"}),
        "tok-b",
    );
    connect(
        &world,
        "loc-b",
        Service::Specter,
        json!({"apiKey": "spec-bbbb-3333"}),
        "unused",
    );
    let urls = a
        .callback_urls
        .clone()
        .expect("the callback URLs to paste into Spot-Hit");
    assert_eq!(
        urls.status,
        "https://bridge.example/v1/hooks/spothit/tok-a/status"
    );
    assert_eq!(a.api_key_last4.as_deref(), Some("1111"));
    assert!(!serde_json::to_string(&a).unwrap().contains("key-aaaa"));

    assert_eq!(spothit_owner(&world, "tok-a").as_deref(), Some("loc-a"));
    assert_eq!(spothit_owner(&world, "tok-b").as_deref(), Some("loc-b"));
    assert_eq!(
        spothit_owner(&world, "env-token").as_deref(),
        Some(LOCATION)
    );
    assert_eq!(spothit_owner(&world, "tok-c"), None);

    // The pipeline's settings: each location its own keys, none the deployment's.
    let mut defaults = LocationSettings::new(LOCATION, "http://ghl");
    defaults.spothit = Some(SpotHitTarget {
        base_url: "http://spothit".into(),
        key: "deployment-key".into(),
    });
    let settings = |id: &str| {
        let profile = block_on(location::profile(&world.store_named(id).unwrap())).unwrap();
        location::settings_for(&defaults, id, &profile)
    };
    assert_eq!(settings("loc-b").spothit.unwrap().key, "key-bbbb-2222");
    assert_eq!(settings("loc-b").specter.unwrap().key, "spec-bbbb-3333");
    assert_eq!(settings("loc-a").specter.map(|s| s.key), None);
    assert_eq!(settings("loc-c").spothit.map(|s| s.key), None);
    assert_eq!(settings(LOCATION).spothit.unwrap().key, "deployment-key");

    // A new key keeps the URLs; rotating the token retires the old ones.
    let rekeyed = connect(
        &world,
        "loc-a",
        Service::SpotHit,
        json!({"apiKey": "key-new-5555"}),
        "tok-x",
    );
    assert_eq!(rekeyed.callback_urls.unwrap().status, urls.status);
    let rotated = connect(
        &world,
        "loc-a",
        Service::SpotHit,
        json!({"apiKey": "key-new-5555", "rotatePathToken": true}),
        "tok-a2",
    );
    assert!(rotated
        .callback_urls
        .unwrap()
        .stop
        .ends_with("/tok-a2/stop"));
    assert_eq!(spothit_owner(&world, "tok-a"), None);
    assert_eq!(spothit_owner(&world, "tok-a2").as_deref(), Some("loc-a"));

    let gone = block_on(tenancy::disconnect(&world, "loc-a", Service::SpotHit)).unwrap();
    assert!(!gone.connected);
    assert_eq!(spothit_owner(&world, "tok-a2"), None);
    let shown = block_on(tenancy::connections(&world, "loc-b")).unwrap();
    assert!(shown.spothit.connected && shown.specter.connected);
    assert_eq!(shown.spothit.path_token_last4.as_deref(), Some("ok-b"));
    assert!(shown.spothit.callback_urls.is_none());
}

#[test]
fn webhooks_for_unknown_locations_are_counted_in_one_row_each() {
    let world = TestWorld::new();
    let dir = world.store_named(directory::DIRECTORY).unwrap();
    for _ in 0..3 {
        block_on(directory::count_unknown(&dir, "stranger", world.now_ms())).unwrap();
        world.advance(1_000);
    }
    block_on(directory::count_unknown(&dir, "other", world.now_ms())).unwrap();
    let seen = block_on(directory::unknown_locations(&dir)).unwrap();
    let stranger = seen.iter().find(|u| u.location_id == "stranger").unwrap();
    assert_eq!(
        (stranger.events, stranger.last_at_ms),
        (3, START_MS + 2_000)
    );
    assert_eq!(seen.len(), 2);
    assert_eq!(block_on(dir.kv_list("unknown:".into())).unwrap().len(), 2);
}

#[test]
fn the_lanes_deadline_cuts_the_wait_for_the_budget_short() {
    use ghl_bridge::sync::attempt::Halt;
    use ghl_bridge::sync::ghl_access::budget_grant;
    let b = Bridge::new();
    // A full window whose first call leaves it in 0.5 s.
    for _ in 0..90 {
        block_on(b.world.rate_acquire(90, 10_000, Lane::Lead)).unwrap();
    }
    b.world.advance(9_500);
    b.world.deadline.set(Some(b.world.now_ms() + 200));
    let cut = block_on(budget_grant(&b.world, Lane::Lead));
    assert!(
        matches!(
            cut,
            Err(Halt::Event(ghl_bridge::sync::Attempt::Defer { .. }))
        ),
        "0.5 s is past the lane's end: sent away to its turn, {cut:?}"
    );
    b.world.deadline.set(None);
    let waited_from = b.world.now_ms();
    let granted = block_on(budget_grant(&b.world, Lane::Lead));
    assert!(granted.is_ok(), "without a deadline it waits: {granted:?}");
    assert!(b.world.now_ms() - waited_from <= 1_500);
}

#[test]
fn a_burst_bigger_than_the_budget_is_queued_spread_at_the_budgets_pace() {
    let b = Bridge::new();
    // Half its window of calls used: the turns below come from admissions,
    // these calls do not change them.
    for _ in 0..45 {
        block_on(b.world.rate_acquire(90, 10_000, Lane::Lead)).unwrap();
    }
    for i in 0..100 {
        b.form(
            &format!("burst-{i}"),
            lead(&format!("burst{i}@example.fr"), &format!("0612{i:06}")),
        );
    }
    let delays: Vec<u32> = b
        .world
        .queue
        .borrow()
        .iter()
        .map(|m| m.delay_seconds)
        .collect();
    assert!(
        delays[..31].iter().all(|d| *d == 0),
        "a burst of 30 goes at once"
    );
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    // 100 events of 3 calls at 90 calls per 10 s: the last one after ~23 s.
    assert_eq!(delays[99], 23, "{delays:?}");
    let paced = b.event(&b.world.queue.borrow()[99].key);
    assert!(paced.due_at_ms > START_MS, "the record says when it is due");
    // The paced ones go on a queue of their own, behind no one's live leads.
    let queues: Vec<EventQueue> = b.world.queue.borrow().iter().map(|m| m.queue()).collect();
    assert!(queues[..31].iter().all(|q| *q == EventQueue::Live));
    assert!(queues[31..].iter().all(|q| *q == EventQueue::Paced));
    // A steady trickle, well under the budget, is never held.
    b.world.advance(60_000);
    for i in 0..5 {
        b.world.advance(2_000);
        b.form(
            &format!("calm-{i}"),
            lead(&format!("calm{i}@example.fr"), &format!("0699{i:06}")),
        );
    }
    let calm: Vec<u32> = b.world.queue.borrow()[100..]
        .iter()
        .map(|m| m.delay_seconds)
        .collect();
    assert_eq!(calm, [0, 0, 0, 0, 0]);
    assert!(b.world.queue.borrow()[100..]
        .iter()
        .all(|m| m.queue() == EventQueue::Live));
}

#[test]
fn a_locations_health_counts_its_events_per_hour_by_outcome() {
    use ghl_bridge::sync::health;
    let b = Bridge::new();
    b.form("h-1", lead("h1@example.fr", "0611000001"));
    b.form("h-2", lead("h2@example.fr", "0611000002"));
    b.drain();
    b.world.advance(2 * health::HOUR_MS);
    b.form("h-3", lead("h1@example.fr", "0611000002")); // two known contacts: parked
    b.drain();
    let h = block_on(health::health(&b.world, LOCATION, 24)).unwrap();
    assert_eq!((h.totals.done, h.totals.parked, h.parked), (2, 1, 1));
    assert_eq!(h.hourly.len(), 2, "two hours with events: {:?}", h.hourly);
    assert!(h.hourly[0].at_ms < h.hourly[1].at_ms, "oldest first");
    assert_eq!(
        h.hourly[0].ghl_calls, 6,
        "3 calls for each of the first hour's leads"
    );
    assert_eq!(h.ghl_calls_last_hour, 0, "the parked one called nobody");
    assert_eq!(h.last_event_at_ms, Some(b.world.now_ms()));
    let week = block_on(health::health(&b.world, LOCATION, 10_000)).unwrap();
    assert_eq!(
        week.since_ms,
        (b.world.now_ms() / health::HOUR_MS - 167) * health::HOUR_MS,
        "at most a week"
    );
}

#[test]
fn too_many_failures_in_15_minutes_alert_the_locations_destination_once() {
    use ghl_bridge::sync::alerts;
    let b = Bridge::new();
    let sink = format!("{}/__sandbox/alerts", b.sandbox.url);
    let change =
        serde_json::from_value(json!({"webhookUrl": sink, "errorRatePercent": 30})).unwrap();
    block_on(alerts::configure(
        &b.world,
        &b.settings,
        change,
        "whsec_dGVzdC1zZWNyZXQ=".into(),
    ))
    .unwrap()
    .unwrap();
    for i in 0..6 {
        b.form(
            &format!("ok-{i}"),
            lead(&format!("ok{i}@example.fr"), &format!("06200000{i:02}")),
        );
    }
    b.drain();
    // Four more, each with the e-mail of one contact and the phone of another: parked.
    for i in 0..4 {
        let payload = lead(
            &format!("ok{i}@example.fr"),
            &format!("06200000{:02}", i + 1),
        );
        b.form(&format!("bad-{i}"), payload);
    }
    b.drain();
    let sent = |b: &Bridge| {
        b.sandbox.get("/__sandbox/alerts")["alerts"]
            .as_array()
            .unwrap()
            .clone()
    };
    let parked_alerts = sent(&b).len();
    assert_eq!(
        parked_alerts,
        1,
        "the first parked event told once: {:?}",
        sent(&b)
    );
    block_on(alerts::check_error_rate(&b.world, &b.settings)).unwrap();
    let all = sent(&b);
    let rate = all.last().unwrap();
    assert_eq!(rate["body"]["data"]["condition"], "errorRate");
    assert!(
        rate["body"]["data"]["message"]
            .as_str()
            .unwrap()
            .contains("40% of 10 events"),
        "{rate}"
    );
    block_on(alerts::check_error_rate(&b.world, &b.settings)).unwrap();
    assert_eq!(
        sent(&b).len(),
        all.len(),
        "still firing: not told again within the hour"
    );
    // A quarter of an hour later, the span is clean: resolved.
    b.world.advance(alerts::ERROR_RATE_SPAN_MS + 1);
    for i in 0..10 {
        b.form(
            &format!("new-{i}"),
            lead(&format!("new{i}@example.fr"), &format!("06300000{i:02}")),
        );
    }
    b.drain();
    block_on(alerts::check_error_rate(&b.world, &b.settings)).unwrap();
    let last = sent(&b).last().unwrap().clone();
    assert_eq!(
        (
            last["body"]["type"].as_str(),
            last["body"]["data"]["condition"].as_str()
        ),
        (Some("alert.resolved"), Some("errorRate"))
    );
}

#[test]
fn a_receipt_for_a_known_contact_costs_one_call_and_a_repeated_one_none() {
    let b = Bridge::new();
    // The bridge wrote the contact: it knows its phone from then on.
    let id = b.known_contact("lea@example.fr", "06 33 33 33 33");
    let calls = || b.sandbox.calls("/ghl/");
    let receipt = |id_accuse: &str, statut: &str| {
        let before = calls();
        let accepted = b.receipt(id_accuse, "+33633333333", statut);
        b.drain();
        let record = b.event(&accepted.event_id);
        assert_eq!(record.status, EventStatus::Done, "{record:?}");
        assert_eq!(record.contact_id.as_deref(), Some(id.as_str()));
        assert_eq!(record.action, Some(ContactAction::Matched), "no upsert");
        assert_eq!(calls() - before, record.ghl_calls as usize);
        record.ghl_calls
    };
    assert_eq!(receipt("1", "1"), 1, "delivered: the tag, nothing else");
    assert!(b.tags_of(&id).contains(&"sms:delivered".to_string()));
    b.world.advance(3_600_000);
    assert_eq!(
        receipt("2", "1"),
        0,
        "delivered again within the day: no call"
    );
    assert_eq!(
        receipt("3", "3"),
        0,
        "sent, not yet delivered: no tag, no call"
    );
    assert_eq!(receipt("4", "4"), 1, "failed: a new tag");
    assert!(b.tags_of(&id).contains(&"sms:failed".to_string()));
    b.world.advance(24 * 3_600_000);
    assert_eq!(receipt("5", "1"), 1, "a day on, the tag is sent again");
}

#[test]
fn a_receipt_for_a_contact_gone_from_ghl_upserts_it_again() {
    let b = Bridge::new();
    // The bridge wrote a contact that was deleted in GHL since.
    block_on(
        b.world
            .identity_put(vec!["phone:+33644444444".into()], "gone-contact-id".into()),
    )
    .unwrap();
    let accepted = b.receipt("1", "+33644444444", "4");
    b.drain();
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done, "{record:?}");
    assert_eq!(record.action, Some(ContactAction::Created));
    let id = record.contact_id.clone().unwrap();
    assert_ne!(id, "gone-contact-id");
    assert_eq!(b.tags_of(&id), ["sms:failed"]);
    assert_eq!(record.ghl_calls, 3, "the refused tag, the upsert, the tag");
    // Each request is on the record with GHL's answer, for the console.
    let sent: Vec<(&str, &str, Option<u16>)> = record
        .ghl_requests
        .iter()
        .map(|r| (r.step.as_str(), r.method.as_str(), r.status))
        .collect();
    assert_eq!(
        sent,
        [
            ("tags", "POST", Some(400)),
            ("upsert", "POST", Some(200)),
            ("tags", "POST", Some(201))
        ]
    );
    let refused = &record.ghl_requests[0];
    assert_eq!(refused.path, "/ghl/contacts/gone-contact-id/tags");
    assert!(
        refused
            .message
            .as_deref()
            .unwrap()
            .contains("Contact not found"),
        "{refused:?}"
    );
    assert_eq!(
        record.mapping,
        Some(MappingUsed::Builtin {
            template: "spothit-status".into()
        })
    );
    let known = block_on(b.world.identity_get(vec!["phone:+33644444444".into()])).unwrap();
    assert_eq!(
        known.values().next(),
        Some(&id),
        "the cache names the new one"
    );
}

#[test]
fn a_receipt_sent_away_by_a_full_budget_still_tags_when_its_turn_comes() {
    let b = Bridge::new();
    let id = b.known_contact("full@example.fr", "06 55 55 55 55");
    b.world.advance(10_000);
    // Leads hold the whole window: the receipt goes away to its turn.
    for _ in 0..90 {
        block_on(b.world.rate_acquire(90, 10_000, Lane::Lead)).unwrap();
    }
    let accepted = b.receipt("1", "+33655555555", "1");
    let delays = b.drain();
    assert!(!delays.is_empty(), "it was sent away first");
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done, "{record:?}");
    assert_eq!(record.ghl_calls, 1, "its turn made the call");
    assert_eq!(
        b.tags_of(&id),
        ["web-form", "sms:delivered"],
        "the lead's tag, then the receipt's"
    );
}

#[test]
fn one_persons_events_are_found_by_email_or_phone_however_written() {
    let b = Bridge::new();
    let written = b.form("a", lead("jeanne@example.fr", "06 12 34 56 78"));
    b.form("b", lead("other@example.fr", "0698765432"));
    b.drain();
    // Parked before any write (the e-mail is one contact's, the phone the
    // other's): found by its payload.
    let unwritten = b.form("c", lead("other@example.fr", "06.12.34.56.78"));
    b.drain();
    assert_eq!(b.event(&unwritten.event_id).contact_id, None);
    let find = |typed: &str| -> Vec<String> {
        let search = block_on(ghl_bridge::sync::search::contact_search(
            &b.world,
            typed,
            Some("FR"),
        ))
        .unwrap()
        .unwrap();
        let page = block_on(b.world.events(EventQuery {
            limit: 100,
            contact: Some(search),
            ..EventQuery::default()
        }))
        .unwrap();
        let mut keys: Vec<String> = page.events.into_iter().map(|e| e.key).collect();
        keys.sort();
        keys
    };
    let mut both = vec![written.event_id.clone(), unwritten.event_id.clone()];
    both.sort();
    assert_eq!(find(" Jeanne@Example.FR "), [written.event_id.as_str()]);
    assert_eq!(
        find("+33 6 12 34 56 78"),
        both,
        "by contact id, and by digits"
    );
    assert!(find("0611111111").is_empty());
    let bad = block_on(ghl_bridge::sync::search::contact_search(
        &b.world,
        "bonjour",
        Some("FR"),
    ))
    .unwrap();
    assert!(bad.unwrap_err().contains("neither an e-mail nor a phone"));
}

// ---------------------------------------------------------------------------
// Consent: nothing the bridge does messages a person who said no.
// ---------------------------------------------------------------------------

const CONSENT_RULES: &str = r#"{"version": 1,
  "spotHit": {"tagGroups": {"vip": "Clients VIP"},
    "taskCompleted": [{"titleContains": "rappel", "sms": "Bonjour {firstName}, on vous rappelle. STOP au 36200", "sender": "Boutique"}]}}"#;

impl Bridge {
    fn with_consent_rules() -> Bridge {
        let mut b = Bridge::new();
        b.settings.sync_rules = Some(CONSENT_RULES.into());
        b
    }

    /// SMS Spot-Hit's sandbox was asked to send.
    fn sms_sent(&self) -> Vec<Value> {
        let spothit = self.sandbox.get("/__sandbox/spothit");
        spothit["sms"].as_array().cloned().unwrap_or_default()
    }

    /// GHL's `TaskComplete` for a "Rappel" task of `contact`; answers what
    /// the sync did (its result lines).
    fn rappel_completed(&self, webhook_id: &str, contact: &str) -> Vec<String> {
        let outcome = self.ghl_webhook(
            webhook_id,
            "TaskComplete",
            json!({"id": format!("task-{webhook_id}"), "contactId": contact, "title": "Rappel client", "completed": true}),
        );
        assert_eq!(outcome, GhlOutcome::Recorded);
        self.drain();
        self.sync_lines(webhook_id)
    }

    fn sync_lines(&self, webhook_id: &str) -> Vec<String> {
        let entries = block_on(self.world.ghl_events(100)).unwrap();
        let entry = entries
            .into_iter()
            .find(|e| e.webhook_id == webhook_id)
            .unwrap();
        entry.sync.map(|s| s.results).unwrap_or_default()
    }

    /// A STOP callback for `numero` as the hook route hands it on (the raw
    /// query string, as Spot-Hit sent it).
    fn stop(&self, query: &str) {
        let payload = parse_payload(query, PayloadFormat::Form).unwrap();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::built_in(EventKind::SpotHitStop),
            payload["id"].as_str().map(String::from),
            PayloadFormat::Form,
            query.to_string(),
            &payload,
        ))
        .unwrap();
    }
}

#[test]
fn a_contact_with_sms_dnd_gets_no_task_sms_and_one_once_dnd_is_lifted() {
    let b = Bridge::with_consent_rules();
    let opted_out = b.sandbox.person_creates(json!({
        "locationId": LOCATION, "firstName": "Léa", "phone": "+33611223344",
        "dndSettings": {"SMS": {"status": "active", "message": "STOP"}}}));
    let lines = b.rappel_completed("w-dnd", &opted_out);
    assert_eq!(b.sms_sent().len(), 0, "no SMS to an opted-out contact");
    assert!(
        lines[0].contains("skipped, contact opted out of SMS"),
        "the record says why: {lines:?}"
    );

    // GHL tells the bridge the contact is re-subscribed: the next task sends one SMS.
    b.ghl_webhook(
        "w-lift",
        "ContactDndUpdate",
        json!({"id": opted_out, "phone": "+33611223344", "dnd": false,
               "dndSettings": {"SMS": {"status": "inactive"}}}),
    );
    let mut req = request(
        Method::Put,
        &format!("{}/ghl/contacts/{opted_out}", b.sandbox.url),
        Some(json!({"dndSettings": {"SMS": {"status": "inactive"}}}).to_string()),
    );
    req.headers
        .push(("Authorization".into(), format!("Bearer {TOKEN}")));
    req.headers.push(("Version".into(), "2021-07-28".into()));
    assert_eq!(http(&req).unwrap().status, 200);
    let lines = b.rappel_completed("w-ok", &opted_out);
    assert_eq!(b.sms_sent().len(), 1, "{lines:?}");
    assert!(lines[0].contains("SMS sent to +33611223344"), "{lines:?}");
}

#[test]
fn a_stop_counts_before_ghls_webhook_and_an_overseas_number_with_a_raw_plus_is_read() {
    let b = Bridge::with_consent_rules();
    let reunion = b.sandbox.person_creates(json!({
        "locationId": LOCATION, "firstName": "Noé", "phone": "+262692123456"}));
    // `+262692123456` sent unencoded: the query decodes it to a space.
    b.stop("numero=+262692123456&id=stop-1&date=1763812800");
    // A task completes before the STOP event ran: the STOP is known already.
    let completed = b.ghl_webhook(
        "w-task",
        "TaskComplete",
        json!({"id": "task-1", "contactId": reunion, "title": "Rappel", "completed": true}),
    );
    assert_eq!(completed, GhlOutcome::Recorded);
    b.drain();
    assert_eq!(b.sms_sent().len(), 0);
    let lines = b.sync_lines("w-task");
    assert!(
        lines[0].contains("contact opted out of SMS (STOP received"),
        "{lines:?}"
    );
    // The STOP event itself set SMS DND on that contact, not on a new one.
    let contact = b.contacts_by_id(&reunion);
    assert_eq!(
        contact["dndSettings"]["SMS"]["status"], "active",
        "{contact}"
    );
    assert_eq!(b.sandbox.contacts().len(), 1);
}

#[test]
fn a_deleted_contact_is_forgotten_messaged_by_no_path_and_its_groups_are_a_step_for_a_person() {
    let b = Bridge::with_consent_rules();
    let contact = b.known_contact("lea@example.fr", "+33611223344");
    // A person tags it VIP: the bridge imports it into the Spot-Hit group.
    b.ghl_webhook(
        "w-vip",
        "ContactTagUpdate",
        json!({"id": contact, "tags": ["vip"], "phone": "+33611223344", "email": "lea@example.fr", "firstName": "Jeanne"}),
    );
    b.drain();
    assert_eq!(
        b.sandbox.get("/__sandbox/spothit")["contacts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let deleted = b.ghl_webhook(
        "w-del",
        "ContactDelete",
        json!({"id": contact, "phone": "+33611223344", "email": "lea@example.fr", "firstName": "Jeanne"}),
    );
    assert_eq!(deleted, GhlOutcome::Recorded);
    b.drain();
    let entries = block_on(b.world.ghl_events(100)).unwrap();
    let step = entries.iter().find(|e| e.webhook_id == "w-del").unwrap();
    let plan = step.sync.as_ref().unwrap().plan.clone().unwrap();
    assert!(
        matches!(&plan[0].action, ghl_bridge::outbound::OutboundAction::SpotHitLeaveGroupManually { group, contact }
            if group == "Clients VIP" && contact == "+33611223344"),
        "{plan:?}"
    );
    // Forgotten: its identity, its events (the form lead), its GHL events.
    let known = block_on(b.world.identity_get(vec![
        "email:lea@example.fr".into(),
        "phone:+33611223344".into(),
    ]))
    .unwrap();
    assert!(known.is_empty(), "{known:?}");
    let events = block_on(b.world.events(EventQuery {
        limit: 100,
        ..EventQuery::default()
    }))
    .unwrap();
    assert!(events.events.is_empty(), "{:?}", events.events);
    // A task on the deleted contact sends nothing.
    let lines = b.rappel_completed("w-late", &contact);
    assert_eq!(b.sms_sent().len(), 0);
    assert!(
        lines.is_empty() || lines[0].contains("skipped"),
        "{lines:?}"
    );
}

#[test]
fn erasure_leaves_nothing_of_the_person_but_the_numbers_opt_out() {
    let b = Bridge::with_consent_rules();
    let contact = b.known_contact("lea@example.fr", "+33611223344");
    b.stop("numero=%2B33611223344&id=stop-9&date=1763812800");
    b.drain();
    b.ghl_webhook(
        "w-tags",
        "ContactTagUpdate",
        json!({"id": contact, "tags": ["vip"], "phone": "+33611223344", "email": "lea@example.fr"}),
    );
    b.drain();
    let person = ghl_bridge::sync::consent::Person {
        contact_ids: Vec::new(),
        email: Some("lea@example.fr".into()),
        phone: Some("+33611223344".into()),
    };
    let erased = block_on(ghl_bridge::sync::consent::erase(&b.world, &person)).unwrap();
    assert_eq!(erased.contact_ids, vec![contact.clone()]);
    assert!(erased.erased.events >= 2, "{erased:?}");
    assert_eq!(erased.kept_opt_out.as_deref(), Some("+33611223344"));

    let events = block_on(b.world.events(EventQuery {
        limit: 100,
        ..EventQuery::default()
    }))
    .unwrap();
    assert!(events.events.is_empty(), "{:?}", events.events);
    assert!(block_on(b.world.ghl_events(100)).unwrap().is_empty());
    let everything = block_on(b.world.kv_list(String::new())).unwrap();
    for (key, value) in &everything {
        let text = format!("{key} {value}");
        assert!(
            !text.contains("lea@example.fr") && !text.contains(&contact),
            "left: {text}"
        );
        if text.contains("33611223344") {
            assert_eq!(
                key, "consent:stop:+33611223344",
                "only the opt-out keeps the number"
            );
        }
    }
    // And the opt-out still holds for that number.
    let check = block_on(ghl_bridge::sync::consent::check(
        &b.world,
        ghl_bridge::consent::Channel::Sms,
        None,
        Some("+33611223344"),
        None,
    ))
    .unwrap();
    assert!(check.is_err());
}

/// The measurement docs/worker.md quotes (Specter polling): a 500-person saved search that gains
/// 10 people a day, polled by the cron every 10 minutes for 7 days.
#[test]
fn a_week_of_specter_polls_pays_for_what_is_new() {
    let mut b = Bridge::new();
    b.settings.sync_rules =
        Some(r#"{"version": 1, "specter": {"poll": [{"savedSearch": "9000"}]}}"#.into());
    let person = |i: usize| {
        json!({"person_id": format!("per_{i:024}"), "first_name": "P", "last_name": format!("{i}"),
               "current_position_title": "CEO", "last_updated": "2026-11-14T10:36:12.625Z"})
    };
    let start = b.world.now_ms();
    let mut members: Vec<String> = Vec::new();
    let mut added = serde_json::Map::new();
    let mut people = Vec::new();
    let mut grow = |b: &Bridge, from: usize, to: usize, at: u64| {
        for i in from..to {
            people.push(person(i));
            members.push(format!("per_{i:024}"));
            added.insert(format!("per_{i:024}"), json!(at));
        }
        b.sandbox.post(
            "/__sandbox/specter",
            json!({"people": people, "searches": {"9000": members}, "addedAt": {"9000": added}}),
        );
    };
    grow(&b, 0, 500, start - 1);
    let credits = |b: &Bridge| {
        b.sandbox.get("/__sandbox/specter")["credits_remaining"]
            .as_u64()
            .unwrap()
    };
    let before = credits(&b);
    let mut per_day = Vec::new();
    for day in 0..7u64 {
        let day_start = credits(&b);
        if day > 0 {
            grow(
                &b,
                490 + 10 * day as usize,
                500 + 10 * day as usize,
                b.world.now_ms(),
            );
        }
        for _ in 0..144 {
            block_on(specter_poll::poll(
                &b.world,
                &b.settings,
                specter_poll::PollTrigger::Cron,
            ))
            .unwrap();
            b.world.queue.borrow_mut().clear();
            b.world.advance(10 * 60_000);
        }
        per_day.push(day_start - credits(&b));
    }
    let week = before - credits(&b);
    // Before this change each poll re-read the search from page 0 up to
    // maxCreditsPerPoll (200): 144 polls a day, 200 credits each.
    let old_week = 7 * 144 * 200;
    println!(
        "specter week: {week} credits (per day {per_day:?}); before: {old_week} ({:.4}x)",
        week as f64 / old_week as f64
    );
    assert_eq!(per_day[0], 500, "the first day reads the whole search once");
    assert!(per_day[1..].iter().all(|d| *d == 10), "{per_day:?}");
    assert_eq!(week, 560);
}

// ---- Spot-Hit as the SMS conversation provider ----

impl Bridge {
    /// GHL hands a message to the Delivery URL, as the hook route takes it.
    fn provider_message(&self, message: &ProviderOutboundMessage) -> Accepted {
        let text = serde_json::to_string(message).unwrap();
        let status_url = format!(
            "https://bridge.example/v1/hooks/spothit/t/message/{}",
            message.message_id
        );
        block_on(provider::start_journey(
            &self.world,
            message,
            Some(status_url),
            None,
        ))
        .unwrap();
        let payload: Value = serde_json::from_str(&text).unwrap();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::built_in(EventKind::GhlProviderMessage),
            Some(message.message_id.clone()),
            PayloadFormat::Json,
            text,
            &payload,
        ))
        .unwrap()
    }

    /// Spot-Hit's per-send status callback, as the hook route takes it.
    fn message_status(&self, message_id: &str, statut: &str) -> Accepted {
        let text = format!(
            "id_accuse=91&id_message=9&numero=%2B33611112222&statut={statut}&statut_code=0&ghlMessageId={message_id}"
        );
        let payload = parse_payload(&text, PayloadFormat::Form).unwrap();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::built_in(EventKind::SpotHitMessageStatus),
            Some(format!("{message_id}:{statut}")),
            PayloadFormat::Form,
            text,
            &payload,
        ))
        .unwrap()
    }

    /// The sandbox's GHL messages of a contact.
    fn thread(&self, contact_id: &str) -> Vec<Value> {
        let path =
            format!("/__sandbox/ghl/conversations?locationId={LOCATION}&contactId={contact_id}");
        serde_json::from_value(self.sandbox.get(&path)["messages"].clone()).unwrap()
    }

    /// A GHL user sends `text` to the contact; answers GHL's message.
    fn ghl_sends(&self, contact_id: &str, text: &str) -> ProviderOutboundMessage {
        let sent = self.sandbox.post(
            "/__sandbox/ghl/conversations/send",
            json!({"locationId": LOCATION, "contactId": contact_id, "message": text}),
        );
        let phone = self.contacts_by_id(contact_id)["phone"]
            .as_str()
            .unwrap()
            .to_string();
        ProviderOutboundMessage {
            location_id: LOCATION.into(),
            message_id: sent["messageId"].as_str().unwrap().into(),
            contact_id: contact_id.into(),
            kind: "SMS".into(),
            phone,
            message: text.into(),
            attachments: Vec::new(),
            user_id: Some("u1".into()),
        }
    }

    fn requests(&self) -> usize {
        self.sandbox.get("/__sandbox/requests")["requests"]
            .as_array()
            .unwrap()
            .len()
    }
}

/// The sandbox's GHL hands messages over at once: the bridge's own wait runs
/// on the test's clock, GHL's 403 window on the wall clock (the e2e test
/// plays that one).
fn handed_over_at_once() -> Settings {
    Settings {
        handover_ms: 0,
        ..Settings::default()
    }
}

#[test]
fn a_message_ghl_hands_over_is_sent_once_and_its_statuses_only_move_forward() {
    let mut b = Bridge::with(handed_over_at_once());
    b.settings.conversation_provider_id = Some("sandbox-sms-provider".into());
    b.settings.sms_provider_by_default = true;
    b.sandbox.post(
        "/__sandbox/ghl/sms-provider",
        json!({"locationId": LOCATION, "providerId": "sandbox-sms-provider"}),
    );
    let contact = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Inès", "phone": "+33611112222"}),
    );
    let message = b.ghl_sends(&contact, "Votre devis est prêt");
    let before = b.requests();
    assert_eq!(b.provider_message(&message).status, "queued");
    assert_eq!(b.provider_message(&message).status, "duplicate");
    b.drain();
    let sms = b.sandbox.get("/__sandbox/spothit")["sms"].clone();
    assert_eq!(
        sms.as_array().unwrap().len(),
        1,
        "one SMS for two deliveries"
    );
    assert_eq!(sms[0]["params"]["destinataires"], "+33611112222");
    assert!(sms[0]["params"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/message/{}", message.message_id)));
    assert_eq!(b.requests(), before, "sending costs no GHL call");

    // Sent, then delivered, then a late "in progress": GHL shows delivered.
    b.message_status(&message.message_id, "2");
    assert_eq!(b.drain(), [10], "no status before GHL's handover");
    b.message_status(&message.message_id, "1");
    b.message_status(&message.message_id, "3");
    assert_eq!(b.drain(), Vec::<u32>::new());
    let shown = b.thread(&contact);
    let history: Vec<&str> = shown[0]["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["pending", "delivered"]);
    assert_eq!(shown[0]["status"], "delivered");
    assert_eq!(b.requests(), before + 2, "one GHL call per status shown");
    let journeys = block_on(provider::journeys(&b.world)).unwrap();
    assert_eq!(journeys[0].reported, Some(MessageStatus::Delivered));
    assert_eq!(
        journeys[0].spothit_id.as_deref(),
        Some(sms[0]["id"].to_string().as_str())
    );

    // A reply: the contact's conversation gets it as inbound, with its tag,
    // and no note or task.
    let before = b.requests();
    let text = "numero=%2B33611112222&message=Oui&id=rep-1&date=1795341600";
    let payload = parse_payload(text, PayloadFormat::Form).unwrap();
    block_on(inbound::accept(
        &b.world,
        LOCATION,
        Source::built_in(EventKind::SpotHitReply),
        Some("rep-1".into()),
        PayloadFormat::Form,
        text.into(),
        &payload,
    ))
    .unwrap();
    b.drain();
    let inbound: Vec<Value> = b
        .thread(&contact)
        .into_iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    assert_eq!(inbound.len(), 1);
    assert_eq!(
        (inbound[0]["body"].as_str(), inbound[0]["altId"].as_str()),
        (Some("Oui"), Some("rep-1"))
    );
    let person = b.contacts_by_id(&contact);
    assert_eq!(person["notes"].as_array().unwrap().len(), 0);
    assert_eq!(person["tasks"].as_array().unwrap().len(), 0);
    // Upsert (by phone), tags, the conversation's search, the message.
    assert_eq!(b.requests(), before + 4, "GHL calls for a first reply");
}

#[test]
fn an_opted_out_contact_gets_a_failed_status_and_spothit_hears_nothing() {
    let b = Bridge::with(handed_over_at_once());
    b.sandbox.post(
        "/__sandbox/ghl/sms-provider",
        json!({"locationId": LOCATION, "providerId": "sandbox-sms-provider"}),
    );
    let contact = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Paul", "phone": "+33611113333"}),
    );
    let stop = "numero=%2B33611113333&id=stop-1&date=1795341600";
    let payload = parse_payload(stop, PayloadFormat::Form).unwrap();
    block_on(inbound::accept(
        &b.world,
        LOCATION,
        Source::built_in(EventKind::SpotHitStop),
        Some("stop-1".into()),
        PayloadFormat::Form,
        stop.into(),
        &payload,
    ))
    .unwrap();
    let message = b.ghl_sends(&contact, "Une dernière chose");
    b.provider_message(&message);
    b.drain();
    assert_eq!(
        b.sandbox.get("/__sandbox/spothit")["sms"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let shown = b.thread(&contact);
    let sent = shown
        .iter()
        .find(|m| m["id"] == message.message_id.as_str())
        .unwrap();
    assert_eq!(sent["status"], "failed");
    assert_eq!(sent["error"]["code"], "opted_out");
    assert!(sent["error"]["message"].as_str().unwrap().contains("STOP"));
}

#[test]
fn an_sms_a_rule_sends_is_recorded_in_the_conversation_when_the_location_asks() {
    let mut b = Bridge::with_consent_rules();
    b.settings.conversation_provider_id = Some("sandbox-sms-provider".into());
    let contact = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Léa", "phone": "+33611114444"}),
    );
    let chosen: ProviderSettings =
        serde_json::from_value(json!({"enabled": true, "recordOutsideMessages": true})).unwrap();
    block_on(provider::put_settings(&b.world, &chosen)).unwrap();
    let lines = b.rappel_completed("wh-rec-1", &contact);
    assert_eq!(b.sms_sent().len(), 1);
    assert!(
        lines[0].contains("recorded in the conversation"),
        "{lines:?}"
    );
    let thread = b.thread(&contact);
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0]["direction"], "outbound");
    assert_eq!(
        thread[0]["body"],
        "Bonjour Léa, on vous rappelle. STOP au 36200"
    );
    assert_eq!(
        thread[0]["altId"],
        b.sms_sent()[0]["id"].to_string().as_str()
    );

    // Not asked: nothing recorded, the SMS sent all the same.
    block_on(provider::put_settings(
        &b.world,
        &ProviderSettings::default(),
    ))
    .unwrap();
    let lines = b.rappel_completed("wh-rec-2", &contact);
    assert_eq!(b.sms_sent().len(), 2);
    assert!(!lines[0].contains("conversation"), "{lines:?}");
    assert_eq!(b.thread(&contact).len(), 1);
}

// ---- the whole contacts API against the sandbox ----

#[test]
fn campaigns_workflows_followers_and_bulk_operations_answer_as_ghl_does() {
    use ghl_bridge::ghl::membership::*;
    use ghl_bridge::ghl::{build_request, Call, GhlTarget};
    let b = Bridge::new();
    let target = GhlTarget {
        base_url: format!("{}/ghl", b.sandbox.url),
        token: TOKEN.into(),
    };
    let send = |call: &dyn Fn(&GhlTarget) -> HttpRequest| http(&call(&target)).unwrap();
    let contact = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Ana", "phone": "+33633330001"}),
    );
    let workflow = b
        .sandbox
        .post("/__sandbox/ghl/workflows", json!({"locationId": LOCATION}))["workflowId"]
        .as_str()
        .unwrap()
        .to_string();

    let enrol = |workflow_id: &str, start: Option<&str>| {
        let call = AddToWorkflow {
            contact_id: contact.clone(),
            workflow_id: workflow_id.into(),
            body: WorkflowBody {
                event_start_time: start.map(String::from),
            },
        };
        let r = send(&|t| build_request(&call, t).unwrap());
        (r.status, call.parse(&r).map(|s| s.succeeded))
    };
    assert_eq!(
        enrol(&workflow, Some("2026-12-08T09:00:00+01:00")),
        (200, Ok(true))
    );
    assert_eq!(
        enrol("no-such-workflow", None).0,
        400,
        "a workflow GHL does not have"
    );
    assert_eq!(
        enrol(&workflow, Some("tomorrow")).0,
        422,
        "eventStartTime as the spec says"
    );
    let workflows = b.sandbox.get("/__sandbox/ghl/workflows")["workflows"].clone();
    let made = workflows
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == workflow.as_str())
        .unwrap();
    assert_eq!(
        made["enrolled"].as_array().unwrap().len(),
        1,
        "enrolled once"
    );

    let join = AddToCampaign {
        contact_id: contact.clone(),
        campaign_id: "camp_relance".into(),
        body: EmptyBody {},
    };
    let r = send(&|t| build_request(&join, t).unwrap());
    assert_eq!((r.status, join.parse(&r).unwrap().succeeded), (201, true));
    let unknown = AddToCampaign {
        contact_id: contact.clone(),
        campaign_id: "camp_nope".into(),
        body: EmptyBody {},
    };
    assert_eq!(send(&|t| build_request(&unknown, t).unwrap()).status, 400);
    let leave_all = RemoveFromAllCampaigns {
        contact_id: contact.clone(),
    };
    assert_eq!(send(&|t| build_request(&leave_all, t).unwrap()).status, 200);

    let follow = AddFollowers {
        contact_id: contact.clone(),
        body: FollowersBody {
            followers: vec!["usr1".into()],
        },
    };
    let r = send(&|t| build_request(&follow, t).unwrap());
    assert_eq!(
        follow.parse(&r).unwrap().followers_added,
        Some(vec!["usr1".to_string()])
    );

    let tags = BulkTags {
        change: BulkTagsChange::Add,
        body: BulkTagsBody {
            contacts: vec![contact.clone(), "missing".into()],
            tags: vec!["vip".into()],
            location_id: LOCATION.into(),
            remove_all_tags: None,
        },
    };
    let r = send(&|t| build_request(&tags, t).unwrap());
    let answer = tags.parse(&r).unwrap();
    assert_eq!((answer.succeeded, answer.error_count as u32), (false, 1));
    assert_eq!(b.tags_of(&contact), ["vip"]);
    let business = BulkBusiness {
        body: BulkBusinessBody {
            location_id: LOCATION.into(),
            ids: vec![contact.clone()],
            business_id: "biz1".into(),
        },
    };
    let r = send(&|t| build_request(&business, t).unwrap());
    assert_eq!(business.parse(&r).unwrap().ids, [contact]);
}

impl Bridge {
    /// A Spot-Hit reply callback, as the hook route hands it on.
    fn reply(&self, query: &str) {
        let payload = parse_payload(query, PayloadFormat::Form).unwrap();
        block_on(inbound::accept(
            &self.world,
            LOCATION,
            Source::built_in(EventKind::SpotHitReply),
            payload["id"].as_str().map(String::from),
            PayloadFormat::Form,
            query.to_string(),
            &payload,
        ))
        .unwrap();
    }

    fn enrolled_in(&self, workflow: &str) -> Vec<String> {
        let all = self.sandbox.get("/__sandbox/ghl/workflows");
        all["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["id"] == workflow && w["locationId"] == LOCATION)
            .flat_map(|w| w["enrolled"].as_array().unwrap().clone())
            .map(|e| e["contactId"].as_str().unwrap().to_string())
            .collect()
    }

    fn campaign_members(&self, campaign: &str) -> Vec<String> {
        let all = self.sandbox.get("/__sandbox/ghl/campaigns");
        all["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == campaign && c["locationId"] == LOCATION)
            .map(|c| serde_json::from_value(c["members"].clone()).unwrap())
            .unwrap_or_default()
    }
}

#[test]
fn a_reply_oui_under_the_recipe_enrols_its_contact_once_and_a_stop_leaves_every_campaign() {
    let b = Bridge::new();
    let recipe = ghl_bridge::recipes::recipes()
        .into_iter()
        .find(|r| r.id == "sms-reply-oui-enrol")
        .unwrap();
    block_on(
        b.world
            .mapping_put(recipe.source_id.clone(), recipe.mapping.clone()),
    )
    .unwrap();
    let anne = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Anne", "phone": "+33611114444"}),
    );
    let paul = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Paul", "phone": "+33611115555"}),
    );

    // Spot-Hit delivers the "oui" twice; Paul answers "non".
    b.reply("numero=%2B33611114444&message=+Oui+&id=oui-1&date=1795341600");
    b.reply("numero=%2B33611114444&message=+Oui+&id=oui-1&date=1795341600");
    b.reply("numero=%2B33611115555&message=non&id=non-1&date=1795341600");
    b.drain();
    assert_eq!(b.enrolled_in("wf_rappel_oui"), std::slice::from_ref(&anne));
    assert_eq!(
        b.sandbox.calls("/workflow/wf_rappel_oui"),
        1,
        "one GHL call for the enrolment"
    );
    let notes = |id: &str| b.contacts_by_id(id)["notes"].as_array().unwrap().len();
    assert_eq!((notes(&anne), notes(&paul)), (1, 1), "each reply is a note");

    // Both are in a campaign; Anne's STOP takes her out of every one.
    for id in [&anne, &paul] {
        let join = ghl_bridge::ghl::membership::AddToCampaign {
            contact_id: id.clone(),
            campaign_id: "camp_relance".into(),
            body: ghl_bridge::ghl::membership::EmptyBody {},
        };
        let target = ghl_bridge::ghl::GhlTarget {
            base_url: format!("{}/ghl", b.sandbox.url),
            token: TOKEN.into(),
        };
        let request = ghl_bridge::ghl::build_request(&join, &target).unwrap();
        assert_eq!(http(&request).unwrap().status, 201);
    }
    b.stop("numero=%2B33611114444&id=stop-9&date=1795341600");
    b.drain();
    assert_eq!(b.campaign_members("camp_relance"), [paul]);
    assert_eq!(b.sandbox.calls("/campaigns/removeAll"), 1);
}

#[test]
fn a_phone_changed_in_ghl_is_imported_again_into_the_contacts_groups_once() {
    let b = Bridge::new();
    b.ghl_webhook(
        "t-1",
        "ContactTagUpdate",
        json!({"id": "c-9", "tags": ["vip"], "phone": "+33611111111", "firstName": "Ana"}),
    );
    b.drain();
    // A person corrects the phone in GHL; GHL delivers the change twice.
    let changed =
        json!({"id": "c-9", "tags": ["vip"], "phone": "+33699999999", "firstName": "Ana"});
    b.ghl_webhook("u-1", "ContactUpdate", changed.clone());
    b.ghl_webhook("u-1", "ContactUpdate", changed);
    // An unrelated update afterwards (same values): nothing to import.
    b.ghl_webhook(
        "u-2",
        "ContactUpdate",
        json!({"id": "c-9", "tags": ["vip", "x"], "phone": "+33699999999", "firstName": "Ana"}),
    );
    b.drain();
    let imports: Vec<String> = b.sandbox.get("/__sandbox/spothit")["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mobile"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        imports,
        ["+33611111111", "+33699999999"],
        "one import per value"
    );
    // Whichever of the two updates the queue ran first made the change's steps.
    let lines = [b.sync_lines("u-1"), b.sync_lines("u-2")].concat();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "contact changed in GHL (phone): imported again into Spot-Hit group `Clients VIP`"
        ),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "phone changed in GHL: the old number +33611111111 stays in Spot-Hit: remove +33611111111 from Spot-Hit group `Clients VIP` by hand (Spot-Hit's API cannot)"
    );
}

#[test]
fn a_note_written_before_a_park_is_updated_by_the_replay_after_a_fix_not_written_twice() {
    let b = Bridge::new();
    let mapping = |note: &str| {
        json!({"version": 1, "fields": [{"to": "email", "from": "email"}],
            "notes": [{"template": note, "title": "Web lead"}],
            "tasks": [{"title": "Call {email}", "dueIn": "1h"}]})
        .to_string()
    };
    block_on(b.world.mapping_put("demo".into(), mapping("Lead: {phone}"))).unwrap();
    b.sandbox
        .faults(json!({"errorRate": 1.0, "errorStatus": 422, "pathContains": "/tasks"}));
    let accepted = b.form("n-1", lead("nadia@example.fr", "0612345678"));
    b.drain();
    assert_eq!(b.event(&accepted.event_id).status, EventStatus::Parked);

    // The admin fixes the note's text and the task's cause, then replays.
    block_on(b.world.mapping_put(
        "demo".into(),
        mapping("Lead from the web form: {email}, {phone}"),
    ))
    .unwrap();
    b.sandbox.faults(json!({}));
    block_on(b.world.replay(accepted.event_id.clone())).unwrap();
    b.world.enqueue_now(&accepted.event_id);
    b.drain();
    let record = b.event(&accepted.event_id);
    assert_eq!(record.status, EventStatus::Done, "{record:?}");
    let contact = &b.sandbox.contacts()[0];
    let notes = contact["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "updated, not written twice: {notes:?}");
    assert_eq!(
        notes[0]["body"],
        "Lead from the web form: nadia@example.fr, 0612345678"
    );
    assert_eq!(contact["tasks"].as_array().unwrap().len(), 1);
    let puts: Vec<&GhlRequestLog> = record
        .ghl_requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("/notes/"))
        .collect();
    assert_eq!(puts.len(), 1, "one GHL call for the update");
    assert_eq!(record.notes_written.len(), 1);
}

#[test]
fn a_reply_task_marked_done_by_hand_is_not_completed_again_by_an_answer() {
    let b = Bridge::new();
    let lou = b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Lou", "phone": "+33611116666"}),
    );
    b.reply("numero=%2B33611116666&message=Rappelez-moi&id=r-lou&date=1795341600");
    b.drain();
    let key = format!("provider:reply-task:{lou}");
    let task = block_on(b.world.kv_get(key.clone())).unwrap();
    let task = task.and_then(|t| t.as_str().map(String::from)).unwrap();
    let shown = b.contacts_by_id(&lou)["tasks"][0]["id"].clone();
    assert_eq!(shown, task.as_str(), "the reply's task is the one kept");

    b.ghl_webhook(
        "done-by-hand",
        "TaskComplete",
        json!({"id": task, "contactId": lou, "title": "Answer the SMS reply", "completed": true}),
    );
    assert_eq!(
        block_on(b.world.kv_get(key)).unwrap(),
        None,
        "nothing left for an answer to close"
    );
}

#[test]
fn a_contact_who_sent_stop_is_not_enrolled_in_a_workflow_by_a_later_oui() {
    let b = Bridge::new();
    let recipe = ghl_bridge::recipes::recipes()
        .into_iter()
        .find(|r| r.id == "sms-reply-oui-enrol")
        .unwrap();
    block_on(b.world.mapping_put(recipe.source_id, recipe.mapping)).unwrap();
    b.sandbox.person_creates(
        json!({"locationId": LOCATION, "firstName": "Zoé", "phone": "+33611117777"}),
    );
    b.stop("numero=%2B33611117777&id=stop-z&date=1795341600");
    b.drain();
    b.reply("numero=%2B33611117777&message=oui&id=oui-z&date=1795341700");
    b.drain();
    assert!(b.enrolled_in("wf_rappel_oui").is_empty());
    assert_eq!(b.sandbox.calls("/workflow/"), 0, "no GHL call either");
    let events = block_on(b.world.events(EventQuery {
        limit: 10,
        ..EventQuery::default()
    }))
    .unwrap();
    let reply = events
        .events
        .iter()
        .find(|e| e.event_id.as_deref() == Some("oui-z"))
        .unwrap();
    assert_eq!(reply.status, EventStatus::Done);
    assert!(
        reply
            .warnings
            .iter()
            .any(|w| w.starts_with("not enrolled (workflow ")
                && w.ends_with("/wf_rappel_oui): contact opted out of SMS (STOP received by Spot-Hit at 2026-11-18T11:06:40Z)")),
        "{:?}",
        reply.warnings
    );
}
