//! The life of an event record and of a GHL event's sync: queued, then one
//! attempt at a time (claimed), then done or parked; a parked one goes back to
//! queued by a replay; one stuck queued or processing is put back by the sweep.
//! Every store backend applies these rules, so they are decided once, here.

use super::budget::{CallWindow, Lane, CALLS_PER_WINDOW, WINDOW_MS};
use super::echo::is_echo;
use super::protocol::{GhlEventIn, GhlRecorded};
use crate::admin_api::{
    EventRecord, EventStatus, GhlEventEntry, GhlOutcome, OutboundState, ParkCode,
};
use crate::mapping::PayloadFormat;
use crate::sources::Source;

/// What an attempt is tracked by, on inbound events and GHL syncs alike.
pub trait Tracked {
    fn status(&self) -> EventStatus;
    fn set_status(&mut self, status: EventStatus);
    fn attempts_mut(&mut self) -> &mut u32;
    fn error_mut(&mut self) -> &mut Option<String>;
    fn reason_code_mut(&mut self) -> &mut Option<ParkCode>;
    fn touch(&mut self, now_ms: u64);
    /// The last change, or the arrival when there was none.
    fn last_change_ms(&self) -> u64;
}

/// How long an attempt holds its event: a second claim inside it (the queue
/// delivered the message twice) is refused, so two consumers never run one
/// event at once. Every saved step renews it; after it, the holder is taken
/// for dead and the event can be claimed again.
pub const CLAIM_LEASE_MS: u64 = 120_000;

/// Starts an attempt unless the record is settled or another attempt holds
/// it. `Err` is the status that stopped it (`Processing`: try after the lease).
pub fn claim<T: Tracked>(record: &mut T, now_ms: u64) -> Result<(), EventStatus> {
    let held = record.status() == EventStatus::Processing
        && now_ms.saturating_sub(record.last_change_ms()) < CLAIM_LEASE_MS;
    match record.status() {
        status @ (EventStatus::Done | EventStatus::Parked | EventStatus::Ignored) => Err(status),
        EventStatus::Processing if held => Err(EventStatus::Processing),
        EventStatus::Queued | EventStatus::Processing => {
            record.set_status(EventStatus::Processing);
            *record.attempts_mut() += 1;
            record.touch(now_ms);
            Ok(())
        }
    }
}

/// A parked record back to queued with a clean slate; `false` if not parked.
pub fn replay<T: Tracked>(record: &mut T, now_ms: u64) -> bool {
    if record.status() != EventStatus::Parked {
        return false;
    }
    record.set_status(EventStatus::Queued);
    *record.attempts_mut() = 0;
    *record.error_mut() = None;
    *record.reason_code_mut() = None;
    record.touch(now_ms);
    true
}

/// A new event's place in its location's backlog ([`CallWindow::admit`]):
/// how long the queue should hold it, also kept on the record as
/// `due_at_ms`. An event only recorded (ignored) is never queued: no place.
pub fn admit(record: &mut EventRecord, window: &mut CallWindow, now_ms: u64) -> u64 {
    if record.status != EventStatus::Queued {
        return 0;
    }
    let lane = Lane::of_kind(record.kind());
    let delay_ms = window.admit(now_ms, CALLS_PER_WINDOW, WINDOW_MS, &record.source_id, lane);
    record.due_at_ms = if delay_ms > 0 { now_ms + delay_ms } else { 0 };
    delay_ms
}

/// Queued or processing with no change for longer than `older_than_ms`: the
/// queue lost its message (or its consumer died).
pub fn is_stale<T: Tracked>(record: &T, now_ms: u64, older_than_ms: u64) -> bool {
    matches!(
        record.status(),
        EventStatus::Queued | EventStatus::Processing
    ) && now_ms.saturating_sub(record.last_change_ms()) > older_than_ms
}

impl Tracked for EventRecord {
    fn status(&self) -> EventStatus {
        self.status
    }
    fn set_status(&mut self, status: EventStatus) {
        self.status = status;
    }
    fn attempts_mut(&mut self) -> &mut u32 {
        &mut self.attempts
    }
    fn error_mut(&mut self) -> &mut Option<String> {
        &mut self.error
    }
    fn reason_code_mut(&mut self) -> &mut Option<ParkCode> {
        &mut self.reason_code
    }
    fn touch(&mut self, now_ms: u64) {
        self.updated_at_ms = now_ms;
    }
    /// A paced event is not stale before it is due.
    fn last_change_ms(&self) -> u64 {
        self.updated_at_ms
            .max(self.received_at_ms)
            .max(self.due_at_ms)
    }
}

/// Touches a stale record (so one sweep takes it once) and says if it was.
pub fn take_if_stale<T: Tracked>(record: &mut T, now_ms: u64, older_than_ms: u64) -> bool {
    let stale = is_stale(record, now_ms, older_than_ms);
    if stale {
        record.touch(now_ms);
    }
    stale
}

/// A GHL event's sync seen as a [`Tracked`] record; `None` when the event is
/// not to be synced.
pub fn sync_of(entry: &mut GhlEventEntry) -> Option<SyncOf<'_>> {
    let received_at_ms = entry.received_at_ms;
    entry.sync.as_mut().map(|state| SyncOf {
        state,
        received_at_ms,
    })
}

/// A GHL sync's record carries its arrival outside the state.
pub struct SyncOf<'a> {
    pub state: &'a mut OutboundState,
    pub received_at_ms: u64,
}

impl Tracked for SyncOf<'_> {
    fn status(&self) -> EventStatus {
        self.state.status
    }
    fn set_status(&mut self, status: EventStatus) {
        self.state.status = status;
    }
    fn attempts_mut(&mut self) -> &mut u32 {
        &mut self.state.attempts
    }
    fn error_mut(&mut self) -> &mut Option<String> {
        &mut self.state.error
    }
    fn reason_code_mut(&mut self) -> &mut Option<ParkCode> {
        &mut self.state.reason_code
    }
    fn touch(&mut self, now_ms: u64) {
        self.state.updated_at_ms = now_ms;
    }
    fn last_change_ms(&self) -> u64 {
        self.state.updated_at_ms.max(self.received_at_ms)
    }
}

/// A new inbound event, queued.
pub fn received(
    key: String,
    source: Source,
    event_id: Option<String>,
    format: PayloadFormat,
    payload: String,
    now_ms: u64,
) -> EventRecord {
    EventRecord {
        key,
        source_id: source.id.to_string(),
        kind: Some(source.kind),
        event_id,
        received_at_ms: now_ms,
        format,
        payload,
        status: EventStatus::Queued,
        attempts: 0,
        steps_done: 0,
        contact_id: None,
        action: None,
        error: None,
        reason_code: None,
        ghl_calls: 0,
        warnings: Vec::new(),
        updated_at_ms: now_ms,
        due_at_ms: 0,
        mapping: None,
        ghl_requests: Vec::new(),
        notes_written: Vec::new(),
    }
}

/// A new GHL webhook as a store records it (both stores, one decision): an
/// echo of the bridge's own write (`last_write_ms`, the tags it knows), or a
/// change, queued for sync when the rules can act on it. Answers the entry,
/// what the webhook's sender is told, and whether its body is kept (only
/// while it is to be synced).
pub fn record_ghl_event(
    event: GhlEventIn,
    last_write_ms: Option<u64>,
    known_tags: &[String],
    rules_saved: bool,
    now_ms: u64,
) -> (GhlEventEntry, GhlRecorded, Option<serde_json::Value>) {
    let echo = is_echo(
        &event.event_type,
        &event.body,
        last_write_ms,
        now_ms,
        event.echo_window_ms,
        known_tags,
    );
    let sync = !echo && event.syncable && (event.needs_no_saved_rules || rules_saved);
    let outcome = if echo {
        GhlOutcome::Echo
    } else {
        GhlOutcome::Recorded
    };
    let entry = GhlEventEntry {
        webhook_id: event.webhook_id,
        event_type: event.event_type,
        contact_id: event.contact_id,
        received_at_ms: now_ms,
        outcome,
        sync: sync.then(OutboundState::queued),
    };
    let recorded = GhlRecorded {
        outcome,
        queued: sync,
    };
    (entry, recorded, sync.then_some(event.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> EventRecord {
        received(
            "k".into(),
            Source::form("demo"),
            None,
            PayloadFormat::Json,
            "{}".into(),
            1_000,
        )
    }

    #[test]
    fn settled_records_are_not_claimed_and_claims_count_attempts() {
        let mut r = record();
        assert_eq!(claim(&mut r, 2_000), Ok(()));
        assert_eq!(
            (r.status, r.attempts, r.updated_at_ms),
            (EventStatus::Processing, 1, 2_000)
        );
        assert_eq!(claim(&mut r, 3_000), Err(EventStatus::Processing), "held");
        assert_eq!(
            claim(&mut r, 2_000 + CLAIM_LEASE_MS),
            Ok(()),
            "holder presumed dead"
        );
        r.status = EventStatus::Done;
        assert_eq!(claim(&mut r, 3_000), Err(EventStatus::Done));
        assert_eq!(r.attempts, 2);
    }

    #[test]
    fn only_parked_records_replay_and_stuck_ones_are_stale() {
        let mut r = record();
        assert!(!replay(&mut r, 2_000));
        r.status = EventStatus::Parked;
        r.attempts = 8;
        r.error = Some("x".into());
        assert!(replay(&mut r, 2_000));
        assert_eq!(
            (r.status, r.attempts, r.error.clone()),
            (EventStatus::Queued, 0, None)
        );
        assert!(!is_stale(&r, 2_500, 1_000));
        assert!(is_stale(&r, 3_001, 1_000));
        r.status = EventStatus::Done;
        assert!(!is_stale(&r, 9_000, 1_000));
    }
}
