//! Publishing alerts to the SNS topic of their severity, with the message
//! attributes `severity`, `log_type` and `source` so subscribers can filter.

use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;
use logwrangler::Severity;
use logwrangler::alert::Alert;

/// The five topics, by severity.
#[derive(Debug, Clone, Default)]
pub struct Topics {
    /// Topic ARN per severity, indexed by `Severity as usize` (debug..critical).
    pub arns: [Option<String>; 5],
}

impl Topics {
    /// The topic of a severity.
    pub fn for_severity(&self, severity: Severity) -> Option<&str> {
        self.arns[severity as usize].as_deref()
    }
}

/// Publishes alerts.
#[derive(Debug, Clone)]
pub struct Notifier {
    client: Client,
    topics: Topics,
}

impl Notifier {
    /// A notifier over an SNS client.
    pub fn new(client: Client, topics: Topics) -> Self {
        Notifier { client, topics }
    }

    /// Publishes one alert; `Ok(false)` when no topic is configured for its severity.
    pub async fn publish(&self, alert: &Alert) -> Result<bool, String> {
        let Some(topic) = self.topics.for_severity(alert.severity) else {
            return Ok(false);
        };
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| e.to_string())
        };
        self.client
            .publish()
            .topic_arn(topic)
            .subject(&alert.subject)
            .message(&alert.body)
            .message_attributes("severity", attribute(alert.attributes.severity)?)
            .message_attributes("log_type", attribute(&alert.attributes.log_type)?)
            .message_attributes("source", attribute(&alert.attributes.source)?)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "SNS Publish to {topic}: {}",
                    aws_sdk_sns::error::DisplayErrorContext(e)
                )
            })?;
        Ok(true)
    }
}
