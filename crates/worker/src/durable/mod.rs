//! The location's Durable Object: its state in SQLite tables, one instance per
//! GHL location. `fetch` reads one protocol request (core `sync::protocol`)
//! and dispatches it, or runs one attempt of a queued event (`attempt`), whose
//! store operations are then calls to the same handlers. The rules each
//! operation applies (claim, replay, stale, echo, budget, retention) are the
//! core's. SQL calls are synchronous, so an operation runs with no other
//! request in between: two racing deliveries of one event cannot both be
//! accepted. Only the OAuth refresh awaits (single flight, below), and an
//! attempt between its operations (GHL, the budget's wait): other requests
//! run then, as they did between the consumer's requests when it ran the
//! attempt itself. A daily alarm applies retention.
//!
//! Rooms: the tables and their migrations (`schema`), the protocol's
//! operations (`ops`), the OAuth refresh (`oauth`); here, the object, its
//! entry points and the SQL helpers the operations share.

use crate::config::Config;
use crate::respond::{json_error, json_ok, json_text};
use crate::store_client::{AttemptAsked, StoreClient, ATTEMPT_PATH};
use ghl_bridge::admin_api::{
    EventRecord, EventStatus, GhlEventEntry, GhlOutcome, StorageReport, Swept, STALE_AFTER_MS,
};
use ghl_bridge::ghl::oauth::{
    minted_location_token, refresh_outcome, OAuthClient, OAuthTokens, Refreshed, NOT_CONNECTED,
};
use ghl_bridge::json;
use ghl_bridge::secrets::{sealed, unsealed};
use ghl_bridge::sync::budget::CallWindow;
use ghl_bridge::sync::directory::company_store;
use ghl_bridge::sync::echo::merge_known_tags;
use ghl_bridge::sync::model::SecretKey;
use ghl_bridge::sync::protocol::*;
use ghl_bridge::sync::records::{admit, claim, record_ghl_event, replay, sync_of, take_if_stale};
use ghl_bridge::sync::retention::{next_run, Cutoffs};
use ghl_bridge::sync::sync_back::SYNC_RULES_KEY;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlCursor, SqlStorage,
    SqlStorageValue, State,
};

mod attempt;
mod oauth;
mod ops;
mod schema;

/// Internal rows of the `kv` table (user keys never start with `~`).
const WINDOW_KEY: &str = "~rate-window";

#[durable_object]
pub struct BridgeStore {
    state: State,
    env: Env,
    /// An OAuth refresh is in flight: other callers wait for its result
    /// instead of spending the same one-time refresh token.
    refreshing: Cell<bool>,
    /// The retention alarm was checked since this instance started.
    alarm_checked: Cell<bool>,
    /// The deployment's configuration, read from the env once (it cannot
    /// change during an instance's life): every kv read and write needs
    /// `SECRETS_KEY`, and every attempt the settings.
    config: Config,
    /// Requests and rows since this instance started (`usage`).
    usage: Cell<ghl_bridge::sync::usage::Usage>,
}

/// Called from inside the object (an attempt's world): each request runs
/// here, with nothing sent.
impl StoreTransport for BridgeStore {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        Box::pin(dispatch(self, request))
    }
}

impl DurableObject for BridgeStore {
    fn new(state: State, env: Env) -> Self {
        schema::migrate(&state.storage().sql());
        Self {
            config: crate::config::from_env(&env),
            state,
            env,
            refreshing: Cell::new(false),
            alarm_checked: Cell::new(false),
            usage: Cell::new(Default::default()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let text = req.text().await?;
        self.ensure_alarm().await?;
        if req.path() == ATTEMPT_PATH {
            self.count_request();
            return self.attempt(&text).await;
        }
        let request: StoreRequest = match json::read(&text) {
            Ok(r) => r,
            Err(e) => {
                return json_error(
                    400,
                    "bad_store_request",
                    &format!("unreadable request: {e}"),
                )
            }
        };
        let name = request.name();
        if !matches!(request, StoreRequest::UsageRequest(_)) {
            self.count_request();
        }
        match dispatch(self, request).await {
            Ok(answer) => json_text(answer),
            Err(e) => json_error(500, "store_failed", &format!("{name}: {e}")),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.count_request(); // an alarm is billed as a request
        let days = self.config.retention_days;
        let report = self
            .retain(days, None)
            .map_err(crate::failure::from_world)?;
        worker::console_log!(
            "{}",
            serde_json::json!({"level": "info", "retention": report})
        );
        let now = worker::Date::now().as_millis();
        self.state.storage().set_alarm(next_run(now) as i64).await?;
        Response::ok("retained")
    }
}

impl BridgeStore {
    /// Runs the attempt the consumer asked for (see `attempt`).
    async fn attempt(&self, text: &str) -> Result<Response> {
        let asked: AttemptAsked = match json::read(text) {
            Ok(asked) => asked,
            Err(e) => return json_error(400, "bad_attempt", &format!("unreadable request: {e}")),
        };
        match attempt::run(self, &self.env, &self.config, asked).await {
            Ok(attempted) => json_ok(&attempted),
            Err(e) => json_error(500, "attempt_failed", &e.to_string()),
        }
    }
}

fn sql_err(e: worker::Error) -> WorldError {
    WorldError(format!("sqlite: {e}"))
}

fn int(v: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(v as i64)
}

fn text(v: impl Into<String>) -> SqlStorageValue {
    SqlStorageValue::String(v.into())
}

#[derive(Deserialize)]
struct EventRow {
    record: String,
    payload: Option<String>,
}

impl EventRow {
    fn into_record(self) -> std::result::Result<EventRecord, WorldError> {
        let mut record: EventRecord = json::read(&self.record)?;
        record.payload = self.payload.unwrap_or_default();
        Ok(record)
    }
}

#[derive(Deserialize)]
struct GhlRow {
    entry: String,
    body: Option<String>,
}

#[derive(Deserialize)]
struct One<T> {
    v: T,
}

impl BridgeStore {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn now(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    /// One more billed request to this object.
    fn count_request(&self) {
        let mut usage = self.usage.get();
        usage.do_requests += 1;
        self.usage.set(usage);
    }

    /// Runs one statement and counts the rows it read and wrote (billed
    /// units, `GET /v1/admin/usage`) once `read` is done with its cursor.
    fn metered<T>(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
        read: impl FnOnce(&SqlCursor) -> Result<T>,
    ) -> Result<T> {
        let cursor = self.sql().exec(query, Some(bindings))?;
        let answer = read(&cursor);
        let mut usage = self.usage.get();
        usage.rows_read += cursor.rows_read() as u64;
        usage.rows_written += cursor.rows_written() as u64;
        self.usage.set(usage);
        answer
    }

    /// Rows a statement wrote (a delete, an update).
    fn written(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
    ) -> std::result::Result<u64, WorldError> {
        self.metered(query, bindings, |c| Ok(c.rows_written() as u64))
            .map_err(sql_err)
    }

    fn exec(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<()> {
        self.metered(query, bindings, |_| Ok(()))
    }

    fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
    ) -> std::result::Result<Vec<T>, WorldError> {
        self.metered(query, bindings, |c| c.to_array())
            .map_err(sql_err)
    }

    /// The column `v` of the first row, if there is a row and it is not null.
    fn value<T: DeserializeOwned>(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
    ) -> std::result::Result<Option<T>, WorldError> {
        Ok(self
            .rows::<One<Option<T>>>(query, bindings)?
            .into_iter()
            .next()
            .and_then(|r| r.v))
    }

    fn count(&self, query: &str) -> std::result::Result<u64, WorldError> {
        Ok(self.value::<u64>(query, vec![])?.unwrap_or(0))
    }

    fn event(&self, key: &str) -> std::result::Result<Option<EventRecord>, WorldError> {
        self.rows::<EventRow>(
            "SELECT record, payload FROM events WHERE key = ?",
            vec![text(key)],
        )?
        .into_iter()
        .next()
        .map(EventRow::into_record)
        .transpose()
    }

    fn save_event(&self, record: &EventRecord) -> std::result::Result<(), WorldError> {
        let payload = (!record.payload.is_empty()).then(|| record.payload.clone());
        let mut stored = record.clone();
        stored.payload = String::new();
        self.exec(
            "INSERT INTO events (key, source_id, status, received_at_ms, updated_at_ms, record, payload,
               attempts, ghl_calls)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET status = excluded.status,
               updated_at_ms = excluded.updated_at_ms, record = excluded.record,
               payload = COALESCE(excluded.payload, events.payload),
               attempts = excluded.attempts, ghl_calls = excluded.ghl_calls",
            vec![
                text(&record.key),
                text(&record.source_id),
                text(record.status.as_str()),
                int(record.received_at_ms),
                int(record.updated_at_ms),
                text(serde_json::to_string(&stored)?),
                payload.into(),
                int(record.attempts.into()),
                int(record.ghl_calls.into()),
            ],
        )
        .map_err(sql_err)
    }

    fn ghl_entry(
        &self,
        webhook_id: &str,
    ) -> std::result::Result<Option<(GhlEventEntry, Option<String>)>, WorldError> {
        let row = self
            .rows::<GhlRow>(
                "SELECT entry, body FROM ghl_events WHERE webhook_id = ?",
                vec![text(webhook_id)],
            )?
            .into_iter()
            .next();
        row.map(|r| Ok((json::read(&r.entry)?, r.body))).transpose()
    }

    fn save_ghl_entry(&self, entry: &GhlEventEntry) -> std::result::Result<(), WorldError> {
        let sync_status = entry.sync.as_ref().map(|s| s.status.as_str());
        self.exec(
            "UPDATE ghl_events SET entry = ?, sync_status = ? WHERE webhook_id = ?",
            vec![
                text(serde_json::to_string(entry)?),
                sync_status.into(),
                text(&entry.webhook_id),
            ],
        )
        .map_err(sql_err)
    }

    fn kv_value<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> std::result::Result<Option<T>, WorldError> {
        let stored: Option<String> =
            self.value("SELECT value AS v FROM kv WHERE key = ?", vec![text(key)])?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        let keys: Vec<&ghl_bridge::secrets::SecretsKey> = [
            self.config.secrets_key.as_ref(),
            self.config.previous_secrets_key.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let plain = unsealed(&keys, stored).map_err(WorldError)?;
        Ok(Some(json::read(&plain)?))
    }

    /// Stores a value; a secret is sealed first with `SECRETS_KEY`, and is
    /// refused without one unless GHL is the local sandbox.
    fn kv_store<T: Serialize>(&self, key: &str, value: &T) -> std::result::Result<(), WorldError> {
        self.kv_store_text(key, serde_json::to_string(value)?, false)
    }

    /// Stores a secret: sealed with `SECRETS_KEY`, and refused without one
    /// unless GHL is the local sandbox.
    fn kv_store_secret<T: Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> std::result::Result<(), WorldError> {
        let mut json = serde_json::to_string(value)?;
        match &self.config.secrets_key {
            Some(secrets) => {
                let nonce = crate::random::random_bytes(12).map_err(sql_err)?;
                json = sealed(secrets, &nonce, &json);
            }
            None if self.config.may_store_in_clear() => {}
            None => {
                return Err(WorldError(
                    "a secret is never stored in clear: set SECRETS_KEY".into(),
                ))
            }
        }
        self.kv_store_text(key, json, true)
    }

    fn kv_store_text(
        &self,
        key: &str,
        json: String,
        secret: bool,
    ) -> std::result::Result<(), WorldError> {
        self.exec(
            "INSERT INTO kv (key, value, updated_at_ms, secret) VALUES (?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
               updated_at_ms = excluded.updated_at_ms, secret = excluded.secret",
            vec![
                text(key),
                text(json),
                int(self.now()),
                int(u64::from(secret)),
            ],
        )
        .map_err(sql_err)
    }

    fn kv_remove(&self, key: &str) -> std::result::Result<bool, WorldError> {
        Ok(self.written("DELETE FROM kv WHERE key = ?", vec![text(key)])? > 0)
    }

    /// Retention runs daily from the first request on.
    async fn ensure_alarm(&self) -> Result<()> {
        if self.alarm_checked.replace(true) {
            return Ok(());
        }
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(next_run(self.now()) as i64).await?;
        }
        Ok(())
    }

    fn deleted(&self, query: &str, cutoff: u64) -> std::result::Result<u64, WorldError> {
        self.written(query, vec![int(cutoff)])
    }

    fn retain(
        &self,
        retention_days: u32,
        as_of_ms: Option<u64>,
    ) -> std::result::Result<RetentionReport, WorldError> {
        let c = Cutoffs::at(as_of_ms.unwrap_or(self.now()), retention_days);
        let mut report = RetentionReport {
            payloads_dropped: self.deleted(
                "UPDATE events SET payload = NULL
                 WHERE status = 'done' AND payload IS NOT NULL AND received_at_ms < ?",
                c.payloads,
            )?,
            events_deleted: self
                .deleted("DELETE FROM events WHERE received_at_ms < ?", c.records)?,
            ghl_events_deleted: self
                .deleted("DELETE FROM ghl_events WHERE received_at_ms < ?", c.records)?,
            other_deleted: self
                .deleted("DELETE FROM identity WHERE written_at_ms < ?", c.identity)?,
        };
        report.payloads_dropped += self.deleted(
            "UPDATE ghl_events SET body = NULL
             WHERE body IS NOT NULL AND sync_status = 'done' AND received_at_ms < ?",
            c.payloads,
        )?;
        report.other_deleted += self.deleted(
            "DELETE FROM contacts WHERE MAX(COALESCE(wrote_at_ms, 0), COALESCE(tags_at_ms, 0)) < ?",
            c.identity,
        )?;
        report.other_deleted += self.deleted(
            "DELETE FROM kv WHERE key LIKE 'oauth-state:%' AND updated_at_ms < ?",
            c.short_lived,
        )?;
        report.other_deleted +=
            self.deleted("DELETE FROM leases WHERE until_ms < ?", c.short_lived)?;
        Ok(report)
    }
}
