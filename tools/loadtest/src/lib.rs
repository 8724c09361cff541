//! The load tests and benchmarks of logwrangler (docs/ARCHITECTURE.md §9): the
//! zero-loss proof under faults ([`chaos`]), the sustained load run
//! ([`soak`]) and the performance figures ([`bench`]), behind the `loadtest`
//! command, which also dispatches `demo` (in `local-stack`) and `generate`
//! (in `logwrangler-generator`).
//!
//! Development tooling, not shipped.

pub mod bench;
pub mod chaos;
pub mod soak;
