//! The `alerting-lambda` binary: a CloudWatch Logs subscription target and the
//! API Gateway `POST /logs` handler. Configuration is checked before the
//! runtime starts.

use alerting_lambda::config::Config;
use alerting_lambda::handler::handle_event;
use alerting_lambda::{Alerting, Error};
use lambda_runtime::{LambdaEvent, service_fn};
use logwrangler_aws::secrets::SecretsManager;
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
    let service = Alerting::from_sdk(&config, &aws)
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        dispatch(service, event).await
    }))
    .await
}

/// The library's handler ([`alerting_lambda::handler::handle_event`]), then its metrics.
async fn dispatch(service: &Alerting, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let handled = handle_event(service, payload, &context.request_id, now_ms).await?;
    if let Some(report) = &handled.report {
        emit_metrics(report);
    }
    Ok(handled.answer)
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
