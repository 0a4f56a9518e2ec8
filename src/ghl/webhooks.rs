//! GHL's webhooks: the `x-ghl-signature` check (Ed25519 over the raw body, base64)
//! and the envelope every event shares. The RSA `x-wh-signature` was retired by
//! GHL on 2026-07-01 and is not accepted. GHL publishes no Ed25519 key in its API
//! files, so the key is configuration (the sandbox's key locally). The check
//! itself is the platform's Web Crypto in wasm, `ed25519-dalek` natively.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How far an event's `timestamp` may be from now before it counts as a replay.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GhlWebhookError {
    #[error("the `x-ghl-signature` header is missing (unsigned webhooks are refused)")]
    Unsigned,
    #[error("the signature does not verify with the configured GHL key")]
    BadSignature,
    #[error("the configured GHL webhook key is not a base64 Ed25519 key")]
    BadKey,
    #[error("the body is not a GHL event: {0}")]
    BadBody(String),
    #[error("the event's timestamp is {0} seconds from now (more than {TOLERANCE_SECONDS}): refused as a possible replay")]
    Stale(i64),
}

/// Accepts the raw 32-byte key or its SPKI DER form, both base64.
fn raw_key(public_key_b64: &str) -> Result<[u8; 32], GhlWebhookError> {
    let bytes = B64
        .decode(public_key_b64.trim())
        .map_err(|_| GhlWebhookError::BadKey)?;
    let raw: [u8; 32] = match bytes.len() {
        32 => bytes.try_into().map_err(|_| GhlWebhookError::BadKey)?,
        44 => bytes[12..]
            .try_into()
            .map_err(|_| GhlWebhookError::BadKey)?,
        _ => return Err(GhlWebhookError::BadKey),
    };
    Ok(raw)
}

pub async fn verify_signature(
    public_key_b64: &str,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), GhlWebhookError> {
    let key = raw_key(public_key_b64)?;
    let signature = signature.ok_or(GhlWebhookError::Unsigned)?;
    let signature: [u8; 64] = B64
        .decode(signature.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(GhlWebhookError::BadSignature)?;
    ed25519_verify(&key, body, &signature).await
}

/// The Ed25519 check itself: the platform's Web Crypto in wasm (workerd and
/// browsers have it natively), `ed25519-dalek` in native builds.
async fn ed25519_verify(
    key: &[u8; 32],
    body: &[u8],
    signature: &[u8; 64],
) -> Result<(), GhlWebhookError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use ed25519_dalek::{Signature, VerifyingKey};
        let key = VerifyingKey::from_bytes(key).map_err(|_| GhlWebhookError::BadKey)?;
        key.verify_strict(body, &Signature::from_bytes(signature))
            .map_err(|_| GhlWebhookError::BadSignature)
    }
    #[cfg(target_arch = "wasm32")]
    {
        use crate::web_crypto::{algorithm, bytes, call, import_raw};
        let ed25519 = algorithm("Ed25519");
        let key = import_raw(key, &ed25519, &["verify"])
            .await
            .map_err(|_| GhlWebhookError::BadKey)?;
        let valid = call(
            "verify",
            &[ed25519.into(), key, bytes(signature), bytes(body)],
        )
        .await
        .map_err(|_| GhlWebhookError::BadSignature)?;
        match valid.as_bool() {
            Some(true) => Ok(()),
            _ => Err(GhlWebhookError::BadSignature),
        }
    }
}

/// What every GHL event carries, plus the rest as sent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GhlEvent {
    /// `ContactCreate`, `ContactTagUpdate`, `TaskComplete`, ...
    #[serde(rename = "type")]
    pub event_type: GhlEventType,
    /// Absent on agency-level INSTALL and UNINSTALL events.
    #[serde(default)]
    pub location_id: String,
    pub webhook_id: String,
    /// ISO 8601.
    pub timestamp: String,
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl GhlEvent {
    /// The contact the event is about: `id` on contact events, `contactId` on
    /// notes and tasks, `appointment.contactId` on appointments.
    pub fn contact_id(&self) -> Option<&str> {
        if self.event_type.is_contact() {
            return self.data.get("id").and_then(Value::as_str);
        }
        self.data
            .get("contactId")
            .or_else(|| {
                self.data
                    .get("appointment")
                    .and_then(|a| a.get("contactId"))
            })
            .and_then(Value::as_str)
    }
}

/// GHL's event types that the bridge acts on, and the rest by name. The wire
/// form is GHL's string (`ContactTagUpdate`, `INSTALL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum GhlEventType {
    ContactCreate,
    ContactUpdate,
    ContactTagUpdate,
    /// The contact's `dnd` or `dndSettings` changed.
    ContactDndUpdate,
    ContactDelete,
    TaskComplete,
    Install,
    Uninstall,
    Other(String),
}

impl GhlEventType {
    pub fn as_str(&self) -> &str {
        match self {
            GhlEventType::ContactCreate => "ContactCreate",
            GhlEventType::ContactUpdate => "ContactUpdate",
            GhlEventType::ContactTagUpdate => "ContactTagUpdate",
            GhlEventType::ContactDndUpdate => "ContactDndUpdate",
            GhlEventType::ContactDelete => "ContactDelete",
            GhlEventType::TaskComplete => "TaskComplete",
            GhlEventType::Install => "INSTALL",
            GhlEventType::Uninstall => "UNINSTALL",
            GhlEventType::Other(name) => name,
        }
    }

    /// About a contact itself (its `id` is the contact's).
    pub fn is_contact(&self) -> bool {
        self.as_str().starts_with("Contact")
    }

    /// About a person's consent: kept whatever the rules, and acted on (a
    /// Spot-Hit group the person must leave) without rules.
    pub fn is_consent(&self) -> bool {
        matches!(
            self,
            GhlEventType::ContactDndUpdate | GhlEventType::ContactDelete
        )
    }

    /// The sync-back rules can act on it.
    pub fn is_syncable(&self) -> bool {
        matches!(
            self,
            GhlEventType::ContactCreate
                | GhlEventType::ContactUpdate
                | GhlEventType::ContactTagUpdate
                | GhlEventType::TaskComplete
        )
    }
}

impl From<String> for GhlEventType {
    fn from(name: String) -> Self {
        match name.as_str() {
            "ContactCreate" => GhlEventType::ContactCreate,
            "ContactUpdate" => GhlEventType::ContactUpdate,
            "ContactTagUpdate" => GhlEventType::ContactTagUpdate,
            "ContactDndUpdate" => GhlEventType::ContactDndUpdate,
            "ContactDelete" => GhlEventType::ContactDelete,
            "TaskComplete" => GhlEventType::TaskComplete,
            "INSTALL" => GhlEventType::Install,
            "UNINSTALL" => GhlEventType::Uninstall,
            _ => GhlEventType::Other(name),
        }
    }
}

impl From<GhlEventType> for String {
    fn from(t: GhlEventType) -> String {
        t.as_str().to_string()
    }
}

impl std::fmt::Display for GhlEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Verifies, parses and checks the age of one delivery. `now` is Unix seconds.
pub async fn authenticate(
    public_key_b64: &str,
    body: &[u8],
    signature: Option<&str>,
    now: i64,
) -> Result<GhlEvent, GhlWebhookError> {
    verify_signature(public_key_b64, body, signature).await?;
    // Read as text, as every other body is: one JSON reader in the wasm, not two.
    let text = std::str::from_utf8(body)
        .map_err(|e| GhlWebhookError::BadBody(format!("the body is not UTF-8: {e}")))?;
    let event: GhlEvent =
        crate::json::read(text).map_err(|e| GhlWebhookError::BadBody(e.to_string()))?;
    let at = crate::iso8601::timestamp(&event.timestamp).ok_or_else(|| {
        GhlWebhookError::BadBody(format!("`timestamp` {} is not ISO 8601", event.timestamp))
    })?;
    let drift = now - at.as_second();
    if drift.abs() > TOLERANCE_SECONDS {
        return Err(GhlWebhookError::Stale(drift));
    }
    Ok(event)
}

/// A delivery signed by the key of 32 bytes of 7 (public key, body, signature,
/// all as sent): the wasm builds check it with Web Crypto in Chromium (the web
/// crate's tests), the native one with `ed25519-dalek` below.
#[doc(hidden)]
pub const SIGNED_SAMPLE: (&str, &str, &str) = (
    "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=",
    r#"{"type":"ContactTagUpdate","locationId":"loc","id":"c1","tags":["vip"],"timestamp":"2026-11-22T09:59:00.000Z","webhookId":"wh_1"}"#,
    "n4fsZeV6QSXBacDoVEHFTQVP8G/64FSRSq+/h8ox+KrEKWSePd1xOoqdXnjCVLR7HxQD+O1VejYsCchzIWTbDA==",
);

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn public() -> String {
        B64.encode(key().verifying_key().to_bytes())
    }

    fn signed(body: &str) -> String {
        B64.encode(key().sign(body.as_bytes()).to_bytes())
    }

    const NOW: i64 = 1_795_341_600; // 2026-11-22T10:00:00Z
    const BODY: &str = SIGNED_SAMPLE.1;

    #[test]
    fn the_shared_sample_is_signed_by_the_test_key() {
        assert_eq!(public(), SIGNED_SAMPLE.0);
        assert_eq!(signed(BODY), SIGNED_SAMPLE.2);
    }

    #[tokio::test]
    async fn a_signed_fresh_event_is_accepted_and_parsed() {
        let event = authenticate(&public(), BODY.as_bytes(), Some(&signed(BODY)), NOW)
            .await
            .unwrap();
        assert_eq!(event.event_type, GhlEventType::ContactTagUpdate);
        assert_eq!(event.webhook_id, "wh_1");
        assert_eq!(event.contact_id(), Some("c1"));
        assert_eq!(event.data["tags"][0], "vip");
        // The SPKI form of the key works too.
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend(key().verifying_key().to_bytes());
        let spki = B64.encode(spki);
        let event = authenticate(&spki, BODY.as_bytes(), Some(&signed(BODY)), NOW).await;
        assert!(event.is_ok());
    }

    #[tokio::test]
    async fn unsigned_tampered_stale_and_misconfigured_are_refused() {
        assert_eq!(
            authenticate(&public(), BODY.as_bytes(), None, NOW).await,
            Err(GhlWebhookError::Unsigned)
        );
        let tampered = BODY.replace("vip", "vop");
        assert_eq!(
            authenticate(&public(), tampered.as_bytes(), Some(&signed(BODY)), NOW).await,
            Err(GhlWebhookError::BadSignature)
        );
        assert_eq!(
            authenticate(&public(), BODY.as_bytes(), Some(&signed(BODY)), NOW + 3600).await,
            Err(GhlWebhookError::Stale(3660))
        );
        assert_eq!(
            authenticate("bm90IGEga2V5", BODY.as_bytes(), Some(&signed(BODY)), NOW).await,
            Err(GhlWebhookError::BadKey)
        );
        assert!(matches!(
            authenticate(&public(), b"[]", Some(&signed("[]")), NOW).await,
            Err(GhlWebhookError::BadBody(_))
        ));
    }

    #[test]
    fn the_contact_of_notes_and_appointments() {
        let note: GhlEvent = serde_json::from_str(r#"{"type":"NoteCreate","locationId":"l","id":"n1","contactId":"c9","timestamp":"t","webhookId":"w"}"#).unwrap();
        assert_eq!(note.contact_id(), Some("c9"));
        let appt: GhlEvent = serde_json::from_str(r#"{"type":"AppointmentCreate","locationId":"l","appointment":{"contactId":"c8"},"timestamp":"t","webhookId":"w"}"#).unwrap();
        assert_eq!(appt.contact_id(), Some("c8"));
    }
}
