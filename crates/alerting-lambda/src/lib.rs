//! The alerting Lambda of logwrangler (docs/ARCHITECTURE.md §7 and §8), as a library:
//! conference and call summaries, severity routing with dedupe, and the app
//! log API. The `alerting-lambda` binary is a thin dispatcher over
//! [`Alerting`] on DynamoDB ([`store::DynamoStore`]) and SNS
//! ([`notify::SnsNotifier`]); `logwrangler replay --lake` runs the same
//! service in memory ([`store::MemoryStore`], [`notify::MemoryNotifier`]).
//!
//! Every step is idempotent, so a failed invocation can simply be retried by
//! Lambda: summaries converge, dedupe claims are keyed on the event id, app
//! events are keyed on their deterministic ids.
//!
//! - [`service`]: the service, generic over its store and notifier;
//! - [`dedupe`]: the alert dedupe rules;
//! - [`store`], [`notify`]: the seams and their two implementations each;
//! - [`api`]: the app log API's HTTP side;
//! - [`config`]: configuration from the environment.

pub mod api;
pub mod config;
pub mod content_type;
pub mod dedupe;
pub mod handler;
pub mod notify;
pub mod service;
pub mod store;

pub use api::ApiResponse;
pub use service::{Alerting, LogEvent, Report};

/// An error that fails the invocation (Lambda then retries it).
pub type Error = Box<dyn std::error::Error + Send + Sync>;
