//! GHL's SSO for an app's custom page: the page asks GHL's parent window for
//! the user (`REQUEST_USER_DATA`) and gets a string GHL encrypted with the
//! app's shared secret the way `CryptoJS.AES.encrypt(json, secret)` does:
//! base64 of `Salted__` + an 8-byte salt + AES-256-CBC (PKCS#7) ciphertext,
//! the key and IV derived from the secret and salt by OpenSSL's
//! `EVP_BytesToKey` (MD5, one round). Sources: GHL's user-context docs and
//! template (`CryptoJS.AES.decrypt(payload, key)`), crypto-js's cipher-core
//! (see `shared/research/marketplace-modules.md` §3).
//!
//! CBC carries no MAC: a changed byte gives bytes that fail the padding or
//! the JSON, and the payload has no expiry, so the Worker takes it once and
//! swaps it for a short session of its own ([`Session`]).

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

const MAGIC: &[u8] = b"Salted__";
/// How long a session the SSO opens lasts.
pub const SESSION_MS: u64 = 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    #[error("the SSO payload is not base64 of an OpenSSL salted ciphertext")]
    NotCiphertext,
    #[error("the SSO payload does not decrypt with the app's shared secret (tampered, or another app's)")]
    WrongKeyOrTampered,
    #[error("the SSO payload decrypts to something that is not GHL's user data: {0}")]
    NotUserData(String),
}

/// `EVP_BytesToKey(MD5, 1 round)`: 32 bytes of key, then 16 of IV.
fn key_and_iv(secret: &[u8], salt: &[u8]) -> ([u8; 32], [u8; 16]) {
    let mut bytes = Vec::with_capacity(48);
    let mut previous: Vec<u8> = Vec::new();
    while bytes.len() < 48 {
        let mut md5 = Md5::new();
        md5.update(&previous);
        md5.update(secret);
        md5.update(salt);
        previous = md5.finalize().to_vec();
        bytes.extend_from_slice(&previous);
    }
    let mut key = [0u8; 32];
    let mut iv = [0u8; 16];
    key.copy_from_slice(&bytes[..32]);
    iv.copy_from_slice(&bytes[32..48]);
    (key, iv)
}

/// The plaintext of a CryptoJS passphrase-mode ciphertext.
pub fn decrypt(payload: &str, secret: &str) -> Result<Vec<u8>, SsoError> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|_| SsoError::NotCiphertext)?;
    if raw.len() < 32 || !raw.starts_with(MAGIC) || (raw.len() - 16) % 16 != 0 {
        return Err(SsoError::NotCiphertext);
    }
    let (key, iv) = key_and_iv(secret.as_bytes(), &raw[8..16]);
    Decryptor::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&raw[16..])
        .map_err(|_| SsoError::WrongKeyOrTampered)
}

/// What `CryptoJS.AES.encrypt(plaintext, secret)` gives, with this salt
/// (the sandbox plays GHL's side with it; tests check the round trip).
pub fn encrypt(plaintext: &[u8], secret: &str, salt: [u8; 8]) -> String {
    let (key, iv) = key_and_iv(secret.as_bytes(), &salt);
    let sealed = Encryptor::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut raw = MAGIC.to_vec();
    raw.extend_from_slice(&salt);
    raw.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// Who the user is, as GHL's user context says (`type`: agency or location).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoUser {
    pub user_id: String,
    #[serde(default)]
    pub company_id: Option<String>,
    /// `admin` or `user`.
    #[serde(default)]
    pub role: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The sub-account the user is in (location context only).
    #[serde(default)]
    pub active_location: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl SsoUser {
    /// Decrypted and read.
    pub fn read(payload: &str, secret: &str) -> Result<SsoUser, SsoError> {
        let plain = decrypt(payload, secret)?;
        let user: SsoUser =
            serde_json::from_slice(&plain).map_err(|e| SsoError::NotUserData(e.to_string()))?;
        if user.user_id.is_empty() {
            return Err(SsoError::NotUserData("no userId".into()));
        }
        Ok(user)
    }

    /// Admins may change settings; other users only look.
    pub fn may_change(&self) -> bool {
        self.role == "admin"
    }

    pub fn is_agency(&self) -> bool {
        self.kind == "agency"
    }
}

/// A session the SSO opened: the locations it sees and whether it may change
/// them. Kept hashed in the directory; the token is a bearer for the admin
/// routes, answered once and never put in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub user_id: String,
    pub locations: Vec<String>,
    pub may_change: bool,
    pub expires_at_ms: u64,
}

/// `POST /v1/sso`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAnswer {
    pub token: String,
    pub expires_at: String,
    pub locations: Vec<String>,
    /// `admin` (may change settings) or `user` (looks only).
    pub role: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "dev-sso-shared-secret";

    #[test]
    fn a_payload_round_trips_and_one_changed_byte_is_refused() {
        let user = r#"{"userId":"u1","companyId":"dev-company","role":"admin","type":"location","activeLocation":"dev-location-2","userName":"Ana","email":"ana@example.fr"}"#;
        let payload = encrypt(user.as_bytes(), SECRET, *b"saltsalt");
        let read = SsoUser::read(&payload, SECRET).unwrap();
        assert_eq!(read.active_location.as_deref(), Some("dev-location-2"));
        assert!(read.may_change() && !read.is_agency());
        assert_eq!(
            SsoUser::read(&payload, "another-secret").unwrap_err(),
            SsoError::WrongKeyOrTampered
        );
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(&payload)
            .unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(SsoUser::read(&tampered, SECRET).is_err());
        assert_eq!(
            SsoUser::read("not base64!", SECRET).unwrap_err(),
            SsoError::NotCiphertext
        );
    }

    #[test]
    fn the_key_derivation_and_cipher_are_openssls() {
        // `openssl enc -aes-256-cbc -md md5 -pass pass:dev-sso-shared-secret
        // -S 73616c7473616c74 -P` prints this key and IV; the same command
        // with `-base64 -A` (it leaves out the Salted__ header when the salt
        // is given) encrypted the user below.
        let (key, iv) = key_and_iv(SECRET.as_bytes(), b"saltsalt");
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        assert_eq!(
            hex(&key),
            "0C68FB86FB0C6AAD245673CFA568BC5B2C38E40B079CC1443E8474990141054B"
        );
        assert_eq!(hex(&iv), "34EB2E6B55239231572C0869B7576807");
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = b64
            .decode("6cotAWrJQm7SrjRIV4D/k565AQbMjFshdeKhDacMZawzbT/ZcrqGiUP7I1YUq9/gcutvc00fdLLMo9ZOClCD1WUN4TcEmpma7h/wuWWvtzA=")
            .unwrap();
        let mut raw = b"Salted__saltsalt".to_vec();
        raw.extend_from_slice(&body);
        let user = SsoUser::read(&b64.encode(raw), SECRET).unwrap();
        assert_eq!(user.active_location.as_deref(), Some("l1"));
        assert!(!user.may_change());
    }
}
