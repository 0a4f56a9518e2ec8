//! The calls one event becomes, in order: one upsert (GHL applies the location's
//! duplicate rule, so no search-then-create), then, once the contact id is known,
//! add-tags (never `tags` on the upsert: that would replace the contact's other
//! tags), notes, tasks and appointments. Each follow-up has a stable index so a
//! retried event resumes after the steps that already succeeded.

use crate::admin_api::GhlStep;
use crate::ghl::appointments::{CreateAppointment, CreateAppointmentBody};
use crate::ghl::contacts::UpsertContact;
use crate::ghl::notes::{CreateNote, NoteBody};
use crate::ghl::tags::{AddTags, TagsBody};
use crate::ghl::tasks::{CreateTask, CreateTaskBody};
use crate::ghl::{build_request, BuildError, GhlTarget};
use crate::http::HttpRequest;
use crate::mapping::MappingOutcome;

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
}
