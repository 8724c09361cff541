//! Where the alerting service keeps its state: conference and call summaries,
//! alert dedupe windows and app events. [`Store`] is the seam; the Lambda
//! uses the DynamoDB table ([`DynamoStore`]), `logwrangler replay --lake`
//! keeps everything in memory ([`MemoryStore`]).

mod dynamo;
mod memory;

use std::future::Future;

use logwrangler::Severity;
use logwrangler::summary::LegFacts;
use logwrangler::time::Millis;
use serde_json::{Map, Value};

use crate::dedupe::{Budget, DueDigest, HeldAlert, Spend};

pub use dynamo::{DynamoStore, GSI1, GSI2, StoreError, create_table, to_attributes, to_json};
pub use memory::MemoryStore;

/// The operations the alerting service needs from its state, each safe to
/// repeat (Lambda retries a failed invocation as a whole).
///
/// The futures are `Send` so the service can run on a multi-threaded runtime
/// (the Lambda's).
pub trait Store {
    /// Why an operation failed (the invocation then fails and is retried).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Merges one event's facts into its leg: unknown fields are filled, the
    /// earliest join and the latest leave win.
    fn upsert_leg(
        &self,
        facts: &LegFacts,
        event_ms: Millis,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Records a call's quality (the worst seen wins), for its legs known now
    /// and those seen later.
    fn record_quality(
        &self,
        call_id: &str,
        quality: i64,
        time: Millis,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Folds a quality recorded before the leg was known into a new leg.
    fn apply_pending_quality(
        &self,
        facts: &LegFacts,
        time: Millis,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Recomputes a session's summary from all its legs.
    fn refresh_session(
        &self,
        conference: &str,
        session_id: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Alert dedupe ([`crate::dedupe`]): claims the right to publish the alert
    /// of `fingerprint` raised by `event_id` at `time`. `Some(held_back)` (the
    /// repeats the alert reports) when it may publish, `None` when it is held
    /// back.
    fn claim_alert(
        &self,
        fingerprint: &str,
        event_id: &str,
        time: Millis,
        window_ms: Millis,
    ) -> impl Future<Output = Result<Option<u64>, Self::Error>> + Send;

    /// Marks a claimed alert as published, so a retry does not publish it again.
    fn mark_published(
        &self,
        fingerprint: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The per-topic budget ([`crate::dedupe::spend`]): may the alert of
    /// `event_id` at `time` go out on the topic of `severity`, or is it held?
    /// A retry of an alert that was sent is sent again. Exact under
    /// concurrency: the decision is one conditional write.
    fn spend_budget(
        &self,
        severity: Severity,
        event_id: &str,
        time: Millis,
        budget: Budget,
    ) -> impl Future<Output = Result<Spend, Self::Error>> + Send;

    /// Keeps an alert held over budget for its window's digest (idempotent:
    /// keyed on the fingerprint and event id).
    fn hold_alert(
        &self,
        severity: Severity,
        window_start: Millis,
        window_until: Millis,
        held: &HeldAlert,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Claims the digests not sent yet of windows that ended by `ended_by`
    /// and either ended at or after `live_since` or were replaced by a later
    /// window of their topic: each is claimed by one caller (a claim not
    /// marked sent within five minutes may be claimed again, so a failed
    /// publish is not lost).
    fn claim_digests(
        &self,
        ended_by: Millis,
        live_since: Millis,
    ) -> impl Future<Output = Result<Vec<DueDigest>, Self::Error>> + Send;

    /// Marks a window's digest sent.
    fn mark_digest_sent(
        &self,
        digest: &DueDigest,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Stores one app event (idempotent: keyed on its time and id).
    fn put_app_event(
        &self,
        source_application: &str,
        time: Millis,
        event_id: &str,
        fields: &Map<String, Value>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
