//! The store protocol's operations on SQLite, one `handle!` each (core
//! `sync::protocol` declares them; the in-memory store is their reference).

use super::*;

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
    let rules_saved = s.kv_value::<Value>(SYNC_RULES_KEY)?.is_some();
    let (entry, recorded, body) = record_ghl_event(e, last_write, &known, rules_saved, now);
    let body = body.map(|b| serde_json::to_string(&b)).transpose()?;
    s.exec(
        "INSERT INTO ghl_events (webhook_id, received_at_ms, sync_status, entry, body)
         VALUES (?, ?, ?, ?, ?)",
        vec![
            text(&entry.webhook_id),
            int(now),
            recorded.queued.then(|| "queued".to_string()).into(),
            text(serde_json::to_string(&entry)?),
            body.into(),
        ],
    )
    .map_err(sql_err)?;
    recorded
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
    s.kv_store_secret(&SecretKey::OAuth.key(), &op.tokens)?;
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
    // `DELETE FROM <table> WHERE <column> IN (the contacts' ids)`: rows written.
    let of_contacts = |table_and_column: &str| {
        let query = format!("DELETE FROM {table_and_column} IN ({})", marks(ids.len()));
        s.written(&query, bind_ids())
    };
    let mut sql = String::from("DELETE FROM events WHERE 1 = 1");
    let mut bindings = Vec::new();
    push_contact_search(&mut sql, &mut bindings, &op.search);
    let events = s.written(&sql, bindings)?;
    let ghl_events = of_contacts("ghl_events WHERE json_extract(entry, '$.contactId')")?;
    let mut identity_keys = of_contacts("identity WHERE contact_id")?;
    if !op.identity_keys.is_empty() {
        identity_keys += s.written(
            &format!(
                "DELETE FROM identity WHERE key IN ({})",
                marks(op.identity_keys.len())
            ),
            op.identity_keys.iter().map(text).collect(),
        )?;
    }
    let contacts = of_contacts("contacts WHERE contact_id")?;
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
    let rows = s.rows::<Row>("SELECT key, value FROM kv WHERE secret = 1", vec![])?;
    let mut done = Resealed::default();
    for row in rows {
        if ghl_bridge::secrets::sealed_with(current, &row.value) {
            continue;
        }
        match s.kv_value::<Value>(&row.key) {
            Ok(Some(value)) => {
                s.kv_store_secret(&row.key, &value)?;
                done.resealed += 1;
            }
            _ => done.remaining += 1,
        }
    }
    done
});

handle!(UsageRequest, |s, _op| { s.usage.get() });

handle!(SecretPut, |s, op| {
    s.kv_store_secret(&op.key.key(), &op.value)?;
    Ack {}
});
