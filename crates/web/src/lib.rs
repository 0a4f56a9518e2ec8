//! wasm-bindgen exports of the ghl-bridge core, for the mapping tester page and
//! for JS dashboards. Thin by design: each export converts between JS and the
//! core and does nothing else. Results are plain JS objects; expected failures
//! (an invalid mapping, a bad payload) are data in the result, not exceptions.

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Plain JS objects (not `Map`s) for structs and maps, `null` for `None`.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The GHL endpoints the core models: id, method, path, scope, version, success
/// status, body and response types, and what is uncertain about each.
#[wasm_bindgen]
pub fn catalogue() -> Result<JsValue, JsError> {
    to_js(ghl_bridge::ghl::CATALOGUE)
}

/// The version of the core this module was built from.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(feature = "mapping")]
mod mapping_exports;
#[cfg(feature = "mapping")]
pub use mapping_exports::*;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
pub use client::BridgeClient;
