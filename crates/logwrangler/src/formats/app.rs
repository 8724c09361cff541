//! Application events and other JSON objects.
//!
//! `app` is the shape the app log API accepts (`{log_level, message, details,
//! source_application}`) and the shapes common JSON loggers write (`level` /
//! `levelname` / `severity` with `message` / `msg`, `logger`, `service`, the
//! Lambda JSON log format). `json` is any other JSON object, kept whole.
//!
//! | column | type | source | notes |
//! |--------|------|--------|-------|
//! | `source_application` | string | `source_application`, else `logger`, `service`, `app` | the first present; the others stay in `attributes` |
//! | `log_level` | string | `log_level`, else `level`, `levelname`, `severity` | as given (numbers as written); severity is normalised from it |
//! | `message` | string | `message`, else `msg` | an object message is JSON text |
//! | `details` | string | `details` | a string as is; an object or array as JSON text |
//! | `attributes` | string (JSON) | every other key | object text in source order; null when there is none |
//!
//! `json` records have one column, `attributes`: the whole object as compact
//! JSON text. For both, the event time is the first of `timestamp`, `time`,
//! `@timestamp`, `ts` that reads as ISO 8601 or as epoch seconds, milliseconds,
//! microseconds or nanoseconds (number or digit string; the magnitude tells
//! which); the key stays in `attributes`.
//!
//! [`parse_text`] reads the text lines Lambda's Node.js and Python runtimes
//! write (`<ISO time>\t<request id>\t<LEVEL>\t<message>`) into the same columns.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::prefix::date_time_separator;
use super::{Format, ParseError, ParseResult, Parsed, Signature, Sniff, json_object};
use crate::pseudonym::scrub::Scrub;
use crate::time::parse_iso8601;
use crate::value::{Severity, Str};

/// An application event.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct App<'a> {
    /// Application (or logger / service) that emitted the event.
    pub source_application: Option<Str<'a>>,
    /// Level as the application wrote it (info, WARN, error, 30, ...).
    pub log_level: Option<Str<'a>>,
    /// Log message.
    pub message: Option<Str<'a>>,
    /// Details: the `details` string, or its object or array as JSON text.
    pub details: Option<Str<'a>>,
    /// Every other key of the event, as a JSON object text; null when there is none.
    pub attributes: Option<Str<'a>>,
}

/// Any other JSON object.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Json<'a> {
    /// The whole object, as compact JSON text.
    pub attributes: Option<Str<'a>>,
}

const SOURCE_KEYS: [&str; 4] = ["source_application", "logger", "service", "app"];
const LEVEL_KEYS: [&str; 4] = ["log_level", "level", "levelname", "severity"];
const MESSAGE_KEYS: [&str; 2] = ["message", "msg"];
const TIME_KEYS: [&str; 4] = ["timestamp", "time", "@timestamp", "ts"];

/// Latest accepted instant (9999-12-31T23:59:59.999Z), as in `time`.
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// True for application events: a `source_application`, or a level key
/// (`log_level`, `level`, `levelname`, `severity`) with a message key
/// (`message`, `msg`).
pub fn is_app(object: &Map<String, Value>) -> bool {
    let has = |keys: &[&str]| keys.iter().any(|k| object.contains_key(*k));
    object.contains_key("source_application") || (has(&LEVEL_KEYS) && has(&MESSAGE_KEYS))
}

/// A text column: strings as they are (`""` and `"-"` null), numbers and
/// booleans as written, objects and arrays as JSON text.
fn text(value: Value) -> Option<Str<'static>> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() || s == "-" => None,
        Value::String(s) => Some(Str::Owned(s)),
        other => Some(Str::Owned(other.to_string())),
    }
}

/// Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by
/// magnitude (any of them as seconds would be past year 5000).
fn epoch_millis(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let ms = if n >= 1e17 {
        n / 1e6
    } else if n >= 1e14 {
        n / 1e3
    } else if n >= 1e11 {
        n
    } else {
        n * 1e3
    };
    let ms = ms.round();
    (ms <= MAX_MILLIS as f64).then_some(ms as i64)
}

/// The event time of a time value: ISO 8601 text, or an epoch number.
fn time_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => epoch_millis(n.as_f64()?),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
            epoch_millis(s.parse().ok()?)
        }
        Value::String(s) => parse_iso8601(s),
        _ => None,
    }
}

/// The event time of an object: the first time key that reads as a time.
fn event_time(object: &Map<String, Value>) -> Option<i64> {
    TIME_KEYS
        .iter()
        .filter_map(|k| object.get(*k))
        .find_map(time_of)
}

/// Removes the first present key of `keys` (keeping the others' order).
fn take_first(object: &mut Map<String, Value>, keys: &[&str]) -> Option<Value> {
    keys.iter().find_map(|k| object.shift_remove(*k))
}

/// Maps an application event object (see [`is_app`]).
pub fn from_object(mut object: Map<String, Value>) -> ParseResult<App<'static>> {
    if !is_app(&object) {
        return Err(ParseError::fixed(
            "not an application event: no source_application, and no level (log_level/level/levelname/severity) with a message (message/msg)",
        ));
    }
    let time = event_time(&object);
    let app = App {
        source_application: take_first(&mut object, &SOURCE_KEYS).and_then(text),
        log_level: take_first(&mut object, &LEVEL_KEYS).and_then(text),
        message: take_first(&mut object, &MESSAGE_KEYS).and_then(text),
        details: object.shift_remove("details").and_then(text),
        attributes: (!object.is_empty()).then(|| Str::Owned(Value::Object(object).to_string())),
    };
    Ok(Parsed::new(app, time))
}

/// Keeps any JSON object whole; the event time comes from its time keys.
pub fn json_from_object(object: Map<String, Value>) -> Parsed<Json<'static>> {
    let time = event_time(&object);
    Parsed::new(
        Json {
            attributes: Some(Value::Object(object).to_string().into()),
        },
        time,
    )
}

/// Parses a Lambda runtime text line, `<ISO time>\t<request id>\t<LEVEL>\t<message>`
/// (Node.js, Python): the level and message become columns, the request id
/// goes to `attributes` as `request_id`, the time is the event time.
pub fn parse_text(line: &str) -> ParseResult<App<'_>> {
    let mut parts = line.splitn(4, '\t');
    let (Some(stamp), Some(request_id), Some(level), Some(message)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::fixed(
            "not a Lambda runtime line: <time>\\t<request id>\\t<level>\\t<message> expected",
        ));
    };
    let Some(time) = parse_iso8601(stamp) else {
        return Err(ParseError::new(format!(
            "not a Lambda runtime line: {stamp:?} is not an ISO 8601 time"
        )));
    };
    if level.is_empty() || !level.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ParseError::new(format!(
            "not a Lambda runtime line: {level:?} is not a level"
        )));
    }
    let attributes = serde_json::json!({ "request_id": request_id }).to_string();
    let app = App {
        source_application: None,
        log_level: Some(Str::Borrowed(level)),
        message: Some(Str::Borrowed(message.trim_end())),
        details: None,
        attributes: Some(Str::Owned(attributes)),
    };
    Ok(Parsed::new(app, Some(time)))
}

/// Application events: the app log API shape, JSON loggers, Lambda runtime text lines.
pub struct AppFormat;

impl Format for AppFormat {
    type Body<'a> = App<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        // `<time>Z\t<request id>\t<LEVEL>\t...`: a Lambda runtime text line.
        let b = line.as_bytes();
        match date_time_separator(b) == Some(b'T') && b.get(23..25) == Some(b"Z\t".as_slice()) {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<App<'a>> {
        match line.starts_with('{') {
            true => from_object(json_object(line)?),
            false => parse_text(line),
        }
    }

    fn claims_object(object: &Map<String, Value>) -> bool {
        is_app(object)
    }

    fn from_object(object: Map<String, Value>) -> ParseResult<App<'static>> {
        from_object(object)
    }

    fn natural_severity(a: &App<'_>) -> Severity {
        a.log_level
            .as_deref()
            .and_then(Severity::from_level)
            .unwrap_or(Severity::Info)
    }

    fn pseudonymise(a: &mut App<'_>, s: &mut Scrub<'_>) {
        let mut attributes = s.json_personal(&a.attributes);
        let mut details = s.json_personal(&a.details);
        s.text(&mut a.message);
        s.json_finish(&mut a.attributes, &mut attributes);
        s.json_finish(&mut a.details, &mut details);
    }

    fn alert_source<'b>(a: &'b App<'_>) -> Option<&'b str> {
        a.source_application.as_deref()
    }

    fn alert_signature<'b>(a: &'b App<'_>, _raw: Option<&'b str>) -> Option<Signature<'b>> {
        Some(Signature {
            module: "".into(),
            message: a
                .message
                .as_deref()
                .or(a.details.as_deref())
                .unwrap_or_default()
                .to_owned(),
            identity: Vec::new(),
        })
    }

    fn alert_headline(a: &App<'_>) -> Option<String> {
        Some(
            a.message
                .as_deref()
                .unwrap_or("application event")
                .to_owned(),
        )
    }

    fn alert_details(a: &App<'_>, _raw: Option<&str>, field: &mut dyn FnMut(&str, Option<&str>)) {
        field("Message", a.message.as_deref());
        field("Details", a.details.as_deref());
        field("Application", a.source_application.as_deref());
        field("Level", a.log_level.as_deref());
        field("Attributes", a.attributes.as_deref());
    }

    fn athena_narrowing(
        a: &App<'_>,
        add: &mut dyn FnMut(&'static str, Option<&str>) -> bool,
    ) -> Option<bool> {
        Some(add("source_application", a.source_application.as_deref()))
    }
}

/// Any other JSON object, kept whole: claims every object the formats before
/// it in the registry did not.
pub struct JsonFormat;

impl Format for JsonFormat {
    type Body<'a> = Json<'a>;
    type Header = ();

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<Json<'a>> {
        Ok(json_from_object(json_object(line)?))
    }

    fn claims_object(_: &Map<String, Value>) -> bool {
        true
    }

    fn from_object(object: Map<String, Value>) -> ParseResult<Json<'static>> {
        Ok(json_from_object(object))
    }

    fn pseudonymise(j: &mut Json<'_>, s: &mut Scrub<'_>) {
        let mut attributes = s.json_personal(&j.attributes);
        s.json_finish(&mut j.attributes, &mut attributes);
    }

    fn alert_signature<'b>(j: &'b Json<'_>, _raw: Option<&'b str>) -> Option<Signature<'b>> {
        Some(Signature {
            module: "".into(),
            message: j.attributes.as_deref().unwrap_or_default().to_owned(),
            identity: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;
    use serde_json::json;

    fn obj(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    fn app(value: Value) -> (App<'static>, Option<i64>) {
        let o = obj(value);
        assert!(is_app(&o));
        let Parsed { body, time } = from_object(o).unwrap();
        (body, time)
    }

    #[test]
    fn maps_the_app_api_shape() {
        let (a, time) = app(json!({
            "source_application": "pexip-portal", "log_level": "warning", "message": "slow join",
            "details": {"conference": "meet.alice", "ms": 1200}, "timestamp": "2026-03-02T10:15:42.118Z", "user": "bob"
        }));
        assert_eq!(a.source_application.as_deref(), Some("pexip-portal"));
        assert_eq!(
            (a.log_level.as_deref(), a.message.as_deref()),
            (Some("warning"), Some("slow join"))
        );
        assert_eq!(
            a.details.as_deref(),
            Some(r#"{"conference":"meet.alice","ms":1200}"#)
        );
        assert_eq!(
            a.attributes.as_deref(),
            Some(r#"{"timestamp":"2026-03-02T10:15:42.118Z","user":"bob"}"#)
        );
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:42.118Z");
        let (a, time) = app(json!({"source_application": "x", "details": "plain text"}));
        assert_eq!(
            (
                a.details.as_deref(),
                a.log_level,
                a.message,
                a.attributes,
                time
            ),
            (Some("plain text"), None, None, None, None)
        );
    }

    #[test]
    fn maps_common_logger_shapes() {
        let (a, time) = app(
            json!({"level": "ERROR", "msg": "boom", "logger": "svc.db", "ts": 1_700_000_000.25}),
        );
        assert_eq!(
            (
                a.source_application.as_deref(),
                a.log_level.as_deref(),
                a.message.as_deref()
            ),
            (Some("svc.db"), Some("ERROR"), Some("boom"))
        );
        assert_eq!(time, Some(1_700_000_000_250));
        assert_eq!(a.attributes.as_deref(), Some(r#"{"ts":1700000000.25}"#));
        let (a, time) = app(
            json!({"levelname": "INFO", "message": "hi", "service": "api", "app": "other", "time": "1700000000123"}),
        );
        assert_eq!(a.source_application.as_deref(), Some("api"));
        assert_eq!(
            a.attributes.as_deref(),
            Some(r#"{"app":"other","time":"1700000000123"}"#)
        );
        assert_eq!(time, Some(1_700_000_000_123));
        // Lambda's JSON log format: a structured message and a request id.
        let (a, time) = app(
            json!({"timestamp": "2023-11-14T22:13:20.000Z", "level": "INFO", "requestId": "r-1", "message": {"event": "x"}}),
        );
        assert_eq!(
            (a.message.as_deref(), a.attributes.as_deref()),
            (
                Some(r#"{"event":"x"}"#),
                Some(r#"{"timestamp":"2023-11-14T22:13:20.000Z","requestId":"r-1"}"#)
            )
        );
        assert_eq!(time, Some(1_700_000_000_000));
        let (a, _) = app(
            json!({"severity": 30, "msg": "pino", "@timestamp": "bad", "timestamp": 1_700_000_000_000_000i64}),
        );
        assert_eq!(a.log_level.as_deref(), Some("30"));
    }

    #[test]
    fn epoch_units_are_told_apart_and_bad_times_ignored() {
        for n in [
            1_700_000_000.0,
            1_700_000_000_000.0,
            1_700_000_000_000_000.0,
            1_700_000_000_000_000_000.0,
        ] {
            assert_eq!(epoch_millis(n), Some(1_700_000_000_000), "{n}");
        }
        assert_eq!(epoch_millis(-1.0), None);
        assert_eq!(time_of(&json!("yesterday")), None);
        assert_eq!(time_of(&json!(true)), None);
        assert_eq!(
            event_time(&obj(json!({"time": "nope", "ts": 1_700_000_000}))),
            Some(1_700_000_000_000)
        );
    }

    #[test]
    fn recognises_app_shapes_only() {
        assert!(!is_app(&obj(json!({"level": "info"}))));
        assert!(!is_app(&obj(json!({"message": "x"}))));
        assert!(!is_app(&obj(json!({"webaclId": "x", "action": "BLOCK"}))));
        assert!(
            from_object(obj(json!({"a": 1})))
                .unwrap_err()
                .0
                .contains("not an application event")
        );
    }

    #[test]
    fn keeps_other_objects_whole() {
        let p = json_from_object(obj(
            json!({"timestamp": 1576280412771i64, "action": "BLOCK", "httpRequest": {"clientIp": "1.1.1.1"}}),
        ));
        let j = p.body;
        assert_eq!(
            j.attributes.as_deref(),
            Some(
                r#"{"timestamp":1576280412771,"action":"BLOCK","httpRequest":{"clientIp":"1.1.1.1"}}"#
            )
        );
        assert_eq!(p.time, Some(1_576_280_412_771));
        assert_eq!(json_from_object(obj(json!({"a": 1}))).time, None);
    }

    #[test]
    fn parses_lambda_runtime_text_lines() {
        let p = parse_text("2019-06-07T19:11:20.564Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tWARN\tEvent not processed.").unwrap();
        let a = p.body;
        assert_eq!(
            (a.log_level.as_deref(), a.message.as_deref()),
            (Some("WARN"), Some("Event not processed."))
        );
        assert_eq!(
            a.attributes.as_deref(),
            Some(r#"{"request_id":"c793869b-ee49-115b-a5b6-4fd21e8dedac"}"#)
        );
        assert_eq!(iso_string(p.time.unwrap()), "2019-06-07T19:11:20.564Z");
        for bad in [
            "hello",
            "2019-06-07T19:11:20.564Z c793 INFO x",
            "yesterday\tr\tINFO\tx",
            "2019-06-07T19:11:20.564Z\tr\tinfo?\tx",
        ] {
            assert!(parse_text(bad).is_err(), "{bad}");
        }
    }
}
