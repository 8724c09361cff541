//! The read API Lambda: API Gateway `GET` requests of the lookup routes
//! ([`logwrangler_lookup::api`]) answered from the summary table. It only
//! reads (its role allows `dynamodb:Query` and nothing else on the table), so
//! it is a function of its own rather than more routes on the alerting Lambda,
//! whose role writes.
//!
//! The table comes with each request as the REST API stage variable
//! [`TABLE_STAGE_VARIABLE`] (the stack sets it), else from `LOGWRANGLER_TABLE`.

use std::collections::BTreeMap;

use logwrangler::Pseudonymiser;
use logwrangler_aws::lambda_events::{ApiGatewayProxyRequest, ApiGatewayProxyResponse, Body};
use logwrangler_lookup::api::{Request, handle};
use logwrangler_lookup::query::Query;
use serde_json::Value;

/// An error that fails the invocation.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The stage variable that names the summary table.
pub const TABLE_STAGE_VARIABLE: &str = "summaryTable";

/// Answers one API Gateway proxy event (REST API) with its proxy response.
/// `query_on(table)` is the [`Query`] of a table; the table is the request's
/// [`TABLE_STAGE_VARIABLE`], else `default_table`.
pub async fn handle_event<Q: Query>(
    query_on: impl Fn(&str) -> Q,
    default_table: Option<&str>,
    pseudonymiser: Option<&Pseudonymiser>,
    event: Value,
    now_ms: i64,
) -> Result<Value, Error> {
    let request: ApiGatewayProxyRequest = serde_json::from_value(event)?;
    let Some(table) = request
        .stage_variables
        .get(TABLE_STAGE_VARIABLE)
        .map(String::as_str)
        .or(default_table)
    else {
        return Err(format!(
            "no summary table: the request has no stage variable {TABLE_STAGE_VARIABLE} and LOGWRANGLER_TABLE is not set"
        )
        .into());
    };
    let client = query_on(table);
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
        &client,
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
    response.headers.insert(
        "content-type",
        answer.content_type.parse().expect("static header"),
    );
    Ok(serde_json::to_value(response)?)
}
