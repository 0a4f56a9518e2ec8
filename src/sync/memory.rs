//! A location store in memory: the protocol's reference semantics, and what
//! native tests run the pipeline against. Requests go through the same serde
//! round trip as the Worker's (see [`dispatch`]), so a field the protocol
//! forgets to carry fails here first.

use super::budget::CallWindow;
use super::echo::merge_known_tags;
use super::protocol::*;
use super::records::{admit, claim, record_ghl_event, replay, sync_of, take_if_stale};
use super::retention::Cutoffs;
use crate::admin_api::{
    EventRecord, EventStatus, GhlEventEntry, GhlOutcome, StorageReport, Swept, STALE_AFTER_MS,
};
use crate::ghl::oauth::{OAuthTokens, NOT_CONNECTED};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Default)]
struct Data {
    events: BTreeMap<String, EventRecord>,
    ghl: BTreeMap<String, GhlEventEntry>,
    ghl_bodies: BTreeMap<String, Value>,
    /// Key -> (contact id, written at).
    identity: BTreeMap<String, (String, u64)>,
    mappings: BTreeMap<String, String>,
    window: CallWindow,
    /// Contact id -> when the bridge last wrote it.
    wrote: BTreeMap<String, u64>,
    tags: BTreeMap<String, (Vec<String>, u64)>,
    kv: BTreeMap<String, Value>,
    leases: BTreeMap<String, u64>,
    oauth: Option<OAuthTokens>,
}

impl Data {
    /// Deletes the GHL webhooks `gone` picks, with their bodies: how many.
    fn drop_ghl_events(&mut self, gone: impl Fn(&GhlEventEntry) -> bool) -> u64 {
        let ids: Vec<String> = self
            .ghl
            .values()
            .filter(|e| gone(e))
            .map(|e| e.webhook_id.clone())
            .collect();
        for id in &ids {
            self.ghl.remove(id);
            self.ghl_bodies.remove(id);
        }
        ids.len() as u64
    }
}

pub struct MemoryStore {
    clock: Rc<Cell<u64>>,
    data: RefCell<Data>,
}

impl MemoryStore {
    /// A store reading the time from `clock` (Unix ms), shared with its world.
    pub fn new(clock: Rc<Cell<u64>>) -> MemoryStore {
        MemoryStore {
            clock,
            data: RefCell::new(Data::default()),
        }
    }

    fn now(&self) -> u64 {
        self.clock.get()
    }
}

impl StoreTransport for MemoryStore {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        Box::pin(dispatch(self, request))
    }
}

/// Implements one operation: `|store, op| body`.
macro_rules! handle {
    ($op:ty, |$s:ident, $o:ident| $body:expr) => {
        impl Handle<$op> for MemoryStore {
            async fn handle(&self, $o: $op) -> Result<<$op as StoreOp>::Answer, WorldError> {
                let $s = self;
                Ok($body)
            }
        }
    };
}

handle!(Ingest, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    match d.events.get(&op.record.key) {
        Some(first) => Ingested {
            accepted: false,
            record: first.clone(),
            delay_ms: 0,
        },
        None => {
            let mut record = op.record;
            let delay_ms = admit(&mut record, &mut d.window, now);
            d.events.insert(record.key.clone(), record.clone());
            Ingested {
                accepted: true,
                record,
                delay_ms,
            }
        }
    }
});

handle!(Claim, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    match d.events.get_mut(&op.key) {
        None => Claimed::refused(None),
        Some(record) => match claim(record, now) {
            Ok(()) => Claimed::started(record.clone()),
            Err(status) => Claimed::refused(Some(status)),
        },
    }
});

handle!(Update, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let mut record = op.record;
    record.updated_at_ms = now;
    if let Some(id) = &record.contact_id {
        d.wrote.insert(id.clone(), now);
    }
    d.events.insert(record.key.clone(), record);
    Ack {}
});

handle!(Replay, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let record = d.events.get_mut(&op.key);
    record.and_then(|r| replay(r, now).then(|| r.clone()))
});

handle!(Events, |s, op| {
    let d = s.data.borrow();
    let q = op.query;
    let cursor = q.cursor.as_deref().and_then(Cursor::decode);
    let mut matching: Vec<&EventRecord> = d
        .events
        .values()
        .filter(|r| q.status.is_none_or(|st| r.status == st))
        .filter(|r| q.source_id.as_ref().is_none_or(|id| &r.source_id == id))
        .filter(|r| q.contact.as_ref().is_none_or(|c| c.matches(r)))
        .filter(|r| cursor.is_none_or(|c| c.precedes(r)))
        .collect();
    matching.sort_by(|a, b| (b.received_at_ms, &b.key).cmp(&(a.received_at_ms, &a.key)));
    let limit = q.limit.max(1) as usize;
    let more = matching.len() > limit;
    let events: Vec<EventRecord> = matching.into_iter().take(limit).cloned().collect();
    EventPage {
        next_cursor: more
            .then(|| events.last().map(|r| Cursor::after(r).encode()))
            .flatten(),
        events,
    }
});

handle!(EventSummaryRequest, |s, op| {
    let d = s.data.borrow();
    let bucket_ms = op.bucket_ms.max(1);
    let mut points: BTreeMap<u64, SeriesPoint> = BTreeMap::new();
    for r in d
        .events
        .values()
        .filter(|r| r.received_at_ms >= op.since_ms)
    {
        let at_ms = r.received_at_ms / bucket_ms * bucket_ms;
        let point = points.entry(at_ms).or_insert(SeriesPoint {
            at_ms,
            ..SeriesPoint::default()
        });
        point.add(
            r.status,
            1,
            u64::from(r.attempts > 1),
            u64::from(r.ghl_calls),
        );
    }
    EventSummary {
        points: points.into_values().collect(),
        parked_total: d
            .events
            .values()
            .filter(|r| r.status == EventStatus::Parked)
            .count() as u64,
        last_event_at_ms: d.events.values().map(|r| r.received_at_ms).max(),
    }
});

handle!(Stale, |s, op| {
    let now = s.now();
    let older = op.older_than_ms.unwrap_or(STALE_AFTER_MS);
    let mut d = s.data.borrow_mut();
    let mut swept = Swept {
        inbound: Vec::new(),
        ghl: Vec::new(),
    };
    for r in d.events.values_mut() {
        if take_if_stale(r, now, older) {
            swept.inbound.push(r.key.clone());
        }
    }
    for e in d.ghl.values_mut() {
        if sync_of(e).is_some_and(|mut sync| take_if_stale(&mut sync, now, older)) {
            swept.ghl.push(e.webhook_id.clone());
        }
    }
    swept
});

handle!(IdentityGet, |s, op| {
    let d = s.data.borrow();
    op.keys
        .iter()
        .filter_map(|k| d.identity.get(k).map(|(id, _)| (k.clone(), id.clone())))
        .collect::<BTreeMap<_, _>>()
});

handle!(IdentityPut, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    for k in op.keys {
        d.identity.insert(k, (op.contact_id.clone(), now));
    }
    Ack {}
});

handle!(MappingGet, |s, op| s
    .data
    .borrow()
    .mappings
    .get(&op.source_id)
    .cloned());

handle!(MappingPut, |s, op| {
    s.data
        .borrow_mut()
        .mappings
        .insert(op.source_id, op.mapping);
    Ack {}
});

handle!(MappingDelete, |s, op| s
    .data
    .borrow_mut()
    .mappings
    .remove(&op.source_id)
    .is_some());

handle!(RateAcquire, |s, op| {
    let now = s.now();
    s.data
        .borrow_mut()
        .window
        .acquire(now, op.limit, op.window_ms, op.lane)
});

handle!(RatePause, |s, op| {
    let now = s.now();
    s.data.borrow_mut().window.pause(now, op.ms);
    Ack {}
});

handle!(RecordGhlEvent, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let e = op.event;
    if d.ghl.contains_key(&e.webhook_id) {
        GhlRecorded {
            outcome: GhlOutcome::Duplicate,
            queued: false,
        }
    } else {
        let last_write = e
            .contact_id
            .as_ref()
            .and_then(|id| d.wrote.get(id))
            .copied();
        let known = e
            .contact_id
            .as_ref()
            .and_then(|id| d.tags.get(id))
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        let rules_saved = d.kv.contains_key(super::sync_back::SYNC_RULES_KEY);
        let (entry, recorded, body) = record_ghl_event(e, last_write, &known, rules_saved, now);
        if let Some(body) = body {
            d.ghl_bodies.insert(entry.webhook_id.clone(), body);
        }
        d.ghl.insert(entry.webhook_id.clone(), entry);
        recorded
    }
});

handle!(ClaimGhlEvent, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let body = d.ghl_bodies.get(&op.webhook_id).cloned();
    let Some(entry) = d.ghl.get_mut(&op.webhook_id) else {
        return Ok(Claimed::refused(None));
    };
    let Some(mut sync) = sync_of(entry) else {
        return Ok(Claimed::refused(None));
    };
    match claim(&mut sync, now) {
        Err(status) => Claimed::refused(Some(status)),
        Ok(()) => Claimed::started(ClaimedGhlEvent {
            entry: entry.clone(),
            event: body.unwrap_or(Value::Null),
        }),
    }
});

handle!(UpdateGhlEvent, |s, op| {
    let now = s.now();
    let mut entry = op.entry;
    if let Some(sync) = entry.sync.as_mut() {
        sync.updated_at_ms = now;
    }
    s.data
        .borrow_mut()
        .ghl
        .insert(entry.webhook_id.clone(), entry);
    Ack {}
});

handle!(ReplayGhlEvent, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    d.ghl
        .get_mut(&op.webhook_id)
        .and_then(sync_of)
        .is_some_and(|mut sync| replay(&mut sync, now))
});

handle!(GhlEvents, |s, op| {
    let d = s.data.borrow();
    let mut all: Vec<GhlEventEntry> = d.ghl.values().cloned().collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.received_at_ms));
    all.truncate(op.limit as usize);
    all
});

handle!(SwapTags, |s, op| {
    let now = s.now();
    s.data
        .borrow_mut()
        .tags
        .insert(op.contact_id, (op.tags, now))
        .map(|(before, _)| before)
});

handle!(MergeTags, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let slot = d.tags.entry(op.contact_id).or_default();
    if merge_known_tags(&mut slot.0, slot.1, &op.tags, now).1 {
        slot.1 = now;
    }
    Ack {}
});

handle!(TagNews, |s, op| {
    let now = s.now();
    let d = s.data.borrow();
    let (mut known, at) = d.tags.get(&op.contact_id).cloned().unwrap_or_default();
    merge_known_tags(&mut known, at, &op.tags, now).0
});

handle!(KvGet, |s, op| s.data.borrow().kv.get(&op.key).cloned());

handle!(KvPut, |s, op| {
    let mut d = s.data.borrow_mut();
    if op.value.is_null() {
        d.kv.remove(&op.key)
    } else {
        d.kv.insert(op.key, op.value)
    }
});

handle!(KvDelete, |s, op| s
    .data
    .borrow_mut()
    .kv
    .remove(&op.key)
    .is_some());

handle!(KvTally, |s, op| {
    let mut d = s.data.borrow_mut();
    let tally = Tally::counted_once_more(d.kv.get(&op.key), op.at_ms);
    d.kv.insert(op.key, serde_json::to_value(tally)?);
    tally
});

handle!(KvPutIfAbsent, |s, op| {
    let mut d = s.data.borrow_mut();
    match d.kv.get(&op.key) {
        Some(held) => Some(held.clone()),
        None => {
            d.kv.insert(op.key, op.value);
            None
        }
    }
});

handle!(KvList, |s, op| s
    .data
    .borrow()
    .kv
    .range(op.prefix.clone()..)
    .take_while(|(k, _)| k.starts_with(&op.prefix))
    .map(|(k, v)| (k.clone(), v.clone()))
    .collect::<Vec<_>>());

handle!(LeaseAcquire, |s, op| {
    let now = s.now();
    let mut d = s.data.borrow_mut();
    let free = d.leases.get(&op.name).is_none_or(|until| *until <= now);
    if free {
        d.leases.insert(op.name, now + op.ttl_ms);
    }
    free
});

handle!(LeaseRelease, |s, op| {
    s.data.borrow_mut().leases.remove(&op.name);
    Ack {}
});

handle!(PutOAuth, |s, op| {
    s.data.borrow_mut().oauth = Some(op.tokens);
    Ack {}
});

// No network here: an expired token is reported, not refreshed (the
// Worker's store refreshes; its e2e tests cover that).
handle!(OAuthAccess, |s, _op| {
    match &s.data.borrow().oauth {
        None => TokenAnswer::failed(NOT_CONNECTED, false),
        Some(t) if t.fresh(s.now()) => TokenAnswer::token(t.access_token.clone(), false),
        Some(_) => TokenAnswer::failed("the OAuth token expired", true),
    }
});

handle!(Retain, |s, op| {
    let c = Cutoffs::at(op.as_of_ms.unwrap_or(s.now()), op.retention_days);
    let mut d = s.data.borrow_mut();
    let mut report = RetentionReport::default();
    for r in d.events.values_mut() {
        let settled = r.status == EventStatus::Done;
        if settled && r.received_at_ms < c.payloads && !r.payload.is_empty() {
            r.payload.clear();
            report.payloads_dropped += 1;
        }
    }
    let before = d.events.len();
    d.events.retain(|_, r| r.received_at_ms >= c.records);
    report.events_deleted = (before - d.events.len()) as u64;
    report.ghl_events_deleted = d.drop_ghl_events(|e| e.received_at_ms < c.records);
    let before = d.identity.len() + d.tags.len() + d.wrote.len();
    d.identity.retain(|_, (_, at)| *at >= c.identity);
    d.tags.retain(|_, (_, at)| *at >= c.identity);
    d.wrote.retain(|_, at| *at >= c.short_lived);
    report.other_deleted = (before - d.identity.len() - d.tags.len() - d.wrote.len()) as u64;
    report
});

handle!(StorageReportRequest, |s, _op| {
    let d = s.data.borrow();
    StorageReport {
        bytes: 0,
        events: d.events.len() as u64,
        payloads: d.events.values().filter(|r| !r.payload.is_empty()).count() as u64,
        ghl_events: d.ghl.len() as u64,
        identity_keys: d.identity.len() as u64,
        other_rows: (d.kv.len() + d.tags.len() + d.wrote.len()) as u64,
    }
});

handle!(Erase, |s, op| {
    let mut d = s.data.borrow_mut();
    let ids = &op.search.contact_ids;
    let mut erased = Erased::default();
    let before = d.events.len();
    d.events.retain(|_, r| !op.search.matches(r));
    erased.events = (before - d.events.len()) as u64;
    erased.ghl_events =
        d.drop_ghl_events(|e| e.contact_id.as_ref().is_some_and(|c| ids.contains(c)));
    let before = d.identity.len();
    d.identity
        .retain(|k, (id, _)| !ids.contains(id) && !op.identity_keys.contains(k));
    erased.identity_keys = (before - d.identity.len()) as u64;
    erased.contacts = ids
        .iter()
        .filter(|id| d.tags.contains_key(*id) || d.wrote.contains_key(*id))
        .count() as u64;
    d.tags.retain(|id, _| !ids.contains(id));
    d.wrote.retain(|id, _| !ids.contains(id));
    erased
});

// Nothing is sealed in memory: nothing to seal again.
handle!(Reseal, |_s, _op| Resealed::default());

// Memory bills nothing.
handle!(UsageRequest, |_s, _op| super::usage::Usage::default());

// Nothing is sealed in memory: a secret is a value like any other.
handle!(SecretPut, |s, op| {
    s.data.borrow_mut().kv.insert(op.key.key(), op.value);
    Ack {}
});
