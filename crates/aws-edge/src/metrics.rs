//! CloudWatch Embedded Metric Format: a metric is a JSON line on stdout,
//! which Lambda ships to CloudWatch Logs where the metrics are extracted, with
//! no API call on the hot path. Every Lambda of the pipeline writes its
//! documents through here, so they share one namespace and one dimension.

use serde_json::{Value, json};

/// Metric namespace of the pipeline.
pub const NAMESPACE: &str = "logwrangler";

/// One EMF document: `metrics` as (name, value, unit) under dimension `Function`.
pub fn emf_document(function: &str, now_ms: i64, metrics: &[(&str, usize, &str)]) -> Value {
    document(function, None, now_ms, metrics)
}

/// One EMF document under dimensions `Function` and `dimension` (name,
/// value): a breakdown of a count (events by log_type, failures by reason).
pub fn emf_dimension_document(
    function: &str,
    dimension: (&str, &str),
    now_ms: i64,
    metrics: &[(&str, usize, &str)],
) -> Value {
    document(function, Some(dimension), now_ms, metrics)
}

fn document(
    function: &str,
    dimension: Option<(&str, &str)>,
    now_ms: i64,
    metrics: &[(&str, usize, &str)],
) -> Value {
    let dimensions: Vec<&str> = std::iter::once("Function")
        .chain(dimension.map(|(name, _)| name))
        .collect();
    let mut doc = json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        },
        "Function": function,
    });
    if let Some((name, value)) = dimension {
        doc[name] = json!(value);
    }
    for (name, value, _) in metrics {
        doc[*name] = json!(value);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_declare_their_dimensions_and_every_value() {
        let doc = emf_document("alerting", 5, &[("EventsIn", 3, "Count")]);
        assert_eq!(
            doc.to_string(),
            r#"{"_aws":{"Timestamp":5,"CloudWatchMetrics":[{"Namespace":"logwrangler","Dimensions":[["Function"]],"Metrics":[{"Name":"EventsIn","Unit":"Count"}]}]},"Function":"alerting","EventsIn":3}"#
        );
        let doc = emf_dimension_document(
            "transform",
            ("LogType", "alb"),
            5,
            &[("Events", 7, "Count")],
        );
        assert_eq!(
            doc.to_string(),
            r#"{"_aws":{"Timestamp":5,"CloudWatchMetrics":[{"Namespace":"logwrangler","Dimensions":[["Function","LogType"]],"Metrics":[{"Name":"Events","Unit":"Count"}]}]},"Function":"transform","LogType":"alb","Events":7}"#
        );
    }
}
