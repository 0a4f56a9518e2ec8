//! Specter has no webhooks: the cron (and `POST /v1/admin/specter/poll`) reads
//! the lists and saved searches the sync rules name, and feeds only the people
//! that are new or changed since the last poll into the inbound pipeline
//! (source `specter-person` for lists, `specter-saved-search-row` for saved
//! searches, whose mapping turns the search into a tag).
//!
//! Credits are the customer's money, so a saved search (1 credit per person
//! returned) is read at the price of what is new:
//! - each source has its own schedule (`everyMinutes`: a list, free, every 10
//!   minutes; a saved search once a day); an admin's poll reads every source;
//! - a saved search is asked only for the people added after its last complete
//!   read, and its reading stops at the first page of people all seen before
//!   (which bounds the cost even where Specter ignores that parameter);
//! - a read cut short by the budget resumes at its page on the next poll;
//! - the location's credits per day and per month (`dailyCredits`,
//!   `monthlyCredits`), the team's allowance left (`X-CreditLimit-Remaining`
//!   above `reserveCredits`) and `maxCreditsPerPoll` bound every poll;
//!   Specter's out-of-credits answer stops polling until its reset. Each stop
//!   for credits is an alert.
//!
//! Pacing: at most 10 requests a second (Specter allows 15 per key, shared by
//! the whole team). Without an e-mail a person cannot become a GHL contact
//! (Specter has no phones), so unless `fetchEmails` is on they are counted,
//! not synced.

use super::protocol::{Store, WorldError};
use super::settings::LocationSettings;
use super::sync_back::load_rules;
use super::world::World;
use crate::admin_api::{AlertCondition, SpecterPollReport, SpecterSourceReport};
use crate::http::HttpRequest;
use crate::mapping::PayloadFormat;
use crate::outbound::{SpecterPoll, SpecterRules, SyncRules};
use crate::sources::{EventKind, Source};
use crate::specter::{self, PeopleSource, SpecterError, SpecterTarget};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Pause between two Specter requests: 10 per second, under Specter's 15.
pub const REQUEST_GAP_MS: u64 = 100;
const DAY_MS: u64 = 24 * 3_600_000;
/// Where the location's credit ledger is kept.
pub const LEDGER_KEY: &str = "specter-credits";

/// Who asked for the poll: the cron keeps each source's schedule, an admin
/// reads every source now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollTrigger {
    Cron,
    Admin,
}

/// What the location spent on Specter, and what Specter says is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditLedger {
    /// The UTC day (days since 1970) and month (`YYYY-MM`) the counts are of.
    pub day: u64,
    pub spent_today: u64,
    pub month: String,
    pub spent_this_month: u64,
    /// `X-CreditLimit-Remaining` as last seen.
    pub team_remaining: Option<u64>,
    /// Specter answered out of credits: no poll before then.
    pub out_until_ms: Option<u64>,
}

fn month_of(ms: u64) -> String {
    crate::iso8601::format_ms(ms)[..7].to_string()
}

impl CreditLedger {
    /// The counts of the period `now_ms` is in (a new day or month starts at 0).
    pub fn at(mut self, now_ms: u64) -> CreditLedger {
        if self.day != now_ms / DAY_MS {
            self.day = now_ms / DAY_MS;
            self.spent_today = 0;
        }
        let month = month_of(now_ms);
        if self.month != month {
            self.month = month;
            self.spent_this_month = 0;
        }
        self
    }

    /// Credits the location may still spend now, or why none.
    pub fn allowance(&self, rules: &SpecterRules, now_ms: u64) -> Result<u64, String> {
        if let Some(until) = self.out_until_ms.filter(|u| *u > now_ms) {
            return Err(format!(
                "Specter answered that the team is out of credits: no poll before {}",
                crate::iso8601::format_ms(until)
            ));
        }
        let day = u64::from(rules.daily_credits).saturating_sub(self.spent_today);
        if day == 0 {
            return Err(format!(
                "the location's daily Specter budget ({} credits) is spent",
                rules.daily_credits
            ));
        }
        let month = rules.monthly_credits.map_or(u64::MAX, |m| {
            u64::from(m).saturating_sub(self.spent_this_month)
        });
        if month == 0 {
            return Err(format!(
                "the location's monthly Specter budget ({} credits) is spent",
                rules.monthly_credits.unwrap_or_default()
            ));
        }
        let team = self
            .team_remaining
            .map_or(u64::MAX, |r| r.saturating_sub(rules.reserve_credits));
        if team == 0 {
            return Err(format!(
                "the team's Specter credits are down to {} (reserveCredits {})",
                self.team_remaining.unwrap_or_default(),
                rules.reserve_credits
            ));
        }
        Ok(day.min(month).min(team))
    }

    pub fn spend(&mut self, credits: u64) {
        self.spent_today += credits;
        self.spent_this_month += credits;
    }
}

/// Where a source's reading stands between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceState {
    /// When the cron reads it next.
    pub next_due_ms: u64,
    /// Only people added after this (a saved search's last complete read).
    pub added_after_ms: Option<u64>,
    /// A read cut short continues here, asking the same `added_after_ms`.
    pub resume_page: u32,
    /// The page size of that read (pages only line up with the same size).
    pub page_size: u32,
    /// When the last read that went to the end started.
    pub last_complete_ms: Option<u64>,
}

fn source_of(entry: &SpecterPoll) -> Option<(PeopleSource, String)> {
    match (&entry.list, &entry.saved_search) {
        (Some(list), _) => Some((
            PeopleSource::List(list.clone()),
            format!("specter-list:{list}"),
        )),
        (_, Some(search)) => Some((
            PeopleSource::SavedSearch(search.clone()),
            format!("specter-search:{search}"),
        )),
        (None, None) => None,
    }
}

fn state_key(source: &PeopleSource) -> String {
    match source {
        PeopleSource::List(id) => format!("specter-poll:list:{id}"),
        PeopleSource::SavedSearch(id) => format!("specter-poll:search:{id}"),
    }
}

async fn read_or_default<S: Store, T: serde::de::DeserializeOwned + Default>(
    store: &S,
    key: &str,
) -> Result<T, WorldError> {
    Ok(store
        .kv_get(key.to_string())
        .await?
        .and_then(|v| crate::json::from_value(v).ok())
        .unwrap_or_default())
}

/// The location's ledger as of now.
pub async fn ledger<S: Store>(store: &S, now_ms: u64) -> Result<CreditLedger, WorldError> {
    Ok(read_or_default::<S, CreditLedger>(store, LEDGER_KEY)
        .await?
        .at(now_ms))
}

/// What the location spent on Specter and may still spend (its sync rules'
/// budgets), for its page: `GET /v1/admin/locations/{id}/specter/budget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecterBudget {
    pub spent_today: u64,
    pub daily_credits: u32,
    pub spent_this_month: u64,
    /// None: no monthly cap (the team's allowance is the only one).
    pub monthly_credits: Option<u32>,
    /// What Specter said the team has left, at its last answer.
    pub team_remaining: Option<u64>,
    /// Specter said the credits are used up: no poll before then.
    pub out_until_ms: Option<u64>,
}

pub async fn budget<W: World>(
    world: &W,
    settings: &LocationSettings,
) -> Result<SpecterBudget, WorldError> {
    let rules = match load_rules(world, settings).await? {
        Some(Ok(rules)) => rules.specter,
        _ => Default::default(),
    };
    let kept = ledger(world, world.now_ms()).await?;
    Ok(SpecterBudget {
        spent_today: kept.spent_today,
        daily_credits: rules.daily_credits,
        spent_this_month: kept.spent_this_month,
        monthly_credits: rules.monthly_credits,
        team_remaining: kept.team_remaining,
        out_until_ms: kept.out_until_ms,
    })
}

pub async fn poll<W: World>(
    world: &W,
    settings: &LocationSettings,
    trigger: PollTrigger,
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
        ledger: ledger(world, world.now_ms()).await?,
        budget_stop: None,
    };
    let ledger_before = poller.ledger.clone();
    for entry in &rules.specter.poll {
        let Some((source, default_tag)) = source_of(entry) else {
            continue;
        };
        let tag = entry.tag.clone().unwrap_or(default_tag);
        let key = state_key(&source);
        let mut state: SourceState = read_or_default(world, &key).await?;
        let now = world.now_ms();
        if trigger == PollTrigger::Cron && state.next_due_ms > now {
            continue;
        }
        let read = poller.poll_source(&source, &tag, &mut state).await?;
        if read.stopped.is_none() {
            state.next_due_ms = now + entry.every_ms();
        }
        world.kv_put(key, crate::json::to_value(&state)?).await?;
        report.sources.push(read);
    }
    // Written when a read changed it: a cron tick with nothing due writes nothing.
    if poller.ledger != ledger_before {
        world
            .kv_put(LEDGER_KEY.into(), crate::json::to_value(&poller.ledger)?)
            .await?;
    }
    report.credits_remaining = poller.ledger.team_remaining;
    report.credits_spent_today = Some(poller.ledger.spent_today);
    report.credits_spent_this_month = Some(poller.ledger.spent_this_month);
    if let Some(why) = &poller.budget_stop {
        super::alerts::notify(world, settings, AlertCondition::SpecterBudgetSpent, why).await?;
    }
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
    ledger: CreditLedger,
    /// Why credits stopped this poll, once (for the alert).
    budget_stop: Option<String>,
}

/// One source's read: which, its tag, its page size and its cutoff.
struct Reading<'a> {
    source: &'a PeopleSource,
    kind: EventKind,
    tag: &'a str,
    size: u32,
    /// A saved search's: only the people added after this.
    added_after_ms: Option<u64>,
}

/// Why credits stop a read, and whether it is news for the location's alerts.
struct CreditStop {
    why: String,
    alert: bool,
}

/// How a page request ended when it did not bring rows.
enum PageError {
    /// Said on the source's report; the poll goes on with the next source.
    Stop(String),
    /// Out of credits: no source is read any more.
    OutOfCredits(String),
}

impl<W: World> Poller<'_, W> {
    /// Credits the next paid request may spend, or why it may not (a budget
    /// of the location's or the team's: worth an alert; this poll's own
    /// share, `maxCreditsPerPoll`, is not: the next poll goes on).
    fn paid_allowance(&self) -> Result<u32, CreditStop> {
        if self.credits_left == 0 {
            return Err(CreditStop {
                why: "this poll's share is spent (maxCreditsPerPoll): the next poll goes on".into(),
                alert: false,
            });
        }
        let left = self
            .ledger
            .allowance(&self.rules.specter, self.world.now_ms())
            .map_err(|why| CreditStop { why, alert: true })?;
        Ok(self.credits_left.min(left.min(u64::from(u32::MAX)) as u32))
    }

    fn charge(&mut self, credits: u32, report: &mut SpecterSourceReport) {
        self.credits_left = self.credits_left.saturating_sub(credits);
        self.ledger.spend(u64::from(credits));
        report.credits_spent += credits;
    }

    /// One request, paced, with the credit headers noted.
    async fn send(
        &mut self,
        request: &HttpRequest,
        report: &mut SpecterSourceReport,
    ) -> Result<Option<Value>, PageError> {
        self.world.sleep(REQUEST_GAP_MS).await;
        report.requests += 1;
        let response = self
            .world
            .send(request)
            .await
            .map_err(|e| PageError::Stop(format!("Specter unreachable: {e}")))?;
        if let Some(left) = specter::credits_remaining(&response) {
            self.ledger.team_remaining = Some(left);
        }
        match specter::parse_answer(&response) {
            Ok(answer) => Ok(answer),
            Err(SpecterError::OutOfCredits) => {
                let reset_s = specter::credits_reset_seconds(&response).unwrap_or(86_400.0);
                let until = self.world.now_ms() + (reset_s.max(60.0) * 1000.0) as u64;
                self.ledger.out_until_ms = Some(until);
                let why = self
                    .ledger
                    .allowance(&self.rules.specter, self.world.now_ms())
                    .err()
                    .unwrap_or_default();
                Err(PageError::OutOfCredits(why))
            }
            Err(e) => Err(PageError::Stop(e.to_string())),
        }
    }

    fn stop_for_credits(&mut self, stop: CreditStop, report: &mut SpecterSourceReport) {
        if stop.alert {
            self.budget_stop.get_or_insert_with(|| stop.why.clone());
        }
        report.stopped = Some(stop.why);
    }

    async fn poll_source(
        &mut self,
        source: &PeopleSource,
        tag: &str,
        state: &mut SourceState,
    ) -> Result<SpecterSourceReport, WorldError> {
        let (name, kind) = match source {
            PeopleSource::List(id) => (format!("list {id}"), EventKind::SpecterList),
            PeopleSource::SavedSearch(id) => {
                (format!("saved search {id}"), EventKind::SpecterSavedSearch)
            }
        };
        let mut report = SpecterSourceReport {
            source: name,
            ..Default::default()
        };
        let paid = matches!(source, PeopleSource::SavedSearch(_));
        let started_ms = self.world.now_ms();
        let size = if paid {
            self.rules
                .specter
                .max_credits_per_poll
                .clamp(1, specter::PAGE_LIMIT)
        } else {
            specter::PAGE_LIMIT
        };
        if state.page_size != size {
            state.page_size = size;
            state.resume_page = 0;
        }
        let reading = Reading {
            source,
            kind,
            tag,
            size,
            added_after_ms: state.added_after_ms.filter(|_| paid),
        };
        let mut page = state.resume_page;
        loop {
            if let Some(stop) = self.credit_stop(paid, size) {
                self.stop_for_credits(stop, &mut report);
                break;
            }
            if !self.read_page(&reading, page, &mut report).await? {
                break;
            }
            page += 1;
        }
        match &report.stopped {
            None => {
                // Read to the end: the next read asks only for what is newer.
                state.resume_page = 0;
                state.last_complete_ms = Some(started_ms);
                if paid {
                    state.added_after_ms = Some(started_ms);
                }
            }
            Some(_) => state.resume_page = page,
        }
        Ok(report)
    }

    /// Why a paid read may not take another page of `size` now, if it may not.
    fn credit_stop(&self, paid: bool, size: u32) -> Option<CreditStop> {
        if !paid {
            return None;
        }
        match self.paid_allowance() {
            Ok(left) if left >= size => None,
            Ok(_) => Some(CreditStop {
                why: "the credits left are less than a page: the next poll goes on".into(),
                alert: false,
            }),
            Err(stop) => Some(stop),
        }
    }

    /// One page of the source, each person considered: whether the next page
    /// is worth reading (a full page, not all seen before, nothing stopped).
    async fn read_page(
        &mut self,
        reading: &Reading<'_>,
        page: u32,
        report: &mut SpecterSourceReport,
    ) -> Result<bool, WorldError> {
        let paid = matches!(reading.source, PeopleSource::SavedSearch(_));
        let request = specter::people_page(
            self.target,
            reading.source,
            page,
            reading.size,
            reading.added_after_ms,
        );
        let rows = match self.send(&request, report).await {
            Ok(Some(Value::Array(rows))) => rows,
            Ok(_) => Vec::new(),
            Err(PageError::Stop(e)) => {
                report.stopped = Some(e);
                return Ok(false);
            }
            Err(PageError::OutOfCredits(why)) => {
                self.stop_for_credits(CreditStop { why, alert: true }, report);
                return Ok(false);
            }
        };
        if paid {
            self.charge(rows.len() as u32, report);
        }
        report.fetched += rows.len() as u32;
        let unchanged_before = report.unchanged;
        for row in &rows {
            let (source, kind, tag) = (reading.source, reading.kind, reading.tag);
            if let Some(stop) = self.consider(row, source, kind, tag, report).await? {
                self.stop_for_credits(stop, report);
                return Ok(false);
            }
        }
        let all_seen = !rows.is_empty() && report.unchanged - unchanged_before == rows.len() as u32;
        Ok((rows.len() as u32) == reading.size && !(paid && all_seen))
    }

    /// One person: skipped if unchanged, else (with its e-mail) into the
    /// pipeline. `Some` says why the poll of this source stops.
    async fn consider(
        &mut self,
        row: &Value,
        source: &PeopleSource,
        kind: EventKind,
        tag: &str,
        report: &mut SpecterSourceReport,
    ) -> Result<Option<CreditStop>, WorldError> {
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
                self.world.kv_put(seen_key, json!(fingerprint)).await?;
                return Ok(None);
            }
            if let Err(stop) = self.paid_allowance() {
                return Ok(Some(stop));
            }
            let request = specter::person_email(self.target, &person_id);
            match self.send(&request, report).await {
                Ok(Some(found)) => {
                    self.charge(1, report);
                    payload["email"] = found["email"].clone();
                }
                Ok(None) => {
                    report.without_email += 1;
                    self.world.kv_put(seen_key, json!(fingerprint)).await?;
                    return Ok(None);
                }
                Err(PageError::Stop(why)) => return Ok(Some(CreditStop { why, alert: false })),
                Err(PageError::OutOfCredits(why)) => {
                    return Ok(Some(CreditStop { why, alert: true }))
                }
            }
        }
        // The tag naming the list or saved search (both mappings read it).
        payload["specter_tag"] = json!(tag);
        let event_id = format!("{person_id}:{}", &fingerprint[..fingerprint.len().min(19)]);
        super::inbound::accept(
            self.world,
            self.location,
            Source::built_in(kind),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_bounds_by_day_month_and_team_and_starts_each_period_at_zero() {
        let rules = SpecterRules {
            daily_credits: 100,
            monthly_credits: Some(150),
            ..SpecterRules::default()
        };
        let day1 = 1_795_000_000_000; // 2026-11-18
        let mut ledger = CreditLedger::default().at(day1);
        assert_eq!(ledger.allowance(&rules, day1), Ok(100));
        ledger.spend(100);
        assert!(ledger
            .allowance(&rules, day1)
            .unwrap_err()
            .contains("daily"));
        let day2 = day1 + DAY_MS;
        let mut ledger = ledger.at(day2);
        assert_eq!(ledger.allowance(&rules, day2), Ok(50), "the month's 150");
        ledger.spend(50);
        assert!(ledger
            .allowance(&rules, day2)
            .unwrap_err()
            .contains("monthly"));
        let next_month = day1 + 14 * DAY_MS; // 2026-12-02
        let mut ledger = ledger.at(next_month);
        ledger.team_remaining = Some(130);
        assert_eq!(ledger.allowance(&rules, next_month), Ok(30), "reserve 100");
        ledger.out_until_ms = Some(next_month + 1);
        assert!(ledger
            .allowance(&rules, next_month)
            .unwrap_err()
            .contains("out of credits"));
    }
}
