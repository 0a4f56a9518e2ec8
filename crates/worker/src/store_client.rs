//! The client side of the location's Durable Object: each protocol request is
//! sent to it as JSON and its answer's text read back; a queued event is sent
//! to it to be attempted there (see `attempt`).

use ghl_bridge::json;
use ghl_bridge::sync::protocol::{Exchange, StoreRequest, StoreTransport, WorldError};
use ghl_bridge::sync::QueuedEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Env, Method, Request, RequestInit};

/// What the consumer asks: attempt `event`, waiting for the location's call
/// budget until `deadline_ms` at most (the end of its lane).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptAsked {
    pub event: QueuedEvent,
    pub deadline_ms: u64,
}

/// What the attempt came to: ack the message (`retry_after_seconds` absent)
/// or put it back for that long; and the attempt's log line.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempted {
    pub retry_after_seconds: Option<u32>,
    pub line: Value,
}

pub struct StoreClient {
    stub: worker::Stub,
}

/// The Durable Object's two doors: the store protocol, and attempts (the
/// object tells them apart by the path).
const PROTOCOL_URL: &str = "https://store/";
const ATTEMPT_URL: &str = "https://store/attempt";
pub const ATTEMPT_PATH: &str = "/attempt";

/// The build (`scripts/build-worker.sh` sets it): `/health` says it.
pub const BUILD: &str = match option_env!("GHL_BRIDGE_BUILD") {
    Some(build) => build,
    None => "unknown",
};

impl StoreClient {
    pub fn for_location(env: &Env, location_id: &str) -> worker::Result<StoreClient> {
        let ns = env.durable_object("BRIDGE_STORE")?;
        Ok(StoreClient {
            stub: ns.id_from_name(location_id)?.get_stub()?,
        })
    }

    /// Runs one attempt of a queued event inside the location's Durable
    /// Object, where each of the pipeline's store operations is a call
    /// rather than a request of its own.
    pub async fn attempt(&self, asked: &AttemptAsked) -> Result<Attempted, WorldError> {
        let body = serde_json::to_string(asked)?;
        let text = self.post("attempt", ATTEMPT_URL, body).await?;
        json::read(&text).map_err(|e| fail("attempt", e))
    }

    /// `body` POSTed to the Durable Object; the answer's text, or why not.
    async fn post(&self, name: &str, url: &str, body: String) -> Result<String, WorldError> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let req = Request::new_with_init(url, &init).map_err(|e| fail(name, e))?;
        let mut res = self
            .stub
            .fetch_with_request(req)
            .await
            .map_err(|e| fail(name, e))?;
        let text = res.text().await.map_err(|e| fail(name, e))?;
        if res.status_code() != 200 {
            // The store's `{"error": {"message"}}`, read without a type
            // of its own (the Worker only writes `ApiError`s).
            let why = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|e| Some(e["error"]["message"].as_str()?.to_string()))
                .unwrap_or(text);
            return Err(fail(name, why));
        }
        Ok(text)
    }
}

fn fail(op: &str, e: impl std::fmt::Display) -> WorldError {
    WorldError(format!("store `{op}`: {e}"))
}

impl StoreTransport for StoreClient {
    /// The request's JSON text to the Durable Object, its answer's text back.
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        let name = request.name();
        Box::pin(async move {
            let body = serde_json::to_string(&request)?;
            self.post(name, PROTOCOL_URL, body).await
        })
    }
}
