//! Fuzz target: an app log API request body, the first byte choosing the limits. The invariants are
//! those of `logwrangler_testkit::check_app_api_body`; the stable corpus replay runs the same
//! check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = logwrangler_testkit::check_app_api_body(data) {
        panic!("{violation}");
    }
});
