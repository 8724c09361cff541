//! The built `transform-lambda` binary behind a minimal Lambda Runtime API:
//! its cold start (process start to its first `GET
//! /2018-06-01/runtime/invocation/next`) and its peak resident memory
//! (`VmHWM` of `/proc/<pid>/status`) after answering the largest request
//! Firehose can send. The same listener answers Firehose `PutRecordBatch`
//! calls (the binary's `AWS_ENDPOINT_URL` points at it), so what does not fit
//! the response is re-ingested through the real SDK client as in production.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use tiny_http::{Header, Method, Response, Server};

use super::timing::median;

const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:logwrangler-transform";
/// How long one start or invocation may take before the bench gives up.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the binary showed.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaFigures {
    /// Median cold start, milliseconds.
    pub cold_start_ms: f64,
    /// Fastest and slowest cold start, milliseconds.
    pub cold_start_range_ms: (f64, f64),
    /// Cold starts measured.
    pub cold_starts: usize,
    /// Peak resident memory after the largest request, MiB.
    pub peak_rss_mb: f64,
    /// Size of the request sent, bytes.
    pub request_bytes: usize,
    /// Size of the response, bytes.
    pub response_bytes: usize,
    /// Records the binary re-ingested through `PutRecordBatch`.
    pub reingested_records: usize,
    /// Time from handing out the request to receiving the response, milliseconds.
    pub invocation_ms: f64,
}

/// Runs the binary `cold_starts` times (after one unmeasured start that warms
/// the page cache) and once more with `event`, with `env` on top of the
/// Lambda variables.
pub fn measure(
    binary: &Path,
    env: &[(String, String)],
    event: &[u8],
    cold_starts: usize,
) -> Result<LambdaFigures> {
    let server = Server::http("127.0.0.1:0")
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1 for the runtime API: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .context("the runtime API listener has no IP address")?;
    let log =
        std::env::temp_dir().join(format!("loadtest-bench-lambda-{}.log", std::process::id()));
    let mut samples = Vec::with_capacity(cold_starts);
    for run in 0..=cold_starts {
        let started = Started::new(binary, env, addr, &log, &server)?;
        if run > 0 {
            samples.push(started.cold_start_ms);
        }
        started.stop();
    }
    let mut started = Started::new(binary, env, addr, &log, &server)?;
    let outcome = started.invoke(event);
    let peak = peak_rss_kib(started.child.id());
    started.stop();
    let outcome =
        outcome.with_context(|| format!("see the binary's output in {}", log.display()))?;
    let peak = peak?;
    let _ = std::fs::remove_file(&log);
    let (lo, hi) = samples
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    Ok(LambdaFigures {
        cold_start_ms: median(&samples),
        cold_start_range_ms: (lo, hi),
        cold_starts: samples.len(),
        peak_rss_mb: peak as f64 / 1024.0,
        request_bytes: event.len(),
        response_bytes: outcome.response_bytes,
        reingested_records: outcome.reingested_records,
        invocation_ms: outcome.invocation_ms,
    })
}

/// A started binary that has asked for its first invocation.
struct Started<'s> {
    child: Child,
    server: &'s Server,
    /// The pending `next` request.
    next: Option<tiny_http::Request>,
    cold_start_ms: f64,
    log: PathBuf,
    /// Records received through `PutRecordBatch`.
    reingested: usize,
}

impl<'s> Started<'s> {
    fn new(
        binary: &Path,
        env: &[(String, String)],
        addr: SocketAddr,
        log: &Path,
        server: &'s Server,
    ) -> Result<Self> {
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "logwrangler-transform")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "/aws/lambda/logwrangler-transform",
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", format!("http://{addr}"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let start = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut started = Started {
            child,
            server,
            next: None,
            cold_start_ms: 0.0,
            log: log.to_owned(),
            reingested: 0,
        };
        let next = started.wait_for(|r| r.method() == &Method::Get && r.url() == NEXT_PATH)?;
        started.cold_start_ms = start.elapsed().as_secs_f64() * 1000.0;
        started.next = Some(next);
        Ok(started)
    }

    /// Serves requests until one matches `wanted`, answering Firehose calls on the way.
    fn wait_for(
        &mut self,
        wanted: impl Fn(&tiny_http::Request) -> bool,
    ) -> Result<tiny_http::Request> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the Lambda binary exited ({status}) before it was done: {}",
                    tail(&self.log)
                );
            }
            let Some(mut request) = self.server.recv_timeout(Duration::from_millis(2))? else {
                if Instant::now() > deadline {
                    bail!("the Lambda binary did not call the runtime API within {DEADLINE:?}");
                }
                continue;
            };
            if wanted(&request) {
                return Ok(request);
            }
            if let Some(answer) = firehose_answer(&mut request)? {
                request.respond(answer.0)?;
                self.reingested += answer.1;
            } else if request.url().ends_with("/error") {
                let mut body = String::new();
                request.as_reader().read_to_string(&mut body)?;
                bail!("the Lambda binary reported an error: {body}");
            } else {
                request.respond(Response::empty(404))?;
            }
        }
    }

    /// Hands out `event` and waits for the response.
    fn invoke(&mut self, event: &[u8]) -> Result<Invocation> {
        let next = self.next.take().context("no pending invocation request")?;
        self.reingested = 0;
        let deadline_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() + 120_000;
        let response = Response::from_data(event.to_vec())
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Lambda-Runtime-Aws-Request-Id", "bench-1"))
            .with_header(header(
                "Lambda-Runtime-Deadline-Ms",
                &deadline_ms.to_string(),
            ))
            .with_header(header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN))
            .with_header(header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
            ));
        let start = Instant::now();
        next.respond(response)?;
        let mut done = self.wait_for(|r| {
            r.method() == &Method::Post && r.url().ends_with("/invocation/bench-1/response")
        })?;
        let invocation_ms = start.elapsed().as_secs_f64() * 1000.0;
        let mut body = Vec::new();
        done.as_reader().read_to_end(&mut body)?;
        done.respond(Response::from_string("{\"status\":\"OK\"}").with_status_code(202))?;
        let response: serde_json::Value =
            serde_json::from_slice(&body).context("the Lambda binary's response is not JSON")?;
        if response.get("records").and_then(|r| r.as_array()).is_none() {
            bail!(
                "the Lambda binary's response has no records: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        Ok(Invocation {
            response_bytes: body.len(),
            reingested_records: self.reingested,
            invocation_ms,
        })
    }

    /// Ends the process (it was started here) and reaps it.
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.next.take());
    }
}

struct Invocation {
    response_bytes: usize,
    reingested_records: usize,
    invocation_ms: f64,
}

/// An HTTP response with an in-memory body.
type Answer = Response<std::io::Cursor<Vec<u8>>>;

/// A successful `PutRecordBatch` answer for a Firehose call, with the number of records.
fn firehose_answer(request: &mut tiny_http::Request) -> Result<Option<(Answer, usize)>> {
    let is_put = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("X-Amz-Target") && h.value.as_str().ends_with(".PutRecordBatch"));
    if !is_put {
        return Ok(None);
    }
    let mut body = Vec::new();
    request.as_reader().read_to_end(&mut body)?;
    let call: serde_json::Value = serde_json::from_slice(&body).context("PutRecordBatch body")?;
    let count = call["Records"].as_array().map_or(0, Vec::len);
    let answers: Vec<serde_json::Value> = (0..count)
        .map(|i| serde_json::json!({ "RecordId": format!("bench-record-{i}") }))
        .collect();
    let answer =
        serde_json::json!({ "FailedPutCount": 0, "Encrypted": false, "RequestResponses": answers });
    let response = Response::from_data(serde_json::to_vec(&answer)?)
        .with_header(header("Content-Type", "application/x-amz-json-1.1"));
    Ok(Some((response, count)))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// `VmHWM` of a process, KiB.
fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status (Linux only)"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM line in /proc/<pid>/status")
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let start = text.len().saturating_sub(600);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_peak_of_this_process() {
        let kib = peak_rss_kib(std::process::id()).unwrap();
        assert!(kib > 100, "{kib} KiB");
    }
}
