//! The Worker's own failures as the one JSON error shape, and the bridge
//! between the core's `WorldError` and workers-rs's error.

use crate::respond::json_error;
use ghl_bridge::sync::WorldError;
use worker::{Response, Result};

pub fn from_world(e: WorldError) -> worker::Error {
    worker::Error::RustError(e.0)
}

/// A route that failed inside the Worker (storage, the queue, a binding). A
/// webhook is answered 429 with `Retry-After`: the sender keeps it and tries
/// again (GHL drops an event answered 5xx). Anything else is a JSON 500.
pub fn answer(e: worker::Error, webhook: bool) -> Result<Response> {
    worker::console_log!(
        "{}",
        serde_json::json!({"level": "error", "route": if webhook { "hook" } else { "other" }, "msg": e.to_string()})
    );
    if webhook {
        let mut res = json_error(
            429,
            "try_later",
            "the event could not be recorded right now; nothing was lost: send it again",
        )?;
        res.headers_mut().set("retry-after", "30")?;
        return Ok(res);
    }
    json_error(
        500,
        "internal",
        &format!("the bridge failed to answer: {e}"),
    )
}
