//! Conformance of the JSON-shaped formats (cloudtrail, lambda_platform, app,
//! json) and the Lambda platform text lines against peer data, through the
//! public `LineParser` (content sniffing included):
//! - the OpenTelemetry collector's CloudTrail fixture (a CloudWatch envelope),
//!   plus handcrafted AccessDenied and root ConsoleLogin events (severity rules),
//! - every Lambda line and JSON event of the AWS documentation samples,
//!   including the verbatim `platform.report` sample whose trailing comma makes
//!   it invalid JSON (must become `unparsed`, never panic),
//! - the Lambda shapes of `field_specs.json`,
//! - application event shapes, the `json` fallback (AWS WAF samples) and invalid JSON.
//!
//! Deliberate differences and known gaps (see the report):
//! - Lambda runtime text lines `<ISO time>\t<request id>\t<LEVEL>\t<message>`
//!   are not sniffed today (they become `unparsed`); `app::parse_text` reads
//!   them, and accepted as `app` once detect.rs/parser.rs route them.
//! - The documentation pretty-prints multi-line messages (JSON after `EVENT`,
//!   Go's `log` lines); such fragments are not events of their own and become
//!   `unparsed`.
//! - The golang sample wraps its REPORT line before `XRAY TraceId`; the two
//!   lines are joined, as Lambda writes one line.

mod common;

use common::{assert_schema_valid, doc_sections, peer};
use logwrangler::{EventContext, LineParser, Record};
use serde_json::{Value, json};

/// Parses one line with a fresh default parser and returns the record as JSON
/// (schema-checked).
fn parse(line: &str) -> Value {
    let record = LineParser::default()
        .parse_line(line, &EventContext::default())
        .into_record()
        .expect("a record");
    let value = record.to_value();
    assert_schema_valid(&value);
    value
}

/// Feeds each event of a CloudWatch Logs subscription envelope through one parser.
fn parse_envelope(envelope: &Value) -> Vec<Value> {
    let mut parser = LineParser::default();
    envelope["logEvents"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter_map(|(i, event)| {
            let ctx = EventContext {
                log_group: envelope["logGroup"].as_str(),
                log_stream: envelope["logStream"].as_str(),
                account_id: envelope["owner"].as_str(),
                event_id: event["id"].as_str(),
                received_ms: event["timestamp"].as_i64(),
                source: "envelope",
                position: i as u64,
                ..EventContext::default()
            };
            parser
                .parse_line(event["message"].as_str().unwrap(), &ctx)
                .into_record()
                .map(|r: Record<'_>| r.to_value())
        })
        .collect()
}

#[test]
fn otel_cloudtrail_envelope() {
    let envelope: Value = serde_json::from_str(&peer("otel/cloudtrail_log_cw.json")).unwrap();
    let records = parse_envelope(&envelope);
    assert_eq!(records.len(), 1);
    let v = &records[0];
    assert_schema_valid(v);
    let source: Value =
        serde_json::from_str(envelope["logEvents"][0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(v["log_type"], "cloudtrail");
    assert_eq!(v["event_id"], "eventId1");
    assert_eq!(
        (v["log_group"].as_str(), v["account_id"].as_str()),
        (Some("/aws/cloudtrail/logs"), Some("123456789010"))
    );
    // The event time is eventTime; the fixture's CloudWatch time is 2014, more
    // than 7 days away, so the time is flagged as not trusted for partitioning.
    assert_eq!(v["timestamp"], "2026-01-28T09:26:59.000Z");
    assert_eq!(v["timestamp_suspect"], true);
    let expect = [
        ("event_version", json!("1.11")),
        ("event_time", json!("2026-01-28T09:26:59Z")),
        ("event_source", json!("s3.amazonaws.com")),
        ("event_name", json!("PutObject")),
        ("aws_region", json!("eu-west-1")),
        ("source_ip_address", json!("s3.amazonaws.com")),
        ("user_agent", json!("s3.amazonaws.com")),
        ("error_code", Value::Null),
        ("error_message", Value::Null),
        ("request_id", json!("EH45WHPCAE9G5SX8")),
        ("event_id_ct", json!("5cb53c22-36b5-3ca3-a389-dae3eec919df")),
        ("event_type", json!("AwsApiCall")),
        ("read_only", json!(false)),
        ("management_event", json!(false)),
        ("event_category", json!("Data")),
        ("recipient_account_id", json!("627286350134")),
        (
            "shared_event_id",
            json!("ed5bfe2a-b8d8-4a7a-9267-fb58ca3b2f77"),
        ),
        ("vpc_endpoint_id", json!("AWS Internal")),
        ("user_identity_type", json!("AWSService")),
        ("user_identity_arn", Value::Null),
        ("severity", json!("info")),
    ];
    for (key, want) in expect {
        assert_eq!(v[key], want, "{key}");
    }
    // The JSON columns hold the source objects exactly.
    for (column, key) in [
        ("json_user_identity", "userIdentity"),
        ("json_request_parameters", "requestParameters"),
        ("json_response_elements", "responseElements"),
        ("json_additional_event_data", "additionalEventData"),
        ("json_resources", "resources"),
    ] {
        let text = v[column].as_str().unwrap_or_else(|| panic!("{column}"));
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            source[key],
            "{column}"
        );
        assert!(!text.contains('\n'), "compact JSON");
    }
    let extra: Value = serde_json::from_str(v["json_extra"].as_str().unwrap()).unwrap();
    assert_eq!(extra, json!({"vpcEndpointAccountId": "AWS Internal"}));
}

#[test]
fn cloudtrail_access_denied_and_root_console_login() {
    let denied = parse(
        &json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:ci", "arn": "arn:aws:sts::111122223333:assumed-role/deploy/ci",
                             "accountId": "111122223333", "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "deploy"}}},
            "eventTime": "2026-03-02T10:15:42Z", "eventSource": "s3.amazonaws.com", "eventName": "DeleteBucket",
            "awsRegion": "eu-west-1", "sourceIPAddress": "192.0.2.10", "userAgent": "aws-cli/2.15.0",
            "errorCode": "AccessDenied", "errorMessage": "Access Denied",
            "requestParameters": {"bucketName": "logs"}, "responseElements": null,
            "requestID": "R1", "eventID": "E1", "readOnly": false, "eventType": "AwsApiCall",
            "managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management"
        })
        .to_string(),
    );
    assert_eq!(denied["log_type"], "cloudtrail");
    assert_eq!(denied["severity"], "warning", "AccessDenied -> warning");
    assert_eq!(
        (
            denied["error_code"].as_str(),
            denied["user_identity_user_name"].as_str()
        ),
        (Some("AccessDenied"), Some("deploy"))
    );
    assert_eq!(
        denied["user_identity_arn"],
        "arn:aws:sts::111122223333:assumed-role/deploy/ci"
    );
    assert!(denied["json_response_elements"].is_null());

    let unauthorized = parse(
        r#"{"eventVersion":"1.09","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"Client.UnauthorizedOperation","eventTime":"2026-03-02T10:15:42Z"}"#,
    );
    assert_eq!(unauthorized["severity"], "warning");

    let root = parse(
        r#"{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventTime":"2026-03-02T11:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/","MobileVersion":"No","MFAUsed":"No"},"eventID":"E2","readOnly":"false","eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#,
    );
    assert_eq!(
        (root["log_type"].as_str(), root["severity"].as_str()),
        (Some("cloudtrail"), Some("critical")),
        "root console login -> critical"
    );
    assert_eq!(
        (
            root["user_identity_type"].as_str(),
            root["read_only"].as_bool()
        ),
        (Some("Root"), Some(false))
    );
    assert_eq!(root["timestamp"], "2026-03-02T11:00:00.000Z");
    let data: Value =
        serde_json::from_str(root["json_additional_event_data"].as_str().unwrap()).unwrap();
    assert_eq!(data["MFAUsed"], "No");
}

/// Asserts a lambda_platform record's fields.
fn assert_lambda(v: &Value, fields: &[(&str, Value)]) {
    assert_eq!(v["log_type"], "lambda_platform", "{v}");
    for (key, want) in fields {
        assert_eq!(&v[*key], want, "{key} of {v}");
    }
}

#[test]
fn lambda_doc_text_lines() {
    let sections = doc_sections();
    let mut platform = 0;
    let mut other = 0;
    for (title, blocks) in sections.iter().filter(|(t, _)| {
        t.starts_with("## Lambda platform START") || t.starts_with("## Lambda REPORT line")
    }) {
        for block in blocks.iter().filter(|b| !b.starts_with('{')) {
            // The golang sample wraps its REPORT line before the X-Ray fields.
            let block = block.replace("\t\nXRAY TraceId", "\tXRAY TraceId");
            let mut parser = LineParser::default();
            for (i, line) in block.lines().enumerate() {
                let ctx = EventContext {
                    source: title,
                    position: i as u64,
                    ..EventContext::default()
                };
                let v = parser
                    .parse_line(line, &ctx)
                    .into_record()
                    .expect("a record")
                    .to_value();
                assert_schema_valid(&v);
                if ["START ", "END ", "REPORT "]
                    .iter()
                    .any(|p| line.starts_with(p))
                {
                    assert_lambda(&v, &[]);
                    platform += 1;
                } else {
                    // Runtime lines, pretty-printed JSON fragments, Go log lines.
                    assert!(
                        matches!(v["log_type"].as_str(), Some("unparsed" | "app")),
                        "{line}: {v}"
                    );
                    other += 1;
                }
            }
        }
    }
    assert_eq!(platform, 12);
    assert!(other > 20, "{other}");

    let report = |line: &str| parse(line);
    assert_lambda(
        &report(
            "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true",
        ),
        &[
            ("event", json!("report")),
            ("request_id", json!("c793869b-ee49-115b-a5b6-4fd21e8dedac")),
            ("duration_ms", json!(128.83)),
            ("billed_duration_ms", json!(200)),
            ("memory_size_mb", json!(128)),
            ("max_memory_used_mb", json!(74)),
            ("init_duration_ms", json!(166.62)),
            (
                "xray_trace_id",
                json!("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"),
            ),
            ("xray_segment_id", json!("3d752xmpl1bbe37e")),
            ("xray_sampled", json!(true)),
            ("status", Value::Null),
            ("severity", json!("info")),
        ],
    );
    assert_lambda(
        &report(
            "REPORT RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8  Duration: 79.67 ms      Billed Duration: 80 ms         Memory Size: 128 MB     Max Memory Used: 73 MB",
        ),
        &[
            ("duration_ms", json!(79.67)),
            ("billed_duration_ms", json!(80)),
            ("memory_size_mb", json!(128)),
            ("max_memory_used_mb", json!(73)),
            ("init_duration_ms", Value::Null),
        ],
    );
    assert_lambda(
        &report(
            "REPORT RequestId: dbda340c-xmpl-4031-8810-11bb609b4c71\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms\tXRAY TraceId: 1-5e7d7595-212fxmpl9ee07c4884191322\tSegmentId: 42ffxmpl0645f474\tSampled: true",
        ),
        &[
            ("request_id", json!("dbda340c-xmpl-4031-8810-11bb609b4c71")),
            ("init_duration_ms", json!(203.69)),
            (
                "xray_trace_id",
                json!("1-5e7d7595-212fxmpl9ee07c4884191322"),
            ),
        ],
    );
    assert_lambda(
        &parse("START RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac Version: $LATEST"),
        &[
            ("event", json!("start")),
            ("request_id", json!("c793869b-ee49-115b-a5b6-4fd21e8dedac")),
            ("version", json!("$LATEST")),
        ],
    );
    assert_lambda(
        &parse("END RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac"),
        &[("event", json!("end")), ("version", Value::Null)],
    );
}

#[test]
fn lambda_doc_get_log_events_output() {
    let sections = doc_sections();
    let (_, blocks) = sections
        .iter()
        .find(|(t, _)| t.starts_with("## Lambda platform START"))
        .unwrap();
    let block = blocks.iter().find(|b| b.contains("\"events\"")).unwrap();
    // Two JSON documents back to back (the CLI's invoke and get-log-events output).
    let docs: Vec<Value> = serde_json::Deserializer::from_str(block)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    let events = docs[1]["events"].as_array().unwrap();
    let mut parser = LineParser::default();
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let ctx = EventContext {
                received_ms: e["timestamp"].as_i64(),
                source: "get-log-events",
                position: i as u64,
                ..EventContext::default()
            };
            parser
                .parse_line(e["message"].as_str().unwrap(), &ctx)
                .into_record()
                .unwrap()
                .to_value()
        })
        .collect();
    assert_lambda(
        &records[0],
        &[
            ("event", json!("start")),
            ("request_id", json!("4ce9340a-b765-490f-ad8a-02ab3415e2bf")),
            ("timestamp", json!("2019-06-05T19:30:03.171Z")),
        ],
    );
    assert_lambda(
        &records[3],
        &[
            ("event", json!("end")),
            ("request_id", json!("4ce9340a-b765-490f-ad8a-02ab3415e2bf")),
        ],
    );
    assert_lambda(
        &records[4],
        &[
            ("event", json!("report")),
            ("duration_ms", json!(26.73)),
            ("billed_duration_ms", json!(27)),
            ("memory_size_mb", json!(128)),
            ("max_memory_used_mb", json!(75)),
        ],
    );
    for runtime_line in &records[1..3] {
        assert_schema_valid(runtime_line);
        match runtime_line["log_type"].as_str() {
            Some("unparsed") => assert!(
                runtime_line["raw"]
                    .as_str()
                    .unwrap()
                    .starts_with("2019-06-05T19:30:03.173Z\t")
            ),
            Some("app") => assert_eq!(runtime_line["log_level"], "INFO"),
            other => panic!("runtime line routed to {other:?}"),
        }
    }
    // The runtime text reader the report proposes to wire in.
    let parsed =
        logwrangler::formats::app::parse_text(events[2]["message"].as_str().unwrap().trim_end())
            .unwrap();
    let app = parsed.body;
    assert_eq!(
        (app.log_level.as_deref(), app.message.as_deref()),
        (Some("INFO"), Some("EVENT\r{\r  \"key\": \"value\"\r}"))
    );
}

#[test]
fn lambda_doc_platform_json_events() {
    let sections = doc_sections();
    let (_, blocks) = sections
        .iter()
        .find(|(t, _)| t.starts_with("## Lambda platform.report event"))
        .unwrap();
    assert_eq!(blocks.len(), 2);
    // As CloudWatch would deliver them: one event per message, on one line.
    let one_line = |b: &str| b.lines().map(str::trim).collect::<Vec<_>>().join(" ");

    let done = parse(&one_line(&blocks[0]));
    assert_lambda(
        &done,
        &[
            ("event", json!("runtime_done")),
            ("request_id", json!("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa")),
            ("status", json!("success")),
            ("duration_ms", json!(140.0)),
            (
                "xray_trace_id",
                json!("1-62e900b2-710d76f009d6e7785905449a"),
            ),
            ("xray_segment_id", json!("0efbd19962d95b05")),
            ("xray_sampled", json!(true)),
            ("timestamp", json!("2022-10-12T00:01:15.000Z")),
        ],
    );
    let record: Value = serde_json::from_str(done["json_record"].as_str().unwrap()).unwrap();
    assert_eq!(record["spans"][0]["name"], "someTimeSpan");

    // The verbatim platform.report sample has a trailing comma: invalid JSON.
    let verbatim = one_line(&blocks[1]);
    let bad = parse(&verbatim);
    assert_eq!(bad["log_type"], "unparsed");
    let error = bad["parse_error"].as_str().unwrap();
    assert!(
        error.starts_with("json: invalid JSON: trailing comma"),
        "{error}"
    );
    assert_eq!(bad["raw"], verbatim.as_str());
    // The same through a log group mapped to lambda_platform: still unparsed, no panic.
    let config = logwrangler::SourceConfig::from_json(
        r#"{"sources":[{"log_group":"/aws/lambda/*","log_type":"lambda_platform"}]}"#,
    )
    .unwrap();
    let mut mapped = LineParser::new(
        std::sync::Arc::new(config),
        std::sync::Arc::new(logwrangler::Rules::default()),
    );
    let v = mapped
        .parse_line(
            &verbatim,
            &EventContext {
                log_group: Some("/aws/lambda/f"),
                ..EventContext::default()
            },
        )
        .into_record()
        .unwrap()
        .to_value();
    assert_eq!(v["log_type"], "unparsed");
    assert!(
        v["parse_error"].as_str().unwrap().contains("invalid JSON"),
        "{v}"
    );

    // Without the stray comma it is a platform.report.
    let fixed = verbatim.replace(
        "\"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\", }",
        "\"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\" }",
    );
    assert_lambda(
        &parse(&fixed),
        &[
            ("event", json!("report")),
            ("request_id", json!("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa")),
            ("billed_duration_ms", json!(694)),
            ("duration_ms", json!(693.92)),
            ("init_duration_ms", json!(397.68)),
            ("max_memory_used_mb", json!(84)),
            ("memory_size_mb", json!(128)),
        ],
    );
}

#[test]
fn lambda_field_specs() {
    let specs: Value = serde_json::from_str(&peer("aws-docs/field_specs.json")).unwrap();
    let text = &specs["lambda_platform_text"];
    let fill = |template: &str| {
        template
            .replace("<uuid>", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
            .replace("<version>", "7")
            .replace("<float>", "12.5")
            .replace("<int>", "64")
            .replace("<id>", "1-abc")
            .replace("<bool>", "true")
    };
    assert_lambda(
        &parse(&fill(text["START"].as_str().unwrap())),
        &[
            ("event", json!("start")),
            ("version", json!("7")),
            ("request_id", json!("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
        ],
    );
    assert_lambda(
        &parse(&fill(text["END"].as_str().unwrap())),
        &[("event", json!("end"))],
    );
    // `...ms[\tInit Duration: <float> ms][\tXRAY ...]  (commentary)`: the full form, tabs as tabs.
    let report = text["REPORT"].as_str().unwrap();
    let report = report
        .split("  (")
        .next()
        .unwrap()
        .replace("\\t", "\t")
        .replace(['[', ']'], "");
    assert_lambda(
        &parse(&fill(&report)),
        &[
            ("duration_ms", json!(12.5)),
            ("billed_duration_ms", json!(64)),
            ("memory_size_mb", json!(64)),
            ("max_memory_used_mb", json!(64)),
            ("init_duration_ms", json!(12.5)),
            ("xray_trace_id", json!("1-abc")),
            ("xray_segment_id", json!("1-abc")),
            ("xray_sampled", json!(true)),
        ],
    );

    // platform.report built from the documented record keys and types.
    let spec = &specs["lambda_platform_json"]["platform.report.record"]["metrics"];
    let mut metrics = serde_json::Map::new();
    for (key, kind) in spec.as_object().unwrap() {
        let value = if kind == "int" {
            json!(64)
        } else {
            json!(12.5)
        };
        metrics.insert(key.trim_end_matches('?').to_owned(), value);
    }
    let event = json!({"time": "2024-05-01T10:00:00.000Z", "type": "platform.report",
                       "record": {"requestId": "r-1", "metrics": metrics, "status": "error", "errorType": "Runtime.ExitError"}});
    let v = parse(&event.to_string());
    assert_lambda(
        &v,
        &[
            ("event", json!("report")),
            ("duration_ms", json!(12.5)),
            ("billed_duration_ms", json!(64)),
            ("memory_size_mb", json!(64)),
            ("max_memory_used_mb", json!(64)),
            ("init_duration_ms", json!(12.5)),
            ("restore_duration_ms", json!(12.5)),
            ("status", json!("error")),
            ("error_type", json!("Runtime.ExitError")),
            ("timestamp", json!("2024-05-01T10:00:00.000Z")),
            ("severity", json!("error")),
        ],
    );

    // The Lambda JSON log format for application logs is an app event.
    let app_spec = specs["lambda_platform_json"]["app_log_json"]
        .as_object()
        .unwrap();
    assert!(
        ["timestamp", "level", "message", "requestId"]
            .iter()
            .all(|k| app_spec.contains_key(*k))
    );
    let v = parse(
        r#"{"timestamp":"2024-05-01T10:00:00.123Z","level":"WARN","message":"low disk","requestId":"r-1"}"#,
    );
    assert_eq!(
        (
            v["log_type"].as_str(),
            v["log_level"].as_str(),
            v["message"].as_str()
        ),
        (Some("app"), Some("WARN"), Some("low disk"))
    );
    assert_eq!(
        (v["severity"].as_str(), v["timestamp"].as_str()),
        (Some("warning"), Some("2024-05-01T10:00:00.123Z"))
    );
    assert_eq!(
        v["attributes"],
        r#"{"timestamp":"2024-05-01T10:00:00.123Z","requestId":"r-1"}"#
    );
}

#[test]
fn lambda_timeouts_are_errors() {
    let v = parse(
        "REPORT RequestId: 1a2b\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\tStatus: timeout",
    );
    assert_lambda(
        &v,
        &[("status", json!("timeout")), ("severity", json!("error"))],
    );
    let v = parse("Task timed out after 3.00 seconds");
    assert_lambda(
        &v,
        &[
            ("event", json!("timeout")),
            ("duration_ms", json!(3000.0)),
            ("severity", json!("error")),
        ],
    );
    let v = parse(
        "INIT_REPORT Init Duration: 3000.23 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
    );
    assert_lambda(
        &v,
        &[
            ("event", json!("init_report")),
            ("error_type", json!("Runtime.ExitError")),
            ("severity", json!("error")),
        ],
    );
    // With the runtime's `<time> <request id>` prefix, content sniffing takes the
    // line for a Classic ELB entry today (see the report's detect.rs change); a
    // log group mapped to lambda_platform parses it.
    let line = "2019-06-07T19:11:23.562Z c793869b-ee49-115b-a5b6-4fd21e8dedac Task timed out after 3.00 seconds";
    let config = logwrangler::SourceConfig::from_json(
        r#"{"sources":[{"log_group":"/aws/lambda/*","log_type":"lambda_platform"}]}"#,
    )
    .unwrap();
    let mut mapped = LineParser::new(
        std::sync::Arc::new(config),
        std::sync::Arc::new(logwrangler::Rules::default()),
    );
    let v = mapped
        .parse_line(
            line,
            &EventContext {
                log_group: Some("/aws/lambda/f"),
                ..EventContext::default()
            },
        )
        .into_record()
        .unwrap()
        .to_value();
    assert_lambda(
        &v,
        &[
            ("event", json!("timeout")),
            ("request_id", json!("c793869b-ee49-115b-a5b6-4fd21e8dedac")),
            ("timestamp", json!("2019-06-07T19:11:23.562Z")),
            ("severity", json!("error")),
        ],
    );
    let sniffed = parse(line);
    assert!(
        matches!(
            sniffed["log_type"].as_str(),
            Some("lambda_platform" | "unparsed")
        ),
        "{sniffed}"
    );
}

#[test]
fn app_shapes() {
    let v = parse(
        r#"{"source_application":"pexip-portal","log_level":"warn","message":"slow join","details":{"conference":"meet.alice","ms":1200}}"#,
    );
    assert_eq!(
        (v["log_type"].as_str(), v["severity"].as_str()),
        (Some("app"), Some("warning"))
    );
    assert_eq!(
        (
            v["source_application"].as_str(),
            v["log_level"].as_str(),
            v["message"].as_str()
        ),
        (Some("pexip-portal"), Some("warn"), Some("slow join"))
    );
    assert_eq!(v["details"], r#"{"conference":"meet.alice","ms":1200}"#);
    assert!(v["attributes"].is_null());

    let v = parse(
        r#"{"source_application":"billing","log_level":"FATAL","message":"db down","details":"pool exhausted","timestamp":1700000000}"#,
    );
    assert_eq!(
        (v["severity"].as_str(), v["details"].as_str()),
        (Some("critical"), Some("pool exhausted"))
    );
    assert_eq!(
        (v["timestamp"].as_str(), v["attributes"].as_str()),
        (
            Some("2023-11-14T22:13:20.000Z"),
            Some(r#"{"timestamp":1700000000}"#)
        )
    );

    // Python logging (json formatter), Go slog/zap, pino, Bunyan-like shapes.
    let v = parse(
        r#"{"asctime":"x","levelname":"ERROR","name":"worker","message":"job failed","@timestamp":"2026-03-02T10:15:42.118+01:00"}"#,
    );
    assert_eq!(
        (
            v["log_level"].as_str(),
            v["severity"].as_str(),
            v["timestamp"].as_str()
        ),
        (
            Some("ERROR"),
            Some("error"),
            Some("2026-03-02T09:15:42.118Z")
        )
    );
    assert_eq!(
        v["attributes"],
        r#"{"asctime":"x","name":"worker","@timestamp":"2026-03-02T10:15:42.118+01:00"}"#
    );
    let v = parse(
        r#"{"time":"2026-03-02T10:15:42.118Z","level":"DEBUG","msg":"tick","logger":"sched","n":3}"#,
    );
    assert_eq!(
        (
            v["log_type"].as_str(),
            v["source_application"].as_str(),
            v["message"].as_str(),
            v["severity"].as_str()
        ),
        (Some("app"), Some("sched"), Some("tick"), Some("debug"))
    );
    let v = parse(r#"{"level":30,"time":1700000000123,"msg":"listening","service":"api"}"#);
    assert_eq!(
        (
            v["log_level"].as_str(),
            v["severity"].as_str(),
            v["timestamp"].as_str()
        ),
        (Some("30"), Some("info"), Some("2023-11-14T22:13:20.123Z"))
    );
    let v = parse(r#"{"severity":"WARNING","message":"quota 90%","ts":"not a time"}"#);
    assert_eq!(
        (v["log_type"].as_str(), v["severity"].as_str()),
        (Some("app"), Some("warning"))
    );
}

#[test]
fn json_fallback_and_invalid_json() {
    let sections = doc_sections();
    let (_, blocks) = sections
        .iter()
        .find(|(t, _)| t.starts_with("## AWS WAF log examples"))
        .unwrap();
    assert!(blocks.len() >= 4);
    for block in blocks {
        let source: Value = serde_json::from_str(block).unwrap();
        let line = source.to_string();
        let v = parse(&line);
        assert_eq!(v["log_type"], "json", "{line}");
        assert_eq!(
            serde_json::from_str::<Value>(v["attributes"].as_str().unwrap()).unwrap(),
            source
        );
        let expected = logwrangler::time::iso_string(source["timestamp"].as_i64().unwrap());
        assert_eq!(v["timestamp"], expected.as_str(), "epoch millis");
    }

    let v = parse(r#"{"a":1,"b":[true,null]}"#);
    assert_eq!(
        (v["log_type"].as_str(), v["attributes"].as_str()),
        (Some("json"), Some(r#"{"a":1,"b":[true,null]}"#))
    );

    for bad in [r#"{"a":1"#, r#"{"a":1,}"#, "{not json}", r#"{"a":"\u12"}"#] {
        let v = parse(bad);
        assert_eq!(v["log_type"], "unparsed", "{bad}");
        let error = v["parse_error"].as_str().unwrap();
        assert!(error.starts_with("json: invalid JSON: "), "{bad}: {error}");
        assert_eq!(v["raw"], bad);
    }
}
