//! Recipes: ready set-ups for onboarding and follow-ups, each a mapping for
//! one source plus the sync rules it needs, with a sample to preview and the
//! steps left to a person. Applied to a location in one step: the mapping is
//! saved for its source and the rules are merged into the location's own.

use crate::mapping::{parse_payload, PayloadFormat};
use crate::outbound::SyncRules;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A recipe as the tester and the npm module show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipe {
    pub id: &'static str,
    pub name: String,
    pub description: String,
    /// The source whose mapping it sets (a form source's id, or a built-in one).
    pub source_id: String,
    pub format: PayloadFormat,
    /// The mapping document, as JSON text.
    pub mapping: String,
    /// The sync rules it adds (JSON text), if any.
    pub sync_rules: Option<String>,
    /// A payload to preview it with, in `format`.
    pub sample: String,
    /// What the bridge cannot do for you.
    pub by_hand: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecipeFile {
    mapping: Value,
    #[serde(default)]
    sync_rules: Option<Value>,
    format: PayloadFormat,
    source_id: String,
    sample: Value,
    by_hand: Vec<String>,
}

const FILES: &[(&str, &str)] = &[
    (
        "web-lead-follow-up",
        include_str!("recipes/web-lead-follow-up.json"),
    ),
    (
        "sms-reply-follow-up",
        include_str!("recipes/sms-reply-follow-up.json"),
    ),
    (
        "sms-reply-oui-enrol",
        include_str!("recipes/sms-reply-oui-enrol.json"),
    ),
    (
        "stop-everywhere",
        include_str!("recipes/stop-everywhere.json"),
    ),
    (
        "specter-search-to-list",
        include_str!("recipes/specter-search-to-list.json"),
    ),
];

fn read(id: &'static str, text: &str) -> Option<Recipe> {
    let file: RecipeFile = crate::json::read(text).ok()?;
    let text_of = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Some(Recipe {
        id,
        name: file.mapping.get("name")?.as_str()?.to_string(),
        description: file.mapping.get("description")?.as_str()?.to_string(),
        source_id: file.source_id,
        format: file.format,
        mapping: text_of(&file.mapping),
        sync_rules: file.sync_rules.as_ref().map(text_of),
        sample: match file.sample {
            Value::String(s) => s,
            other => text_of(&other),
        },
        by_hand: file.by_hand,
    })
}

/// Every recipe.
pub fn recipes() -> Vec<Recipe> {
    FILES
        .iter()
        .filter_map(|(id, text)| read(id, text))
        .collect()
}

/// The location's rules with a recipe's added: tag groups, tag lists and
/// polls are joined (the recipe's wins on the same tag), task rules appended
/// unless already there. `existing`: the location's rules (`None`: none yet).
pub fn merge_rules(existing: Option<&str>, added: &str) -> Result<String, String> {
    let added = SyncRules::parse(added).map_err(|e| format!("the recipe's rules: {}", e.0))?;
    let mut merged = match existing {
        Some(text) if !text.trim().is_empty() => {
            SyncRules::parse(text).map_err(|e| format!("the location's rules: {}", e.0))?
        }
        _ => SyncRules {
            version: 1,
            ..SyncRules::default()
        },
    };
    merged.spot_hit.tag_groups.extend(added.spot_hit.tag_groups);
    if added.spot_hit.tag_group_prefix.is_some() {
        merged.spot_hit.tag_group_prefix = added.spot_hit.tag_group_prefix;
    }
    for rule in added.spot_hit.task_completed {
        if !merged.spot_hit.task_completed.contains(&rule) {
            merged.spot_hit.task_completed.push(rule);
        }
    }
    merged.specter.tag_lists.extend(added.specter.tag_lists);
    for poll in added.specter.poll {
        if !merged.specter.poll.contains(&poll) {
            merged.specter.poll.push(poll);
        }
    }
    merged.specter.lookup_by_email |= added.specter.lookup_by_email;
    merged.specter.fetch_emails |= added.specter.fetch_emails;
    merged.specter.max_credits_per_poll = merged
        .specter
        .max_credits_per_poll
        .max(added.specter.max_credits_per_poll);
    let text = serde_json::to_string_pretty(&merged).map_err(|e| e.to_string())?;
    SyncRules::parse(&text).map_err(|e| e.0)?;
    Ok(text)
}

/// A recipe's sample, decoded as its source sends it.
pub fn sample_payload(recipe: &Recipe) -> Result<Value, String> {
    parse_payload(&recipe.sample, recipe.format).map_err(|e| e.to_string())
}
