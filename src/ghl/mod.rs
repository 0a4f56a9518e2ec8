//! The GHL (HighLevel / LeadConnector) API v2, as plain data.
//!
//! Every endpoint is an [`Endpoint`] in [`catalogue::CATALOGUE`] plus one call type
//! implementing [`Call`]. [`build_request`] turns a call into an [`HttpRequest`];
//! [`Call::parse`] turns the answer into the typed result or a typed [`GhlError`].
//! Sources: `shared/anchors/ghl/apps/contacts.json` (the official OpenAPI file) and
//! `shared/research/ghl-api.md`; where they are unsure, the endpoint says so in
//! [`Endpoint::uncertain`].

pub mod appointments;
mod call;
pub mod catalogue;
pub mod contacts;
pub mod conversations;
pub mod custom_fields;
mod error;
pub mod membership;
pub mod notes;
pub mod oauth;
pub mod tags;
pub mod tasks;
pub mod webhooks;

pub use call::{build_request, BuildError, Call, GhlTarget, NoBody};
pub use catalogue::{Endpoint, Family, CATALOGUE};
pub use error::{GhlError, RateLimit};

use serde::{Deserialize, Serialize};

/// Production base URL. The sandbox and tests pass their own to [`GhlTarget`].
pub const BASE_URL: &str = "https://services.leadconnectorhq.com";
/// The `Version` header every contacts, tasks, notes and tags operation requires.
pub const CONTACTS_API_VERSION: &str = "2021-07-28";
/// The conversations API (the SMS provider's messages), versioned apart too.
pub const CONVERSATIONS_API_VERSION: &str = "2021-04-15";
/// The calendars API (appointments) is versioned separately.
pub const CALENDARS_API_VERSION: &str = "2021-04-15";

/// `{"succeded": true}`: GHL's answer to deletes. The wire spells it `succeded`;
/// `succeeded` is accepted too in case GHL ever fixes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Succeeded {
    #[serde(rename = "succeded", alias = "succeeded")]
    pub succeeded: bool,
}
