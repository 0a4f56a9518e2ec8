//! What sources send and how their deliveries are authenticated.

pub mod kind;
pub mod standard_webhooks;

pub use kind::{EventKind, Source};
