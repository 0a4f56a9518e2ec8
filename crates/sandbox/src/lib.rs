//! The ghl-bridge sandbox: a local GHL (plus Spot-Hit and Specter) that behaves
//! like the real APIs, so the Worker can be run and tested without accounts.
//!
//! Routes: `/ghl/...` (the GHL API paths), `/spothit/api/...`,
//! `/specter/api/v1/...`, and `/__sandbox/...` to inspect and steer it.

// Handlers return ready axum `Response`s as their errors; their size does not
// matter for a local test server, and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod ghl;
mod inspect;
pub mod specter;
pub mod spothit;
pub mod state;
pub mod webhooks;

use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub use state::{Settings, State};

/// The state shared by every handler, and the queue of webhooks to deliver.
#[derive(Clone)]
pub struct Shared {
    state: Arc<Mutex<State>>,
    deliveries: std::sync::mpsc::Sender<webhooks::Delivery>,
}

impl Shared {
    pub fn new(settings: Settings) -> Shared {
        let state = Arc::new(Mutex::new(State::new(settings)));
        // One delivery thread: webhooks leave in the order the changes happened.
        let (deliveries, queue) = std::sync::mpsc::channel();
        let for_thread = state.clone();
        std::thread::spawn(move || webhooks::deliver_in_order(queue, for_thread));
        Shared { state, deliveries }
    }

    /// A poisoned lock (a handler panicked) still gives the data: the sandbox
    /// keeps serving rather than failing every later test.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn app(shared: Shared) -> Router {
    Router::new()
        .nest("/ghl", ghl::router(shared.clone()))
        .nest("/spothit", spothit::router())
        .nest("/specter", specter::router())
        .nest("/__sandbox", inspect::router())
        .route(
            "/",
            axum::routing::get(|| async {
                "ghl-bridge sandbox: /ghl, /spothit/api, /specter/api/v1, /__sandbox\n"
            }),
        )
        .with_state(shared)
}

/// Starts the sandbox on `addr` (port 0 = any free port) in the background.
pub async fn spawn(addr: SocketAddr, settings: Settings) -> std::io::Result<(SocketAddr, Shared)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Shared::new(settings);
    let app = app(shared.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((local, shared))
}

/// Now, as GHL writes times: `2026-11-22T10:00:00.000Z`.
pub fn now_iso() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Now, in Unix milliseconds.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A blocking HTTP client for webhooks and callbacks: statuses are data, not errors.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into()
}
