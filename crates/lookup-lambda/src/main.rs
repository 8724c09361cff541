//! The `lookup-lambda` binary: the read API's `GET` routes over the summary
//! table. It holds no key: an alias is given as the table holds it (its token
//! when pseudonymisation is on, `logwrangler pseudonymise --kind alias`), so
//! the read path can never be used to compute tokens.

use lambda_runtime::{LambdaEvent, service_fn};
use logwrangler_lookup::DynamoQuery;
use lookup_lambda::{Error, handle_event};
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
    let default_table = env_var("LOGWRANGLER_TABLE");
    let client = aws_sdk_dynamodb::Client::new(&aws);
    let (client, default_table) = (&client, default_table.as_deref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let query_on = |table: &str| DynamoQuery::new(client.clone(), table);
        handle_event(query_on, default_table, None, event.payload, now_ms).await
    }))
    .await
}
