//! The local logwrangler stack and the main job that runs on it (design
//! section 9): moto_server and `cargo lambda watch` as child processes with
//! the built Lambda binaries behind them ([`stack`]), the alerting side's
//! table, topics and subscription filter ([`alerting`]), the whole pipeline
//! wired through the Firehose simulator ([`local`]), and `loadtest demo`
//! ([`demo`]) over a generated day or the user's own files ([`files`]).
//!
//! Development tooling, not shipped: it stands in for an AWS account so the
//! real Lambdas can be run and checked on one machine.

pub mod alerting;
pub mod demo;
pub mod files;
pub mod filter;
pub mod local;
pub mod stack;
