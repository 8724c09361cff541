//! The pure part of the Firehose processor: from a transformation request to a
//! plan (one answer per record, plus the payloads to re-ingest), and from the
//! plan and the re-ingest outcome to the response. No I/O happens here.
//!
//! Contract (docs/ARCHITECTURE.md §3): each record is decoded on its own (base64,
//! gzip when it starts with `1f 8b`, a CloudWatch envelope or Direct PUT lines);
//! exactly one answer per recordId; `Ok` data is newline-delimited typed JSON
//! whose lines share one partition; other partitions, and whatever does not
//! fit the 6 MB response, are re-ingested and answered `Dropped`; a record is
//! `ProcessingFailed` only when it cannot be decoded at all, or when its
//! re-ingest finally fails (Firehose then keeps it under the error prefix).
//!
//! One module per job: [`decode`] (a record's data to its events), [`group`]
//! (events to typed lines, grouped by partition), [`reingest`] (events that
//! go back into the stream as CloudWatch envelopes), [`plan`] (one answer per
//! record within the response budget) and [`response`] (the response JSON).

mod decode;
mod group;
mod plan;
mod reingest;
mod response;

use std::collections::BTreeMap;

use logwrangler::partition::PartitionKey;
use logwrangler_aws::sink::FIREHOSE_RECORD_LIMIT;
use serde::Serialize;

use crate::failure::FailureReason;

pub use group::truncate;
pub use plan::plan;
pub use response::response_json;

/// Lambda's synchronous response limit.
pub const LAMBDA_RESPONSE_LIMIT: usize = 6_291_456;

/// Bounds that keep one invocation safe whatever arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes kept free below the 6 MB response limit (the runtime's own framing, rounding).
    pub response_margin: usize,
    /// Largest decompressed size of one record (gzip bomb guard).
    pub decompressed_cap: usize,
    /// Longer lines are truncated to this many bytes and flagged `truncated`.
    pub max_line_bytes: usize,
    /// How many times a payload may be re-ingested (split) before it is failed.
    pub max_reingest_generations: u32,
    /// Largest re-ingested record, before base64.
    pub reingest_record_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            response_margin: 128 * 1024,
            decompressed_cap: 64 * 1024 * 1024,
            max_line_bytes: 256 * 1024,
            max_reingest_generations: 8,
            reingest_record_max: FIREHOSE_RECORD_LIMIT,
        }
    }
}

impl Limits {
    /// Bytes the response may use.
    pub fn response_budget(&self) -> usize {
        LAMBDA_RESPONSE_LIMIT.saturating_sub(self.response_margin)
    }
}

/// The answer planned for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Typed NDJSON of one partition.
    Ok { data: Vec<u8>, keys: PartitionKey },
    /// Nothing to deliver for this record (control message, headers only, or all re-ingested).
    Dropped,
    /// Undecodable, or not deliverable within the limits: Firehose keeps the
    /// original under the error prefix.
    ProcessingFailed(FailureReason),
}

/// What to do with one input record.
#[derive(Debug, Clone)]
pub struct RecordPlan {
    /// The input record id.
    pub record_id: String,
    /// The answer, if every re-ingest payload of the record is accepted.
    pub answer: Answer,
    /// Payloads to put back into the stream (each at most `reingest_record_max` bytes).
    pub reingest: Vec<Vec<u8>>,
    /// Events sent to re-ingest.
    pub reingested_events: usize,
}

/// Counters for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub records_in: usize,
    pub bytes_in: usize,
    pub events_in: usize,
    pub events_by_log_type: BTreeMap<&'static str, usize>,
    pub unparsed: usize,
    pub truncated_lines: usize,
    pub control_messages: usize,
    pub split_records: usize,
    pub overflow_records: usize,
}

/// The plan of one invocation.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One entry per input record, in input order.
    pub records: Vec<RecordPlan>,
    /// What was seen.
    pub stats: Stats,
}
