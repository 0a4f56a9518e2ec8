//! The calls one event becomes, in order: one upsert (GHL applies the location's
//! duplicate rule, so no search-then-create), then, once the contact id is known,
//! add-tags (never `tags` on the upsert: that would replace the contact's other
//! tags), notes, tasks and appointments. Each follow-up has a stable index so a
//! retried event resumes after the steps that already succeeded.

use crate::admin_api::GhlStep;
use crate::ghl::appointments::{CreateAppointment, CreateAppointmentBody};
use crate::ghl::contacts::UpsertContact;
use crate::ghl::membership::{
    AddFollowers, AddToCampaign, AddToWorkflow, EmptyBody, FollowersBody, RemoveFromAllCampaigns,
    RemoveFromCampaign, RemoveFromWorkflow, WorkflowBody,
};
use crate::ghl::notes::{CreateNote, NoteBody};
use crate::ghl::tags::{AddTags, RemoveTags, TagsBody};
use crate::ghl::tasks::{CreateTask, CreateTaskBody};
use crate::ghl::{build_request, BuildError, GhlTarget};
use crate::http::HttpRequest;
use crate::mapping::{MappingOutcome, MembershipChange, MembershipList};

/// The one upsert for the contact (parse its answer with `Call::parse`).
pub fn upsert_call(outcome: &MappingOutcome, location_id: &str) -> UpsertContact {
    UpsertContact {
        body: outcome.contact.to_upsert_body(location_id),
    }
}

/// One call after the upsert, with its index among the follow-ups.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub index: usize,
    /// For logs and the admin view.
    pub kind: GhlStep,
    pub request: HttpRequest,
}

impl FollowUp {
    /// Enrols the contact in a GHL workflow or campaign, which may message it.
    pub fn is_enrolment(&self) -> bool {
        matches!(self.kind, GhlStep::Workflow | GhlStep::Campaign)
            && self.request.method == crate::http::Method::Post
    }
}

pub fn follow_up_requests(
    outcome: &MappingOutcome,
    contact_id: &str,
    location_id: &str,
    target: &GhlTarget,
) -> Result<Vec<FollowUp>, BuildError> {
    let mut calls: Vec<(GhlStep, HttpRequest)> = Vec::new();
    if !outcome.tags.is_empty() {
        let call = AddTags {
            contact_id: contact_id.into(),
            body: TagsBody {
                tags: outcome.tags.clone(),
            },
        };
        calls.push((GhlStep::Tags, build_request(&call, target)?));
    }
    for note in &outcome.notes {
        let call = CreateNote {
            contact_id: contact_id.into(),
            body: NoteBody {
                body: note.body.clone(),
                title: note.title.clone(),
                ..Default::default()
            },
        };
        calls.push((GhlStep::Note, build_request(&call, target)?));
    }
    for task in &outcome.tasks {
        let call = CreateTask {
            contact_id: contact_id.into(),
            body: CreateTaskBody {
                title: task.title.clone(),
                body: task.body.clone(),
                due_date: task.due_date.clone(),
                completed: false,
                assigned_to: task.assigned_to.clone(),
            },
        };
        calls.push((GhlStep::Task, build_request(&call, target)?));
    }
    for appt in &outcome.appointments {
        let call = CreateAppointment {
            body: CreateAppointmentBody {
                calendar_id: appt.calendar_id.clone(),
                location_id: location_id.into(),
                contact_id: contact_id.into(),
                start_time: appt.start_time.clone(),
                end_time: Some(appt.end_time.clone()),
                title: appt.title.clone(),
                ..Default::default()
            },
        };
        calls.push((GhlStep::Appointment, build_request(&call, target)?));
    }
    // The steps added after the first four keep their indexes after those:
    // an event recorded before them resumes where it was.
    if !outcome.removed_tags.is_empty() {
        let call = RemoveTags {
            contact_id: contact_id.into(),
            body: TagsBody {
                tags: outcome.removed_tags.clone(),
            },
        };
        calls.push((GhlStep::RemoveTags, build_request(&call, target)?));
    }
    for membership in &outcome.memberships {
        calls.push(membership_call(
            membership.list,
            &membership.change,
            contact_id,
            target,
        )?);
    }
    if !outcome.followers.is_empty() {
        let call = AddFollowers {
            contact_id: contact_id.into(),
            body: FollowersBody {
                followers: outcome.followers.clone(),
            },
        };
        calls.push((GhlStep::Followers, build_request(&call, target)?));
    }
    Ok(calls
        .into_iter()
        .enumerate()
        .map(|(index, (kind, request))| FollowUp {
            index,
            kind,
            request,
        })
        .collect())
}

/// The one call that enrols the contact in a workflow or campaign, or takes
/// it out.
fn membership_call(
    list: MembershipList,
    change: &MembershipChange,
    contact_id: &str,
    target: &GhlTarget,
) -> Result<(GhlStep, HttpRequest), BuildError> {
    let contact_id = contact_id.to_string();
    let request = match (list, change) {
        (MembershipList::Workflow, MembershipChange::Enrol(id)) => build_request(
            &AddToWorkflow {
                contact_id,
                workflow_id: id.clone(),
                body: WorkflowBody::default(),
            },
            target,
        ),
        (MembershipList::Workflow, MembershipChange::Leave(id)) => build_request(
            &RemoveFromWorkflow {
                contact_id,
                workflow_id: id.clone(),
                body: WorkflowBody::default(),
            },
            target,
        ),
        (MembershipList::Campaign, MembershipChange::Enrol(id)) => build_request(
            &AddToCampaign {
                contact_id,
                campaign_id: id.clone(),
                body: EmptyBody {},
            },
            target,
        ),
        (MembershipList::Campaign, MembershipChange::Leave(id)) => build_request(
            &RemoveFromCampaign {
                contact_id,
                campaign_id: id.clone(),
            },
            target,
        ),
        // Validation refuses `leaveAll` on workflows; the campaign call is
        // the only one that exists.
        (_, MembershipChange::LeaveAll) => {
            build_request(&RemoveFromAllCampaigns { contact_id }, target)
        }
    }?;
    let step = match list {
        MembershipList::Workflow => GhlStep::Workflow,
        MembershipList::Campaign => GhlStep::Campaign,
    };
    Ok((step, request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{builtin_template, parse_payload, ApplyOptions, Mapping};

    #[test]
    fn a_spothit_reply_is_an_upsert_then_tags_note_and_task() {
        let t = builtin_template("spothit-reply").unwrap();
        let outcome = Mapping::parse(t.mapping).unwrap().apply(
            &parse_payload(t.sample, t.format).unwrap(),
            &ApplyOptions {
                now_unix: 1_795_341_600,
                explain: true,
            },
        );
        let target = GhlTarget {
            base_url: "http://sb/ghl".into(),
            token: "t".into(),
        };
        let upsert = build_request(&upsert_call(&outcome, "loc"), &target).unwrap();
        assert_eq!(upsert.url, "http://sb/ghl/contacts/upsert");
        let body: serde_json::Value =
            serde_json::from_str(upsert.body.as_deref().unwrap()).unwrap();
        assert!(body.get("tags").is_none(), "tags never ride on the upsert");
        assert_eq!(body["phone"], "+262692123456");
        let calls = follow_up_requests(&outcome, "c1", "loc", &target).unwrap();
        let kinds: Vec<_> = calls.iter().map(|c| (c.index, c.kind)).collect();
        assert_eq!(
            kinds,
            vec![(0, GhlStep::Tags), (1, GhlStep::Note), (2, GhlStep::Task)]
        );
        assert_eq!(calls[1].request.url, "http://sb/ghl/contacts/c1/notes");
    }

    #[test]
    fn membership_steps_come_after_the_first_four_in_the_documents_order() {
        let mapping = Mapping::parse(
            r#"{"version": 1, "fields": [{"to": "email", "from": "email"}],
            "tags": [{"value": "t"}], "removeTags": [{"value": "old"}],
            "workflows": [{"enrol": "wf 1"}], "campaigns": [{"leave": "c1"}, {"leaveAll": true}],
            "followers": [{"add": ["u1"]}]}"#,
        )
        .unwrap();
        let outcome = mapping.apply(
            &serde_json::json!({"email": "a@b.fr"}),
            &ApplyOptions {
                now_unix: 0,
                explain: false,
            },
        );
        let target = GhlTarget {
            base_url: "http://sb/ghl".into(),
            token: "t".into(),
        };
        let calls = follow_up_requests(&outcome, "c1", "loc", &target).unwrap();
        let seen: Vec<_> = calls
            .iter()
            .map(|c| {
                (
                    c.index,
                    c.kind,
                    c.request.method.as_str(),
                    c.request.url.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (0, GhlStep::Tags, "POST", "http://sb/ghl/contacts/c1/tags"),
                (
                    1,
                    GhlStep::RemoveTags,
                    "DELETE",
                    "http://sb/ghl/contacts/c1/tags"
                ),
                (
                    2,
                    GhlStep::Workflow,
                    "POST",
                    "http://sb/ghl/contacts/c1/workflow/wf%201"
                ),
                (
                    3,
                    GhlStep::Campaign,
                    "DELETE",
                    "http://sb/ghl/contacts/c1/campaigns/c1"
                ),
                (
                    4,
                    GhlStep::Campaign,
                    "DELETE",
                    "http://sb/ghl/contacts/c1/campaigns/removeAll"
                ),
                (
                    5,
                    GhlStep::Followers,
                    "POST",
                    "http://sb/ghl/contacts/c1/followers"
                ),
            ]
        );
    }
}
