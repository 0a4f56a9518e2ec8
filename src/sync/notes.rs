//! The notes an event wrote, kept on its record: an event replayed after its
//! mapping was fixed updates a note whose text changed (one `PUT`), where
//! resuming after its done steps would have left the old text, and writing
//! it again would have doubled it.

use super::model::{EventRecord, WrittenNote};
use crate::ghl::notes::{NoteEnvelope, UpdateNote, UpdateNoteBody};
use crate::ghl::{build_request, BuildError, GhlTarget};
use crate::http::{HttpRequest, HttpResponse};
use crate::mapping::NoteDraft;

/// Keeps the `ordinal`-th note of the event as GHL created it.
pub fn remember(
    record: &mut EventRecord,
    ordinal: usize,
    note: &NoteDraft,
    created: &HttpResponse,
) {
    let Ok(envelope) = crate::json::read::<NoteEnvelope>(&created.body) else {
        return;
    };
    let written = WrittenNote {
        id: envelope.note.id,
        digest: WrittenNote::digest(note.title.as_deref(), &note.body),
    };
    if record.notes_written.len() > ordinal {
        record.notes_written[ordinal] = written;
    } else if record.notes_written.len() == ordinal {
        record.notes_written.push(written);
    }
}

/// The update of the `ordinal`-th note, if the event wrote it and its text
/// is not `note`'s now; with the digest to keep once GHL took it.
pub fn update_if_changed(
    record: &EventRecord,
    ordinal: usize,
    contact_id: &str,
    note: &NoteDraft,
    target: &GhlTarget,
) -> Result<Option<(HttpRequest, String)>, BuildError> {
    let Some(written) = record.notes_written.get(ordinal) else {
        return Ok(None);
    };
    let digest = WrittenNote::digest(note.title.as_deref(), &note.body);
    if written.digest == digest {
        return Ok(None);
    }
    let call = UpdateNote {
        contact_id: contact_id.to_string(),
        note_id: written.id.clone(),
        body: UpdateNoteBody {
            body: Some(note.body.clone()),
            title: note.title.clone(),
            ..UpdateNoteBody::default()
        },
    };
    Ok(Some((build_request(&call, target)?, digest)))
}
