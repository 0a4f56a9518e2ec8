//! Consent: whether the bridge may message a person, decided in one place.
//!
//! Every path that can lead to a message (a rule's SMS, a Spot-Hit group
//! import, any later send) asks [`decide`] with what is known of the person:
//! - the contact's DND as GHL has it (`dnd` for all channels, `dndSettings`
//!   per channel), from the event's body, a contact read, or the last
//!   `ContactDndUpdate` the bridge kept;
//! - a STOP the bridge received from Spot-Hit for the number, kept per
//!   location, so a rule that runs before GHL's own webhook still knows;
//! - the contact's deletion in GHL.
//!
//! Any DND status but `inactive` counts as an opt-out: GHL's spec lists
//! `active`, `inactive` and `permanent` (contacts.json, DndSettingSchema), and a
//! status it adds later is read the strict way.

use crate::ghl::contacts::{DndChannel, DndSettings, DndStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A way of reaching a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    #[serde(rename = "SMS")]
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "SMS",
            Channel::Email => "e-mail",
        }
    }
}

/// A contact's DND as GHL reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dnd {
    /// `dnd: true`: every channel.
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub sms: bool,
    #[serde(default)]
    pub email: bool,
}

fn opted_out(channel: &Option<DndChannel>) -> bool {
    channel
        .as_ref()
        .is_some_and(|c| c.status != DndStatus::Inactive)
}

impl Dnd {
    /// From a contact (webhook body or read): `None` when it says nothing of
    /// DND (a tag event carries `dnd` but no `dndSettings`: what it lacks is
    /// not taken as consent).
    pub fn from_ghl(contact: &Value) -> Option<Dnd> {
        let all = contact.get("dnd").and_then(Value::as_bool);
        let settings: Option<DndSettings> = contact
            .get("dndSettings")
            .and_then(|s| serde_json::from_value(s.clone()).ok());
        if all.is_none() && settings.is_none() {
            return None;
        }
        let settings = settings.unwrap_or_default();
        Some(Dnd {
            all: all.unwrap_or(false),
            sms: opted_out(&settings.sms),
            email: opted_out(&settings.email),
        })
    }

    /// Whether the whole record says "nothing from the channels we send on".
    pub fn blocks(&self, channel: Channel) -> bool {
        self.all
            || match channel {
                Channel::Sms => self.sms,
                Channel::Email => self.email,
            }
    }

    /// Opted out of a channel the bridge sends on (or of all of them).
    pub fn any(&self) -> bool {
        self.all || self.sms || self.email
    }
}

/// What the bridge keeps of a contact's consent (from `ContactDndUpdate`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactConsent {
    pub dnd: Dnd,
    /// When GHL said so (the event's timestamp, Unix ms).
    pub since_ms: u64,
    /// The contact's phone then (E.164), to keep its opt-out if the contact
    /// is deleted or erased.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A STOP Spot-Hit reported for a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopMark {
    pub at_ms: u64,
}

/// Everything known of one person's consent, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentFacts {
    /// DND as the event or a read says now.
    pub current: Option<Dnd>,
    /// DND as last kept from GHL's webhook.
    pub kept: Option<ContactConsent>,
    pub stop: Option<StopMark>,
    /// When the contact was deleted in GHL.
    pub deleted_at_ms: Option<u64>,
}

/// Why a message is not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OptOut {
    /// DND in GHL; `since_ms` when the bridge learnt it from a webhook.
    #[serde(rename_all = "camelCase")]
    Dnd {
        channel: Channel,
        since_ms: Option<u64>,
    },
    /// The number answered STOP.
    #[serde(rename_all = "camelCase")]
    Stop { at_ms: u64 },
    #[serde(rename_all = "camelCase")]
    Deleted { at_ms: u64 },
}

fn date(ms: u64) -> String {
    crate::iso8601::format_ms(ms)
}

impl std::fmt::Display for OptOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptOut::Dnd {
                channel,
                since_ms: Some(at),
            } => write!(
                f,
                "contact opted out of {} (DND since {})",
                channel.as_str(),
                date(*at)
            ),
            OptOut::Dnd { channel, .. } => {
                write!(f, "contact opted out of {} (DND in GHL)", channel.as_str())
            }
            OptOut::Stop { at_ms } => write!(
                f,
                "contact opted out of SMS (STOP received by Spot-Hit at {})",
                date(*at_ms)
            ),
            OptOut::Deleted { at_ms } => {
                write!(f, "contact was deleted in GHL at {}", date(*at_ms))
            }
        }
    }
}

/// Whether the bridge may message the person on `channel`. A deletion wins,
/// then DND (as the event says, else as kept), then a STOP on the number
/// (SMS only).
pub fn decide(channel: Channel, facts: &ConsentFacts) -> Result<(), OptOut> {
    if let Some(at_ms) = facts.deleted_at_ms {
        return Err(OptOut::Deleted { at_ms });
    }
    let kept = facts.kept.as_ref();
    let dnd_now = facts.current.is_some_and(|d| d.blocks(channel));
    let dnd_kept = kept.is_some_and(|k| k.dnd.blocks(channel));
    if dnd_now || dnd_kept {
        return Err(OptOut::Dnd {
            channel,
            since_ms: kept.filter(|k| k.dnd.blocks(channel)).map(|k| k.since_ms),
        });
    }
    if channel == Channel::Sms {
        if let Some(stop) = facts.stop {
            return Err(OptOut::Stop { at_ms: stop.at_ms });
        }
    }
    Ok(())
}

/// A STOP mark is lifted by GHL saying, later than the STOP, that SMS DND is
/// off (a person re-subscribed the contact).
pub fn lifts_stop(report: &Dnd, reported_at_ms: u64, stop: &StopMark) -> bool {
    !report.blocks(Channel::Sms) && reported_at_ms > stop.at_ms
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dnd_is_read_from_ghls_two_fields_strictly() {
        let sms = json!({"dnd": false, "dndSettings": {"SMS": {"status": "active"}}});
        assert_eq!(
            Dnd::from_ghl(&sms),
            Some(Dnd {
                sms: true,
                ..Dnd::default()
            })
        );
        let permanent = json!({"dndSettings": {"Email": {"status": "permanent"}}});
        assert!(Dnd::from_ghl(&permanent).unwrap().blocks(Channel::Email));
        let unknown = json!({"dndSettings": {"SMS": {"status": "paused"}}});
        assert!(Dnd::from_ghl(&unknown).unwrap().blocks(Channel::Sms));
        let all = json!({"dnd": true, "dndSettings": {"SMS": {"status": "inactive"}}});
        assert!(Dnd::from_ghl(&all).unwrap().blocks(Channel::Sms));
        assert_eq!(Dnd::from_ghl(&json!({"id": "c1"})), None);
        let off = json!({"dnd": false, "dndSettings": {"SMS": {"status": "inactive"}}});
        assert!(!Dnd::from_ghl(&off).unwrap().blocks(Channel::Sms));
    }

    #[test]
    fn deletion_then_dnd_then_stop_refuse_and_say_why() {
        let at = 1_795_000_000_000;
        let mut facts = ConsentFacts::default();
        assert_eq!(decide(Channel::Sms, &facts), Ok(()));
        facts.stop = Some(StopMark { at_ms: at });
        let stop = decide(Channel::Sms, &facts).unwrap_err();
        assert!(stop
            .to_string()
            .starts_with("contact opted out of SMS (STOP"));
        assert_eq!(decide(Channel::Email, &facts), Ok(()), "STOP is SMS only");
        facts.kept = Some(ContactConsent {
            dnd: Dnd {
                sms: true,
                ..Dnd::default()
            },
            since_ms: at,
            phone: None,
        });
        let dnd = decide(Channel::Sms, &facts).unwrap_err();
        assert_eq!(
            dnd.to_string(),
            "contact opted out of SMS (DND since 2026-11-18T11:06:40Z)"
        );
        facts.deleted_at_ms = Some(at + 1);
        assert!(matches!(
            decide(Channel::Sms, &facts),
            Err(OptOut::Deleted { .. })
        ));
        let current_only = ConsentFacts {
            current: Some(Dnd {
                all: true,
                ..Dnd::default()
            }),
            ..ConsentFacts::default()
        };
        assert_eq!(
            decide(Channel::Email, &current_only)
                .unwrap_err()
                .to_string(),
            "contact opted out of e-mail (DND in GHL)"
        );
    }

    #[test]
    fn only_a_later_report_without_sms_dnd_lifts_a_stop() {
        let stop = StopMark { at_ms: 1_000 };
        let off = Dnd::default();
        assert!(lifts_stop(&off, 2_000, &stop));
        assert!(!lifts_stop(&off, 500, &stop), "older than the STOP");
        let on = Dnd {
            sms: true,
            ..Dnd::default()
        };
        assert!(!lifts_stop(&on, 2_000, &stop));
    }
}
