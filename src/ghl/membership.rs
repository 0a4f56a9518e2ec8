//! A contact's followers, campaigns and workflows, and the two bulk
//! operations (tags, business) of the contacts API: the operations that
//! start or stop a follow-up sequence in GHL. Source: `apps/contacts.json`.

use super::catalogue::{
    ADD_FOLLOWERS, ADD_TO_CAMPAIGN, ADD_TO_WORKFLOW, BULK_BUSINESS, BULK_TAGS, REMOVE_FOLLOWERS,
    REMOVE_FROM_ALL_CAMPAIGNS, REMOVE_FROM_CAMPAIGN, REMOVE_FROM_WORKFLOW,
};
use super::{Call, Endpoint, NoBody, Succeeded};
use serde::{Deserialize, Serialize};

/// `FollowersDTO`: user ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowersBody {
    pub followers: Vec<String>,
}

/// The followers after an add (`followersAdded`) or a removal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowersAnswer {
    #[serde(default)]
    pub followers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_added: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_removed: Option<Vec<String>>,
}

/// `POST /contacts/{contactId}/followers` (answers 201).
#[derive(Debug, Clone)]
pub struct AddFollowers {
    pub contact_id: String,
    pub body: FollowersBody,
}

/// `DELETE /contacts/{contactId}/followers` with a body.
#[derive(Debug, Clone)]
pub struct RemoveFollowers {
    pub contact_id: String,
    pub body: FollowersBody,
}

/// `AddContactToCampaignDto`: an empty object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyBody {}

/// `POST /contacts/{contactId}/campaigns/{campaignId}` (answers 201).
#[derive(Debug, Clone)]
pub struct AddToCampaign {
    pub contact_id: String,
    pub campaign_id: String,
    pub body: EmptyBody,
}

/// `DELETE /contacts/{contactId}/campaigns/{campaignId}`.
#[derive(Debug, Clone)]
pub struct RemoveFromCampaign {
    pub contact_id: String,
    pub campaign_id: String,
}

/// `DELETE /contacts/{contactId}/campaigns/removeAll`: a STOP leaves every one.
#[derive(Debug, Clone)]
pub struct RemoveFromAllCampaigns {
    pub contact_id: String,
}

/// `CreateWorkflowDto`: when the workflow's event starts (ISO 8601 with an
/// offset, as the spec's example `2021-06-23T03:30:00+01:00`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_start_time: Option<String>,
}

/// `POST /contacts/{contactId}/workflow/{workflowId}` (answers 200).
#[derive(Debug, Clone)]
pub struct AddToWorkflow {
    pub contact_id: String,
    pub workflow_id: String,
    pub body: WorkflowBody,
}

/// `DELETE /contacts/{contactId}/workflow/{workflowId}` with a body.
#[derive(Debug, Clone)]
pub struct RemoveFromWorkflow {
    pub contact_id: String,
    pub workflow_id: String,
    pub body: WorkflowBody,
}

/// Which way the bulk tag update goes (the path's `{type}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkTagsChange {
    Add,
    Remove,
}

impl BulkTagsChange {
    fn as_str(self) -> &'static str {
        match self {
            BulkTagsChange::Add => "add",
            BulkTagsChange::Remove => "remove",
        }
    }
}

/// `UpdateTagsDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsBody {
    pub contacts: Vec<String>,
    pub tags: Vec<String>,
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_all_tags: Option<bool>,
}

/// `UpdateTagsResponseDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsAnswer {
    #[serde(rename = "succeded", alias = "succeeded")]
    pub succeeded: bool,
    pub error_count: f64,
    #[serde(default)]
    pub responses: Vec<String>,
}

/// `POST /contacts/bulk/tags/update/{type}` (answers 201).
#[derive(Debug, Clone)]
pub struct BulkTags {
    pub change: BulkTagsChange,
    pub body: BulkTagsBody,
}

/// `ContactsBusinessUpdate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkBusinessBody {
    pub location_id: String,
    pub ids: Vec<String>,
    pub business_id: String,
}

/// `ContactsBulkUpateResponse` (sic).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkBusinessAnswer {
    pub success: bool,
    pub ids: Vec<String>,
}

/// `POST /contacts/bulk/business`.
#[derive(Debug, Clone)]
pub struct BulkBusiness {
    pub body: BulkBusinessBody,
}

/// The `Call` of an operation whose path values are the call's fields, in
/// order, and whose body (if any) is its `body` field.
macro_rules! call {
    ($call:ty, $endpoint:expr, $response:ty, [$($field:ident),*] $(, body: $body:ty)?) => {
        impl Call for $call {
            type Response = $response;
            type Body = call!(@body $($body)?);
            fn endpoint(&self) -> &'static Endpoint {
                &$endpoint
            }
            fn path_values(&self) -> Vec<&str> {
                vec![$(&self.$field),*]
            }
            $(fn body(&self) -> Option<&$body> {
                Some(&self.body)
            })?
        }
    };
    (@body $body:ty) => { $body };
    (@body) => { NoBody };
}

call!(AddFollowers, ADD_FOLLOWERS, FollowersAnswer, [contact_id], body: FollowersBody);
call!(RemoveFollowers, REMOVE_FOLLOWERS, FollowersAnswer, [contact_id], body: FollowersBody);
call!(AddToCampaign, ADD_TO_CAMPAIGN, Succeeded, [contact_id, campaign_id], body: EmptyBody);
call!(
    RemoveFromCampaign,
    REMOVE_FROM_CAMPAIGN,
    Succeeded,
    [contact_id, campaign_id]
);
call!(
    RemoveFromAllCampaigns,
    REMOVE_FROM_ALL_CAMPAIGNS,
    Succeeded,
    [contact_id]
);
call!(AddToWorkflow, ADD_TO_WORKFLOW, Succeeded, [contact_id, workflow_id], body: WorkflowBody);
call!(RemoveFromWorkflow, REMOVE_FROM_WORKFLOW, Succeeded, [contact_id, workflow_id], body: WorkflowBody);
call!(BulkBusiness, BULK_BUSINESS, BulkBusinessAnswer, [], body: BulkBusinessBody);

impl Call for BulkTags {
    type Response = BulkTagsAnswer;
    type Body = BulkTagsBody;
    fn endpoint(&self) -> &'static Endpoint {
        &BULK_TAGS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![self.change.as_str()]
    }
    fn body(&self) -> Option<&BulkTagsBody> {
        Some(&self.body)
    }
}
