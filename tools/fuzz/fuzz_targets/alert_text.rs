//! Fuzz target: text through the alert sanitisers, and an alert built from it parsed as a line. The
//! invariants are those of `logwrangler_testkit::check_alert_text`; the stable corpus replay runs
//! the same check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = logwrangler_testkit::check_alert_text(data) {
        panic!("{violation}");
    }
});
