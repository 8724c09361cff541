//! The Firehose JSON API on 127.0.0.1, enough of it for producers and for
//! the transform's re-ingest: `PutRecordBatch`, `PutRecord` and a minimal
//! `DescribeDeliveryStream`, spoken the way the AWS SDK expects
//! (`X-Amz-Target: Firehose_20150804.<Operation>`, `application/x-amz-json-1.1`,
//! errors as `{"__type": ..., "message": ...}`).
//!
//! The documented limits are enforced (500 records and 4 MiB per call,
//! 1,000 KiB per record, an unknown stream is `ResourceNotFoundException`),
//! and the fault schedules decide which calls are throttled
//! (`ServiceUnavailableException`, HTTP 500, which the SDK retries on its own)
//! and which entries fail (`FailedPutCount` > 0 with per-entry
//! `ServiceUnavailableException`, which the caller must retry). Accepted
//! records go into the simulator's buffer through [`Ingest`].
//!
//! [`handle`] is the whole protocol as a function of the request; the
//! [`FirehoseServer`] only moves bytes between it and tiny_http.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use anyhow::{Result, anyhow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// Most records in one `PutRecordBatch` call.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Most record bytes (before base64) in one `PutRecordBatch` call.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Largest record (before base64).
pub const MAX_RECORD_BYTES: usize = 1_024_000;
/// Largest request body read (4 MiB of data is about 5.6 MB of base64 JSON).
const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

const TARGET_PREFIX: &str = "Firehose_20150804.";

/// Where accepted records go, and the fault decisions for calls and entries.
pub trait Ingest: Send + Sync {
    /// The one stream served.
    fn stream_name(&self) -> &str;
    /// Its ARN.
    fn stream_arn(&self) -> String;
    /// Counts one valid put call; true when it is to be throttled.
    fn throttled(&self) -> bool;
    /// Offers the records of one accepted call, in order: the id given to
    /// each accepted record, `None` for an entry that failed. Single-record
    /// calls (`PutRecord`) pass `partial: false` and never fail an entry.
    fn accept(&self, records: Vec<Vec<u8>>, partial: bool) -> Vec<Option<String>>;
    /// Counts a call refused as invalid.
    fn rejected(&self);
}

/// An answer: HTTP status and JSON body.
pub type Answer = (u16, Vec<u8>);

fn error(status: u16, kind: &str, message: impl Into<String>) -> Answer {
    let body = json!({"__type": kind, "message": message.into()});
    (status, body.to_string().into_bytes())
}

fn invalid(message: impl Into<String>) -> Answer {
    error(400, "InvalidArgumentException", message)
}

/// Answers one Firehose API request (`target` is the `X-Amz-Target` header).
pub fn handle(ingest: &dyn Ingest, target: &str, body: &[u8]) -> Answer {
    let Some(operation) = target.strip_prefix(TARGET_PREFIX) else {
        ingest.rejected();
        return error(
            400,
            "UnknownOperationException",
            format!("unknown target {target:?}"),
        );
    };
    let request: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            ingest.rejected();
            return error(
                400,
                "SerializationException",
                format!("request body is not JSON: {e}"),
            );
        }
    };
    let stream = request
        .get("DeliveryStreamName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let answer = match operation {
        "PutRecordBatch" | "PutRecord" | "DescribeDeliveryStream"
            if stream != ingest.stream_name() =>
        {
            Err(error(
                400,
                "ResourceNotFoundException",
                format!("Firehose stream {stream:?} not found."),
            ))
        }
        "PutRecordBatch" => put_record_batch(ingest, &request),
        "PutRecord" => put_record(ingest, &request),
        "DescribeDeliveryStream" => Ok(describe(ingest)),
        other => Err(error(
            400,
            "UnknownOperationException",
            format!("operation {other} is not simulated"),
        )),
    };
    answer.unwrap_or_else(|refusal| {
        if refusal.0 == 400 {
            ingest.rejected();
        }
        refusal
    })
}

/// Decodes one `{"Data": base64}` record and checks its size.
fn record_data(record: &Value, index: usize) -> Result<Vec<u8>, Answer> {
    let text = record
        .get("Data")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("record {index} has no Data")))?;
    let data = BASE64
        .decode(text)
        .map_err(|e| invalid(format!("record {index}: Data is not base64: {e}")))?;
    if data.len() > MAX_RECORD_BYTES {
        return Err(invalid(format!(
            "record {index} is {} bytes; a record may be at most {MAX_RECORD_BYTES} bytes before base64",
            data.len()
        )));
    }
    Ok(data)
}

fn put_record_batch(ingest: &dyn Ingest, request: &Value) -> Result<Answer, Answer> {
    let records = request
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Records is missing"))?;
    if records.is_empty() || records.len() > MAX_BATCH_RECORDS {
        return Err(invalid(format!(
            "{} records in one call; PutRecordBatch takes 1 to {MAX_BATCH_RECORDS}",
            records.len()
        )));
    }
    let data = records
        .iter()
        .enumerate()
        .map(|(i, r)| record_data(r, i))
        .collect::<Result<Vec<_>, _>>()?;
    let total: usize = data.iter().map(Vec::len).sum();
    if total > MAX_BATCH_BYTES {
        return Err(invalid(format!(
            "{total} bytes in one call; PutRecordBatch takes at most {MAX_BATCH_BYTES} bytes"
        )));
    }
    if ingest.throttled() {
        return Err(throttled());
    }
    let results = ingest.accept(data, true);
    let failed = results.iter().filter(|r| r.is_none()).count();
    let responses: Vec<Value> = results
        .into_iter()
        .map(|r| match r {
            Some(id) => json!({"RecordId": id}),
            None => {
                json!({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."})
            }
        })
        .collect();
    let body = json!({"FailedPutCount": failed, "Encrypted": false, "RequestResponses": responses});
    Ok((200, body.to_string().into_bytes()))
}

fn put_record(ingest: &dyn Ingest, request: &Value) -> Result<Answer, Answer> {
    let record = request
        .get("Record")
        .ok_or_else(|| invalid("Record is missing"))?;
    let data = record_data(record, 0)?;
    if ingest.throttled() {
        return Err(throttled());
    }
    let id = ingest
        .accept(vec![data], false)
        .into_iter()
        .next()
        .flatten()
        .ok_or_else(throttled)?;
    let body = json!({"RecordId": id, "Encrypted": false});
    Ok((200, body.to_string().into_bytes()))
}

fn throttled() -> Answer {
    error(500, "ServiceUnavailableException", "Slow down.")
}

fn describe(ingest: &dyn Ingest) -> Answer {
    let body = json!({"DeliveryStreamDescription": {
        "DeliveryStreamName": ingest.stream_name(),
        "DeliveryStreamARN": ingest.stream_arn(),
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamType": "DirectPut",
        "VersionId": "1",
        "Destinations": [],
        "HasMoreDestinations": false,
    }});
    (200, body.to_string().into_bytes())
}

/// The API served by tiny_http on its own thread, stopped on drop.
pub struct FirehoseServer {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    busy: Arc<AtomicUsize>,
    url: String,
}

impl FirehoseServer {
    /// Serves `ingest` on a free port of 127.0.0.1.
    pub fn start(ingest: Arc<dyn Ingest>) -> Result<FirehoseServer> {
        let server = Arc::new(
            tiny_http::Server::http("127.0.0.1:0")
                .map_err(|e| anyhow!("cannot serve the Firehose API on 127.0.0.1: {e}"))?,
        );
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| anyhow!("the Firehose API server has no TCP address"))?;
        let busy = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (server, busy) = (Arc::clone(&server), Arc::clone(&busy));
            std::thread::Builder::new()
                .name("firehose-api".into())
                .spawn(move || serve(&server, ingest.as_ref(), &busy))?
        };
        Ok(FirehoseServer {
            server,
            thread: Some(thread),
            busy,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// `http://127.0.0.1:<port>`, the endpoint URL for the AWS SDK.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests being answered right now.
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
    }
}

impl Drop for FirehoseServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(server: &tiny_http::Server, ingest: &dyn Ingest, busy: &AtomicUsize) {
    for mut request in server.incoming_requests() {
        busy.fetch_add(1, Ordering::SeqCst);
        let target = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("X-Amz-Target"))
            .map(|h| h.value.as_str().to_owned())
            .unwrap_or_default();
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body);
        let (status, answer) = match read {
            Ok(_) if body.len() as u64 > MAX_BODY_BYTES => {
                ingest.rejected();
                invalid(format!("request body over {MAX_BODY_BYTES} bytes"))
            }
            Ok(_) => handle(ingest, &target, &body),
            Err(e) => error(
                400,
                "SerializationException",
                format!("cannot read the request: {e}"),
            ),
        };
        let mut response = tiny_http::Response::from_data(answer).with_status_code(status);
        for (name, value) in [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000"),
        ] {
            if let Ok(header) = tiny_http::Header::from_bytes(name, value) {
                response.add_header(header);
            }
        }
        // A client that hung up is not the simulator's problem.
        let _ = request.respond(response);
        busy.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Fake {
        throttle: Mutex<usize>,
        fail_every: usize,
        accepted: Mutex<Vec<Vec<u8>>>,
        rejected: Mutex<usize>,
    }

    impl Ingest for Fake {
        fn stream_name(&self) -> &str {
            "lake"
        }
        fn stream_arn(&self) -> String {
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/lake".into()
        }
        fn throttled(&self) -> bool {
            let mut left = self.throttle.lock().unwrap();
            let hit = *left > 0;
            *left = left.saturating_sub(1);
            hit
        }
        fn accept(&self, records: Vec<Vec<u8>>, partial: bool) -> Vec<Option<String>> {
            let mut accepted = self.accepted.lock().unwrap();
            records
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    if partial && self.fail_every > 0 && (i + 1) % self.fail_every == 0 {
                        return None;
                    }
                    accepted.push(r);
                    Some(format!("id-{}", accepted.len()))
                })
                .collect()
        }
        fn rejected(&self) {
            *self.rejected.lock().unwrap() += 1;
        }
    }

    fn batch(stream: &str, records: &[Vec<u8>]) -> Vec<u8> {
        let records: Vec<Value> = records
            .iter()
            .map(|r| json!({"Data": BASE64.encode(r)}))
            .collect();
        json!({"DeliveryStreamName": stream, "Records": records})
            .to_string()
            .into_bytes()
    }

    fn call(fake: &Fake, op: &str, body: &[u8]) -> (u16, Value) {
        let (status, body) = handle(fake, &format!("Firehose_20150804.{op}"), body);
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn put_record_batch_accepts_and_fails_entries() {
        let fake = Fake {
            fail_every: 2,
            ..Fake::default()
        };
        let (status, body) = call(
            &fake,
            "PutRecordBatch",
            &batch("lake", &[b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]),
        );
        assert_eq!(status, 200);
        assert_eq!(body["FailedPutCount"], 1);
        assert_eq!(body["Encrypted"], false);
        assert_eq!(body["RequestResponses"][0]["RecordId"], "id-1");
        assert_eq!(
            body["RequestResponses"][1]["ErrorCode"],
            "ServiceUnavailableException"
        );
        assert_eq!(
            *fake.accepted.lock().unwrap(),
            [b"a".to_vec(), b"c".to_vec()]
        );
    }

    #[test]
    fn limits_and_unknown_streams_are_refused_with_the_sdk_error_shape() {
        let fake = Fake::default();
        let (status, body) = call(&fake, "PutRecordBatch", &batch("other", &[b"a".to_vec()]));
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("ResourceNotFoundException"))
        );
        let many = vec![b"x".to_vec(); 501];
        let (status, body) = call(&fake, "PutRecordBatch", &batch("lake", &many));
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("InvalidArgumentException"))
        );
        assert!(body["message"].as_str().unwrap().contains("501 records"));
        let big = vec![vec![0u8; MAX_RECORD_BYTES + 1]];
        let (status, body) = call(&fake, "PutRecordBatch", &batch("lake", &big));
        assert_eq!(status, 400);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("at most 1024000 bytes")
        );
        let five = vec![vec![0u8; 1_000_000]; 5];
        let (_, body) = call(&fake, "PutRecordBatch", &batch("lake", &five));
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("at most 4194304 bytes")
        );
        assert_eq!(*fake.rejected.lock().unwrap(), 4);
        assert!(fake.accepted.lock().unwrap().is_empty());
        let (status, body) = call(
            &fake,
            "DeleteDeliveryStream",
            br#"{"DeliveryStreamName":"lake"}"#,
        );
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("UnknownOperationException"))
        );
    }

    #[test]
    fn throttled_calls_accept_nothing() {
        let fake = Fake {
            throttle: Mutex::new(1),
            ..Fake::default()
        };
        let (status, body) = call(&fake, "PutRecordBatch", &batch("lake", &[b"a".to_vec()]));
        assert_eq!(
            (status, body["__type"].as_str()),
            (500, Some("ServiceUnavailableException"))
        );
        assert!(fake.accepted.lock().unwrap().is_empty());
        let put = json!({"DeliveryStreamName": "lake", "Record": {"Data": BASE64.encode("one")}})
            .to_string();
        let (status, body) = call(&fake, "PutRecord", put.as_bytes());
        assert_eq!((status, body["RecordId"].as_str()), (200, Some("id-1")));
        let (_, body) = call(
            &fake,
            "DescribeDeliveryStream",
            br#"{"DeliveryStreamName":"lake"}"#,
        );
        assert_eq!(
            body["DeliveryStreamDescription"]["DeliveryStreamStatus"],
            "ACTIVE"
        );
    }
}
