//! What the bridge costs on Cloudflare, counted by the bridge itself: the
//! billed units of a run (Worker invocations, Durable Object requests, SQLite
//! rows read and written, queue operations), and their price.
//!
//! The Worker counts its own invocations and queue operations per isolate,
//! and each location's Durable Object its requests and rows;
//! `GET /v1/admin/usage` adds them up. On `wrangler dev` the Worker is one
//! isolate, so the sum is the run's; in production it is per isolate (a
//! measurement tool, not billing).

use serde::{Deserialize, Serialize};

/// Billed units, as counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Requests and queue or cron invocations of the Worker.
    pub worker_invocations: u64,
    pub do_requests: u64,
    pub rows_read: u64,
    pub rows_written: u64,
    /// Messages sent to a queue (one write operation each, up to 64 KB).
    pub queue_writes: u64,
    /// Messages delivered to the consumer (a read, then a delete when acked).
    pub queue_reads: u64,
    /// Deliveries put back (another read later).
    pub queue_retries: u64,
}

/// Cloudflare's published Workers Paid rates beyond the monthly inclusions,
/// in US dollars per million (read 2026-12-07 from the pricing pages of
/// Workers, Durable Objects, Durable Objects' SQLite storage billing and
/// Queues). Duration (GB-s), CPU time and stored bytes are left out: they
/// depend on the deployment, not on the units counted here.
pub mod rates {
    pub const WORKER_REQUEST: f64 = 0.30;
    pub const DO_REQUEST: f64 = 0.15;
    pub const ROW_READ: f64 = 0.001;
    pub const ROW_WRITTEN: f64 = 1.00;
    /// Per operation: a message is a write, a read and a delete.
    pub const QUEUE_OPERATION: f64 = 0.40;
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.worker_invocations += other.worker_invocations;
        self.do_requests += other.do_requests;
        self.rows_read += other.rows_read;
        self.rows_written += other.rows_written;
        self.queue_writes += other.queue_writes;
        self.queue_reads += other.queue_reads;
        self.queue_retries += other.queue_retries;
    }

    /// Queue operations: each message written, read and deleted; a retry
    /// reads it once more.
    pub fn queue_operations(&self) -> u64 {
        self.queue_writes + self.queue_reads * 2 + self.queue_retries
    }

    /// What these units cost at [`rates`], in US dollars.
    pub fn cost_usd(&self) -> f64 {
        let per = |n: u64, rate: f64| n as f64 / 1e6 * rate;
        per(self.worker_invocations, rates::WORKER_REQUEST)
            + per(self.do_requests, rates::DO_REQUEST)
            + per(self.rows_read, rates::ROW_READ)
            + per(self.rows_written, rates::ROW_WRITTEN)
            + per(self.queue_operations(), rates::QUEUE_OPERATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_of_each_unit_costs_its_rate() {
        let lead = Usage {
            worker_invocations: 1_000_000,
            do_requests: 1_000_000,
            rows_read: 1_000_000,
            rows_written: 1_000_000,
            queue_writes: 1_000_000,
            queue_reads: 1_000_000,
            queue_retries: 0,
        };
        let expected = 0.30 + 0.15 + 0.001 + 1.00 + 3.0 * 0.40;
        assert!((lead.cost_usd() - expected).abs() < 1e-9);
        let mut sum = Usage::default();
        sum.add(&lead);
        sum.add(&lead);
        assert_eq!(sum.rows_written, 2_000_000);
    }
}
