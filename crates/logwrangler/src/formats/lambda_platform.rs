//! Lambda platform events: the text lines the Lambda service writes around each
//! invocation (`START`, `END`, `REPORT`, `INIT_START`, ...), the `Task timed
//! out` line, and the JSON `platform.*` records (Telemetry API schema, also the
//! JSON log format of system logs).
//!
//! | column | type | text source | JSON source (`record.`) |
//! |--------|------|-------------|--------------------------|
//! | `event` | string | first word lower-cased: `start`, `end`, `report`, `init_start`, `init_report`, `restore_start`, `restore_report`, `extension`, `telemetry`; `timeout` for `Task timed out` lines | `type` without `platform.`, in snake case: `start`, `runtime_done`, `report`, `init_start`, ... |
//! | `request_id` | string | `RequestId:`; the id before `Task timed out` | `requestId` |
//! | `version` | string | `Version:` (`$LATEST` or a number) | `version`, else `functionVersion` |
//! | `duration_ms` | double | `Duration: 128.83 ms`; the timeout of a timeout line | `metrics.durationMs` |
//! | `billed_duration_ms` | bigint | `Billed Duration: 200 ms` | `metrics.billedDurationMs` |
//! | `memory_size_mb` | bigint | `Memory Size: 128 MB` | `metrics.memorySizeMB` |
//! | `max_memory_used_mb` | bigint | `Max Memory Used: 74 MB` | `metrics.maxMemoryUsedMB` |
//! | `init_duration_ms` | double | `Init Duration: 166.62 ms` | `metrics.initDurationMs`; `durationMs` of `initReport` |
//! | `restore_duration_ms` | double | `Restore Duration: ... ms` (SnapStart) | `metrics.restoreDurationMs`; `durationMs` of `restoreReport` |
//! | `billed_restore_duration_ms` | bigint | `Billed Restore Duration: ... ms` | `metrics.billedRestoreDurationMs` |
//! | `status` | string | `Status: timeout`; `timeout` on timeout lines | `status` (`success`, `failure`, `error`, `timeout`) |
//! | `error_type` | string | `Error Type: Runtime.ExitError` | `errorType` |
//! | `phase` | string | `Phase: init` | `phase` |
//! | `runtime_version`, `runtime_version_arn` | string | `Runtime Version:`, `Runtime Version ARN:` | `runtimeVersion`, `runtimeVersionArn` |
//! | `xray_trace_id`, `xray_segment_id` | string | `XRAY TraceId:`, `SegmentId:` | `Root=` and `Parent=` of `tracing.value` |
//! | `xray_sampled` | boolean | `Sampled: true` | `Sampled=1` of `tracing.value` |
//! | `fields` | map<string,string> | other `Key: value` pairs (`name`, `state`, `events` of `EXTENSION` lines) | |
//! | `json_record` | string (JSON) | | the whole `record` object (spans, tracing, ...) |
//!
//! Text lines separate their pairs with tabs, runs of spaces or single spaces
//! (`START RequestId: <id> Version: $LATEST`); keys are recognised from the list
//! Lambda documents, so values may contain spaces (`128.83 ms`). An unknown
//! one-word `Key:` lands in `fields`. Text lines carry no time stamp (the
//! CloudWatch event time is used) except timeout lines prefixed with one; JSON
//! records carry `time`.

use memchr::memmem;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Format, ParseError, ParseResult, Parsed, Signature, Sniff, join, json_object, prefix};
use crate::time::parse_iso8601;
use crate::value::{Fields, Str};

/// A Lambda platform event.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct LambdaPlatform<'a> {
    /// Event kind: start, end, report, init_start, init_report, runtime_done, timeout, ...
    pub event: Str<'a>,
    /// Invocation request id.
    pub request_id: Option<Str<'a>>,
    /// Function version invoked ($LATEST or a number).
    pub version: Option<Str<'a>>,
    /// Invocation duration in milliseconds (for timeout lines: the timeout reached).
    pub duration_ms: Option<f64>,
    /// Billed duration in milliseconds.
    pub billed_duration_ms: Option<i64>,
    /// Configured memory in MB.
    pub memory_size_mb: Option<i64>,
    /// Peak memory used in MB.
    pub max_memory_used_mb: Option<i64>,
    /// Initialisation (cold start) duration in milliseconds.
    pub init_duration_ms: Option<f64>,
    /// SnapStart restore duration in milliseconds.
    pub restore_duration_ms: Option<f64>,
    /// Billed SnapStart restore duration in milliseconds.
    pub billed_restore_duration_ms: Option<i64>,
    /// Outcome: success, failure, error or timeout.
    pub status: Option<Str<'a>>,
    /// Error type of a failed phase or invocation (e.g. Runtime.ExitError).
    pub error_type: Option<Str<'a>>,
    /// Lifecycle phase of init reports (init or invoke).
    pub phase: Option<Str<'a>>,
    /// Runtime version (e.g. nodejs:20.v13).
    pub runtime_version: Option<Str<'a>>,
    /// ARN of the runtime version.
    pub runtime_version_arn: Option<Str<'a>>,
    /// X-Ray trace id of the invocation.
    pub xray_trace_id: Option<Str<'a>>,
    /// X-Ray segment id of the invocation.
    pub xray_segment_id: Option<Str<'a>>,
    /// Whether the X-Ray trace was sampled.
    pub xray_sampled: Option<bool>,
    /// Other `Key: value` pairs of text lines (key in snake case).
    pub fields: Fields<'a>,
    /// The `record` object of JSON platform events, as JSON text.
    pub json_record: Option<Str<'a>>,
}

/// The columns a text key feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    RequestId,
    Version,
    Duration,
    BilledDuration,
    MemorySize,
    MaxMemoryUsed,
    InitDuration,
    RestoreDuration,
    BilledRestoreDuration,
    TraceId,
    SegmentId,
    Sampled,
    Status,
    ErrorType,
    Phase,
    RuntimeVersion,
    RuntimeVersionArn,
    /// A documented key without a column of its own (EXTENSION/TELEMETRY lines).
    Other(&'static str),
}

/// Keys Lambda writes, longest first so `Billed Duration` wins over `Duration`.
const LABELS: &[(&[&str], Key)] = &[
    (
        &["Billed", "Restore", "Duration"],
        Key::BilledRestoreDuration,
    ),
    (&["Max", "Memory", "Used"], Key::MaxMemoryUsed),
    (&["Runtime", "Version", "ARN"], Key::RuntimeVersionArn),
    (&["Billed", "Duration"], Key::BilledDuration),
    (&["Memory", "Size"], Key::MemorySize),
    (&["Init", "Duration"], Key::InitDuration),
    (&["Restore", "Duration"], Key::RestoreDuration),
    (&["XRAY", "TraceId"], Key::TraceId),
    (&["Error", "Type"], Key::ErrorType),
    (&["Runtime", "Version"], Key::RuntimeVersion),
    (&["RequestId"], Key::RequestId),
    (&["Version"], Key::Version),
    (&["Duration"], Key::Duration),
    (&["SegmentId"], Key::SegmentId),
    (&["Sampled"], Key::Sampled),
    (&["Status"], Key::Status),
    (&["Phase"], Key::Phase),
    (&["Name"], Key::Other("name")),
    (&["State"], Key::Other("state")),
    (&["Events"], Key::Other("events")),
    (&["Types"], Key::Other("types")),
];

/// The `event` of a text line's first word.
fn event_name(word: &str) -> Option<Str<'static>> {
    Some(Str::Borrowed(match word {
        "START" => "start",
        "END" => "end",
        "REPORT" => "report",
        "INIT_START" => "init_start",
        "INIT_REPORT" => "init_report",
        "INIT_RUNTIME_DONE" => "init_runtime_done",
        "RESTORE_START" => "restore_start",
        "RESTORE_REPORT" => "restore_report",
        "EXTENSION" => "extension",
        "TELEMETRY" => "telemetry",
        _ => return None,
    }))
}

/// `128.83 ms` / `74 MB` -> the number.
fn number(value: &str, unit: &str) -> Option<f64> {
    let v = value.trim();
    let v = v.strip_suffix(unit).unwrap_or(v).trim_end();
    v.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn integer(value: &str, unit: &str) -> Option<i64> {
    number(value, unit)
        .filter(|n| n.fract() == 0.0 && n.abs() < 9e15)
        .map(|n| n as i64)
}

impl<'a> LambdaPlatform<'a> {
    /// Stores one text `Key: value` pair; a number that does not read as one is
    /// kept in `fields` rather than lost.
    fn set(&mut self, key: Key, value: &'a str) {
        let text = Some(Str::Borrowed(value));
        let stored = match key {
            Key::RequestId => store(&mut self.request_id, text),
            Key::Version => store(&mut self.version, text),
            Key::Duration => store(&mut self.duration_ms, number(value, "ms")),
            Key::BilledDuration => store(&mut self.billed_duration_ms, integer(value, "ms")),
            Key::MemorySize => store(&mut self.memory_size_mb, integer(value, "MB")),
            Key::MaxMemoryUsed => store(&mut self.max_memory_used_mb, integer(value, "MB")),
            Key::InitDuration => store(&mut self.init_duration_ms, number(value, "ms")),
            Key::RestoreDuration => store(&mut self.restore_duration_ms, number(value, "ms")),
            Key::BilledRestoreDuration => {
                store(&mut self.billed_restore_duration_ms, integer(value, "ms"))
            }
            Key::TraceId => store(&mut self.xray_trace_id, text),
            Key::SegmentId => store(&mut self.xray_segment_id, text),
            Key::Sampled => store(&mut self.xray_sampled, value.parse().ok()),
            Key::Status => store(&mut self.status, text),
            Key::ErrorType => store(&mut self.error_type, text),
            Key::Phase => store(&mut self.phase, text),
            Key::RuntimeVersion => store(&mut self.runtime_version, text),
            Key::RuntimeVersionArn => store(&mut self.runtime_version_arn, text),
            Key::Other(name) => {
                self.fields
                    .insert(Str::Borrowed(name), Str::Borrowed(value));
                true
            }
        };
        if !stored {
            self.fields
                .insert(Str::Borrowed(column_of(key)), Str::Borrowed(value));
        }
    }
}

/// Sets `slot` when there is a value; false when there is none.
fn store<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let some = value.is_some();
    if some {
        *slot = value;
    }
    some
}

/// The column a numeric key feeds, for values kept in `fields`.
fn column_of(key: Key) -> &'static str {
    match key {
        Key::Duration => "duration_ms",
        Key::BilledDuration => "billed_duration_ms",
        Key::MemorySize => "memory_size_mb",
        Key::MaxMemoryUsed => "max_memory_used_mb",
        Key::InitDuration => "init_duration_ms",
        Key::RestoreDuration => "restore_duration_ms",
        Key::BilledRestoreDuration => "billed_restore_duration_ms",
        Key::Sampled => "xray_sampled",
        _ => "value",
    }
}

/// Byte ranges of the whitespace-separated words of `s`.
fn words(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(24);
    let mut start = None;
    for (i, b) in s.bytes().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (true, Some(from)) => {
                out.push((from, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(from) = start {
        out.push((from, s.len()));
    }
    out
}

/// Finds the key ending at word `i` (which ends with `:`), not reaching back to
/// or before word `floor`; returns (first word index, key).
fn key_at(s: &str, w: &[(usize, usize)], i: usize, floor: Option<usize>) -> Option<(usize, Key)> {
    let word = |j: usize| w.get(j).and_then(|&(a, b)| s.get(a..b)).unwrap_or_default();
    let last = word(i).strip_suffix(':')?;
    for (label, key) in LABELS {
        let n = label.len();
        let Some(first) = (i + 1).checked_sub(n) else {
            continue;
        };
        if floor.is_some_and(|f| first <= f) {
            continue;
        }
        let (head, tail) = label.split_at(n - 1);
        if tail.first() == Some(&last)
            && head
                .iter()
                .enumerate()
                .all(|(k, part)| word(first + k) == *part)
        {
            return Some((first, *key));
        }
    }
    None
}

/// Splits `Key: value` pairs and stores them; returns how many keys were found.
fn read_pairs<'a>(rest: &'a str, out: &mut LambdaPlatform<'a>) -> usize {
    let w = words(rest);
    // (key, index of its last word) of the pair being read.
    let mut current: Option<(Key, usize)> = None;
    let mut found = 0;
    let close = |current: Option<(Key, usize)>, end: usize, out: &mut LambdaPlatform<'a>| {
        if let Some((key, last)) = current {
            let from = w.get(last).map_or(end, |&(_, b)| b);
            if let Some(value) = rest.get(from..end).map(str::trim).filter(|v| !v.is_empty()) {
                out.set(key, value);
            }
        }
    };
    for i in 0..w.len() {
        let floor = current.map(|(_, last)| last);
        let Some((first, key)) = key_at(rest, &w, i, floor) else {
            continue;
        };
        let start = w.get(first).map_or(rest.len(), |&(a, _)| a);
        close(current, start, out);
        current = Some((key, i));
        found += 1;
    }
    close(current, rest.len(), out);
    found
}

/// Parses a `Task timed out after 3.00 seconds` line, optionally prefixed by
/// `<iso time> <request id>`.
fn parse_timeout(line: &str, at: usize) -> ParseResult<LambdaPlatform<'_>> {
    let (prefix, message) = line.split_at(at);
    let mut prefix_words = prefix.split_ascii_whitespace();
    let mut time = None;
    let mut request_id = None;
    if let Some(first) = prefix_words.next() {
        time = parse_iso8601(first);
        request_id = if time.is_some() {
            prefix_words.next()
        } else {
            Some(first)
        };
    }
    let seconds = message
        .strip_prefix("Task timed out after")
        .and_then(|s| s.trim().strip_suffix("seconds"))
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite());
    let body = LambdaPlatform {
        event: Str::Borrowed("timeout"),
        request_id: request_id.map(Str::Borrowed),
        duration_ms: seconds.map(|s| s * 1000.0),
        status: Some(Str::Borrowed("timeout")),
        ..LambdaPlatform::default()
    };
    Ok(Parsed::new(body, time))
}

/// Parses a Lambda platform text line.
pub fn parse(line: &str) -> ParseResult<LambdaPlatform<'_>> {
    let line = line.trim();
    if let Some(at) = memmem::find(line.as_bytes(), b"Task timed out after") {
        return parse_timeout(line, at);
    }
    let (word, rest) = line
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((line, ""));
    let known = event_name(word);
    let generic = !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    let Some(event) = known
        .clone()
        .or_else(|| generic.then(|| Str::Owned(word.to_ascii_lowercase())))
    else {
        return Err(ParseError::fixed(
            "not a Lambda platform line (START, END, REPORT, INIT_START, ...)",
        ));
    };
    let mut body = LambdaPlatform {
        event,
        ..LambdaPlatform::default()
    };
    let found = read_pairs(rest, &mut body);
    if known.is_none() && found == 0 {
        return Err(ParseError::new(format!(
            "{word:?} is not a Lambda platform event and no `Key: value` pair follows"
        )));
    }
    if matches!(word, "START" | "END" | "REPORT") && body.request_id.is_none() {
        return Err(ParseError::new(format!("{word} line without RequestId")));
    }
    Ok(Parsed::new(body, None))
}

/// True for JSON platform events: a `type` starting with `platform.` and a
/// `record` object.
pub fn is_platform_record(object: &Map<String, Value>) -> bool {
    object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("platform."))
        && object.get("record").is_some_and(Value::is_object)
}

/// `runtimeDone` -> `runtime_done`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn json_str(value: Option<&Value>) -> Option<Str<'static>> {
    match value? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Str::Owned(s.clone())),
        Value::Number(n) => Some(Str::Owned(n.to_string())),
        _ => None,
    }
}

fn json_f64(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64().filter(|v| v.is_finite()),
        Value::String(s) => s.trim().parse().ok().filter(|v: &f64| v.is_finite()),
        _ => None,
    }
}

fn json_i64(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            json_f64(value)
                .filter(|v| v.fract() == 0.0 && v.abs() < 9e15)
                .map(|v| v as i64)
        }),
        _ => json_f64(value)
            .filter(|v| v.fract() == 0.0 && v.abs() < 9e15)
            .map(|v| v as i64),
    }
}

/// One `Key=value` part of an X-Ray header (`Root=1-...;Parent=...;Sampled=1`).
fn trace_part<'v>(header: &'v str, key: &str) -> Option<&'v str> {
    header
        .split(';')
        .find_map(|part| part.trim().strip_prefix(key)?.strip_prefix('='))
}

/// Maps a JSON `platform.*` event; the event time is `time`.
pub fn from_object(object: Map<String, Value>) -> ParseResult<LambdaPlatform<'static>> {
    if !is_platform_record(&object) {
        return Err(ParseError::fixed(
            "not a Lambda platform event: `type` platform.* with a `record` object expected",
        ));
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let event = snake_case(kind.strip_prefix("platform.").unwrap_or(kind));
    let time = object
        .get("time")
        .and_then(Value::as_str)
        .and_then(parse_iso8601);
    let record = object.get("record");
    let field = |key: &str| record.and_then(|r| r.get(key));
    let metric = |key: &str| field("metrics").and_then(|m| m.get(key));
    let tracing = field("tracing")
        .and_then(|t| t.get("value"))
        .and_then(Value::as_str);
    let duration = json_f64(metric("durationMs"));
    let body = LambdaPlatform {
        request_id: json_str(field("requestId")),
        version: json_str(field("version")).or_else(|| json_str(field("functionVersion"))),
        duration_ms: duration
            .filter(|_| !matches!(event.as_str(), "init_report" | "restore_report")),
        billed_duration_ms: json_i64(metric("billedDurationMs")),
        memory_size_mb: json_i64(metric("memorySizeMB")),
        max_memory_used_mb: json_i64(metric("maxMemoryUsedMB")),
        // An init (restore) report's own duration is the init (restore) duration.
        init_duration_ms: json_f64(metric("initDurationMs"))
            .or(duration.filter(|_| event == "init_report")),
        restore_duration_ms: json_f64(metric("restoreDurationMs"))
            .or(duration.filter(|_| event == "restore_report")),
        billed_restore_duration_ms: json_i64(metric("billedRestoreDurationMs")),
        status: json_str(field("status")),
        error_type: json_str(field("errorType")),
        phase: json_str(field("phase")),
        runtime_version: json_str(field("runtimeVersion")),
        runtime_version_arn: json_str(field("runtimeVersionArn")),
        xray_trace_id: tracing
            .and_then(|t| trace_part(t, "Root"))
            .map(|s| Str::Owned(s.to_owned())),
        xray_segment_id: tracing
            .and_then(|t| trace_part(t, "Parent"))
            .map(|s| Str::Owned(s.to_owned())),
        xray_sampled: tracing
            .and_then(|t| trace_part(t, "Sampled"))
            .map(|s| s == "1"),
        fields: Fields::default(),
        json_record: record.map(|r| Str::Owned(r.to_string())),
        event: Str::Owned(event),
    };
    Ok(Parsed::new(body, time))
}

/// Lambda platform lines and `platform.*` records: the [`Format`] of this module.
pub struct LambdaPlatformFormat;

impl Format for LambdaPlatformFormat {
    type Body<'a> = LambdaPlatform<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        if let Some((first, rest)) = prefix::first_word(b)
            && matches!(
                first,
                b"START"
                    | b"END"
                    | b"REPORT"
                    | b"INIT_START"
                    | b"INIT_REPORT"
                    | b"RESTORE_START"
                    | b"RESTORE_REPORT"
                    | b"EXTENSION"
                    | b"TELEMETRY"
            )
            && (rest.starts_with(b"RequestId:")
                || first.starts_with(b"INIT")
                || first.starts_with(b"RESTORE")
                || rest.starts_with(b"Name:"))
        {
            return Sniff::Line;
        }
        match prefix::is_lambda_timeout(b) {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<LambdaPlatform<'a>> {
        match line.starts_with('{') {
            true => from_object(json_object(line)?),
            false => parse(line),
        }
    }

    fn claims_object(object: &Map<String, Value>) -> bool {
        is_platform_record(object)
    }

    fn from_object(object: Map<String, Value>) -> ParseResult<LambdaPlatform<'static>> {
        from_object(object)
    }

    fn alert_signature<'b>(
        l: &'b LambdaPlatform<'_>,
        _raw: Option<&'b str>,
    ) -> Option<Signature<'b>> {
        Some(Signature {
            module: l.event.as_ref().into(),
            message: join([
                Some(l.event.as_ref()),
                l.status.as_deref(),
                l.error_type.as_deref(),
            ]),
            identity: Vec::new(),
        })
    }

    fn alert_headline(l: &LambdaPlatform<'_>) -> Option<String> {
        Some(join([
            Some(l.event.as_ref()),
            l.status.as_deref(),
            l.error_type.as_deref(),
        ]))
    }

    fn alert_details(
        l: &LambdaPlatform<'_>,
        _raw: Option<&str>,
        field: &mut dyn FnMut(&str, Option<&str>),
    ) {
        field("Event", Some(l.event.as_ref()));
        field("Status", l.status.as_deref());
        field("Error type", l.error_type.as_deref());
        field("Request id", l.request_id.as_deref());
        field(
            "Duration ms",
            l.duration_ms.map(|d| d.to_string()).as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;
    use serde_json::json;

    fn text(line: &str) -> (LambdaPlatform<'_>, Option<i64>) {
        match parse(line) {
            Ok(Parsed { body, time }) => (body, time),
            other => panic!("{line}: {other:?}"),
        }
    }

    fn object(value: Value) -> (LambdaPlatform<'static>, Option<i64>) {
        let Value::Object(o) = value else {
            panic!("not an object")
        };
        assert!(is_platform_record(&o));
        let Parsed { body, time } = from_object(o).unwrap();
        (body, time)
    }

    #[test]
    fn parses_start_and_end() {
        let (p, time) =
            text("START RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac Version: $LATEST");
        assert_eq!(p.event, "start");
        assert_eq!(
            p.request_id.as_deref(),
            Some("c793869b-ee49-115b-a5b6-4fd21e8dedac")
        );
        assert_eq!(p.version.as_deref(), Some("$LATEST"));
        assert_eq!(time, None);
        assert!(matches!(p.request_id, Some(Str::Borrowed(_))));
        let (p, _) = text("END RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\n");
        assert_eq!(
            (p.event.as_ref(), p.request_id.as_deref(), p.version),
            ("end", Some("c793869b-ee49-115b-a5b6-4fd21e8dedac"), None)
        );
    }

    #[test]
    fn parses_a_full_report_with_tabs() {
        let (p, _) = text(
            "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true",
        );
        assert_eq!(p.event, "report");
        assert_eq!(p.duration_ms, Some(128.83));
        assert_eq!(
            (p.billed_duration_ms, p.memory_size_mb, p.max_memory_used_mb),
            (Some(200), Some(128), Some(74))
        );
        assert_eq!(p.init_duration_ms, Some(166.62));
        assert_eq!(
            p.xray_trace_id.as_deref(),
            Some("1-5d9d007f-0a8c7fd02xmpl480aed55ef0")
        );
        assert_eq!(p.xray_segment_id.as_deref(), Some("3d752xmpl1bbe37e"));
        assert_eq!(p.xray_sampled, Some(true));
        assert!(p.fields.is_empty());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["billed_duration_ms"], 200);
        assert_eq!(v["duration_ms"], 128.83);
        assert!(v["status"].is_null());
    }

    #[test]
    fn parses_reports_with_space_runs_and_trailing_separators() {
        let (p, _) = text(
            "REPORT RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8  Duration: 79.67 ms      Billed Duration: 80 ms         Memory Size: 128 MB     Max Memory Used: 73 MB",
        );
        assert_eq!(
            p.request_id.as_deref(),
            Some("57f231fb-1730-4395-85cb-4f71bd2b87b8")
        );
        assert_eq!(
            (
                p.duration_ms,
                p.billed_duration_ms,
                p.memory_size_mb,
                p.max_memory_used_mb
            ),
            (Some(79.67), Some(80), Some(128), Some(73))
        );
        let (p, _) = text(
            "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\tDuration: 26.73 ms\tBilled Duration: 27 ms \tMemory Size: 128 MB\tMax Memory Used: 75 MB\t\n",
        );
        assert_eq!(
            (p.billed_duration_ms, p.max_memory_used_mb),
            (Some(27), Some(75))
        );
    }

    #[test]
    fn parses_timeouts_and_errors_in_reports() {
        let (p, _) = text(
            "REPORT RequestId: abc\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout",
        );
        assert_eq!(p.status.as_deref(), Some("timeout"));
        let (p, _) = text(
            "REPORT RequestId: abc\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: error\tError Type: Runtime.ExitError",
        );
        assert_eq!(
            (p.status.as_deref(), p.error_type.as_deref()),
            (Some("error"), Some("Runtime.ExitError"))
        );
        let (p, _) = text("INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout");
        assert_eq!(
            (
                p.event.as_ref(),
                p.init_duration_ms,
                p.phase.as_deref(),
                p.status.as_deref()
            ),
            ("init_report", Some(10000.0), Some("init"), Some("timeout"))
        );
    }

    #[test]
    fn parses_task_timed_out_lines() {
        let (p, time) = text(
            "2019-06-07T19:11:23.562Z c793869b-ee49-115b-a5b6-4fd21e8dedac Task timed out after 3.00 seconds",
        );
        assert_eq!(
            (p.event.as_ref(), p.status.as_deref()),
            ("timeout", Some("timeout"))
        );
        assert_eq!(
            p.request_id.as_deref(),
            Some("c793869b-ee49-115b-a5b6-4fd21e8dedac")
        );
        assert_eq!(p.duration_ms, Some(3000.0));
        assert_eq!(iso_string(time.unwrap()), "2019-06-07T19:11:23.562Z");
        let (p, time) = text("Task timed out after 900.10 seconds");
        assert_eq!(
            (p.request_id, p.duration_ms, time),
            (None, Some(900_100.0), None)
        );
    }

    #[test]
    fn parses_init_restore_and_extension_lines() {
        let (p, _) = text(
            "INIT_START Runtime Version: nodejs:18.v5\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:c09960ad0af4321e1a7cf013174f7c0d7169bf09af823ca2ad2f93c72ade708a",
        );
        assert_eq!(p.event, "init_start");
        assert_eq!(p.runtime_version.as_deref(), Some("nodejs:18.v5"));
        assert!(
            p.runtime_version_arn
                .as_deref()
                .unwrap()
                .starts_with("arn:aws:lambda:us-east-1::runtime:")
        );
        let (p, _) = text("RESTORE_REPORT Restore Duration: 571.67 ms");
        assert_eq!(
            (p.event.as_ref(), p.restore_duration_ms),
            ("restore_report", Some(571.67))
        );
        let (p, _) = text(
            "REPORT RequestId: r\tDuration: 1.0 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tRestore Duration: 300.1 ms\tBilled Restore Duration: 120 ms",
        );
        assert_eq!(
            (p.restore_duration_ms, p.billed_restore_duration_ms),
            (Some(300.1), Some(120))
        );
        let (p, _) = text("EXTENSION Name: my-ext State: Ready Events: [INVOKE,SHUTDOWN]");
        assert_eq!(p.event, "extension");
        assert_eq!(
            (
                p.fields.get("name"),
                p.fields.get("state"),
                p.fields.get("events")
            ),
            (Some("my-ext"), Some("Ready"), Some("[INVOKE,SHUTDOWN]"))
        );
    }

    #[test]
    fn rejects_what_is_not_a_platform_line() {
        for line in [
            "",
            "hello world",
            "2019-06-07T19:11:20.562Z\tc793\tINFO\tmessage",
            "START something",
            "REPORT Duration: 1 ms",
            "ERROR boom",
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
        // Unparseable numbers are kept, not lost.
        let (p, _) = text("REPORT RequestId: r\tDuration: fast ms");
        assert_eq!(
            (p.duration_ms, p.fields.get("duration_ms")),
            (None, Some("fast ms"))
        );
    }

    #[test]
    fn maps_json_platform_records() {
        let (p, time) = object(json!({
            "time": "2022-10-12T00:01:15.000Z", "type": "platform.report",
            "record": {"metrics": {"billedDurationMs": 694, "durationMs": 693.92, "initDurationMs": 397.68, "maxMemoryUsedMB": 84, "memorySizeMB": 128},
                       "requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "status": "timeout"}
        }));
        assert_eq!(p.event, "report");
        assert_eq!(iso_string(time.unwrap()), "2022-10-12T00:01:15.000Z");
        assert_eq!(
            (p.duration_ms, p.billed_duration_ms, p.init_duration_ms),
            (Some(693.92), Some(694), Some(397.68))
        );
        assert_eq!(
            (p.memory_size_mb, p.max_memory_used_mb, p.status.as_deref()),
            (Some(128), Some(84), Some("timeout"))
        );
        assert!(p.json_record.as_deref().unwrap().contains("\"requestId\""));

        let (p, _) = object(json!({
            "time": "2022-10-12T00:01:15.000Z", "type": "platform.runtimeDone",
            "record": {"requestId": "6d68", "status": "failure", "errorType": "Runtime.ExitError",
                       "tracing": {"spanId": "54565fb41ac79632", "type": "X-Amzn-Trace-Id", "value": "Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"},
                       "metrics": {"durationMs": 140.0, "producedBytes": 16}}
        }));
        assert_eq!(p.event, "runtime_done");
        assert_eq!(
            (p.status.as_deref(), p.error_type.as_deref(), p.duration_ms),
            (Some("failure"), Some("Runtime.ExitError"), Some(140.0))
        );
        assert_eq!(
            (
                p.xray_trace_id.as_deref(),
                p.xray_segment_id.as_deref(),
                p.xray_sampled
            ),
            (
                Some("1-62e900b2-710d76f009d6e7785905449a"),
                Some("0efbd19962d95b05"),
                Some(true)
            )
        );

        let (p, _) = object(
            json!({"time": "2022-10-12T00:00:15.064Z", "type": "platform.initStart",
            "record": {"initializationType": "on-demand", "phase": "init", "runtimeVersion": "nodejs:20.v13", "functionVersion": "$LATEST"}}),
        );
        assert_eq!(
            (
                p.event.as_ref(),
                p.version.as_deref(),
                p.runtime_version.as_deref(),
                p.phase.as_deref()
            ),
            (
                "init_start",
                Some("$LATEST"),
                Some("nodejs:20.v13"),
                Some("init")
            )
        );
        let (p, _) = object(
            json!({"time": "x", "type": "platform.initReport", "record": {"phase": "init", "metrics": {"durationMs": 125.3}}}),
        );
        assert_eq!(
            (p.event.as_ref(), p.init_duration_ms, p.duration_ms),
            ("init_report", Some(125.3), None)
        );
    }

    #[test]
    fn recognises_only_platform_records() {
        let Value::Object(o) = json!({"type": "function", "record": {}}) else {
            unreachable!()
        };
        assert!(!is_platform_record(&o));
        assert!(from_object(o).is_err());
        let Value::Object(o) = json!({"type": "platform.start", "record": "x"}) else {
            unreachable!()
        };
        assert!(!is_platform_record(&o));
    }
}
