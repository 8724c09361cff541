//! Fuzz target: a Firehose record's data (gzip or plain CloudWatch envelope, or Direct PUT lines)
//! decoded and parsed. The invariants are those of
//! `logwrangler_testkit::check_cloudwatch_envelope`; the stable corpus replay runs the same check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = logwrangler_testkit::check_cloudwatch_envelope(data) {
        panic!("{violation}");
    }
});
