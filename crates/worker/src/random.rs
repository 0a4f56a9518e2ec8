//! Randomness from the runtime's CSPRNG (`crypto.getRandomValues`): OAuth
//! states, location tokens, signing secrets, nonces for sealed secrets.

use worker::Result;

/// `bytes` bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
pub(crate) fn random_bytes(bytes: u32) -> Result<Vec<u8>> {
    use wasm_bindgen::JsCast;
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    let fill: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())?
        .dyn_into()
        .map_err(|_| worker::Error::RustError("no crypto.getRandomValues".into()))?;
    let buffer = js_sys::Uint8Array::new_with_length(bytes);
    fill.call1(&crypto, &buffer)?;
    Ok(buffer.to_vec())
}

/// Hex of `bytes` random bytes.
pub(crate) fn random_hex(bytes: u32) -> Result<String> {
    Ok(ghl_bridge::secrets::lower_hex(&random_bytes(bytes)?))
}

/// Standard base64 of `bytes` random bytes (a Standard Webhooks secret).
pub(crate) fn random_base64(bytes: u32) -> Result<String> {
    Ok(ghl_bridge::sources::standard_webhooks::base64_of(
        &random_bytes(bytes)?,
    ))
}
