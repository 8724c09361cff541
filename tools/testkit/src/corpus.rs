//! The corpus replay on stable Rust: every checked-in fuzz input through its target's check.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crate::Target;

/// Each target's check over every seed in `<fuzz_dir>/corpus/<target>/` and
/// every minimised crash in `<fuzz_dir>/regressions/<target>/`. Returns how
/// many inputs each target replayed, or every failure (a broken invariant or a
/// panic, by file; an empty or missing seed directory too: the corpus is
/// checked in).
pub fn replay_corpus(
    fuzz_dir: &Path,
    targets: &[Target],
) -> Result<Vec<(&'static str, usize)>, String> {
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for (target, check) in targets {
        let seeds = corpus_files(&fuzz_dir.join("corpus").join(target));
        let regressions = corpus_files(&fuzz_dir.join("regressions").join(target));
        if seeds.is_empty() {
            failures.push(format!(
                "no seeds in tools/fuzz/corpus/{target}: run tests/scripts/fuzz.sh seed"
            ));
        }
        for path in seeds.iter().chain(&regressions) {
            let failure = match std::fs::read(path) {
                Err(e) => format!("cannot read it: {e}"),
                Ok(data) => match catch_unwind(AssertUnwindSafe(|| check(&data))) {
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
                },
            };
            failures.push(format!("{}: {failure}", path.display()));
        }
        counts.push((*target, seeds.len() + regressions.len()));
    }
    if failures.is_empty() {
        Ok(counts)
    } else {
        Err(format!(
            "{} inputs break an invariant (reproduce with `cargo +nightly fuzz run --fuzz-dir tools/fuzz <target> <file>`):\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// The files of a corpus directory, sorted; none when it does not exist.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
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
