//! Property checks for fuzzing: the invariants the fuzz targets (`fuzz/`)
//! assert on arbitrary input, and that the corpus replay tests
//! (`tests/fuzz_corpus.rs`) assert on every checked-in seed and regression.
//!
//! Both run the same functions, so a crash found by `cargo fuzz` on nightly is
//! replayed by a plain `cargo test` on stable once its input is saved under
//! `fuzz/regressions/<target>/`. The checks live in the library (hidden from
//! the documentation, not behind a cargo feature) so that the workspace's
//! ordinary `cargo test` and `cargo clippy` build them without feature
//! plumbing, and the fuzz crate needs nothing but this crate.
//!
//! Every `check_*` takes the raw fuzz input, runs it through the public API the
//! pipeline runs, and returns `Err` naming the first broken invariant. The
//! checks themselves never panic: a panic under them is a bug in the code
//! under test, which libFuzzer reports as a crash.
//!
//! Input layouts (the first byte selects a mode, so one target covers every
//! configuration; `tests/scripts/fuzz.sh seed` writes seeds in these layouts):
//!
//! | target | layout |
//! |---|---|
//! | `parse_line` | mode byte ([`ParseMode::from_byte`]: auto, forced or mapped log_type), then lines separated by `\n` through one parser |
//! | `app_api_body` | limits byte ([`api_limits_for`]), then the request body |
//! | `alert_text` | mode byte (as `parse_line`; it also sets the body limit), then the text |

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value};

use crate::alert::{
    MAX_BODY_BYTES, MAX_SUBJECT_LEN, QueryHint, TRUNCATED_MARKER, build_alert, sanitize_body,
    sanitize_subject,
};
use crate::app_api::{self, ApiError, ApiLimits, MAX_SOURCE_LEN};
use crate::formats::{cloudtrail, lambda_platform};
use crate::parser::{SUSPECT_SKEW_MS, derived_event_id};
use crate::partition::PartitionKey;
use crate::record::{Body, LogType, Record, Severity};
use crate::severity::{Rules, natural_severity};
use crate::time::{Millis, iso_string, parse_iso8601};
use crate::{EventContext, LineParser, SourceConfig};

/// What a check returns: `Err` names the broken invariant.
pub type Verdict = Result<(), String>;

/// A fuzz target's check, by the target's name (the `fuzz/corpus/<name>/` directory).
pub type Target = (&'static str, fn(&[u8]) -> Verdict);

/// The targets whose checks live in this crate.
pub const TARGETS: &[Target] = &[
    ("parse_line", check_parse_line),
    ("app_api_body", check_app_api_body),
    ("alert_text", check_alert_text),
];

/// The corpus replay both crates' `tests/fuzz_corpus.rs` run on stable: each
/// target's check over every seed in `<fuzz_dir>/corpus/<target>/` and every
/// minimised crash in `<fuzz_dir>/regressions/<target>/`. Returns how many
/// inputs each target replayed, or every failure (a broken invariant or a
/// panic, by file; an empty or missing seed directory too: the corpus is
/// checked in).
pub fn replay_corpus(
    fuzz_dir: &Path,
    targets: &[Target],
) -> Result<Vec<(&'static str, usize)>, String> {
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for (target, check) in targets {
        let seeds = corpus_files(&fuzz_dir.join("corpus").join(target));
        let regressions = corpus_files(&fuzz_dir.join("regressions").join(target));
        if seeds.is_empty() {
            failures.push(format!(
                "no seeds in fuzz/corpus/{target}: run tests/scripts/fuzz.sh seed"
            ));
        }
        for path in seeds.iter().chain(&regressions) {
            let failure = match std::fs::read(path) {
                Err(e) => format!("cannot read it: {e}"),
                Ok(data) => match catch_unwind(AssertUnwindSafe(|| check(&data))) {
                    Ok(Ok(())) => continue,
                    Ok(Err(violation)) => violation,
                    Err(panic) => format!(
                        "panicked: {}",
                        panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("(no message)")
                    ),
                },
            };
            failures.push(format!("{}: {failure}", path.display()));
        }
        counts.push((*target, seeds.len() + regressions.len()));
    }
    if failures.is_empty() {
        Ok(counts)
    } else {
        Err(format!(
            "{} inputs break an invariant (reproduce with `cargo +nightly fuzz run <target> <file>`):\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// The files of a corpus directory, sorted; none when it does not exist.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// The delivery time the checks give events without one of their own.
pub const RECEIVED_MS: Millis = 1_772_446_542_118; // 2026-03-02T10:15:42.118Z
/// The request id of the app API checks.
pub const API_REQUEST_ID: &str = "fuzz-request";
/// The log group prefix that [`ParseMode::Mapped`] maps to a log_type.
pub const MAPPED_GROUP_PREFIX: &str = "/fuzz/";

/// Labels the alert body writes at the start of a line (`Label:` padded to
/// 16 columns); any other line that starts at column 0 would be logged text
/// posing as one of the body's own lines.
const ALERT_LABELS: &[&str] = &[
    "About node",
    "Account",
    "Alarm",
    "Application",
    "Attributes",
    "Call id",
    "Conference",
    "Detail",
    "Details",
    "Display name",
    "Duration ms",
    "Error code",
    "Error message",
    "Error type",
    "Event",
    "Event id",
    "Event source",
    "Fingerprint",
    "Identity type",
    "Instance",
    "Last reported",
    "Level",
    "Line",
    "Log group",
    "Log stream",
    "Log type",
    "Message",
    "Module",
    "Node",
    "Parse error",
    "Participant",
    "Participant id",
    "Principal",
    "Protocol",
    "Region",
    "Remote address",
    "Reported by",
    "Request id",
    "Rule",
    "Severity",
    "Source",
    "Source IP",
    "Status",
    "Suppressed",
    "Time",
    "User agent",
];
/// Width of the label column in the alert body.
const ALERT_LABEL_WIDTH: usize = 16;
/// Longest `message` of an API error answer (client text is quoted bounded).
const MAX_API_ERROR_MESSAGE: usize = 1024;

macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// How a `parse_line` or `alert_text` input asks the parser to decide the log_type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseMode {
    /// Content sniffing (the default parser).
    Auto,
    /// [`LineParser::force_type`]: no mapping, no sniffing.
    Forced(LogType),
    /// A source mapping of the event's log group to the type (sniffing gets a
    /// chance when the mapped parser refuses the line); `keep_raw` is on.
    Mapped(LogType),
}

impl ParseMode {
    /// Number of modes: auto, then every log_type forced, then every log_type mapped.
    pub const COUNT: usize = 1 + 2 * LogType::ALL.len();

    /// The mode of a selector byte, modulo [`ParseMode::COUNT`]: 0 is auto,
    /// `1 + i` forces `LogType::ALL[i]`, `1 + ALL.len() + i` maps to it.
    pub fn from_byte(byte: u8) -> ParseMode {
        let n = LogType::ALL.len();
        match usize::from(byte) % Self::COUNT {
            0 => ParseMode::Auto,
            i if i <= n => ParseMode::Forced(LogType::ALL[i - 1]),
            i => ParseMode::Mapped(LogType::ALL[i - 1 - n]),
        }
    }

    /// The parser of this mode and the log group its events come from.
    fn parser(self) -> (LineParser, Option<&'static str>) {
        match self {
            ParseMode::Auto => (default_parser(), None),
            ParseMode::Forced(t) => (default_parser().force_type(t), None),
            ParseMode::Mapped(t) => (MAPPED_PARSER.clone(), Some(mapped_group(t))),
        }
    }
}

/// The built-in severity rules, compiled once (compiling them per input would
/// cost more than the parsing under test).
pub static DEFAULT_RULES: LazyLock<Arc<Rules>> = LazyLock::new(|| Arc::new(Rules::default()));

/// `LineParser::default()` without compiling the rules again: a clone of one
/// built at first use.
pub fn default_parser() -> LineParser {
    static PARSER: LazyLock<LineParser> =
        LazyLock::new(|| LineParser::new(Arc::new(SourceConfig::default()), DEFAULT_RULES.clone()));
    PARSER.clone()
}

/// The parser of [`ParseMode::Mapped`].
static MAPPED_PARSER: LazyLock<LineParser> =
    LazyLock::new(|| LineParser::new(MAPPED_CONFIG.clone(), DEFAULT_RULES.clone()));

/// `/fuzz/<log_type>` for every log_type, each mapped to its type, `keep_raw` on.
static MAPPED_CONFIG: LazyLock<Arc<SourceConfig>> = LazyLock::new(|| {
    let sources: Vec<Value> = LogType::ALL
        .iter()
        .map(|t| serde_json::json!({"log_group": mapped_group(*t), "log_type": t.as_str()}))
        .collect();
    let json = serde_json::json!({"sources": sources, "keep_raw": true}).to_string();
    Arc::new(SourceConfig::from_json(&json).unwrap_or_default())
});

fn mapped_group(log_type: LogType) -> &'static str {
    static GROUPS: LazyLock<Vec<String>> = LazyLock::new(|| {
        LogType::ALL
            .iter()
            .map(|t| format!("{MAPPED_GROUP_PREFIX}{t}"))
            .collect()
    });
    let index = LogType::ALL
        .iter()
        .position(|t| *t == log_type)
        .unwrap_or_default();
    GROUPS
        .get(index)
        .map_or(MAPPED_GROUP_PREFIX, String::as_str)
}

/// The published schema of every log_type, in `LogType::ALL` order.
static SCHEMAS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    LogType::ALL
        .iter()
        .map(|t| crate::schema::schema_for(*t))
        .collect()
});

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
        if let Some(record) = parser.parse_line(line, &ctx) {
            check_record(&record, line, &ctx, mode)?;
        }
    }
    Ok(())
}

/// One typed record against the record contract (design section 4): its JSON
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
    let Value::Object(object) = value else {
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
    check_against_schema(log_type, &object).map_err(|e| format!("{e}: {}", shown()))?;

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

/// Every key is a property of the log_type's schema (which allows no others),
/// every required key is present, and every value has the property's JSON
/// type (the column type Glue reads).
fn check_against_schema(log_type: LogType, object: &Map<String, Value>) -> Verdict {
    let index = LogType::ALL
        .iter()
        .position(|t| *t == log_type)
        .unwrap_or_default();
    let Some(schema) = SCHEMAS.get(index) else {
        return Err(format!("no schema for {log_type}"));
    };
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Err(format!("the {log_type} schema has no properties"));
    };
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        ensure!(
            object.contains_key(required),
            "{log_type} record without its required column {required}"
        );
    }
    for (key, value) in object {
        let Some(property) = properties.get(key) else {
            return Err(format!(
                "{log_type} record has a column its schema does not declare: {key}"
            ));
        };
        ensure!(
            conforms(value, property),
            "{log_type} column {key} = {value} does not fit its schema {property}"
        );
    }
    Ok(())
}

/// The subset of JSON Schema the generated schemas use: `type` (one or a
/// list), `const`, `oneOf`, `items`, `additionalProperties` and the
/// `date-time` format. Integers must fit a signed 64-bit `bigint`.
fn conforms(value: &Value, schema: &Value) -> bool {
    if schema.get("const").is_some_and(|c| c != value) {
        return false;
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array)
        && !branches.iter().any(|b| conforms(value, b))
    {
        return false;
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = match value {
            Value::Null => allowed.contains(&"null"),
            Value::Bool(_) => allowed.contains(&"boolean"),
            Value::Number(n) => {
                allowed.contains(&"number") || (allowed.contains(&"integer") && n.is_i64())
            }
            Value::String(_) => allowed.contains(&"string"),
            Value::Array(_) => allowed.contains(&"array"),
            Value::Object(_) => allowed.contains(&"object"),
        };
        if !fits {
            return false;
        }
    }
    if let (Some(items), Value::Array(values)) = (schema.get("items"), value)
        && !values.iter().all(|v| conforms(v, items))
    {
        return false;
    }
    if let (Some(inner @ Value::Object(_)), Value::Object(values)) =
        (schema.get("additionalProperties"), value)
        && !values.values().all(|v| conforms(v, inner))
    {
        return false;
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && let Value::String(s) = value
    {
        return parse_iso8601(s).is_some();
    }
    true
}

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
                err.status() == if too_large { 413 } else { 400 },
                "status {} for {err:?}",
                err.status()
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
    let Some(record) = default_parser().parse_line(&line, &ctx) else {
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

/// The alert text sanitisers on the raw text, and a whole alert built from the
/// text parsed as a line: subjects are 1..=99 bytes of printable ASCII without
/// doubled or edge spaces; bodies are bounded, keep no control character but
/// `\n` and `\t` (so no CR to forge lines), no escape sequence or invisible
/// format character; sanitising twice changes nothing; and in a built alert
/// every body line that starts at column 0 is one the builder writes (the
/// headline, a labelled line, the Athena and record sections), so logged text
/// can never pose as a line of its own. (`<` and `>` are kept on purpose: the
/// module documents that SNS email is plain text, never markup.)
pub fn check_alert_text(input: &[u8]) -> Verdict {
    let Some((&selector, rest)) = input.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(rest);
    let subject = sanitize_subject(&text);
    check_subject(&subject)?;
    ensure!(
        sanitize_subject(&subject) == subject,
        "sanitize_subject is not idempotent on {subject:?}"
    );
    let max_bytes = usize::from(selector) * 40;
    let body = sanitize_body(&text, max_bytes);
    check_body(&body, max_bytes)?;
    ensure!(
        sanitize_body(&body, max_bytes) == body,
        "sanitize_body is not idempotent on {body:?}"
    );

    let mode = ParseMode::from_byte(selector);
    let (mut parser, log_group) = mode.parser();
    let ctx = EventContext {
        log_group: log_group.or(Some("/fuzz/alerts")),
        log_stream: Some("stream\r\nBcc: x@example.com"),
        account_id: Some("123456789012"),
        received_ms: Some(RECEIVED_MS),
        source: "fuzz-alert",
        ..EventContext::default()
    };
    let Some(record) = parser.parse_line(&text, &ctx) else {
        return Ok(());
    };
    let classification = DEFAULT_RULES.classify(&record);
    let alert = build_alert(
        &record,
        &classification,
        u64::from(selector),
        &QueryHint::default(),
    );
    check_subject(&alert.subject)?;
    check_body(&alert.body, MAX_BODY_BYTES)?;
    ensure!(
        alert.severity == classification.severity
            && alert.attributes.severity == alert.severity.as_str()
            && alert.attributes.log_type == record.log_type().as_str(),
        "alert severity or attributes differ from the record: {alert:?}"
    );
    let source = &alert.attributes.source;
    ensure!(
        !source.is_empty() && source.len() <= 256 && !source.contains(char::is_control),
        "source attribute {source:?} is empty, long or has control characters"
    );
    ensure!(
        alert.fingerprint.len() == 32
            && alert
                .fingerprint
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "fingerprint {:?} is not 32 hex digits",
        alert.fingerprint
    );
    check_alert_lines(&alert.body, alert.severity)
}

/// An SNS subject: 1..=99 bytes of printable ASCII, no edge or doubled spaces.
pub fn check_subject(subject: &str) -> Verdict {
    ensure!(
        !subject.is_empty() && subject.len() <= MAX_SUBJECT_LEN,
        "subject of {} bytes: {subject:?}",
        subject.len()
    );
    ensure!(
        subject.bytes().all(|b| (0x20..=0x7e).contains(&b)),
        "subject has a byte outside printable ASCII: {subject:?}"
    );
    ensure!(
        !subject.starts_with(' ') && !subject.ends_with(' ') && !subject.contains("  "),
        "subject whitespace not collapsed: {subject:?}"
    );
    Ok(())
}

/// A sanitised body: at most `max_bytes`, only `\n` and `\t` among control
/// characters, no escape sequences, invisible format characters or Unicode
/// line separators.
pub fn check_body(body: &str, max_bytes: usize) -> Verdict {
    ensure!(
        body.len() <= max_bytes,
        "body of {} bytes over {max_bytes}",
        body.len()
    );
    let bad = body.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}')
            || is_invisible(c)
    });
    ensure!(bad.is_none(), "body keeps {bad:?}: {body:?}");
    Ok(())
}

/// The invisible format characters `alert` documents as removed (bidi
/// embeddings, overrides and isolates, zero-width characters, BOM, soft hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Every line of a built alert body that starts at column 0 is the builder's.
fn check_alert_lines(body: &str, severity: Severity) -> Verdict {
    let (text, truncated) = match body.strip_suffix(TRUNCATED_MARKER) {
        Some(text) => (text, true),
        None => (body, false),
    };
    let mut lines: Vec<&str> = text.split('\n').collect();
    if truncated {
        // The cut line is a prefix of a builder line: its start is checked with the others
        // only when whole.
        lines.pop();
    }
    let headline = format!("{}: ", severity.as_str().to_ascii_uppercase());
    let workgroup = format!(
        "Look further in Athena (workgroup {}):",
        QueryHint::default().workgroup
    );
    for (number, line) in lines.iter().enumerate() {
        let builder_line = if number == 0 {
            line.starts_with(&headline)
        } else {
            line.is_empty()
                || line.starts_with(' ')
                || *line == "Record:"
                || *line == workgroup
                || is_label_line(line)
        };
        ensure!(
            builder_line,
            "body line {number} starts at column 0 but is not the builder's: {line:?}\n{body}"
        );
    }
    Ok(())
}

/// `Label:` padded to the label column, then the value.
fn is_label_line(line: &str) -> bool {
    let Some(column) = line.get(..ALERT_LABEL_WIDTH) else {
        return false;
    };
    column
        .trim_end()
        .strip_suffix(':')
        .is_some_and(|label| ALERT_LABELS.contains(&label))
        && line.len() > ALERT_LABEL_WIDTH
}

fn lossy(bytes: &[u8]) -> String {
    const SHOWN: usize = 2048;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]);
    match bytes.len() > SHOWN {
        true => format!("{text}..."),
        false => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_cover_every_log_type_forced_and_mapped() {
        assert_eq!(ParseMode::from_byte(0), ParseMode::Auto);
        let n = LogType::ALL.len() as u8;
        for (i, t) in LogType::ALL.iter().enumerate() {
            assert_eq!(ParseMode::from_byte(1 + i as u8), ParseMode::Forced(*t));
            assert_eq!(ParseMode::from_byte(1 + n + i as u8), ParseMode::Mapped(*t));
        }
        assert_eq!(
            ParseMode::from_byte(ParseMode::COUNT as u8),
            ParseMode::Auto
        );
        assert!(
            MAPPED_CONFIG
                .resolve("/fuzz/vpc_flow")
                .is_some_and(|t| t.log_type == LogType::VpcFlow)
        );
    }

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
        let mut record = parser.parse_line(line, &ctx).unwrap();
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

    #[test]
    fn schema_subset_checks_types_and_bigint_range() {
        let int = serde_json::json!({"type": ["integer", "null"]});
        assert!(conforms(&serde_json::json!(5), &int));
        assert!(conforms(&Value::Null, &int));
        assert!(!conforms(&serde_json::json!(u64::MAX), &int));
        assert!(!conforms(&serde_json::json!(1.5), &int));
        assert!(!conforms(&serde_json::json!("5"), &int));
        let map = serde_json::json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert!(conforms(&serde_json::json!({"a": "b"}), &map));
        assert!(!conforms(&serde_json::json!({"a": 1}), &map));
        let time = serde_json::json!({"type": "string", "format": "date-time"});
        assert!(conforms(
            &serde_json::json!("2026-03-02T10:15:42.118Z"),
            &time
        ));
        assert!(!conforms(&serde_json::json!("yesterday"), &time));
    }

    #[test]
    fn alert_lines_from_logged_text_must_be_indented() {
        let body =
            "ERROR: boom\n\nMessage:        boom\n                Rule: none\nRecord:\n  {}\n";
        assert_eq!(check_alert_lines(body, Severity::Error), Ok(()));
        let forged = "ERROR: boom\n\nMessage:        boom\nRule: none\n";
        assert!(check_alert_lines(forged, Severity::Error).is_err());
        assert!(check_alert_lines("WARNING: x\n", Severity::Error).is_err());
    }

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
