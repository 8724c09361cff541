//! `logwrangler replay` as an operator runs it: historical files into a local
//! lake (objects at the stack's partition paths, the records `parse` prints,
//! summaries and alerts as the alerting Lambda computes them, idempotent
//! re-runs), and a backfill into moto_server's Firehose behind a proxy that
//! throttles calls and fails entries (every line delivered once).

use logwrangler_testkit::moto as support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_sdk_firehose::config::{Credentials, Region};
use aws_sdk_firehose::types::{DeliveryStreamType, ExtendedS3DestinationConfiguration};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use support::{MOTO_AUTH, ROOT, Service, http, http_with};

const RECEIVED_AT: &str = "2026-03-02T12:00:00Z";
/// Largest Firehose record, before base64.
const FIREHOSE_RECORD_LIMIT: usize = 1_024_000;

fn logwrangler(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logwrangler"));
    command.args(args).current_dir(ROOT);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn succeeded(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    stderr
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("replay-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join(path)).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ndjson(text: &[u8]) -> Vec<Value> {
    String::from_utf8(text.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON value per line"))
        .collect()
}

/// Every file below `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let key = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// The partition prefix a record belongs in: its event time, or the
/// delivery time when the event time is suspect.
fn expected_prefix(record: &Value) -> String {
    let time = if record["timestamp_suspect"] == true {
        "2026-03-02T12:00:00.000Z"
    } else {
        record["timestamp"].as_str().unwrap()
    };
    format!(
        "logs/log_type={}/year={}/month={}/day={}/hour={}/",
        record["log_type"].as_str().unwrap(),
        &time[0..4],
        &time[5..7],
        &time[8..10],
        &time[11..13]
    )
}

fn without_event_id(record: &Value) -> Value {
    let mut record = record.clone();
    record.as_object_mut().unwrap().remove("event_id");
    record
}

fn sorted(values: impl IntoIterator<Item = Value>) -> Vec<String> {
    let mut out: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
    out.sort();
    out
}

#[test]
fn lake_holds_what_the_pipeline_writes_and_reruns_change_nothing() {
    let work = scratch("lake");
    // A gzip'd copy of a file, and a directory with a nested one, plain
    // files and a gzip'd CloudWatch delivery (a data message and a control message).
    let copy = work.join("in/support-copy.log.gz");
    let dir = work.join("in/dir");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(&copy, gzip(&fixture("tests/fixtures/pexip/support.log"))).unwrap();
    std::fs::write(dir.join("alb.log"), fixture("tests/fixtures/aws/alb.log")).unwrap();
    std::fs::write(
        dir.join("nested/app.ndjson"),
        fixture("tests/fixtures/aws/app.ndjson"),
    )
    .unwrap();
    std::fs::write(
        dir.join("nested/lambda.log"),
        fixture("tests/fixtures/aws/lambda_platform.log"),
    )
    .unwrap();
    let elb = String::from_utf8(fixture("tests/fixtures/aws/elb_classic.log")).unwrap();
    let events: Vec<Value> = elb
        .lines()
        .enumerate()
        .map(|(i, line)| json!({"id": format!("3714{i:052}"), "timestamp": 1_431_560_400_000i64 + i as i64, "message": line}))
        .collect();
    let delivery = json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/elb/classic",
        "logStream": "my-loadbalancer", "subscriptionFilters": ["lake"], "logEvents": events});
    let control = json!({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]});
    let members = [
        gzip(delivery.to_string().as_bytes()),
        gzip(control.to_string().as_bytes()),
    ]
    .concat();
    std::fs::write(dir.join("nested/delivery"), members).unwrap();

    let plain_files = [
        "tests/fixtures/pexip/support.log",
        "tests/fixtures/pexip/audit.log",
        "tests/fixtures/pexip/web.log",
        "tests/fixtures/aws/cloudfront.log",
        "tests/fixtures/aws/vpc_flow_custom_1.log",
        "tests/fixtures/aws/cloudtrail.ndjson",
    ];
    let lake = work.join("lake");
    let lake_arg = lake.display().to_string();
    let copy_arg = copy.display().to_string();
    let dir_arg = dir.display().to_string();
    let mut args = vec!["replay"];
    args.extend(plain_files);
    args.extend([copy_arg.as_str(), dir_arg.as_str()]);
    args.extend(["--lake", &lake_arg, "--received-at", RECEIVED_AT]);
    let stderr = succeeded(&logwrangler(&args, &[]));
    assert!(stderr.contains("replay: 11 files,"), "{stderr}");
    assert!(stderr.contains("sessions, 5 calls"), "{stderr}");
    assert!(stderr.contains("alerts: "), "{stderr}");

    // Objects: Firehose-style names, exactly at the partition of each record,
    // one per partition; every event once.
    let files = snapshot(&lake);
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    let mut prefixes = BTreeSet::new();
    for (key, bytes) in files.iter().filter(|(k, _)| k.starts_with("logs/")) {
        let (prefix, file) = key.rsplit_once('/').unwrap();
        assert_firehose_style_name(file);
        assert!(
            prefixes.insert(format!("{prefix}/")),
            "one object per partition: {key}"
        );
        for record in ndjson(&gunzip(bytes)) {
            assert_eq!(expected_prefix(&record), format!("{prefix}/"), "{record}");
            let id = record["event_id"].as_str().unwrap().to_owned();
            assert!(
                by_id.insert(id, record).is_none(),
                "an event twice in {key}"
            );
        }
    }
    assert!(prefixes.len() > 10, "{prefixes:?}");

    // Records equal what `logwrangler parse` prints for the plain files.
    let dir_files = [
        dir.join("alb.log"),
        dir.join("nested/app.ndjson"),
        dir.join("nested/lambda.log"),
    ];
    let dir_names: Vec<String> = dir_files.iter().map(|p| p.display().to_string()).collect();
    let mut parse_args = vec!["parse", "--received-at", RECEIVED_AT];
    parse_args.extend(plain_files);
    parse_args.extend(dir_names.iter().map(String::as_str));
    let parse = logwrangler(&parse_args, &[]);
    succeeded(&parse);
    let parsed = ndjson(&parse.stdout);
    for record in &parsed {
        let id = record["event_id"].as_str().unwrap();
        assert_eq!(
            by_id.get(id),
            Some(record),
            "the lake holds what parse prints"
        );
    }
    // The gzip'd copy: the same records under other (deterministic) ids.
    let support: Vec<Value> = parsed
        .iter()
        .filter(|r| r["log_type"] == "pexip_support")
        .map(without_event_id)
        .collect();
    let parsed_ids: BTreeSet<&str> = parsed
        .iter()
        .map(|r| r["event_id"].as_str().unwrap())
        .collect();
    let rest: Vec<&Value> = by_id
        .iter()
        .filter(|(id, _)| !parsed_ids.contains(id.as_str()))
        .map(|(_, r)| r)
        .collect();
    let (from_envelope, from_copy): (Vec<&Value>, Vec<&Value>) = rest
        .into_iter()
        .partition(|r| r["log_group"] == "/aws/elb/classic");
    assert_eq!(
        sorted(from_copy.iter().map(|r| without_event_id(r))),
        sorted(support),
        "the gzip'd copy gives the records of the plain file"
    );
    // The CloudWatch delivery: its ids, group, stream and owner; the control message dropped.
    assert_eq!(from_envelope.len(), 4);
    for record in &from_envelope {
        assert_eq!(record["log_type"], "elb_classic", "{record}");
        assert!(record["event_id"].as_str().unwrap().starts_with("3714"));
        assert_eq!(record["log_stream"], "my-loadbalancer");
        assert_eq!(record["account_id"], "123456789012");
        assert!(record.get("timestamp_suspect").is_none(), "{record}");
    }
    assert_eq!(by_id.len(), parsed.len() + 51 + 4, "every input line once");

    // Summaries: the fixture's conferences with their people and call durations.
    let sessions = ndjson(&files["summaries/conferences.ndjson"]);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let alice = sessions
        .iter()
        .find(|s| s["conference"] == "meet.alice")
        .unwrap();
    assert_eq!(
        alice["participants_total"], 2,
        "Alice (API + WebRTC legs) and Bob"
    );
    assert_eq!(alice["legs"], 4, "the backplane leg is a leg, not a person");
    assert_eq!(alice["max_concurrent"], 2);
    assert_eq!(alice["active"], false);
    assert_eq!(alice["start"], "2026-03-02T10:15:45.748Z");
    assert_eq!(alice["end"], "2026-03-02T10:20:24.347Z");
    assert_eq!(alice["duration_s"], 278);
    assert_eq!(alice["protocols"], json!({"API": 1, "SIP": 1, "WebRTC": 1}));
    assert_eq!(alice["abnormal_disconnects"], 1);
    let sales = sessions
        .iter()
        .find(|s| s["conference"] == "sales.weekly")
        .unwrap();
    assert_eq!(sales["participants_total"], 1);
    let calls = ndjson(&files["summaries/calls.ndjson"]);
    assert_eq!(calls.len(), 5);
    let leg = |alias: &str, protocol: &str| {
        calls
            .iter()
            .find(|c| c["alias"] == alias && c["protocol"] == protocol)
            .unwrap_or_else(|| panic!("no {alias} {protocol} leg in {calls:?}"))
    };
    let bob = leg("sip:bob@example.com", "SIP");
    assert_eq!(bob["duration_s"], "206.863");
    assert_eq!(bob["disconnect_reason"], "Media process disconnected");
    assert_eq!(bob["worst_quality_name"], "bad");
    assert_eq!(bob["left"], "2026-03-02T10:19:57.341Z");
    assert_eq!(leg("Alice Jones", "WebRTC")["duration_s"], "251.125");
    assert_eq!(leg("Alice Jones", "API")["duration_s"], "269.46");

    // Alerts: each critical problem once, the copy's repeats held back;
    // the app's FATAL line has no term of subscription filter #2, so the
    // alerting Lambda never sees it.
    let alerts = ndjson(&files["alerts/alerts.ndjson"]);
    let critical: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["severity"] == "critical")
        .collect();
    let subjects: Vec<&str> = critical
        .iter()
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    assert_eq!(critical.len(), 3, "{subjects:?}");
    for (needle, held_back) in [
        ("Alarm raised", 1),
        ("Connectivity lost to node.", 1),
        ("ConsoleLogin by arn:aws:iam::123456789012:root", 0),
    ] {
        let alert = critical
            .iter()
            .find(|a| a["subject"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no critical alert {needle:?} in {subjects:?}"));
        assert_eq!(alert["held_back_in_window"], held_back, "{alert}");
        assert!(
            alert["subject"]
                .as_str()
                .unwrap()
                .starts_with("[CRITICAL] ")
        );
        assert!(
            alert["body"]
                .as_str()
                .unwrap()
                .contains(alert["event_id"].as_str().unwrap())
        );
    }
    let prints: BTreeSet<&str> = alerts
        .iter()
        .map(|a| a["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        prints.len(),
        alerts.len(),
        "one alert per fingerprint and window"
    );
    assert!(alerts.iter().all(|a| a["log_type"] != "app"), "{alerts:?}");
    assert!(alerts.iter().any(|a| a["severity"] == "warning"));
    assert!(alerts.iter().all(|a| a["severity"] != "info"));

    // A re-run replaces its own files: byte for byte the same lake.
    succeeded(&logwrangler(&args, &[]));
    assert_eq!(snapshot(&lake), files, "a re-run changes nothing");

    // Another delivery time moves the suspect records: their old objects go.
    let mut moved = args.clone();
    let last = moved.len() - 1;
    moved[last] = "2026-03-04T08:00:00Z";
    let stderr = succeeded(&logwrangler(&moved, &[]));
    assert!(!stderr.contains(" 0 stale objects removed"), "{stderr}");
    let after = snapshot(&lake);
    let mut ids = BTreeSet::new();
    for (key, bytes) in after.iter().filter(|(k, _)| k.starts_with("logs/")) {
        for record in ndjson(&gunzip(bytes)) {
            assert!(
                ids.insert(record["event_id"].as_str().unwrap().to_owned()),
                "{key}"
            );
        }
    }
    assert_eq!(ids.len(), by_id.len(), "still every event once");
}

/// `logwrangler-replay-1-<yyyy-MM-dd-HH-mm-ss>-<run>-<n>.gz`.
fn assert_firehose_style_name(file: &str) {
    let rest = file
        .strip_prefix("logwrangler-replay-1-")
        .and_then(|r| r.strip_suffix(".gz"))
        .unwrap_or_else(|| panic!("not a Firehose-style name: {file}"));
    let parts: Vec<&str> = rest.split('-').collect();
    assert_eq!(parts.len(), 8, "{file}");
    let widths = [4, 2, 2, 2, 2, 2];
    for (part, width) in parts.iter().zip(widths) {
        assert!(
            part.len() == width && part.bytes().all(|b| b.is_ascii_digit()),
            "{file}"
        );
    }
    assert!(
        parts[6].len() == 16 && parts[6].bytes().all(|b| b.is_ascii_hexdigit()),
        "{file}"
    );
    assert!(parts[7].parse::<u32>().is_ok(), "{file}");
}

#[test]
fn unreadable_inputs_fail_with_a_clear_message_and_leave_the_lake_alone() {
    let work = scratch("unreadable");
    let lake = work.join("lake");
    let lake_arg = lake.display().to_string();
    let missing = logwrangler(
        &[
            "replay",
            "tests/fixtures/aws/alb.log",
            "no/such.log",
            "--lake",
            &lake_arg,
        ],
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("cannot read no/such.log"), "{stderr}");

    let cut = work.join("cut.log.gz");
    let whole = gzip(&fixture("tests/fixtures/pexip/support.log"));
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let cut_arg = cut.display().to_string();
    let damaged = logwrangler(
        &[
            "replay",
            "tests/fixtures/aws/alb.log",
            &cut_arg,
            "--lake",
            &lake_arg,
        ],
        &[],
    );
    assert_eq!(damaged.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert!(stderr.contains("it is damaged or cut short"), "{stderr}");
    assert!(
        snapshot(&lake).keys().all(|k| !k.starts_with("logs/")),
        "a failed run writes no object: {:?}",
        snapshot(&lake).keys().collect::<Vec<_>>()
    );
}

/// Splits a moto object (the records of one PutRecordBatch call, concatenated)
/// into its gzip members.
fn gzip_members(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut members = Vec::new();
    while !data.is_empty() {
        let before = data.len();
        let mut json = Vec::new();
        flate2::bufread::GzDecoder::new(&mut data)
            .read_to_end(&mut json)
            .unwrap();
        assert!(
            before - data.len() < FIREHOSE_RECORD_LIMIT,
            "a record of {} bytes",
            before - data.len()
        );
        members.push(json);
    }
    members
}

fn bucket_objects(moto: &Service, bucket: &str) -> Vec<Vec<u8>> {
    let (status, listing) = http("GET", &format!("{}/{bucket}?list-type=2", moto.url()), b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&listing));
    String::from_utf8(listing)
        .unwrap()
        .split("<Key>")
        .skip(1)
        .map(|rest| rest.split("</Key>").next().unwrap().to_owned())
        .map(|key| {
            let url = format!("{}/{bucket}/{key}", moto.url());
            let (status, body) = http_with("GET", &url, b"", &[MOTO_AUTH]);
            assert_eq!(status, 200, "{key}");
            body
        })
        .collect()
}

/// What the transform Lambda's processor treats as a header line.
fn is_header(line: &str) -> bool {
    line.starts_with('#') || line.starts_with("version ") || line.starts_with("date,time,")
}

#[tokio::test(flavor = "multi_thread")]
async fn firehose_backfill_delivers_every_line_once_through_faults() {
    let work = scratch("firehose");
    // Enough lines for several records (size and event-count bounds).
    let mut big = String::new();
    for i in 0..12_000 {
        let (m, s, ms) = (i / 600 % 60, i / 10 % 60, i % 10 * 100);
        big.push_str(&format!(
            "2026-03-02T11:{m:02}:{s:02}.{ms:03}+00:00 px-conf01 2026-03-02 11:{m:02}:{s:02},{ms:03} Level=\"INFO\" Name=\"support.sip\" Message=\"Incoming SIP request\" Call-id=\"call-{i}\" Uuid=\"{i:08x}-0000-4000-8000-000000000000\" Detail=\"OPTIONS sip:px-conf01 SIP/2.0^MVia: SIP/2.0/TLS 10.1.1.{} ^MCSeq: {i} OPTIONS\"\n",
            i % 250
        ));
    }
    let big_path = work.join("busy-node.log");
    std::fs::write(&big_path, &big).unwrap();
    let big_arg = big_path.display().to_string();
    let files = [
        "tests/fixtures/pexip/support.log",
        "tests/fixtures/pexip/audit.log",
        "tests/fixtures/aws/cloudfront.log",
        "tests/fixtures/aws/vpc_flow_custom_1.log",
        "tests/fixtures/aws/s3_access.log",
    ];

    let moto = Service::moto();
    let proxy = Service::fault_proxy(
        &moto.url(),
        &[
            "--throttle-calls",
            "1",
            "--fail-every",
            "3",
            "--fail-calls",
            "2",
        ],
    );
    assert_eq!(
        http("PUT", &format!("{}/backfill-bucket", moto.url()), b"").0,
        200
    );
    let client = aws_sdk_firehose::Client::from_conf(
        aws_sdk_firehose::Config::builder()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(moto.url())
            .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
            .build(),
    );
    client
        .create_delivery_stream()
        .delivery_stream_name("lake")
        .delivery_stream_type(DeliveryStreamType::DirectPut)
        .extended_s3_destination_configuration(
            ExtendedS3DestinationConfiguration::builder()
                .bucket_arn("arn:aws:s3:::backfill-bucket")
                .role_arn("arn:aws:iam::123456789012:role/firehose-delivery")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("moto creates the stream");

    let mut args = vec!["replay"];
    args.extend(files);
    args.extend([big_arg.as_str(), "--firehose", "lake", "--rate", "4"]);
    let proxy_url = proxy.url();
    let no_file = work.join("none").display().to_string();
    let env = [
        ("AWS_ENDPOINT_URL", proxy_url.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_CONFIG_FILE", no_file.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", no_file.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let stderr = succeeded(&logwrangler(&args, &env));

    let (_, faults) = http("GET", &format!("{}/_faults", proxy.url()), b"");
    let faults: Value = serde_json::from_slice(&faults).unwrap();
    assert_eq!(faults["throttled_calls"], 1, "{faults}");
    assert!(faults["failed_entries"].as_u64().unwrap() >= 1, "{faults}");

    // Every record is a gzip'd CloudWatch envelope below Firehose's limit.
    let mut records = Vec::new();
    for object in bucket_objects(&moto, "backfill-bucket") {
        records.extend(gzip_members(&object));
    }
    assert!(
        stderr.contains(&format!("sent {}, failed 0", records.len())),
        "{} records in S3: {stderr}",
        records.len()
    );
    assert!(records.len() >= 8, "{} records", records.len());

    // Every line once (headers open each envelope of their file), under the
    // derived log group, with a 56-digit id and the line's own time.
    let mut delivered: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut request = transform_lambda::processor::Request::default();
    for (n, record) in records.iter().enumerate() {
        let envelope: Value = serde_json::from_slice(record).unwrap();
        assert_eq!(envelope["messageType"], "DATA_MESSAGE");
        let stream = envelope["logStream"].as_str().unwrap().to_owned();
        let stem = stream.split('.').next().unwrap();
        assert_eq!(envelope["logGroup"], format!("/logwrangler/replay/{stem}"));
        for event in envelope["logEvents"].as_array().unwrap() {
            let message = event["message"].as_str().unwrap().to_owned();
            let id = event["id"].as_str().unwrap();
            assert_eq!(id.len(), 56, "{id}");
            assert!(id.starts_with(&format!("{:017}", event["timestamp"].as_i64().unwrap())));
            if !is_header(&message) {
                assert!(ids.insert(id.to_owned()), "id {id} twice");
            }
            *delivered.entry((stream.clone(), message)).or_default() += 1;
        }
        request
            .records
            .push(transform_lambda::processor::InputRecord {
                record_id: format!("r{n}"),
                approximate_arrival_timestamp: Some(1_800_000_000_000),
                data: Value::String(BASE64.encode(gzip(record))),
            });
    }
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut data_lines = 0;
    for path in files
        .iter()
        .map(|f| Path::new(ROOT).join(f))
        .chain([big_path.clone()])
    {
        let stream = path.file_name().unwrap().to_string_lossy().into_owned();
        for line in std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
        {
            if !is_header(line) {
                data_lines += 1;
                *expected
                    .entry((stream.clone(), line.to_owned()))
                    .or_default() += 1;
            }
        }
    }
    let data: BTreeMap<(String, String), usize> = delivered
        .iter()
        .filter(|((_, message), _)| !is_header(message))
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    assert_eq!(data.len(), expected.len(), "every data line delivered");
    assert!(data == expected, "every data line exactly once");
    assert!(
        delivered
            .keys()
            .any(|(s, m)| s == "cloudfront.log" && m.starts_with("#Fields:")),
        "header lines travel too"
    );

    // The deployed transform reads the backfill like subscription traffic:
    // every line a typed record, none unparsed, none with a suspect time.
    let plan = transform_lambda::processor::plan(
        &request,
        &logwrangler::LineParser::default(),
        &transform_lambda::processor::Limits::default(),
    );
    assert_eq!(plan.stats.events_in, data_lines);
    assert_eq!(plan.stats.unparsed, 0, "{:?}", plan.stats);
    for record in &plan.records {
        if let transform_lambda::processor::Answer::Ok { data, .. } = &record.answer {
            for line in ndjson(data) {
                assert!(line.get("timestamp_suspect").is_none(), "{line}");
                assert_eq!(line["event_id"].as_str().unwrap().len(), 56);
            }
        }
    }
}
