//! Fuzz target: a Firehose transformation request (JSON) planned and answered by the processor. The
//! invariants are those of `logwrangler_testkit::check_firehose_request`; the stable corpus
//! replay runs the same check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = logwrangler_testkit::check_firehose_request(data) {
        panic!("{violation}");
    }
});
