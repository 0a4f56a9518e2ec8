//! One attempt's outcome and where it leaves the event (svix-style explicit
//! states): done; retried after a backoff while attempts remain; parked as a
//! dead letter with its reason. Inbound events and GHL syncs settle alike.

use super::protocol::WorldError;
use super::retry::{backoff_seconds, MAX_ATTEMPTS};
use crate::admin_api::{EventStatus, ParkCode};
use crate::ghl::GhlError;
use serde::Serialize;

/// What happened to one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Done,
    /// Worth trying again: GHL busy or unreachable, the budget full for now.
    Retry {
        reason: String,
        /// Not before this (GHL's `Retry-After`, the window).
        hint_ms: Option<u64>,
    },
    /// Will not work without a person: the reason says what to fix, its
    /// code what kind of trouble it is.
    Park(ParkCode, String),
    /// Not a failure: something to wait for (the location's call budget,
    /// GHL's handover of a message), come back then. It does not count as
    /// an attempt.
    Defer {
        come_back_ms: u64,
        waiting_for: WaitingFor,
    },
}

/// What a deferred event waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingFor {
    /// The location's GHL call budget is booked until then.
    CallBudget,
    /// GHL refuses a status on a message it has not handed to the provider
    /// yet (some seconds after the Delivery URL call).
    MessageHandover,
}

impl WaitingFor {
    fn words(self) -> &'static str {
        match self {
            WaitingFor::CallBudget => "the location's GHL call budget",
            WaitingFor::MessageHandover => "GHL to hand the message to the provider",
        }
    }

    fn detail(self) -> &'static str {
        match self {
            WaitingFor::CallBudget => "call budget booked",
            WaitingFor::MessageHandover => "message not handed over yet",
        }
    }
}

impl Attempt {
    pub fn retry(reason: impl Into<String>, hint_ms: Option<u64>) -> Attempt {
        Attempt::Retry {
            reason: reason.into(),
            hint_ms,
        }
    }

    /// Parks for a person, with its code and words.
    pub fn park(code: ParkCode, reason: impl Into<String>) -> Attempt {
        Attempt::Park(code, reason.into())
    }

    /// A GHL error: retryable ones (429, 5xx, 401 for a refresh) go back on
    /// the queue, anything else parks with GHL's reason.
    pub fn from_ghl(e: &GhlError) -> Attempt {
        if e.is_retryable() {
            Attempt::retry(e.to_string(), e.retry_hint_ms())
        } else {
            Attempt::park(ParkCode::GhlRefused, format!("GHL refused: {e}"))
        }
    }
}

/// Why an attempt stops before its end: the world failed (the event is
/// tried again, never parked for it), or the event's outcome is decided
/// (retry, park, defer). `?` carries both out of a step.
#[derive(Debug)]
pub enum Halt {
    World(WorldError),
    Event(Attempt),
}

impl From<WorldError> for Halt {
    fn from(e: WorldError) -> Halt {
        Halt::World(e)
    }
}

impl From<Attempt> for Halt {
    fn from(a: Attempt) -> Halt {
        Halt::Event(a)
    }
}

impl From<serde_json::Error> for Halt {
    fn from(e: serde_json::Error) -> Halt {
        Halt::World(e.into())
    }
}

/// One step of an attempt: its value, or why the attempt stops there.
pub type Flow<T> = Result<T, Halt>;

/// What an attempt made of steps came to: done when they all ran, else the
/// outcome one of them decided; the world's failure stays an error.
pub fn outcome(flow: Flow<()>) -> Result<Attempt, WorldError> {
    match flow {
        Ok(()) => Ok(Attempt::Done),
        Err(Halt::Event(attempt)) => Ok(attempt),
        Err(Halt::World(e)) => Err(e),
    }
}

/// What the message on the queue should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Ack,
    RetryAfterSeconds(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Done,
    Retry,
    Parked,
    /// Waiting for the location's call budget.
    Deferred,
}

/// Where an event stands after an attempt, for its record, the queue and the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub status: EventStatus,
    pub error: Option<String>,
    /// Set when parked.
    pub code: Option<ParkCode>,
    pub outcome: Outcome,
    pub detail: String,
    pub disposition: Disposition,
}

/// What one queue message came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Run<T> {
    /// An attempt ran: the record as saved, and where it stands.
    Attempted(T, Settled),
    /// Nothing to do: done or parked already (a redelivery), or unknown.
    Skipped,
    /// Another attempt holds the event: look again after the claim lease, in
    /// case its holder died.
    HeldElsewhere,
}

impl<T> Run<T> {
    /// A claim refused with `skip` (`None`: the event is unknown).
    pub fn not_claimed(skip: Option<EventStatus>) -> Run<T> {
        match skip {
            Some(EventStatus::Processing) => Run::HeldElsewhere,
            _ => Run::Skipped,
        }
    }

    /// What the message on the queue should do.
    pub fn disposition(&self) -> Disposition {
        match self {
            Run::Attempted(_, settled) => settled.disposition,
            Run::Skipped => Disposition::Ack,
            Run::HeldElsewhere => {
                Disposition::RetryAfterSeconds((super::records::CLAIM_LEASE_MS / 1000) as u32)
            }
        }
    }
}

/// `attempts` counts this one (a deferral gives it back: see
/// [`settle_claimed`]); `jitter` in [0, 1) spreads retries.
pub fn settle(attempt: Attempt, attempts: u32, jitter: f64) -> Settled {
    let parked = |code: ParkCode, error: String, detail: String| Settled {
        status: EventStatus::Parked,
        error: Some(error),
        code: Some(code),
        outcome: Outcome::Parked,
        detail,
        disposition: Disposition::Ack,
    };
    match attempt {
        Attempt::Done => Settled {
            status: EventStatus::Done,
            error: None,
            code: None,
            outcome: Outcome::Done,
            detail: String::new(),
            disposition: Disposition::Ack,
        },
        Attempt::Retry { reason, hint_ms } if attempts < MAX_ATTEMPTS => {
            let delay = backoff_seconds(attempts, hint_ms, jitter);
            Settled {
                status: EventStatus::Queued,
                error: Some(format!(
                    "attempt {attempts} failed, retrying in {delay}s: {reason}"
                )),
                code: None,
                outcome: Outcome::Retry,
                detail: reason,
                disposition: Disposition::RetryAfterSeconds(delay),
            }
        }
        Attempt::Retry { reason, .. } => parked(
            ParkCode::GaveUp,
            format!("gave up after {attempts} attempts: {reason}"),
            reason,
        ),
        Attempt::Park(code, reason) => parked(code, reason.clone(), reason),
        Attempt::Defer {
            come_back_ms,
            waiting_for,
        } => {
            let delay = come_back_ms.div_ceil(1000).max(1) as u32;
            Settled {
                status: EventStatus::Queued,
                error: Some(format!("waiting {delay}s for {}", waiting_for.words())),
                code: None,
                outcome: Outcome::Deferred,
                detail: waiting_for.detail().into(),
                disposition: Disposition::RetryAfterSeconds(delay),
            }
        }
    }
}

/// Settles an attempt on the count its claim raised: a deferral gives that
/// attempt back, since waiting for the budget is not a failure.
pub fn settle_claimed(attempt: Attempt, attempts: &mut u32, jitter: f64) -> Settled {
    if matches!(attempt, Attempt::Defer { .. }) {
        *attempts = attempts.saturating_sub(1);
    }
    settle(attempt, *attempts, jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_until_the_last_attempt_then_park() {
        let s = settle(Attempt::retry("busy", None), 1, 0.0);
        assert_eq!(s.disposition, Disposition::RetryAfterSeconds(1));
        assert_eq!(s.status, EventStatus::Queued);
        let last = settle(Attempt::retry("busy", None), MAX_ATTEMPTS, 0.0);
        assert_eq!(last.status, EventStatus::Parked);
        assert_eq!(
            last.error.as_deref(),
            Some("gave up after 8 attempts: busy")
        );
        assert_eq!(last.disposition, Disposition::Ack);
    }
}
