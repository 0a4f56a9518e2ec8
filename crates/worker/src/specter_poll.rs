//! Specter has no webhooks: the cron (and `POST /v1/admin/specter/poll`) reads
//! the lists and saved searches the sync rules name, and feeds only the people
//! that are new or changed since the last poll into the inbound pipeline
//! (source `specter-person` for lists, `specter-saved-search-row` for saved
//! searches, whose mapping turns the search into a tag).
//!
//! Budget: at most 10 requests a second (Specter allows 15 per key, shared by
//! the whole team), and at most `maxCreditsPerPoll` credits (saved-search
//! results cost 1 per person returned, e-mails 1 each; lists are free).
//! Without an e-mail a person cannot become a GHL contact (Specter has no
//! phones), so unless `fetchEmails` is on they are counted, not synced.

use crate::config::Config;
use crate::hooks::record_and_queue;
use crate::outbound::load_rules;
use crate::store::Store;
use ghl_bridge::admin_api::{SpecterPollReport, SpecterSourceReport};
use ghl_bridge::mapping::PayloadFormat;
use ghl_bridge::outbound::SyncRules;
use ghl_bridge::specter::{self, PeopleSource, SpecterTarget};
use serde_json::{json, Value};
use worker::{Env, Result};

/// Pause between two Specter requests: 10 per second, under Specter's 15.
const REQUEST_GAP_MS: u64 = 100;

pub async fn poll(env: &Env, cfg: &Config) -> Result<SpecterPollReport> {
    let store = Store::for_location(env, &cfg.ghl_location_id)?;
    let mut report = SpecterPollReport::default();
    let rules = match load_rules(&store, cfg).await? {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            report.note = Some(e);
            return Ok(report);
        }
        None => {
            report.note = Some("no sync rules: nothing to poll".into());
            return Ok(report);
        }
    };
    if rules.specter.poll.is_empty() {
        report.note = Some("the sync rules name no Specter list or saved search".into());
        return Ok(report);
    }
    let Some(target) = cfg.specter() else {
        report.note = Some("Specter is not configured (set SPECTER_API_KEY)".into());
        return Ok(report);
    };
    let mut credits_left = rules.specter.max_credits_per_poll;
    let mut poller = Poller {
        env,
        cfg,
        store: &store,
        target: &target,
        rules: &rules,
        credits_remaining: None,
    };
    for entry in &rules.specter.poll {
        let (source, default_tag) = match (&entry.list, &entry.saved_search) {
            (Some(list), _) => (
                PeopleSource::List(list.clone()),
                format!("specter-list:{list}"),
            ),
            (_, Some(search)) => (
                PeopleSource::SavedSearch(search.clone()),
                format!("specter-search:{search}"),
            ),
            (None, None) => continue,
        };
        let tag = entry.tag.clone().unwrap_or(default_tag);
        let source_report = poller.poll_source(&source, &tag, &mut credits_left).await?;
        report.sources.push(source_report);
    }
    report.credits_remaining = poller.credits_remaining;
    Ok(report)
}

struct Poller<'a> {
    env: &'a Env,
    cfg: &'a Config,
    store: &'a Store,
    target: &'a SpecterTarget,
    rules: &'a SyncRules,
    credits_remaining: Option<u64>,
}

impl Poller<'_> {
    /// One request, paced, with the credit headers noted.
    async fn send(
        &mut self,
        request: &ghl_bridge::http::HttpRequest,
        report: &mut SpecterSourceReport,
    ) -> Result<std::result::Result<Option<Value>, String>> {
        worker::Delay::from(std::time::Duration::from_millis(REQUEST_GAP_MS)).await;
        report.requests += 1;
        let response = match crate::ghl_http::send(request).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(format!("Specter unreachable: {e}"))),
        };
        if let Some(left) = specter::credits_remaining(&response) {
            self.credits_remaining = Some(left);
        }
        Ok(specter::parse_answer(&response).map_err(|e| e.to_string()))
    }

    async fn poll_source(
        &mut self,
        source: &PeopleSource,
        tag: &str,
        credits_left: &mut u32,
    ) -> Result<SpecterSourceReport> {
        let (name, source_id) = match source {
            PeopleSource::List(id) => (format!("list {id}"), "specter-person"),
            PeopleSource::SavedSearch(id) => {
                (format!("saved search {id}"), "specter-saved-search-row")
            }
        };
        let mut report = SpecterSourceReport {
            source: name,
            ..Default::default()
        };
        let paid = matches!(source, PeopleSource::SavedSearch(_));
        let mut page = 0;
        loop {
            let limit = if paid {
                (*credits_left).min(specter::PAGE_LIMIT)
            } else {
                specter::PAGE_LIMIT
            };
            if limit == 0 {
                report.stopped =
                    Some("the poll's credit budget is spent (maxCreditsPerPoll)".into());
                break;
            }
            let rows = match self
                .send(
                    &specter::people_page(self.target, source, page, limit),
                    &mut report,
                )
                .await?
            {
                Ok(Some(Value::Array(rows))) => rows,
                Ok(_) => Vec::new(),
                Err(e) => {
                    report.stopped = Some(e);
                    break;
                }
            };
            if paid {
                let cost = rows.len() as u32;
                *credits_left = credits_left.saturating_sub(cost);
                report.credits_spent += cost;
            }
            report.fetched += rows.len() as u32;
            for row in &rows {
                if let Some(stop) = self
                    .consider(row, source, source_id, tag, credits_left, &mut report)
                    .await?
                {
                    report.stopped = Some(stop);
                    return Ok(report);
                }
            }
            if (rows.len() as u32) < limit {
                break;
            }
            page += 1;
        }
        Ok(report)
    }

    /// One person: skip if unchanged, else (with its e-mail) into the pipeline.
    async fn consider(
        &mut self,
        row: &Value,
        source: &PeopleSource,
        source_id: &str,
        tag: &str,
        credits_left: &mut u32,
        report: &mut SpecterSourceReport,
    ) -> Result<Option<String>> {
        let Some((person_id, fingerprint)) = specter::person_fingerprint(row) else {
            return Ok(None);
        };
        let seen_key = format!(
            "specter-seen:{}:{person_id}",
            match source {
                PeopleSource::List(id) => format!("list:{id}"),
                PeopleSource::SavedSearch(id) => format!("search:{id}"),
            }
        );
        if self
            .store
            .kv_get(&seen_key)
            .await?
            .as_ref()
            .and_then(Value::as_str)
            == Some(fingerprint.as_str())
        {
            report.unchanged += 1;
            return Ok(None);
        }
        let mut payload = row.clone();
        if payload.get("email").and_then(Value::as_str).is_none() {
            if !self.rules.specter.fetch_emails {
                report.without_email += 1;
                return Ok(None);
            }
            if *credits_left == 0 {
                return Ok(Some(
                    "the poll's credit budget is spent (maxCreditsPerPoll)".into(),
                ));
            }
            match self
                .send(&specter::person_email(self.target, &person_id), report)
                .await?
            {
                Ok(Some(found)) => {
                    *credits_left -= 1;
                    report.credits_spent += 1;
                    payload["email"] = found["email"].clone();
                }
                Ok(None) => {
                    report.without_email += 1;
                    self.store.kv_put(&seen_key, json!(fingerprint)).await?;
                    return Ok(None);
                }
                Err(e) => return Ok(Some(e)),
            }
        }
        // The tag naming the list or saved search (both mappings read it).
        payload["specter_tag"] = json!(tag);
        let text = payload.to_string();
        let event_id = format!("{person_id}:{}", &fingerprint[..fingerprint.len().min(19)]);
        record_and_queue(
            self.env,
            self.cfg,
            source_id,
            Some(event_id),
            PayloadFormat::Json,
            text,
            &payload,
        )
        .await?;
        self.store.kv_put(&seen_key, json!(fingerprint)).await?;
        report.queued += 1;
        Ok(None)
    }
}
