//! The `alerting-lambda` binary: a CloudWatch Logs subscription target and the
//! API Gateway `POST /logs` handler. Configuration is checked before the
//! runtime starts.

use alerting_lambda::config::Config;
use alerting_lambda::notify::SnsNotifier;
use alerting_lambda::store::DynamoStore;
use alerting_lambda::{Alerting, Error, LogEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use logwrangler_aws::lambda_events::{ApiGatewayProxyRequest, LogsEvent};
use logwrangler_aws::secrets::SecretsManager;
use logwrangler_aws::sink::FirehoseSink;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logwrangler_aws::init_tracing();
    // Throttling and 5xx answers are retried by the SDK (standard mode, exponential backoff with jitter).
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5))
        .load()
        .await;
    let config = Config::load_env(&SecretsManager::from_sdk_config(&aws))
        .await
        .inspect_err(logwrangler_aws::log_config_error)?;
    if let Some(pseudonymiser) = &config.pseudonymiser {
        tracing::info!(
            key_id = pseudonymiser.key_id(),
            "pseudonymising personal data"
        );
    }
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        &config.table,
        config.retention_days,
    );
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(&aws), config.topics.clone());
    let firehose = config
        .app_stream
        .as_ref()
        .map(|_| FirehoseSink::with_client(aws_sdk_firehose::Client::new(&aws)));
    let service = Alerting::new(&config, store, notifier, firehose)
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        dispatch(service, event).await
    }))
    .await
}

/// Subscription deliveries carry `awslogs`; API Gateway requests `httpMethod`.
async fn dispatch(service: &Alerting, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if payload.get("awslogs").is_some() {
        // aws_lambda_events decodes `awslogs.data` (base64, gzip) while deserialising,
        // borrowing from the text: read it from JSON text, not from a `Value`.
        let logs: LogsEvent = serde_json::from_str(&payload.to_string())?;
        let data = logs.aws_logs.data;
        if data.message_type == "CONTROL_MESSAGE" {
            return Ok(Value::Null);
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
        emit_metrics(&report);
        return Ok(serde_json::to_value(report)?);
    }
    let request: ApiGatewayProxyRequest = serde_json::from_value(payload)?;
    let content_type = request
        .headers
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if !alerting_lambda::content_type::accepts(content_type.as_deref()) {
        let content_type = content_type.unwrap_or_default();
        tracing::info!(%content_type, "refused a request body that is not JSON (415)");
        let refusal = alerting_lambda::api::ApiResponse {
            status: 415,
            body: alerting_lambda::content_type::unsupported_body(&content_type),
            report: alerting_lambda::Report::default(),
        };
        return Ok(serde_json::to_value(refusal.to_gateway())?);
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
        .unwrap_or(context.request_id);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
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
    emit_metrics(&answer.report);
    Ok(serde_json::to_value(answer.to_gateway())?)
}

/// Embedded Metric Format: what this invocation did (dimension Function=alerting).
fn emit_metrics(report: &alerting_lambda::Report) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let metrics = [
        ("EventsIn", report.events, "Count"),
        ("LegsUpdated", report.legs_updated, "Count"),
        ("SessionsRefreshed", report.sessions_refreshed, "Count"),
        ("AlertsPublished", report.alerts_published, "Count"),
        ("AlertsSuppressed", report.alerts_suppressed, "Count"),
        ("AppEventsStored", report.app_events_stored, "Count"),
        ("AppEventsForwarded", report.app_events_forwarded, "Count"),
    ];
    println!(
        "{}",
        logwrangler_aws::metrics::emf_document("alerting", now_ms, &metrics)
    );
}
