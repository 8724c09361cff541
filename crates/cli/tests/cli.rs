//! The `logwrangler` binary as a user meets it: parse files of every format,
//! headers that configure and print nothing, input order, exit codes and
//! error messages, and the schema writer.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn logwrangler(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logwrangler"))
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn records(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is one JSON record"))
        .collect()
}

/// Each sample file with the log_type its records must have and how many.
const SAMPLES: &[(&str, &str, usize)] = &[
    ("tests/peers/otel/alb_al_valid_logs.log", "alb", 2),
    ("tests/peers/otel/clb_al_valid_logs.log", "elb_classic", 2),
    ("tests/peers/otel/vpc_valid_vpc_flow_log.log", "vpc_flow", 1),
    ("tests/fixtures/aws/alb.log", "alb", 10),
    ("tests/fixtures/aws/elb_classic.log", "elb_classic", 4),
    ("tests/fixtures/aws/cloudfront.log", "cloudfront", 6),
    ("tests/fixtures/aws/amplify_access.csv", "amplify_access", 2),
    ("tests/fixtures/aws/s3_access.log", "s3_access", 11),
    ("tests/fixtures/aws/vpc_flow.log", "vpc_flow", 7),
    ("tests/fixtures/aws/vpc_flow_custom_1.log", "vpc_flow", 8),
    ("tests/fixtures/aws/vpc_flow_custom_2.log", "vpc_flow", 6),
    ("tests/fixtures/aws/vpc_flow_custom_3.log", "vpc_flow", 4),
    ("tests/fixtures/aws/vpc_flow_custom_4.log", "vpc_flow", 2),
    ("tests/fixtures/aws/cloudtrail.ndjson", "cloudtrail", 3),
    (
        "tests/fixtures/aws/lambda_platform.log",
        "lambda_platform",
        13,
    ),
];

#[test]
fn parses_every_sample_file_without_unparsed_lines() {
    for (file, log_type, count) in SAMPLES {
        let out = records(&logwrangler(&["parse", file], None));
        assert_eq!(out.len(), *count, "{file}");
        for record in &out {
            assert_eq!(record["log_type"], *log_type, "{file}: {record}");
            assert!(
                record["event_id"].as_str().unwrap().starts_with("lw-"),
                "{file}"
            );
            assert!(record["timestamp"].as_str().unwrap().ends_with('Z'));
            assert!(
                record.get("timestamp_suspect").is_none(),
                "no delivery time, nothing to suspect"
            );
        }
    }
}

#[test]
fn s3_files_from_the_collector_parse_too() {
    // These upstream fixtures have no trailing newline; one holds too many values.
    for file in [
        "tests/peers/otel/s3_valid_s3_access_log.log",
        "tests/peers/otel/s3_unknown_request_uri.log",
        "tests/peers/otel/s3_too_many_values.log",
    ] {
        let out = records(&logwrangler(&["parse", file], None));
        assert!(!out.is_empty(), "{file}");
        assert!(
            out.iter().all(|r| r["log_type"] == "s3_access"),
            "{file}: {out:?}"
        );
    }
}

#[test]
fn stdin_keeps_input_order_and_unknown_lines_become_unparsed() {
    let input =
        "START RequestId: a-1 Version: $LATEST\nthis is not a log line\n\nEND RequestId: a-1\n";
    let out = records(&logwrangler(&["parse", "-"], Some(input)));
    let types: Vec<&str> = out
        .iter()
        .map(|r| r["log_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["lambda_platform", "unparsed", "lambda_platform"]);
    assert_eq!(out[1]["raw"], "this is not a log line");
    assert!(
        out[1]["parse_error"]
            .as_str()
            .unwrap()
            .contains("no known log format")
    );
    assert_eq!(out[0]["event"], "start");
    assert_eq!(out[2]["event"], "end");
}

#[test]
fn header_lines_configure_and_print_nothing() {
    let input = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method\n2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\n";
    let out = records(&logwrangler(&["parse"], Some(input)));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["log_type"], "cloudfront");
    assert_eq!(out[0]["sc_bytes"], 392);
    assert_eq!(out[0]["cs_method"], "GET");
    assert_eq!(out[0]["timestamp"], "2019-12-04T21:02:31.000Z");
}

#[test]
fn forced_type_and_source_mapping() {
    let line =
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1418530010 1418530070 ACCEPT OK\n";
    let out = records(&logwrangler(&["parse", "--type", "alb"], Some(line)));
    assert_eq!(out[0]["log_type"], "unparsed");
    assert!(
        out[0]["parse_error"].as_str().unwrap().starts_with("alb:"),
        "{}",
        out[0]
    );

    let dir = std::env::temp_dir().join(format!("lw-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sources.json");
    std::fs::write(&config, r#"{"sources":[{"log_group":"/vpc/custom-*","log_type":"vpc_flow","vpc_format":"${interface-id} ${srcaddr} ${dstaddr}"}]}"#).unwrap();
    let out = records(&logwrangler(
        &[
            "parse",
            "--config",
            config.to_str().unwrap(),
            "--log-group",
            "/vpc/custom-1",
        ],
        Some("eni-9 10.1.1.1 10.2.2.2\n"),
    ));
    assert_eq!(out[0]["log_type"], "vpc_flow");
    assert_eq!(out[0]["interface_id"], "eni-9");
    assert_eq!(out[0]["dstaddr"], "10.2.2.2");
    assert_eq!(out[0]["log_group"], "/vpc/custom-1");
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logwrangler"))
        .args(["parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"caf\xe9 \xff\xfe log\n")
        .unwrap();
    let out = records(&child.wait_with_output().unwrap());
    assert_eq!(out[0]["log_type"], "unparsed");
    assert_eq!(out[0]["raw"], "caf\u{FFFD} \u{FFFD}\u{FFFD} log");
}

#[test]
fn unreadable_input_fails_with_a_clear_message() {
    let out = logwrangler(&["parse", "no/such/file.log"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot open no/such/file.log"), "{stderr}");

    let out = logwrangler(&["parse", "tests"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));

    let out = logwrangler(&["parse", "--type", "nginx"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown log_type \"nginx\""));
}

#[test]
fn schemas_are_written_and_checked() {
    let dir = std::env::temp_dir().join(format!("lw-schemas-{}", std::process::id()));
    let dir_str = dir.to_str().unwrap();
    let out = logwrangler(&["schemas", "--out", dir_str], None);
    assert!(out.status.success());
    let alb: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("alb.schema.json")).unwrap())
            .unwrap();
    assert_eq!(alb["properties"]["client_port"]["x-glue-type"], "bigint");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 14);
    assert!(
        logwrangler(&["schemas", "--out", dir_str, "--check"], None)
            .status
            .success()
    );
    std::fs::write(dir.join("alb.schema.json"), "{}").unwrap();
    let stale = logwrangler(&["schemas", "--out", dir_str, "--check"], None);
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("alb.schema.json"));
}

#[test]
fn transform_runs_the_lambda_handler_on_a_request_file() {
    let out = logwrangler(
        &[
            "transform",
            "tests/peers/aws-docs/firehose_cwl_testEvent_awsblueprint.json",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results: Vec<&str> = response["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["Dropped", "Ok", "Ok", "Ok"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("4 records: 3 ok, 1 dropped, 0 processing-failed")
    );
}

#[test]
fn transform_without_a_reingest_stream_fails_what_needs_reingest_and_says_so() {
    use base64::Engine;
    let envelope = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/app/a", "logStream": "s",
        "subscriptionFilters": ["lake"],
        "logEvents": [
            {"id": "1", "timestamp": 1_764_000_000_000i64, "message": r#"{"level":"info","msg":"a","time":"2025-11-24T15:00:00Z"}"#},
            {"id": "2", "timestamp": 1_764_000_000_000i64, "message": r#"{"level":"info","msg":"b","time":"2025-11-24T17:00:00Z"}"#}
        ]
    });
    let data =
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&envelope).unwrap());
    let request = serde_json::json!({"invocationId": "i", "deliveryStreamArn": "", "region": "us-east-1",
        "records": [{"recordId": "r1", "approximateArrivalTimestamp": 1_764_000_000_000i64, "data": data}]});
    let out = logwrangler(&["transform", "-"], Some(&request.to_string()));
    assert!(out.status.success());
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(response["records"][0]["result"], "ProcessingFailed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 records needed re-ingest and were answered ProcessingFailed"),
        "{stderr}"
    );
    assert!(stderr.contains("pass --reingest-stream NAME"), "{stderr}");

    let bad = logwrangler(&["transform", "-"], Some("{\"records\": 3}"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a Firehose transformation request")
    );
}
