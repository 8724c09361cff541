//! The alerting service against moto_server on 127.0.0.1 with the real
//! aws-sdk-dynamodb and aws-sdk-sns clients (SNS topics with SQS
//! subscriptions to observe deliveries): summaries through all six access
//! patterns, idempotence under redelivery and disorder, alerts once per
//! fingerprint, and the app log API.

use logwrangler_testkit::moto as support;

mod queues;

use std::collections::BTreeMap;

use alerting_lambda::config::Config;
use alerting_lambda::notify::SnsNotifier;
use alerting_lambda::store::{self, DynamoStore};
use alerting_lambda::{Alerting, LogEvent};
use queues::{ACCOUNT, drain, sqs};
use serde_json::Value;
use support::{Service, http_with};

struct Stack {
    moto: Service,
    service: Alerting,
    queues: BTreeMap<&'static str, String>,
    /// The configuration the service runs with, as environment variables.
    vars: BTreeMap<String, String>,
}

async fn aws_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await
}

async fn stack() -> Stack {
    let moto = Service::moto();
    let config = aws_config(&moto.url()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    store::create_table(&dynamodb, "logwrangler")
        .await
        .expect("moto creates the table");
    let sns = aws_sdk_sns::Client::new(&config);
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    vars.insert("LOGWRANGLER_TABLE".into(), "logwrangler".into());
    let queues: BTreeMap<&str, String> =
        queues::alert_topics(&moto, &sns, "logwrangler", "alerts", &mut vars)
            .await
            .into_iter()
            .collect();
    let config_values = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    let store = DynamoStore::new(dynamodb, "logwrangler", 30);
    let notifier = SnsNotifier::new(sns, config_values.topics.clone());
    let service = Alerting::new(&config_values, store, notifier, None).unwrap();
    Stack {
        moto,
        service,
        queues,
        vars,
    }
}

fn fixture() -> Vec<(String, i64, String)> {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/pexip/support.log",
        support::ROOT
    ))
    .unwrap();
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            (
                format!("cw-{i:04}"),
                1_772_446_500_000 + i as i64 * 1000,
                line.to_owned(),
            )
        })
        .collect()
}

async fn deliver(stack: &Stack, events: &[(String, i64, String)]) -> alerting_lambda::Report {
    let events: Vec<LogEvent<'_>> = events
        .iter()
        .map(|(id, ts, message)| LogEvent {
            id,
            timestamp: *ts,
            message,
        })
        .collect();
    stack
        .service
        .handle_log_events("/pexip/support", "px-conf01", ACCOUNT, &events)
        .await
        .expect("delivery succeeds")
}

fn num(item: &serde_json::Map<String, Value>, key: &str) -> i64 {
    item.get(key)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{key} in {item:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn summaries_alerts_and_redelivery() {
    let stack = stack().await;
    let events = fixture();
    let first = deliver(&stack, &events).await;
    assert!(first.legs_updated >= 9, "{first:?}");
    assert!(first.alerts_published >= 2, "{first:?}");
    let store = stack.service.store();
    let items_after_first = store.count_items().await.unwrap();

    // Redelivery of the same batch, then the batch again in reverse order in a separate invocation.
    let again = deliver(&stack, &events).await;
    assert_eq!(
        again.alerts_published, 0,
        "a redelivered batch alerts nothing new: {again:?}"
    );
    let mut reversed = events.clone();
    reversed.reverse();
    deliver(&stack, &reversed).await;
    assert_eq!(
        store.count_items().await.unwrap(),
        items_after_first,
        "no new items from redelivery"
    );

    // 1. A conference's sessions, newest first.
    let sessions = store.conference_sessions("meet.alice").await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        session["session_id"],
        "470975eb-c344-4764-a72e-dd76637fa72a"
    );
    assert_eq!(
        num(session, "participants_total"),
        2,
        "Alice's API+WebRTC legs are one person; BACKPLANE is not a person"
    );
    assert_eq!(num(session, "max_concurrent"), 2);
    assert_eq!(num(session, "concurrent_now"), 0);
    assert_eq!(num(session, "legs"), 4);
    assert_eq!(session["active"], false);
    assert_eq!(session["start"], "2026-03-02T10:15:45.748Z");
    assert_eq!(session["end"], "2026-03-02T10:20:24.347Z");

    // 2. One session's legs.
    let legs = store
        .session_legs("470975eb-c344-4764-a72e-dd76637fa72a")
        .await
        .unwrap();
    assert_eq!(legs.len(), 4);
    let bob = legs
        .iter()
        .find(|l| l["alias"] == "sip:bob@example.com")
        .expect("bob's leg");
    assert_eq!(bob["protocol"], "SIP");
    assert_eq!(bob["disconnect_reason"], "Media process disconnected");
    assert_eq!(bob["abnormal"], true);
    assert_eq!(
        bob["worst_quality_name"], "bad",
        "support.media quality changes reach the leg"
    );
    assert_eq!(bob["joined"], "2026-03-02T10:16:30.478Z");

    // 3. A call by id; 4. an alias's recent calls.
    let call = store
        .call("ab6dabf8-437e-45c8-8f7d-6978c44116c9")
        .await
        .unwrap();
    assert_eq!(call.len(), 1);
    assert_eq!(call[0]["display_name"], bob["display_name"]);
    let recent = store
        .alias_calls("h323:room1@example.com", 10)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0]["conference"], "sales.weekly");

    // 5. Nothing is active at the end of the fixture.
    assert!(store.active_sessions().await.unwrap().is_empty());

    // Alerts: each critical event once, whatever the redeliveries.
    let critical = drain(&stack.moto, &stack.queues["critical"]);
    let subjects: Vec<&str> = critical
        .iter()
        .map(|m| m["Subject"].as_str().unwrap())
        .collect();
    assert_eq!(critical.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.contains("Connectivity lost")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .all(|s| s.len() <= 100 && s.bytes().all(|b| (0x20..0x7f).contains(&b)))
    );
    for message in &critical {
        let attributes = &message["MessageAttributes"];
        assert_eq!(attributes["severity"]["Value"], "critical");
        assert_eq!(attributes["log_type"]["Value"], "pexip_support");
        assert!(attributes["source"]["Value"].is_string());
        assert!(
            message["Message"].as_str().unwrap().contains("SELECT"),
            "the body hints at an Athena query"
        );
    }
    let warnings = drain(&stack.moto, &stack.queues["warning"]);
    assert!(!warnings.is_empty());
    assert!(
        drain(&stack.moto, &stack.queues["info"]).is_empty(),
        "info is below the alert threshold"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_active_conference_and_a_storm_of_one_alarm() {
    let stack = stack().await;
    let join = r#"2026-03-02T11:00:00.000+00:00 px-conf01 2026-03-02 11:00:00,000 Level="INFO" Name="administrator.conference" Message="Participant has joined." Conference="ops.daily" Conference-ID="s-ops" Participant="sip:dana@example.com" Participant-id="p-dana" Call-id="c-dana" Protocol="SIP""#;
    let events: Vec<(String, i64, String)> = std::iter::once(("j1".to_string(), 1_772_449_200_000, join.to_string()))
        .chain((0..20).map(|i| {
            let line = format!(r#"2026-03-02T11:{:02}:00.000+00:00 px-mgr01 2026-03-02 11:{:02}:00,000 Level="WARNING" Name="administrator.system.connectivity" Message="Connectivity lost to node." Node="10.1.1.129" Src-Node="10.1.1.127""#, i + 1, i + 1);
            (format!("storm-{i}"), 1_772_449_200_000 + i as i64 * 60_000, line)
        }))
        .collect();
    deliver(&stack, &events).await;
    let active = stack.service.store().active_sessions().await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["conference"], "ops.daily");
    assert_eq!(num(&active[0], "concurrent_now"), 1);
    // Twenty identical alarms within the 15-minute window: one alert, then one more
    // after the window, reporting the repeats it suppressed.
    let critical = drain(&stack.moto, &stack.queues["critical"]);
    assert_eq!(critical.len(), 2, "{critical:?}");
    let bodies: Vec<&str> = critical
        .iter()
        .map(|m| m["Message"].as_str().unwrap())
        .collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("14 repeat(s) of this alert were held back")),
        "the next alert reports the 14 repeats it suppressed: {bodies:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_log_api() {
    let stack = stack().await;
    let body = br#"[{"log_level":"FATAL","message":"payments down","details":{"code":503},"source_application":"billing","region":"eu-west-1"},
                    {"log_level":"info","message":"invoice sent","source_application":"billing"}]"#;
    let answer = stack
        .service
        .handle_api("POST", "/logs", body, "req-1", 1_772_449_200_000)
        .await
        .unwrap();
    assert_eq!(answer.status, 202, "{}", answer.body);
    let accepted: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(accepted["accepted"], 2);
    // The same request again (a client retry) stores nothing twice and alerts once.
    stack
        .service
        .handle_api("POST", "/logs", body, "req-1", 1_772_449_200_000)
        .await
        .unwrap();
    let events = stack
        .service
        .store()
        .app_events("billing", 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events.iter().filter(|e| e["log_level"] == "FATAL").count(),
        1
    );
    let critical = drain(&stack.moto, &stack.queues["critical"]);
    assert_eq!(critical.len(), 1);
    assert_eq!(critical[0]["MessageAttributes"]["log_type"]["Value"], "app");
    assert_eq!(
        critical[0]["MessageAttributes"]["source"]["Value"],
        "billing"
    );

    let bad = stack
        .service
        .handle_api(
            "POST",
            "/logs",
            br#"{"log_level":"loud","message":"x","source_application":"a"}"#,
            "req-2",
            0,
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("log_level"), "{}", bad.body);
    let huge = vec![b' '; 2 << 20];
    assert_eq!(
        stack
            .service
            .handle_api("POST", "/logs", &huge, "req-3", 0)
            .await
            .unwrap()
            .status,
        413
    );
    assert_eq!(
        stack
            .service
            .handle_api("GET", "/logs", b"", "req-4", 0)
            .await
            .unwrap()
            .status,
        405
    );
}

/// Subscription delivery as Lambda receives it: gzip'd, base64 CloudWatch envelope.
fn awslogs_event(events: &[(String, i64, String)]) -> Value {
    use base64::Engine;
    use std::io::Write;
    let envelope = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": "/pexip/support", "logStream": "px-conf01",
        "subscriptionFilters": ["alerting"],
        "logEvents": events.iter().map(|(id, ts, m)| serde_json::json!({"id": id, "timestamp": ts, "message": m})).collect::<Vec<_>>(),
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(envelope.to_string().as_bytes()).unwrap();
    serde_json::json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap())}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_publish_fails_the_invocation_and_the_retry_alerts_once() {
    let stack = stack().await;
    // A critical topic that does not exist yet: the publish fails after the summaries were written.
    let mut vars = stack.vars.clone();
    let missing = "arn:aws:sns:us-east-1:123456789012:logwrangler-critical-later".to_string();
    vars.insert("LOGWRANGLER_TOPIC_CRITICAL_ARN".into(), missing.clone());
    let config = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    let aws = aws_config(&stack.moto.url()).await;
    let broken = Alerting::new(
        &config,
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), "logwrangler", 30),
        SnsNotifier::new(aws_sdk_sns::Client::new(&aws), config.topics.clone()),
        None,
    )
    .unwrap();
    let events = fixture();
    let as_events: Vec<LogEvent<'_>> = events
        .iter()
        .map(|(id, ts, m)| LogEvent {
            id,
            timestamp: *ts,
            message: m,
        })
        .collect();
    let error = broken
        .handle_log_events("/pexip/support", "px-conf01", ACCOUNT, &as_events)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("SNS Publish"), "{error}");

    // The topic appears (an operator fixed it); Lambda retries the same delivery, twice.
    let sns = aws_sdk_sns::Client::new(&aws);
    let topic = sns
        .create_topic()
        .name("logwrangler-critical-later")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    assert_eq!(topic, missing);
    sqs(
        &stack.moto,
        &[("Action", "CreateQueue"), ("QueueName", "alerts-later")],
    );
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:alerts-later"))
        .send()
        .await
        .unwrap();
    broken
        .handle_log_events("/pexip/support", "px-conf01", ACCOUNT, &as_events)
        .await
        .unwrap();
    broken
        .handle_log_events("/pexip/support", "px-conf01", ACCOUNT, &as_events)
        .await
        .unwrap();
    let critical = drain(&stack.moto, "alerts-later");
    assert_eq!(
        critical.len(),
        2,
        "each critical event alerted exactly once across the failed and retried invocations"
    );
    let sessions = broken
        .store()
        .conference_sessions("meet.alice")
        .await
        .unwrap();
    assert_eq!(
        num(&sessions[0], "participants_total"),
        2,
        "counters exact after the retries"
    );
}

#[test]
fn the_binary_behind_cargo_lambda_watch() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stack = runtime.block_on(stack());
    let apis = Service::lambda_apis();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alerting-lambda"))
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{}/.rt", apis.port),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_ENDPOINT_URL", stack.moto.url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .envs(stack.vars.iter())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let invoke = |event: &Value| {
        support::http(
            "POST",
            &format!("{}/2015-03-31/functions/_/invocations", apis.url()),
            event.to_string().as_bytes(),
        )
    };

    let (status, body) = invoke(&awslogs_event(&fixture()));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert!(report["legs_updated"].as_u64().unwrap() >= 9, "{report}");
    // Every published alert reached its severity's queue; the two critical events among them.
    let published = report["alerts_published"].as_u64().unwrap() as usize;
    let delivered: usize = ["critical", "error", "warning"]
        .iter()
        .map(|q| drain(&stack.moto, &stack.queues[q]).len())
        .sum();
    assert_eq!(delivered, published, "{report}");
    assert!(published >= 4, "{report}");

    let api_event = serde_json::json!({
        "resource": "/logs", "path": "/logs", "httpMethod": "POST", "headers": {}, "multiValueHeaders": {},
        "requestContext": {"requestId": "api-req-1", "httpMethod": "POST", "path": "/prod/logs"},
        "isBase64Encoded": false,
        "body": r#"{"log_level":"crit","message":"card processor unreachable","source_application":"payments"}"#,
    });
    let (status, body) = invoke(&api_event);
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    // Embedded Metric Format per invocation: the delivery's alerts, then the API call's.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let emf: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["Function"] == "alerting")
        .collect();
    assert_eq!(emf.len(), 2, "{stdout}");
    assert_eq!(emf[0]["AlertsPublished"].as_u64(), Some(published as u64));
    assert_eq!(emf[1]["AppEventsStored"], 1);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let response: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(response["statusCode"], 202, "{response}");
    let accepted: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(accepted["accepted"], 1);
    let critical = drain(&stack.moto, &stack.queues["critical"]);
    assert_eq!(critical.len(), 1, "{critical:?}");
    assert_eq!(
        critical[0]["MessageAttributes"]["source"]["Value"],
        "payments"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn app_events_reach_the_lake_stream_with_failed_entries_retried() {
    use aws_sdk_firehose::types::{DeliveryStreamType, ExtendedS3DestinationConfiguration};
    let stack = stack().await;
    let proxy = Service::fault_proxy(
        &stack.moto.url(),
        &["--fail-every", "2", "--fail-calls", "1"],
    );
    assert_eq!(
        support::http("PUT", &format!("{}/app-lake", stack.moto.url()), b"").0,
        200
    );
    let aws = aws_config(&proxy.url()).await;
    let firehose = aws_sdk_firehose::Client::new(&aws);
    firehose
        .create_delivery_stream()
        .delivery_stream_name("app-events")
        .delivery_stream_type(DeliveryStreamType::DirectPut)
        .extended_s3_destination_configuration(
            ExtendedS3DestinationConfiguration::builder()
                .bucket_arn("arn:aws:s3:::app-lake")
                .role_arn("arn:aws:iam::123456789012:role/firehose")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut vars = stack.vars.clone();
    vars.insert("LOGWRANGLER_APP_STREAM".into(), "app-events".into());
    let config = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    let direct = aws_config(&stack.moto.url()).await;
    let mut service = Alerting::new(
        &config,
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), "logwrangler", 30),
        SnsNotifier::new(aws_sdk_sns::Client::new(&direct), config.topics.clone()),
        Some(transform_lambda::reingest::FirehoseSink::with_client(
            firehose,
        )),
    )
    .unwrap();
    service.retry.base_delay = std::time::Duration::from_millis(5);
    let body = br#"[{"log_level":"info","message":"one","source_application":"shop"},
                    {"log_level":"warn","message":"two","source_application":"shop"},
                    {"log_level":"debug","message":"three","source_application":"shop","cart":42}]"#;
    let answer = service
        .handle_api("POST", "/logs", body, "req-fh", 1_772_449_200_000)
        .await
        .unwrap();
    assert_eq!(answer.status, 202, "{}", answer.body);

    let (_, faults) = support::http("GET", &format!("{}/_faults", proxy.url()), b"");
    let faults: Value = serde_json::from_slice(&faults).unwrap();
    assert_eq!(faults["failed_entries"], 1, "{faults}");
    // What moto wrote to S3: each event once, as a line the transform reads as `log_type: app`.
    let (_, listing) = http_with(
        "GET",
        &format!("{}/app-lake?list-type=2", stack.moto.url()),
        b"",
        &[support::MOTO_AUTH],
    );
    let listing = String::from_utf8(listing).unwrap();
    let mut lines = Vec::new();
    for key in listing
        .split("<Key>")
        .skip(1)
        .map(|r| r.split("</Key>").next().unwrap())
    {
        let (_, object) = http_with(
            "GET",
            &format!("{}/app-lake/{key}", stack.moto.url()),
            b"",
            &[support::MOTO_AUTH],
        );
        lines.extend(
            serde_json::Deserializer::from_slice(&object)
                .into_iter::<Value>()
                .map(Result::unwrap),
        );
    }
    let mut messages: Vec<&str> = lines
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    messages.sort();
    assert_eq!(messages, ["one", "three", "two"]);
    let mut parser = logwrangler::LineParser::default();
    for line in &lines {
        let text = line.to_string();
        let record = parser
            .parse_line(&text, &logwrangler::EventContext::default())
            .into_record()
            .unwrap();
        assert_eq!(record.log_type().as_str(), "app");
    }
}

/// The in-memory store (replay) answers every dedupe claim as the table
/// does (the Lambda), including retries, late repeats and an alert claimed
/// again before it is marked published.
#[tokio::test(flavor = "multi_thread")]
async fn the_memory_store_dedupes_as_the_table_does() {
    use alerting_lambda::store::{MemoryStore, Store};
    let moto = Service::moto();
    let config = aws_config(&moto.url()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    store::create_table(&dynamodb, "parity").await.unwrap();
    let table = DynamoStore::new(dynamodb, "parity", 30);
    let memory = MemoryStore::new();
    const W: i64 = 60_000;
    // (fingerprint, event id, time, mark published after a granted claim)
    let claims: &[(&str, &str, i64, bool)] = &[
        ("f1", "a", 100_000, false),
        ("f1", "a", 100_000, true),
        ("f1", "b", 101_000, true),
        ("f1", "b", 101_000, true),
        ("f1", "late", 90_000, true),
        ("f1", "c", 159_999, true),
        ("f2", "x", 100_500, true),
        ("f1", "a", 100_000, true),
        ("f1", "d", 160_000, true),
        ("f1", "e", 170_000, true),
        ("f1", "c", 159_999, true),
        ("f1", "f", 300_000, true),
        ("f2", "y", 500_000, true),
    ];
    for &(print, id, time, mark) in claims {
        let want = table.claim_alert(print, id, time, W).await.unwrap();
        let got = memory.claim_alert(print, id, time, W).await.unwrap();
        assert_eq!(got, want, "claim {print} {id} at {time}");
        if want.is_some() && mark {
            table.mark_published(print, id).await.unwrap();
            memory.mark_published(print, id).await.unwrap();
        }
    }
}
