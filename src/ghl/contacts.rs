//! Contacts: the models GHL reads and writes, and one call type per endpoint.
//!
//! GHL writes and reads contacts in different shapes: create, update and upsert
//! each accept their own field list (an unknown field is a 422), custom fields are
//! written `{id|key, field_value}` and read `{id, value}`, and search answers use
//! `address` and an epoch `dateOfBirth` where GET uses `address1` and ISO text.

use super::catalogue::{
    CREATE_CONTACT, DELETE_CONTACT, FIND_DUPLICATE_CONTACT, GET_CONTACT, LIST_BUSINESS_CONTACTS,
    LIST_CONTACTS, SEARCH_CONTACTS, UPDATE_CONTACT, UPSERT_CONTACT,
};
use super::{Call, Endpoint, NoBody, Succeeded};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/// Per-channel do-not-disturb settings. The keys are GHL's, capitalised as on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DndSettings {
    #[serde(rename = "Call", default, skip_serializing_if = "Option::is_none")]
    pub call: Option<DndChannel>,
    #[serde(rename = "Email", default, skip_serializing_if = "Option::is_none")]
    pub email: Option<DndChannel>,
    #[serde(rename = "SMS", default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<DndChannel>,
    #[serde(rename = "WhatsApp", default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<DndChannel>,
    #[serde(rename = "GMB", default, skip_serializing_if = "Option::is_none")]
    pub gmb: Option<DndChannel>,
    #[serde(rename = "FB", default, skip_serializing_if = "Option::is_none")]
    pub fb: Option<DndChannel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DndChannel {
    pub status: DndStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DndStatus {
    Active,
    Inactive,
    Permanent,
    /// A status GHL adds later is kept, not a decode failure.
    #[serde(untagged)]
    Other(String),
}

/// Inbound DND (`{all: {status, message}}`): blocks inbound messages on all channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundDndSettings {
    pub all: InboundDnd,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundDnd {
    pub status: DndStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A custom field as written: by `id` or by `key` (`contact.my_field`), and a value
/// that is text, a number, a list (checkbox, multi-select) or an object (file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub field_value: Value,
}

/// A custom field as read: always by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    pub id: String,
    #[serde(default)]
    pub value: Value,
}

/// GET answers carry ISO text (`1990-09-25T00:00:00.000Z`), search answers epoch
/// milliseconds. Writes send text (`YYYY-MM-DD` and seven other layouts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DateOfBirth {
    Text(String),
    EpochMillis(i64),
}

// ---------------------------------------------------------------------------
// Write bodies
// ---------------------------------------------------------------------------

/// The fields create, update and upsert all accept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// GHL accepts loose formats (`+1 888-888-8888`) and stores E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Two-letter country code (`FR`, `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// IANA zone (`Europe/Paris`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<DateOfBirth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_settings: Option<DndSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_dnd_settings: Option<InboundDndSettings>,
    /// On update and upsert this **replaces** every tag; use the tags endpoints to
    /// add or remove a few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldInput>>,
    /// A GHL user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// `CreateContactDto`: the shared fields plus `locationId`, `gender`, `companyName`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContactBody {
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(flatten)]
    pub fields: ContactFields,
}

/// `UpdateContactDto`: the shared fields only. The spec has never listed
/// `companyName` here (an integrator reports GHL accepts it anyway); this model
/// follows the spec, since an unknown field is a 422.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UpdateContactBody {
    pub fields: ContactFields,
}

/// `UpsertContactDto`: a create body plus `createNewIfDuplicateAllowed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContactBody {
    #[serde(flatten)]
    pub contact: CreateContactBody,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_new_if_duplicate_allowed: Option<bool>,
}

// ---------------------------------------------------------------------------
// Read models
// ---------------------------------------------------------------------------

/// A contact as GHL returns it. Fields GHL adds that this model does not name
/// (`attachments`, `ssn`, `additionalEmails`, ...) are kept in `extra`, not dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Search answers say `address` where GET says `address1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `lead`, `customer`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_settings: Option<DndSettings>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<DateOfBirth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    /// Search answers only: the cursor to pass as `searchAfter` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    /// Every other field GHL sent, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{contact}`: the answer to get and create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactEnvelope {
    pub contact: Contact,
}

/// `{succeded, contact}`: the answer to update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatedContact {
    #[serde(rename = "succeded", alias = "succeeded", default)]
    pub succeeded: bool,
    pub contact: Contact,
}

/// `{new, contact, traceId}`: the answer to upsert. `new` says whether GHL created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertedContact {
    pub new: bool,
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// The list cursor real answers carry in `meta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<u64>,
}

/// `{contacts, count, meta?}`: the answer to list and by-business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ListMeta>,
}

impl ContactList {
    /// The `(startAfterId, startAfter)` cursor of the next page, if there is one.
    pub fn next_cursor(&self) -> Option<(String, i64)> {
        let meta = self.meta.as_ref()?;
        Some((meta.start_after_id.clone()?, meta.start_after?))
    }
}

/// `{contacts, total, traceId}`: the answer to search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactSearchResult {
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// `{contact}` or `{contact: null}`: the answer to duplicate search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateResult {
    #[serde(default)]
    pub contact: Option<Contact>,
}

// ---------------------------------------------------------------------------
// Search body
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContactsBody {
    pub location_id: String,
    /// Up to 500.
    pub page_limit: u32,
    /// Page number; stops at 10 000 records: beyond, use `search_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<SearchFilter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SearchSort>,
    /// Free text, up to 75 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// One condition, or a group of conditions joined by `AND` / `OR`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SearchFilter {
    Group {
        group: String,
        filters: Vec<SearchFilter>,
    },
    Condition {
        field: String,
        /// `eq`, `not_eq`, `contains`, `not_contains`, `exists`, `not_exists`, `range`, ...
        operator: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSort {
    pub field: String,
    /// `asc` or `desc`.
    pub direction: String,
}

// ---------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------

/// `GET /contacts/{contactId}`
#[derive(Debug, Clone)]
pub struct GetContact {
    pub contact_id: String,
}

impl Call for GetContact {
    type Response = ContactEnvelope;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &GET_CONTACT
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
}

/// `POST /contacts/`
#[derive(Debug, Clone)]
pub struct CreateContact {
    pub body: CreateContactBody,
}

impl Call for CreateContact {
    type Response = ContactEnvelope;
    type Body = CreateContactBody;
    fn endpoint(&self) -> &'static Endpoint {
        &CREATE_CONTACT
    }
    fn body(&self) -> Option<&CreateContactBody> {
        Some(&self.body)
    }
}

/// `PUT /contacts/{contactId}`
#[derive(Debug, Clone)]
pub struct UpdateContact {
    pub contact_id: String,
    pub body: UpdateContactBody,
}

impl Call for UpdateContact {
    type Response = UpdatedContact;
    type Body = UpdateContactBody;
    fn endpoint(&self) -> &'static Endpoint {
        &UPDATE_CONTACT
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
    fn body(&self) -> Option<&UpdateContactBody> {
        Some(&self.body)
    }
}

/// `DELETE /contacts/{contactId}`
#[derive(Debug, Clone)]
pub struct DeleteContact {
    pub contact_id: String,
}

impl Call for DeleteContact {
    type Response = Succeeded;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &DELETE_CONTACT
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.contact_id]
    }
}

/// `POST /contacts/upsert`
#[derive(Debug, Clone)]
pub struct UpsertContact {
    pub body: UpsertContactBody,
}

impl Call for UpsertContact {
    type Response = UpsertedContact;
    type Body = UpsertContactBody;
    fn endpoint(&self) -> &'static Endpoint {
        &UPSERT_CONTACT
    }
    fn body(&self) -> Option<&UpsertContactBody> {
        Some(&self.body)
    }
}

/// `GET /contacts/?locationId=...` (deprecated by GHL; search is preferred).
#[derive(Debug, Clone, Default)]
pub struct ListContacts {
    pub location_id: String,
    pub query: Option<String>,
    /// Default 20, at most 100.
    pub limit: Option<u32>,
    /// The cursor from the previous page's `meta`.
    pub start_after_id: Option<String>,
    pub start_after: Option<i64>,
}

impl Call for ListContacts {
    type Response = ContactList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_CONTACTS
    }
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("locationId", Some(self.location_id.clone())),
            ("query", self.query.clone()),
            ("limit", self.limit.map(|v| v.to_string())),
            ("startAfterId", self.start_after_id.clone()),
            ("startAfter", self.start_after.map(|v| v.to_string())),
        ]
    }
}

/// `POST /contacts/search`
#[derive(Debug, Clone)]
pub struct SearchContacts {
    pub body: SearchContactsBody,
}

impl Call for SearchContacts {
    type Response = ContactSearchResult;
    type Body = SearchContactsBody;
    fn endpoint(&self) -> &'static Endpoint {
        &SEARCH_CONTACTS
    }
    fn body(&self) -> Option<&SearchContactsBody> {
        Some(&self.body)
    }
}

/// `GET /contacts/search/duplicate?locationId=&email=&number=`
#[derive(Debug, Clone, Default)]
pub struct FindDuplicateContact {
    pub location_id: String,
    pub email: Option<String>,
    /// A phone number; `+` is escaped as `%2B` in the query, as GHL requires.
    pub number: Option<String>,
}

impl Call for FindDuplicateContact {
    type Response = DuplicateResult;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &FIND_DUPLICATE_CONTACT
    }
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("locationId", Some(self.location_id.clone())),
            ("number", self.number.clone()),
            ("email", self.email.clone()),
        ]
    }
}

/// `GET /contacts/business/{businessId}?locationId=&limit=&skip=&query=`
#[derive(Debug, Clone, Default)]
pub struct ListBusinessContacts {
    pub business_id: String,
    pub location_id: String,
    pub limit: Option<u32>,
    pub skip: Option<u32>,
    pub query: Option<String>,
}

impl Call for ListBusinessContacts {
    type Response = ContactList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &LIST_BUSINESS_CONTACTS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.business_id]
    }
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("locationId", Some(self.location_id.clone())),
            ("limit", self.limit.map(|v| v.to_string())),
            ("skip", self.skip.map(|v| v.to_string())),
            ("query", self.query.clone()),
        ]
    }
}
