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

use crate::attempt::AttemptAsked;
use crate::config::Config;
use crate::respond::{json_error, json_ok, json_text};
use crate::store_client::{StoreClient, ATTEMPT_PATH};
use ghl_bridge::admin_api::{
    EventRecord, EventStatus, GhlEventEntry, GhlOutcome, OutboundState, StorageReport, Swept,
    STALE_AFTER_MS,
};
use ghl_bridge::ghl::oauth::{
    minted_location_token, refresh_outcome, OAuthClient, OAuthTokens, Refreshed, NOT_CONNECTED,
};
use ghl_bridge::json;
use ghl_bridge::secrets::{sealed, unsealed};
use ghl_bridge::sync::budget::CallWindow;
use ghl_bridge::sync::directory::company_store;
use ghl_bridge::sync::echo::{is_echo, merge_known_tags};
use ghl_bridge::sync::location::{holds_secrets, OAUTH_KEY};
use ghl_bridge::sync::protocol::*;
use ghl_bridge::sync::records::{admit, claim, replay, sync_of, take_if_stale};
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

const SCHEMA: &[&str] = &[
    // An inbound event: its record (JSON, without the payload) and payload.
    // `attempts` and `ghl_calls` repeat the record's, for the health summary
    // (files written before they existed get them in `add_summary_columns`).
    "CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, source_id TEXT NOT NULL,
       status TEXT NOT NULL, received_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
       record TEXT NOT NULL, payload TEXT,
       attempts INTEGER NOT NULL DEFAULT 0, ghl_calls INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS events_by_time ON events (received_at_ms DESC, key DESC)",
    "CREATE INDEX IF NOT EXISTS events_by_status ON events (status, received_at_ms DESC, key DESC)",
    "CREATE INDEX IF NOT EXISTS events_by_source ON events (source_id, received_at_ms DESC, key DESC)",
    // A GHL webhook: its entry (JSON) and, while it is to be synced, its body.
    "CREATE TABLE IF NOT EXISTS ghl_events (webhook_id TEXT PRIMARY KEY,
       received_at_ms INTEGER NOT NULL, sync_status TEXT, entry TEXT NOT NULL, body TEXT)",
    "CREATE INDEX IF NOT EXISTS ghl_by_time ON ghl_events (received_at_ms DESC)",
    // Only the webhooks to be synced are indexed by their sync's status: most
    // are echoes of the bridge's own writes, and an index entry each was 2 of
    // a new lead's 41 rows written (docs/benchmarks.md). The planner uses it
    // for `sync_status IN (...)` and `= ...`, which imply NOT NULL.
    "DROP INDEX IF EXISTS ghl_by_sync",
    "CREATE INDEX IF NOT EXISTS ghl_by_pending_sync ON ghl_events (sync_status)
       WHERE sync_status IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS identity (key TEXT PRIMARY KEY, contact_id TEXT NOT NULL,
       written_at_ms INTEGER NOT NULL)",
    // No index by age: retention's daily delete reads the table through (a
    // row read is a thousandth of a row written), where the index cost every
    // identity key written a second row (2 of a new lead's rows written).
    "DROP INDEX IF EXISTS identity_by_age",
    "CREATE TABLE IF NOT EXISTS mappings (source_id TEXT PRIMARY KEY, mapping TEXT NOT NULL)",
    // Per contact: when the bridge last wrote it (echoes), its tags as last seen.
    "CREATE TABLE IF NOT EXISTS contacts (contact_id TEXT PRIMARY KEY, wrote_at_ms INTEGER,
       tags TEXT, tags_at_ms INTEGER)",
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,
       updated_at_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, until_ms INTEGER NOT NULL)",
];

/// Gives a file written before `events.attempts` and `events.ghl_calls`
/// existed those columns, filled from each record, then the index the health
/// summary reads alone (no record is parsed to count a day of events).
fn add_summary_columns(sql: &SqlStorage) -> Result<()> {
    #[derive(Deserialize)]
    struct Column {
        name: String,
    }
    let columns: Vec<Column> = sql.exec("PRAGMA table_info(events)", None)?.to_array()?;
    if !columns.iter().any(|c| c.name == "ghl_calls") {
        sql.exec(
            "ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
            None,
        )?;
        sql.exec(
            "ALTER TABLE events ADD COLUMN ghl_calls INTEGER NOT NULL DEFAULT 0",
            None,
        )?;
        sql.exec(
            "UPDATE events SET attempts = COALESCE(json_extract(record, '$.attempts'), 0),
               ghl_calls = COALESCE(json_extract(record, '$.ghlCalls'), 0)",
            None,
        )?;
    }
    sql.exec(
        "CREATE INDEX IF NOT EXISTS events_summary
           ON events (received_at_ms, status, attempts, ghl_calls)",
        None,
    )?;
    Ok(())
}

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

impl DurableObject for BridgeStore {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        for statement in SCHEMA {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_log!(
                    "{}",
                    serde_json::json!({"level": "error", "msg": format!("schema: {e}")})
                );
            }
        }
        if let Err(e) = add_summary_columns(&sql) {
            worker::console_log!(
                "{}",
                serde_json::json!({"level": "error", "msg": format!("schema: {e}")})
            );
        }
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
        match crate::attempt::run(self, &self.env, &self.config, asked).await {
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
        let mut json = serde_json::to_string(value)?;
        if holds_secrets(key) {
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
        }
        self.kv_store_text(key, json)
    }

    fn kv_store_text(&self, key: &str, json: String) -> std::result::Result<(), WorldError> {
        self.exec(
            "INSERT INTO kv (key, value, updated_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
            vec![text(key), text(json), int(self.now())],
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

    /// A valid OAuth access token, refreshing it first when it is about to
    /// expire. Only here, one refresh at a time: concurrent callers wait for
    /// the refresh in flight and read the pair it stored.
    async fn oauth_access(&self) -> std::result::Result<TokenAnswer, WorldError> {
        let mut waited_ms = 0;
        loop {
            let Some(tokens) = self.kv_value::<OAuthTokens>(OAUTH_KEY)? else {
                return Ok(TokenAnswer::failed(NOT_CONNECTED, false));
            };
            if tokens.fresh(self.now()) {
                return Ok(TokenAnswer::token(tokens.access_token, false));
            }
            if self.refreshing.get() {
                if waited_ms > 20_000 {
                    return Ok(TokenAnswer::failed(
                        "waited too long for a token refresh",
                        true,
                    ));
                }
                worker::Delay::from(std::time::Duration::from_millis(100)).await;
                waited_ms += 100;
                continue;
            }
            let Some(client) = self.config.oauth_client() else {
                return Ok(TokenAnswer::failed(
                    "the OAuth token expired and GHL_CLIENT_ID / GHL_CLIENT_SECRET are not set to refresh it",
                    false,
                ));
            };
            self.refreshing.set(true);
            let answer = self.renew(&client, &tokens).await;
            self.refreshing.set(false);
            return answer;
        }
    }
}

impl BridgeStore {
    /// New tokens for expired ones: a location token minted from an agency's
    /// is minted again from the agency's (whose store refreshes that one,
    /// single-flight too); any other is refreshed with its refresh token.
    async fn renew(
        &self,
        client: &OAuthClient,
        tokens: &OAuthTokens,
    ) -> std::result::Result<TokenAnswer, WorldError> {
        let now = self.now();
        let outcome = if let Some(company) = tokens.minted_from_company() {
            let agency = StoreClient::for_location(&self.env, &company_store(company))
                .map_err(|e| WorldError(e.to_string()))?;
            let access = agency.oauth_access().await?;
            let Some(company_token) = access.access_token else {
                return Ok(access);
            };
            let request =
                client.location_token_request(company, &tokens.location_id, &company_token);
            match crate::ghl_http::send(&request).await {
                Err(e) => {
                    Refreshed::Retry(format!("minting a location token: GHL unreachable: {e}"))
                }
                Ok(response) => minted_location_token(&response, company, now),
            }
        } else if let Some(request) = client.refresh_request(tokens) {
            let sent = crate::ghl_http::send(&request)
                .await
                .map_err(|e| e.to_string());
            refresh_outcome(sent.as_ref().map_err(String::as_str), tokens, now)
        } else {
            Refreshed::Refused(
                "the OAuth token expired and has no refresh token: install the app again".into(),
            )
        };
        Ok(match outcome {
            Refreshed::Tokens(fresh) => {
                self.kv_store(OAUTH_KEY, &fresh)?;
                TokenAnswer::token(fresh.access_token, true)
            }
            Refreshed::Retry(why) => TokenAnswer::failed(why, true),
            Refreshed::Refused(why) => TokenAnswer::failed(why, false),
        })
    }
}

/// Implements one operation: `|store, op| body` (the body may use `?`).
macro_rules! handle {
    ($op:ty, |$s:ident, $o:ident| $body:block) => {
        impl Handle<$op> for BridgeStore {
            async fn handle(
                &self,
                $o: $op,
            ) -> std::result::Result<<$op as StoreOp>::Answer, WorldError> {
                let $s = self;
                Ok($body)
            }
        }
    };
}

handle!(Ingest, |s, op| {
    match s.event(&op.record.key)? {
        Some(first) => Ingested {
            accepted: false,
            record: first,
            delay_ms: 0,
        },
        None => {
            let mut record = op.record;
            let mut window: CallWindow = s.kv_value(WINDOW_KEY)?.unwrap_or_default();
            let delay_ms = admit(&mut record, &mut window, s.now());
            s.kv_store(WINDOW_KEY, &window)?;
            s.save_event(&record)?;
            Ingested {
                accepted: true,
                record,
                delay_ms,
            }
        }
    }
});

handle!(Claim, |s, op| {
    match s.event(&op.key)? {
        None => Claimed::refused(None),
        Some(mut record) => match claim(&mut record, s.now()) {
            Ok(()) => {
                s.save_event(&record)?;
                Claimed::started(record)
            }
            Err(status) => Claimed::refused(Some(status)),
        },
    }
});

handle!(Update, |s, op| {
    let now = s.now();
    let mut record = op.record;
    record.updated_at_ms = now;
    s.save_event(&record)?;
    // When the bridge last wrote this contact: GHL's webhooks about it in
    // the next moments are echoes of our own writes.
    if let Some(id) = &record.contact_id {
        s.exec(
            "INSERT INTO contacts (contact_id, wrote_at_ms) VALUES (?, ?)
             ON CONFLICT (contact_id) DO UPDATE SET wrote_at_ms = excluded.wrote_at_ms",
            vec![text(id), int(now)],
        )
        .map_err(sql_err)?;
    }
    Ack {}
});

handle!(Replay, |s, op| {
    let Some(mut record) = s.event(&op.key)? else {
        return Ok(None);
    };
    if !replay(&mut record, s.now()) {
        return Ok(None);
    }
    s.save_event(&record)?;
    Some(record)
});

handle!(Events, |s, op| {
    let q = op.query;
    let limit = q.limit.clamp(1, 5000);
    let cursor = q.cursor.as_deref().and_then(Cursor::decode);
    let mut sql = String::from("SELECT record, payload FROM events WHERE 1 = 1");
    let mut bindings = Vec::new();
    if let Some(status) = q.status {
        sql.push_str(" AND status = ?");
        bindings.push(text(status.as_str()));
    }
    if let Some(source) = &q.source_id {
        sql.push_str(" AND source_id = ?");
        bindings.push(text(source));
    }
    if let Some(search) = &q.contact {
        push_contact_search(&mut sql, &mut bindings, search);
    }
    if let Some(c) = cursor {
        sql.push_str(" AND (received_at_ms < ? OR (received_at_ms = ? AND key < ?))");
        bindings.extend([int(c.received_at_ms), int(c.received_at_ms), text(c.key)]);
    }
    sql.push_str(" ORDER BY received_at_ms DESC, key DESC LIMIT ?");
    bindings.push(int(limit as u64 + 1));
    let mut events = s
        .rows::<EventRow>(&sql, bindings)?
        .into_iter()
        .map(EventRow::into_record)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    EventPage {
        next_cursor: more
            .then(|| events.last().map(|r| Cursor::after(r).encode()))
            .flatten(),
        events,
    }
});

/// One person's events in SQL, as [`ContactSearch::matches`] reads them: a
/// scan of the location's events, their contact id and payload.
fn push_contact_search(
    sql: &mut String,
    bindings: &mut Vec<SqlStorageValue>,
    search: &ContactSearch,
) {
    let mut any = Vec::new();
    if !search.contact_ids.is_empty() {
        let marks = vec!["?"; search.contact_ids.len()].join(", ");
        any.push(format!("json_extract(record, '$.contactId') IN ({marks})"));
        bindings.extend(search.contact_ids.iter().map(text));
    }
    for t in &search.texts {
        any.push("instr(lower(payload), ?) > 0".to_string());
        bindings.push(text(t));
    }
    if let Some(digits) = &search.digits {
        let bare = PHONE_SEPARATORS
            .iter()
            .fold("lower(payload)".to_string(), |inner, _| {
                format!("replace({inner}, ?, '')")
            });
        // The separators bind innermost first, as the fold nests them.
        bindings.extend(PHONE_SEPARATORS.iter().map(|sep| text(*sep)));
        any.push(format!("instr({bare}, ?) > 0"));
        bindings.push(text(digits));
    }
    if any.is_empty() {
        any.push("0".into());
    }
    sql.push_str(&format!(" AND ({})", any.join(" OR ")));
}

handle!(Stale, |s, op| {
    let now = s.now();
    let older = op.older_than_ms.unwrap_or(STALE_AFTER_MS);
    let mut swept = Swept {
        inbound: Vec::new(),
        ghl: Vec::new(),
    };
    let stuck = s.rows::<EventRow>(
        "SELECT record, payload FROM events WHERE status IN ('queued', 'processing')",
        vec![],
    )?;
    for row in stuck {
        let mut record = row.into_record()?;
        if take_if_stale(&mut record, now, older) {
            s.save_event(&record)?;
            swept.inbound.push(record.key);
        }
    }
    let stuck = s.rows::<GhlRow>(
        "SELECT entry, body FROM ghl_events WHERE sync_status IN ('queued', 'processing')",
        vec![],
    )?;
    for row in stuck {
        let mut entry: GhlEventEntry = json::read(&row.entry)?;
        if sync_of(&mut entry).is_some_and(|mut sync| take_if_stale(&mut sync, now, older)) {
            s.save_ghl_entry(&entry)?;
            swept.ghl.push(entry.webhook_id);
        }
    }
    swept
});

handle!(IdentityGet, |s, op| {
    let mut found = BTreeMap::new();
    for key in op.keys {
        let id: Option<String> = s.value(
            "SELECT contact_id AS v FROM identity WHERE key = ?",
            vec![text(&key)],
        )?;
        if let Some(id) = id {
            found.insert(key, id);
        }
    }
    found
});

handle!(IdentityPut, |s, op| {
    for key in op.keys {
        s.exec(
            "INSERT INTO identity (key, contact_id, written_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET contact_id = excluded.contact_id,
               written_at_ms = excluded.written_at_ms",
            vec![text(key), text(&op.contact_id), int(s.now())],
        )
        .map_err(sql_err)?;
    }
    Ack {}
});

handle!(MappingGet, |s, op| {
    s.value::<String>(
        "SELECT mapping AS v FROM mappings WHERE source_id = ?",
        vec![text(op.source_id)],
    )?
});

handle!(MappingPut, |s, op| {
    s.exec(
        "INSERT INTO mappings (source_id, mapping) VALUES (?, ?)
         ON CONFLICT (source_id) DO UPDATE SET mapping = excluded.mapping",
        vec![text(op.source_id), text(op.mapping)],
    )
    .map_err(sql_err)?;
    Ack {}
});

handle!(MappingDelete, |s, op| {
    s.written(
        "DELETE FROM mappings WHERE source_id = ?",
        vec![text(op.source_id)],
    )? > 0
});

handle!(RateAcquire, |s, op| {
    let mut window: CallWindow = s.kv_value(WINDOW_KEY)?.unwrap_or_default();
    let grant = window.acquire(s.now(), op.limit, op.window_ms, op.lane);
    // A refusal books a return: kept too.
    s.kv_store(WINDOW_KEY, &window)?;
    grant
});

handle!(RatePause, |s, op| {
    let mut window: CallWindow = s.kv_value(WINDOW_KEY)?.unwrap_or_default();
    window.pause(s.now(), op.ms);
    s.kv_store(WINDOW_KEY, &window)?;
    Ack {}
});

handle!(RecordGhlEvent, |s, op| {
    let e = op.event;
    if s.ghl_entry(&e.webhook_id)?.is_some() {
        return Ok(GhlRecorded {
            outcome: GhlOutcome::Duplicate,
            queued: false,
        });
    }
    let now = s.now();
    #[derive(Deserialize)]
    struct ContactRow {
        wrote_at_ms: Option<u64>,
        tags: Option<String>,
    }
    let contact = match &e.contact_id {
        Some(id) => s
            .rows::<ContactRow>(
                "SELECT wrote_at_ms, tags FROM contacts WHERE contact_id = ?",
                vec![text(id)],
            )?
            .into_iter()
            .next(),
        None => None,
    };
    let last_write = contact.as_ref().and_then(|c| c.wrote_at_ms);
    let known: Vec<String> = contact
        .and_then(|c| c.tags)
        .and_then(|t| json::read(&t).ok())
        .unwrap_or_default();
    let echo = is_echo(
        &e.event_type,
        &e.body,
        last_write,
        now,
        e.echo_window_ms,
        &known,
    );
    let rules_saved = s.kv_value::<Value>(SYNC_RULES_KEY)?.is_some();
    let sync = !echo && e.syncable && (e.needs_no_saved_rules || rules_saved);
    let outcome = if echo {
        GhlOutcome::Echo
    } else {
        GhlOutcome::Recorded
    };
    let entry = GhlEventEntry {
        webhook_id: e.webhook_id.clone(),
        event_type: e.event_type,
        contact_id: e.contact_id,
        received_at_ms: now,
        outcome,
        sync: sync.then(OutboundState::queued),
    };
    let body = if sync {
        Some(serde_json::to_string(&e.body)?)
    } else {
        None
    };
    s.exec(
        "INSERT INTO ghl_events (webhook_id, received_at_ms, sync_status, entry, body)
         VALUES (?, ?, ?, ?, ?)",
        vec![
            text(&e.webhook_id),
            int(now),
            sync.then(|| "queued".to_string()).into(),
            text(serde_json::to_string(&entry)?),
            body.into(),
        ],
    )
    .map_err(sql_err)?;
    GhlRecorded {
        outcome,
        queued: sync,
    }
});

handle!(ClaimGhlEvent, |s, op| {
    let Some((mut entry, body)) = s.ghl_entry(&op.webhook_id)? else {
        return Ok(Claimed::refused(None));
    };
    let Some(mut sync) = sync_of(&mut entry) else {
        return Ok(Claimed::refused(None));
    };
    if let Err(status) = claim(&mut sync, s.now()) {
        return Ok(Claimed::refused(Some(status)));
    }
    s.save_ghl_entry(&entry)?;
    let event = match body {
        Some(b) => json::read(&b)?,
        None => Value::Null,
    };
    Claimed::started(ClaimedGhlEvent { entry, event })
});

handle!(UpdateGhlEvent, |s, op| {
    let mut entry = op.entry;
    if let Some(sync) = entry.sync.as_mut() {
        sync.updated_at_ms = s.now();
    }
    s.save_ghl_entry(&entry)?;
    Ack {}
});

handle!(ReplayGhlEvent, |s, op| {
    let Some((mut entry, _)) = s.ghl_entry(&op.webhook_id)? else {
        return Ok(false);
    };
    let replayed = sync_of(&mut entry).is_some_and(|mut sync| replay(&mut sync, s.now()));
    if replayed {
        s.save_ghl_entry(&entry)?;
    }
    replayed
});

handle!(GhlEvents, |s, op| {
    let rows = s.rows::<GhlRow>(
        "SELECT entry, body FROM ghl_events ORDER BY received_at_ms DESC LIMIT ?",
        vec![int(op.limit.clamp(1, 1000) as u64)],
    )?;
    rows.into_iter()
        .map(|r| json::read(&r.entry))
        .collect::<std::result::Result<Vec<GhlEventEntry>, _>>()?
});

handle!(SwapTags, |s, op| {
    // Read and written in one step, so two deliveries of one change cannot
    // both see a tag as new.
    let before: Option<String> = s.value(
        "SELECT tags AS v FROM contacts WHERE contact_id = ?",
        vec![text(&op.contact_id)],
    )?;
    s.exec(
        "INSERT INTO contacts (contact_id, tags, tags_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET tags = excluded.tags, tags_at_ms = excluded.tags_at_ms",
        vec![
            text(&op.contact_id),
            text(serde_json::to_string(&op.tags)?),
            int(s.now()),
        ],
    )
    .map_err(sql_err)?;
    match before {
        Some(t) => Some(json::read::<Vec<String>>(&t)?),
        None => None,
    }
});

/// The tags known on a contact and when they were last refreshed.
fn known_tags(
    s: &BridgeStore,
    contact_id: &str,
) -> std::result::Result<(Vec<String>, u64), WorldError> {
    #[derive(Deserialize)]
    struct Known {
        tags: Option<String>,
        tags_at_ms: Option<u64>,
    }
    let before = s
        .rows::<Known>(
            "SELECT tags, tags_at_ms FROM contacts WHERE contact_id = ?",
            vec![text(contact_id)],
        )?
        .into_iter()
        .next();
    let known_at = before.as_ref().and_then(|k| k.tags_at_ms).unwrap_or(0);
    let known = match before.and_then(|k| k.tags) {
        Some(t) => json::read(&t)?,
        None => Vec::new(),
    };
    Ok((known, known_at))
}

handle!(MergeTags, |s, op| {
    let (mut known, known_at) = known_tags(s, &op.contact_id)?;
    if !merge_known_tags(&mut known, known_at, &op.tags, s.now()).1 {
        return Ok(Ack {});
    }
    s.exec(
        "INSERT INTO contacts (contact_id, tags, tags_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET tags = excluded.tags, tags_at_ms = excluded.tags_at_ms",
        vec![
            text(&op.contact_id),
            text(serde_json::to_string(&known)?),
            int(s.now()),
        ],
    )
    .map_err(sql_err)?;
    Ack {}
});

handle!(TagNews, |s, op| {
    let (mut known, known_at) = known_tags(s, &op.contact_id)?;
    merge_known_tags(&mut known, known_at, &op.tags, s.now()).0
});

handle!(KvGet, |s, op| { s.kv_value::<Value>(&op.key)? });

handle!(KvPut, |s, op| {
    let previous = s.kv_value::<Value>(&op.key)?;
    if op.value.is_null() {
        s.kv_remove(&op.key)?;
    } else {
        s.kv_store(&op.key, &op.value)?;
    }
    previous
});

handle!(KvDelete, |s, op| { s.kv_remove(&op.key)? });

handle!(KvTally, |s, op| {
    let tally = Tally::counted_once_more(s.kv_value::<Value>(&op.key)?.as_ref(), op.at_ms);
    s.kv_store(&op.key, &json::to_value(&tally)?)?;
    tally
});

handle!(KvPutIfAbsent, |s, op| {
    match s.kv_value::<Value>(&op.key)? {
        Some(held) => Some(held),
        None => {
            s.kv_store(&op.key, &op.value)?;
            None
        }
    }
});

handle!(KvList, |s, op| {
    #[derive(Deserialize)]
    struct Row {
        key: String,
        value: String,
    }
    // Keys of a prefix sort between it and it followed by the last character.
    let rows = s.rows::<Row>(
        "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key",
        vec![text(&op.prefix), text(format!("{}\u{10ffff}", op.prefix))],
    )?;
    rows.into_iter()
        .map(|r| Ok((r.key, json::read(&r.value)?)))
        .collect::<std::result::Result<Vec<(String, Value)>, WorldError>>()?
});

handle!(LeaseAcquire, |s, op| {
    let now = s.now();
    let until: Option<u64> = s.value(
        "SELECT until_ms AS v FROM leases WHERE name = ?",
        vec![text(&op.name)],
    )?;
    let free = until.is_none_or(|u| u <= now);
    if free {
        s.exec(
            "INSERT INTO leases (name, until_ms) VALUES (?, ?)
             ON CONFLICT (name) DO UPDATE SET until_ms = excluded.until_ms",
            vec![text(op.name), int(now + op.ttl_ms)],
        )
        .map_err(sql_err)?;
    }
    free
});

handle!(LeaseRelease, |s, op| {
    s.exec("DELETE FROM leases WHERE name = ?", vec![text(op.name)])
        .map_err(sql_err)?;
    Ack {}
});

handle!(PutOAuth, |s, op| {
    s.kv_store(OAUTH_KEY, &op.tokens)?;
    Ack {}
});

handle!(OAuthAccess, |s, _op| { s.oauth_access().await? });

handle!(Retain, |s, op| {
    s.retain(op.retention_days, op.as_of_ms)?
});

handle!(EventSummaryRequest, |s, op| {
    #[derive(Deserialize)]
    struct Row {
        bucket: u64,
        status: String,
        n: u64,
        retried: u64,
        calls: u64,
    }
    let bucket_ms = op.bucket_ms.max(1);
    // One pass over the summary index alone: no row or record is read.
    let rows = s.rows::<Row>(
        "SELECT CAST(received_at_ms / CAST(? AS INTEGER) AS INTEGER) AS bucket, status, COUNT(*) AS n,
           SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried,
           COALESCE(SUM(ghl_calls), 0) AS calls
         FROM events WHERE received_at_ms >= ?
         GROUP BY bucket, status ORDER BY bucket",
        vec![int(bucket_ms), int(op.since_ms)],
    )?;
    let mut points: Vec<SeriesPoint> = Vec::new();
    for row in rows {
        let status: EventStatus = json::from_value(Value::String(row.status))?;
        let at_ms = row.bucket * bucket_ms;
        if points.last().is_none_or(|p| p.at_ms != at_ms) {
            points.push(SeriesPoint {
                at_ms,
                ..SeriesPoint::default()
            });
        }
        if let Some(point) = points.last_mut() {
            point.add(status, row.n, row.retried, row.calls);
        }
    }
    EventSummary {
        points,
        parked_total: s.count("SELECT COUNT(*) AS v FROM events WHERE status = 'parked'")?,
        last_event_at_ms: s.value::<u64>("SELECT MAX(received_at_ms) AS v FROM events", vec![])?,
    }
});

handle!(StorageReportRequest, |s, _op| {
    StorageReport {
        bytes: s.sql().database_size() as u64,
        events: s.count("SELECT COUNT(*) AS v FROM events")?,
        payloads: s.count("SELECT COUNT(*) AS v FROM events WHERE payload IS NOT NULL")?,
        ghl_events: s.count("SELECT COUNT(*) AS v FROM ghl_events")?,
        identity_keys: s.count("SELECT COUNT(*) AS v FROM identity")?,
        other_rows: s.count(
            "SELECT (SELECT COUNT(*) FROM kv) + (SELECT COUNT(*) FROM contacts)
               + (SELECT COUNT(*) FROM mappings) + (SELECT COUNT(*) FROM leases) AS v",
        )?,
    }
});

handle!(Erase, |s, op| {
    let ids = &op.search.contact_ids;
    let marks = |n: usize| vec!["?"; n.max(1)].join(", ");
    let bind_ids = || -> Vec<SqlStorageValue> {
        if ids.is_empty() {
            vec![text("")]
        } else {
            ids.iter().map(text).collect()
        }
    };
    let written = |query: &str, bindings: Vec<SqlStorageValue>| s.written(query, bindings);
    let mut sql = String::from("DELETE FROM events WHERE 1 = 1");
    let mut bindings = Vec::new();
    push_contact_search(&mut sql, &mut bindings, &op.search);
    let events = written(&sql, bindings)?;
    let ghl_events = written(
        &format!(
            "DELETE FROM ghl_events WHERE json_extract(entry, '$.contactId') IN ({})",
            marks(ids.len())
        ),
        bind_ids(),
    )?;
    let mut identity_keys = written(
        &format!(
            "DELETE FROM identity WHERE contact_id IN ({})",
            marks(ids.len())
        ),
        bind_ids(),
    )?;
    if !op.identity_keys.is_empty() {
        identity_keys += written(
            &format!(
                "DELETE FROM identity WHERE key IN ({})",
                marks(op.identity_keys.len())
            ),
            op.identity_keys.iter().map(text).collect(),
        )?;
    }
    let contacts = written(
        &format!(
            "DELETE FROM contacts WHERE contact_id IN ({})",
            marks(ids.len())
        ),
        bind_ids(),
    )?;
    Erased {
        events,
        ghl_events,
        identity_keys,
        contacts,
    }
});

handle!(Reseal, |s, _op| {
    #[derive(Deserialize)]
    struct Row {
        key: String,
        value: String,
    }
    let Some(current) = &s.config.secrets_key else {
        return Err(WorldError(
            "SECRETS_KEY is not set: nothing can be sealed".into(),
        ));
    };
    let rows = s.rows::<Row>("SELECT key, value FROM kv", vec![])?;
    let mut done = Resealed::default();
    for row in rows.into_iter().filter(|r| holds_secrets(&r.key)) {
        if ghl_bridge::secrets::sealed_with(current, &row.value) {
            continue;
        }
        match s.kv_value::<Value>(&row.key) {
            Ok(Some(value)) => {
                s.kv_store(&row.key, &value)?;
                done.resealed += 1;
            }
            _ => done.remaining += 1,
        }
    }
    done
});

handle!(UsageRequest, |s, _op| { s.usage.get() });
