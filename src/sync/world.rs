//! Everything the pipeline needs from outside, as one trait (Typst's `World`):
//! the location's store, HTTP, the clock, randomness, sleeping and the queue.
//! The Worker implements it with workers-rs; tests with memory and a sandbox.

use super::protocol::{Store, WorldError};
use super::queue::QueuedEvent;
use crate::http::{HttpRequest, HttpResponse};

#[allow(async_fn_in_trait)] // single-threaded wasm: no `Send` bound wanted
pub trait World: Store {
    /// A store of another name: a location's, the directory's, an agency's.
    type Named: Store;
    fn store_named(&self, name: &str) -> Result<Self::Named, WorldError>;
    /// Unix milliseconds.
    fn now_ms(&self) -> u64;
    /// In [0, 1), for jitter.
    fn random(&self) -> f64;
    async fn sleep(&self, ms: u64);
    /// Until when (Unix ms) an attempt may wait for the location's call budget,
    /// on top of its lane's own limit: the consumer's lane for the location
    /// ends then, and other locations' events wait for the batch to end.
    fn wait_deadline_ms(&self) -> Option<u64> {
        None
    }
    /// One HTTP exchange; `Err` when no answer came (network, DNS, reset).
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String>;
    async fn enqueue(&self, event: QueuedEvent) -> Result<(), WorldError>;
}
