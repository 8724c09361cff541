//! The app log API over HTTP (API Gateway): routing, the HTTP status of each
//! answer and the proxy response. The core says what was wrong with a request
//! ([`ApiErrorKind`]); which status that is belongs here, at the edge.

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use logwrangler::app_api::{ApiErrorKind, parse_body};
use serde_json::json;

use crate::Error;
use crate::notify::Notify;
use crate::service::{Alerting, Report};
use crate::store::Store;

/// An HTTP answer of the app log API, with what handling it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
    pub report: Report,
}

impl ApiResponse {
    /// The API Gateway proxy response (a JSON body).
    pub fn to_gateway(&self) -> ApiGatewayProxyResponse {
        let mut response = ApiGatewayProxyResponse::default();
        response.status_code = i64::from(self.status);
        response.body = Some(Body::Text(self.body.clone()));
        response.headers.insert(
            "content-type",
            "application/json".parse().expect("static header"),
        );
        response
    }
}

/// The HTTP status of a refused request: 413 for a body over the limit, 400
/// for anything else wrong with it.
pub fn status_of(kind: ApiErrorKind) -> u16 {
    match kind {
        ApiErrorKind::TooLarge => 413,
        ApiErrorKind::Invalid => 400,
    }
}

impl<S: Store, N: Notify> Alerting<S, N> {
    /// Handles `POST /logs` of the app log API: 202 with the ids of the events
    /// accepted, 400/413 for a refused body, 404/405 for other routes.
    pub async fn handle_api(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        request_id: &str,
        now_ms: i64,
    ) -> Result<ApiResponse, Error> {
        if !path.trim_end_matches('/').ends_with("/logs") && path != "/logs" {
            return Ok(ApiResponse {
                status: 404,
                body: json!({"error": "not_found", "message": "POST your events to /logs"})
                    .to_string(),
                report: Report::default(),
            });
        }
        if !method.eq_ignore_ascii_case("POST") {
            return Ok(ApiResponse {
                status: 405,
                body: json!({"error": "method_not_allowed", "message": "use POST"}).to_string(),
                report: Report::default(),
            });
        }
        let mut events = match parse_body(body, request_id, now_ms, &self.api_limits) {
            Ok(events) => events,
            Err(error) => {
                return Ok(ApiResponse {
                    status: status_of(error.kind()),
                    body: error.body_json(),
                    report: Report::default(),
                });
            }
        };
        let report = self
            .accept_app_events(&mut events, request_id, now_ms)
            .await?;
        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        tracing::info!(
            accepted = ids.len(),
            alerts = report.alerts_published,
            "app events accepted"
        );
        Ok(ApiResponse {
            status: 202,
            body: json!({"accepted": ids.len(), "ids": ids}).to_string(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_400_and_413() {
        assert_eq!(status_of(ApiErrorKind::Invalid), 400);
        assert_eq!(status_of(ApiErrorKind::TooLarge), 413);
    }

    #[test]
    fn the_gateway_response_is_json_with_the_status() {
        let answer = ApiResponse {
            status: 413,
            body: r#"{"error":"payload_too_large"}"#.into(),
            report: Report::default(),
        };
        let response = answer.to_gateway();
        assert_eq!(response.status_code, 413);
        assert_eq!(response.headers["content-type"], "application/json");
        assert!(matches!(response.body, Some(Body::Text(text)) if text == answer.body));
    }
}
