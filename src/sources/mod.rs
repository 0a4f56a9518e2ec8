//! What sources send and how their deliveries are authenticated.

pub mod standard_webhooks;
