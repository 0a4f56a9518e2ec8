//! The conversation provider's calls: a message's delivery status, a message
//! added to a contact's conversation (a reply), and finding or starting that
//! conversation. Source: `shared/anchors/ghl/apps/conversations.json`.

use super::catalogue::{
    ADD_INBOUND_MESSAGE, CREATE_CONVERSATION, SEARCH_CONVERSATIONS, UPDATE_MESSAGE_STATUS,
};
use super::{Call, Endpoint, NoBody};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `UpdateMessageStatusDto.status`: the spec's closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Pending,
    Delivered,
    Failed,
    Read,
}

impl MessageStatus {
    /// A status no later report may replace (a late "pending" after
    /// "delivered" would show the message as not yet arrived).
    pub fn is_final(self) -> bool {
        !matches!(self, MessageStatus::Pending)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Read => "read",
        }
    }
}

/// `ErrorDto`: all three fields required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageError {
    pub code: String,
    /// GHL's example is `saas`.
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

/// `UpdateMessageStatusDto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageStatusBody {
    pub status: MessageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MessageError>,
}

/// The answer: `{conversationId, messageId, status, ...}`, kept whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageStatusAnswer {
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// `PUT /conversations/messages/{messageId}/status`
#[derive(Debug, Clone)]
pub struct UpdateMessageStatus {
    pub message_id: String,
    pub body: MessageStatusBody,
}

impl Call for UpdateMessageStatus {
    type Response = MessageStatusAnswer;
    type Body = MessageStatusBody;
    fn endpoint(&self) -> &'static Endpoint {
        &UPDATE_MESSAGE_STATUS
    }
    fn path_values(&self) -> Vec<&str> {
        vec![&self.message_id]
    }
    fn body(&self) -> Option<&MessageStatusBody> {
        Some(&self.body)
    }
}

/// `ProcessMessageBodyDto.direction`. The spec defaults it to outbound, so
/// the bridge always says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// `ProcessMessageBodyDto`, the fields an SMS uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundMessageBody {
    /// Always `SMS` here.
    #[serde(rename = "type")]
    pub kind: String,
    pub conversation_id: String,
    pub contact_id: String,
    pub conversation_provider_id: String,
    pub message: String,
    pub direction: Direction,
    /// The provider's own id of the message (Spot-Hit's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_id: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// `ProcessMessageResponseDto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessedMessage {
    pub success: bool,
    pub conversation_id: String,
    pub message_id: String,
    #[serde(default)]
    pub message: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /conversations/messages/inbound`
#[derive(Debug, Clone)]
pub struct AddInboundMessage {
    pub body: InboundMessageBody,
}

impl Call for AddInboundMessage {
    type Response = ProcessedMessage;
    type Body = InboundMessageBody;
    fn endpoint(&self) -> &'static Endpoint {
        &ADD_INBOUND_MESSAGE
    }
    fn body(&self) -> Option<&InboundMessageBody> {
        Some(&self.body)
    }
}

/// One conversation of a search (`ConversationSchema`; the rest kept whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `SendConversationResponseDto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
    #[serde(default)]
    pub total: u64,
}

/// `GET /conversations/search?locationId=&contactId=`
#[derive(Debug, Clone)]
pub struct SearchConversations {
    pub location_id: String,
    pub contact_id: String,
}

impl Call for SearchConversations {
    type Response = ConversationList;
    type Body = NoBody;
    fn endpoint(&self) -> &'static Endpoint {
        &SEARCH_CONVERSATIONS
    }
    fn query(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("locationId", Some(self.location_id.clone())),
            ("contactId", Some(self.contact_id.clone())),
        ]
    }
}

/// `CreateConversationDto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConversationBody {
    pub location_id: String,
    pub contact_id: String,
}

/// `CreateConversationSuccessResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedConversation {
    pub success: bool,
    pub conversation: Conversation,
}

/// `POST /conversations/` (answers 201).
#[derive(Debug, Clone)]
pub struct CreateConversation {
    pub body: CreateConversationBody,
}

impl Call for CreateConversation {
    type Response = CreatedConversation;
    type Body = CreateConversationBody;
    fn endpoint(&self) -> &'static Endpoint {
        &CREATE_CONVERSATION
    }
    fn body(&self) -> Option<&CreateConversationBody> {
        Some(&self.body)
    }
}

/// GHL's `ProviderOutboundMessage`: what the Delivery URL receives when a
/// user, a workflow or a bulk action sends an SMS through the provider.
/// Nothing is marked required in GHL's docs; the bridge needs the ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderOutboundMessage {
    pub location_id: String,
    pub message_id: String,
    #[serde(default)]
    pub contact_id: String,
    /// `SMS`; `Custom` for an extra-channel provider.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// E.164.
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl ProviderOutboundMessage {
    /// Read from the Delivery URL's body, with what is wrong said.
    pub fn read(body: &str) -> Result<ProviderOutboundMessage, String> {
        let message: ProviderOutboundMessage =
            crate::json::read(body).map_err(|e| format!("not a ProviderOutboundMessage: {e}"))?;
        if message.location_id.trim().is_empty() || message.message_id.trim().is_empty() {
            return Err("`locationId` and `messageId` are required".into());
        }
        if !matches!(message.kind.as_str(), "SMS" | "Custom") {
            return Err(format!(
                "`type` is `{}`: this provider sends SMS only",
                message.kind
            ));
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::{build_request, GhlTarget};

    fn target() -> GhlTarget {
        GhlTarget {
            base_url: "https://gh.example".into(),
            token: "t".into(),
        }
    }

    #[test]
    fn a_status_is_a_put_with_the_conversations_version() {
        let call = UpdateMessageStatus {
            message_id: "m 1".into(),
            body: MessageStatusBody {
                status: MessageStatus::Failed,
                error: Some(MessageError {
                    code: "spothit-6".into(),
                    kind: "saas".into(),
                    message: "invalid recipient number".into(),
                }),
            },
        };
        let request = build_request(&call, &target()).unwrap();
        assert_eq!(request.method.as_str(), "PUT");
        assert_eq!(
            request.url,
            "https://gh.example/conversations/messages/m%201/status"
        );
        assert!(request
            .headers
            .contains(&("Version".into(), "2021-04-15".into())));
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "failed", "error": {"code": "spothit-6", "type": "saas", "message": "invalid recipient number"}})
        );
    }

    #[test]
    fn an_inbound_message_always_says_its_direction() {
        let call = AddInboundMessage {
            body: InboundMessageBody {
                kind: "SMS".into(),
                conversation_id: "cv".into(),
                contact_id: "c".into(),
                conversation_provider_id: "p".into(),
                message: "oui".into(),
                direction: Direction::Inbound,
                alt_id: Some("sh1".into()),
                date: None,
            },
        };
        let request = build_request(&call, &target()).unwrap();
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["direction"], "inbound");
        assert_eq!(body["type"], "SMS");
        assert_eq!(body["altId"], "sh1");
        assert!(body.get("date").is_none());
    }

    #[test]
    fn the_delivery_url_body_is_read_with_what_is_wrong() {
        let ok = r#"{"contactId":"c","locationId":"l","messageId":"m","type":"SMS","phone":"+33612345678","message":"Bonjour","attachments":[],"userId":"u"}"#;
        let m = ProviderOutboundMessage::read(ok).unwrap();
        assert_eq!(
            (m.phone.as_str(), m.message.as_str()),
            ("+33612345678", "Bonjour")
        );
        let email = ok.replace("\"SMS\"", "\"Email\"");
        assert!(ProviderOutboundMessage::read(&email)
            .unwrap_err()
            .contains("SMS only"));
        let no_id = ok.replace("\"messageId\":\"m\",", "");
        assert!(ProviderOutboundMessage::read(&no_id)
            .unwrap_err()
            .contains("messageId"));
        assert!(ProviderOutboundMessage::read("nope").is_err());
    }
}
