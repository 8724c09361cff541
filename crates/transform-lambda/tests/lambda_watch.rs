//! The built `transform-lambda` binary behind the Lambda Runtime API of
//! `cargo lambda watch` on 127.0.0.1, invoked over the Lambda Invoke HTTP API
//! with the AWS blueprint's test event and with a bad configuration.

use logwrangler_testkit::moto as support;

use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use support::{Service, http};

fn function(apis: &Service, extra_env: &[(&str, &str)]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_transform-lambda"))
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{}/.rt", apis.port),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .envs(extra_env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the function binary starts")
}

#[test]
fn blueprint_event_through_the_runtime_api() {
    let apis = Service::lambda_apis();
    let key = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
    let mut child = function(
        &apis,
        &[("RUST_LOG", "info"), ("LOGWRANGLER_PSEUDONYMISE_KEY", key)],
    );
    let event = std::fs::read(format!(
        "{}/tests/peers/aws-docs/firehose_cwl_testEvent_awsblueprint.json",
        support::ROOT
    ))
    .unwrap();
    let (status, body) = http(
        "POST",
        &format!("{}/2015-03-31/functions/_/invocations", apis.url()),
        &event,
    );
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let response: Value = serde_json::from_slice(&body).unwrap();
    let records = response["records"].as_array().unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records.iter().filter(|r| r["result"] == "Ok").count(), 3);
    assert_eq!(
        records.iter().filter(|r| r["result"] == "Dropped").count(),
        1
    );
    for record in records.iter().filter(|r| r["result"] == "Ok") {
        let data = BASE64.decode(record["data"].as_str().unwrap()).unwrap();
        assert!(
            String::from_utf8(data)
                .unwrap()
                .lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok())
        );
        assert!(record["metadata"]["partitionKeys"]["log_type"].is_string());
    }
    // The function logged JSON and emitted Embedded Metric Format on stdout.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let emf: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect();
    assert!(
        emf.iter()
            .any(|d| d["RecordsIn"] == 4 && d["RecordsOk"] == 3),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"message\":\"processed batch\""),
        "{stdout}"
    );
    // Counts and ids only: no event text, no key (its id says which key is in use).
    let logs = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    for secret in [
        "8499846a-88c1-4fb3-bfca-117ec023c5c3",
        "Checking health of destination",
        key,
    ] {
        assert!(!logs.contains(secret), "{secret} logged: {logs}");
    }
    assert!(logs.contains("\"key_id\""), "{logs}");
}

#[test]
fn bad_configuration_stops_the_function_before_it_takes_traffic() {
    let apis = Service::lambda_apis();
    let mut child = function(&apis, &[("LOGWRANGLER_MAX_LINE_BYTES", "lots")]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the function kept running with a bad configuration"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let output = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("LOGWRANGLER_MAX_LINE_BYTES=\\\"lots\\\" is not valid")
            || all.contains("LOGWRANGLER_MAX_LINE_BYTES=\"lots\" is not valid"),
        "{all}"
    );
}
