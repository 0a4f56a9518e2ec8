//! Which location a source id, a location token or a company belongs to: a
//! store of its own (the Durable Object named [`DIRECTORY`]), so that routing
//! a webhook and checking a token are one lookup. A source id belongs to one
//! location: claiming it is "put if absent".

use super::protocol::Tally;
use super::protocol::{Store, WorldError};
use crate::admin_api::{LocationEntry, UnknownLocation};
use serde_json::{json, Value};

/// The store that holds the directory.
pub const DIRECTORY: &str = "~directory";

/// The store of an agency (its company token).
pub fn company_store(company_id: &str) -> String {
    format!("~company:{company_id}")
}

fn location_key(id: &str) -> String {
    format!("location:{id}")
}

fn source_key(id: &str) -> String {
    format!("source:{id}")
}

fn token_key(hash: &str) -> String {
    format!("token:{hash}")
}

pub async fn register_location<S: Store>(dir: &S, entry: &LocationEntry) -> Result<(), WorldError> {
    dir.kv_put(location_key(&entry.id), crate::json::to_value(entry)?)
        .await?;
    Ok(())
}

pub async fn location<S: Store>(dir: &S, id: &str) -> Result<Option<LocationEntry>, WorldError> {
    Ok(dir
        .kv_get(location_key(id))
        .await?
        .and_then(|v| crate::json::from_value(v).ok()))
}

pub async fn locations<S: Store>(dir: &S) -> Result<Vec<LocationEntry>, WorldError> {
    Ok(dir
        .kv_list("location:".into())
        .await?
        .into_iter()
        .filter_map(|(_, v)| crate::json::from_value(v).ok())
        .collect())
}

/// Gives `source_id` to `location_id`; `Err` names the location holding it.
pub async fn claim_source<S: Store>(
    dir: &S,
    source_id: &str,
    location_id: &str,
) -> Result<Result<(), String>, WorldError> {
    let held = dir
        .kv_put_if_absent(source_key(source_id), json!(location_id))
        .await?;
    Ok(match held.as_ref().and_then(Value::as_str) {
        Some(owner) if owner != location_id => Err(owner.to_string()),
        _ => Ok(()),
    })
}

/// The location id kept under `key` (a source, a token, a Spot-Hit token).
async fn location_under<S: Store>(dir: &S, key: String) -> Result<Option<String>, WorldError> {
    Ok(dir
        .kv_get(key)
        .await?
        .and_then(|v| v.as_str().map(String::from)))
}

pub async fn source_owner<S: Store>(
    dir: &S,
    source_id: &str,
) -> Result<Option<String>, WorldError> {
    location_under(dir, source_key(source_id)).await
}

pub async fn release_source<S: Store>(dir: &S, source_id: &str) -> Result<bool, WorldError> {
    dir.kv_delete(source_key(source_id)).await
}

/// Remembers a location token by its hash (the token itself is never kept).
pub async fn add_token<S: Store>(dir: &S, hash: &str, location_id: &str) -> Result<(), WorldError> {
    dir.kv_put(token_key(hash), json!(location_id)).await?;
    Ok(())
}

fn spothit_key(hash: &str) -> String {
    format!("spothit:{hash}")
}

/// Routes Spot-Hit callbacks carrying the token (kept by its hash) to `location_id`.
pub async fn add_spothit_token<S: Store>(
    dir: &S,
    hash: &str,
    location_id: &str,
) -> Result<(), WorldError> {
    dir.kv_put(spothit_key(hash), json!(location_id)).await?;
    Ok(())
}

pub async fn remove_spothit_token<S: Store>(dir: &S, hash: &str) -> Result<bool, WorldError> {
    dir.kv_delete(spothit_key(hash)).await
}

pub async fn spothit_location<S: Store>(dir: &S, hash: &str) -> Result<Option<String>, WorldError> {
    location_under(dir, spothit_key(hash)).await
}

fn unknown_key(location_id: &str) -> String {
    format!("unknown:{location_id}")
}

/// Counts a GHL webhook for a location nobody installed: one row per such
/// location, however many events it sends.
pub async fn count_unknown<S: Store>(
    dir: &S,
    location_id: &str,
    at_ms: u64,
) -> Result<(), WorldError> {
    dir.kv_tally(unknown_key(location_id), at_ms).await?;
    Ok(())
}

pub async fn unknown_locations<S: Store>(dir: &S) -> Result<Vec<UnknownLocation>, WorldError> {
    Ok(dir
        .kv_list("unknown:".into())
        .await?
        .into_iter()
        .filter_map(|(key, value)| {
            let tally: Tally = crate::json::from_value(value).ok()?;
            Some(UnknownLocation {
                location_id: key.strip_prefix("unknown:")?.to_string(),
                events: tally.count,
                last_at_ms: tally.last_at_ms,
            })
        })
        .collect())
}

fn company_key(id: &str) -> String {
    format!("company:{id}")
}

/// An agency that bulk-installed the app (its token is in [`company_store`]).
pub async fn register_company<S: Store>(dir: &S, company_id: &str) -> Result<(), WorldError> {
    dir.kv_put(company_key(company_id), json!(true)).await?;
    Ok(())
}

pub async fn companies<S: Store>(dir: &S) -> Result<Vec<String>, WorldError> {
    Ok(dir
        .kv_list("company:".into())
        .await?
        .into_iter()
        .filter_map(|(k, _)| k.strip_prefix("company:").map(String::from))
        .collect())
}

/// A session the SSO opened, by its token's hash.
pub async fn put_session<S: Store>(
    dir: &S,
    hash: &str,
    session: &crate::sso::Session,
) -> Result<(), WorldError> {
    dir.kv_put(format!("session:{hash}"), crate::json::to_value(session)?)
        .await?;
    Ok(())
}

pub async fn session<S: Store>(
    dir: &S,
    hash: &str,
) -> Result<Option<crate::sso::Session>, WorldError> {
    let found = dir.kv_get(format!("session:{hash}")).await?;
    Ok(found.and_then(|v| crate::json::from_value(v).ok()))
}

/// Whether an SSO payload (by its hash) is seen for the first time: each is
/// taken once, since GHL's payload carries no expiry.
pub async fn first_use_of_payload<S: Store>(
    dir: &S,
    hash: &str,
    now_ms: u64,
) -> Result<bool, WorldError> {
    let before = dir
        .kv_put_if_absent(format!("sso-payload:{hash}"), json!(now_ms))
        .await?;
    Ok(before.is_none())
}

/// How a location token is kept: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    crate::secrets::lower_hex(&sha2::Sha256::digest(token.as_bytes()))
}

pub async fn token_location<S: Store>(dir: &S, hash: &str) -> Result<Option<String>, WorldError> {
    location_under(dir, token_key(hash)).await
}
