//! SNS deliveries read back from SQS queues on moto_server, over SQS's query
//! API (the alerting crate itself has no SQS client to borrow).

use serde_json::Value;

use crate::support::{Service, http_with};

/// The account moto_server answers for.
pub const ACCOUNT: &str = "123456789012";

const SQS_AUTH: (&str, &str) = (
    "Authorization",
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
);

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One SQS query API call; the XML answer.
pub fn sqs(moto: &Service, params: &[(&str, &str)]) -> String {
    let form: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    let (status, body) = http_with(
        "POST",
        &moto.url(),
        form.join("&").as_bytes(),
        &[
            SQS_AUTH,
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    );
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn xml_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every SNS notification waiting in a queue (the SNS JSON envelopes).
pub fn drain(moto: &Service, queue: &str) -> Vec<Value> {
    let url = format!("{}/{ACCOUNT}/{queue}", moto.url());
    let mut out = Vec::new();
    loop {
        let body = sqs(
            moto,
            &[
                ("Action", "ReceiveMessage"),
                ("QueueUrl", &url),
                ("MaxNumberOfMessages", "10"),
                ("VisibilityTimeout", "600"),
            ],
        );
        let messages: Vec<Value> = body
            .split("<Body>")
            .skip(1)
            .map(|rest| {
                serde_json::from_str(&xml_unescape(rest.split("</Body>").next().unwrap())).unwrap()
            })
            .collect();
        if messages.is_empty() {
            return out;
        }
        out.extend(messages);
    }
}

/// The five severity topics `<topic_prefix>-<severity>`, each with queue
/// `<queue_prefix>-<severity>` subscribed; their ARNs go into `vars` as the
/// alerting configuration names them. Returns (severity, queue) pairs.
pub async fn alert_topics(
    moto: &Service,
    sns: &aws_sdk_sns::Client,
    topic_prefix: &str,
    queue_prefix: &str,
    vars: &mut std::collections::BTreeMap<String, String>,
) -> Vec<(&'static str, String)> {
    let mut queues = Vec::new();
    for severity in ["critical", "error", "warning", "info", "debug"] {
        let topic = sns
            .create_topic()
            .name(format!("{topic_prefix}-{severity}"))
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        let queue = format!("{queue_prefix}-{severity}");
        sqs(moto, &[("Action", "CreateQueue"), ("QueueName", &queue)]);
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{queue}"))
            .send()
            .await
            .unwrap();
        vars.insert(
            format!("LOGWRANGLER_TOPIC_{}_ARN", severity.to_uppercase()),
            topic,
        );
        queues.push((severity, queue));
    }
    queues
}
