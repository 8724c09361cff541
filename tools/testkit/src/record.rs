//! Lines through the line parser, and one typed record against the record contract.

use std::collections::BTreeSet;

use logwrangler::parser::{SUSPECT_SKEW_MS, derived_event_id};
use logwrangler::partition::PartitionKey;
use logwrangler::record::Body;
use logwrangler::time::iso_string;
use logwrangler::{EventContext, LogType, Record};
use serde_json::Value;

use crate::schema::check_against_schema;
use crate::{ParseMode, RECEIVED_MS, Verdict, lossy};

/// Lines through one parser (headers configure the lines after them); every
/// record must pass [`check_record`].
pub fn check_parse_line(input: &[u8]) -> Verdict {
    let Some((&selector, rest)) = input.split_first() else {
        return Ok(());
    };
    let mode = ParseMode::from_byte(selector);
    let (mut parser, log_group) = mode.parser();
    let text = String::from_utf8_lossy(rest);
    for (position, line) in text.split('\n').enumerate() {
        let ctx = EventContext {
            log_group,
            received_ms: Some(RECEIVED_MS),
            source: "fuzz",
            position: position as u64,
            ..EventContext::default()
        };
        if let Some(record) = parser.parse_line(line, &ctx).into_record() {
            check_record(&record, line, &ctx, mode)?;
        }
    }
    Ok(())
}

/// One typed record against the record contract (docs/ARCHITECTURE.md §4): its JSON
/// is one object with no two keys differing only in case, every key and value
/// fits the published schema of its log_type (Glue column types; integers fit
/// `bigint`), the envelope fields come from `ctx` (event id, log group and
/// stream, account), `timestamp` is the record's time in the ISO form,
/// `timestamp_suspect` is set exactly when the event time is more than 7 days
/// from the delivery time and the partition follows, and `unparsed` records
/// (and all records when `keep_raw` is configured) keep the line in `raw`.
pub fn check_record(
    record: &Record<'_>,
    line: &str,
    ctx: &EventContext<'_>,
    mode: ParseMode,
) -> Verdict {
    let log_type = record.log_type();
    let mut json = Vec::new();
    record.write_json(&mut json);
    let value: Value = serde_json::from_slice(&json)
        .map_err(|e| format!("record JSON does not parse ({e}): {}", lossy(&json)))?;
    let Some(object) = value.as_object() else {
        return Err(format!("record JSON is not an object: {}", lossy(&json)));
    };
    let shown = || lossy(&json);
    ensure!(
        object.get("log_type").and_then(Value::as_str) == Some(log_type.as_str()),
        "log_type column differs from the record's type {log_type}: {}",
        shown()
    );
    if let ParseMode::Forced(forced) = mode {
        ensure!(
            log_type == forced || log_type == LogType::Unparsed,
            "forced {forced} produced a {log_type} record: {}",
            shown()
        );
    }
    let mut seen = BTreeSet::new();
    for key in object.keys() {
        ensure!(
            seen.insert(key.to_ascii_lowercase()),
            "two keys differ only in case ({key}); Athena and DuckDB fold key case: {}",
            shown()
        );
    }
    check_against_schema(log_type, &value).map_err(|e| format!("{e}: {}", shown()))?;

    let kept = line.strip_suffix('\n').unwrap_or(line);
    let kept = kept.strip_suffix('\r').unwrap_or(kept);
    let env = &record.envelope;
    let want_id = ctx.event_id.map_or_else(
        || derived_event_id(ctx.source, ctx.position, kept),
        str::to_owned,
    );
    ensure!(
        env.event_id == want_id.as_str() && object.get("event_id") == Some(&Value::from(want_id)),
        "event_id is not the CloudWatch id or the derived one: {}",
        shown()
    );
    ensure!(
        env.log_group.as_deref() == ctx.log_group && env.log_stream.as_deref() == ctx.log_stream,
        "log_group/log_stream differ from the envelope's: {}",
        shown()
    );
    if !matches!(record.body, Body::VpcFlow(_)) {
        ensure!(
            object.get("account_id").and_then(Value::as_str) == ctx.account_id,
            "account_id differs from the envelope owner: {}",
            shown()
        );
    }
    ensure!(
        object.get("timestamp").and_then(Value::as_str) == Some(iso_string(env.timestamp).as_str()),
        "timestamp column is not the record's time in ISO form: {}",
        shown()
    );
    let skewed = ctx.received_ms.is_some_and(|received| {
        (i128::from(env.timestamp) - i128::from(received)).abs() > i128::from(SUSPECT_SKEW_MS)
    });
    ensure!(
        env.timestamp_suspect == skewed,
        "timestamp_suspect is {} for an event at {} delivered at {:?}: {}",
        env.timestamp_suspect,
        env.timestamp,
        ctx.received_ms,
        shown()
    );
    let partition_time = match (env.timestamp_suspect, ctx.received_ms) {
        (true, Some(received)) => received,
        _ => env.timestamp,
    };
    ensure!(
        PartitionKey::of(record) == PartitionKey::at(log_type, partition_time),
        "partition is not the event time's (or the delivery time's when suspect): {}",
        shown()
    );
    let keep_raw = matches!(mode, ParseMode::Mapped(_));
    if log_type == LogType::Unparsed {
        ensure!(
            object
                .get("parse_error")
                .and_then(Value::as_str)
                .is_some_and(|e| !e.is_empty()),
            "unparsed record without a parse_error: {}",
            shown()
        );
    }
    if log_type == LogType::Unparsed || keep_raw {
        ensure!(
            object.get("raw").and_then(Value::as_str) == Some(kept),
            "raw is not the line as received: {}",
            shown()
        );
    } else {
        ensure!(
            !object.contains_key("raw"),
            "raw written without keep_raw: {}",
            shown()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use logwrangler::LineParser;

    use super::*;
    use crate::{check_body, check_subject};

    #[test]
    fn checks_accept_good_input_and_name_what_breaks() {
        let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        assert_eq!(check_parse_line(format!("\0{line}").as_bytes()), Ok(()));
        let mut parser = LineParser::default();
        let ctx = EventContext {
            received_ms: Some(RECEIVED_MS),
            source: "s",
            ..EventContext::default()
        };
        let mut record = parser.parse_line(line, &ctx).into_record().unwrap();
        assert_eq!(check_record(&record, line, &ctx, ParseMode::Auto), Ok(()));
        record.envelope.event_id = "other".into();
        let err = check_record(&record, line, &ctx, ParseMode::Auto).unwrap_err();
        assert!(err.starts_with("event_id is not"), "{err}");
        let err = check_record(&record, line, &ctx, ParseMode::Forced(LogType::Alb)).unwrap_err();
        assert!(
            err.starts_with("forced alb produced a vpc_flow record"),
            "{err}"
        );

        assert_eq!(check_subject("[CRITICAL] a b"), Ok(()));
        assert!(check_subject("a\r\nBcc: x").is_err());
        assert!(check_subject("a  b").is_err());
        assert!(check_body("a\rb", 10).is_err());
        assert!(check_body("a\u{202e}b", 10).is_err());
        assert!(check_body("0123456789x", 10).is_err());
        assert_eq!(check_body("a\n\tb <i>", 10), Ok(()));
    }
}
