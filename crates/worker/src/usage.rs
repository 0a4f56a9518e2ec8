//! This isolate's count of Worker invocations and queue operations (see the
//! core's `sync::usage`); the Durable Object counts its own requests and rows.

use ghl_bridge::sync::usage::Usage;
use std::cell::Cell;

thread_local! {
    static COUNTED: Cell<Usage> = Cell::new(Usage::default());
}

/// Adds to this isolate's count.
pub fn count(change: impl FnOnce(&mut Usage)) {
    COUNTED.with(|c| {
        let mut usage = c.get();
        change(&mut usage);
        c.set(usage);
    });
}

/// This isolate's count so far.
pub fn counted() -> Usage {
    COUNTED.with(Cell::get)
}
