//! The sync pipeline: every decision about an event, from its arrival to done
//! or parked, behind the [`World`] trait (the store, HTTP, clock, randomness,
//! queue). The Worker brings a world made of workers-rs; tests bring one made
//! of memory and the sandbox.
//!
//! - inbound (source -> GHL): [`inbound`]; sync back (GHL -> Spot-Hit,
//!   Specter): [`sync_back`]; Specter polling: [`specter_poll`]; lost
//!   messages: [`sweep`].
//! - what an attempt comes to: [`attempt`]; the record states: [`records`];
//!   the call budget: [`budget`]; echoes: [`echo`]; retention: [`retention`].
//! - the location store's typed protocol: [`protocol`], and an in-memory
//!   store: [`memory`].

pub mod alerts;
pub mod attempt;
pub mod budget;
pub mod consent;
pub mod directory;
pub mod echo;
pub mod field_cache;
pub mod ghl_access;
pub mod health;
pub mod inbound;
pub mod install;
pub mod links;
pub mod location;
pub mod memory;
pub mod model;
pub mod notes;
pub mod plan;
pub mod protocol;
pub mod provider;
pub mod queue;
pub mod records;
pub mod retention;
pub mod retry;
pub mod search;
pub mod settings;
pub mod specter_poll;
pub mod sweep;
pub mod sync_back;
pub mod tenancy;
pub mod triggers;
pub mod usage;
pub mod workflow_actions;
pub mod world;

pub use attempt::{settle, Attempt, Disposition, Outcome, Run, Settled, WaitingFor};
pub use plan::{follow_up_requests, upsert_call, FollowUp};
pub use protocol::{Store, StoreOp, StoreRequest, StoreTransport, WorldError};
pub use queue::{lanes_by_location, EventQueue, QueuedEvent, QueuedKind};
pub use retry::{backoff_seconds, MAX_ATTEMPTS};
pub use settings::LocationSettings;
pub use world::World;
