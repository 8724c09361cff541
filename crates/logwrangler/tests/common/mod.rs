//! Helpers shared by the conformance suites: the peer data and schema checks.

#![allow(dead_code)]

use logwrangler::LogType;
use serde_json::Value;

/// A peer data file (`tests/peers/<path>`) as text.
pub fn peer(path: &str) -> String {
    let full = format!("{}/../../tests/peers/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Every record must validate against the published schema of its log_type.
pub fn assert_schema_valid(record: &Value) {
    let log_type = LogType::from_name(record["log_type"].as_str().unwrap()).unwrap();
    let schema = logwrangler::schema::schema_for(log_type);
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(record)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{record}\nschema errors: {errors:?}");
}

/// The sections of the AWS documentation samples file: (title, code blocks).
pub fn doc_sections() -> Vec<(String, Vec<String>)> {
    let text = peer("aws-docs/aws_doc_samples.txt");
    let mut out = Vec::new();
    for section in text.split("\n====================================================================================================\n") {
        let title = section.lines().find(|l| l.starts_with("## ")).unwrap_or_default().to_owned();
        let mut blocks = Vec::new();
        let mut current: Option<Vec<&str>> = None;
        for line in section.lines() {
            if line == "-----" {
                match current.take() {
                    Some(lines) => blocks.push(lines.join("\n")),
                    None => current = Some(Vec::new()),
                }
            } else if let Some(lines) = current.as_mut() {
                lines.push(line);
            }
        }
        out.push((title, blocks));
    }
    out
}
