//! ALB conformance: every `parse_aws_alb_log` case of Vector's VRL, the
//! OpenTelemetry collector's ALB fixture and the AWS documentation examples
//! parse, and agree with the peers' values after mapping field names.
//!
//! Deliberate differences from VRL, compared after conversion:
//! - VRL keeps `client_host`/`target_host` as `ip:port`; we split them into
//!   `client_ip`/`client_port` (Athena's column names), so we compare `ip:port`.
//! - VRL writes status codes and `matched_rule_priority` as strings; the design
//!   types them as integers, so we compare their decimal text.
//! - VRL keeps `actions_executed` as the comma-separated string; the design
//!   turns lists into JSON arrays, so we compare the array joined with `,`.
//! - VRL names `timestamp`, `request_method`, `request_protocol`,
//!   `traceability_id`; ours are `time`, `request_verb`, `request_proto`,
//!   `conn_trace_id`.

use logwrangler::{EventContext, LineParser};
use serde_json::Value;

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers");

fn parse(line: &str) -> Value {
    let record = LineParser::default()
        .parse_line(line, &EventContext::default())
        .into_record()
        .expect("a record");
    record.to_value()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn host_port(ours: &Value, ip: &str, port: &str) -> Option<String> {
    let ip = ours[ip].as_str()?;
    Some(match ours[port].as_i64() {
        Some(port) => format!("{ip}:{port}"),
        None => ip.to_string(),
    })
}

#[test]
fn vrl_parse_aws_alb_log_cases() {
    let cases = std::fs::read_to_string(format!("{PEERS}/vrl/parse_aws_alb_log.jsonl")).unwrap();
    let mut checked = 0;
    for case in cases
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
    {
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let ours = parse(input);
        assert_eq!(ours["log_type"], "alb", "{name}: {}", ours["parse_error"]);
        let expected = case["expected_output"]
            .as_object()
            .expect("every ALB case has an expected output");
        for (field, want) in expected {
            let got = match field.as_str() {
                "client_host" => host_port(&ours, "client_ip", "client_port"),
                "target_host" => host_port(&ours, "target_ip", "target_port"),
                "timestamp" => text(&ours["time"]),
                "request_method" => text(&ours["request_verb"]),
                "request_protocol" => text(&ours["request_proto"]),
                "traceability_id" => text(&ours["conn_trace_id"]),
                "actions_executed" => {
                    let items: Vec<&str> = ours["actions_executed"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    (!items.is_empty()).then(|| items.join(","))
                }
                "target_port_list" | "target_status_code_list" => {
                    assert_eq!(&ours[field], want, "{name}: {field}");
                    continue;
                }
                "request_processing_time"
                | "target_processing_time"
                | "response_processing_time" => {
                    assert_eq!(ours[field].as_f64(), want.as_f64(), "{name}: {field}");
                    continue;
                }
                other => text(&ours[other]),
            };
            assert_eq!(got, text(want), "{name}: {field}");
            checked += 1;
        }
    }
    assert!(checked > 400, "compared {checked} values");
}

#[test]
fn otel_alb_fixture_parses_with_ipv6_brackets() {
    let text = std::fs::read_to_string(format!("{PEERS}/otel/alb_al_valid_logs.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let first = parse(lines[0]);
    assert_eq!(first["log_type"], "alb");
    assert_eq!(first["client_ip"], "192.168.131.39");
    assert_eq!(
        first["chosen_cert_arn"],
        "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    );
    assert_eq!(first["timestamp"], "2018-07-02T22:23:00.186Z");
    let second = parse(lines[1]);
    assert_eq!(second["client_ip"], "fe80::202:b3ff:fe1e:8329");
    assert_eq!(second["client_port"], 443);
    assert_eq!(second["target_ip"], "2001:db8::1");
    assert_eq!(second["target_port"], 80);
    assert_eq!(second["conn_trace_id"], "TID_1234abcd5678ef90");
}

/// The ALB examples of the AWS documentation (written over several lines for
/// readability there: joined with single spaces) and the real-world lines
/// quoted in issues.
#[test]
fn aws_documentation_alb_examples() {
    let doc = std::fs::read_to_string(format!("{PEERS}/aws-docs/aws_doc_samples.txt")).unwrap();
    let section = doc
        .split("## ALB access log examples")
        .nth(1)
        .unwrap()
        .split("=====")
        .next()
        .unwrap();
    let mut entries = Vec::new();
    for block in section.split("-----\n").skip(1).step_by(2) {
        let joined = block.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        entries.push(joined);
    }
    assert_eq!(entries.len(), 7, "the doc section has seven examples");
    let records: Vec<Value> = entries.iter().map(|e| parse(e)).collect();
    for (entry, record) in entries.iter().zip(&records) {
        assert_eq!(
            record["log_type"], "alb",
            "{entry}: {}",
            record["parse_error"]
        );
    }
    assert_eq!(records[2]["redirect_url"], "https://example.com:80/");
    assert_eq!(records[2]["request_proto"], "HTTP/2.0");
    assert_eq!(records[3]["elb_status_code"], 101);
    assert_eq!(records[5]["target_ip"], Value::Null);
    assert_eq!(records[6]["error_reason"], "LambdaInvalidResponse");
    assert_eq!(records[6]["target_status_code"], Value::Null);

    let real_world = doc
        .split("## Real-world lines quoted in issues")
        .nth(1)
        .unwrap();
    let alb_lines: Vec<&str> = real_world
        .lines()
        .filter(|l| l.starts_with("h2 ") || l.starts_with("http ") || l.starts_with("https "))
        .collect();
    assert_eq!(alb_lines.len(), 3);
    for line in alb_lines {
        let record = parse(line);
        assert_eq!(record["log_type"], "alb", "{line}");
    }
    let escaped = parse(
        real_world
            .lines()
            .find(|l| l.starts_with("https ") && l.contains(r"\x22"))
            .unwrap(),
    );
    assert_eq!(
        escaped["request_url"],
        r"https://xxx.xxx.xxx.xxx:443/auth/\x22 /"
    );
    // The quoted line was redacted by hand (`{Accunt ID}` put a space into an
    // unquoted ARN), which shifts the fields after it; the request still parses.
    assert_eq!(escaped["elb_status_code"], 400);
    let space_in_uri = parse(
        real_world
            .lines()
            .find(|l| l.starts_with("http ") && l.contains("SpaceInUri"))
            .unwrap(),
    );
    assert_eq!(space_in_uri["classification_reason"], "SpaceInUri");
}
