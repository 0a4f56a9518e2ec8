//! Turning a mapping outcome into GHL calls, and when to try again.

pub mod plan;
pub mod retry;

pub use plan::{follow_up_requests, upsert_call, FollowUp};
pub use retry::{backoff_seconds, MAX_ATTEMPTS};
