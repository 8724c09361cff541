//! # logwrangler-testkit
//!
//! Test and fuzz support of logwrangler, kept out of the libraries that ship
//! (`publish = false`): the shipping crates carry no test machinery, and the
//! tools that need it depend on this crate instead.
//!
//! - The property checks the fuzz targets (`tools/fuzz/`) assert on arbitrary
//!   input, and that the corpus replay (`tests/fuzz_corpus.rs`) asserts on
//!   every checked-in seed and regression. Both run the same functions, so a
//!   crash found by `cargo fuzz` on nightly is replayed by a plain `cargo test`
//!   on stable once its input is saved under `tools/fuzz/regressions/<target>/`.
//!   The crate is a member of the workspace, so its ordinary `cargo test` and
//!   `cargo clippy` build the checks too.
//! - [`moto`]: the local AWS stand-ins (moto_server, the fault-injecting proxy,
//!   `cargo lambda watch`) the integration tests of the Lambdas and the CLI start.
//!
//! Every `check_*` takes the raw fuzz input, runs it through the public API the
//! pipeline runs, and returns `Err` naming the first broken invariant. The
//! checks themselves never panic: a panic under them is a bug in the code
//! under test, which libFuzzer reports as a crash. Records are checked against
//! their published JSON Schema with the `jsonschema` crate.
//!
//! Input layouts (the first byte selects a mode, so one target covers every
//! configuration; `tests/scripts/fuzz.sh seed` writes seeds in these layouts):
//!
//! | target | layout |
//! |---|---|
//! | `parse_line` | mode byte ([`ParseMode::from_byte`]: auto, forced or mapped log_type), then lines separated by `\n` through one parser |
//! | `cloudwatch_envelope` | the data of a record: gzip or plain CloudWatch envelope JSON, or Direct PUT lines |
//! | `app_api_body` | limits byte ([`api_limits_for`]), then the request body |
//! | `alert_text` | mode byte (as `parse_line`; it also sets the body limit), then the text |
//! | `firehose_request` | a Firehose transformation request (JSON) |

/// Returns `Err(format!(...))` from the enclosing check when the condition fails.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

mod alert;
mod app_api;
mod corpus;
mod envelope;
mod firehose;
mod mode;
pub mod moto;
mod record;
pub mod schema;

pub use alert::{check_alert_text, check_body, check_subject};
pub use app_api::{API_REQUEST_ID, api_limits_for, check_app_api_body};
pub use corpus::replay_corpus;
pub use envelope::{ENVELOPE_CAP, check_cloudwatch_envelope};
pub use firehose::{TIGHT_LIMITS, check_firehose_request};
pub use mode::{DEFAULT_RULES, MAPPED_GROUP_PREFIX, ParseMode, RECEIVED_MS, default_parser};
pub use record::{check_parse_line, check_record};

/// What a check returns: `Err` names the broken invariant.
pub type Verdict = Result<(), String>;

/// A fuzz target's check, by the target's name (the `tools/fuzz/corpus/<name>/` directory).
pub type Target = (&'static str, fn(&[u8]) -> Verdict);

/// Every fuzz target of `tools/fuzz` and its check.
pub const TARGETS: &[Target] = &[
    ("parse_line", check_parse_line),
    ("cloudwatch_envelope", check_cloudwatch_envelope),
    ("app_api_body", check_app_api_body),
    ("alert_text", check_alert_text),
    ("firehose_request", check_firehose_request),
];

/// At most 2 KiB of `bytes` as text, for failure messages (fuzz inputs can be large).
fn lossy(bytes: &[u8]) -> String {
    const SHOWN: usize = 2048;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]);
    match bytes.len() > SHOWN {
        true => format!("{text}..."),
        false => text.into_owned(),
    }
}
