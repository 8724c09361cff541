//! The Firehose sink: putting records into a delivery stream with
//! `PutRecordBatch` (at most 500 records and 4 MiB per call), retrying only the
//! entries that failed, with exponential backoff and full jitter, a bounded
//! number of times. The transform Lambda re-ingests through it, the alerting
//! Lambda forwards app events, `logwrangler replay --firehose` backfills. The
//! SDK client sits behind [`RecordSink`] so tests and the local simulator can
//! stand in for Firehose.

use std::future::Future;
use std::time::Duration;

/// Largest record `PutRecordBatch` accepts, before base64.
pub const FIREHOSE_RECORD_LIMIT: usize = 1_024_000;
/// Most records in one `PutRecordBatch` call.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Most bytes in one `PutRecordBatch` call.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Somewhere records can be put in batches.
pub trait RecordSink: Sync {
    /// Puts `records` into `stream`. `Ok` holds one entry per record: `None`
    /// when accepted, `Some(error)` when that record failed; `Err` means the
    /// whole call failed (after the SDK's own retries).
    fn put_record_batch(
        &self,
        stream: &str,
        records: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<Option<String>>, String>> + Send;
}

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per record, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt (doubled each time, full jitter).
    pub base_delay: Duration,
    /// Longest single backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
        }
    }
}

impl RetryPolicy {
    /// The sleep before attempt `attempt` (1-based, > 1): uniform in
    /// `[0, min(max_delay, base_delay * 2^(attempt-2))]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(2).min(16));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(fastrand::f64())
    }
}

/// What happened to a re-ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Per payload: delivered or not.
    pub delivered: Vec<bool>,
    /// `PutRecordBatch` calls made.
    pub calls: usize,
    /// Entries retried after a failure.
    pub retried_entries: usize,
    /// The last error seen for an entry that finally failed.
    pub last_error: Option<String>,
}

/// Splits payload indexes into batches within the call limits.
fn batches(payloads: &[Vec<u8>], pending: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut bytes = 0;
    for &i in pending {
        let size = payloads[i].len();
        let full = out
            .last()
            .is_none_or(|b| b.len() >= MAX_BATCH_RECORDS || bytes + size > MAX_BATCH_BYTES);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        out.last_mut().expect("a batch exists").push(i);
        bytes += size;
    }
    out
}

/// Puts every payload into `stream`, retrying failed entries only.
pub async fn reingest(
    sink: &impl RecordSink,
    stream: &str,
    payloads: &[Vec<u8>],
    policy: &RetryPolicy,
) -> Outcome {
    let mut outcome = Outcome {
        delivered: vec![false; payloads.len()],
        ..Outcome::default()
    };
    let mut pending: Vec<usize> = (0..payloads.len()).collect();
    for attempt in 1..=policy.max_attempts {
        if pending.is_empty() {
            break;
        }
        if attempt > 1 {
            outcome.retried_entries += pending.len();
            tokio::time::sleep(policy.backoff(attempt)).await;
        }
        let mut failed = Vec::new();
        for batch in batches(payloads, &pending) {
            let records: Vec<&[u8]> = batch.iter().map(|&i| payloads[i].as_slice()).collect();
            outcome.calls += 1;
            match sink.put_record_batch(stream, &records).await {
                Ok(results) => {
                    for (k, &i) in batch.iter().enumerate() {
                        match results.get(k) {
                            Some(None) => outcome.delivered[i] = true,
                            Some(Some(error)) => {
                                outcome.last_error = Some(error.clone());
                                failed.push(i);
                            }
                            None => {
                                outcome.last_error =
                                    Some("PutRecordBatch answered fewer entries than sent".into());
                                failed.push(i);
                            }
                        }
                    }
                }
                Err(error) => {
                    outcome.last_error = Some(error);
                    failed.extend(batch);
                }
            }
        }
        pending = failed;
    }
    outcome
}

/// The real Firehose client, created on first use: most invocations never
/// re-ingest, and loading the AWS configuration would only slow the cold start.
#[cfg(feature = "aws")]
#[derive(Debug, Default)]
pub struct FirehoseSink {
    client: tokio::sync::OnceCell<aws_sdk_firehose::Client>,
}

#[cfg(feature = "aws")]
impl FirehoseSink {
    /// A sink that loads the AWS configuration (`AWS_ENDPOINT_URL` included) when first used.
    pub fn lazy() -> Self {
        FirehoseSink::default()
    }

    /// A sink over a ready client.
    pub fn with_client(client: aws_sdk_firehose::Client) -> Self {
        FirehoseSink {
            client: tokio::sync::OnceCell::new_with(Some(client)),
        }
    }

    async fn client(&self) -> &aws_sdk_firehose::Client {
        self.client
            .get_or_init(|| async {
                let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                aws_sdk_firehose::Client::new(&config)
            })
            .await
    }
}

#[cfg(feature = "aws")]
impl RecordSink for FirehoseSink {
    fn put_record_batch(
        &self,
        stream: &str,
        records: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<Option<String>>, String>> + Send {
        use aws_sdk_firehose::primitives::Blob;
        use aws_sdk_firehose::types::Record;
        let entries: Result<Vec<Record>, String> = records
            .iter()
            .map(|data| {
                Record::builder()
                    .data(Blob::new(data.to_vec()))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect();
        let stream = stream.to_owned();
        async move {
            let output = self
                .client()
                .await
                .put_record_batch()
                .delivery_stream_name(stream)
                .set_records(Some(entries?))
                .send()
                .await
                .map_err(|e| aws_sdk_firehose::error::DisplayErrorContext(e).to_string())?;
            Ok(output
                .request_responses()
                .iter()
                .map(|r| {
                    r.error_code()
                        .map(|code| format!("{code}: {}", r.error_message().unwrap_or_default()))
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Fails the first `fail_first` attempts of every payload, then accepts.
    struct Flaky {
        fail_first: usize,
        whole_call_errors: Mutex<usize>,
        seen: Mutex<Vec<Vec<u8>>>,
        calls: Mutex<Vec<usize>>,
    }

    impl RecordSink for Flaky {
        async fn put_record_batch(
            &self,
            _stream: &str,
            records: &[&[u8]],
        ) -> Result<Vec<Option<String>>, String> {
            self.calls.lock().unwrap().push(records.len());
            {
                let mut errors = self.whole_call_errors.lock().unwrap();
                if *errors > 0 {
                    *errors -= 1;
                    return Err("ServiceUnavailableException".into());
                }
            }
            let mut seen = self.seen.lock().unwrap();
            Ok(records
                .iter()
                .map(|r| {
                    seen.push(r.to_vec());
                    let attempts = seen.iter().filter(|s| s.as_slice() == *r).count();
                    (attempts <= self.fail_first)
                        .then(|| "ServiceUnavailableException: slow down".to_string())
                })
                .collect())
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    fn flaky(fail_first: usize, whole_call_errors: usize) -> Flaky {
        Flaky {
            fail_first,
            whole_call_errors: Mutex::new(whole_call_errors),
            seen: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn retries_only_failed_entries_until_delivered() {
        let sink = flaky(2, 1);
        let payloads: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 10]).collect();
        let outcome = reingest(&sink, "s", &payloads, &fast()).await;
        assert_eq!(outcome.delivered, [true, true, true]);
        // call 1: whole-call error; calls 2-3 per-entry failures; call 4 succeeds.
        assert_eq!(*sink.calls.lock().unwrap(), [3, 3, 3, 3]);
        assert_eq!(outcome.retried_entries, 9);
    }

    #[tokio::test]
    async fn gives_up_after_the_bounded_attempts() {
        let sink = flaky(10, 0);
        let outcome = reingest(&sink, "s", &[vec![1], vec![2]], &fast()).await;
        assert_eq!(outcome.delivered, [false, false]);
        assert_eq!(outcome.calls, 4);
        assert!(outcome.last_error.unwrap().contains("ServiceUnavailable"));
    }

    #[test]
    fn batches_respect_count_and_byte_limits() {
        let many: Vec<Vec<u8>> = (0..1201).map(|_| vec![0u8; 10]).collect();
        let all: Vec<usize> = (0..many.len()).collect();
        let sizes: Vec<usize> = batches(&many, &all).iter().map(Vec::len).collect();
        assert_eq!(sizes, [500, 500, 201]);
        let big: Vec<Vec<u8>> = (0..10).map(|_| vec![0u8; 1_000_000]).collect();
        let all: Vec<usize> = (0..big.len()).collect();
        let sizes: Vec<usize> = batches(&big, &all).iter().map(Vec::len).collect();
        assert_eq!(sizes, [4, 4, 2]);
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        for attempt in 2..10 {
            let d = policy.backoff(attempt);
            assert!(d <= Duration::from_millis(400), "{d:?}");
        }
        assert!(policy.backoff(2) <= Duration::from_millis(100));
    }
}
