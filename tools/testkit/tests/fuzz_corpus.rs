//! Replays the fuzz corpus on stable Rust: every seed in `tools/fuzz/corpus/<target>/`
//! and every minimised crash in `tools/fuzz/regressions/<target>/` goes through the
//! same check the cargo-fuzz target runs (`logwrangler_testkit::TARGETS`), so CI keeps
//! every input that ever broke an invariant fixed without nightly or libFuzzer.

use std::path::Path;

#[test]
fn every_seed_and_regression_keeps_its_invariants() {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let counts = logwrangler_testkit::replay_corpus(&fuzz_dir, logwrangler_testkit::TARGETS)
        .unwrap_or_else(|failures| panic!("{failures}"));
    for (target, count) in counts {
        assert!(count > 0, "{target} replayed nothing");
        println!("{target}: {count} inputs replayed");
    }
}
