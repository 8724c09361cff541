//! The transform's metrics: what one invocation did ([`Report`]) as
//! CloudWatch Embedded Metric Format documents, one per invocation, one per
//! log_type seen and one per kind of `ProcessingFailed` reason seen (the
//! documents themselves are the AWS edge's, [`logwrangler_aws::metrics`]).

use logwrangler_aws::metrics::{emf_dimension_document, emf_document};
use serde_json::Value;

use crate::Report;

/// The EMF documents of one invocation.
pub fn emf_documents(report: &Report, function: &str, now_ms: i64) -> Vec<Value> {
    let metrics = [
        ("RecordsIn", report.stats.records_in, "Count"),
        ("RecordsOk", report.ok, "Count"),
        ("RecordsDropped", report.dropped, "Count"),
        ("RecordsProcessingFailed", report.processing_failed, "Count"),
        ("EventsIn", report.stats.events_in, "Count"),
        ("EventsUnparsed", report.stats.unparsed, "Count"),
        ("EventsReingested", report.reingested_events, "Count"),
        ("RecordsReingested", report.reingested_records, "Count"),
        ("ReingestFailed", report.reingest_failed, "Count"),
        ("LinesTruncated", report.stats.truncated_lines, "Count"),
        ("BytesIn", report.stats.bytes_in, "Bytes"),
        ("BytesOut", report.bytes_out, "Bytes"),
    ];
    let doc = emf_document(function, now_ms, &metrics);
    let mut docs = vec![doc];
    for (log_type, count) in &report.stats.events_by_log_type {
        docs.push(emf_dimension_document(
            function,
            ("LogType", log_type),
            now_ms,
            &[("Events", *count, "Count")],
        ));
    }
    // Why records went to the error prefix, never with event text.
    for (kind, count) in &report.processing_failed_by_kind {
        docs.push(emf_dimension_document(
            function,
            ("Reason", kind.as_str()),
            now_ms,
            &[("RecordsProcessingFailed", *count, "Count")],
        ));
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::FailureKind;

    #[test]
    fn documents_declare_every_value_they_carry() {
        let mut report = Report {
            ok: 3,
            bytes_out: 900,
            ..Report::default()
        };
        report.stats.events_by_log_type.insert("alb", 7);
        report
            .processing_failed_by_kind
            .insert(FailureKind::Gzip, 2);
        let docs = emf_documents(&report, "transform", 1_700_000_000_000);
        assert_eq!(docs.len(), 3);
        let main = &docs[0];
        for metric in main["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
        {
            let name = metric["Name"].as_str().unwrap();
            assert!(main[name].is_u64(), "{name} has a value");
        }
        assert_eq!(main["RecordsOk"], 3);
        assert_eq!(docs[1]["LogType"], "alb");
        assert_eq!(docs[1]["Events"], 7);
        assert_eq!(main["Function"], "transform");
        assert_eq!(docs[2]["Reason"], "gzip");
        assert_eq!(docs[2]["RecordsProcessingFailed"], 2);
        assert_eq!(
            docs[2]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            serde_json::json!(["Function", "Reason"])
        );
    }
}
