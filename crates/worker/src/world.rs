//! The core pipeline's world, made of workers-rs: the location's Durable
//! Object, `fetch`, the clock, `Math.random`, timers and the queue. Routes
//! reach the location's store by a request to its Durable Object; an attempt
//! runs inside that Durable Object (see `attempt`) and reaches it by a call.

use crate::config::Config;
use crate::ghl_http;
use crate::store_client::StoreClient;
use ghl_bridge::http::{HttpRequest, HttpResponse};
use ghl_bridge::sync::protocol::{Exchange, StoreRequest, StoreTransport, WorldError};
use ghl_bridge::sync::{location, EventQueue, LocationSettings, QueuedEvent, World};
use std::cell::Cell;
use worker::{Env, MessageBuilder};

/// The queue bindings of `wrangler.toml` and `wrangler.store.toml` (see [`EventQueue`]).
const LIVE_QUEUE: &str = "EVENTS";
const PACED_QUEUE: &str = "PACED_EVENTS";

pub struct WorkerWorld<'a> {
    env: &'a Env,
    store: OwnStore<'a>,
    /// When the consumer's lane for this location ends (Unix ms), if it is one.
    wait_deadline: Cell<Option<u64>>,
}

/// How the world reaches its location's store.
enum OwnStore<'a> {
    /// From a route: a request to the location's Durable Object.
    Remote(StoreClient),
    /// From inside that Durable Object: a call, with nothing sent.
    Local(&'a dyn StoreTransport),
}

impl WorkerWorld<'_> {
    pub fn for_location<'a>(env: &'a Env, location_id: &str) -> worker::Result<WorkerWorld<'a>> {
        Ok(WorkerWorld {
            env,
            store: OwnStore::Remote(StoreClient::for_location(env, location_id)?),
            wait_deadline: Cell::new(None),
        })
    }

    /// The world of an attempt running inside `store`, the location's Durable Object.
    pub fn inside<'a>(env: &'a Env, store: &'a dyn StoreTransport) -> WorkerWorld<'a> {
        WorkerWorld {
            env,
            store: OwnStore::Local(store),
            wait_deadline: Cell::new(None),
        }
    }

    /// Attempts in this world wait for the call budget until `deadline_ms` at most.
    pub fn wait_until(&self, deadline_ms: u64) {
        self.wait_deadline.set(Some(deadline_ms));
    }
}

impl WorkerWorld<'_> {
    /// The pipeline's settings for this world's location: the deployment's,
    /// with what the location set for itself on top.
    pub async fn settings(
        &self,
        cfg: &Config,
        location_id: &str,
    ) -> Result<LocationSettings, WorldError> {
        let profile = location::profile(self).await?;
        Ok(location::settings_for(
            &cfg.location(),
            location_id,
            &profile,
        ))
    }
}

impl StoreTransport for WorkerWorld<'_> {
    fn exchange(&self, request: StoreRequest) -> Exchange<'_> {
        match &self.store {
            OwnStore::Remote(client) => client.exchange(request),
            OwnStore::Local(store) => store.exchange(request),
        }
    }
}

impl World for WorkerWorld<'_> {
    type Named = StoreClient;

    fn store_named(&self, name: &str) -> Result<StoreClient, WorldError> {
        StoreClient::for_location(self.env, name).map_err(|e| WorldError(e.to_string()))
    }

    fn now_ms(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    async fn sleep(&self, ms: u64) {
        worker::Delay::from(std::time::Duration::from_millis(ms)).await;
    }

    fn wait_deadline_ms(&self) -> Option<u64> {
        self.wait_deadline.get()
    }

    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        ghl_http::send(request).await.map_err(|e| e.to_string())
    }

    async fn enqueue(&self, event: QueuedEvent) -> Result<(), WorldError> {
        enqueue(self.env, event).await
    }
}

/// Sends `event` to the queue it says, held there for its delay.
pub async fn enqueue(env: &Env, event: QueuedEvent) -> Result<(), WorldError> {
    let queue = match event.queue() {
        EventQueue::Live => env.queue(LIVE_QUEUE),
        // A deployment made before the paced queue existed has only one.
        EventQueue::Paced => env.queue(PACED_QUEUE).or_else(|_| env.queue(LIVE_QUEUE)),
    }
    .map_err(|e| WorldError(e.to_string()))?;
    // The delay paces a location's backlog (see core `budget`).
    let delay = event.delay_seconds;
    crate::usage::count(|u| u.queue_writes += 1);
    queue
        .send(MessageBuilder::new(event).delay_seconds(delay).build())
        .await
        .map_err(|e| WorldError(format!("queue: {e}")))
}
