//! The alerting side of a local stack: the DynamoDB table and the five SNS
//! topics on moto_server, each topic with an SQS queue subscribed so that every
//! published alert can be read back, and subscription filter #2, which picks
//! the events CloudWatch Logs would hand to the alerting Lambda.

use std::collections::BTreeMap;

use crate::filter::MessageFilter;
use anyhow::{Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use logwrangler::Severity;
#[cfg(test)]
use logwrangler::subscription::TermPattern;
use serde::Serialize;
use serde_json::Value;

use logwrangler_generator::LogBatch;

/// The account moto_server reports for the test credentials.
pub const LOCAL_ACCOUNT: &str = "123456789012";
/// The region of every local resource.
pub const LOCAL_REGION: &str = "us-east-1";
/// The subscription filter names the envelopes carry (the CDK stack's names).
pub const LAKE_FILTER: &str = "logwrangler-lake";
pub const ALERTING_FILTER: &str = "logwrangler-alerting";

/// An SDK configuration for a local endpoint: fixed test credentials, one
/// region, the endpoint for every service.
pub fn local_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "local"),
        ))
        .build()
}

/// The events of `batch` that subscription filter #2 delivers, as the batch
/// CloudWatch Logs would send to the alerting Lambda; `None` when none pass.
pub fn alerting_delivery(batch: &LogBatch, pattern: &impl MessageFilter) -> Option<LogBatch> {
    let events: Vec<_> = batch
        .events
        .iter()
        .filter(|event| pattern.passes(&event.message))
        .cloned()
        .collect();
    (!events.is_empty()).then(|| LogBatch {
        log_group: batch.log_group.clone(),
        log_stream: batch.log_stream.clone(),
        owner: batch.owner.clone(),
        events,
    })
}

/// One alert as it arrived in a topic's SQS queue.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveredAlert {
    pub severity: Severity,
    pub subject: String,
    pub message: String,
    /// SNS message attributes (name -> string value).
    pub attributes: BTreeMap<String, String>,
}

/// The table, topics and queues of the alerting Lambda on moto_server.
pub struct AlertingResources {
    pub table: String,
    /// Topic ARN per severity.
    pub topics: BTreeMap<Severity, String>,
    /// Queue URL subscribed to each severity's topic.
    pub queues: BTreeMap<Severity, String>,
    sqs: aws_sdk_sqs::Client,
}

impl AlertingResources {
    /// Creates the table (as the stack defines it) and the five topics, each
    /// with an SQS subscription delivering raw SNS envelopes.
    pub async fn create(sdk: &SdkConfig, table: &str) -> Result<AlertingResources> {
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
        alerting_lambda::store::create_table(&dynamodb, table)
            .await
            .context("creating the DynamoDB table on moto_server")?;
        let sns = aws_sdk_sns::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let mut topics = BTreeMap::new();
        let mut queues = BTreeMap::new();
        for severity in Severity::ALL {
            let name = format!("{table}-{}", severity.as_str());
            let topic = sns
                .create_topic()
                .name(&name)
                .send()
                .await
                .with_context(|| format!("creating SNS topic {name}"))?
                .topic_arn
                .context("CreateTopic returned no ARN")?;
            let queue = sqs
                .create_queue()
                .queue_name(&name)
                .send()
                .await
                .with_context(|| format!("creating SQS queue {name}"))?
                .queue_url
                .context("CreateQueue returned no URL")?;
            sns.subscribe()
                .topic_arn(&topic)
                .protocol("sqs")
                .endpoint(format!("arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{name}"))
                .send()
                .await
                .with_context(|| format!("subscribing queue {name} to its topic"))?;
            topics.insert(severity, topic);
            queues.insert(severity, queue);
        }
        Ok(AlertingResources {
            table: table.to_string(),
            topics,
            queues,
            sqs,
        })
    }

    /// The alerting Lambda's environment for these resources.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut vars = vec![("LOGWRANGLER_TABLE".to_string(), self.table.clone())];
        for (severity, arn) in &self.topics {
            vars.push((
                format!("LOGWRANGLER_TOPIC_{}_ARN", severity.as_str().to_uppercase()),
                arn.clone(),
            ));
        }
        vars
    }

    /// Reads and deletes every alert waiting in the queues.
    pub async fn drain(&self) -> Result<Vec<DeliveredAlert>> {
        let mut alerts = Vec::new();
        for (severity, queue) in &self.queues {
            loop {
                let received = self
                    .sqs
                    .receive_message()
                    .queue_url(queue)
                    .max_number_of_messages(10)
                    .send()
                    .await
                    .with_context(|| format!("reading the {} alert queue", severity.as_str()))?;
                let messages = received.messages.unwrap_or_default();
                if messages.is_empty() {
                    break;
                }
                for message in messages {
                    alerts.push(delivered_alert(*severity, message.body().unwrap_or("{}"))?);
                    if let Some(handle) = message.receipt_handle() {
                        self.sqs
                            .delete_message()
                            .queue_url(queue)
                            .receipt_handle(handle)
                            .send()
                            .await
                            .context("deleting a read alert")?;
                    }
                }
            }
        }
        Ok(alerts)
    }
}

/// An SNS notification envelope (what an SQS subscription receives) as an alert.
fn delivered_alert(severity: Severity, body: &str) -> Result<DeliveredAlert> {
    let envelope: Value = serde_json::from_str(body)
        .with_context(|| format!("SQS message is not an SNS envelope: {body:.200}"))?;
    let text = |key: &str| envelope[key].as_str().unwrap_or_default().to_string();
    let attributes = envelope["MessageAttributes"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(name, value)| {
                    let value = value["Value"].as_str().unwrap_or_default().to_string();
                    (name.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(DeliveredAlert {
        severity,
        subject: text("Subject"),
        message: text("Message"),
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler_generator::LogEvent;

    #[test]
    fn only_matching_events_go_to_the_alerting_lambda() {
        let event = |id: &str, message: &str| LogEvent {
            id: id.into(),
            timestamp: 1,
            message: message.into(),
        };
        let batch = LogBatch {
            log_group: "/pexip/infinity/support".into(),
            log_stream: "px-conf-01".into(),
            owner: LOCAL_ACCOUNT.into(),
            events: vec![
                event("1", "Level=\"INFO\" Name=\"support.sip\" Message=\"x\""),
                event(
                    "2",
                    "Level=\"INFO\" Name=\"administrator.conference\" Message=\"y\"",
                ),
            ],
        };
        let delivered = alerting_delivery(&batch, &TermPattern::alerting()).unwrap();
        assert_eq!(delivered.events.len(), 1);
        assert_eq!(delivered.events[0].id, "2");
        let quiet = LogBatch {
            events: vec![batch.events[0].clone()],
            ..batch
        };
        assert!(alerting_delivery(&quiet, &TermPattern::alerting()).is_none());
    }

    #[test]
    fn sns_envelopes_read_as_alerts() {
        let body = r#"{"Type":"Notification","Subject":"CRITICAL px01","Message":"text",
            "MessageAttributes":{"severity":{"Type":"String","Value":"critical"}}}"#;
        let alert = delivered_alert(Severity::Critical, body).unwrap();
        assert_eq!(alert.subject, "CRITICAL px01");
        assert_eq!(alert.attributes["severity"], "critical");
        assert!(delivered_alert(Severity::Info, "not json").is_err());
    }
}
