//! The read API Lambda: API Gateway `GET` requests of the lookup routes
//! ([`logwrangler_lookup::api`]) answered from the summary table. It only
//! reads (its role allows `dynamodb:Query` and nothing else on the table), so
//! it is a function of its own rather than more routes on the alerting Lambda,
//! whose role writes.

use std::collections::BTreeMap;

use logwrangler::Pseudonymiser;
use logwrangler_aws::lambda_events::{ApiGatewayProxyRequest, ApiGatewayProxyResponse, Body};
use logwrangler_lookup::api::{Request, handle};
use logwrangler_lookup::query::Query;
use serde_json::Value;

/// An error that fails the invocation.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The configuration read at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LOGWRANGLER_TABLE`: the summary table.
    pub table: String,
}

impl Config {
    /// Reads `LOGWRANGLER_TABLE` through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, logwrangler::ConfigError> {
        let table = var("LOGWRANGLER_TABLE").filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            logwrangler::ConfigError("LOGWRANGLER_TABLE is not set: give the DynamoDB table name".into())
        })?;
        Ok(Config { table })
    }
}

/// Answers one API Gateway proxy event (REST API) with its proxy response.
pub async fn handle_event(
    client: &impl Query,
    pseudonymiser: Option<&Pseudonymiser>,
    event: Value,
    now_ms: i64,
) -> Result<Value, Error> {
    let request: ApiGatewayProxyRequest = serde_json::from_value(event)?;
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let accept = header("accept");
    let params: BTreeMap<String, String> = request
        .query_string_parameters
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let path = request.path.clone().unwrap_or_default();
    let answer = handle(
        client,
        pseudonymiser,
        &Request {
            method: request.http_method.as_str(),
            path: &path,
            params,
            accept: accept.as_deref(),
        },
        now_ms,
    )
    .await;
    tracing::info!(path = %path, status = answer.status, "lookup");
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(answer.status);
    response.body = Some(Body::Text(answer.body));
    response
        .headers
        .insert("content-type", answer.content_type.parse().expect("static header"));
    Ok(serde_json::to_value(response)?)
}
