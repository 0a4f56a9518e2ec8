//! ghl-bridge core: everything that does not need the network.
//!
//! The core is sans-IO: it turns intentions into [`http::HttpRequest`] values and
//! HTTP answers back into typed results. The Worker, the browser page and native
//! tests each bring their own transport (see docs/architecture.md).

pub mod admin_api;
pub mod case;
pub mod config;
pub mod consent;
pub mod dedupe;
pub mod ghl;
pub mod http;
pub mod iso8601;
pub mod json;
pub mod mapping;
pub mod number;
pub mod outbound;
pub mod phone;
pub mod preview;
pub mod recipes;
pub mod secrets;
pub mod sources;
pub mod specter;
pub mod spothit;
pub mod sso;
pub mod sync;
#[cfg(target_arch = "wasm32")]
mod web_crypto;
pub mod workflows;
