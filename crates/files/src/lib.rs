//! Log files on disk, the one place logwrangler reads and writes them outside
//! AWS.
//!
//! - [`lake`]: a directory standing for the lake bucket, written the way the
//!   deployed delivery stream writes S3: objects under the stack's own
//!   `S3_PREFIX_TEMPLATE`, GZIP NDJSON named like Firehose objects, failed
//!   records as Firehose's error JSON lines under `S3_ERROR_PREFIX_TEMPLATE`,
//!   and no key that leaves the directory. `logwrangler replay --lake` writes
//!   it through [`lake::RunWriter`] (idempotent re-runs); the Firehose
//!   simulator writes whole objects through [`lake::LakeDir`].
//! - [`input`]: the files an operator names (files, directories walked
//!   recursively in sorted order, `-`), opened by content: gzip recognised by
//!   its magic bytes, CloudWatch Logs envelopes by their `messageType` key, as
//!   the transform Lambda tells them. `logwrangler replay` and
//!   `loadtest demo --files` both read through it.
//!
//! Why one crate: both the CLI and the development tooling must produce the
//! layout the stack deploys and read inputs the same way; two copies had
//! already drifted apart in small ways.

pub mod error;
pub mod input;
pub mod lake;

pub use error::Error;
