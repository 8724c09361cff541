//! Replays the fuzz corpus on stable Rust: every seed in `fuzz/corpus/<target>/`
//! and every minimised crash in `fuzz/regressions/<target>/` goes through the
//! same check the cargo-fuzz target runs (`logwrangler::fuzzing`), so CI keeps
//! every input that ever broke an invariant fixed without nightly or libFuzzer.
//! (The Firehose processor's target is replayed by `transform-lambda`'s copy of
//! this test.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use logwrangler::fuzzing::{TARGETS, Target};

const FUZZ_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz");

/// The files of a corpus directory, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs a target's check over its seeds and regressions; returns how many
/// inputs ran and what failed (a broken invariant or a panic), by file.
fn replay((target, check): &Target) -> (usize, Vec<String>) {
    let seeds = files(&Path::new(FUZZ_DIR).join("corpus").join(target));
    assert!(
        !seeds.is_empty(),
        "no seeds in fuzz/corpus/{target}: run tests/scripts/fuzz.sh seed"
    );
    let regressions = files(&Path::new(FUZZ_DIR).join("regressions").join(target));
    let mut failures = Vec::new();
    for path in seeds.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let failure = match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(())) => continue,
            Ok(Err(violation)) => violation,
            Err(panic) => format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            ),
        };
        failures.push(format!("{}: {failure}", path.display()));
    }
    (seeds.len() + regressions.len(), failures)
}

#[test]
fn every_seed_and_regression_keeps_its_invariants() {
    let mut failures = Vec::new();
    for target in TARGETS {
        let (count, failed) = replay(target);
        println!("{}: {count} inputs replayed", target.0);
        failures.extend(failed);
    }
    assert!(
        failures.is_empty(),
        "{} inputs break an invariant (reproduce with `cargo +nightly fuzz run <target> <file>`):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
