//! The location's GHL call budget: a sliding window of the calls the bridge
//! made, below GHL's burst limit (100 per 10 s per location and app) so other
//! apps and clock skew leave room, and a pause for everyone after a 429.

use super::protocol::Grant;
use serde::{Deserialize, Serialize};

/// Calls per location per window the bridge allows itself.
pub const CALLS_PER_WINDOW: u32 = 90;
pub const WINDOW_MS: u64 = 10_000;
/// Longest wait inside one attempt; beyond it the event goes back on the queue.
pub const MAX_WAIT_MS: u64 = 12_000;

/// What the store keeps of the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallWindow {
    /// When the calls still inside the window were granted, oldest first.
    pub recent: Vec<u64>,
    /// No call before this (after a 429).
    pub paused_until: u64,
}

impl CallWindow {
    /// Grants a call if the window has room, else says how long until it will.
    pub fn acquire(&mut self, now_ms: u64, limit: u32, window_ms: u64) -> Grant {
        if self.paused_until > now_ms {
            return Grant {
                granted: false,
                wait_ms: self.paused_until - now_ms,
            };
        }
        self.recent
            .retain(|t| now_ms.saturating_sub(*t) < window_ms);
        if self.recent.len() < limit as usize {
            self.recent.push(now_ms);
            return Grant {
                granted: true,
                wait_ms: 0,
            };
        }
        let oldest = self.recent.first().copied().unwrap_or(now_ms);
        Grant {
            granted: false,
            wait_ms: window_ms.saturating_sub(now_ms.saturating_sub(oldest)) + 5,
        }
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
        assert!(
            w.acquire(11_000, 3, 10_000).granted,
            "the oldest left the window"
        );
    }

    #[test]
    fn a_pause_holds_everyone() {
        let mut w = CallWindow::default();
        w.pause(1_000, 5_000);
        assert_eq!(w.acquire(2_000, 90, 10_000).wait_ms, 4_000);
        assert!(w.acquire(6_000, 90, 10_000).granted);
    }
}
