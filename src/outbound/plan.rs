//! One GHL event, under the rules, as the calls to make in Spot-Hit and
//! Specter. Pure: the Worker supplies the contact and the tags it had before.

use super::rules::{SyncRules, TaskRuleAction};
use crate::consent::{decide, Channel, ConsentFacts, Dnd};
use crate::ghl::webhooks::GhlEventType;
use crate::mapping::{Payload, Template};
use crate::spothit::SpotHitContact;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The GHL contact an event is about, as the rules need it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// DND as the event or the read shows it (`None`: it says nothing).
    #[serde(default)]
    pub dnd: Option<Dnd>,
}

impl ContactView {
    /// From a contact webhook (fields flat) or a GHL contact read.
    pub fn from_ghl(value: &Value) -> Option<ContactView> {
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(String::from)
        };
        Some(ContactView {
            id: text("id")?,
            email: text("email"),
            phone: text("phone"),
            first_name: text("firstName"),
            last_name: text("lastName"),
            tags: value
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            dnd: Dnd::from_ghl(value),
        })
    }

    fn spothit_contact(&self) -> SpotHitContact {
        SpotHitContact {
            mobile: self.phone.clone(),
            email: self.email.clone(),
            prenom: self.first_name.clone(),
            nom: self.last_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OutboundAction {
    /// Import the contact into the group (created if missing).
    #[serde(rename_all = "camelCase")]
    SpotHitJoinGroup {
        group: String,
        /// The GHL contact, for the consent check when the import is made
        /// (absent on plans made before it was kept).
        #[serde(default)]
        contact_id: Option<String>,
        mobile: Option<String>,
        email: Option<String>,
        prenom: Option<String>,
        nom: Option<String>,
        /// Import even a person already in the group: its details changed
        /// in GHL (Spot-Hit's import is taken to update by number).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reimport: bool,
    },
    /// Spot-Hit's API cannot take a contact out of a group: a person must.
    #[serde(rename_all = "camelCase")]
    SpotHitLeaveGroupManually { group: String, contact: String },
    #[serde(rename_all = "camelCase")]
    SpotHitSms {
        message: String,
        number: String,
        sender: Option<String>,
        /// As for `SpotHitJoinGroup`.
        #[serde(default)]
        contact_id: Option<String>,
    },
    /// Add the contact's Specter person to the list.
    #[serde(rename_all = "camelCase")]
    SpecterAddToList {
        list_id: String,
        contact_id: String,
        email: Option<String>,
    },
    /// The rule matched but the contact lacks what the action needs.
    #[serde(rename_all = "camelCase")]
    Skipped { reason: String },
}

impl OutboundAction {
    pub fn spothit_contact(&self) -> Option<SpotHitContact> {
        match self {
            OutboundAction::SpotHitJoinGroup {
                mobile,
                email,
                prenom,
                nom,
                ..
            } => Some(SpotHitContact {
                mobile: mobile.clone(),
                email: email.clone(),
                prenom: prenom.clone(),
                nom: nom.clone(),
            }),
            _ => None,
        }
    }
}

/// An action with the reason it exists, for the admin view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAction {
    pub because: String,
    #[serde(flatten)]
    pub action: OutboundAction,
}

/// An import of what consent allows of the contact: its phone unless it
/// opted out of SMS, its e-mail unless it opted out of e-mail.
pub fn join(group: String, contact: &ContactView, consent: &ConsentFacts) -> OutboundAction {
    let c = contact.spothit_contact();
    let sms = decide(Channel::Sms, consent);
    let email = decide(Channel::Email, consent);
    let mobile = c.mobile.filter(|_| sms.is_ok());
    let mail = c.email.filter(|_| email.is_ok());
    if mobile.is_none() && mail.is_none() {
        let reason = match (sms, email) {
            (Err(why), _) | (_, Err(why)) => why.to_string(),
            _ => format!("the contact has no phone or e-mail to import into `{group}`"),
        };
        return OutboundAction::Skipped { reason };
    }
    OutboundAction::SpotHitJoinGroup {
        group,
        contact_id: Some(contact.id.clone()),
        mobile,
        email: mail,
        prenom: c.prenom,
        nom: c.nom,
        reimport: false,
    }
}

/// What the bridge last imported of a GHL contact into Spot-Hit, and the
/// groups it imported it into.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    pub contact: SpotHitContact,
    pub groups: Vec<String>,
}

/// A contact whose phone, e-mail or name changed in GHL, imported again into
/// each group the bridge put it in, with what consent allows of the new
/// values. An old number stays in Spot-Hit, whose API cannot remove it: a
/// step for a person.
pub fn contact_changed(
    contact: &ContactView,
    imported: &Imported,
    consent: &ConsentFacts,
) -> Vec<PlannedAction> {
    // The import into each group: what consent allows of the values now.
    let imports: Vec<(&String, OutboundAction)> = imported
        .groups
        .iter()
        .map(|group| (group, join(group.clone(), contact, consent)))
        .collect();
    let Some(now) = imports.first().and_then(|(_, a)| a.spothit_contact()) else {
        return Vec::new();
    };
    let old = &imported.contact;
    // A value that is gone, or that consent now withholds, is no change:
    // Spot-Hit's import cannot clear one (and an opt-out has its own steps).
    let differs = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
    let phone_changed = differs(&now.mobile, &old.mobile);
    let changed: Vec<&str> = [
        ("phone", phone_changed),
        ("e-mail", differs(&now.email, &old.email)),
        ("first name", differs(&now.prenom, &old.prenom)),
        ("last name", differs(&now.nom, &old.nom)),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    if changed.is_empty() {
        return Vec::new();
    }
    let because = format!("contact changed in GHL ({})", changed.join(", "));
    let mut out = Vec::new();
    for (group, mut action) in imports {
        if let OutboundAction::SpotHitJoinGroup { reimport, .. } = &mut action {
            *reimport = true;
        }
        out.push(PlannedAction {
            because: because.clone(),
            action,
        });
        if let (Some(old_number), true) = (&old.mobile, phone_changed) {
            out.push(PlannedAction {
                because: format!(
                    "phone changed in GHL: the old number {old_number} stays in Spot-Hit"
                ),
                action: OutboundAction::SpotHitLeaveGroupManually {
                    group: group.clone(),
                    contact: old_number.clone(),
                },
            });
        }
    }
    out
}

fn tag_actions(
    rules: &SyncRules,
    contact: &ContactView,
    before: &[String],
    consent: &ConsentFacts,
) -> Vec<PlannedAction> {
    let had = |t: &str| before.iter().any(|b| b.eq_ignore_ascii_case(t));
    let has = |t: &str| contact.tags.iter().any(|c| c.eq_ignore_ascii_case(t));
    let mut out = Vec::new();
    for tag in contact.tags.iter().filter(|t| !had(t)) {
        if let Some(group) = rules.group_for_tag(tag) {
            out.push(PlannedAction {
                because: format!("tag `{tag}` added"),
                action: join(group, contact, consent),
            });
        }
        if let Some(list_id) = rules.list_for_tag(tag) {
            out.push(PlannedAction {
                because: format!("tag `{tag}` added"),
                action: OutboundAction::SpecterAddToList {
                    list_id,
                    contact_id: contact.id.clone(),
                    email: contact.email.clone(),
                },
            });
        }
    }
    for tag in before.iter().filter(|t| !has(t)) {
        if let Some(group) = rules.group_for_tag(tag) {
            out.push(PlannedAction {
                because: format!("tag `{tag}` removed"),
                action: OutboundAction::SpotHitLeaveGroupManually {
                    group,
                    contact: contact
                        .phone
                        .clone()
                        .or_else(|| contact.email.clone())
                        .unwrap_or_else(|| contact.id.clone()),
                },
            });
        }
    }
    out
}

/// What a GHL event becomes. `before`: the contact's tags when the bridge last
/// saw it (None: never seen, so every tag counts as added). `task`: for
/// `TaskComplete`, the task (its `title`). `consent`: what the store knows of
/// the person's consent (its `current` is taken from the contact's DND when
/// the caller left it empty); an action it refuses is planned as skipped.
pub fn plan_event(
    rules: &SyncRules,
    event_type: &GhlEventType,
    contact: &ContactView,
    before: Option<&[String]>,
    task: Option<&Value>,
    consent: &ConsentFacts,
) -> Vec<PlannedAction> {
    let mut consent = consent.clone();
    consent.current = consent.current.or(contact.dnd);
    let consent = &consent;
    match event_type {
        GhlEventType::ContactCreate
        | GhlEventType::ContactUpdate
        | GhlEventType::ContactTagUpdate => {
            tag_actions(rules, contact, before.unwrap_or_default(), consent)
        }
        GhlEventType::TaskComplete => {
            let title = task
                .and_then(|t| t.get("title"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(rule) = rules.task_rule(title) else {
                return Vec::new();
            };
            let because = format!("task `{title}` completed");
            let action = match rule.action() {
                TaskRuleAction::Group(group) => join(group, contact, consent),
                TaskRuleAction::Sms { template, sender } => {
                    match (&contact.phone, decide(Channel::Sms, consent)) {
                        (None, _) => OutboundAction::Skipped {
                            reason: "the contact has no phone for the SMS".into(),
                        },
                        (Some(_), Err(why)) => OutboundAction::Skipped {
                            reason: why.to_string(),
                        },
                        (Some(number), Ok(())) => {
                            let fields = json!({
                                "firstName": contact.first_name, "lastName": contact.last_name,
                                "email": contact.email, "phone": contact.phone, "taskTitle": title,
                            });
                            // Checked when the rules were saved.
                            let message = Template::parse(&template)
                                .map(|t| t.render(&Payload::new(&fields), None))
                                .unwrap_or(template);
                            OutboundAction::SpotHitSms {
                                message: collapse_spaces(&message),
                                number: number.clone(),
                                sender,
                                contact_id: Some(contact.id.clone()),
                            }
                        }
                    }
                }
            };
            vec![PlannedAction { because, action }]
        }
        _ => Vec::new(),
    }
}

/// `Bonjour , ...` when a placeholder is empty reads badly: tidy the spaces.
fn collapse_spaces(text: &str) -> String {
    let mut out = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    for p in [" ,", " ."] {
        out = out.replace(p, &p[1..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> SyncRules {
        SyncRules::parse(
            r#"{"version": 1, "spotHit": {"tagGroups": {"vip": "Clients VIP"},
                "taskCompleted": [{"titleContains": "rappel", "sms": "Bonjour {firstName}, merci ! STOP au 36200", "sender": "Boutique"}]},
                "specter": {"tagLists": {"investisseur": "list-1"}}}"#,
        )
        .unwrap()
    }

    fn contact(tags: &[&str]) -> ContactView {
        ContactView {
            id: "c1".into(),
            phone: Some("+33612345678".into()),
            first_name: Some("Jean".into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn added_and_removed_tags() {
        let before = vec!["vip".to_string(), "old".to_string()];
        let plan = plan_event(
            &rules(),
            &GhlEventType::ContactTagUpdate,
            &contact(&["investisseur"]),
            Some(&before),
            None,
            &ConsentFacts::default(),
        );
        let kinds: Vec<_> = plan
            .iter()
            .map(|p| crate::json::to_value(&p.action).unwrap()["kind"].clone())
            .collect();
        assert_eq!(kinds, ["specterAddToList", "spotHitLeaveGroupManually"]);
        assert_eq!(plan[1].because, "tag `vip` removed");

        // Already had the tag: nothing to do (redelivered or unrelated update).
        let plan = plan_event(
            &rules(),
            &GhlEventType::ContactUpdate,
            &contact(&["VIP"]),
            Some(&before),
            None,
            &ConsentFacts::default(),
        );
        assert!(plan.is_empty(), "{plan:?}");
        // Never seen: every tag counts as added.
        let plan = plan_event(
            &rules(),
            &GhlEventType::ContactCreate,
            &contact(&["VIP"]),
            None,
            None,
            &ConsentFacts::default(),
        );
        assert!(
            matches!(&plan[0].action, OutboundAction::SpotHitJoinGroup { group, mobile, .. }
            if group == "Clients VIP" && mobile.as_deref() == Some("+33612345678"))
        );
    }

    #[test]
    fn a_completed_task_sends_the_sms_template() {
        let task = json!({"title": "Rappel devis", "completed": true});
        let plan = plan_event(
            &rules(),
            &GhlEventType::TaskComplete,
            &contact(&[]),
            None,
            Some(&task),
            &ConsentFacts::default(),
        );
        assert_eq!(
            plan[0].action,
            OutboundAction::SpotHitSms {
                message: "Bonjour Jean, merci ! STOP au 36200".into(),
                number: "+33612345678".into(),
                sender: Some("Boutique".into()),
                contact_id: Some("c1".into()),
            }
        );
        let mut nameless = contact(&[]);
        nameless.first_name = None;
        let plan = plan_event(
            &rules(),
            &GhlEventType::TaskComplete,
            &nameless,
            None,
            Some(&task),
            &ConsentFacts::default(),
        );
        assert!(
            matches!(&plan[0].action, OutboundAction::SpotHitSms { message, .. } if message == "Bonjour, merci ! STOP au 36200")
        );
        let other = json!({"title": "Envoyer le devis"});
        assert!(plan_event(
            &rules(),
            &GhlEventType::TaskComplete,
            &contact(&[]),
            None,
            Some(&other),
            &ConsentFacts::default(),
        )
        .is_empty());
    }

    #[test]
    fn an_opted_out_contact_gets_no_sms_and_joins_a_group_without_its_number() {
        let task = json!({"title": "Rappel devis"});
        let mut opted_out = contact(&["vip"]);
        opted_out.email = Some("jean@example.fr".into());
        opted_out.dnd = Some(Dnd {
            sms: true,
            ..Dnd::default()
        });
        let none = ConsentFacts::default();
        let plan = plan_event(
            &rules(),
            &GhlEventType::TaskComplete,
            &opted_out,
            None,
            Some(&task),
            &none,
        );
        assert_eq!(
            plan[0].action,
            OutboundAction::Skipped {
                reason: "contact opted out of SMS (DND in GHL)".into()
            }
        );
        let plan = plan_event(
            &rules(),
            &GhlEventType::ContactTagUpdate,
            &opted_out,
            None,
            None,
            &none,
        );
        assert!(
            matches!(
                &plan[0].action,
                OutboundAction::SpotHitJoinGroup {
                    mobile: None,
                    email: Some(_),
                    ..
                }
            ),
            "{plan:?}"
        );
        // A STOP the store knows, with a contact whose event says nothing of DND.
        let stopped = ConsentFacts {
            stop: Some(crate::consent::StopMark { at_ms: 1 }),
            ..ConsentFacts::default()
        };
        let plan = plan_event(
            &rules(),
            &GhlEventType::ContactTagUpdate,
            &contact(&["vip"]),
            None,
            None,
            &stopped,
        );
        assert!(
            matches!(&plan[0].action, OutboundAction::Skipped { reason } if reason.starts_with("contact opted out of SMS (STOP")),
            "{plan:?}"
        );
    }

    #[test]
    fn a_changed_phone_or_name_is_imported_again_and_the_old_number_is_a_step_for_a_person() {
        let imported = Imported {
            contact: SpotHitContact {
                mobile: Some("+33612345678".into()),
                prenom: Some("Jean".into()),
                ..Default::default()
            },
            groups: vec!["Clients VIP".into(), "Bienvenue".into()],
        };
        let none = ConsentFacts::default();
        assert!(
            contact_changed(&contact(&[]), &imported, &none).is_empty(),
            "nothing changed"
        );

        let mut moved = contact(&[]);
        moved.phone = Some("+33698765432".into());
        let plan = contact_changed(&moved, &imported, &none);
        let seen: Vec<_> = plan
            .iter()
            .map(|p| match &p.action {
                OutboundAction::SpotHitJoinGroup {
                    group,
                    mobile,
                    reimport,
                    ..
                } => format!("import {group} {} {reimport}", mobile.clone().unwrap()),
                OutboundAction::SpotHitLeaveGroupManually { group, contact } => {
                    format!("by hand {group} {contact}")
                }
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            seen,
            [
                "import Clients VIP +33698765432 true",
                "by hand Clients VIP +33612345678",
                "import Bienvenue +33698765432 true",
                "by hand Bienvenue +33612345678",
            ]
        );
        assert_eq!(plan[0].because, "contact changed in GHL (phone)");

        let mut renamed = contact(&[]);
        renamed.first_name = Some("Jeanne".into());
        let plan = contact_changed(&renamed, &imported, &none);
        assert_eq!(plan.len(), 2, "one import per group, no step for a person");
        assert_eq!(plan[0].because, "contact changed in GHL (first name)");

        // SMS DND withholds the phone: not a change, nothing to import.
        let stopped = ConsentFacts {
            stop: Some(crate::consent::StopMark { at_ms: 1 }),
            ..ConsentFacts::default()
        };
        assert!(contact_changed(&contact(&[]), &imported, &stopped).is_empty());
    }
}
