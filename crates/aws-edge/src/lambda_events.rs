//! The AWS Lambda event types of `aws_lambda_events` the pipeline receives
//! besides the Firehose request ([`crate::firehose`]): CloudWatch Logs
//! subscription deliveries and API Gateway proxy requests. Re-exported from
//! here so every Lambda reads them through one version of that crate.

pub use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
pub use aws_lambda_events::cloudwatch_logs::{AwsLogs, LogData, LogEntry, LogsEvent};
pub use aws_lambda_events::encodings::Body;

use crate::context::LogOrigin;

/// The header of a subscription delivery as `aws_lambda_events` decodes it,
/// for [`LogOrigin::event_context`].
pub fn log_origin(data: &LogData) -> LogOrigin<'_> {
    LogOrigin {
        log_group: Some(&data.log_group),
        log_stream: Some(&data.log_stream),
        owner: Some(&data.owner),
    }
}
