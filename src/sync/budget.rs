//! The location's GHL call budget: a sliding window of the calls the bridge
//! made, below GHL's burst limit (100 per 10 s per location and app) so other
//! apps and clock skew leave room, and a pause for everyone after a 429.

use super::protocol::Grant;
use serde::{Deserialize, Serialize};

/// Calls per location per window the bridge allows itself.
pub const CALLS_PER_WINDOW: u32 = 90;
pub const WINDOW_MS: u64 = 10_000;
/// Longest wait inside one attempt; beyond it the event goes back on the
/// queue for later, so one busy location never holds a consumer (and the
/// other locations' events behind it) for long.
pub const MAX_WAIT_MS: u64 = 1_500;
/// A backlog this long (in the budget's time) runs without pacing: a burst of
/// about 30 events goes on the queue at once.
pub const HEADROOM_MS: u64 = 10_000;
/// Calls a typical event makes (upsert, tags, note: measured 3.00 per new
/// contact): events sent away are booked to come back this many slots apart.
pub const CALLS_PER_EVENT: u64 = 3;

/// What the store keeps of the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallWindow {
    /// When the calls still inside the window were granted, oldest first.
    pub recent: Vec<u64>,
    /// No call before this (after a 429).
    pub paused_until: u64,
    /// Events sent away while the window was full are booked to come back
    /// one after the other up to here, at the rate the window allows, so a
    /// backlog returns spread out instead of all at once.
    #[serde(default)]
    pub booked_until: u64,
    /// New events are admitted one event's calls apart up to here: a burst
    /// bigger than the window can take is queued spread out, so it never
    /// stands in front of other locations' events on the queue.
    #[serde(default)]
    pub admitted_until: u64,
}

/// The share of the window one typical event's calls take (333 ms of 10 s
/// at 90 calls): paced and booked events are this far apart.
fn event_slot_ms(limit: u32, window_ms: u64) -> u64 {
    window_ms / u64::from(limit.max(1)) * CALLS_PER_EVENT
}

impl CallWindow {
    /// Grants a call if the window has room, else says how long until it
    /// will (`wait_ms`) and, for an event sent away, when it is booked to
    /// come back (`come_back_ms`, from now).
    pub fn acquire(&mut self, now_ms: u64, limit: u32, window_ms: u64) -> Grant {
        let wait_ms = if self.paused_until > now_ms {
            self.paused_until - now_ms
        } else {
            self.recent
                .retain(|t| now_ms.saturating_sub(*t) < window_ms);
            if self.recent.len() < limit as usize {
                self.recent.push(now_ms);
                return Grant {
                    granted: true,
                    wait_ms: 0,
                    come_back_ms: 0,
                };
            }
            let oldest = self.recent.first().copied().unwrap_or(now_ms);
            window_ms.saturating_sub(now_ms.saturating_sub(oldest)) + 5
        };
        Grant {
            granted: false,
            wait_ms,
            come_back_ms: self.book(now_ms, wait_ms, limit, window_ms),
        }
    }

    /// Books a return for one event sent away: after the ones booked before
    /// it, one event's calls apart.
    fn book(&mut self, now_ms: u64, wait_ms: u64, limit: u32, window_ms: u64) -> u64 {
        let at = self.booked_until.max(now_ms + wait_ms);
        self.booked_until = at + event_slot_ms(limit, window_ms);
        at - now_ms
    }

    /// Admits one new event: how long the queue should hold it. Only while
    /// the location is busy (half its window used, or events already sent
    /// away for their turn) is a backlog counted, and it runs unpaced up to
    /// `HEADROOM_MS` of the budget's time. A location making no calls (say,
    /// not connected: its events park at once) is never paced.
    pub fn admit(&mut self, now_ms: u64, limit: u32, window_ms: u64) -> u64 {
        self.recent
            .retain(|t| now_ms.saturating_sub(*t) < window_ms);
        let busy = self.recent.len() * 2 >= limit as usize || self.booked_until > now_ms;
        if !busy {
            self.admitted_until = now_ms;
            return 0;
        }
        let at = self.admitted_until.max(now_ms);
        self.admitted_until = at + event_slot_ms(limit, window_ms);
        (at - now_ms).saturating_sub(HEADROOM_MS)
    }

    /// Holds every caller of this location for `ms` from now.
    pub fn pause(&mut self, now_ms: u64, ms: u64) {
        self.paused_until = self.paused_until.max(now_ms + ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_waits_for_its_oldest_call() {
        let mut w = CallWindow::default();
        for i in 0..3 {
            assert!(w.acquire(1_000 + i, 3, 10_000).granted);
        }
        let no = w.acquire(2_000, 3, 10_000);
        assert_eq!((no.granted, no.wait_ms), (false, 9_005));
        assert_eq!(no.come_back_ms, 9_005);
        assert!(
            w.acquire(11_000, 3, 10_000).granted,
            "the oldest left the window"
        );
    }

    #[test]
    fn events_sent_away_are_booked_to_come_back_spread_at_the_windows_rate() {
        let mut w = CallWindow::default();
        for i in 0..90 {
            assert!(w.acquire(i, 90, 10_000).granted);
        }
        let returns: Vec<u64> = (0..4)
            .map(|_| w.acquire(100, 90, 10_000).come_back_ms)
            .collect();
        // The window frees at 10 s; then one event's 3 calls (333 ms) apart.
        assert_eq!(returns, [9_905, 10_238, 10_571, 10_904]);
        // Once the booked ones are long past, a new backlog books from its own wait.
        let later = w.acquire(60_000, 90, 10_000);
        assert!(later.granted);
    }

    #[test]
    fn a_burst_on_a_busy_location_is_admitted_at_once_up_to_the_headroom_then_spread() {
        let mut w = CallWindow::default();
        for i in 0..45 {
            assert!(w.acquire(500 + i, 90, 10_000).granted);
        }
        let delays: Vec<u64> = (0..40).map(|_| w.admit(1_000, 90, 10_000)).collect();
        assert!(delays[..31].iter().all(|d| *d == 0), "{delays:?}");
        assert_eq!(delays[31..34], [323, 656, 989]);
        // A location making no calls (not connected) is never paced.
        let mut idle = CallWindow::default();
        assert!((0..500).all(|_| idle.admit(1_000, 90, 10_000) == 0));
        // Nor is a steady trickle under the budget.
        let mut quiet = CallWindow::default();
        assert!((0..50).all(|i| {
            quiet.acquire(i * 1_000, 90, 10_000);
            quiet.admit(i * 1_000, 90, 10_000) == 0
        }));
    }

    #[test]
    fn a_pause_holds_everyone() {
        let mut w = CallWindow::default();
        w.pause(1_000, 5_000);
        assert_eq!(w.acquire(2_000, 90, 10_000).wait_ms, 4_000);
        assert!(w.acquire(6_000, 90, 10_000).granted);
    }
}
