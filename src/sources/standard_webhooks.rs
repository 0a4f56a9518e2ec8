//! Standard Webhooks (standardwebhooks.com), the scheme form sources sign with:
//! headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature` (`v1,<base64 HMAC-SHA256>`, space-separated when several),
//! over `{id}.{timestamp}.{body}`, keyed with the base64 part of `whsec_...`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a delivery's timestamp may be from now: older ones are replays.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookAuthError {
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    #[error("`webhook-timestamp` is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the delivery is {0} seconds away from now (more than {TOLERANCE_SECONDS}): refused as a possible replay")]
    OutsideTolerance(i64),
    #[error("no `v1` signature matches (wrong secret, or the body was changed)")]
    BadSignature,
    #[error("the source's signing secret is not valid base64 (`whsec_...`)")]
    BadSecret,
}

fn key(secret: &str) -> Result<Vec<u8>, WebhookAuthError> {
    B64.decode(
        secret
            .trim()
            .strip_prefix("whsec_")
            .unwrap_or(secret.trim()),
    )
    .map_err(|_| WebhookAuthError::BadSecret)
}

fn mac(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<Hmac<Sha256>, WebhookAuthError> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key(secret)?).map_err(|_| WebhookAuthError::BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` value a sender computes (used by tests and tools).
/// Standard base64 (the `whsec_` secret's encoding).
pub fn base64_of(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub fn sign(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, WebhookAuthError> {
    let tag = mac(secret, id, &timestamp.to_string(), body)?
        .finalize()
        .into_bytes();
    Ok(format!("v1,{}", B64.encode(tag)))
}

/// Checks one delivery. `now` is Unix seconds (the core reads no clock).
pub fn verify(
    secret: &str,
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookAuthError> {
    let id = id
        .filter(|s| !s.is_empty())
        .ok_or(WebhookAuthError::MissingHeader("webhook-id"))?;
    let ts_text = timestamp.ok_or(WebhookAuthError::MissingHeader("webhook-timestamp"))?;
    let signature = signature.ok_or(WebhookAuthError::MissingHeader("webhook-signature"))?;
    let ts: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| WebhookAuthError::BadTimestamp)?;
    let drift = now - ts;
    if drift.abs() > TOLERANCE_SECONDS {
        return Err(WebhookAuthError::OutsideTolerance(drift));
    }
    let base = mac(secret, id, ts_text.trim(), body)?;
    for candidate in signature.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(bytes) = B64.decode(encoded) else {
            continue;
        };
        // Constant-time comparison.
        if base.clone().verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(WebhookAuthError::BadSignature)
}

/// [`verify`] against each of `secrets` (a source mid-rotation holds two):
/// accepted when one verifies; else the first one's error.
pub fn verify_any(
    secrets: &[String],
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookAuthError> {
    let mut first = Err(WebhookAuthError::BadSignature);
    for (i, secret) in secrets.iter().enumerate() {
        match verify(secret, id, timestamp, signature, body, now) {
            Ok(()) => return Ok(()),
            Err(e) if i == 0 => first = Err(e),
            Err(_) => {}
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_Z2hsLWJyaWRnZS1kZXYtc2VjcmV0";
    const NOW: i64 = 1_795_341_600;

    #[test]
    fn a_signed_delivery_verifies_and_any_change_fails() {
        let body = br#"{"email":"a@b.fr"}"#;
        let sig = sign(SECRET, "msg_1", NOW, body).unwrap();
        assert_eq!(
            verify(
                SECRET,
                Some("msg_1"),
                Some(&NOW.to_string()),
                Some(&sig),
                body,
                NOW + 10
            ),
            Ok(())
        );
        let bad = |id: &str, ts: i64, body: &[u8], secret: &str| {
            verify(
                secret,
                Some(id),
                Some(&ts.to_string()),
                Some(&sig),
                body,
                NOW,
            )
        };
        assert_eq!(
            bad("msg_2", NOW, body, SECRET),
            Err(WebhookAuthError::BadSignature)
        );
        assert_eq!(
            bad("msg_1", NOW + 1, body, SECRET),
            Err(WebhookAuthError::BadSignature)
        );
        assert_eq!(
            bad("msg_1", NOW, br#"{"email":"b@b.fr"}"#, SECRET),
            Err(WebhookAuthError::BadSignature)
        );
        assert_eq!(
            bad("msg_1", NOW, body, "whsec_b3RoZXI="),
            Err(WebhookAuthError::BadSignature)
        );
    }

    #[test]
    fn several_signatures_any_may_match() {
        let body = b"x";
        let good = sign(SECRET, "m", NOW, body).unwrap();
        let header = format!("v1,AAAA v2,zzz {good}");
        assert_eq!(
            verify(
                SECRET,
                Some("m"),
                Some(&NOW.to_string()),
                Some(&header),
                body,
                NOW
            ),
            Ok(())
        );
    }

    #[test]
    fn old_and_future_deliveries_are_refused() {
        let sig = sign(SECRET, "m", NOW - 301, b"x").unwrap();
        assert_eq!(
            verify(
                SECRET,
                Some("m"),
                Some(&(NOW - 301).to_string()),
                Some(&sig),
                b"x",
                NOW
            ),
            Err(WebhookAuthError::OutsideTolerance(301))
        );
        let sig = sign(SECRET, "m", NOW + 400, b"x").unwrap();
        assert!(verify(
            SECRET,
            Some("m"),
            Some(&(NOW + 400).to_string()),
            Some(&sig),
            b"x",
            NOW
        )
        .is_err());
    }

    #[test]
    fn missing_headers_are_named() {
        assert_eq!(
            verify(SECRET, None, Some("1"), Some("v1,x"), b"", NOW),
            Err(WebhookAuthError::MissingHeader("webhook-id"))
        );
        assert_eq!(
            verify(SECRET, Some("m"), None, Some("v1,x"), b"", NOW),
            Err(WebhookAuthError::MissingHeader("webhook-timestamp"))
        );
        assert_eq!(
            verify(SECRET, Some("m"), Some("1"), None, b"", NOW),
            Err(WebhookAuthError::MissingHeader("webhook-signature"))
        );
        assert_eq!(
            verify(SECRET, Some("m"), Some("soon"), Some("v1,x"), b"", NOW),
            Err(WebhookAuthError::BadTimestamp)
        );
        assert_eq!(
            verify(
                "whsec_!!!",
                Some("m"),
                Some(&NOW.to_string()),
                Some("v1,x"),
                b"",
                NOW
            ),
            Err(WebhookAuthError::BadSecret)
        );
    }
}
