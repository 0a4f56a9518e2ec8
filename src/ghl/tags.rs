//! Adding and removing a contact's tags without touching the others.

use super::catalogue::{ADD_TAGS, REMOVE_TAGS};
use super::{Call, Endpoint};
use serde::{Deserialize, Serialize};

/// `{tags}`: the body of both tag endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsBody {
    pub tags: Vec<String>,
}

/// `{tags}`: the contact's tags after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagList {
    pub tags: Vec<String>,
}

/// `POST /contacts/{contactId}/tags` (answers 201).
#[derive(Debug, Clone)]
pub struct AddTags {
    pub contact_id: String,
    pub body: TagsBody,
}

impl Call for AddTags {
    type Response = TagList;
    type Body = TagsBody;
    fn endpoint(&self) -> &'static Endpoint {
        &ADD_TAGS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
    fn body(&self) -> Option<&TagsBody> {
        Some(&self.body)
    }
}

/// `DELETE /contacts/{contactId}/tags` with a JSON body.
#[derive(Debug, Clone)]
pub struct RemoveTags {
    pub contact_id: String,
    pub body: TagsBody,
}

impl Call for RemoveTags {
    type Response = TagList;
    type Body = TagsBody;
    fn endpoint(&self) -> &'static Endpoint {
        &REMOVE_TAGS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
    fn body(&self) -> Option<&TagsBody> {
        Some(&self.body)
    }
}
