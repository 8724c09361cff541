//! The generated schemas: `schemas/` must match what the record types
//! generate, and every record the parsers produce from the fixtures and the
//! peer data must validate against the schema of its log_type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use logwrangler::{EventContext, LineParser, LogType, schema};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
fn schemas_directory_is_fresh() {
    let dir = Path::new(ROOT).join("schemas");
    let mut stale = Vec::new();
    for (name, text) in schema::all_schema_files() {
        let path = dir.join(&name);
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ is stale for {stale:?}: run `cargo run -p logwrangler-cli -- schemas --out schemas` \
         (or UPDATE_SCHEMAS=1 cargo test -p logwrangler --test schemas) and commit the result"
    );
}

/// Every text file of log lines the repository carries: our fixtures and the peers' inputs.
fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![
        Path::new(ROOT).join("tests/fixtures"),
        Path::new(ROOT).join("tests/peers"),
    ];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("log" | "txt" | "csv" | "jsonl" | "ndjson")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Lines of a corpus file; for `.jsonl` peer cases, their `input` strings.
fn corpus_lines(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
        return text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|case| case["input"].as_str().map(str::to_owned))
            .collect();
    }
    text.lines().map(str::to_owned).collect()
}

#[test]
fn every_record_validates_against_its_schema() {
    let validators: BTreeMap<&str, jsonschema::Validator> = LogType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str(),
                jsonschema::validator_for(&schema::schema_for(*t)).expect("schema compiles"),
            )
        })
        .collect();
    let mut per_type: BTreeMap<String, usize> = BTreeMap::new();
    for path in corpus_files() {
        let source = path.display().to_string();
        let mut parser = LineParser::default();
        for (i, line) in corpus_lines(&path).iter().enumerate() {
            let ctx = EventContext {
                source: &source,
                position: i as u64,
                received_ms: Some(1_700_000_000_000),
                ..Default::default()
            };
            let Some(record) = parser.parse_line(line, &ctx).into_record() else {
                continue;
            };
            let value = record.to_value();
            let log_type = value["log_type"].as_str().unwrap().to_owned();
            let validator = &validators[log_type.as_str()];
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{source}:{}: {log_type} record does not match its schema: {errors:?}\n{value}",
                i + 1
            );
            *per_type.entry(log_type).or_default() += 1;
        }
    }
    // The corpus exercises every log_type (json and unparsed included).
    for t in LogType::ALL {
        assert!(
            per_type.get(t.as_str()).copied().unwrap_or(0) > 0,
            "no {t} record in the corpus: {per_type:?}"
        );
    }
}
