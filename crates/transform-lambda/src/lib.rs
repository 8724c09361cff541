//! The Firehose data-transformation Lambda of logwrangler (docs/ARCHITECTURE.md §3),
//! as a library: the `transform-lambda` binary and `logwrangler transform` run
//! exactly this code.
//!
//! [`process`] is the whole handler: plan every record with the core (pure),
//! re-ingest what must go back into the stream, and answer every record.
//! What arrives and leaves through AWS (the request, the envelope, the
//! Firehose sink, the key secret) is the AWS edge's, [`logwrangler_aws`].

pub mod config;
pub mod failure;
pub mod metrics;
pub mod processor;

use std::collections::BTreeMap;

use config::{Config, stream_name_from_arn};
use failure::FailureKind;
use logwrangler_aws::firehose::Request;
use logwrangler_aws::sink::{RecordSink, reingest};
use processor::{Answer, Stats};
use serde::Serialize;

/// What one invocation did, for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the planner saw.
    #[serde(flatten)]
    pub stats: Stats,
    /// Answers by result.
    pub ok: usize,
    pub dropped: usize,
    pub processing_failed: usize,
    /// Records put back into the stream, and the events they carry.
    pub reingested_records: usize,
    pub reingested_events: usize,
    /// Input records answered ProcessingFailed because their re-ingest failed.
    pub reingest_failed: usize,
    /// Records answered ProcessingFailed, by why (re-ingest failures included).
    pub processing_failed_by_kind: BTreeMap<FailureKind, usize>,
    /// The last re-ingest error, if any.
    pub reingest_error: Option<String>,
    /// Response size.
    pub bytes_out: usize,
}

/// Runs the processor over one request. Without a sink or a stream to put
/// into, records that need re-ingest are answered `ProcessingFailed` (kept
/// under the error prefix) and counted in `reingest_failed`.
pub async fn process<S: RecordSink>(
    request: &Request,
    config: &Config,
    sink: Option<&S>,
) -> (Vec<u8>, Report) {
    let mut plan = processor::plan(request, &config.parser, &config.limits);
    // The payloads move out of the plan (the response needs only the answers).
    let mut owners = Vec::new();
    let mut payloads = Vec::new();
    for (index, record) in plan.records.iter_mut().enumerate() {
        for payload in std::mem::take(&mut record.reingest) {
            owners.push(index);
            payloads.push(payload);
        }
    }
    let mut report = Report {
        stats: plan.stats.clone(),
        ..Report::default()
    };
    let mut failed_owner = vec![false; plan.records.len()];
    if !payloads.is_empty() {
        let stream = config
            .reingest_stream
            .as_deref()
            .or_else(|| stream_name_from_arn(&request.delivery_stream_arn));
        let delivered = match (sink, stream) {
            (Some(sink), Some(stream)) => {
                let outcome = reingest(sink, stream, &payloads, &config.retry).await;
                report.reingest_error = outcome.last_error;
                outcome.delivered
            }
            _ => {
                report.reingest_error = Some("no re-ingest stream configured".into());
                vec![false; payloads.len()]
            }
        };
        for (owner, ok) in owners.iter().zip(&delivered) {
            if *ok {
                report.reingested_records += 1;
            } else {
                failed_owner[*owner] = true;
            }
        }
    }
    for (record, failed) in plan.records.iter().zip(&failed_owner) {
        let failure = match (&record.answer, failed) {
            (_, true) => {
                report.reingest_failed += 1;
                Some(FailureKind::ReingestFailed)
            }
            (Answer::Ok { .. }, false) => {
                report.ok += 1;
                None
            }
            (Answer::Dropped, false) => {
                report.dropped += 1;
                None
            }
            (Answer::ProcessingFailed(reason), false) => Some(reason.kind()),
        };
        if let Some(kind) = failure {
            report.processing_failed += 1;
            *report.processing_failed_by_kind.entry(kind).or_default() += 1;
        }
        if !failed {
            report.reingested_events += record.reingested_events;
        }
    }
    let response = processor::response_json(&plan, |i| failed_owner[i]);
    report.bytes_out = response.len();
    (response, report)
}
