//! Notes on a contact.

use super::catalogue::{CREATE_NOTE, DELETE_NOTE, GET_NOTE, LIST_NOTES, UPDATE_NOTE};
use super::{Call, Endpoint, NoBody, Succeeded};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A note as GHL returns it; unknown fields kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `#FFAA00`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `NotesDTO`: `body` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteBody {
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// `UpdateNoteDTO`: the same fields, none required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNoteBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteList {
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteEnvelope {
    pub note: Note,
}

/// `GET /contacts/{contactId}/notes`
#[derive(Debug, Clone)]
pub struct ListNotes {
    pub contact_id: String,
}

impl Call for ListNotes {
    type Response = NoteList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_NOTES
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
}

/// `GET /contacts/{contactId}/notes/{id}`
#[derive(Debug, Clone)]
pub struct GetNote {
    pub contact_id: String,
    pub note_id: String,
}

impl Call for GetNote {
    type Response = NoteEnvelope;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &GET_NOTE
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.note_id]
    }
}

/// `POST /contacts/{contactId}/notes`
#[derive(Debug, Clone)]
pub struct CreateNote {
    pub contact_id: String,
    pub body: NoteBody,
}

impl Call for CreateNote {
    type Response = NoteEnvelope;
    type Body = NoteBody;
    fn endpoint(&self) -> &'static Endpoint {
        &CREATE_NOTE
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
    fn body(&self) -> Option<&NoteBody> {
        Some(&self.body)
    }
}

/// `PUT /contacts/{contactId}/notes/{id}`
#[derive(Debug, Clone)]
pub struct UpdateNote {
    pub contact_id: String,
    pub note_id: String,
    pub body: UpdateNoteBody,
}

impl Call for UpdateNote {
    type Response = NoteEnvelope;
    type Body = UpdateNoteBody;
    fn endpoint(&self) -> &'static Endpoint {
        &UPDATE_NOTE
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.note_id]
    }
    fn body(&self) -> Option<&UpdateNoteBody> {
        Some(&self.body)
    }
}

/// `DELETE /contacts/{contactId}/notes/{id}`
#[derive(Debug, Clone)]
pub struct DeleteNote {
    pub contact_id: String,
    pub note_id: String,
}

impl Call for DeleteNote {
    type Response = Succeeded;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &DELETE_NOTE
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id, &self.note_id]
    }
}
