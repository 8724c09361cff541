//! Re-ingest through the real aws-sdk-firehose client against moto_server's
//! Firehose API on 127.0.0.1, with a fault-injecting proxy in between that
//! throttles whole calls and fails single entries: every re-ingested record
//! lands in the stream's S3 bucket exactly once.

use logwrangler_testkit::moto as support;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use aws_sdk_firehose::config::{Credentials, Region};
use aws_sdk_firehose::types::{DeliveryStreamType, ExtendedS3DestinationConfiguration};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use support::{MOTO_AUTH, Service, http, http_with};
use transform_lambda::config::Config;
use transform_lambda::processor::{InputRecord, Request};
use transform_lambda::reingest::FirehoseSink;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Records whose events span many hours: each record keeps one hour and
/// re-ingests the others, so the batch needs many PutRecordBatch entries.
fn request_needing_reingest(records: usize, hours: usize) -> (Request, usize) {
    let mut total = 0;
    let inputs = (0..records)
        .map(|r| {
            let events: Vec<Value> = (0..hours * 3)
                .map(|i| {
                    total += 1;
                    let hour = i % hours;
                    json!({
                        "id": format!("{r}-{i}"),
                        "timestamp": 1_764_000_000_000i64,
                        "message": format!(r#"{{"level":"info","msg":"event {i}","time":"2025-11-24T{hour:02}:10:00Z"}}"#),
                    })
                })
                .collect();
            let envelope = json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/app/orders",
                "logStream": "s", "subscriptionFilters": ["lake"], "logEvents": events});
            InputRecord {
                record_id: format!("rec-{r}"),
                approximate_arrival_timestamp: Some(1_764_000_000_000),
                data: Value::String(BASE64.encode(gzip(&serde_json::to_vec(&envelope).unwrap()))),
            }
        })
        .collect();
    let request = Request {
        invocation_id: "moto".into(),
        delivery_stream_arn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/lake".into(),
        region: "us-east-1".into(),
        records: inputs,
    };
    (request, total)
}

fn firehose_client(endpoint: &str) -> aws_sdk_firehose::Client {
    let config = aws_sdk_firehose::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .build();
    aws_sdk_firehose::Client::from_conf(config)
}

/// Every object in the bucket: moto writes one object per accepted PutRecordBatch call.
fn bucket_objects(moto: &Service, bucket: &str) -> Vec<Vec<u8>> {
    let (status, listing) = http("GET", &format!("{}/{bucket}?list-type=2", moto.url()), b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&listing));
    let listing = String::from_utf8(listing).unwrap();
    listing
        .split("<Key>")
        .skip(1)
        .map(|rest| rest.split("</Key>").next().unwrap().to_owned())
        .map(|key| {
            let (status, body) = http_with(
                "GET",
                &format!("{}/{bucket}/{key}", moto.url()),
                b"",
                &[MOTO_AUTH],
            );
            assert_eq!(status, 200, "{key}: {}", String::from_utf8_lossy(&body));
            body
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reingest_survives_throttling_and_partial_failures() {
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
        http("PUT", &format!("{}/lake-bucket", moto.url()), b"").0,
        200
    );
    let client = firehose_client(&proxy.url());
    client
        .create_delivery_stream()
        .delivery_stream_name("lake")
        .delivery_stream_type(DeliveryStreamType::DirectPut)
        .extended_s3_destination_configuration(
            ExtendedS3DestinationConfiguration::builder()
                .bucket_arn("arn:aws:s3:::lake-bucket")
                .role_arn("arn:aws:iam::123456789012:role/firehose-delivery")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("moto creates the stream");

    let (request, total) = request_needing_reingest(40, 4);
    let mut config = Config::from_vars(|_| None).unwrap();
    config.retry.base_delay = std::time::Duration::from_millis(5);
    let sink = FirehoseSink::with_client(client);
    let (response, report) = transform_lambda::process(&request, &config, Some(&sink)).await;
    let response: Value = serde_json::from_slice(&response).unwrap();

    assert_eq!(report.reingest_failed, 0, "{:?}", report.reingest_error);
    assert_eq!(
        report.reingested_records, 120,
        "three other hours per record"
    );
    let (_, faults) = http("GET", &format!("{}/_faults", proxy.url()), b"");
    let faults: Value = serde_json::from_slice(&faults).unwrap();
    assert_eq!(faults["throttled_calls"], 1, "{faults}");
    assert!(faults["failed_entries"].as_u64().unwrap() >= 40, "{faults}");

    // What the response kept plus what reached the stream is every event, once.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for entry in response["records"].as_array().unwrap() {
        assert_eq!(entry["result"], "Ok");
        let data = BASE64.decode(entry["data"].as_str().unwrap()).unwrap();
        for line in String::from_utf8(data).unwrap().lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            *seen
                .entry(record["event_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let objects = bucket_objects(&moto, "lake-bucket");
    assert!(!objects.is_empty());
    for object in objects {
        let mut json = Vec::new();
        flate2::read::MultiGzDecoder::new(object.as_slice())
            .read_to_end(&mut json)
            .unwrap();
        for envelope in serde_json::Deserializer::from_slice(&json).into_iter::<Value>() {
            let envelope = envelope.unwrap();
            assert_eq!(envelope["logwranglerReingest"], 1);
            for event in envelope["logEvents"].as_array().unwrap() {
                *seen
                    .entry(event["id"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(
        seen.len(),
        total,
        "every event is in the response or in the stream"
    );
    assert!(seen.values().all(|n| *n == 1), "no event twice");
}
