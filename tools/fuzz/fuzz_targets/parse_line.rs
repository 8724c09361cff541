//! Fuzz target: lines through the line parser, the first byte choosing auto detection or a forced
//! or mapped log_type. The invariants are those of `logwrangler_testkit::check_parse_line`; the
//! stable corpus replay runs the same check.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = logwrangler_testkit::check_parse_line(data) {
        panic!("{violation}");
    }
});
