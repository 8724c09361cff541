//! The processor contract (docs/ARCHITECTURE.md §3), end to end through
//! [`transform_lambda::process`]: every record answered exactly once, decoding
//! of every data shape, partition splitting, the 6 MB budget and re-ingest
//! accounting. Re-ingest goes to an in-memory stream here; the tests against
//! moto_server's Firehose API use the real SDK client.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler_aws::firehose::{InputRecord, Request};
use logwrangler_aws::sink::RecordSink;
use serde_json::{Value, json};
use transform_lambda::config::Config;
use transform_lambda::process;
use transform_lambda::processor::LAMBDA_RESPONSE_LIMIT;

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers");
const STREAM_ARN: &str = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/logwrangler-lake";

/// An in-memory delivery stream that can refuse the first N entries it sees.
#[derive(Default)]
struct MemoryStream {
    accepted: Mutex<Vec<Vec<u8>>>,
    refuse_next: Mutex<usize>,
    streams: Mutex<BTreeSet<String>>,
}

impl RecordSink for MemoryStream {
    async fn put_record_batch(
        &self,
        stream: &str,
        records: &[&[u8]],
    ) -> Result<Vec<Option<String>>, String> {
        self.streams.lock().unwrap().insert(stream.to_owned());
        let mut refuse = self.refuse_next.lock().unwrap();
        Ok(records
            .iter()
            .map(|r| {
                if *refuse > 0 {
                    *refuse -= 1;
                    Some("ServiceUnavailableException: Slow down.".into())
                } else {
                    self.accepted.lock().unwrap().push(r.to_vec());
                    None
                }
            })
            .collect())
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    logwrangler::gzip::gzip_fast(data)
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    logwrangler::gzip::gunzip_capped(data, usize::MAX)
        .unwrap()
        .into_owned()
}

fn envelope(group: &str, events: &[(String, i64, String)]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": "stream-1",
        "subscriptionFilters": ["lake"],
        "logEvents": events.iter().map(|(id, ts, msg)| json!({"id": id, "timestamp": ts, "message": msg})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

fn record(id: &str, data: &[u8]) -> InputRecord {
    InputRecord {
        record_id: id.into(),
        approximate_arrival_timestamp: Some(1_764_000_000_000),
        data: Value::String(BASE64.encode(data)),
    }
}

fn request(records: Vec<InputRecord>) -> Request {
    Request {
        invocation_id: "inv-1".into(),
        delivery_stream_arn: STREAM_ARN.into(),
        region: "eu-west-1".into(),
        records,
    }
}

fn config() -> Config {
    Config::from_vars(|_| None).unwrap()
}

async fn run(req: &Request, sink: &MemoryStream) -> (Value, transform_lambda::Report) {
    let (bytes, report) = process(req, &config(), Some(sink)).await;
    assert!(
        bytes.len() < LAMBDA_RESPONSE_LIMIT,
        "response of {} bytes",
        bytes.len()
    );
    (
        serde_json::from_slice(&bytes).expect("the response is JSON"),
        report,
    )
}

fn answers(response: &Value) -> Vec<(String, String)> {
    response["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["recordId"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// How many typed lines the response's `Ok` entries hold.
fn events_in_response(response: &Value) -> usize {
    response["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["result"] == "Ok")
        .map(|e| lines(e).len())
        .sum()
}

fn lines(entry: &Value) -> Vec<Value> {
    let data = BASE64.decode(entry["data"].as_str().unwrap()).unwrap();
    String::from_utf8(data)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The exact answer set: one per input id, same order, no extras.
fn assert_one_answer_each(req: &Request, response: &Value) {
    let ids: Vec<&str> = req.records.iter().map(|r| r.record_id.as_str()).collect();
    let answered: Vec<String> = answers(response).into_iter().map(|(id, _)| id).collect();
    assert_eq!(answered, ids);
}

#[tokio::test]
async fn aws_blueprint_test_event_control_and_data_messages() {
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{PEERS}/aws-docs/firehose_cwl_testEvent_awsblueprint.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let req: Request = serde_json::from_value(event).unwrap();
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert_one_answer_each(&req, &response);
    let results: Vec<String> = answers(&response).into_iter().map(|(_, r)| r).collect();
    // The blueprint event holds one CONTROL_MESSAGE and three DATA_MESSAGEs.
    assert_eq!(
        results.iter().filter(|r| *r == "Dropped").count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results.iter().filter(|r| *r == "Ok").count(),
        3,
        "{results:?}"
    );
    assert_eq!(report.stats.control_messages, 1);
    for entry in response["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["result"] == "Ok")
    {
        let keys = &entry["metadata"]["partitionKeys"];
        for key in ["log_type", "year", "month", "day", "hour"] {
            assert!(keys[key].is_string(), "{key} in {keys}");
        }
        for line in lines(entry) {
            assert_eq!(line["log_type"], keys["log_type"]);
            assert!(
                line["event_id"].as_str().unwrap().len() > 10,
                "CloudWatch ids are kept"
            );
            assert!(line["log_group"].is_string());
        }
    }
}

#[tokio::test]
async fn gzip_plain_envelope_and_direct_put_all_decode() {
    let vpc = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
    let env = envelope(
        "/aws/vpc/flow",
        &[("e1".into(), 1_418_530_070_000, vpc.into())],
    );
    let req = request(vec![
        record("gz", &gzip(&env)),
        record("plain", &env),
        record("direct", format!("{vpc}\n\n{vpc}\r\n").as_bytes()),
        record(
            "json",
            b"{\"log_level\":\"warn\",\"message\":\"disk 91%\",\"source_application\":\"ops\"}\n",
        ),
    ]);
    let sink = MemoryStream::default();
    let (response, _) = run(&req, &sink).await;
    assert_one_answer_each(&req, &response);
    let entries = response["records"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["result"] == "Ok"), "{response}");
    assert_eq!(
        lines(&entries[0]),
        lines(&entries[1]),
        "gzip and plain envelopes give the same records"
    );
    assert_eq!(lines(&entries[0])[0]["event_id"], "e1");
    let direct = lines(&entries[2]);
    assert_eq!(direct.len(), 2);
    assert_ne!(
        direct[0]["event_id"], direct[1]["event_id"],
        "derived ids include the position"
    );
    assert!(direct[0]["event_id"].as_str().unwrap().starts_with("lw-"));
    // A 2014 flow record arriving in 2025 is more than 7 days off: it keeps its own
    // time but is partitioned by arrival and flagged.
    assert_eq!(direct[0]["timestamp"], "2014-12-14T04:06:50.000Z");
    assert_eq!(direct[0]["timestamp_suspect"], true);
    assert_eq!(
        entries[2]["metadata"]["partitionKeys"],
        json!({"log_type":"vpc_flow","year":"2025","month":"11","day":"24","hour":"16"})
    );
    // Through an envelope the CloudWatch time is the reference: 2014 is trusted there.
    assert_eq!(
        entries[0]["metadata"]["partitionKeys"],
        json!({"log_type":"vpc_flow","year":"2014","month":"12","day":"14","hour":"04"})
    );
    let app = lines(&entries[3]);
    assert_eq!(
        (app[0]["log_type"].as_str(), app[0]["severity"].as_str()),
        (Some("app"), Some("warning"))
    );
}

#[tokio::test]
async fn one_corrupt_record_fails_alone() {
    let good = envelope(
        "/app/x",
        &[(
            "1".into(),
            1_764_000_000_000,
            "{\"level\":\"info\",\"msg\":\"ok\"}".into(),
        )],
    );
    let mut truncated_gzip = gzip(&good);
    truncated_gzip.truncate(truncated_gzip.len() / 2);
    let req = request(vec![
        record("a", &gzip(&good)),
        InputRecord {
            record_id: "not-base64".into(),
            approximate_arrival_timestamp: None,
            data: Value::String("%%%".into()),
        },
        InputRecord {
            record_id: "no-data".into(),
            approximate_arrival_timestamp: None,
            data: Value::Null,
        },
        record("broken-gzip", &truncated_gzip),
        record(
            "broken-envelope",
            br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":1}"#,
        ),
        record("z", &good),
    ]);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert_one_answer_each(&req, &response);
    let results: BTreeMap<String, String> = answers(&response).into_iter().collect();
    assert_eq!(results["a"], "Ok");
    assert_eq!(results["z"], "Ok");
    for bad in ["not-base64", "no-data", "broken-gzip", "broken-envelope"] {
        assert_eq!(results[bad], "ProcessingFailed", "{bad}");
    }
    assert_eq!(report.processing_failed, 4);
}

#[tokio::test]
async fn mixed_partitions_are_split_and_the_rest_reingested() {
    let events = vec![
        (
            "h1a".to_string(),
            1_764_000_000_000,
            r#"{"level":"info","msg":"a","time":"2025-11-24T15:00:01Z"}"#.to_string(),
        ),
        (
            "h2".to_string(),
            1_764_000_000_000,
            r#"{"level":"info","msg":"b","time":"2025-11-24T16:00:01Z"}"#.to_string(),
        ),
        (
            "h1b".to_string(),
            1_764_000_000_000,
            r#"{"level":"info","msg":"c","time":"2025-11-24T15:59:59Z"}"#.to_string(),
        ),
        (
            "alb".to_string(),
            1_764_000_000_000,
            "not a log line at all".to_string(),
        ),
    ];
    let req = request(vec![record(
        "mixed",
        &gzip(&envelope("/app/mixed", &events)),
    )]);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    let entry = &response["records"][0];
    assert_eq!(entry["result"], "Ok");
    let kept: Vec<String> = lines(entry)
        .iter()
        .map(|l| l["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kept,
        ["h1a", "h1b"],
        "the first partition's events stay, in order"
    );
    assert_eq!(entry["metadata"]["partitionKeys"]["hour"], "15");
    assert_eq!(report.reingested_records, 2);
    assert_eq!(
        sink.streams.lock().unwrap().iter().collect::<Vec<_>>(),
        ["logwrangler-lake"],
        "re-ingest goes to the invoking stream"
    );
    // Each re-ingested payload holds one partition and comes back whole.
    let accepted = sink.accepted.lock().unwrap().clone();
    let second = request(
        accepted
            .iter()
            .enumerate()
            .map(|(i, p)| record(&format!("re-{i}"), p))
            .collect(),
    );
    let again = MemoryStream::default();
    let (response, report) = run(&second, &again).await;
    assert_eq!(
        report.reingested_records, 0,
        "a re-ingested partition group never splits again"
    );
    let ids: BTreeSet<String> = response["records"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(lines)
        .map(|l| l["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["alb", "h2"].into_iter().map(String::from).collect());
}

/// A Direct PUT record that opens with a VPC custom-format header (a field
/// list without `version`, which no prefix gives away) and whose lines fall into
/// two hours: the re-ingested half must travel with the header the parser saw,
/// or its lines come back `unparsed` on the second pass.
#[tokio::test]
async fn a_vpc_header_travels_with_the_reingested_half_of_a_direct_put_record() {
    let header = "interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    let flow = |start: i64| {
        format!(
            "eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 50000 6 10 840 {start} {} ACCEPT OK",
            start + 30
        )
    };
    // 2025-11-24 15:30 and 16:01 UTC.
    let lines = [
        header.to_string(),
        flow(1_763_998_200),
        flow(1_764_000_060),
        flow(1_763_998_260),
        flow(1_764_000_120),
    ];
    let req = request(vec![record("vpc", (lines.join("\n") + "\n").as_bytes())]);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert_one_answer_each(&req, &response);
    assert_eq!(report.reingested_records, 1);
    let mut types: Vec<String> = lines_of_ok(&response);
    let accepted = sink.accepted.lock().unwrap().clone();
    let second = request(
        accepted
            .iter()
            .enumerate()
            .map(|(i, p)| record(&format!("re-{i}"), p))
            .collect(),
    );
    let again = MemoryStream::default();
    let (response, report) = run(&second, &again).await;
    assert_eq!(report.reingested_records, 0);
    types.extend(lines_of_ok(&response));
    assert_eq!(
        types, ["vpc_flow"; 4],
        "every flow line typed, none unparsed"
    );
}

/// The log_type of every typed line in the response's `Ok` entries.
fn lines_of_ok(response: &Value) -> Vec<String> {
    response["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["result"] == "Ok")
        .flat_map(lines)
        .map(|l| l["log_type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn failed_reingest_turns_the_record_into_processing_failed() {
    let events = vec![
        (
            "x1".to_string(),
            1_764_000_000_000,
            r#"{"level":"info","msg":"a","time":"2025-11-24T15:00:01Z"}"#.to_string(),
        ),
        (
            "x2".to_string(),
            1_764_000_000_000,
            r#"{"level":"info","msg":"b","time":"2025-11-24T18:00:01Z"}"#.to_string(),
        ),
    ];
    let req = request(vec![
        record("split", &gzip(&envelope("/app/a", &events))),
        record("plain", &envelope("/app/b", &events[..1])),
    ]);
    let sink = MemoryStream {
        refuse_next: Mutex::new(1000),
        ..MemoryStream::default()
    };
    let mut config = config();
    config.retry.max_attempts = 2;
    config.retry.base_delay = std::time::Duration::from_millis(1);
    let (bytes, report) = process(&req, &config, Some(&sink)).await;
    let response: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        answers(&response),
        [
            ("split".into(), "ProcessingFailed".into()),
            ("plain".into(), "Ok".into())
        ]
    );
    assert_eq!(report.reingest_failed, 1);
    assert!(report.reingest_error.unwrap().contains("Slow down"));

    // Without any sink, the same happens and is reported.
    let (bytes, report) = process::<MemoryStream>(&req, &config, None).await;
    let response: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(response["records"][0]["result"], "ProcessingFailed");
    assert_eq!(
        report.reingest_error.as_deref(),
        Some("no re-ingest stream configured")
    );
}

/// VPC lines in one hour, `n` per record, `records` records.
fn big_request(records: usize, per_record: usize) -> (Request, usize) {
    big_request_over_hours(records, per_record, 1)
}

/// VPC lines whose start times spread over `hours` hours within each record.
fn big_request_over_hours(records: usize, per_record: usize, hours: usize) -> (Request, usize) {
    let mut inputs = Vec::new();
    let mut total = 0;
    for r in 0..records {
        let events: Vec<(String, i64, String)> = (0..per_record)
            .map(|i| {
                total += 1;
                let start = 1_764_000_000 - 3600 * (i % hours);
                let line = format!("2 123456789010 eni-{r:08x}{i:09x} 10.0.{}.{} 172.31.16.21 {} 443 6 {} {} {start} {} ACCEPT OK", i % 250, r % 250, 1024 + i, i * 3, i * 1500, start + 60);
                (format!("{r}-{i}"), 1_764_000_060_000, line)
            })
            .collect();
        inputs.push(record(
            &format!("rec-{r}"),
            &gzip(&envelope("/aws/vpc/flow", &events)),
        ));
    }
    (request(inputs), total)
}

/// Follows every re-ingested payload back through the processor until none
/// remain, and returns every delivered event id with how often it was delivered.
async fn deliver_all(first: Request) -> (BTreeMap<String, usize>, usize) {
    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    let mut pending = first;
    let mut rounds = 0;
    while !pending.records.is_empty() {
        rounds += 1;
        assert!(rounds < 20, "re-ingest does not converge");
        let sink = MemoryStream::default();
        let (response, _) = run(&pending, &sink).await;
        assert_one_answer_each(&pending, &response);
        for entry in response["records"].as_array().unwrap() {
            assert_ne!(entry["result"], "ProcessingFailed", "{entry}");
            if entry["result"] == "Ok" {
                for line in lines(entry) {
                    *delivered
                        .entry(line["event_id"].as_str().unwrap().to_owned())
                        .or_default() += 1;
                }
            }
        }
        let accepted = sink.accepted.lock().unwrap().clone();
        for payload in &accepted {
            assert!(
                payload.len() <= 1_024_000,
                "re-ingested record of {} bytes",
                payload.len()
            );
            let envelope: Value = serde_json::from_slice(&gunzip(payload)).unwrap();
            assert!(envelope["logwranglerReingest"].as_u64().unwrap() <= 8);
        }
        pending = request(
            accepted
                .iter()
                .enumerate()
                .map(|(i, p)| record(&format!("r{rounds}-{i}"), p))
                .collect(),
        );
    }
    (delivered, rounds)
}

#[tokio::test]
async fn output_over_6_mb_stays_under_the_limit_and_loses_nothing() {
    // ~24,000 VPC events expand to well over 6 MB of base64 typed JSON.
    let (req, total) = big_request(24, 1000);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert_one_answer_each(&req, &response);
    assert!(
        report.stats.overflow_records > 0,
        "the batch must overflow: {report:?}"
    );
    let in_response = events_in_response(&response);
    assert_eq!(
        in_response + report.reingested_events,
        total,
        "every event is in the response or re-ingested"
    );

    let (delivered, rounds) = deliver_all(req).await;
    assert!(rounds >= 2);
    assert_eq!(delivered.len(), total, "every event delivered");
    assert!(
        delivered.values().all(|n| *n == 1),
        "no event delivered twice"
    );
}

#[tokio::test]
async fn mixed_hour_records_that_overflow_are_reingested_once() {
    // Each record spans three hours (split by partition, two parts
    // re-ingested) and the batch overflows 6 MB (whole records re-ingested):
    // a record that overflows must not also keep its partition parts.
    let (req, total) = big_request_over_hours(60, 1000, 3);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert!(report.stats.overflow_records > 0, "{report:?}");
    let in_response = events_in_response(&response);
    assert_eq!(in_response + report.reingested_events, total);
    let (delivered, _) = deliver_all(req).await;
    assert_eq!(delivered.len(), total, "every event delivered");
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{} delivered twice, e.g. {:?}",
        twice.len(),
        twice.first()
    );
}

#[tokio::test]
async fn a_record_too_big_for_one_response_is_split_in_halves() {
    // One record whose typed output alone exceeds the response limit.
    let (req, total) = big_request(1, 22_000);
    let compressed = BASE64
        .decode(req.records[0].data.as_str().unwrap())
        .unwrap()
        .len();
    assert!(
        compressed < 1_024_000,
        "a valid Firehose record ({compressed} bytes)"
    );
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    assert_eq!(response["records"][0]["result"], "Dropped");
    assert!(report.reingested_records >= 2);
    let (delivered, _) = deliver_all(req).await;
    assert_eq!(delivered.len(), total);
    assert!(delivered.values().all(|n| *n == 1));
}

#[tokio::test]
async fn over_long_lines_are_kept_truncated_and_flagged() {
    let long = format!("{{\"level\":\"info\",\"msg\":\"{}\"}}", "é".repeat(200_000));
    let req = request(vec![record(
        "long",
        &gzip(&envelope(
            "/app/long",
            &[("l1".into(), 1_764_000_000_000, long)],
        )),
    )]);
    let sink = MemoryStream::default();
    let (response, report) = run(&req, &sink).await;
    let line = &lines(&response["records"][0])[0];
    assert_eq!(line["truncated"], true);
    assert_eq!(
        line["log_type"], "unparsed",
        "a cut JSON object no longer parses"
    );
    assert!(line["raw"].as_str().unwrap().len() <= 262_144);
    assert_eq!(report.stats.truncated_lines, 1);
}
