//! Dedupe: normalised identity keys, the policy that decides create / update /
//! conflict, and the keys that make delivery idempotent.

pub mod idempotency;
pub mod identity;
pub mod known;
pub mod normalise;

pub use idempotency::{canonical_json, content_fingerprint, idempotency_key};
pub use identity::{decide, IdentityDecision, IdentityKeys, KeyKind};
pub use known::{KnownContacts, KnownContactsError};
