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

use super::protocol::WorldError;
use super::settings::LocationSettings;
use super::sync_back::load_rules;
use super::world::World;
use crate::admin_api::{SpecterPollReport, SpecterSourceReport};
use crate::http::HttpRequest;
use crate::mapping::PayloadFormat;
use crate::outbound::SyncRules;
use crate::specter::{self, PeopleSource, SpecterTarget};
use serde_json::{json, Value};

/// Pause between two Specter requests: 10 per second, under Specter's 15.
pub const REQUEST_GAP_MS: u64 = 100;
const CREDITS_SPENT: &str = "the poll's credit budget is spent (maxCreditsPerPoll)";

pub async fn poll<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<SpecterPollReport, WorldError> {
    let mut report = SpecterPollReport::default();
    let rules = match load_rules(world, settings).await? {
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
    let Some(target) = &settings.specter else {
        report.note = Some("Specter is not connected (PUT /v1/admin/locations/{id}/connections/specter, or SPECTER_API_KEY)".into());
        return Ok(report);
    };
    let mut poller = Poller {
        world,
        location: &settings.location_id,
        target,
        rules: &rules,
        credits_left: rules.specter.max_credits_per_poll,
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
        report
            .sources
            .push(poller.poll_source(&source, &tag).await?);
    }
    report.credits_remaining = poller.credits_remaining;
    super::alerts::after_specter_poll(world, settings, report.credits_remaining).await?;
    Ok(report)
}

struct Poller<'a, W> {
    world: &'a W,
    location: &'a str,
    target: &'a SpecterTarget,
    rules: &'a SyncRules,
    /// Of this poll's `maxCreditsPerPoll`.
    credits_left: u32,
    /// Of the account, as Specter's headers say.
    credits_remaining: Option<u64>,
}

impl<W: World> Poller<'_, W> {
    /// One request, paced, with the credit headers noted.
    async fn send(
        &mut self,
        request: &HttpRequest,
        report: &mut SpecterSourceReport,
    ) -> Result<Option<Value>, String> {
        self.world.sleep(REQUEST_GAP_MS).await;
        report.requests += 1;
        let response = self
            .world
            .send(request)
            .await
            .map_err(|e| format!("Specter unreachable: {e}"))?;
        if let Some(left) = specter::credits_remaining(&response) {
            self.credits_remaining = Some(left);
        }
        specter::parse_answer(&response).map_err(|e| e.to_string())
    }

    async fn poll_source(
        &mut self,
        source: &PeopleSource,
        tag: &str,
    ) -> Result<SpecterSourceReport, WorldError> {
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
                self.credits_left.min(specter::PAGE_LIMIT)
            } else {
                specter::PAGE_LIMIT
            };
            if limit == 0 {
                report.stopped = Some(CREDITS_SPENT.into());
                break;
            }
            let request = specter::people_page(self.target, source, page, limit);
            let rows = match self.send(&request, &mut report).await {
                Ok(Some(Value::Array(rows))) => rows,
                Ok(_) => Vec::new(),
                Err(e) => {
                    report.stopped = Some(e);
                    break;
                }
            };
            if paid {
                let cost = rows.len() as u32;
                self.credits_left = self.credits_left.saturating_sub(cost);
                report.credits_spent += cost;
            }
            report.fetched += rows.len() as u32;
            for row in &rows {
                if let Some(stop) = self
                    .consider(row, source, source_id, tag, &mut report)
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

    /// One person: skipped if unchanged, else (with its e-mail) into the
    /// pipeline. `Some` says why the poll of this source stops.
    async fn consider(
        &mut self,
        row: &Value,
        source: &PeopleSource,
        source_id: &str,
        tag: &str,
        report: &mut SpecterSourceReport,
    ) -> Result<Option<String>, WorldError> {
        let Some((person_id, fingerprint)) = specter::person_fingerprint(row) else {
            return Ok(None);
        };
        let seen_key = seen_key(source, &person_id);
        let seen = self.world.kv_get(seen_key.clone()).await?;
        if seen.as_ref().and_then(Value::as_str) == Some(fingerprint.as_str()) {
            report.unchanged += 1;
            return Ok(None);
        }
        let mut payload = row.clone();
        if payload.get("email").and_then(Value::as_str).is_none() {
            if !self.rules.specter.fetch_emails {
                report.without_email += 1;
                return Ok(None);
            }
            if self.credits_left == 0 {
                return Ok(Some(CREDITS_SPENT.into()));
            }
            let request = specter::person_email(self.target, &person_id);
            match self.send(&request, report).await {
                Ok(Some(found)) => {
                    self.credits_left -= 1;
                    report.credits_spent += 1;
                    payload["email"] = found["email"].clone();
                }
                Ok(None) => {
                    report.without_email += 1;
                    self.world.kv_put(seen_key, json!(fingerprint)).await?;
                    return Ok(None);
                }
                Err(e) => return Ok(Some(e)),
            }
        }
        // The tag naming the list or saved search (both mappings read it).
        payload["specter_tag"] = json!(tag);
        let event_id = format!("{person_id}:{}", &fingerprint[..fingerprint.len().min(19)]);
        super::inbound::accept(
            self.world,
            self.location,
            source_id,
            Some(event_id),
            PayloadFormat::Json,
            payload.to_string(),
            &payload,
        )
        .await?;
        self.world.kv_put(seen_key, json!(fingerprint)).await?;
        report.queued += 1;
        Ok(None)
    }
}

/// Where the fingerprint of a person, as last seen in a source, is kept.
fn seen_key(source: &PeopleSource, person_id: &str) -> String {
    let source = match source {
        PeopleSource::List(id) => format!("list:{id}"),
        PeopleSource::SavedSearch(id) => format!("search:{id}"),
    };
    format!("specter-seen:{source}:{person_id}")
}
