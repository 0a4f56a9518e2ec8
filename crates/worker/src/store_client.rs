//! The client side of the location store's protocol: each request is sent to
//! the location's Durable Object as JSON and its typed answer read back.

use ghl_bridge::sync::protocol::{Exchange, StoreRequest, StoreTransport, WorldError};
use worker::{Env, Method, Request, RequestInit};

pub struct StoreClient {
    stub: worker::Stub,
}

impl StoreClient {
    pub fn for_location(env: &Env, location_id: &str) -> worker::Result<StoreClient> {
        let ns = env.durable_object("BRIDGE_STORE")?;
        Ok(StoreClient {
            stub: ns.id_from_name(location_id)?.get_stub()?,
        })
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
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_body(Some(body.into()));
            let req = Request::new_with_init("https://store/", &init).map_err(|e| fail(name, e))?;
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
        })
    }
}
