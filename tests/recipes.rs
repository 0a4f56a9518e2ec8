//! The recipes: each one's mapping is valid and syncs its own sample, its
//! sync rules are valid, and merging them keeps what a location had.

use ghl_bridge::mapping::Mapping;
use ghl_bridge::outbound::SyncRules;
use ghl_bridge::preview::preview_event;
use ghl_bridge::recipes::{merge_rules, recipes, sample_payload};

#[test]
fn every_recipe_previews_its_sample_as_ready_with_its_rules_valid() {
    let all = recipes();
    assert_eq!(all.len(), 5, "every recipe file reads");
    for recipe in &all {
        let mapping = Mapping::parse(&recipe.mapping);
        assert!(mapping.is_ok(), "{}: {:?}", recipe.id, mapping.err());
        let p = preview_event(
            &mapping,
            sample_payload(recipe),
            "loc",
            1_795_341_600,
            None,
            None,
        );
        assert!(
            p.ok,
            "{}: {:?} {:?}",
            recipe.id,
            p.payload_error,
            p.outcome.map(|o| o.errors)
        );
        assert!(!p.requests.is_empty());
        if let Some(rules) = &recipe.sync_rules {
            SyncRules::parse(rules).unwrap_or_else(|e| panic!("{}: {e}", recipe.id));
        }
        assert!(
            !recipe.by_hand.is_empty(),
            "{} says what is left to do",
            recipe.id
        );
    }
}

#[test]
fn the_web_lead_recipe_adds_a_call_task_within_the_hour_and_the_welcome_group() {
    let recipe = recipes()
        .into_iter()
        .find(|r| r.id == "web-lead-follow-up")
        .unwrap();
    let p = preview_event(
        &Mapping::parse(&recipe.mapping),
        sample_payload(&recipe),
        "loc",
        1_795_341_600,
        None,
        None,
    );
    let kinds: Vec<&str> = p.requests.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["upsert", "tags", "note", "task"]);
    let task = serde_json::to_value(&p.requests[3]).unwrap();
    assert_eq!(task["body"]["title"], "Call Léa back");
    assert_eq!(
        task["body"]["dueDate"], "2026-11-22T11:00:00Z",
        "due an hour after the event (10:00Z)"
    );
    let tags = serde_json::to_value(&p.requests[1]).unwrap()["body"]["tags"].clone();
    assert_eq!(tags, serde_json::json!(["web-lead", "welcome-sms"]));
    let rules = SyncRules::parse(recipe.sync_rules.as_deref().unwrap()).unwrap();
    assert_eq!(rules.spot_hit.tag_groups["welcome-sms"], "Bienvenue");
}

#[test]
fn merging_a_recipes_rules_keeps_the_locations_own() {
    let own = r#"{"version": 1, "spotHit": {"tagGroups": {"vip": "Clients VIP"}},
        "specter": {"poll": [{"list": "l-1"}]}}"#;
    let added = r#"{"version": 1, "spotHit": {"tagGroups": {"welcome-sms": "Bienvenue"}},
        "specter": {"poll": [{"savedSearch": "1201", "tag": "p"}, {"list": "l-1"}]}}"#;
    let merged = SyncRules::parse(&merge_rules(Some(own), added).unwrap()).unwrap();
    assert_eq!(merged.spot_hit.tag_groups.len(), 2);
    assert_eq!(
        merged.specter.poll.len(),
        2,
        "the same list is not polled twice"
    );
    let again = merge_rules(Some(&merge_rules(Some(own), added).unwrap()), added).unwrap();
    assert_eq!(
        SyncRules::parse(&again).unwrap(),
        merged,
        "applying twice changes nothing"
    );
    assert!(merge_rules(None, added).is_ok());
    let err = merge_rules(Some(r#"{"version": 2}"#), added).unwrap_err();
    assert!(err.starts_with("the location's rules:"), "{err}");
}
