//! How long a location keeps what (a Durable Object alarm applies it daily):
//! - event records and GHL events: `RETENTION_DAYS` (default 30) after they
//!   arrived, the history the admin views and the console show. The record is
//!   also the idempotency key: a redelivery later than that is taken for a new
//!   event, which no source does (Standard Webhooks refuse timestamps older
//!   than 5 minutes; GHL and Spot-Hit retry within hours).
//! - payloads and GHL bodies of settled (done) events go first, after
//!   `PAYLOAD_DAYS`: they are the bulk, and needed only to replay; a parked
//!   event keeps its payload until its record expires, so it can be replayed.
//! - the identity cache (e-mail/phone -> contact id): `IDENTITY_DAYS` after
//!   its last write. It only guards against conflicts (GHL's own duplicate
//!   rule does the matching), so a quarter without that person is enough.
//! - tag snapshots (for the sync-back diff): `IDENTITY_DAYS`; echo marks:
//!   a day (the echo window is a minute); one-time OAuth states: a day.

pub const DEFAULT_RETENTION_DAYS: u32 = 30;
pub const PAYLOAD_DAYS: u32 = 7;
pub const IDENTITY_DAYS: u32 = 90;
pub const SHORT_LIVED_DAYS: u32 = 1;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Everything older than its cutoff (Unix ms) is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub records: u64,
    pub payloads: u64,
    pub identity: u64,
    pub short_lived: u64,
}

impl Cutoffs {
    pub fn at(now_ms: u64, retention_days: u32) -> Cutoffs {
        let ago = |days: u32| now_ms.saturating_sub(days as u64 * DAY_MS);
        let retention = retention_days.max(1);
        Cutoffs {
            records: ago(retention),
            payloads: ago(PAYLOAD_DAYS.min(retention)),
            identity: ago(IDENTITY_DAYS.max(retention)),
            short_lived: ago(SHORT_LIVED_DAYS),
        }
    }
}

/// When the next retention run is due after one at `now_ms`.
pub fn next_run(now_ms: u64) -> u64 {
    now_ms + DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_go_before_records_and_identity_stays_longest() {
        let c = Cutoffs::at(100 * DAY_MS, 30);
        assert_eq!(c.records, 70 * DAY_MS);
        assert_eq!(c.payloads, 93 * DAY_MS);
        assert_eq!(c.identity, 10 * DAY_MS);
        let short = Cutoffs::at(100 * DAY_MS, 3);
        assert_eq!(short.payloads, short.records, "never kept past the records");
    }
}
