//! Dynamic partitioning keys (docs/ARCHITECTURE.md §3 and §6): every output record
//! carries `log_type`, `year`, `month`, `day`, `hour` of its partition time, and
//! the S3 prefix is evaluated from the same template string the stack deploys.

use serde::Serialize;

use crate::record::{LogType, Record};
use crate::time::{Millis, partition_parts};

/// The S3 prefix of the lake, as the Firehose delivery stream is configured.
pub const S3_PREFIX_TEMPLATE: &str = "logs/log_type=!{partitionKeyFromLambda:log_type}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/";

/// The S3 prefix for records Firehose could not process or deliver.
pub const S3_ERROR_PREFIX_TEMPLATE: &str = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";

/// The partition of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PartitionKey {
    /// The record's log_type.
    #[serde(serialize_with = "serialize_log_type")]
    pub log_type: LogType,
    /// Four-digit year.
    #[serde(serialize_with = "serialize_digits")]
    pub year: [u8; 4],
    /// Two-digit month.
    #[serde(serialize_with = "serialize_digits")]
    pub month: [u8; 2],
    /// Two-digit day.
    #[serde(serialize_with = "serialize_digits")]
    pub day: [u8; 2],
    /// Two-digit hour (UTC).
    #[serde(serialize_with = "serialize_digits")]
    pub hour: [u8; 2],
}

fn serialize_log_type<S: serde::Serializer>(t: &LogType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.as_str())
}

fn serialize_digits<S: serde::Serializer, const N: usize>(
    d: &[u8; N],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(std::str::from_utf8(d).unwrap_or("00"))
}

impl PartitionKey {
    /// The key of a log_type at an instant.
    pub fn at(log_type: LogType, time: Millis) -> Self {
        let (year, month, day, hour) = partition_parts(time);
        PartitionKey {
            log_type,
            year,
            month,
            day,
            hour,
        }
    }

    /// The key of a record (its partition time: the event time, or the
    /// delivery time when the event time is suspect).
    pub fn of(record: &Record<'_>) -> Self {
        Self::at(record.log_type(), record.envelope.partition_time)
    }

    /// The value of one key by name, as the prefix template references it.
    pub fn get(&self, name: &str) -> Option<&str> {
        fn digits(d: &[u8]) -> Option<&str> {
            std::str::from_utf8(d).ok()
        }
        match name {
            "log_type" => Some(self.log_type.as_str()),
            "year" => digits(&self.year),
            "month" => digits(&self.month),
            "day" => digits(&self.day),
            "hour" => digits(&self.hour),
            _ => None,
        }
    }

    /// Evaluates `!{partitionKeyFromLambda:<key>}` references in a prefix
    /// template (the S3 prefix of the delivery stream).
    pub fn evaluate(&self, template: &str) -> Result<String, String> {
        evaluate_template(template, |namespace, key| match namespace {
            "partitionKeyFromLambda" => self.get(key).map(str::to_owned),
            _ => None,
        })
    }
}

/// Evaluates Firehose `!{namespace:key}` expressions in `template` with `lookup`;
/// an expression `lookup` does not know is an error naming it.
pub fn evaluate_template(
    template: &str,
    lookup: impl Fn(&str, &str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("!{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated expression in {template:?}"))?;
        let expr = &after[..end];
        let (namespace, key) = expr
            .split_once(':')
            .ok_or_else(|| format!("expression !{{{expr}}} has no namespace"))?;
        let value = lookup(namespace, key).ok_or_else(|| format!("no value for !{{{expr}}}"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_the_deployed_prefix() {
        let key = PartitionKey::at(
            LogType::Alb,
            crate::time::parse_iso8601("2026-03-02T05:15:42Z").unwrap(),
        );
        assert_eq!(
            key.evaluate(S3_PREFIX_TEMPLATE).unwrap(),
            "logs/log_type=alb/year=2026/month=03/day=02/hour=05/"
        );
        assert_eq!(
            serde_json::to_string(&key).unwrap(),
            r#"{"log_type":"alb","year":"2026","month":"03","day":"02","hour":"05"}"#
        );
        assert!(
            key.evaluate("x/!{partitionKeyFromQuery:a}/")
                .unwrap_err()
                .contains("partitionKeyFromQuery:a")
        );
        assert!(key.evaluate("x/!{oops").is_err());
    }
}
