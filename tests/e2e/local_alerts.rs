//! A lower-case critical application line through the whole local pipeline
//! (Firehose simulator and the real `transform-lambda` and `alerting-lambda`
//! binaries behind `cargo lambda watch`, DynamoDB, SNS and SQS on
//! moto_server), with subscription filter #2 running the regex pattern the
//! stack deploys with `-c alertingFilter=regex`: exactly one critical
//! message, and the line in the lake typed `critical`. The term pattern
//! (`?CRITICAL ...`) would not have delivered it at all.

use std::path::PathBuf;

use firehose_sim::Faults;
use local_stack::alerting::{LOCAL_ACCOUNT, alerting_delivery};
use local_stack::filter::AlertingFilter;
use local_stack::local::{LocalStack, StackConfig};
use local_stack::stack::{build_lambdas, workspace_root};
use logwrangler::Severity;
use logwrangler::subscription::TermPattern;
use logwrangler_e2e::{read_lake, target_dir};
use logwrangler_generator::{self as generate, LogBatch, LogEvent};

#[test]
fn a_lower_case_critical_app_line_gives_exactly_one_critical_message() {
    let binaries = build_lambdas(&target_dir()).unwrap();
    let lake = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-local-alerts-lake");
    let _ = std::fs::remove_dir_all(&lake);
    let t0 = 1_772_449_200_000;
    let line = r#"{"log_level":"critical","message":"db down","service":"orders","time":"2026-03-02T11:00:00.000Z"}"#;
    let batch = LogBatch {
        log_group: "/my-app/events".into(),
        log_stream: "orders-1".into(),
        owner: LOCAL_ACCOUNT.into(),
        events: vec![LogEvent {
            id: format!("4{:055}", 1),
            timestamp: t0,
            message: line.into(),
        }],
    };
    assert!(
        alerting_delivery(&batch, &TermPattern::alerting()).is_none(),
        "the term pattern drops the line"
    );

    let mut stack = LocalStack::start(&StackConfig {
        transform_binary: binaries.transform,
        alerting_binary: binaries.alerting,
        lake: lake.clone(),
        start_ms: t0,
        sources_json: generate::sources_json(),
        faults: Faults::default(),
    })
    .unwrap();
    stack.set_alerting_filter(AlertingFilter::Regex(
        local_stack::filter::shipped(&workspace_root()).unwrap(),
    ));
    stack.deliver(&[batch], |_| {}).unwrap();
    stack.finish().unwrap();

    let alerts = stack.drain_alerts().unwrap();
    let critical: Vec<_> = alerts
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .collect();
    assert_eq!(critical.len(), 1, "{alerts:#?}");
    assert!(critical[0].message.contains("db down"), "{:?}", critical[0]);
    assert_eq!(alerts.len(), 1, "nothing else: {alerts:#?}");

    let rows = read_lake(&lake).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].record["severity"], "critical");
    assert_eq!(rows[0].record["message"], "db down");
}
