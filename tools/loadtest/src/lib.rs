//! The test bench of logwrangler (design section 9): a seeded traffic
//! generator that knows its ground truth, a Firehose simulator that drives the
//! real transform Lambda and writes the S3 layout the stack deploys, and the
//! local stack (moto_server, `cargo lambda watch`) they run against.

pub mod alerting;
pub mod bench;
pub mod chaos;
pub mod demo;
pub mod files;
pub mod firehose;
pub mod generate;
pub mod local;
pub mod soak;
pub mod stack;
