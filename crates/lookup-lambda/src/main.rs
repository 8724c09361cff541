//! The `lookup-lambda` binary: the read API's `GET` routes over the summary
//! table. Configuration (the table, the pseudonymisation key to turn an alias
//! argument into its token) is checked before the runtime starts.

use lambda_runtime::{LambdaEvent, service_fn};
use logwrangler_aws::secrets::{SecretsManager, load_pseudonymiser};
use logwrangler_lookup::DynamoQuery;
use lookup_lambda::{Config, Error, handle_event};
use serde_json::Value;

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    logwrangler_aws::init_tracing();
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5))
        .load()
        .await;
    let config = Config::from_vars(env_var)
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let pseudonymiser = load_pseudonymiser(env_var, &SecretsManager::from_sdk_config(&aws))
        .await
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let client = DynamoQuery::new(aws_sdk_dynamodb::Client::new(&aws), &config.table);
    let (client, pseudonymiser) = (&client, pseudonymiser.as_deref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        handle_event(client, pseudonymiser, event.payload, now_ms).await
    }))
    .await
}
