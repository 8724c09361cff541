//! CloudWatch Embedded Metric Format: one JSON line per invocation (and one
//! per log_type seen) on stdout, which Lambda ships to CloudWatch Logs where
//! the metrics are extracted, with no API call on the hot path.

use serde_json::{Value, json};

use crate::Report;

/// Metric namespace of the pipeline.
pub const NAMESPACE: &str = "logwrangler";

/// One EMF document: `metrics` as (name, value, unit) under dimension `Function`.
pub fn emf_document(function: &str, now_ms: i64, metrics: &[(&str, usize, &str)]) -> Value {
    let mut doc = json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        },
        "Function": function,
    });
    for (name, value, _) in metrics {
        doc[*name] = json!(value);
    }
    doc
}

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
        docs.push(json!({
            "_aws": {
                "Timestamp": now_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Function", "LogType"]],
                    "Metrics": [{"Name": "Events", "Unit": "Count"}],
                }],
            },
            "Function": function,
            "LogType": log_type,
            "Events": count,
        }));
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_declare_every_value_they_carry() {
        let mut report = Report {
            ok: 3,
            bytes_out: 900,
            ..Report::default()
        };
        report.stats.events_by_log_type.insert("alb", 7);
        let docs = emf_documents(&report, "transform", 1_700_000_000_000);
        assert_eq!(docs.len(), 2);
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
    }
}
