//! Retry timing: exponential backoff with jitter, capped, and never sooner than
//! GHL asked (`Retry-After`, or the burst window when it is used up).

/// Attempts before an event that keeps failing is parked as a dead letter.
pub const MAX_ATTEMPTS: u32 = 8;
const BASE_SECONDS: f64 = 2.0;
const CAP_SECONDS: f64 = 300.0;

/// Seconds to wait before attempt `attempt + 1` (`attempt` starts at 1).
/// `hint_ms` is GHL's own hint; `jitter` in [0, 1) comes from the caller (the
/// core has no randomness) and spreads retries so they do not arrive together.
pub fn backoff_seconds(attempt: u32, hint_ms: Option<u64>, jitter: f64) -> u32 {
    let exp = BASE_SECONDS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32);
    let with_jitter = (exp * (0.5 + jitter.clamp(0.0, 1.0) / 2.0)).min(CAP_SECONDS);
    let hinted = hint_ms.map_or(0.0, |ms| (ms as f64 / 1000.0).ceil());
    with_jitter.max(hinted).max(1.0).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_with_jitter_and_a_cap() {
        assert_eq!(backoff_seconds(1, None, 0.0), 1);
        assert_eq!(backoff_seconds(1, None, 0.999), 2);
        assert_eq!(backoff_seconds(4, None, 0.5), 12);
        assert_eq!(backoff_seconds(30, None, 0.999), 300);
    }

    #[test]
    fn never_sooner_than_ghl_asked() {
        assert_eq!(backoff_seconds(1, Some(10_000), 0.0), 10);
        assert_eq!(
            backoff_seconds(6, Some(1_000), 0.0),
            32,
            "the larger of the two"
        );
    }
}
