//! The Firehose simulator end to end: CloudWatch envelopes in, the lake out.
//! The transform runs in process (re-ingest through the real AWS SDK client
//! to the simulator's `PutRecordBatch` server) and as the built binary behind
//! `cargo lambda watch`; faults are injected on both paths. Every test checks
//! the lake itself: each event exactly once, in the partition of its time.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use firehose_sim::contract::{FUNCTION_ERROR, METADATA_EXTRACTION_FAILED, MISSING_RECORD_ID};
use firehose_sim::{
    ClockMode, Faults, InProcess, InvokeError, LakeDir, LambdaHttp, Processor, Schedule, SimConfig,
    SimReport, Simulator, firehose_client,
};
use local_stack::stack::{Function, Service, build_lambdas};
use serde_json::{Value, json};

const STREAM: &str = "logwrangler-lake";
/// 2025-11-24T16:00:00Z: the simulation clock starts here.
const START_MS: i64 = 1_764_000_000_000;

fn lake_dir(test: &str) -> LakeDir {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("simulator")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    LakeDir::new(dir)
}

fn config(test: &str) -> SimConfig {
    SimConfig {
        clock: ClockMode::Manual { start_ms: START_MS },
        ..SimConfig::new(STREAM, lake_dir(test))
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A gzip'd CloudWatch Logs subscription envelope, as the subscription filter delivers it.
fn envelope(group: &str, events: &[(String, String)]) -> Vec<u8> {
    gzip(
        &serde_json::to_vec(&json!({
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": group,
            "logStream": "stream-1",
            "subscriptionFilters": ["lake"],
            "logEvents": events.iter().map(|(id, msg)| json!({"id": id, "timestamp": START_MS - 60_000, "message": msg})).collect::<Vec<_>>(),
        }))
        .unwrap(),
    )
}

/// An application log line at `iso`.
fn app_line(id: &str, iso: &str) -> String {
    format!(r#"{{"level":"info","msg":"event {id}","time":"{iso}"}}"#)
}

/// Input records with the ground truth: event id -> its hour prefix.
#[derive(Default)]
struct Traffic {
    records: Vec<Vec<u8>>,
    expected: BTreeMap<String, String>,
}

impl Traffic {
    /// `records` envelopes of `per_record` app events each, every record in one hour.
    fn hourly(mut self, tag: &str, records: usize, per_record: usize) -> Self {
        for r in 0..records {
            let hour = 10 + r % 6;
            let events: Vec<(String, String)> = (0..per_record)
                .map(|i| {
                    let id = format!("{tag}-{r}-{i}");
                    let iso = format!("2025-11-24T{hour:02}:{:02}:{:02}Z", i % 60, r % 60);
                    self.expected.insert(
                        id.clone(),
                        format!("log_type=app/year=2025/month=11/day=24/hour={hour:02}/"),
                    );
                    (id.clone(), app_line(&id, &iso))
                })
                .collect();
            self.records.push(envelope("/app/orders", &events));
        }
        self
    }

    /// One record whose events fall into two hours (the transform re-ingests one).
    fn mixed(mut self, tag: &str) -> Self {
        let mut events = Vec::new();
        for (i, hour) in [14, 15, 14, 15, 15].into_iter().enumerate() {
            let id = format!("{tag}-{i}");
            events.push((
                id.clone(),
                app_line(&id, &format!("2025-11-24T{hour}:30:0{i}Z")),
            ));
            self.expected.insert(
                id,
                format!("log_type=app/year=2025/month=11/day=24/hour={hour}/"),
            );
        }
        self.records.push(envelope("/app/mixed", &events));
        self
    }

    /// VPC flow records whose typed output is over 6 MB in one invocation.
    fn oversize(mut self, records: usize, per_record: usize) -> Self {
        for r in 0..records {
            let events: Vec<(String, String)> = (0..per_record)
                .map(|i| {
                    let id = format!("vpc-{r}-{i}");
                    let line = format!(
                        "2 123456789010 eni-{r:08x}{i:09x} 10.0.{}.{} 172.31.16.21 {} 443 6 {} {} 1764000000 1764000060 ACCEPT OK",
                        i % 250,
                        r % 250,
                        1024 + i,
                        i * 3,
                        i * 1500
                    );
                    self.expected
                        .insert(id.clone(), "log_type=vpc_flow/year=2025/month=11/day=24/hour=16/".into());
                    (id, line)
                })
                .collect();
            self.records.push(envelope("/vpc/flow", &events));
        }
        self
    }

    fn put_all(&self, sim: &Simulator) {
        for record in &self.records {
            sim.put(record.clone()).unwrap();
        }
    }
}

/// Every line under `logs/`: event id -> object keys it was found in.
fn lake_events(lake: &LakeDir) -> BTreeMap<String, Vec<(String, Value)>> {
    let mut out: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for (key, line) in lake.lines("logs/").unwrap() {
        let value: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{key}: {e}: {line}"));
        let id = value["event_id"].as_str().unwrap().to_owned();
        out.entry(id).or_default().push((key, value));
    }
    out
}

/// The prefix segment the event's own timestamp belongs to.
fn partition_of(line: &Value) -> String {
    let ts = line["timestamp"].as_str().unwrap();
    format!(
        "log_type={}/year={}/month={}/day={}/hour={}/",
        line["log_type"].as_str().unwrap(),
        &ts[0..4],
        &ts[5..7],
        &ts[8..10],
        &ts[11..13]
    )
}

/// Each expected event exactly once, in the partition of its timestamp,
/// which is the partition the traffic meant; nothing else in the lake.
fn assert_exactly_once(lake: &LakeDir, traffic: &Traffic) {
    let found = lake_events(lake);
    let unexpected: Vec<&String> = found
        .keys()
        .filter(|id| !traffic.expected.contains_key(*id))
        .collect();
    assert!(unexpected.is_empty(), "events nobody sent: {unexpected:?}");
    for (id, partition) in &traffic.expected {
        let copies = found.get(id).map_or(0, Vec::len);
        assert_eq!(copies, 1, "event {id} is in the lake {copies} times");
        let (key, line) = &found[id][0];
        assert_eq!(&partition_of(line), partition, "{id}: {line}");
        assert!(
            key.starts_with(&format!("logs/{partition}")),
            "{id} is in {key}, not under logs/{partition}"
        );
        let name = key.rsplit('/').next().unwrap();
        assert!(
            name.starts_with(&format!("{STREAM}-1-")) && name.ends_with(".gz"),
            "{key}"
        );
    }
}

fn assert_clean(report: &SimReport) {
    assert!(
        report.contract_violations.is_empty(),
        "{:#?}",
        report.contract_violations
    );
    assert!(report.error_records.is_empty(), "{report:#?}");
    assert_eq!(report.failed_batches, 0, "{report:#?}");
    assert_eq!(
        report.answers.ok + report.answers.dropped + report.answers.processing_failed,
        report.records_in,
        "every record answered once: {report:#?}"
    );
}

fn in_process(sim: &Simulator) -> InProcess {
    let config = transform_lambda::config::Config::from_vars(|_| None).unwrap();
    InProcess::new(sim.endpoint_url(), &sim.config().region, config).unwrap()
}

#[test]
fn in_process_every_event_lands_once_in_its_partition() {
    let mut config = config("in_process");
    // Firehose's largest processor buffer hint: one batch whose output is over 6 MB.
    config.buffer_size_bytes = 3 << 20;
    let sim = Simulator::start(config).unwrap();
    let traffic = Traffic::default()
        .hourly("h", 12, 40)
        .mixed("mixed")
        .oversize(24, 1000);
    traffic.put_all(&sim);
    let report = sim.drain(&in_process(&sim)).unwrap();

    assert_exactly_once(&sim.config().lake, &traffic);
    assert_clean(&report);
    assert_eq!(sim.buffered(), 0);
    // The re-ingest loop closed: what the transform put back came through
    // the API during invocations, was processed, and nothing else arrived.
    assert!(report.reingested_records > 1, "{report:#?}");
    assert_eq!(report.records_put_server, report.reingested_records);
    assert_eq!(report.records_put_direct, traffic.records.len());
    assert!(
        report.answers.dropped > 0,
        "overflowing records are answered Dropped"
    );
    assert!(report.invocations > 1);
    assert_eq!(
        report.lake["app"].records + report.lake["vpc_flow"].records,
        report.answers.ok
    );
    assert!(sim.config().lake.keys("errors/").unwrap().is_empty());
}

#[test]
fn throttled_calls_and_failed_entries_still_deliver_exactly_once() {
    let mut config = config("throttled");
    config.faults = Faults {
        seed: 11,
        throttle_calls: Schedule::EveryNth(2),
        failed_entries: Schedule::Chance(0.3),
        ..Faults::default()
    };
    let sim = Simulator::start(config).unwrap();
    let mut traffic = Traffic::default().hourly("t", 4, 20);
    for i in 0..12 {
        traffic = traffic.mixed(&format!("m{i}"));
    }
    traffic.put_all(&sim);
    let report = sim.drain(&in_process(&sim)).unwrap();

    assert_exactly_once(&sim.config().lake, &traffic);
    assert_clean(&report);
    assert!(report.throttled_calls > 0, "{report:#?}");
    assert!(report.failed_entries > 0, "{report:#?}");
    assert_eq!(
        report.reingested_records, 12,
        "one other hour per mixed record"
    );
}

#[test]
fn the_aws_sdk_puts_describes_and_retries_throttled_calls() {
    let mut config = config("sdk");
    config.faults.throttle_calls = Schedule::FirstN(1);
    let sim = Simulator::start(config).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = firehose_client(sim.endpoint_url(), "us-east-1");
    use aws_sdk_firehose::primitives::Blob;
    use aws_sdk_firehose::types::Record;
    let record = |line: &str| Record::builder().data(Blob::new(line)).build().unwrap();
    runtime.block_on(async {
        let lines: Vec<String> = (0..3)
            .map(|i| app_line(&format!("direct-{i}"), "2025-11-24T15:10:00Z"))
            .collect();
        let output = client
            .put_record_batch()
            .delivery_stream_name(STREAM)
            .set_records(Some(lines.iter().map(|l| record(l)).collect()))
            .send()
            .await
            .expect("the SDK retries the throttled call");
        assert_eq!(output.failed_put_count(), 0);
        assert_eq!(output.request_responses().len(), 3);
        assert!(
            output
                .request_responses()
                .iter()
                .all(|r| r.record_id().is_some())
        );

        let single = client
            .put_record()
            .delivery_stream_name(STREAM)
            .record(record(&app_line("direct-3", "2025-11-24T15:11:00Z")))
            .send()
            .await
            .unwrap();
        assert!(!single.record_id().is_empty());

        let described = client
            .describe_delivery_stream()
            .delivery_stream_name(STREAM)
            .send()
            .await
            .unwrap();
        let description = described.delivery_stream_description().unwrap();
        assert_eq!(description.delivery_stream_arn(), sim.config().stream_arn());

        let missing = client
            .put_record_batch()
            .delivery_stream_name("no-such-stream")
            .records(record("x"))
            .send()
            .await
            .unwrap_err();
        assert!(
            missing
                .into_service_error()
                .is_resource_not_found_exception()
        );

        let too_many = client
            .put_record_batch()
            .delivery_stream_name(STREAM)
            .set_records(Some((0..501).map(|_| record("x")).collect()))
            .send()
            .await
            .unwrap_err();
        assert!(
            too_many
                .into_service_error()
                .is_invalid_argument_exception()
        );
    });
    let report = sim.report();
    assert_eq!(report.throttled_calls, 1);
    assert_eq!(report.rejected_calls, 2);
    assert_eq!(report.records_put_server, 4);

    // Direct PUT lines go through the transform like any record.
    let report = sim.drain(&in_process(&sim)).unwrap();
    assert_clean(&report);
    let lines = sim
        .config()
        .lake
        .lines("logs/log_type=app/year=2025/month=11/day=24/hour=15/")
        .unwrap();
    assert_eq!(lines.len(), 4, "{lines:?}");
}

#[test]
fn processor_errors_for_some_attempts_then_success_deliver_once() {
    let mut config = config("errors_then_success");
    config.faults.processor_errors_first_attempts = 2;
    let sim = Simulator::start(config).unwrap();
    let traffic = Traffic::default().hourly("e", 6, 10).mixed("em");
    traffic.put_all(&sim);
    let report = sim.drain(&in_process(&sim)).unwrap();

    assert_exactly_once(&sim.config().lake, &traffic);
    assert_clean(&report);
    assert_eq!(report.invoke_errors, 2 * report.invocations, "{report:#?}");
    assert_eq!(report.attempts, 3 * report.invocations);
}

#[test]
fn processor_errors_on_every_attempt_keep_the_originals_under_the_error_prefix() {
    let mut config = config("errors_always");
    config.faults.processor_errors = Schedule::EveryNth(1);
    let sim = Simulator::start(config).unwrap();
    let traffic = Traffic::default().hourly("f", 5, 10);
    traffic.put_all(&sim);
    let report = sim.drain(&in_process(&sim)).unwrap();

    let lake = &sim.config().lake;
    assert!(lake.keys("logs/").unwrap().is_empty());
    assert_eq!(report.failed_batches, report.invocations);
    assert_eq!(
        report.attempts,
        4 * report.invocations,
        "NumberOfRetries 3: four attempts"
    );
    assert_eq!(
        report.error_records["processing-failed"],
        traffic.records.len()
    );
    let errors = lake.lines("errors/").unwrap();
    assert_eq!(errors.len(), traffic.records.len());
    let mut raw: Vec<Vec<u8>> = Vec::new();
    for (key, line) in &errors {
        // The clock started at 16:00 and moved one buffer interval.
        assert!(
            key.starts_with("errors/processing-failed/year=2025/month=11/day=24/hour=16/"),
            "{key}"
        );
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["errorCode"], FUNCTION_ERROR);
        assert_eq!(record["attemptsMade"], 4);
        assert_eq!(record["arrivalTimestamp"], START_MS);
        assert!(record["attemptEndingTimestamp"].as_i64().unwrap() >= START_MS + 60_000);
        assert_eq!(
            record["lambdaArn"],
            "arn:aws:lambda:us-east-1:123456789012:function:logwrangler-transform"
        );
        raw.push(BASE64.decode(record["rawData"].as_str().unwrap()).unwrap());
    }
    let mut sent = traffic.records.clone();
    sent.sort();
    raw.sort();
    assert_eq!(raw, sent, "rawData is the original record");
}

/// A processor that breaks the contract in the ways `respond` decides.
struct Broken {
    respond: fn(&Value) -> Value,
    calls: Mutex<usize>,
}

impl Processor for Broken {
    fn invoke(&self, request_json: &[u8]) -> Result<Vec<u8>, InvokeError> {
        *self.calls.lock().unwrap() += 1;
        let request: Value = serde_json::from_slice(request_json).unwrap();
        Ok(serde_json::to_vec(&(self.respond)(&request)).unwrap())
    }
}

fn keys() -> Value {
    json!({"log_type": "app", "year": "2025", "month": "11", "day": "24", "hour": "15"})
}

#[test]
fn contract_violations_are_retried_then_failed_and_reported() {
    // Every response leaves the last record unanswered.
    let sim = Simulator::start(config("missing_id")).unwrap();
    let traffic = Traffic::default().hourly("v", 3, 2);
    traffic.put_all(&sim);
    let broken = Broken {
        respond: |request| {
            let records = request["records"].as_array().unwrap();
            let answered: Vec<Value> = records[..records.len() - 1]
                .iter()
                .map(|r| json!({"recordId": r["recordId"], "result": "Ok", "data": r["data"], "metadata": {"partitionKeys": keys()}}))
                .collect();
            json!({"records": answered})
        },
        calls: Mutex::new(0),
    };
    let report = sim.drain(&broken).unwrap();
    assert_eq!(*broken.calls.lock().unwrap(), 4);
    assert_eq!(report.contract_violations.len(), 4);
    assert!(
        report
            .contract_violations
            .iter()
            .all(|v| v.violation.code == MISSING_RECORD_ID)
    );
    assert_eq!(report.error_records["processing-failed"], 3);
    let errors = sim
        .config()
        .lake
        .lines("errors/processing-failed/")
        .unwrap();
    assert!(errors.iter().all(|(_, l)| l.contains(MISSING_RECORD_ID)));
    assert!(sim.config().lake.keys("logs/").unwrap().is_empty());

    // An Ok record without its partition keys fails alone.
    let sim = Simulator::start(config("missing_keys")).unwrap();
    traffic.put_all(&sim);
    let broken = Broken {
        respond: |request| {
            let records = request["records"].as_array().unwrap();
            let answered: Vec<Value> = records
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut keys = keys();
                    if i == 0 {
                        keys.as_object_mut().unwrap().remove("hour");
                    }
                    json!({"recordId": r["recordId"], "result": "Ok", "data": BASE64.encode(format!("{{\"n\":{i}}}\n")), "metadata": {"partitionKeys": keys}})
                })
                .collect();
            json!({"records": answered})
        },
        calls: Mutex::new(0),
    };
    let report = sim.drain(&broken).unwrap();
    assert_eq!(*broken.calls.lock().unwrap(), 1);
    assert_eq!(report.contract_violations.len(), 1);
    assert_eq!(
        report.contract_violations[0].violation.code,
        METADATA_EXTRACTION_FAILED
    );
    assert_eq!(report.error_records["partitioning-failed"], 1);
    let lake = &sim.config().lake;
    let failed = lake.lines("errors/partitioning-failed/").unwrap();
    let record: Value = serde_json::from_str(&failed[0].1).unwrap();
    assert_eq!(
        BASE64.decode(record["rawData"].as_str().unwrap()).unwrap(),
        b"{\"n\":0}\n"
    );
    assert_eq!(
        lake.lines("logs/log_type=app/year=2025/month=11/day=24/hour=15/")
            .unwrap()
            .len(),
        2
    );
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_path_buf()
}

#[test]
fn the_real_binary_behind_cargo_lambda_watch_with_a_timeout() {
    let binary = build_lambdas(&target_dir()).unwrap().transform;
    let mut config = config("lambda_watch");
    config.invoke_timeout = Duration::from_secs(30);
    config.faults.processor_timeouts = Schedule::FirstN(1);
    let sim = Simulator::start(config).unwrap();
    let apis = Service::lambda_apis().unwrap();
    let function = Function::start(
        &apis,
        &binary,
        "transform-lambda",
        &[
            ("AWS_ENDPOINT_URL", sim.endpoint_url()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("LOGWRANGLER_REINGEST_STREAM", STREAM),
            ("RUST_LOG", "warn"),
        ],
    )
    .unwrap();
    let mut traffic = Traffic::default().hourly("b", 4, 25);
    for i in 0..5 {
        traffic = traffic.mixed(&format!("bm{i}"));
    }
    traffic.put_all(&sim);
    let processor = LambdaHttp::new(&function.invoke_url(), sim.config().invoke_timeout);
    let report = sim.drain(&processor).unwrap();
    let log = std::fs::read_to_string(function.log_path()).unwrap_or_default();

    assert_exactly_once(&sim.config().lake, &traffic);
    assert_clean(&report);
    assert_eq!(report.invoke_timeouts, 1, "{report:#?}\n{log}");
    assert_eq!(report.reingested_records, 5, "{report:#?}\n{log}");
    assert_eq!(
        report.invocations, 2,
        "the batch, then the re-ingested records"
    );
}
