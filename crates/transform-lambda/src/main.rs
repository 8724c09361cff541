//! The `transform-lambda` binary: the Firehose processor behind the Lambda
//! Runtime API. Configuration is read and checked before the runtime starts.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use logwrangler_aws::firehose::Request;
use logwrangler_aws::secrets::SecretsManager;
use logwrangler_aws::sink::FirehoseSink;
use serde_json::value::RawValue;
use transform_lambda::config::Config;
use transform_lambda::{metrics, process};

#[tokio::main]
async fn main() -> Result<(), Error> {
    logwrangler_aws::init_tracing();
    // The Secrets Manager client is created only when a key secret is configured.
    let config = match Config::load_env(&SecretsManager::lazy()).await {
        Ok(config) => config,
        Err(err) => {
            logwrangler_aws::log_config_error(&err);
            return Err(err.into());
        }
    };
    if let Some(pseudonymiser) = config.parser.pseudonymiser() {
        tracing::info!(
            key_id = pseudonymiser.key_id(),
            "pseudonymising personal data"
        );
    }
    let sink = FirehoseSink::lazy();
    let (config, sink) = (&config, &sink);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        let (response, report) = process(&event.payload, config, Some(sink)).await;
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        for doc in metrics::emf_documents(&report, "transform", now_ms) {
            println!("{doc}");
        }
        tracing::info!(
            invocation_id = %event.payload.invocation_id,
            records_in = report.stats.records_in,
            ok = report.ok,
            dropped = report.dropped,
            processing_failed = report.processing_failed,
            events = report.stats.events_in,
            unparsed = report.stats.unparsed,
            reingested_records = report.reingested_records,
            reingest_failed = report.reingest_failed,
            // Why records went to the error prefix, by kind (never event text).
            processing_failed_by_kind = %serde_json::to_string(&report.processing_failed_by_kind)
                .expect("counts serialise"),
            bytes_out = report.bytes_out,
            "processed batch"
        );
        if let Some(error) = &report.reingest_error {
            tracing::warn!(error = %error, failed = report.reingest_failed, "re-ingest incomplete; records answered ProcessingFailed");
        }
        let body = String::from_utf8(response).expect("the response is JSON text");
        Ok::<Box<RawValue>, Error>(RawValue::from_string(body)?)
    }))
    .await
}
