//! The platform's Web Crypto (`crypto.subtle`), for the wasm builds: workerd and
//! browsers carry Ed25519 in native code, so the wasm need not (10 KB gzip of
//! the Worker, measured). Natively the same check comes from `ed25519-dalek`;
//! the caller keeps both behind one async function.
//!
//! Secrets stay with the `aes-gcm` crate on purpose: Web Crypto only answers
//! with promises, and an await inside a Durable Object's handler lets other
//! requests in between its read and its write (a token refresh could then run
//! twice). The store's handlers stay synchronous around their SQL.

use js_sys::futures::JsFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// `crypto.subtle.<method>(...args)`, awaited. `Err` carries the platform's
/// message (a wrong key, a failed check, no Web Crypto at all).
pub async fn call(method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let why = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("Web Crypto `{method}` failed"))
    };
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(why)?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(why)?;
    let function: Function = Reflect::get(&subtle, &method.into())
        .map_err(why)?
        .dyn_into()
        .map_err(|_| format!("this platform has no Web Crypto `{method}`"))?;
    let args: Array = args.iter().collect();
    let promise: Promise = Reflect::apply(&function, &subtle, &args)
        .map_err(why)?
        .unchecked_into();
    JsFuture::from(promise).await.map_err(why)
}

/// An algorithm given by name only (`{name: "Ed25519"}`).
pub fn algorithm(name: &str) -> Object {
    let algorithm = Object::new();
    let _ = Reflect::set(&algorithm, &"name".into(), &name.into());
    algorithm
}

/// Bytes as the `BufferSource` Web Crypto reads (a copy in JS memory).
pub fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

/// A key from its raw bytes, for `usages` (`["verify"]`).
pub async fn import_raw(
    key: &[u8],
    algorithm: &Object,
    usages: &[&str],
) -> Result<JsValue, String> {
    let usages: Array = usages.iter().map(|u| JsValue::from_str(u)).collect();
    call(
        "importKey",
        &[
            "raw".into(),
            bytes(key),
            algorithm.into(),
            false.into(),
            usages.into(),
        ],
    )
    .await
}
