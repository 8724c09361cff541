//! The AWS edge of logwrangler, shared by every Lambda of the pipeline and by
//! the CLI: what arrives from AWS (the Firehose transformation request, the
//! CloudWatch Logs envelope, the other Lambda event types), the one builder
//! of an event's context, and the clients and conventions of the AWS side
//! (the Firehose sink with its retries, Secrets Manager, JSON logs, EMF
//! metrics).
//!
//! The parsing itself is the core's ([`logwrangler`]); this crate only turns
//! AWS shapes into the core's inputs and carries results back to AWS. The
//! SDK clients and the `aws_lambda_events` types sit behind the default
//! feature `aws`: without it the crate is the wire types, the envelope and the
//! traits the clients implement, which is all the fuzz targets need.

pub mod context;
pub mod envelope;
pub mod firehose;
#[cfg(feature = "aws")]
pub mod lambda_events;
pub mod logging;
pub mod metrics;
pub mod secrets;
pub mod sink;

pub use context::{LogOrigin, direct_put_context};
pub use logging::{init_tracing, log_config_error};
