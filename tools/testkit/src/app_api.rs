//! App log API request bodies through `app_api::parse_body`, and the forwarded lines back through
//! the line parser.

use logwrangler::app_api::{self, ApiError, ApiErrorKind, ApiLimits, MAX_SOURCE_LEN};
use logwrangler::formats::{cloudtrail, lambda_platform};
use logwrangler::record::Body;
use logwrangler::severity::natural_severity;
use logwrangler::{EventContext, Severity};
use serde_json::{Map, Value};

use crate::{ParseMode, RECEIVED_MS, Verdict, check_record, default_parser};

/// The request id of the app API checks.
pub const API_REQUEST_ID: &str = "fuzz-request";
/// Longest `message` of an API error answer (client text is quoted bounded).
const MAX_API_ERROR_MESSAGE: usize = 1024;

/// The app API limits of a selector byte: below 0x80 the defaults; else small
/// limits from its bits (body 64 B..8 KiB, 1..4 events, message 4..32 bytes,
/// details 16..128 bytes) so that every limit is reached by small inputs.
pub fn api_limits_for(selector: u8) -> ApiLimits {
    if selector < 0x80 {
        return ApiLimits::default();
    }
    ApiLimits {
        max_body_bytes: 64 << (selector & 0x7),
        max_events: 1 + usize::from((selector >> 3) & 0x3),
        max_message_bytes: 4 << ((selector >> 5) & 0x3),
        max_details_bytes: 16 << ((selector >> 1) & 0x3),
    }
}

/// `app_api::parse_body` under the limits of the first byte: accepted events
/// satisfy every documented limit and rule, get their deterministic ids, and
/// their forwarded line reads back through the line parser as an `app` record
/// with the same source_application, log_level, message, details, time and
/// severity; refusals are 413 exactly for bodies over the limit and 400
/// otherwise, with a JSON answer naming a field and a bounded message.
pub fn check_app_api_body(input: &[u8]) -> Verdict {
    let Some((&selector, body)) = input.split_first() else {
        return Ok(());
    };
    let limits = api_limits_for(selector);
    match app_api::parse_body(body, API_REQUEST_ID, RECEIVED_MS, &limits) {
        Ok(events) => {
            ensure!(
                body.len() <= limits.max_body_bytes,
                "a {} byte body over the {} byte limit was accepted",
                body.len(),
                limits.max_body_bytes
            );
            ensure!(
                (1..=limits.max_events).contains(&events.len()),
                "{} events accepted (limit {})",
                events.len(),
                limits.max_events
            );
            for (index, event) in events.iter().enumerate() {
                check_app_event(event, index, &limits)
                    .map_err(|e| format!("event {index}: {e}: {event:?}"))?;
            }
            Ok(())
        }
        Err(err) => {
            let too_large = body.len() > limits.max_body_bytes;
            ensure!(
                matches!(err, ApiError::TooLarge { .. }) == too_large,
                "a {} byte body (limit {}) was answered {err:?}",
                body.len(),
                limits.max_body_bytes
            );
            ensure!(
                err.kind()
                    == if too_large {
                        ApiErrorKind::TooLarge
                    } else {
                        ApiErrorKind::Invalid
                    },
                "kind {:?} for {err:?}",
                err.kind()
            );
            let answer: Value = serde_json::from_str(&err.body_json())
                .map_err(|e| format!("error answer is not JSON ({e}): {}", err.body_json()))?;
            match &err {
                ApiError::TooLarge { limit } => ensure!(
                    answer["error"] == "payload_too_large"
                        && answer["limit"] == *limit
                        && *limit == limits.max_body_bytes,
                    "413 answer {answer}"
                ),
                ApiError::Invalid { field, message } => {
                    ensure!(
                        answer["error"] == "invalid_request"
                            && answer["field"] == field.as_str()
                            && answer["message"] == message.as_str(),
                        "400 answer {answer} for {err:?}"
                    );
                    ensure!(is_field_path(field), "400 names no field path: {field:?}");
                    ensure!(
                        !message.is_empty() && message.len() <= MAX_API_ERROR_MESSAGE,
                        "400 message of {} bytes (client text must be quoted bounded)",
                        message.len()
                    );
                }
            }
            Ok(())
        }
    }
}

/// `body`, `name`, `[3]` or `[3].name`.
fn is_field_path(field: &str) -> bool {
    let is_name =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match field.strip_prefix('[') {
        None => is_name(field),
        Some(rest) => match rest.split_once(']') {
            Some((digits, tail)) => {
                !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && (tail.is_empty() || tail.strip_prefix('.').is_some_and(is_name))
            }
            None => false,
        },
    }
}

fn check_app_event(event: &app_api::AppEvent, index: usize, limits: &ApiLimits) -> Verdict {
    ensure!(
        event.event_id == app_api::event_id(API_REQUEST_ID, index),
        "event id is not the deterministic one"
    );
    ensure!(
        Severity::from_level(&event.log_level) == Some(event.severity),
        "severity does not follow log_level"
    );
    ensure!(
        !event.message.trim().is_empty() && event.message.len() <= limits.max_message_bytes,
        "message is blank or over {} bytes",
        limits.max_message_bytes
    );
    let source = event.source_application.as_bytes();
    ensure!(
        (1..=MAX_SOURCE_LEN).contains(&source.len())
            && source[0].is_ascii_alphanumeric()
            && source
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b".:_/-".contains(b)),
        "source_application breaks its rule"
    );
    if let Some(details) = &event.details {
        ensure!(!details.is_null(), "null details kept");
        ensure!(
            details.to_string().len() <= limits.max_details_bytes,
            "details over {} bytes",
            limits.max_details_bytes
        );
    }
    ensure!(
        event.timestamp == RECEIVED_MS
            || (100_000_000_000..=253_402_300_799_999).contains(&event.timestamp),
        "event time {} outside 1973..9999",
        event.timestamp
    );
    for key in [
        "log_level",
        "message",
        "source_application",
        "details",
        "timestamp",
    ] {
        ensure!(
            !event.attributes.contains_key(key),
            "{key} also kept as an attribute"
        );
    }
    ensure!(
        !cloudtrail::is_cloudtrail(&event.attributes)
            && !lambda_platform::is_platform_record(&event.attributes),
        "a forged CloudTrail or Lambda platform shape was accepted"
    );

    let line = event.to_line();
    ensure!(
        !line.contains(['\n', '\r']),
        "the forwarded line breaks: {line}"
    );
    let ctx = EventContext {
        received_ms: Some(RECEIVED_MS),
        source: "fuzz-api",
        ..EventContext::default()
    };
    let Some(record) = default_parser().parse_line(&line, &ctx).into_record() else {
        return Err(format!("the forwarded line was taken for a header: {line}"));
    };
    check_record(&record, &line, &ctx, ParseMode::Auto)?;
    let Body::App(app) = &record.body else {
        return Err(format!(
            "the forwarded line reads back as {}: {line}",
            record.log_type()
        ));
    };
    let details = event.details.as_ref().map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    ensure!(
        app.source_application.as_deref() == Some(event.source_application.as_str())
            && app.log_level.as_deref() == Some(event.log_level.as_str())
            && app.message.as_deref() == Some(event.message.as_str())
            && app.details.as_deref() == details.as_deref(),
        "the forwarded line reads back with other columns: {line} -> {}",
        record.to_json()
    );
    ensure!(
        record.envelope.timestamp == event.timestamp,
        "the forwarded line reads back at another time: {line} -> {}",
        record.to_json()
    );
    ensure!(
        natural_severity(&record) == event.severity,
        "the forwarded line reads back at another severity: {line} -> {}",
        record.to_json()
    );
    let attributes: Map<String, Value> = match app.attributes.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| format!("attributes: {e}"))?,
        None => Map::new(),
    };
    for (key, value) in &event.attributes {
        let kept = [key.clone(), format!("client_{key}")]
            .iter()
            .any(|k| attributes.get(k) == Some(value));
        ensure!(
            kept,
            "attribute {key} lost on the forwarded line: {line} -> {}",
            record.to_json()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        for ok in ["body", "log_level", "[3]", "[3].log_level"] {
            assert!(is_field_path(ok), "{ok}");
        }
        for bad in ["", "[", "[]", "[x]", "[3]log_level", "[3].", "a b"] {
            assert!(!is_field_path(bad), "{bad}");
        }
    }

    #[test]
    fn tight_api_limits_come_from_the_high_bit() {
        assert_eq!(api_limits_for(0x7f), ApiLimits::default());
        let l = api_limits_for(0xff);
        assert_eq!(
            (
                l.max_body_bytes,
                l.max_events,
                l.max_message_bytes,
                l.max_details_bytes
            ),
            (8192, 4, 32, 128)
        );
        let l = api_limits_for(0x80);
        assert_eq!(
            (
                l.max_body_bytes,
                l.max_events,
                l.max_message_bytes,
                l.max_details_bytes
            ),
            (64, 1, 4, 16)
        );
    }
}
