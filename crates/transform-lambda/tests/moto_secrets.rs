//! The pseudonymisation key read from a Secrets Manager secret through the
//! real aws-sdk-secretsmanager client, against moto_server on 127.0.0.1:
//! the cold-start path of both Lambdas ([`Config::load`]), then a Firehose
//! request whose output carries tokens instead of the participant's data.

use logwrangler_testkit::moto as support;

use std::collections::HashMap;

use aws_sdk_secretsmanager::config::{Credentials, Region};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::Pseudonymiser;
use logwrangler::pseudonym::Kind;
use logwrangler_aws::firehose::{InputRecord, Request};
use logwrangler_aws::secrets::SecretsManager;
use logwrangler_aws::sink::FirehoseSink;
use serde_json::{Value, json};
use support::Service;
use transform_lambda::config::Config;

const KEY: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
const LINE: &str = r#"2026-03-02T10:16:30.479+00:00 px-conf01 2026-03-02 10:16:30,478 Level="INFO" Name="administrator.conference" Message="Participant has joined." Conference="meet.alice" Participant="sip:bob@example.com" DisplayName="Bob Smith" Protocol="SIP" Call-id="ab6dabf8-437e-45c8-8f7d-6978c44116c9" Remote-address="204.10.5.223""#;

fn secrets_client(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_read_from_a_secret_at_cold_start() {
    let moto = Service::moto();
    let client = secrets_client(&moto.url());
    client
        .create_secret()
        .name("logwrangler/pseudonymise-key")
        .secret_string(KEY)
        .send()
        .await
        .expect("moto stores the secret");
    let store = SecretsManager::with_client(client);

    let config = Config::load(
        vars(&[(
            "LOGWRANGLER_PSEUDONYMISE_KEY_SECRET",
            "logwrangler/pseudonymise-key",
        )]),
        &store,
    )
    .await
    .expect("the secret is read");
    let expected = Pseudonymiser::from_key_text(KEY).unwrap();
    let loaded = config
        .parser
        .pseudonymiser()
        .expect("pseudonymisation is on");
    assert_eq!(loaded.key_id(), expected.key_id());

    // The output of a Direct PUT record carries tokens only.
    let request = Request {
        invocation_id: "moto-secrets".into(),
        delivery_stream_arn: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/lake".into(),
        region: "eu-west-1".into(),
        records: vec![InputRecord {
            record_id: "r1".into(),
            approximate_arrival_timestamp: Some(1_772_446_590_000),
            data: Value::String(BASE64.encode(LINE)),
        }],
    };
    let (response, report) =
        transform_lambda::process(&request, &config, None::<&FirehoseSink>).await;
    assert_eq!(report.ok, 1);
    let response: Value = serde_json::from_slice(&response).unwrap();
    let data = BASE64
        .decode(response["records"][0]["data"].as_str().unwrap())
        .unwrap();
    let record: Value = serde_json::from_slice(&data).unwrap();
    let text = record.to_string();
    for gone in ["bob@example.com", "Bob Smith", "204.10.5.223"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    assert_eq!(
        record["participant"],
        json!(expected.pseudonymise(Kind::Alias, "sip:bob@example.com"))
    );
    assert_eq!(record["conference"], "meet.alice");

    // A secret that does not exist stops the cold start, saying what to check.
    let err = Config::load(
        vars(&[("LOGWRANGLER_PSEUDONYMISE_KEY_SECRET", "logwrangler/missing")]),
        &store,
    )
    .await
    .unwrap_err();
    assert!(
        err.message()
            .contains("cannot read the pseudonymisation key from secret \"logwrangler/missing\"")
            && err.message().contains("ResourceNotFoundException")
            && err.message().contains("secretsmanager:GetSecretValue"),
        "{err}"
    );
    assert!(!err.message().contains(KEY));
}
