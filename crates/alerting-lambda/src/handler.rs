//! The Lambda's handler as a function of the library: the `alerting-lambda`
//! binary runs it on every invocation and `logwrangler alert` runs it on an
//! event file, so both answer exactly the same.

use logwrangler::time::Millis;
use logwrangler_aws::lambda_events::{ApiGatewayProxyRequest, LogsEvent};
use serde_json::Value;

use crate::Error;
use crate::api::ApiResponse;
use crate::notify::Notify;
use crate::service::{Alerting, LogEvent, Report};
use crate::store::Store;

/// What one invocation answered, and what it did (for metrics); `report` is
/// `None` for a control message or a refused content type.
#[derive(Debug, Clone)]
pub struct Handled {
    /// What the Lambda returns (a report, a proxy response, or null).
    pub answer: Value,
    /// What the invocation did, for the metrics the binary emits.
    pub report: Option<Report>,
}

/// Subscription deliveries carry `awslogs`; API Gateway requests `httpMethod`.
pub async fn handle_event<S: Store + Sync, N: Notify + Sync>(
    service: &Alerting<S, N>,
    payload: Value,
    request_id: &str,
    now_ms: Millis,
) -> Result<Handled, Error> {
    if payload.get("awslogs").is_some() {
        // aws_lambda_events decodes `awslogs.data` (base64, gzip) while deserialising,
        // borrowing from the text: read it from JSON text, not from a `Value`.
        let logs: LogsEvent = serde_json::from_str(&payload.to_string())?;
        let data = logs.aws_logs.data;
        if data.message_type == "CONTROL_MESSAGE" {
            return Ok(Handled {
                answer: Value::Null,
                report: None,
            });
        }
        let events: Vec<LogEvent<'_>> = data
            .log_events
            .iter()
            .map(|e| LogEvent {
                id: &e.id,
                timestamp: e.timestamp,
                message: &e.message,
            })
            .collect();
        let report = service
            .handle_log_events(&data.log_group, &data.log_stream, &data.owner, &events)
            .await?;
        tracing::info!(log_group = %data.log_group, report = ?report, "processed subscription delivery");
        return Ok(Handled {
            answer: serde_json::to_value(&report)?,
            report: Some(report),
        });
    }
    let request: ApiGatewayProxyRequest = serde_json::from_value(payload)?;
    let content_type = request
        .headers
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if !crate::content_type::accepts(content_type.as_deref()) {
        let content_type = content_type.unwrap_or_default();
        tracing::info!(%content_type, "refused a request body that is not JSON (415)");
        let refusal = ApiResponse {
            status: 415,
            body: crate::content_type::unsupported_body(&content_type),
            report: Report::default(),
        };
        return Ok(Handled {
            answer: serde_json::to_value(refusal.to_gateway())?,
            report: None,
        });
    }
    let body = match (&request.body, request.is_base64_encoded) {
        (Some(text), true) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        }
        (Some(text), false) => text.clone().into_bytes(),
        (None, _) => Vec::new(),
    };
    let request_id = request
        .request_context
        .request_id
        .clone()
        .unwrap_or_else(|| request_id.to_string());
    let path = request.path.clone().unwrap_or_default();
    let answer = service
        .handle_api(
            request.http_method.as_str(),
            &path,
            &body,
            &request_id,
            now_ms,
        )
        .await?;
    Ok(Handled {
        answer: serde_json::to_value(answer.to_gateway())?,
        report: Some(answer.report),
    })
}
