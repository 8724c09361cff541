//! The per-topic alert budget against moto_server (real aws-sdk-dynamodb and
//! aws-sdk-sns clients, SQS subscriptions observing deliveries): 200
//! distinct alarms in one minute, delivered by four concurrent invocations and
//! then redelivered, give at most budget + 1 messages on the critical topic,
//! and the one digest accounts for every alarm that was not sent.

use logwrangler_testkit::moto as support;

mod queues;

use std::collections::{BTreeMap, BTreeSet};

use alerting_lambda::config::Config;
use alerting_lambda::notify::SnsNotifier;
use alerting_lambda::store::{self, DynamoStore};
use alerting_lambda::{Alerting, LogEvent, Report};
use queues::{ACCOUNT, drain};
use support::Service;

async fn service(moto: &Service, vars: &mut BTreeMap<String, String>) -> (Alerting, String) {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    store::create_table(&dynamodb, "logwrangler").await.unwrap();
    let sns = aws_sdk_sns::Client::new(&config);
    vars.insert("LOGWRANGLER_TABLE".into(), "logwrangler".into());
    let queues: BTreeMap<&str, String> = queues::alert_topics(moto, &sns, "lw", "budget", vars)
        .await
        .into_iter()
        .collect();
    let values = Config::from_vars(|name| vars.get(name).cloned()).unwrap();
    let store = DynamoStore::new(dynamodb, "logwrangler", 30);
    let notifier = SnsNotifier::new(sns, values.topics.clone());
    let service = Alerting::new(&values, store, notifier, None).unwrap();
    (service, queues["critical"].clone())
}

/// 200 distinct alarm-raised lines (critical by the built-in rules), 0.3 s
/// apart: one minute.
fn alarms() -> Vec<(String, i64, String)> {
    (0..200)
        .map(|i| {
            let ms = 1_772_449_200_000 + i as i64 * 300;
            let time = logwrangler::time::iso_string(ms);
            let (date, clock) = (&time[..10], &time[11..23]);
            let line = format!(
                r#"{date}T{clock}+00:00 px-mgr01 {date} {},{} Level="WARNING" Name="administrator.alarm" Message="Alarm raised" Node="10.1.{}.{}" Alarm="Capacity limit node{i}" Instance="px-conf{i:03}" Time="{date} {clock}" Detail="Media capacity exhausted""#,
                &clock[..8],
                &clock[9..12],
                i / 250,
                i % 250
            );
            (format!("alarm-{i:03}"), ms, line)
        })
        .collect()
}

async fn deliver(service: &Alerting, events: &[(String, i64, String)]) -> Report {
    let events: Vec<LogEvent<'_>> = events
        .iter()
        .map(|(id, ts, message)| LogEvent {
            id,
            timestamp: *ts,
            message,
        })
        .collect();
    service
        .handle_log_events("/pexip/support", "px-mgr01", ACCOUNT, &events)
        .await
        .expect("delivery succeeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_distinct_alarms_in_a_minute_give_the_budget_and_one_digest() {
    let moto = Service::moto();
    let mut vars = BTreeMap::new();
    let (service, queue) = service(&moto, &mut vars).await;
    let alarms = alarms();

    // Four invocations at once, a quarter each: the budget holds across them.
    let q: Vec<&[(String, i64, String)]> = alarms.chunks(50).collect();
    let (a, b, c, d) = tokio::join!(
        deliver(&service, q[0]),
        deliver(&service, q[1]),
        deliver(&service, q[2]),
        deliver(&service, q[3])
    );
    let mut reports = vec![a, b, c, d];
    // The window is still open: nothing is digested yet. Five minutes (and
    // the grace minute) later the digest goes out, once.
    assert_eq!(
        reports.iter().map(|r| r.digests_published).sum::<usize>(),
        0
    );
    let later = now_ms() + 7 * 60_000;
    let mut flushed = Report::default();
    service.flush_digests(later, &mut flushed).await.unwrap();
    let mut twice = Report::default();
    service.flush_digests(later, &mut twice).await.unwrap();
    assert_eq!(twice.digests_published, 0, "one digest per window");
    reports.push(flushed);
    let published: usize = reports.iter().map(|r| r.alerts_published).sum();
    let held: usize = reports.iter().map(|r| r.alerts_held).sum();
    let digests: usize = reports.iter().map(|r| r.digests_published).sum();
    assert_eq!(published - digests + held, 200, "{reports:?}");
    assert_eq!(
        published - digests,
        5,
        "the default budget is 5 per 5 minutes: {reports:?}"
    );
    assert_eq!(digests, 1, "{reports:?}");

    // A redelivery of everything (Lambda retries) sends nothing more.
    let again = deliver(&service, &alarms).await;
    assert_eq!(again.alerts_published, 0, "{again:?}");
    let mut after = Report::default();
    service.flush_digests(later, &mut after).await.unwrap();
    assert_eq!(after.digests_published, 0, "{after:?}");

    let messages = drain(&moto, &queue);
    assert!(messages.len() <= 5 + 1, "{} messages", messages.len());
    assert_eq!(messages.len(), 6);
    let digest: Vec<&str> = messages
        .iter()
        .map(|m| m["Message"].as_str().unwrap())
        .filter(|body| body.contains("held over the topic's budget"))
        .collect();
    assert_eq!(digest.len(), 1, "one digest");
    let body = digest[0];
    assert!(
        body.starts_with("195 critical alert(s) were held"),
        "{body}"
    );
    assert!(body.contains("(195 fingerprint(s))"), "{body}");
    // Every alarm is accounted for: sent alone, or a line of the digest.
    let sent_subjects: BTreeSet<String> = messages
        .iter()
        .map(|m| m["Subject"].as_str().unwrap().to_owned())
        .filter(|s| !s.starts_with("logwrangler digest"))
        .collect();
    assert_eq!(sent_subjects.len(), 5);
    let lines: Vec<&str> = body.lines().filter(|l| l.starts_with("- x1 ")).collect();
    assert_eq!(lines.len(), 195, "{body}");
    for line in &lines {
        assert!(line.contains("| sources: "), "{line}");
        assert!(line.contains("| first 2026-03-02T"), "{line}");
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
