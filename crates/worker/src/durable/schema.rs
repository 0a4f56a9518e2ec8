//! The location store's tables, and what brings a file written by an older
//! build up to them. Every statement is idempotent: it runs when an object
//! starts.

use serde::Deserialize;
use worker::{Result, SqlStorage};

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
    // `secret`: written by `secret_put`, so kept sealed (and re-sealed).
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,
       updated_at_ms INTEGER NOT NULL, secret INTEGER NOT NULL DEFAULT 0)",
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

/// Gives a file written before `kv.secret` existed that column, marking the
/// rows that held secrets then: the only place their keys' text decides it.
fn add_secret_column(sql: &SqlStorage) -> Result<()> {
    #[derive(Deserialize)]
    struct Column {
        name: String,
    }
    let columns: Vec<Column> = sql.exec("PRAGMA table_info(kv)", None)?.to_array()?;
    if columns.iter().any(|c| c.name == "secret") {
        return Ok(());
    }
    sql.exec(
        "ALTER TABLE kv ADD COLUMN secret INTEGER NOT NULL DEFAULT 0",
        None,
    )?;
    sql.exec(
        "UPDATE kv SET secret = 1 WHERE key IN ('profile', '~oauth', 'alert-destination')
           OR key LIKE 'form-source:%'",
        None,
    )?;
    Ok(())
}

/// Brings the object's file to the schema; a failure is logged (the
/// operations then answer with SQLite's own error, naming the table).
pub(super) fn migrate(sql: &SqlStorage) {
    let log = |e: worker::Error| {
        worker::console_log!(
            "{}",
            serde_json::json!({"level": "error", "msg": format!("schema: {e}")})
        );
    };
    for statement in SCHEMA {
        if let Err(e) = sql.exec(statement, None) {
            log(e);
        }
    }
    if let Err(e) = add_summary_columns(sql) {
        log(e);
    }
    if let Err(e) = add_secret_column(sql) {
        log(e);
    }
}
