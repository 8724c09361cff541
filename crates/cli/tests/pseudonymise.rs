//! Pseudonymisation from the command line: `parse` and `replay --lake` write
//! tokens only (records, summaries, alerts), `pseudonymise` prints the same
//! tokens for look-ups, and key problems fail with a clear message.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const KEY: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
/// Personal values of the Pexip fixtures.
const PERSONAL: &[&str] = &[
    "Alice Jones",
    "sip:bob@example.com",
    "Board Room 1",
    "185.217.119.28",
    "204.10.5.223",
];

fn logwrangler(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logwrangler"));
    command.args(args).current_dir(ROOT);
    command.env_remove("LOGWRANGLER_PSEUDONYMISE_KEY");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lw-pseudonymise-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every file under `dir`, gzip objects decompressed.
fn lake_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "gz") {
                let data = std::fs::read(&path).unwrap();
                flate2::read::MultiGzDecoder::new(data.as_slice())
                    .read_to_string(&mut text)
                    .unwrap();
            } else {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
    }
    text
}

#[test]
fn parse_writes_the_tokens_that_pseudonymise_prints() {
    let clear = stdout(&logwrangler(
        &["parse", "tests/fixtures/pexip/support.log"],
        &[],
    ));
    assert!(PERSONAL.iter().all(|p| clear.contains(p)));

    let output = logwrangler(
        &[
            "parse",
            "--pseudonymise-key-env",
            "LW_TEST_KEY",
            "tests/fixtures/pexip/support.log",
        ],
        &[("LW_TEST_KEY", KEY)],
    );
    let text = stdout(&output);
    for value in PERSONAL {
        assert!(!text.contains(value), "{value} in parse output");
    }
    assert!(stderr(&output).contains("pseudonymising with the key in LW_TEST_KEY (key id "));
    assert!(!stderr(&output).contains(KEY));

    // The Lambdas' variable works without the option, with the same tokens.
    let same = stdout(&logwrangler(
        &["parse", "tests/fixtures/pexip/support.log"],
        &[("LOGWRANGLER_PSEUDONYMISE_KEY", KEY)],
    ));
    assert_eq!(same, text);

    let tokens = stdout(&logwrangler(
        &[
            "pseudonymise",
            "--kind",
            "alias",
            "--pseudonymise-key-env",
            "LW_TEST_KEY",
            "sip:bob@example.com",
            "Alice Jones",
        ],
        &[("LW_TEST_KEY", KEY)],
    ));
    let tokens: Vec<&str> = tokens.lines().collect();
    assert_eq!(tokens.len(), 2);
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for token in &tokens {
        assert!(token.starts_with("anon-alias-"), "{token}");
        assert!(
            records.iter().any(|r| r["participant"] == *token),
            "{token} is the participant column of the parsed records"
        );
    }
}

#[test]
fn replay_into_a_lake_keeps_people_out_of_records_summaries_and_alerts() {
    let clear_dir = scratch("clear");
    let dir = scratch("tokens");
    let inputs = [
        "tests/fixtures/pexip/support.log",
        "tests/fixtures/pexip/web.log",
    ];
    let run = |lake: &Path, env: &[(&str, &str)]| {
        let mut args = vec!["replay", "--lake", lake.to_str().unwrap()];
        args.extend(inputs);
        args.push("--received-at");
        args.push("2026-03-02T10:30:00Z");
        stdout(&logwrangler(&args, env));
    };
    run(&clear_dir, &[]);
    run(&dir, &[("LOGWRANGLER_PSEUDONYMISE_KEY", KEY)]);
    let clear = lake_text(&clear_dir);
    let text = lake_text(&dir);
    for value in PERSONAL {
        assert!(clear.contains(value), "the clear lake holds {value}");
        assert!(!text.contains(value), "{value} in the pseudonymised lake");
    }
    let calls = std::fs::read_to_string(dir.join("summaries/calls.ndjson")).unwrap();
    assert!(calls.contains("\"alias\":\"anon-alias-"), "{calls}");
    // Sessions are summarised alike: the same people, counted the same.
    let sessions =
        |dir: &Path| std::fs::read_to_string(dir.join("summaries/conferences.ndjson")).unwrap();
    assert_eq!(sessions(&dir), sessions(&clear_dir));
    assert!(sessions(&dir).contains("\"participants_total\":"));
    let alerts = std::fs::read_to_string(dir.join("alerts/alerts.ndjson")).unwrap();
    assert!(!alerts.is_empty());
    let _ = std::fs::remove_dir_all(&clear_dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn key_problems_say_what_to_do() {
    let file = "tests/fixtures/pexip/web.log";
    let missing = logwrangler(
        &["parse", "--pseudonymise-key-env", "LW_UNSET_KEY", file],
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("the environment variable LW_UNSET_KEY is not set"),
        "{}",
        stderr(&missing)
    );
    let weak = logwrangler(
        &["parse", file],
        &[("LOGWRANGLER_PSEUDONYMISE_KEY", "0123456789abcdef")],
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        stderr(&weak)
            .contains("the pseudonymisation key has 8 bytes; use at least 32 random bytes"),
        "{}",
        stderr(&weak)
    );
    let no_key = logwrangler(&["pseudonymise", "--kind", "ip", "203.0.113.5"], &[]);
    assert!(stderr(&no_key).contains("no key: pass --pseudonymise-key-env"));
    let firehose = logwrangler(
        &[
            "replay",
            "--firehose",
            "lake",
            "--pseudonymise-key-env",
            "K",
            file,
        ],
        &[("K", KEY)],
    );
    assert!(
        stderr(&firehose).contains("--pseudonymise-key-env applies to --lake"),
        "{}",
        stderr(&firehose)
    );
}
