//! The location's GHL call budget: a sliding window of the calls the bridge
//! made, below GHL's burst limit (100 per 10 s per location and app) so other
//! apps and clock skew leave room, and a pause for everyone after a 429.
//!
//! Three lanes share it. Leads (forms, replies, STOPs, Specter people) may
//! use the whole window. The backlog (leads held for their turn when they
//! came, a backfill) may too, but after any new lead sent away. Delivery
//! receipts, which come by the thousand after a campaign, use at most two
//! thirds of it, never while a lead waits, and are paced on a book of their
//! own: a lead arriving during a 10,000-receipt burst is not queued behind it.

use crate::sources::EventKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Calls per location per window the bridge allows itself.
pub const CALLS_PER_WINDOW: u32 = 90;
pub const WINDOW_MS: u64 = 10_000;
/// Longest wait inside one attempt; beyond it the event goes back on the
/// queue for later, so one busy location never holds a consumer (and the
/// other locations' events behind it) for long.
pub const MAX_WAIT_MS: u64 = 1_500;
/// How much longer than the window a granted call is counted. A call reaches
/// GHL some time after its grant, and not always the same time: counted for
/// just the window, two calls granted 10 s apart can land at GHL less than
/// 10 s apart, and a window there holds one call more than the budget (91
/// measured in `make load`'s many-locations run). Each call is counted for the
/// window and this much more, so one delayed by up to this much still falls
/// in the window of the one before.
pub const IN_TRANSIT_MS: u64 = 500;
/// A backlog this long (in the budget's time) runs without pacing: a burst of
/// about 30 events goes on the queue at once.
pub const HEADROOM_MS: u64 = 10_000;
/// Calls a typical event makes (upsert, tags, note: measured 3.00 per new
/// contact): events sent away are booked to come back this many slots apart.
pub const CALLS_PER_EVENT: u64 = 3;
/// The receipts' share of the window: the rest is always there for leads.
pub const RECEIPT_CALLS_PER_WINDOW: u32 = 60;
/// Calls a receipt for a known contact makes (its tags): receipts are paced
/// this many of their slots apart.
pub const CALLS_PER_RECEIPT: u64 = 1;

/// The budget's answer to one call: granted, or how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub granted: bool,
    pub wait_ms: u64,
    /// Refused: when an event sent away is booked to come back, from now.
    #[serde(default)]
    pub come_back_ms: u64,
}

/// Which lane an event's calls go in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Lane {
    /// New leads and everything a person is waiting on.
    #[default]
    Lead,
    /// Leads held for their turn when they arrived (a backfill): paced, and
    /// after any new lead the budget sent away.
    Backlog,
    /// Delivery receipts: many, and nobody waits on one.
    Receipt,
}

impl Lane {
    /// The lane of a kind of source: Spot-Hit's status callbacks are receipts.
    pub fn of_kind(kind: EventKind) -> Lane {
        match kind {
            EventKind::SpotHitStatus | EventKind::SpotHitMessageStatus => Lane::Receipt,
            _ => Lane::Lead,
        }
    }

    /// The lane of an event's calls: its kind's, or the backlog's for a
    /// lead that was held for its turn when it arrived (`paced`).
    pub fn of_event(kind: EventKind, paced: bool) -> Lane {
        match Lane::of_kind(kind) {
            Lane::Lead if paced => Lane::Backlog,
            lane => lane,
        }
    }

    /// Longest wait inside one attempt: a receipt never holds the consumer
    /// (a lead may be behind it on the queue); it goes away to its turn.
    pub fn max_wait_ms(self) -> u64 {
        match self {
            Lane::Lead | Lane::Backlog => MAX_WAIT_MS,
            Lane::Receipt => 0,
        }
    }
}

/// What the store keeps of the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallWindow {
    /// When the calls still inside the window were granted, oldest first.
    pub recent: Vec<u64>,
    /// No call before this (after a 429).
    pub paused_until: u64,
    /// Backlog events sent away while the window was full are booked to come
    /// back one after the other up to here, at the rate the window allows,
    /// so a backlog returns spread out instead of all at once.
    #[serde(default)]
    pub booked_until: u64,
    /// New leads sent away come back one after the other up to here, soon,
    /// and before the backlog: a lead from a web form is not booked behind
    /// a backfill's events sent away (measured: 65 s once, in `make load`).
    #[serde(default)]
    pub leads_back_until: u64,
    /// New events are admitted one event's calls apart up to here: a burst
    /// bigger than the window can take is queued spread out, so it never
    /// stands in front of other locations' events on the queue.
    #[serde(default)]
    pub admitted_until: u64,
    /// Each source's own leads are admitted up to here: a source whose own
    /// backlog is short (a web form beside a backfill sent through another
    /// source) is not held behind another source's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_books: BTreeMap<String, u64>,
    /// The receipts' own book: a burst of new receipts is spread up to here
    /// at their share of the window.
    #[serde(default)]
    pub receipts_until: u64,
    /// Receipts sent away (the window was full when their turn came) come
    /// back one after the other from when it has room again, up to here:
    /// soon, not behind the whole burst, whose turns are already booked.
    #[serde(default)]
    pub receipts_back_until: u64,
}

/// The share of the window one typical event's calls take (333 ms of 10 s
/// at 90 calls): paced and booked events are this far apart.
fn event_slot_ms(limit: u32, window_ms: u64) -> u64 {
    window_ms / u64::from(limit.max(1)) * CALLS_PER_EVENT
}

/// The share of the window one receipt's calls take (166 ms of 10 s at 60).
fn receipt_slot_ms(window_ms: u64) -> u64 {
    window_ms / u64::from(RECEIPT_CALLS_PER_WINDOW) * CALLS_PER_RECEIPT
}

/// The next turn on `book`, not before `earliest_ms`: after the turns taken
/// before it, `slot_ms` apart. Every book (admissions, returns) is one.
fn take_turn(book: &mut u64, earliest_ms: u64, slot_ms: u64) -> u64 {
    let at = (*book).max(earliest_ms);
    *book = at + slot_ms;
    at
}

impl CallWindow {
    /// Grants a call in `lane` if the window has room, else says how long
    /// until it will (`wait_ms`) and, for an event sent away, when it is
    /// booked to come back (`come_back_ms`, from now).
    pub fn acquire(&mut self, now_ms: u64, limit: u32, window_ms: u64, lane: Lane) -> Grant {
        let wait_ms = match self.wait_ms(now_ms, limit, window_ms, lane) {
            0 => {
                self.recent.push(now_ms);
                return Grant {
                    granted: true,
                    wait_ms: 0,
                    come_back_ms: 0,
                };
            }
            wait => wait,
        };
        let (book, slot) = match lane {
            Lane::Lead => (&mut self.leads_back_until, event_slot_ms(limit, window_ms)),
            Lane::Backlog => (&mut self.booked_until, event_slot_ms(limit, window_ms)),
            Lane::Receipt => (&mut self.receipts_back_until, receipt_slot_ms(window_ms)),
        };
        let come_back_ms = take_turn(book, now_ms + wait_ms, slot) - now_ms;
        Grant {
            granted: false,
            wait_ms,
            come_back_ms,
        }
    }

    /// How long a call in `lane` must wait; 0 when it may go now.
    fn wait_ms(&mut self, now_ms: u64, limit: u32, window_ms: u64, lane: Lane) -> u64 {
        if self.paused_until > now_ms {
            return self.paused_until - now_ms;
        }
        let counted_ms = window_ms + IN_TRANSIT_MS;
        self.recent
            .retain(|t| now_ms.saturating_sub(*t) < counted_ms);
        let room = match lane {
            Lane::Lead => limit,
            Lane::Backlog => {
                // New leads sent away come first.
                if self.leads_back_until > now_ms {
                    return self.leads_back_until - now_ms;
                }
                limit
            }
            Lane::Receipt => {
                // Leads sent away come first.
                let leads_back = self.booked_until.max(self.leads_back_until);
                if leads_back > now_ms {
                    return leads_back - now_ms;
                }
                // Then the calls the leads admitted lately may still make,
                // beyond the third of the window that is always theirs.
                let reserved = self.lead_calls_reserved(now_ms, limit, window_ms);
                let room = RECEIPT_CALLS_PER_WINDOW.min(limit.saturating_sub(reserved));
                if room == 0 {
                    return self.until_receipts_have_a_call(now_ms, limit, window_ms);
                }
                room
            }
        } as usize;
        if self.recent.len() < room {
            return 0;
        }
        // The call that frees a place is the (len - room)th oldest.
        let freeing = self.recent[self.recent.len() - room];
        counted_ms.saturating_sub(now_ms.saturating_sub(freeing)) + 5
    }

    /// Calls the leads admitted but not yet due may still make: one event's
    /// calls per slot of admission time ahead of now. A lead in a trickle
    /// reserves its 3 calls for a third of a second, not the whole window;
    /// a paced backlog reserves all of it.
    fn lead_calls_reserved(&self, now_ms: u64, limit: u32, window_ms: u64) -> u32 {
        let ahead_ms = self.admitted_until.saturating_sub(now_ms);
        let slots = ahead_ms.div_ceil(event_slot_ms(limit, window_ms).max(1));
        u32::try_from(slots * CALLS_PER_EVENT)
            .unwrap_or(u32::MAX)
            .min(limit)
    }

    /// Until the leads' reservation leaves the receipts one call.
    fn until_receipts_have_a_call(&self, now_ms: u64, limit: u32, window_ms: u64) -> u64 {
        let slots_left_room = u64::from(limit.saturating_sub(1)) / CALLS_PER_EVENT;
        let from = self
            .admitted_until
            .saturating_sub(slots_left_room * event_slot_ms(limit, window_ms));
        from.saturating_sub(now_ms).max(1)
    }

    /// Admits one new event from `source` in `lane`: how long the queue
    /// should hold it.
    pub fn admit(
        &mut self,
        now_ms: u64,
        limit: u32,
        window_ms: u64,
        source: &str,
        lane: Lane,
    ) -> u64 {
        match lane {
            Lane::Lead | Lane::Backlog => self.admit_lead(now_ms, limit, window_ms, source),
            Lane::Receipt => {
                let at = self.book_receipt(now_ms, window_ms);
                (at - now_ms).saturating_sub(HEADROOM_MS)
            }
        }
    }

    /// Every new lead takes one event's share of the budget's time, from the
    /// last one admitted: a backlog runs unpaced up to `HEADROOM_MS` of it,
    /// and beyond that each is held for its turn. Counted from admissions,
    /// not from calls made: at the start of a backfill no call is made yet,
    /// and counting calls let 670 of its events on the live queue at once,
    /// ahead of other locations' leads (measured, `ONLY=many make load`).
    /// A steady trickle under the budget is never held. Receipts do not push
    /// leads back: they have their own book.
    ///
    /// A lead whose own source's backlog is within the headroom goes at
    /// once even when another source's backlog holds the location: a web
    /// form's lead is not queued behind a backfill sent through another
    /// source (it still takes its slot, so the backfill makes room for it).
    fn admit_lead(&mut self, now_ms: u64, limit: u32, window_ms: u64, source: &str) -> u64 {
        let slot = event_slot_ms(limit, window_ms);
        let at = take_turn(&mut self.admitted_until, now_ms, slot);
        self.source_books.retain(|_, until| *until > now_ms);
        let book = self.source_books.entry(source.to_string()).or_default();
        let own = take_turn(book, now_ms, slot);
        if own - now_ms <= HEADROOM_MS {
            return 0;
        }
        (at - now_ms).saturating_sub(HEADROOM_MS)
    }

    /// A new receipt's turn on the receipts' book, not before `earliest_ms`.
    fn book_receipt(&mut self, earliest_ms: u64, window_ms: u64) -> u64 {
        take_turn(
            &mut self.receipts_until,
            earliest_ms,
            receipt_slot_ms(window_ms),
        )
    }

    /// Holds every caller of this location for `ms` from now.
    pub fn pause(&mut self, now_ms: u64, ms: u64) {
        self.paused_until = self.paused_until.max(now_ms + ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lane::{Lead, Receipt};

    #[test]
    fn a_full_window_waits_for_its_oldest_call() {
        let mut w = CallWindow::default();
        for i in 0..3 {
            assert!(w.acquire(1_000 + i, 3, 10_000, Lead).granted);
        }
        let no = w.acquire(2_000, 3, 10_000, Lead);
        // The oldest call counts for the window and its time in transit.
        assert_eq!((no.granted, no.wait_ms), (false, 9_505));
        assert_eq!(no.come_back_ms, 9_505);
        assert!(
            !w.acquire(11_000, 3, 10_000, Lead).granted,
            "still in transit"
        );
        assert!(
            w.acquire(11_500, 3, 10_000, Lead).granted,
            "the oldest left the window"
        );
    }

    #[test]
    fn events_sent_away_are_booked_to_come_back_spread_at_the_windows_rate() {
        let mut w = CallWindow::default();
        for i in 0..90 {
            assert!(w.acquire(i, 90, 10_000, Lead).granted);
        }
        let returns: Vec<u64> = (0..4)
            .map(|_| w.acquire(100, 90, 10_000, Lead).come_back_ms)
            .collect();
        // The window frees at 10.5 s; then one event's 3 calls (333 ms) apart.
        assert_eq!(returns, [10_405, 10_738, 11_071, 11_404]);
        // Once the booked ones are long past, a new backlog books from its own wait.
        let later = w.acquire(60_000, 90, 10_000, Lead);
        assert!(later.granted);
    }

    #[test]
    fn a_new_lead_sent_away_comes_back_before_the_backlog_sent_away() {
        use Lane::Backlog;
        let mut w = CallWindow::default();
        for i in 0..90 {
            assert!(w.acquire(i, 90, 10_000, Backlog).granted);
        }
        // A backfill's events sent away: booked one after the other.
        let backlog: Vec<u64> = (0..60)
            .map(|_| w.acquire(100, 90, 10_000, Backlog).come_back_ms)
            .collect();
        assert_eq!(backlog[59], 10_405 + 59 * 333);
        // A web form's lead sent away comes back when the window frees, not
        // behind the 60, and the backlog yields to it then.
        let lead = w.acquire(200, 90, 10_000, Lead);
        assert_eq!((lead.granted, lead.come_back_ms), (false, 10_305));
        let at = 200 + lead.come_back_ms;
        let held = w.acquire(at, 90, 10_000, Backlog);
        assert!(
            !held.granted,
            "the backlog yields while the lead's turn lasts"
        );
        assert!(w.acquire(at, 90, 10_000, Lead).granted);
        assert!(w.acquire(at + 333, 90, 10_000, Backlog).granted);
        assert_eq!(Lane::of_event(EventKind::Form, true), Backlog);
        assert_eq!(Lane::of_event(EventKind::Form, false), Lead);
        assert_eq!(
            Lane::of_event(EventKind::SpotHitStatus, true),
            Lane::Receipt
        );
    }

    #[test]
    fn a_burst_on_a_busy_location_is_admitted_at_once_up_to_the_headroom_then_spread() {
        let mut w = CallWindow::default();
        for i in 0..45 {
            assert!(w.acquire(500 + i, 90, 10_000, Lead).granted);
        }
        let delays: Vec<u64> = (0..40)
            .map(|_| w.admit(1_000, 90, 10_000, "form", Lead))
            .collect();
        assert!(delays[..31].iter().all(|d| *d == 0), "{delays:?}");
        assert_eq!(delays[31..34], [323, 656, 989]);
        // A location that made no call yet (a backfill's start) is paced too:
        // its calls have not begun, its backlog has.
        let mut idle = CallWindow::default();
        let idle_delays: Vec<u64> = (0..40)
            .map(|_| idle.admit(1_000, 90, 10_000, "form", Lead))
            .collect();
        assert_eq!(idle_delays, delays, "the same turns as on a busy location");
        // Nor is a steady trickle under the budget.
        let mut quiet = CallWindow::default();
        assert!((0..50).all(|i| {
            quiet.acquire(i * 1_000, 90, 10_000, Lead);
            quiet.admit(i * 1_000, 90, 10_000, "form", Lead) == 0
        }));
    }

    #[test]
    fn a_backfill_through_one_source_does_not_hold_another_sources_leads() {
        let mut w = CallWindow::default();
        let backfill: Vec<u64> = (0..2_000)
            .map(|_| w.admit(1_000, 90, 10_000, "import", Lead))
            .collect();
        assert_eq!(backfill[1_999], 1_999 * 333 - 10_000, "11 minutes of it");
        // The web form's leads go at once, a few at a time or in a trickle ...
        let form: Vec<u64> = (0..3)
            .map(|i| w.admit(2_000 + i, 90, 10_000, "form", Lead))
            .collect();
        assert_eq!(form, [0, 0, 0]);
        assert!((0..20).all(|i| w.admit(5_000 + i * 2_000, 90, 10_000, "form", Lead) == 0));
        // ... and take their slots: the backfill's next event comes after
        // the 2,000 and the 23 leads.
        let next = w.admit(45_000, 90, 10_000, "import", Lead);
        assert_eq!(next, 1_000 + 2_023 * 333 - 45_000 - 10_000);
        // A second backlog on the form is held like any backlog: behind the
        // location's book, not let through by its source.
        let burst: Vec<u64> = (0..40)
            .map(|_| w.admit(46_000, 90, 10_000, "form", Lead))
            .collect();
        assert!(burst[..30].iter().all(|d| *d == 0), "{burst:?}");
        assert!(burst[31] > 600_000, "{burst:?}");
        // Books of sources with nothing ahead are dropped.
        assert_eq!(w.source_books.len(), 2);
        let mut quiet = CallWindow::default();
        quiet.admit(0, 90, 10_000, "a", Lead);
        quiet.admit(1_000, 90, 10_000, "b", Lead);
        assert_eq!(quiet.source_books.keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn a_pause_holds_everyone() {
        let mut w = CallWindow::default();
        w.pause(1_000, 5_000);
        assert_eq!(w.acquire(2_000, 90, 10_000, Lead).wait_ms, 4_000);
        assert!(w.acquire(6_000, 90, 10_000, Lead).granted);
    }

    #[test]
    fn receipts_leave_a_third_of_the_window_to_leads_and_go_away_at_once() {
        let mut w = CallWindow::default();
        let granted = (0..90)
            .filter(|i| w.acquire(1_000 + i, 90, 10_000, Receipt).granted)
            .count();
        assert_eq!(granted, 60, "receipts stop at their share");
        let refused = w.acquire(1_100, 90, 10_000, Receipt);
        assert_eq!(refused.wait_ms, 10_405, "until their oldest call leaves");
        assert_eq!(
            Receipt.max_wait_ms(),
            0,
            "a receipt never holds the consumer"
        );
        let leads = (0..40)
            .filter(|i| w.acquire(1_200 + i, 90, 10_000, Lead).granted)
            .count();
        assert_eq!(leads, 30, "a lead finds the rest of the window free");
    }

    #[test]
    fn a_lead_waiting_or_paced_holds_every_receipt_back() {
        let mut w = CallWindow::default();
        for i in 0..90 {
            assert!(w.acquire(i, 90, 10_000, Lead).granted);
        }
        let lead = w.acquire(100, 90, 10_000, Lead);
        assert!(!lead.granted);
        // The window frees at 10.5 s, but the lead sent away has that turn.
        let receipt = w.acquire(10_600, 90, 10_000, Receipt);
        assert!(!receipt.granted, "{receipt:?}");
        assert_eq!(receipt.wait_ms, 10_838 - 10_600, "the lead's booked slot");
        assert!(w.acquire(10_900, 90, 10_000, Receipt).granted);
    }

    #[test]
    fn a_lead_in_a_trickle_reserves_its_calls_not_the_window() {
        // One lead admitted: its 3 calls are reserved, the receipts keep
        // their share (before, every receipt waited out the lead's 333 ms).
        let mut w = CallWindow::default();
        assert_eq!(w.admit(1_000, 90, 10_000, "form", Lead), 0);
        assert!(w.acquire(1_001, 90, 10_000, Receipt).granted);
        // A backlog of 40 leads reserves the whole window: receipts wait
        // until what is left of it leaves them a call (29 events' slots).
        let mut busy = CallWindow::default();
        for _ in 0..40 {
            busy.admit(1_000, 90, 10_000, "form", Lead);
        }
        let held = busy.acquire(1_001, 90, 10_000, Receipt);
        assert!(!held.granted);
        assert_eq!(held.wait_ms, 1_000 + 40 * 333 - 29 * 333 - 1_001);
        assert!(
            busy.acquire(1_001 + held.wait_ms, 90, 10_000, Receipt)
                .granted
        );
    }

    #[test]
    fn a_burst_of_receipts_is_spread_on_its_own_book_and_a_lead_is_not_behind_it() {
        let mut w = CallWindow::default();
        let delays: Vec<u64> = (0..10_000)
            .map(|_| w.admit(1_000, 90, 10_000, "spothit-status", Receipt))
            .collect();
        // 166 ms apart (60 calls per 10 s), the first 10 s of them at once.
        assert!(delays[..61].iter().all(|d| *d == 0), "{:?}", &delays[..70]);
        assert_eq!(delays[61..63], [126, 292]);
        assert_eq!(delays[9_999] / 1000, 1_649, "the burst takes 27 minutes");
        // Receipts running (60 calls in the window): a lead is admitted at once.
        for i in 0..60 {
            assert!(w.acquire(1_000 + i, 90, 10_000, Receipt).granted);
        }
        assert_eq!(w.admit(1_100, 90, 10_000, "form", Lead), 0);
        assert!(w.acquire(1_200, 90, 10_000, Lead).granted);
        // One sent away when its turn finds the window full comes back when
        // it has room, not behind the 27 minutes of the burst.
        let away = w.acquire(1_300, 90, 10_000, Receipt);
        assert!(!away.granted);
        assert_eq!(away.come_back_ms, away.wait_ms);
        let next = w.acquire(1_300, 90, 10_000, Receipt);
        assert_eq!(next.come_back_ms, away.wait_ms + 166, "then one slot apart");
    }
}
