//! Sync back from GHL: the rules a location configures, and what one GHL event
//! becomes in Spot-Hit and Specter under them. Spot-Hit has no tag or note API
//! and no way to take a contact out of a group, so:
//!
//! | GHL event                         | Spot-Hit / Specter                               |
//! |-----------------------------------|--------------------------------------------------|
//! | tag added that a rule names       | contact imported into the Spot-Hit group (created if missing) |
//! | tag removed that a rule names     | nothing possible in Spot-Hit: recorded as a manual step |
//! | task completed matching a rule    | an SMS (template) or a Spot-Hit group import     |
//! | tag added that names a Specter list | the person added to that Specter list          |
//! | notes, appointments, other fields | nothing (Spot-Hit has no note API)               |

mod plan;
mod rules;

pub use plan::{
    contact_changed, join, plan_event, ContactView, Imported, OutboundAction, PlannedAction,
};
pub use rules::{SpecterPoll, SpecterRules, SyncRules, SyncRulesError, TaskRule, TaskRuleAction};
