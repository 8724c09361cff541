//! The Lambda's [`Notify`]: alerts to the SNS topic of their severity, with
//! the message attributes `severity`, `log_type` and `source` so subscribers
//! can filter.

use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;
use logwrangler::alert::Alert;

use super::{Notify, Topics};

/// A failed SNS call, with the topic it was for.
#[derive(Debug)]
pub struct NotifyError(pub String);

impl std::fmt::Display for NotifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotifyError {}

/// Publishes alerts to SNS.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: Client,
    topics: Topics,
}

impl SnsNotifier {
    /// A notifier over an SNS client.
    pub fn new(client: Client, topics: Topics) -> Self {
        SnsNotifier { client, topics }
    }
}

impl Notify for SnsNotifier {
    type Error = NotifyError;

    /// Publishes one alert; `Ok(false)` when no topic is configured for its severity.
    async fn publish(&self, alert: &Alert) -> Result<bool, NotifyError> {
        let Some(topic) = self.topics.for_severity(alert.severity) else {
            return Ok(false);
        };
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| NotifyError(e.to_string()))
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
                NotifyError(format!(
                    "SNS Publish to {topic}: {}",
                    aws_sdk_sns::error::DisplayErrorContext(e)
                ))
            })?;
        Ok(true)
    }
}
