//! The alerting service under DynamoDB and SNS faults.
//!
//! The service runs in-process with the real SDK clients pointed at
//! `tests/scripts/fault_proxy.py`, which stands in front of moto_server and
//! throttles, fails, or forwards-then-fails (a lost reply: the write happened,
//! the caller sees an error) every K-th DynamoDB call or SNS Publish. The input
//! is a Pexip stream as subscription filter #2 hands it over: the support log
//! fixture, four generated conferences (joins, quality changes, one reported
//! before its leg, normal and abnormal disconnects, one conference still
//! running) and two alarm storms spanning several dedupe windows, cut into
//! per-log-stream deliveries of a few events.
//!
//! The SDK clients retry as deployed (standard mode, 5 attempts; only the
//! backoff is shortened), or not at all, so that every fault fails the
//! invocation. A failed invocation follows Lambda's contract for asynchronous
//! invocations: the same delivery is handled again, whole (Lambda tries three
//! times; beyond that the test replays it, as an operator would replay the
//! on-failure destination).
//!
//! Each scenario is compared with a fault-free run of the same input on a
//! fresh table and fresh topics: the same DynamoDB items, attribute for
//! attribute (sessions, legs, pending qualities and alert dedupe states; no
//! attribute is volatile, all derive from the input), and the same alerts,
//! body for body (held-back counts included). The one difference the dedupe
//! contract allows is a duplicate alert when the service cannot know that SNS
//! accepted a Publish: one per Publish whose reply was lost, and one per
//! invocation that failed on marking a published alert. Each scenario asserts
//! exactly that many duplicates, each identical to its original.

use logwrangler_testkit::moto as support;

mod queues;

use std::collections::BTreeMap;
use std::time::Duration;

use alerting_lambda::config::Config;
use alerting_lambda::notify::SnsNotifier;
use alerting_lambda::store::{self, DynamoStore};
use alerting_lambda::{Alerting, LogEvent};
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use logwrangler::subscription::TermPattern;
use logwrangler::time::iso_string;
use queues::{ACCOUNT, drain};
use serde_json::{Value, json};
use support::{Service, http};

const LOG_GROUP: &str = "/pexip/support";
const SEVERITIES: [&str; 5] = ["critical", "error", "warning", "info", "debug"];
/// Events per delivery at most (CloudWatch Logs batches per log stream).
const EVENTS_PER_DELIVERY: usize = 4;
/// Lambda runs an asynchronous invocation at most three times.
const LAMBDA_ATTEMPTS: usize = 3;
/// Attempts before a scenario gives up on a delivery (Lambda's three, then replays).
const MAX_ATTEMPTS: usize = 12;

/// One subscription delivery: consecutive events of one log stream.
#[derive(Debug, Clone)]
struct Delivery {
    log_stream: String,
    /// (CloudWatch event id, ingestion time, message).
    events: Vec<(String, i64, String)>,
}

/// How the SDK clients retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SdkRetries {
    /// As deployed (standard mode, 5 attempts), with millisecond backoff.
    Deployed,
    /// One attempt: every fault fails the invocation and Lambda redelivers.
    None,
}

/// A Pexip support line as the collector forwards it (syslog time and host,
/// then Pexip's own time and key-value pairs).
fn pexip_line(ms: i64, node: &str, level: &str, name: &str, message: &str, fields: &str) -> String {
    let iso = iso_string(ms);
    format!(
        "{}+00:00 {node} {} {},{} Level=\"{level}\" Name=\"{name}\" Message=\"{message}\" {fields}",
        &iso[..23],
        &iso[..10],
        &iso[11..19],
        &iso[20..23]
    )
}

/// Every event of the scenario, in time order: (time, log stream, line).
fn stream() -> Vec<(i64, String, String)> {
    let mut lines = Vec::new();
    // The support log fixture: two sessions, quality changes, an alarm, connectivity, errors.
    let fixture = std::fs::read_to_string(format!(
        "{}/tests/fixtures/pexip/support.log",
        support::ROOT
    ))
    .unwrap();
    for (i, line) in fixture.lines().enumerate() {
        let node = line.split(' ').nth(1).unwrap().to_owned();
        lines.push((1_772_446_500_000 + i as i64 * 1000, node, line.to_owned()));
    }
    // Four conferences from 11:00: three people each, one quality dip per
    // conference, one quality change seen before its leg joined, abnormal
    // disconnects in two conferences, and the last one still running.
    let start_all = 1_772_449_200_000; // 2026-03-02T11:00:00Z
    for (c, conference) in [
        "ops.daily",
        "eng.standup",
        "board.monthly",
        "support.clinic",
    ]
    .iter()
    .enumerate()
    {
        let node = format!("px-conf0{}", 1 + c % 2);
        let session = format!("5e55{c:04}-0000-4000-8000-00000000000{c}");
        let start = start_all + c as i64 * 180_000;
        for (p, protocol) in ["SIP", "H323", "WebRTC"].iter().enumerate() {
            let call = format!("ca11{c:02}{p:02}-0000-4000-8000-000000000000");
            let alias = format!("sip:user{p}.{c}@example.com");
            let person = format!(
                "Conference=\"{conference}\" Conference-ID=\"{session}\" Participant=\"{alias}\" DisplayName=\"User {p}.{c}\" Protocol=\"{protocol}\" Direction=\"in\" Call-id=\"{call}\" Conversation-id=\"{call}\" Participant-id=\"{call}\" Licenses=\"1\" License-type=\"port\" Role=\"guest\""
            );
            let joined = start + p as i64 * 20_000;
            let quality = |ms: i64, change: &str, was: u8, now: u8| {
                pexip_line(
                    ms,
                    &node,
                    "INFO",
                    "support.media",
                    &format!("Stable call quality changed from {change}"),
                    &format!(
                        "Call-id=\"{call}\" Stream-id=\"1\" Media-type=\"video\" Was=\"{was}\" Now=\"{now}\""
                    ),
                )
            };
            if c == 2 && p == 1 {
                lines.push((
                    joined - 5_000,
                    node.clone(),
                    quality(joined - 5_000, "good to terrible", 1, 4),
                ));
            }
            lines.push((
                joined,
                node.clone(),
                pexip_line(
                    joined,
                    &node,
                    "INFO",
                    "administrator.conference",
                    "Participant has joined.",
                    &person,
                ),
            ));
            if p == 0 {
                lines.push((
                    joined + 60_000,
                    node.clone(),
                    quality(joined + 60_000, "good to bad", 1, 3),
                ));
                lines.push((
                    joined + 120_000,
                    node.clone(),
                    quality(joined + 120_000, "bad to good", 3, 1),
                ));
            }
            if c == 3 && p == 2 {
                continue;
            }
            let left = start + 600_000 + p as i64 * 15_000;
            let reason = if p == 0 && c % 2 == 0 {
                "Media process disconnected"
            } else {
                "Call disconnected"
            };
            lines.push((
                left,
                node.clone(),
                pexip_line(
                    left,
                    &node,
                    "INFO",
                    "administrator.conference",
                    "Participant has disconnected.",
                    &format!(
                        "{person} Duration=\"{}.000\" Detail=\"{reason}\"",
                        (left - joined) / 1000
                    ),
                ),
            ));
        }
    }
    // Storms: a lost node every two minutes for 35 minutes (three 15-minute
    // dedupe windows), and a capacity alarm every 100 s on another node.
    let storm_start = 1_772_452_800_000; // 2026-03-02T12:00:00Z
    for i in 0..18 {
        let ms = storm_start + i * 120_000;
        lines.push((
            ms,
            "px-mgr01".into(),
            pexip_line(
                ms,
                "px-mgr01",
                "WARNING",
                "administrator.system.connectivity",
                "Connectivity lost to node.",
                "Node=\"10.1.1.129\" Src-Node=\"10.1.1.127\"",
            ),
        ));
    }
    for i in 0..9 {
        let ms = storm_start + 30_000 + i * 100_000;
        lines.push((
            ms,
            "px-mgr02".into(),
            pexip_line(
                ms,
                "px-mgr02",
                "WARNING",
                "administrator.alarm",
                "Alarm raised",
                "Node=\"10.1.1.130\" Alarm=\"Call capacity limit reached\" Instance=\"px-conf03\" Detail=\"Media capacity exhausted on Conferencing Node px-conf03 (10.1.1.130)\"",
            ),
        ));
    }
    lines.sort_by_key(|(ms, _, _)| *ms);
    lines
}

/// The events subscription filter #2 passes, cut into deliveries: consecutive
/// events of one log stream, at most [`EVENTS_PER_DELIVERY`] each.
fn deliveries() -> Vec<Delivery> {
    let pattern = TermPattern::alerting();
    let mut out: Vec<Delivery> = Vec::new();
    for (seq, (ms, node, line)) in stream().into_iter().enumerate() {
        if !pattern.matches(&line) {
            continue;
        }
        // CloudWatch event ids are 56 decimal digits.
        let event = (format!("{:0>56}", 37_000_000 + seq), ms, line);
        match out.last_mut() {
            Some(last) if last.log_stream == node && last.events.len() < EVENTS_PER_DELIVERY => {
                last.events.push(event)
            }
            _ => out.push(Delivery {
                log_stream: node,
                events: vec![event],
            }),
        }
    }
    out
}

fn sdk_config(endpoint: &str, retries: SdkRetries) -> SdkConfig {
    let retry = match retries {
        SdkRetries::Deployed => RetryConfig::standard()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(1)),
        SdkRetries::None => RetryConfig::disabled(),
    };
    SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "moto"),
        ))
        .retry_config(retry)
        .build()
}

/// An attribute as comparable JSON (sets sorted: DynamoDB sets have no order).
fn canonical(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(set) => {
            let mut set = set.clone();
            set.sort();
            json!({ "SS": set })
        }
        AttributeValue::L(list) => json!({ "L": list.iter().map(canonical).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({
            "M": map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect::<serde_json::Map<_, _>>()
        }),
        other => json!({ "other": format!("{other:?}") }),
    }
}

/// Every item of `table`, keyed `pk|sk`.
async fn items(client: &aws_sdk_dynamodb::Client, table: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            let key = format!(
                "{}|{}",
                item["pk"].as_s().unwrap(),
                item["sk"].as_s().unwrap()
            );
            let attributes: serde_json::Map<String, Value> = item
                .iter()
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            out.insert(key, Value::Object(attributes));
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return out;
        }
    }
}

fn faults(proxy: &Service) -> Value {
    let (status, body) = http("GET", &format!("{}/_faults", proxy.url()), b"");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// What one run left behind.
struct Outcome {
    /// Every DynamoDB item, keyed `pk|sk`.
    items: BTreeMap<String, Value>,
    /// Alerts delivered, counted by severity, subject and body.
    alerts: BTreeMap<String, usize>,
    /// Invocations each delivery took until its handler succeeded.
    attempts: Vec<usize>,
    /// The error of every failed invocation.
    errors: Vec<String>,
    /// The most DynamoDB calls one successful invocation made (measured through a proxy).
    max_calls_per_delivery: u64,
}

/// Runs the whole input through a fresh service on its own table and topics
/// (named after `name`), its SDK clients pointed at `endpoint`, redelivering
/// every failed delivery.
async fn run(
    moto: &Service,
    endpoint: &Service,
    name: &str,
    retries: SdkRetries,
    input: &[Delivery],
) -> Outcome {
    let direct = sdk_config(&moto.url(), SdkRetries::Deployed);
    let dynamodb = aws_sdk_dynamodb::Client::new(&direct);
    store::create_table(&dynamodb, name)
        .await
        .expect("moto creates the table");
    let sns = aws_sdk_sns::Client::new(&direct);
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    vars.insert("LOGWRANGLER_TABLE".into(), name.into());
    queues::alert_topics(moto, &sns, name, &format!("{name}-alerts"), &mut vars).await;
    let config = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    let faulty = sdk_config(&endpoint.url(), retries);
    let service = Alerting::new(
        &config,
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&faulty), name, 30),
        SnsNotifier::new(aws_sdk_sns::Client::new(&faulty), config.topics.clone()),
        None,
    )
    .unwrap();

    let mut attempts = Vec::with_capacity(input.len());
    let mut all_errors = Vec::new();
    let mut max_calls_per_delivery = 0;
    for (n, delivery) in input.iter().enumerate() {
        let events: Vec<LogEvent<'_>> = delivery
            .events
            .iter()
            .map(|(id, timestamp, message)| LogEvent {
                id,
                timestamp: *timestamp,
                message,
            })
            .collect();
        let mut errors = Vec::new();
        loop {
            let calls_before = faults(endpoint)["dynamodb_calls"].as_u64().unwrap();
            match service
                .handle_log_events(LOG_GROUP, &delivery.log_stream, ACCOUNT, &events)
                .await
            {
                Ok(_) => {
                    let calls = faults(endpoint)["dynamodb_calls"].as_u64().unwrap();
                    max_calls_per_delivery = max_calls_per_delivery.max(calls - calls_before);
                    break;
                }
                Err(error) => {
                    errors.push(error.to_string());
                    assert!(
                        errors.len() < MAX_ATTEMPTS,
                        "{name}: delivery {n} still fails after {MAX_ATTEMPTS} attempts: {errors:#?}"
                    );
                }
            }
        }
        attempts.push(errors.len() + 1);
        all_errors.extend(errors);
    }

    let mut alerts = BTreeMap::new();
    for severity in SEVERITIES {
        for message in drain(moto, &format!("{name}-alerts-{severity}")) {
            let key = format!(
                "{severity} | {} | {}",
                message["Subject"].as_str().unwrap_or(""),
                message["Message"].as_str().unwrap()
            );
            *alerts.entry(key).or_insert(0) += 1;
        }
    }
    Outcome {
        items: items(&dynamodb, name).await,
        alerts,
        attempts,
        errors: all_errors,
        max_calls_per_delivery,
    }
}

/// The fault-free run of the input, through a proxy that injects nothing (to
/// count the calls), on its own moto_server; computed once for all scenarios.
async fn reference() -> &'static Outcome {
    static REFERENCE: tokio::sync::OnceCell<Outcome> = tokio::sync::OnceCell::const_new();
    REFERENCE
        .get_or_init(|| async {
            let moto = Service::moto();
            let clean = Service::fault_proxy(&moto.url(), &[]);
            let outcome = run(
                &moto,
                &clean,
                "reference",
                SdkRetries::Deployed,
                &deliveries(),
            )
            .await;
            assert!(outcome.attempts.iter().all(|&a| a == 1));
            outcome
        })
        .await
}

/// The duplicates the dedupe contract allows: one per Publish that SNS
/// accepted while the service saw a failure (its reply was lost: the SDK or
/// the redelivery publishes again), and one per invocation that failed
/// because marking a published alert failed for good (the redelivery claims
/// the event again). A mark whose reply was lost took effect and causes none;
/// the proxy's message tells those apart.
fn allowed_duplicates(faults: &Value, errors: &[String]) -> usize {
    let lost_publishes = faults["sns_lost_replies"].as_u64().unwrap() as usize;
    let failed_marks = errors
        .iter()
        .filter(|e| e.contains("(alert published)") && !e.contains("stands for a lost one"))
        .count();
    lost_publishes + failed_marks
}

/// Runs the input fault-free and through the proxy with `flags`, and checks
/// the faulty run against the reference. `{K}` in `flags` stands for twice
/// the most DynamoDB calls one delivery makes, plus one: more than a
/// redelivery makes (a repeat counted already takes a third call), so a
/// delivery that failed once gets through on its next attempt.
async fn scenario(name: &str, retries: SdkRetries, flags: &[&str]) -> Value {
    let input = deliveries();
    let reference = reference().await;
    let moto = Service::moto();
    let k = (2 * reference.max_calls_per_delivery + 1).to_string();
    let flags: Vec<String> = flags.iter().map(|f| f.replace("{K}", &k)).collect();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let proxy = Service::fault_proxy(&moto.url(), &flags);
    let faulty = run(&moto, &proxy, "faulty", retries, &input).await;
    let faults = faults(&proxy);

    // Summaries, legs, pending qualities and dedupe states: exactly the reference's.
    let differing: Vec<String> = reference
        .items
        .keys()
        .chain(faulty.items.keys())
        .filter(|key| reference.items.get(*key) != faulty.items.get(*key))
        .map(|key| {
            format!(
                "{key}:\n  reference {}\n  faulty    {}",
                reference
                    .items
                    .get(key)
                    .map_or("-".into(), Value::to_string),
                faulty.items.get(key).map_or("-".into(), Value::to_string)
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{name}: DynamoDB items differ from the fault-free run:\n{}",
        differing.join("\n")
    );

    // Alerts: every reference alert, with the same body (held-back counts
    // included), and no other; duplicates exactly as the contract allows.
    let missing_or_new: Vec<String> = reference
        .alerts
        .keys()
        .chain(faulty.alerts.keys())
        .filter(|key| !reference.alerts.contains_key(*key) || !faulty.alerts.contains_key(*key))
        .map(|key| {
            format!(
                "{} {key}",
                if faulty.alerts.contains_key(key) {
                    "new    "
                } else {
                    "missing"
                }
            )
        })
        .collect();
    assert!(
        missing_or_new.is_empty(),
        "{name}: alerts differ from the fault-free run:\n{}",
        missing_or_new.join("\n")
    );
    let published: usize = faulty.alerts.values().sum();
    let expected: usize = reference.alerts.values().sum();
    let duplicates = published - expected;
    assert!(
        faulty
            .alerts
            .iter()
            .all(|(key, n)| *n >= reference.alerts[key]),
        "{name}: an alert was published fewer times than in the fault-free run"
    );
    assert_eq!(
        duplicates,
        allowed_duplicates(&faults, &faulty.errors),
        "{name}: duplicates beyond the dedupe contract; faults {faults}"
    );

    let invocations: usize = faulty.attempts.iter().sum();
    let beyond_lambda = faulty
        .attempts
        .iter()
        .filter(|&&a| a > LAMBDA_ATTEMPTS)
        .count();
    eprintln!(
        "{name}: {} deliveries, {invocations} invocations (at most {} for one delivery, {beyond_lambda} beyond Lambda's {LAMBDA_ATTEMPTS}), \
         {} DynamoDB calls ({} throttled, {} failed, {} lost replies), {} SNS Publish calls ({} throttled, {} failed, {} lost replies), \
         {} items, {expected} alerts in the reference, {published} published ({duplicates} duplicates), K = {k}",
        input.len(),
        faulty.attempts.iter().max().unwrap(),
        faults["dynamodb_calls"],
        faults["dynamodb_throttled"],
        faults["dynamodb_errors"],
        faults["dynamodb_lost_replies"],
        faults["sns_publish_calls"],
        faults["sns_throttled"],
        faults["sns_errors"],
        faults["sns_lost_replies"],
        faulty.items.len(),
    );
    json!({ "faults": faults, "attempts": faulty.attempts, "reference_alerts": expected, "duplicates": duplicates, "errors": faulty.errors.len() })
}

fn count(outcome: &Value, key: &str) -> u64 {
    outcome["faults"][key].as_u64().unwrap()
}

/// How many injected faults hit DynamoDB requests of `operation` whose update
/// expression contains `update` (empty: any).
fn hits(outcome: &Value, operation: &str, update: &str) -> usize {
    outcome["faults"]["injected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["operation"] == operation
                && f["update_expression"]
                    .as_str()
                    .unwrap_or("")
                    .contains(update)
        })
        .count()
}

fn max_attempts(outcome: &Value) -> u64 {
    outcome["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_u64().unwrap())
        .max()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_input_exercises_summaries_and_dedupe() {
    let input = deliveries();
    let events: usize = input.iter().map(|d| d.events.len()).sum();
    assert!(input.len() >= 30, "{} deliveries", input.len());
    assert!(events >= 70, "{events} events");
    assert!(input.iter().all(|d| d.events.len() <= EVENTS_PER_DELIVERY));
    let reference = reference().await;
    let count_items = |prefix: &str, sk: &str| {
        reference
            .items
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && k.contains(sk))
            .count()
    };
    assert_eq!(
        count_items("SESSION#", "|META"),
        6,
        "two fixture sessions and four generated"
    );
    assert_eq!(count_items("SESSION#", "|LEG#"), 17);
    assert!(count_items("CALLQ#", "|QUALITY") >= 5);
    assert!(count_items("ALERT#", "|STATE") >= 4);
    let active: Vec<&Value> = reference
        .items
        .values()
        .filter(|item| item.get("gsi2pk") == Some(&json!({"S": "ACTIVE"})))
        .collect();
    assert_eq!(active.len(), 1, "support.clinic is still running");
    let pending_first = &reference.items["SESSION#5e550002-0000-4000-8000-000000000002|LEG#ca110201-0000-4000-8000-000000000000"];
    assert_eq!(
        pending_first["worst_quality_name"],
        json!({"S": "terrible"}),
        "a quality change seen before its leg reaches the leg"
    );
    // The storm spans three windows: three alerts, the later ones reporting what they held back.
    let storm: Vec<&String> = reference
        .alerts
        .keys()
        .filter(|k| k.contains("Connectivity lost to node") && k.contains("10.1.1.129"))
        .collect();
    assert_eq!(storm.len(), 3, "{storm:#?}");
    assert_eq!(
        storm
            .iter()
            .filter(|k| k.contains("7 repeat(s) of this alert were held back"))
            .count(),
        2,
        "{storm:#?}"
    );
    assert!(reference.alerts.values().all(|&n| n == 1));
    eprintln!(
        "input: {} deliveries, {events} events, {} items, {} alerts, at most {} DynamoDB calls per delivery",
        input.len(),
        reference.items.len(),
        reference.alerts.len(),
        reference.max_calls_per_delivery
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_throttling_is_retried_by_the_sdk() {
    let outcome = scenario(
        "dynamodb throttling",
        SdkRetries::Deployed,
        &["--ddb-throttle-every", "3"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_throttled") >= 60);
    assert_eq!(
        max_attempts(&outcome),
        1,
        "the SDK classifies the answer as throttling and retries it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_errors_are_retried_by_the_sdk() {
    let outcome = scenario(
        "dynamodb errors",
        SdkRetries::Deployed,
        &["--ddb-error-every", "4"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_errors") >= 50);
    assert_eq!(max_attempts(&outcome), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_lost_replies_retried_by_the_sdk_change_nothing() {
    let outcome = scenario(
        "dynamodb lost replies",
        SdkRetries::Deployed,
        &["--ddb-lost-reply-every", "4"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_lost_replies") >= 60);
    assert_eq!(max_attempts(&outcome), 1);
    assert_eq!(outcome["duplicates"], 0);
    // The lost replies fell on every kind of write, the dedupe claims included.
    for (operation, update) in [
        ("UpdateItem", "if_not_exists(suppressed"),
        ("UpdateItem", "ADD suppressed"),
        ("UpdateItem", "published = :yes"),
        ("UpdateItem", "= if_not_exists(#f0"),
        ("UpdateItem", "joined_ms = :j"),
        ("UpdateItem", "left_ms = :l"),
        ("UpdateItem", "worst_quality = :q"),
        ("PutItem", ""),
    ] {
        assert!(
            hits(&outcome, operation, update) > 0,
            "no lost reply on {operation} {update:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sns_throttling_and_errors_are_retried_by_the_sdk() {
    let outcome = scenario(
        "sns throttling and errors",
        SdkRetries::Deployed,
        &["--sns-throttle-every", "2", "--sns-error-every", "3"],
    )
    .await;
    assert!(count(&outcome, "sns_throttled") >= 8);
    assert!(count(&outcome, "sns_errors") >= 4);
    assert_eq!(max_attempts(&outcome), 1);
    assert_eq!(outcome["duplicates"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sns_lost_replies_duplicate_exactly_those_alerts() {
    let outcome = scenario(
        "sns lost replies",
        SdkRetries::Deployed,
        &["--sns-lost-reply-every", "2"],
    )
    .await;
    assert!(count(&outcome, "sns_lost_replies") >= 8);
    assert_eq!(
        outcome["duplicates"].as_u64().unwrap(),
        count(&outcome, "sns_lost_replies")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivery_after_dynamodb_throttling() {
    let outcome = scenario(
        "redelivery after dynamodb throttling",
        SdkRetries::None,
        &["--ddb-throttle-every", "{K}"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_throttled") >= 5);
    assert_eq!(max_attempts(&outcome), 2, "one redelivery gets through");
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivery_after_dynamodb_errors() {
    let outcome = scenario(
        "redelivery after dynamodb errors",
        SdkRetries::None,
        &["--ddb-error-every", "{K}"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_errors") >= 5);
    assert_eq!(max_attempts(&outcome), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivery_after_dynamodb_lost_replies() {
    let outcome = scenario(
        "redelivery after dynamodb lost replies",
        SdkRetries::None,
        &["--ddb-lost-reply-every", "{K}"],
    )
    .await;
    assert!(count(&outcome, "dynamodb_lost_replies") >= 5);
    assert_eq!(max_attempts(&outcome), 2);
    assert_eq!(outcome["duplicates"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn redelivery_after_sns_faults() {
    let outcome = scenario(
        "redelivery after sns faults",
        SdkRetries::None,
        &[
            "--sns-throttle-every",
            "4",
            "--sns-error-every",
            "7",
            "--sns-lost-reply-every",
            "5",
        ],
    )
    .await;
    assert!(count(&outcome, "sns_lost_replies") >= 3);
    assert!(count(&outcome, "sns_throttled") >= 3);
    assert!(count(&outcome, "sns_errors") >= 2);
    assert!(outcome["errors"].as_u64().unwrap() >= 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_once_retried_by_the_sdk() {
    let outcome = scenario(
        "every fault, SDK retries",
        SdkRetries::Deployed,
        &[
            "--ddb-throttle-every",
            "7",
            "--ddb-error-every",
            "11",
            "--ddb-lost-reply-every",
            "5",
            "--sns-throttle-every",
            "4",
            "--sns-error-every",
            "7",
            "--sns-lost-reply-every",
            "5",
        ],
    )
    .await;
    assert!(count(&outcome, "dynamodb_lost_replies") >= 30);
    assert!(count(&outcome, "sns_lost_replies") >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_once_with_redelivery() {
    let outcome = scenario(
        "every fault, redelivery",
        SdkRetries::None,
        &[
            "--ddb-throttle-every",
            "71",
            "--ddb-error-every",
            "89",
            "--ddb-lost-reply-every",
            "53",
            "--sns-throttle-every",
            "7",
            "--sns-error-every",
            "11",
            "--sns-lost-reply-every",
            "5",
        ],
    )
    .await;
    assert!(count(&outcome, "dynamodb_lost_replies") >= 3);
    assert!(count(&outcome, "sns_lost_replies") >= 2);
}
