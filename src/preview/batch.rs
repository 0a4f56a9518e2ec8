//! Many rows (a CSV export) through one mapping: what each row would do, and the
//! counts a user checks before importing: create, update, duplicate inside the
//! file, conflict, invalid.

use crate::dedupe::{IdentityDecision, KnownContacts};
use crate::mapping::{ApplyOptions, CsvRow, Mapping};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RowAction {
    /// A new contact.
    Create,
    /// Updates a contact the location already has.
    Update,
    /// Same person as an earlier row: the Worker would update the contact
    /// that row wrote (one contact, not two).
    DuplicateInFile,
    /// E-mail and phone belong to two different contacts: parked for a person.
    Conflict,
    /// No usable identity (or the row could not be read).
    Invalid,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowPreview {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub action: RowAction,
    pub identity_keys: Vec<String>,
    /// The existing contact this row updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// For a duplicate: the line of the first row with this person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_line: Option<u64>,
    /// Why the row is invalid or in conflict.
    pub reasons: Vec<String>,
    /// Values the mapping refused in this row (the row still syncs).
    pub warnings: Vec<String>,
    /// GHL calls for this row (0 when invalid or in conflict).
    pub calls: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    pub rows: usize,
    pub create: usize,
    pub update: usize,
    pub duplicate_in_file: usize,
    pub conflict: usize,
    pub invalid: usize,
    /// Rows with at least one refused value.
    pub with_warnings: usize,
    /// GHL calls for the whole file.
    pub calls: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchPreview {
    pub summary: BatchSummary,
    pub rows: Vec<RowPreview>,
}

/// Runs every row in order, as the Worker would receive them: each created
/// contact becomes known, so a later row with the same e-mail or phone counts
/// as a duplicate inside the file.
pub fn preview_batch(
    mapping: &Mapping,
    rows: &[CsvRow],
    known: &KnownContacts,
    now_unix: i64,
) -> BatchPreview {
    let mut known = known.clone();
    // Contacts this file writes (created ones get a placeholder id) -> the
    // line of the first row that writes them.
    let new_contact_id = |line: u64| format!("new:line-{line}");
    let mut written: HashMap<String, u64> = HashMap::new();
    let mut summary = BatchSummary {
        rows: rows.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let outcome = mapping.apply(
            &row.payload,
            &ApplyOptions {
                now_unix,
                explain: false,
            },
        );
        let warnings: Vec<String> = outcome
            .warnings
            .iter()
            .map(|w| match &w.target {
                Some(t) => format!("{t}: {}", w.message),
                None => w.message.clone(),
            })
            .collect();
        let mut preview = RowPreview {
            line: row.line,
            action: RowAction::Invalid,
            identity_keys: outcome.identity.all(),
            contact_id: None,
            first_line: None,
            reasons: outcome.errors.iter().map(|e| e.message.clone()).collect(),
            warnings,
            calls: 0,
        };
        if preview.reasons.is_empty() {
            match known.decide(&outcome.identity) {
                IdentityDecision::Create => {
                    preview.action = RowAction::Create;
                    let id = new_contact_id(row.line);
                    known.remember(&outcome.identity, &id);
                    written.insert(id, row.line);
                }
                IdentityDecision::Update { contact_id, .. } => {
                    if let Some(first) = written.get(&contact_id) {
                        preview.action = RowAction::DuplicateInFile;
                        preview.first_line = Some(*first);
                    } else {
                        preview.action = RowAction::Update;
                        written.insert(contact_id.clone(), row.line);
                    }
                    if !contact_id.starts_with("new:") {
                        preview.contact_id = Some(contact_id.clone());
                    }
                    known.remember(&outcome.identity, &contact_id);
                }
                IdentityDecision::Conflict {
                    email_contact_id,
                    phone_contact_id,
                } => {
                    preview.action = RowAction::Conflict;
                    preview.reasons.push(format!(
                        "the e-mail belongs to {} and the phone to {}: the Worker would park this row for a person to decide",
                        describe(&email_contact_id),
                        describe(&phone_contact_id)
                    ));
                }
                IdentityDecision::NoIdentity => {
                    preview
                        .reasons
                        .push("no e-mail or phone to match on".into());
                }
            }
        }
        if matches!(
            preview.action,
            RowAction::Create | RowAction::Update | RowAction::DuplicateInFile
        ) {
            preview.calls = 1
                + usize::from(!outcome.tags.is_empty())
                + outcome.notes.len()
                + outcome.tasks.len()
                + outcome.appointments.len();
        }
        match preview.action {
            RowAction::Create => summary.create += 1,
            RowAction::Update => summary.update += 1,
            RowAction::DuplicateInFile => summary.duplicate_in_file += 1,
            RowAction::Conflict => summary.conflict += 1,
            RowAction::Invalid => summary.invalid += 1,
        }
        summary.with_warnings += usize::from(!preview.warnings.is_empty());
        summary.calls += preview.calls;
        out.push(preview);
    }
    BatchPreview { summary, rows: out }
}

fn describe(contact_id: &str) -> String {
    match contact_id.strip_prefix("new:line-") {
        Some(line) => format!("the contact created by line {line}"),
        None => format!("contact {contact_id}"),
    }
}
