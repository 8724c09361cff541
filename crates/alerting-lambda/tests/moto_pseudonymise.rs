//! The alerting service with pseudonymisation on, against moto_server on
//! 127.0.0.1: the key read from a Secrets Manager secret at start (the binary's
//! path), then no original alias, display name, user name or IP address
//! anywhere in DynamoDB (the whole table scanned) or in the SNS deliveries,
//! while sessions count the same people and the alias index answers tokens.

use logwrangler_testkit::moto as support;

mod queues;

use std::collections::BTreeMap;

use alerting_lambda::config::Config;
use alerting_lambda::notify::SnsNotifier;
use alerting_lambda::store::{self, DynamoStore};
use alerting_lambda::{Alerting, LogEvent};
use logwrangler::Pseudonymiser;
use logwrangler::pseudonym::Kind;
use queues::{ACCOUNT, drain};
use serde_json::{Value, json};
use support::{Service, http_with};
use transform_lambda::secrets::SecretsManager;

const KEY: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
const SECRET: &str = "logwrangler/pseudonymise-key";
/// Personal values of the Pexip fixture and of the app event below.
const PERSONAL: &[&str] = &[
    "Alice Jones",
    "bob@example.com",
    "Builder",
    "room1@example.com",
    "Board Room 1",
    "185.217.119.28",
    "204.10.5.223",
    "140.242.250.202",
    "carol@example.com",
    "Carol Danvers",
    "203.0.113.44",
];

/// A moto call in a service's JSON or query protocol (moto routes by the
/// credential scope and checks no signature).
fn moto_call(moto: &Service, service: &str, headers: &[(&str, &str)], body: &str) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let mut all = vec![("Authorization", auth.as_str())];
    all.extend_from_slice(headers);
    let (status, body) = http_with("POST", &moto.url(), body.as_bytes(), &all);
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_personal_reaches_dynamodb_or_sns() {
    let moto = Service::moto();
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    moto_call(
        &moto,
        "secretsmanager",
        &[
            ("X-Amz-Target", "secretsmanager.CreateSecret"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        &json!({"Name": SECRET, "SecretString": KEY}).to_string(),
    );
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    store::create_table(&dynamodb, "logwrangler").await.unwrap();
    let sns = aws_sdk_sns::Client::new(&aws);
    let mut vars: BTreeMap<String, String> = BTreeMap::from([
        ("LOGWRANGLER_TABLE".into(), "logwrangler".into()),
        ("LOGWRANGLER_ALERT_MIN_SEVERITY".into(), "info".into()),
        ("LOGWRANGLER_PSEUDONYMISE_KEY_SECRET".into(), SECRET.into()),
    ]);
    let queues: Vec<String> = queues::alert_topics(&moto, &sns, "logwrangler", "alerts", &mut vars)
        .await
        .into_iter()
        .map(|(_, queue)| queue)
        .collect();
    // The binary's start: the key secret read from Secrets Manager.
    let config = Config::load(
        |name| vars.get(name).cloned(),
        &SecretsManager::from_sdk_config(&aws),
    )
    .await
    .expect("the key secret is read");
    let key = Pseudonymiser::from_key_text(KEY).unwrap();
    assert_eq!(
        config.pseudonymiser.as_ref().unwrap().key_id(),
        key.key_id()
    );
    let store = DynamoStore::new(dynamodb.clone(), "logwrangler", 30);
    let notifier = SnsNotifier::new(sns, config.topics.clone());
    let service = Alerting::new(&config, store, notifier, None).unwrap();

    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/pexip/support.log",
        support::ROOT
    ))
    .unwrap();
    let events: Vec<(String, i64, String)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            (
                format!("cw-{i:04}"),
                1_772_446_500_000 + i as i64 * 1000,
                line.to_owned(),
            )
        })
        .collect();
    let events: Vec<LogEvent<'_>> = events
        .iter()
        .map(|(id, timestamp, message)| LogEvent {
            id,
            timestamp: *timestamp,
            message,
        })
        .collect();
    let report = service
        .handle_log_events("/pexip/support", "px-conf01", ACCOUNT, &events)
        .await
        .unwrap();
    assert!(
        report.legs_updated >= 9 && report.alerts_published >= 2,
        "{report:?}"
    );
    let body = br#"{"log_level": "FATAL", "message": "login failed for carol@example.com from 203.0.113.44", "source_application": "portal", "user": {"name": "Carol Danvers"}, "client_ip": "203.0.113.44"}"#;
    let answer = service
        .handle_api("POST", "/logs", body, "req-1", 1_772_449_200_000)
        .await
        .unwrap();
    assert_eq!(answer.status, 202, "{}", answer.body);

    // The same people, counted the same as without pseudonymisation.
    let store = service.store();
    let sessions = store.conference_sessions("meet.alice").await.unwrap();
    assert_eq!(sessions[0]["participants_total"], 2);
    assert_eq!(sessions[0]["max_concurrent"], 2);
    // The alias index answers tokens, not addresses.
    let bob = key.pseudonymise(Kind::Alias, "sip:bob@example.com");
    let calls = store.alias_calls(&bob, 10).await.unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0]["remote_address"],
        key.pseudonymise(Kind::Ip, "204.10.5.223")
    );
    assert!(
        store
            .alias_calls("sip:bob@example.com", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Nothing personal anywhere in the table.
    let mut table = String::new();
    let mut start = None;
    loop {
        let page = dynamodb
            .scan()
            .table_name("logwrangler")
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            table.push_str(&Value::Object(store::to_json(item)).to_string());
            table.push('\n');
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert!(
        table.contains("anon-alias-") && table.contains("portal"),
        "{table}"
    );
    let deliveries: Vec<String> = queues
        .iter()
        .flat_map(|q| drain(&moto, q))
        .map(|delivery| delivery.to_string())
        .collect();
    assert!(deliveries.len() >= 3, "{deliveries:?}");
    let deliveries = deliveries.join("\n");
    for value in PERSONAL {
        assert!(!table.contains(value), "{value} in DynamoDB:\n{table}");
        assert!(
            !deliveries.contains(value),
            "{value} in an SNS delivery:\n{deliveries}"
        );
    }
}
