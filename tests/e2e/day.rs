//! End-to-end: a generated day through the whole local pipeline, checked
//! against the generator's ground truth.
//!
//! CloudWatch-style envelopes -> Firehose simulator -> the `transform-lambda`
//! binary behind `cargo lambda watch` -> the lake on disk; and subscription
//! filter #2 -> the `alerting-lambda` binary -> DynamoDB and SNS (SQS
//! subscriptions) on moto_server. Then every named query runs with DuckDB over
//! the lake. No faults are injected here, so nothing may be duplicated: every
//! generated event is in the lake exactly once.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use firehose_sim::Faults;
use local_stack::demo::named_queries;
use local_stack::local::{LocalStack, StackConfig};
use local_stack::stack::build_lambdas;
use logwrangler_e2e::{SchemaCheck, expected, expected_partition, read_lake, target_dir};
use logwrangler_generator::{self as generate, DayConfig};
use serde_json::Value;

/// A tenth of the demo day: still every kind of event the truth knows.
const SCALE: f64 = 0.1;

fn number(item: &serde_json::Map<String, Value>, key: &str) -> i64 {
    match &item[key] {
        Value::Number(n) => n.as_i64().unwrap_or_else(|| n.as_f64().unwrap() as i64),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("{key} is not a number: {other}"),
    }
}

#[test]
fn a_generated_day_lands_exactly_once_and_matches_its_truth() {
    let target = target_dir();
    let binaries = build_lambdas(&target).unwrap();
    let config = DayConfig {
        scale: SCALE,
        ..DayConfig::default()
    };
    let day = generate::generate(&config);
    let truth = &day.truth;
    let lake = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-day-lake");
    let _ = std::fs::remove_dir_all(&lake);

    let mut stack = LocalStack::start(&StackConfig {
        transform_binary: binaries.transform,
        alerting_binary: binaries.alerting,
        lake: lake.clone(),
        start_ms: config.day_start_ms,
        sources_json: generate::sources_json(),
        faults: Faults::default(),
    })
    .unwrap();
    stack.deliver(&day.batches, |_| {}).unwrap();
    let report = stack.finish().unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());

    // The processor kept the contract on every invocation, nothing failed.
    assert!(
        report.contract_violations.is_empty(),
        "{:?}",
        report.contract_violations
    );
    assert_eq!(report.error_records.values().sum::<usize>(), 0);
    assert_eq!(report.invoke_errors + report.invoke_timeouts, 0);
    assert!(report.invocations > 10, "the day spans many buffers");

    // Every generated event exactly once, typed as the truth says, in the
    // partition of its own time, valid against its schema.
    let records = read_lake(&lake).unwrap();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let schemas = SchemaCheck::new().unwrap();
    for found in &records {
        let record = &found.record;
        let id = record["event_id"]
            .as_str()
            .expect("every record has an event_id");
        *seen.entry(id).or_default() += 1;
        *by_type
            .entry(record["log_type"].as_str().unwrap().to_string())
            .or_default() += 1;
        assert_eq!(
            expected_partition(record).as_ref(),
            Some(&found.partition),
            "{} is in the wrong partition ({})",
            record,
            found.object
        );
        let errors = schemas.errors(record);
        assert!(errors.is_empty(), "{record}\nschema errors: {errors:?}");
        // Arrival follows the traffic, so no event time is suspect (the key
        // is written only when true).
        assert_ne!(
            record.get("timestamp_suspect"),
            Some(&Value::Bool(true)),
            "{record}"
        );
    }
    let generated: Vec<&str> = day
        .batches
        .iter()
        .flat_map(|b| b.events.iter().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(generated.len(), truth.total_events);
    let missing: Vec<&&str> = generated
        .iter()
        .filter(|id| !seen.contains_key(**id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} events missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let duplicated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "duplicated: {:?}",
        &duplicated[..duplicated.len().min(5)]
    );
    assert_eq!(
        seen.len(),
        generated.len(),
        "the lake holds only generated events"
    );
    assert_eq!(by_type, truth.events_by_log_type);
    assert!(!by_type.contains_key("unparsed"));
    let lake_total: usize = report.lake.values().map(|s| s.lines).sum();
    assert_eq!(
        lake_total, truth.total_events,
        "the simulator's count agrees"
    );

    // Conference and call summaries in DynamoDB, one Query each.
    let store = stack.store();
    for conference in &truth.conferences {
        let sessions = stack
            .runtime
            .block_on(store.conference_sessions(&conference.conference))
            .unwrap();
        let session = sessions
            .iter()
            .find(|s| {
                s.get("session_id").and_then(Value::as_str) == Some(&conference.conference_id)
            })
            .unwrap_or_else(|| {
                panic!(
                    "session {} of {} not found",
                    conference.conference_id, conference.conference
                )
            });
        assert_eq!(
            number(session, "participants_total") as u64,
            conference.people,
            "{session:?}"
        );
        assert_eq!(
            number(session, "max_concurrent") as u64,
            conference.max_concurrent,
            "{session:?}"
        );
        assert_eq!(
            number(session, "legs") as u64,
            conference.legs,
            "{session:?}"
        );
        assert_eq!(
            number(session, "abnormal_disconnects") as u64,
            conference.abnormal_disconnects,
            "{session:?}"
        );
        assert_eq!(
            session.get("active"),
            Some(&Value::Bool(false)),
            "{session:?}"
        );
    }
    let sessions_stored: usize = truth
        .conferences
        .iter()
        .map(|c| c.conference.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|name| {
            stack
                .runtime
                .block_on(store.conference_sessions(name))
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(
        sessions_stored,
        truth.conferences.len(),
        "no session stored twice or missing"
    );
    for call in truth.calls.iter().filter(|c| !c.is_backplane) {
        let legs = stack.runtime.block_on(store.call(&call.call_id)).unwrap();
        assert!(!legs.is_empty(), "call {} is not in DynamoDB", call.call_id);
        let leg = legs
            .iter()
            .find(|l| l.get("leg_id").and_then(Value::as_str) == Some(&call.participant_id))
            .unwrap_or(&legs[0]);
        let duration: Option<f64> = leg
            .get("duration_s")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok());
        assert!(
            duration.is_some_and(|d| (d - call.duration_s).abs() < 0.001),
            "call {}: duration {duration:?}, truth {}: {leg:?}",
            call.call_id,
            call.duration_s
        );
        if let Some(worst) = &call.worst_quality {
            assert_eq!(
                leg.get("worst_quality_name").and_then(Value::as_str),
                Some(worst.as_str()),
                "call {}: {leg:?}",
                call.call_id
            );
        }
    }

    // Alerts: published once each, only for events the truth says alert.
    let alerts = stack.drain_alerts().unwrap();
    let alerting_events: Vec<_> = truth.alerts.iter().filter(|a| a.subscribed).collect();
    assert!(!alerts.is_empty(), "the day raises alerts");
    let mut by_event: BTreeMap<String, usize> = BTreeMap::new();
    for alert in &alerts {
        // The body names the event: "Event id:   <id>".
        let event_id = alert
            .message
            .lines()
            .find_map(|line| line.strip_prefix("Event id:"))
            .map(|id| id.trim().to_string())
            .unwrap_or_else(|| panic!("an alert without its event id: {alert:?}"));
        let truth_alert = alerting_events
            .iter()
            .find(|a| a.event_id == event_id)
            .unwrap_or_else(|| panic!("alert for an event the truth does not alert: {alert:?}"));
        assert_eq!(truth_alert.severity, alert.severity, "{alert:?}");
        *by_event.entry(event_id).or_default() += 1;
    }
    assert!(
        by_event.values().all(|n| *n == 1),
        "an event alerted twice: {by_event:?}"
    );
    for severity in ["critical", "error"] {
        let expected = alerting_events
            .iter()
            .any(|a| a.severity.as_str() == severity);
        let published = alerts.iter().any(|a| a.severity.as_str() == severity);
        assert_eq!(
            published, expected,
            "{severity} alerts published: {published}"
        );
    }
    drop(stack);

    // Every named query answers what the truth predicts.
    let answers = named_queries(&lake).unwrap();
    let names: Vec<&String> = answers.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 11, "{names:?}");
    let mut mismatches = Vec::new();
    for (name, answer) in answers.as_object().unwrap() {
        let want = expected::rows(name, truth)
            .unwrap_or_else(|| panic!("no expectation for the named query {name}"));
        assert!(
            !want.is_empty(),
            "{name}: the generated day must give it rows"
        );
        let got = expected::comparable(name, answer);
        if got != want {
            mismatches.push(format!("{name}:\n  lake:  {got:?}\n  truth: {want:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "named queries that differ from the truth:\n{}",
        mismatches.join("\n")
    );
}
