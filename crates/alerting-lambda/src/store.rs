//! Where the alerting service keeps its state: conference and call summaries,
//! alert dedupe windows and app events. [`Store`] is the seam; the Lambda
//! uses the DynamoDB table ([`DynamoStore`]), `logwrangler replay --lake`
//! keeps everything in memory ([`MemoryStore`]).

mod dynamo;
mod memory;

use std::future::Future;

use logwrangler::summary::LegFacts;
use logwrangler::time::Millis;
use serde_json::{Map, Value};

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

    /// Stores one app event (idempotent: keyed on its time and id).
    fn put_app_event(
        &self,
        source_application: &str,
        time: Millis,
        event_id: &str,
        fields: &Map<String, Value>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
