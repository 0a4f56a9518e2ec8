//! The sync-back rules document (JSON, stored per location through the admin
//! API, or `SYNC_RULES`):
//!
//! ```json
//! {
//!   "version": 1,
//!   "spotHit": {
//!     "tagGroups": { "vip": "Clients VIP" },
//!     "tagGroupPrefix": "spothit-group:",
//!     "taskCompleted": [
//!       { "titleContains": "rappel", "sms": "Bonjour {firstName}, ... STOP au 36200", "sender": "Boutique" },
//!       { "titleContains": "devis", "group": "Devis envoyés" }
//!     ]
//!   },
//!   "specter": { "tagLists": { "investisseur": "6f1c2b1e-..." }, "lookupByEmail": false }
//! }
//! ```

use crate::case;
use crate::json;
use crate::mapping::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncRules {
    pub version: u32,
    #[serde(default)]
    pub spot_hit: SpotHitRules,
    #[serde(default)]
    pub specter: SpecterRules,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpotHitRules {
    /// GHL tag (case-insensitive) -> Spot-Hit group name.
    #[serde(default)]
    pub tag_groups: BTreeMap<String, String>,
    /// A tag starting with this names its group: `spothit-group:VIP` -> `VIP`.
    #[serde(default)]
    pub tag_group_prefix: Option<String>,
    /// First matching rule wins.
    #[serde(default)]
    pub task_completed: Vec<TaskRule>,
}

/// `{"titleContains"?, "sms", "sender"?}` or `{"titleContains"?, "group"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskRule {
    /// Case-insensitive; absent: every completed task.
    #[serde(default)]
    pub title_contains: Option<String>,
    /// An SMS: `{firstName}`, `{lastName}`, `{email}`, `{phone}`, `{taskTitle}`.
    #[serde(default)]
    pub sms: Option<String>,
    /// The SMS sender name (at most 11 characters).
    #[serde(default)]
    pub sender: Option<String>,
    /// Import the contact into this Spot-Hit group.
    #[serde(default)]
    pub group: Option<String>,
}

/// What a task rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskRuleAction {
    Sms {
        template: String,
        sender: Option<String>,
    },
    Group(String),
}

impl TaskRule {
    pub fn action(&self) -> TaskRuleAction {
        match (&self.sms, &self.group) {
            (Some(template), _) => TaskRuleAction::Sms {
                template: template.clone(),
                sender: self.sender.clone(),
            },
            (None, Some(group)) => TaskRuleAction::Group(group.clone()),
            // `check` refuses a rule with neither.
            (None, None) => TaskRuleAction::Group(String::new()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpecterRules {
    /// GHL tag (case-insensitive) -> Specter people list id.
    #[serde(default)]
    pub tag_lists: BTreeMap<String, String>,
    /// Find the Specter person of a contact the bridge did not bring from
    /// Specter by its e-mail: a paid call (1 credit). Off by default.
    #[serde(default)]
    pub lookup_by_email: bool,
    /// Lists and saved searches the cron polls.
    #[serde(default)]
    pub poll: Vec<SpecterPoll>,
    /// Credits one poll may spend (saved searches cost 1 per person).
    #[serde(default = "default_credits")]
    pub max_credits_per_poll: u32,
    /// Also fetch each new person's e-mail (1 credit each). Off by default.
    #[serde(default)]
    pub fetch_emails: bool,
    /// Credits the location's polls may spend in a day (UTC) and a calendar
    /// month; absent: no monthly cap of its own.
    #[serde(default = "default_daily_credits")]
    pub daily_credits: u32,
    #[serde(default)]
    pub monthly_credits: Option<u32>,
    /// Polling stops while Specter's `X-CreditLimit-Remaining` (the team's
    /// allowance, shared with its other uses) is at or under this.
    #[serde(default = "default_reserve")]
    pub reserve_credits: u64,
}

impl Default for SpecterRules {
    fn default() -> Self {
        SpecterRules {
            tag_lists: BTreeMap::new(),
            lookup_by_email: false,
            poll: Vec::new(),
            max_credits_per_poll: default_credits(),
            fetch_emails: false,
            daily_credits: default_daily_credits(),
            monthly_credits: None,
            reserve_credits: default_reserve(),
        }
    }
}

fn default_credits() -> u32 {
    200
}

fn default_daily_credits() -> u32 {
    1_000
}

fn default_reserve() -> u64 {
    100
}

/// One thing to poll: `{"list": "<uuid>"}` or `{"savedSearch": "1201", "tag": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpecterPoll {
    #[serde(default)]
    pub list: Option<String>,
    #[serde(default)]
    pub saved_search: Option<String>,
    /// Tag given to the people it brings (default `specter-list:<id>` or
    /// `specter-search:<id>`).
    #[serde(default)]
    pub tag: Option<String>,
    /// Minutes between two polls by the cron (default: 10 for a list, which
    /// is free; 1440, once a day, for a saved search, which costs a credit
    /// per new person).
    #[serde(default)]
    pub every_minutes: Option<u32>,
}

impl SpecterPoll {
    pub fn every_ms(&self) -> u64 {
        let default = if self.saved_search.is_some() {
            1_440
        } else {
            10
        };
        u64::from(self.every_minutes.unwrap_or(default).max(1)) * 60_000
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sync rules: {0}")]
pub struct SyncRulesError(pub String);

impl SyncRules {
    /// Parses and checks the document; every message says where.
    pub fn parse(text: &str) -> Result<SyncRules, SyncRulesError> {
        let rules: SyncRules = json::read_document(text, "the document").map_err(SyncRulesError)?;
        rules.check()?;
        Ok(rules)
    }

    fn check(&self) -> Result<(), SyncRulesError> {
        let fail = |m: String| Err(SyncRulesError(m));
        if self.version != 1 {
            return fail(format!("`version` must be 1, not {}", self.version));
        }
        if self.spot_hit.tag_group_prefix.as_deref() == Some("") {
            return fail("`spotHit.tagGroupPrefix` is empty: it would match every tag".into());
        }
        for (i, rule) in self.spot_hit.task_completed.iter().enumerate() {
            let at = format!("`spotHit.taskCompleted[{i}]`");
            match (&rule.sms, &rule.group) {
                (Some(_), Some(_)) | (None, None) => {
                    return fail(format!("{at} needs exactly one of `sms` or `group`"))
                }
                (Some(sms), None) => {
                    if sms.trim().is_empty() {
                        return fail(format!("{at}: `sms` is empty"));
                    }
                    Template::parse(sms)
                        .map_err(|e| SyncRulesError(format!("{at}: `sms`: {e}")))?;
                    if let Some(sender) = &rule.sender {
                        crate::spothit::check_sender(sender)
                            .map_err(|e| SyncRulesError(format!("{at}: `sender` {e}")))?;
                    }
                }
                (None, Some(group)) if group.trim().is_empty() => {
                    return fail(format!("{at}: `group` is empty"));
                }
                (None, Some(_)) => {}
            }
        }
        for (i, p) in self.specter.poll.iter().enumerate() {
            if p.list.is_some() == p.saved_search.is_some() {
                return fail(format!(
                    "`specter.poll[{i}]` needs exactly one of `list` or `savedSearch`"
                ));
            }
        }
        Ok(())
    }

    /// What is allowed but worth a look: a task's SMS (one person, one
    /// message) without the STOP mention marketing SMS need.
    pub fn warnings(&self) -> Vec<String> {
        let one_to_one = crate::spothit::SmsKind::OneToOne;
        self.spot_hit
            .task_completed
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                let sms = rule.sms.as_deref()?;
                let warning = crate::spothit::check_stop_mention(sms, one_to_one).ok()??;
                Some(format!("`spotHit.taskCompleted[{i}]`: {warning}"))
            })
            .collect()
    }

    /// The Spot-Hit group a tag names, if any.
    pub fn group_for_tag(&self, tag: &str) -> Option<String> {
        let rules = &self.spot_hit;
        if let Some(group) = rules
            .tag_groups
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(tag))
        {
            return Some(group.1.clone());
        }
        let prefix = rules.tag_group_prefix.as_deref()?;
        let rest = tag.get(prefix.len()..)?;
        (tag[..prefix.len()].eq_ignore_ascii_case(prefix) && !rest.trim().is_empty())
            .then(|| rest.trim().to_string())
    }

    /// The Specter list a tag names, if any.
    pub fn list_for_tag(&self, tag: &str) -> Option<String> {
        self.specter
            .tag_lists
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(tag))
            .map(|(_, l)| l.clone())
    }

    /// The first task rule matching a completed task's title.
    pub fn task_rule(&self, title: &str) -> Option<&TaskRule> {
        let title = case::lower(title);
        self.spot_hit.task_completed.iter().find(|r| {
            r.title_contains
                .as_ref()
                .is_none_or(|t| title.contains(&case::lower(t)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_where() {
        let err = SyncRules::parse(r#"{"version": 1, "spotHit": {"tagGroup": {}}}"#).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "sync rules: at `spotHit.tagGroup`: unknown field `tagGroup`, expected one of"
            ),
            "{err}"
        );
        let err = SyncRules::parse(
            r#"{"version": 1, "spotHit": {"taskCompleted": [{"sms": "Hi", "sender": "MaSuperBoutique"}]}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("taskCompleted[0]`: `sender` is over 11 characters"),
            "{err}"
        );
        let err =
            SyncRules::parse(r#"{"version": 1, "specter": {"poll": [{"tag": "x"}]}}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("exactly one of `list` or `savedSearch`"),
            "{err}"
        );
    }

    #[test]
    fn tags_name_groups_and_lists() {
        let rules = SyncRules::parse(
            r#"{"version": 1, "spotHit": {"tagGroups": {"VIP": "Clients VIP"}, "tagGroupPrefix": "spothit-group:",
                "taskCompleted": [{"titleContains": "Rappel", "sms": "Bonjour {firstName}"}, {"group": "Tous"}]},
                "specter": {"tagLists": {"investisseur": "list-1"}}}"#,
        )
        .unwrap();
        assert_eq!(rules.group_for_tag("vip").as_deref(), Some("Clients VIP"));
        assert_eq!(
            rules.group_for_tag("SpotHit-Group:Réunion").as_deref(),
            Some("Réunion")
        );
        assert_eq!(rules.group_for_tag("spothit-group:"), None);
        assert_eq!(rules.group_for_tag("other"), None);
        assert_eq!(
            rules.list_for_tag("Investisseur").as_deref(),
            Some("list-1")
        );
        assert!(matches!(
            rules.task_rule("Rappel client").unwrap().action(),
            TaskRuleAction::Sms { .. }
        ));
        assert_eq!(
            rules.task_rule("Autre").unwrap().action(),
            TaskRuleAction::Group("Tous".into())
        );
    }

    #[test]
    fn senders_spothit_refuses_and_sms_without_stop_are_told_when_saved() {
        let err = SyncRules::parse(
            r#"{"version": 1, "spotHit": {"taskCompleted": [{"sms": "Hi STOP", "sender": "1234Shop"}]}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`sender` starts with 4 digits"),
            "{err}"
        );
        let rules = SyncRules::parse(
            r#"{"version": 1, "spotHit": {"taskCompleted": [{"sms": "Votre RDV demain", "sender": "Cabinet"}]}}"#,
        )
        .unwrap();
        let warnings = rules.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("`spotHit.taskCompleted[0]`: the SMS has no STOP mention"));
    }
}
