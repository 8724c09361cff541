//! End-to-end: the user's own files (`loadtest demo --files`, what `make demo
//! DEMO_ARGS="--files DIR"` runs) through the whole local pipeline: the
//! checked-in fixtures of every format, as one directory of log files, through
//! the `transform-lambda` and `alerting-lambda` binaries, moto_server and
//! DuckDB. What the core makes of the same files in-process is the expectation.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use local_stack::demo::{DemoArgs, execute};
use local_stack::files::DEFAULT_LOG_GROUP;
use local_stack::stack::{build_lambdas, workspace_root};
use logwrangler::{EventContext, LineParser, Rules, SourceConfig};
use logwrangler_e2e::{SchemaCheck, expected_partition, read_lake, target_dir};
use logwrangler_generator::LogBatch;
use serde_json::Value;

/// Records per log_type the core makes of the same CloudWatch batches
/// in-process: a fresh parser per batch, as the transform Lambda has per
/// Firehose record (a header line configures the lines of its own batch).
fn parsed_in_process(batches: &[LogBatch]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for batch in batches {
        let mut parser = LineParser::new(
            Arc::new(SourceConfig::default()),
            Arc::new(Rules::default()),
        );
        for event in &batch.events {
            let ctx = EventContext {
                log_group: Some(&batch.log_group),
                log_stream: Some(&batch.log_stream),
                account_id: None,
                event_id: Some(&event.id),
                received_ms: Some(event.timestamp),
                fallback_ms: None,
                source: &batch.log_stream,
                position: 0,
            };
            if let Some(record) = parser.parse_line(&event.message, &ctx).into_record() {
                *counts.entry(record.log_type().to_string()).or_default() += 1;
            }
        }
    }
    counts
}

#[test]
fn the_users_files_go_through_the_lambda_binaries_into_the_lake() {
    let target = target_dir();
    build_lambdas(&target).unwrap();
    let fixtures = workspace_root().join("tests/fixtures");
    let lake = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-files-lake");
    let _ = std::fs::remove_dir_all(&lake);
    let args = DemoArgs {
        seed: 42,
        scale: 0.25,
        files: vec![fixtures.clone()],
        log_group: DEFAULT_LOG_GROUP.into(),
        sources: None,
        lake: lake.clone(),
        target_dir: target,
        json: None,
    };
    let outcome = execute(&args).unwrap();

    // The same files cut into the same batches (reading is deterministic).
    let sent = local_stack::files::read(
        std::slice::from_ref(&fixtures),
        DEFAULT_LOG_GROUP,
        &SourceConfig::default(),
    )
    .unwrap();
    let expected = parsed_in_process(&sent.batches);
    let summary = outcome
        .files
        .as_ref()
        .expect("a files run reports its input");
    assert_eq!(summary.files, sent.summary.files);
    assert!(summary.files >= 15, "every fixture file is read");
    assert_eq!(outcome.events_sent, summary.events);
    assert!(outcome.truth.is_none());

    // The simulator saw the contract kept and nothing failed.
    let sim = &outcome.simulator;
    assert!(
        sim.contract_violations.is_empty(),
        "{:?}",
        sim.contract_violations
    );
    assert_eq!(sim.error_records.values().sum::<usize>(), 0);
    assert_eq!(sim.invoke_errors + sim.invoke_timeouts, 0);

    // Every record once, typed as the core types the files, in the partition
    // of its time, valid against its schema; every format of the fixtures.
    let records = read_lake(&lake).unwrap();
    let schemas = SchemaCheck::new().unwrap();
    let mut ids = HashSet::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for found in &records {
        let record = &found.record;
        assert!(
            ids.insert(record["event_id"].as_str().unwrap().to_string()),
            "duplicate {record}"
        );
        *by_type
            .entry(record["log_type"].as_str().unwrap().to_string())
            .or_default() += 1;
        assert_eq!(
            record["log_group"].as_str(),
            Some(DEFAULT_LOG_GROUP),
            "{record}"
        );
        assert_eq!(expected_partition(record).as_ref(), Some(&found.partition));
        let errors = schemas.errors(record);
        assert!(errors.is_empty(), "{record}\nschema errors: {errors:?}");
    }
    assert_eq!(by_type, expected);
    let sent_ids: HashSet<String> = sent
        .batches
        .iter()
        .flat_map(|b| b.events.iter().map(|e| e.id.clone()))
        .collect();
    assert!(
        ids.is_subset(&sent_ids),
        "the lake holds only the files' events"
    );
    for log_type in [
        "alb",
        "cloudfront",
        "cloudtrail",
        "pexip_support",
        "pexip_audit",
        "pexip_web",
        "s3_access",
        "vpc_flow",
    ] {
        assert!(
            by_type.contains_key(log_type),
            "no {log_type} in {by_type:?}"
        );
    }
    let header_lines = outcome.events_sent - records.len();
    assert!(header_lines > 0 && header_lines < 20, "{header_lines}");

    // The Pexip fixture's conference summarised in DynamoDB and looked up.
    assert!(outcome.summaries.sessions >= 1 && outcome.summaries.legs >= 2);
    let example = outcome.example.as_ref().expect("a conference to look up");
    assert_eq!(example["conference"], "meet.alice");
    let session = &example["sessions"][0];
    assert_eq!(session["participants_total"].as_i64(), Some(2), "{session}");
    assert!(example["latest_session_legs"].as_u64().unwrap() >= 2);
    // The fixtures hold critical Pexip and app events: alerts went out.
    assert!(
        outcome
            .alerts_by_severity
            .get("critical")
            .copied()
            .unwrap_or(0)
            >= 1
    );
    // The named queries answered over the lake.
    let calls = &outcome.queries["calls_per_conference_per_day"]["rows"];
    assert_eq!(calls[0][0], Value::from("meet.alice"));
}
