//! Secrets at rest: GHL tokens, private-integration tokens and form signing
//! secrets are sealed with AES-256-GCM under the deployment's `SECRETS_KEY`
//! before a location's store keeps them. The caller brings the 12-byte nonce
//! (the core has no randomness). A sealed value reads `sealed:v1:<base64 of
//! nonce + ciphertext>`; anything else is a value kept before sealing.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

pub const SEALED_PREFIX: &str = "sealed:v1:";

/// Constant-time comparison, so a secret cannot be guessed byte by byte.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Bytes as lowercase hex: how hashes and random tokens are written.
pub fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The deployment's key. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretsKey(Key<Aes256Gcm>);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(****)")
    }
}

impl SecretsKey {
    /// 32 bytes, base64 (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<SecretsKey, String> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| "SECRETS_KEY is not base64".to_string())?;
        if bytes.len() != 32 {
            return Err(format!(
                "SECRETS_KEY must be 32 bytes (base64 of them), not {}",
                bytes.len()
            ));
        }
        Ok(SecretsKey(*Key::<Aes256Gcm>::from_slice(&bytes)))
    }

    pub fn seal(&self, nonce: [u8; 12], plaintext: &str) -> String {
        let cipher = Aes256Gcm::new(&self.0);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{SEALED_PREFIX}{}", B64.encode(out))
    }

    /// The plaintext of a sealed value; `Err` says why it cannot be read
    /// (another key, or tampered with).
    pub fn open(&self, sealed: &str) -> Result<String, String> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or("not a sealed value")?;
        let bytes = B64
            .decode(body)
            .map_err(|_| "a sealed value is not base64")?;
        if bytes.len() < 12 {
            return Err("a sealed value is too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = Aes256Gcm::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| "a sealed value does not open with SECRETS_KEY (another key?)")?;
        String::from_utf8(plain).map_err(|_| "a sealed value is not text".into())
    }
}

pub fn is_sealed(text: &str) -> bool {
    text.starts_with(SEALED_PREFIX)
}

/// A JSON value's text as a store keeps a secret: a JSON string holding the
/// sealed text. `nonce`: 12 random bytes.
pub fn sealed(key: &SecretsKey, nonce: &[u8], json: &str) -> String {
    let mut n = [0u8; 12];
    let len = nonce.len().min(12);
    n[..len].copy_from_slice(&nonce[..len]);
    serde_json::Value::String(key.seal(n, json)).to_string()
}

/// The JSON text of a stored value, opened when it was sealed, with the
/// first of `keys` that opens it (the current key, then the previous one
/// during a rotation).
pub fn unsealed(keys: &[&SecretsKey], stored: String) -> Result<String, String> {
    match serde_json::from_str::<serde_json::Value>(&stored) {
        Ok(serde_json::Value::String(s)) if is_sealed(&s) => {
            let mut last = Err("a sealed secret needs SECRETS_KEY to be read".to_string());
            for key in keys {
                last = key.open(&s);
                if last.is_ok() {
                    break;
                }
            }
            last
        }
        _ => Ok(stored),
    }
}

/// Whether a stored value was sealed with `key` (a value sealed with the
/// previous key is sealed again with the current one).
pub fn sealed_with(key: &SecretsKey, stored: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::String(s)) if is_sealed(&s) => key.open(&s).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn sealed_values_open_with_the_key_only() {
        let key = SecretsKey::from_base64(KEY).unwrap();
        let sealed = key.seal([7; 12], r#"{"accessToken":"sbx-at-1"}"#);
        assert!(is_sealed(&sealed) && !sealed.contains("sbx-at"));
        assert_eq!(key.open(&sealed).unwrap(), r#"{"accessToken":"sbx-at-1"}"#);
        let other =
            SecretsKey::from_base64("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").unwrap();
        assert!(other.open(&sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.replace_range(sealed.len() - 3.., "AAA");
        assert!(key.open(&tampered).is_err());
        assert!(SecretsKey::from_base64("c2hvcnQ=").is_err(), "too short");
        assert_eq!(format!("{key:?}"), "SecretsKey(****)");
        let stored = super::sealed(&key, &[1; 12], r#"{"a":1}"#);
        assert_eq!(unsealed(&[&key], stored.clone()).unwrap(), r#"{"a":1}"#);
        assert!(unsealed(&[], stored.clone()).is_err(), "no key, no secret");
        // A rotation: the new key first, the previous one still opens.
        let new = SecretsKey::from_base64("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=").unwrap();
        assert!(unsealed(&[&new], stored.clone()).is_err());
        assert_eq!(
            unsealed(&[&new, &key], stored.clone()).unwrap(),
            r#"{"a":1}"#
        );
        assert!(sealed_with(&key, &stored) && !sealed_with(&new, &stored));
        let plain = unsealed(&[], r#"{"a":1}"#.into()).unwrap();
        assert_eq!(plain, r#"{"a":1}"#, "a value kept before sealing");
    }
}
