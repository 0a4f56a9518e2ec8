//! The endpoint catalogue: every GHL endpoint ghl-bridge uses, as plain data.
//!
//! Paths, scopes, versions and success statuses follow the official OpenAPI files
//! (`shared/anchors/ghl/apps/contacts.json`; `apps/calendars.json` of the same
//! repository for appointments). `uncertain` says where those files are silent or
//! wrong and what this model assumes instead.

use super::{CALENDARS_API_VERSION, CONTACTS_API_VERSION};
use crate::http::Method;
use serde::Serialize;

/// The resource family an endpoint belongs to (one fixture file per family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Contacts,
    Tasks,
    Notes,
    Appointments,
    Tags,
}

/// One endpoint, as data any transport can send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Stable id, `family.operation`.
    pub id: &'static str,
    /// GHL's own operationId in the OpenAPI file.
    pub operation_id: &'static str,
    pub family: Family,
    pub method: Method,
    /// Path template; `{name}` marks a path value.
    pub path: &'static str,
    /// OAuth scope the token needs.
    pub scope: &'static str,
    /// The `Version` header value.
    pub version: &'static str,
    /// The status GHL answers on success (201 for creates and add-tags).
    pub success_status: u16,
    /// Rust type names of the query, body and response (for docs and previews).
    pub query: Option<&'static str>,
    pub body: Option<&'static str>,
    pub response: &'static str,
    pub summary: &'static str,
    /// What the official sources leave unsure, and what is assumed.
    pub uncertain: Option<&'static str>,
}

impl Endpoint {
    /// The placeholder names of the path template, in order.
    pub fn placeholders(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }

    pub fn by_id(id: &str) -> Option<&'static Endpoint> {
        CATALOGUE.iter().copied().find(|e| e.id == id)
    }
}

const READ: &str = "contacts.readonly";
const WRITE: &str = "contacts.write";

/// Shorthand for the catalogue's many entries that share a version and family.
const fn contacts_api(
    id: &'static str,
    operation_id: &'static str,
    family: Family,
    method: Method,
    path: &'static str,
    scope: &'static str,
    success_status: u16,
    types: (Option<&'static str>, Option<&'static str>, &'static str),
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        id,
        operation_id,
        family,
        method,
        path,
        scope,
        version: CONTACTS_API_VERSION,
        success_status,
        query: types.0,
        body: types.1,
        response: types.2,
        summary,
        uncertain: None,
    }
}

use Family::*;
use Method::*;

// ---- contacts ----
pub const GET_CONTACT: Endpoint = contacts_api(
    "contacts.get",
    "get-contact",
    Contacts,
    Get,
    "/contacts/{contactId}",
    READ,
    200,
    (None, None, "ContactEnvelope"),
    "Get one contact by id",
);
pub const CREATE_CONTACT: Endpoint = contacts_api(
    "contacts.create",
    "create-contact",
    Contacts,
    Post,
    "/contacts/",
    WRITE,
    201,
    (None, Some("CreateContactBody"), "ContactEnvelope"),
    "Create a contact (refused when it duplicates one and duplicates are not allowed)",
);
pub const UPDATE_CONTACT: Endpoint = contacts_api(
    "contacts.update",
    "update-contact",
    Contacts,
    Put,
    "/contacts/{contactId}",
    WRITE,
    200,
    (None, Some("UpdateContactBody"), "UpdatedContact"),
    "Update a contact; `tags` here replaces all tags",
);
pub const DELETE_CONTACT: Endpoint = contacts_api(
    "contacts.delete",
    "delete-contact",
    Contacts,
    Delete,
    "/contacts/{contactId}",
    WRITE,
    200,
    (None, None, "Succeeded"),
    "Delete a contact",
);
pub const UPSERT_CONTACT: Endpoint = contacts_api(
    "contacts.upsert",
    "upsert-contact",
    Contacts,
    Post,
    "/contacts/upsert",
    WRITE,
    200,
    (None, Some("UpsertContactBody"), "UpsertedContact"),
    "Create or update by the location's duplicate rules, in one call",
);
pub const LIST_CONTACTS: Endpoint = Endpoint {
    uncertain: Some(
        "Deprecated by GHL in favour of search. The OpenAPI file documents `{contacts, count}`; \
         real answers also carry `meta` with the `startAfter`/`startAfterId` cursor (seen in \
         integrations, not in the spec).",
    ),
    ..contacts_api(
        "contacts.list",
        "get-contacts",
        Contacts,
        Get,
        "/contacts/",
        READ,
        200,
        (Some("ListContacts"), None, "ContactList"),
        "List contacts of a location, cursor-paginated (deprecated)",
    )
};
pub const SEARCH_CONTACTS: Endpoint = Endpoint {
    uncertain: Some(
        "The OpenAPI file leaves body and answer empty. Modelled from GHL's search guide as \
         mirrored publicly: `locationId` and `pageLimit` (max 500) required; answer \
         `{contacts, total}`, contacts with `address` (not `address1`), an epoch \
         `dateOfBirth` and a `searchAfter` cursor.",
    ),
    ..contacts_api(
        "contacts.search",
        "search-contacts-advanced",
        Contacts,
        Post,
        "/contacts/search",
        READ,
        200,
        (None, Some("SearchContactsBody"), "ContactSearchResult"),
        "Search contacts with filters, sort and page or searchAfter pagination",
    )
};
pub const FIND_DUPLICATE_CONTACT: Endpoint = Endpoint {
    uncertain: Some(
        "The OpenAPI file gives no answer schema; modelled as `{contact}` with `contact` absent \
         or null when there is no match, as integrators report.",
    ),
    ..contacts_api(
        "contacts.duplicate",
        "get-duplicate-contact",
        Contacts,
        Get,
        "/contacts/search/duplicate",
        READ,
        200,
        (Some("FindDuplicateContact"), None, "DuplicateResult"),
        "Find the contact an email or phone would duplicate, by the location's rules",
    )
};
pub const LIST_BUSINESS_CONTACTS: Endpoint = contacts_api(
    "contacts.byBusiness",
    "get-contacts-by-businessId",
    Contacts,
    Get,
    "/contacts/business/{businessId}",
    READ,
    200,
    (Some("ListBusinessContacts"), None, "ContactList"),
    "List the contacts of a business",
);

// ---- tasks ----
pub const LIST_TASKS: Endpoint = contacts_api(
    "tasks.list",
    "get-all-tasks",
    Tasks,
    Get,
    "/contacts/{contactId}/tasks",
    READ,
    200,
    (None, None, "TaskList"),
    "List a contact's tasks",
);
pub const GET_TASK: Endpoint = contacts_api(
    "tasks.get",
    "get-task",
    Tasks,
    Get,
    "/contacts/{contactId}/tasks/{taskId}",
    READ,
    200,
    (None, None, "TaskEnvelope"),
    "Get one task",
);
pub const CREATE_TASK: Endpoint = contacts_api(
    "tasks.create",
    "create-task",
    Tasks,
    Post,
    "/contacts/{contactId}/tasks",
    WRITE,
    201,
    (None, Some("CreateTaskBody"), "TaskEnvelope"),
    "Create a task on a contact",
);
pub const UPDATE_TASK: Endpoint = contacts_api(
    "tasks.update",
    "update-task",
    Tasks,
    Put,
    "/contacts/{contactId}/tasks/{taskId}",
    WRITE,
    200,
    (None, Some("UpdateTaskBody"), "TaskEnvelope"),
    "Update a task",
);
pub const SET_TASK_COMPLETED: Endpoint = contacts_api(
    "tasks.setCompleted",
    "update-task-completed",
    Tasks,
    Put,
    "/contacts/{contactId}/tasks/{taskId}/completed",
    WRITE,
    200,
    (None, Some("SetTaskCompletedBody"), "TaskEnvelope"),
    "Mark a task completed or not",
);
pub const DELETE_TASK: Endpoint = contacts_api(
    "tasks.delete",
    "delete-task",
    Tasks,
    Delete,
    "/contacts/{contactId}/tasks/{taskId}",
    WRITE,
    200,
    (None, None, "Succeeded"),
    "Delete a task",
);

// ---- notes ----
pub const LIST_NOTES: Endpoint = contacts_api(
    "notes.list",
    "get-all-notes",
    Notes,
    Get,
    "/contacts/{contactId}/notes",
    READ,
    200,
    (None, None, "NoteList"),
    "List a contact's notes",
);
pub const GET_NOTE: Endpoint = contacts_api(
    "notes.get",
    "get-note",
    Notes,
    Get,
    "/contacts/{contactId}/notes/{id}",
    READ,
    200,
    (None, None, "NoteEnvelope"),
    "Get one note",
);
pub const CREATE_NOTE: Endpoint = contacts_api(
    "notes.create",
    "create-note",
    Notes,
    Post,
    "/contacts/{contactId}/notes",
    WRITE,
    201,
    (None, Some("NoteBody"), "NoteEnvelope"),
    "Add a note to a contact",
);
pub const UPDATE_NOTE: Endpoint = contacts_api(
    "notes.update",
    "update-note",
    Notes,
    Put,
    "/contacts/{contactId}/notes/{id}",
    WRITE,
    200,
    (None, Some("UpdateNoteBody"), "NoteEnvelope"),
    "Update a note",
);
pub const DELETE_NOTE: Endpoint = contacts_api(
    "notes.delete",
    "delete-note",
    Notes,
    Delete,
    "/contacts/{contactId}/notes/{id}",
    WRITE,
    200,
    (None, None, "Succeeded"),
    "Delete a note",
);

// ---- appointments ----
pub const LIST_CONTACT_APPOINTMENTS: Endpoint = contacts_api(
    "appointments.listForContact",
    "get-appointments-for-contact",
    Appointments,
    Get,
    "/contacts/{contactId}/appointments",
    READ,
    200,
    (None, None, "AppointmentList"),
    "List a contact's appointments",
);
pub const CREATE_APPOINTMENT: Endpoint = Endpoint {
    id: "appointments.create",
    operation_id: "create-appointment",
    family: Appointments,
    method: Post,
    path: "/calendars/events/appointments",
    scope: "calendars/events.write",
    version: CALENDARS_API_VERSION,
    success_status: 200,
    query: None,
    body: Some("CreateAppointmentBody"),
    response: "Appointment",
    summary: "Book an appointment for a contact in a calendar (calendars API)",
    uncertain: Some(
        "Read from GHL's calendars OpenAPI file, which is not in shared/anchors: success is \
         documented as 200 with the appointment unwrapped (not `{appointment}`); other GHL \
         creates answer 201, so any 2xx is accepted.",
    ),
};

// ---- tags ----
pub const ADD_TAGS: Endpoint = contacts_api(
    "tags.add",
    "add-tags",
    Tags,
    Post,
    "/contacts/{contactId}/tags",
    WRITE,
    201,
    (None, Some("TagsBody"), "TagList"),
    "Add tags to a contact (keeps the others)",
);
pub const REMOVE_TAGS: Endpoint = contacts_api(
    "tags.remove",
    "remove-tags",
    Tags,
    Delete,
    "/contacts/{contactId}/tags",
    WRITE,
    200,
    (None, Some("TagsBody"), "TagList"),
    "Remove tags from a contact (a DELETE with a body)",
);

/// Every endpoint, in catalogue order.
pub const CATALOGUE: &[&Endpoint] = &[
    &GET_CONTACT,
    &CREATE_CONTACT,
    &UPDATE_CONTACT,
    &DELETE_CONTACT,
    &UPSERT_CONTACT,
    &LIST_CONTACTS,
    &SEARCH_CONTACTS,
    &FIND_DUPLICATE_CONTACT,
    &LIST_BUSINESS_CONTACTS,
    &LIST_TASKS,
    &GET_TASK,
    &CREATE_TASK,
    &UPDATE_TASK,
    &SET_TASK_COMPLETED,
    &DELETE_TASK,
    &LIST_NOTES,
    &GET_NOTE,
    &CREATE_NOTE,
    &UPDATE_NOTE,
    &DELETE_NOTE,
    &LIST_CONTACT_APPOINTMENTS,
    &CREATE_APPOINTMENT,
    &ADD_TAGS,
    &REMOVE_TAGS,
];
