//! Invoking the processor. Firehose invokes its Lambda synchronously with a
//! transformation request and reads the response; here the function sits
//! behind [`Processor`] with two implementations: [`LambdaHttp`] posts to a
//! Lambda Invoke API (the built binary behind `cargo lambda watch`), and
//! [`InProcess`] runs `transform_lambda::process` in this process, with its
//! re-ingest going through the real AWS SDK client to the simulator's
//! `PutRecordBatch` server.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use super::buffer::Pending;
use super::contract::FUNCTION_ERROR;

/// Why an invocation gave no response to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The function ran and answered with an error (`X-Amz-Function-Error`).
    Function {
        /// `errorType` of the answer.
        error_type: String,
        /// `errorMessage` of the answer.
        message: String,
    },
    /// No answer within the invocation timeout.
    Timeout(Duration),
    /// The Invoke API could not be reached or refused the call.
    Unavailable(String),
}

impl InvokeError {
    /// The Firehose error code for records that end here.
    pub fn code(&self) -> &'static str {
        match self {
            // Lambda reports a timed-out function as a function error.
            InvokeError::Function { .. } | InvokeError::Timeout(_) => FUNCTION_ERROR,
            InvokeError::Unavailable(_) => "Lambda.ServiceException",
        }
    }

    /// The error message for records that end here.
    pub fn message(&self) -> String {
        match self {
            InvokeError::Function {
                error_type,
                message,
            } => format!(
                "The Lambda function was successfully invoked but it returned an error result ({error_type}: {message})."
            ),
            InvokeError::Timeout(after) => {
                format!("Task timed out after {:.2} seconds", after.as_secs_f64())
            }
            InvokeError::Unavailable(reason) => {
                format!("The Lambda service could not be invoked: {reason}")
            }
        }
    }
}

/// A Firehose Lambda processor.
pub trait Processor: Sync {
    /// Invokes the function with a transformation request (JSON) and returns
    /// its response (JSON, unchecked).
    fn invoke(&self, request_json: &[u8]) -> Result<Vec<u8>, InvokeError>;
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestRecord<'a> {
    record_id: &'a str,
    approximate_arrival_timestamp: i64,
    data: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransformationRequest<'a> {
    invocation_id: &'a str,
    delivery_stream_arn: &'a str,
    region: &'a str,
    records: Vec<RequestRecord<'a>>,
}

/// The transformation request Firehose sends for `batch`.
pub fn request_json(
    invocation_id: &str,
    stream_arn: &str,
    region: &str,
    batch: &[Pending],
) -> Vec<u8> {
    let request = TransformationRequest {
        invocation_id,
        delivery_stream_arn: stream_arn,
        region,
        records: batch
            .iter()
            .map(|r| RequestRecord {
                record_id: &r.record_id,
                approximate_arrival_timestamp: r.arrival_ms,
                data: BASE64.encode(&r.data),
            })
            .collect(),
    };
    // Strings and integers only: serialisation cannot fail.
    serde_json::to_vec(&request).unwrap_or_default()
}

/// A function behind the Lambda Invoke HTTP API
/// (`POST /2015-03-31/functions/<name>/invocations`).
pub struct LambdaHttp {
    url: String,
    timeout: Duration,
    agent: ureq::Agent,
}

impl LambdaHttp {
    /// Invokes `invoke_url`, giving up after `timeout`.
    pub fn new(invoke_url: &str, timeout: Duration) -> LambdaHttp {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        LambdaHttp {
            url: invoke_url.to_owned(),
            timeout,
            agent,
        }
    }
}

/// Reads `errorType`/`errorMessage` from a Lambda error answer.
fn function_error(body: &[u8]) -> InvokeError {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    InvokeError::Function {
        error_type: field("errorType").unwrap_or_else(|| "Unhandled".into()),
        message: field("errorMessage")
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned()),
    }
}

impl Processor for LambdaHttp {
    fn invoke(&self, request_json: &[u8]) -> Result<Vec<u8>, InvokeError> {
        let response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(request_json)
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => InvokeError::Timeout(self.timeout),
                other => InvokeError::Unavailable(other.to_string()),
            })?;
        let status = response.status().as_u16();
        let function_failed = response.headers().contains_key("X-Amz-Function-Error");
        let body = response
            .into_body()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => InvokeError::Timeout(self.timeout),
                other => InvokeError::Unavailable(other.to_string()),
            })?;
        match status {
            200 if !function_failed => Ok(body),
            200 | 500..=599 => Err(function_error(&body)),
            other => Err(InvokeError::Unavailable(format!(
                "HTTP {other}: {}",
                String::from_utf8_lossy(&body[..body.len().min(512)])
            ))),
        }
    }
}

/// A Firehose client for the simulator's API at `endpoint_url`, with test
/// credentials: what a producer or the transform uses locally.
pub fn firehose_client(endpoint_url: &str, region: &str) -> aws_sdk_firehose::Client {
    let config = aws_sdk_firehose::Config::builder()
        .behavior_version(aws_sdk_firehose::config::BehaviorVersion::latest())
        .region(aws_sdk_firehose::config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_firehose::config::Credentials::new(
            "test", "test", None, None, "loadtest",
        ))
        .endpoint_url(endpoint_url)
        .build();
    aws_sdk_firehose::Client::from_conf(config)
}

/// The transform library in this process, on its own tokio runtime, with a
/// `FirehoseSink` whose client points at the simulator's API.
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    config: transform_lambda::config::Config,
    sink: transform_lambda::reingest::FirehoseSink,
}

impl InProcess {
    /// Runs `config` (as `Config::from_env` would read it) with re-ingest
    /// into the API at `endpoint_url`.
    pub fn new(
        endpoint_url: &str,
        region: &str,
        config: transform_lambda::config::Config,
    ) -> anyhow::Result<InProcess> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = runtime.block_on(async { firehose_client(endpoint_url, region) });
        Ok(InProcess {
            runtime,
            config,
            sink: transform_lambda::reingest::FirehoseSink::with_client(client),
        })
    }
}

impl Processor for InProcess {
    fn invoke(&self, request_json: &[u8]) -> Result<Vec<u8>, InvokeError> {
        let request: transform_lambda::processor::Request = serde_json::from_slice(request_json)
            .map_err(|e| InvokeError::Function {
                error_type: "Runtime.UnmarshalError".into(),
                message: e.to_string(),
            })?;
        // A thread of its own, so the runtime can block even when the caller
        // is itself inside an async context.
        let run = || {
            self.runtime.block_on(transform_lambda::process(
                &request,
                &self.config,
                Some(&self.sink),
            ))
        };
        let (response, _report) =
            std::thread::scope(|s| s.spawn(run).join()).map_err(|_| InvokeError::Function {
                error_type: "Runtime.ExitError".into(),
                message: "the processor panicked".into(),
            })?;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_has_the_firehose_shape() {
        let batch = [Pending {
            record_id: "4962".into(),
            arrival_ms: 1_764_000_000_000,
            data: b"hello".to_vec(),
        }];
        let json: serde_json::Value =
            serde_json::from_slice(&request_json("inv", "arn:x", "us-east-1", &batch)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"invocationId": "inv", "deliveryStreamArn": "arn:x", "region": "us-east-1",
                "records": [{"recordId": "4962", "approximateArrivalTimestamp": 1_764_000_000_000_i64, "data": "aGVsbG8="}]})
        );
    }

    #[test]
    fn function_errors_carry_type_and_message() {
        let err = function_error(br#"{"errorType":"Boom","errorMessage":"it broke"}"#);
        assert_eq!(err.code(), FUNCTION_ERROR);
        assert!(
            err.message().contains("Boom: it broke"),
            "{}",
            err.message()
        );
        assert!(
            InvokeError::Timeout(Duration::from_secs(3))
                .message()
                .contains("3.00 seconds")
        );
    }
}
