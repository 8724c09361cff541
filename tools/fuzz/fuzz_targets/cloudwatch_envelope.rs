//! Fuzz target: a Firehose record's data (gzip or plain CloudWatch envelope, or Direct PUT lines)
//! decoded and parsed. The invariants are those of
//! `transform_lambda::fuzzing::check_cloudwatch_envelope`; the stable corpus replay runs the same check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = transform_lambda::fuzzing::check_cloudwatch_envelope(data) {
        panic!("{violation}");
    }
});
