//! Alerts (design section 8): a classified record turned into one SNS message.
//!
//! | part | SNS field | notes |
//! |---|---|---|
//! | `subject` | `Subject` | `[CRITICAL] pexip px-conf01: Connectivity lost to node. (10.1.1.128)`: printable ASCII only, no line breaks, at most [`MAX_SUBJECT_LEN`] (99) bytes, never empty |
//! | `body` | `Message` | plain text for the person on call: what, where, when, call identities, the rule, suppressed repeats, an Athena query to look further, the record itself; at most [`MAX_BODY_BYTES`] |
//! | `attributes.severity` | message attribute `severity` | `critical` ... `debug` |
//! | `attributes.log_type` | message attribute `log_type` | the record's log_type |
//! | `attributes.source` | message attribute `source` | [`source_of`]: node, application, event source, load balancer, bucket, interface or log group |
//! | `fingerprint` | (dedupe key) | [`fingerprint`]: 32 hex digits; one problem repeated shares it |
//! | `dedupe_window` | (dedupe TTL) | from the rule that fired, else the default |
//!
//! Sanitising (SNS delivers email as `text/plain`, so nothing is HTML-escaped):
//! - The subject keeps printable ASCII (0x20..=0x7e); any whitespace or line
//!   break becomes one space, control characters, ANSI escape sequences and
//!   invisible format characters (bidi overrides, zero-width) are dropped, every
//!   other non-ASCII character becomes `?`. AWS documents the subject as "less
//!   than 100 characters", so it is cut to 99 with `...`.
//! - The body keeps `\n` and `\t`; `\r\n` and a lone `\r` become `\n`; other
//!   control characters, ANSI escape sequences and invisible format characters
//!   are removed; Unicode line and paragraph separators become spaces. Markup
//!   characters such as `<` and `>` are kept: the body is never interpreted as
//!   markup or headers (SNS builds the email headers itself, and the subject can
//!   hold no line break). So that text from a log line cannot pose as one of the
//!   body's own labelled lines, every continuation line of a value is indented.
//!   The body is cut at a character boundary with a `... (truncated)` marker.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::iter::Peekable;
use std::str::Chars;
use std::sync::LazyLock;
use std::time::Duration;

use regex::{Captures, Regex};

use crate::partition::PartitionKey;
use crate::record::{Body, Record, Severity};
use crate::severity::Classification;
use crate::time::iso_string;

/// Longest subject: AWS requires subjects "less than 100 characters long".
pub const MAX_SUBJECT_LEN: usize = 99;
/// Largest body (SNS allows 256 KB; an on-call email stays short).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Longest normalised message, in characters.
pub const MAX_NORMALISED_CHARS: usize = 512;
/// Appended to a body that was cut.
pub const TRUNCATED_MARKER: &str = "\n... (truncated)";
/// Subject used when nothing printable is left.
const FALLBACK_SUBJECT: &str = "logwrangler alert";
/// Longest message attribute value.
const MAX_ATTRIBUTE_LEN: usize = 256;
/// Longest single value shown in the body, so one huge SIP `Detail` cannot
/// push the query hint out of the bounded body.
const MAX_VALUE_LEN: usize = 1024;
/// Only this much of a message is normalised (alerts are rare; bound the work anyway).
const MAX_NORMALISE_INPUT: usize = 4096;
/// Width of the labels in the body.
const LABEL_WIDTH: usize = 16;

/// SNS message attributes, so subscribers can filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertAttributes {
    /// Normalised severity name.
    pub severity: &'static str,
    /// The record's log_type.
    pub log_type: String,
    /// Who produced the record ([`source_of`]).
    pub source: String,
}

/// One SNS alert, ready to publish (after the dedupe check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Severity: decides the topic.
    pub severity: Severity,
    /// Dedupe key: equal for repeats of one problem ([`fingerprint`]).
    pub fingerprint: String,
    /// Email subject, already sanitised.
    pub subject: String,
    /// Plain-text message, already sanitised and bounded.
    pub body: String,
    /// Message attributes.
    pub attributes: AlertAttributes,
    /// Name of the rule that decided the severity, if any.
    pub rule: Option<String>,
    /// Repeats of the fingerprint inside this window are published once.
    pub dedupe_window: Duration,
    /// The record's event id.
    pub event_id: String,
}

/// Where the Athena hint in the body points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryHint {
    /// Glue database holding one table per log_type.
    pub database: String,
    /// Athena workgroup to run the query in.
    pub workgroup: String,
}

impl Default for QueryHint {
    fn default() -> Self {
        QueryHint {
            database: "logwrangler".into(),
            workgroup: "logwrangler".into(),
        }
    }
}

/// Who produced a record: the Pexip node that sent the line, the application,
/// the CloudTrail event source, the load balancer, the bucket, the network
/// interface; else the log group, else `unknown`. Never empty, at most 256
/// bytes, no control characters (it becomes a message attribute).
pub fn source_of(record: &Record<'_>) -> String {
    let named = match &record.body {
        Body::PexipSupport(p) => Some(p.node.as_ref()),
        Body::PexipAudit(p) => Some(p.node.as_ref()),
        Body::PexipWeb(p) => Some(p.node.as_ref()),
        Body::App(a) => a.source_application.as_deref(),
        Body::CloudTrail(c) => c.event_source.as_deref(),
        Body::Alb(a) => Some(a.elb.as_ref()),
        Body::ElbClassic(e) => Some(e.elb.as_ref()),
        Body::CloudFront(c) => c.cs_host.as_deref().or(c.x_host_header.as_deref()),
        Body::S3Access(s) => s.bucket.as_deref(),
        Body::VpcFlow(v) => v.interface_id.as_deref(),
        Body::LambdaPlatform(_) | Body::Json(_) | Body::Unparsed(_) => None,
    };
    let clean = |s: &str| {
        let s: String = s.chars().filter(|c| !c.is_control()).collect();
        let s = s.trim();
        (!s.is_empty()).then(|| clip(s, MAX_ATTRIBUTE_LEN, "").into_owned())
    };
    named
        .and_then(clean)
        .or_else(|| record.envelope.log_group.as_deref().and_then(clean))
        .unwrap_or_else(|| "unknown".into())
}

/// The variable parts of a message, in the order they are tried at each position.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?P<quoted>"[^"]{0,256}"|\B'[^'\n]{0,256}'\B)"#,
        r"|(?P<uuid>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)",
        r"|(?P<time>\b[0-9]{4}-[0-9]{2}-[0-9]{2}[t ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:z|[+-][0-9]{2}:?[0-9]{2})?",
        r"|\b[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?\b)",
        r"|(?P<ip6>\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b",
        r"|(?:\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:(?:[0-9a-f]{1,4}:)*(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f]{1,4}))?\b)",
        r"|(?P<ip4>\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b)",
        r"|(?P<hex>\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b)",
        r"|(?P<n>\b[0-9]+(?:\.[0-9]+)?)",
    ))
    .expect("the normalising pattern is valid")
});

/// A message with its variable parts replaced, so repeats of one problem
/// compare equal: lower-cased, whitespace collapsed, UUIDs `<uuid>`, times
/// `<time>`, IPv4/IPv6 addresses `<ip>`, long hex (8+ digits with a digit, or
/// `0x...`) `<hex>`, numbers that start a word `<n>` (so `px-conf01` stays a
/// name while `500`, `1200ms` and `10.5` do not). Quoted strings
/// (`"..."`, `'...'`) are kept as they are: they usually name the thing in
/// trouble. At most [`MAX_NORMALISED_CHARS`] characters.
pub fn normalise_message(text: &str) -> String {
    let text = clip(text, MAX_NORMALISE_INPUT, "");
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.extend(word.chars().flat_map(char::to_lowercase));
    }
    let replaced = VARIABLE.replace_all(&collapsed, |caps: &Captures<'_>| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let token = if caps.name("uuid").is_some() {
            "<uuid>"
        } else if caps.name("time").is_some() {
            "<time>"
        } else if (caps.name("ip6").is_some() && whole != "::") || caps.name("ip4").is_some() {
            "<ip>"
        } else if caps.name("hex").is_some() && whole.bytes().all(|b| b.is_ascii_digit()) {
            "<n>"
        } else if caps.name("hex").is_some() && whole.bytes().any(|b| b.is_ascii_digit()) {
            "<hex>"
        } else if caps.name("n").is_some() {
            "<n>"
        } else {
            // Quoted text, a bare `::`, or an all-letter word like `deadbeef`.
            whole
        };
        token.to_owned()
    });
    replaced.chars().take(MAX_NORMALISED_CHARS).collect()
}

/// What identifies the problem a record reports: the module or event name,
/// the message (normalised), and identities that are compared as written
/// (the node an alarm or connectivity loss is about: IP addresses there must
/// not be normalised away, or two lost nodes would share one alert).
struct Signature<'r> {
    module: Cow<'r, str>,
    message: String,
    identity: Vec<&'r str>,
}

/// Body keys that change with every event and say nothing about the problem.
const VOLATILE_KEYS: &[&str] = &[
    "time",
    "timestamp",
    "syslog_time",
    "request_time",
    "request_creation_time",
    "event_time",
    "audit_time",
    "audit_serial",
    "date",
    "request_id",
    "trace_id",
    "conn_trace_id",
    "x_edge_request_id",
    "host_id",
    "version_id",
    "event_id_ct",
    "shared_event_id",
    "xray_trace_id",
    "xray_segment_id",
    "start",
    "end",
];

/// The present, non-empty parts joined by `sep`.
fn join_with<'s>(sep: &str, parts: impl IntoIterator<Item = Option<&'s str>>) -> String {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(sep)
}

fn join<'s>(parts: impl IntoIterator<Item = Option<&'s str>>) -> String {
    join_with(" ", parts)
}

fn signature<'r>(record: &'r Record<'_>) -> Signature<'r> {
    let mut identity = Vec::new();
    let (module, message): (Cow<'r, str>, String) = match &record.body {
        Body::PexipSupport(p) => {
            let mut message = p.message.as_deref().unwrap_or_default().to_owned();
            match p.name.as_ref() {
                "administrator.alarm" => identity.extend([
                    p.keys.alarm.as_deref().unwrap_or_default(),
                    p.fields.get("node").unwrap_or_default(),
                    p.keys.instance.as_deref().unwrap_or_default(),
                ]),
                "administrator.system.connectivity" => {
                    identity.push(p.fields.get("node").unwrap_or_default());
                }
                _ => {}
            }
            // Disconnect reasons tell problems apart ("Media timeout" is not "Call rejected").
            if message.starts_with("Participant has disconnected")
                && let Some(detail) = &p.detail
            {
                message.push(' ');
                message.push_str(detail);
            }
            (Cow::Borrowed(p.name.as_ref()), message)
        }
        Body::App(a) => (
            Cow::Borrowed(""),
            a.message
                .as_deref()
                .or(a.details.as_deref())
                .unwrap_or_default()
                .to_owned(),
        ),
        Body::CloudTrail(c) => {
            identity.push(c.recipient_account_id.as_deref().unwrap_or_default());
            (
                Cow::Borrowed(c.event_name.as_deref().unwrap_or_default()),
                join([
                    c.event_name.as_deref(),
                    c.error_code.as_deref(),
                    c.user_identity_arn.as_deref(),
                ]),
            )
        }
        Body::LambdaPlatform(l) => (
            Cow::Borrowed(l.event.as_ref()),
            join([
                Some(l.event.as_ref()),
                l.status.as_deref(),
                l.error_type.as_deref(),
            ]),
        ),
        Body::Unparsed(u) => (
            Cow::Borrowed(""),
            record
                .envelope
                .raw
                .as_deref()
                .unwrap_or(u.parse_error.as_ref())
                .to_owned(),
        ),
        Body::Json(j) => (
            Cow::Borrowed(""),
            j.attributes.as_deref().unwrap_or_default().to_owned(),
        ),
        other => {
            let mut value = serde_json::to_value(other).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.retain(|k, _| !VOLATILE_KEYS.contains(&k.as_str()));
            }
            (Cow::Borrowed(""), value.to_string())
        }
    };
    Signature {
        module,
        message,
        identity,
    }
}

/// A stable dedupe key: 32 hex digits of the xxh3-128 hash of the log_type,
/// the source, the module or event name, the normalised message and the
/// identities that separate otherwise equal alerts. The message is: Pexip
/// `message` (with the disconnect reason for disconnects; identities `Alarm`,
/// `Node` and `Instance` for alarms, `Node` for connectivity changes), app
/// `message`, CloudTrail `event_name` + `error_code` + `user_identity_arn`
/// (identity: the recipient account), Lambda `event` + `status` +
/// `error_type`, the raw line of `unparsed` records, the attributes of `json`
/// records, and the body without its time and id columns for other types.
pub fn fingerprint(record: &Record<'_>) -> String {
    let signature = signature(record);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut part = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(record.log_type().as_str().as_bytes());
    part(source_of(record).as_bytes());
    part(normalise_message(&signature.module).as_bytes());
    part(normalise_message(&signature.message).as_bytes());
    for id in &signature.identity {
        part(id.trim().to_lowercase().as_bytes());
    }
    format!("{:032x}", hasher.digest128())
}

/// Cuts `text` to at most `max` bytes at a character boundary, appending
/// `marker` (counted in `max`) when something was cut.
fn clip<'t>(text: &'t str, max: usize, marker: &str) -> Cow<'t, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let marker = if marker.len() <= max { marker } else { "" };
    let mut end = max - marker.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{marker}", &text[..end]))
}

/// Invisible format characters that can disguise text: bidi embeddings,
/// overrides and isolates, zero-width characters, the BOM, the soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Skips the rest of an escape sequence after ESC: CSI (`ESC [ ... final`),
/// OSC (`ESC ] ... BEL` or `ESC ] ... ESC \`), or one character.
fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// An SNS subject: printable ASCII (0x20..=0x7e) only, whitespace and line
/// breaks collapsed to single spaces, control characters, ANSI escapes and
/// invisible characters dropped, other non-ASCII characters `?`, at most
/// [`MAX_SUBJECT_LEN`] bytes (cut with `...`), never empty.
pub fn sanitize_subject(text: &str) -> String {
    let mut out = String::with_capacity(MAX_SUBJECT_LEN + 2);
    let mut space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > MAX_SUBJECT_LEN {
            break;
        }
        let keep = match c {
            '\u{1b}' => {
                skip_escape(&mut chars);
                continue;
            }
            c if c.is_whitespace() => {
                space = !out.is_empty();
                continue;
            }
            c if c.is_control() || is_invisible(c) => continue,
            ' '..='~' => c,
            _ => '?',
        };
        if space {
            out.push(' ');
            space = false;
        }
        out.push(keep);
    }
    if out.len() > MAX_SUBJECT_LEN {
        out.truncate(MAX_SUBJECT_LEN - 3);
        out.truncate(out.trim_end().len());
        out.push_str("...");
    }
    if out.is_empty() {
        out.push_str(FALLBACK_SUBJECT);
    }
    out
}

/// A plain-text SNS message: `\n` and `\t` kept, `\r\n` and a lone `\r` turned
/// into `\n`, Unicode line/paragraph separators and NEL into spaces, other
/// control characters, ANSI escape sequences and invisible format characters
/// removed; at most `max_bytes` bytes, cut at a character boundary with
/// [`TRUNCATED_MARKER`] (counted in the limit) when longer. Work stops soon
/// after the limit, whatever the input size.
pub fn sanitize_body(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes) + 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > max_bytes {
            break;
        }
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{85}' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    if out.len() > max_bytes {
        out = clip(&out, max_bytes, TRUNCATED_MARKER).into_owned();
    }
    out
}

/// An SQL string literal: single quotes doubled.
fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A quoted SQL identifier: double quotes doubled.
fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The Athena query that shows the record's neighbourhood: its table and day
/// partition, narrowed to the call, conference, application, principal or log
/// group it belongs to (the event id when nothing better is known).
fn athena_query(record: &Record<'_>, database: &str) -> String {
    let env = &record.envelope;
    fn usable(v: Option<&str>) -> Option<&str> {
        v.filter(|v| !v.is_empty() && !v.contains(char::is_control))
    }
    let mut filters: Vec<(&str, String)> = Vec::new();
    let mut add = |column: &'static str, value: Option<&str>| match usable(value) {
        Some(value) => {
            filters.push((column, value.to_owned()));
            true
        }
        None => false,
    };
    let narrowed = match &record.body {
        Body::PexipSupport(p) => {
            add("call_id", p.keys.call_id.as_deref())
                || add("conference", p.keys.conference.as_deref())
                || (add("node", Some(p.node.as_ref())) & add("name", Some(p.name.as_ref())))
        }
        Body::App(a) => add("source_application", a.source_application.as_deref()),
        Body::CloudTrail(c) => {
            add("event_name", c.event_name.as_deref())
                | add("user_identity_arn", c.user_identity_arn.as_deref())
        }
        _ => add("log_group", env.log_group.as_deref()),
    };
    if !narrowed {
        add("event_id", Some(env.event_id.as_ref()));
    }
    let key = PartitionKey::of(record);
    let mut sql = format!(
        "SELECT * FROM {}.{} WHERE",
        sql_ident(database),
        sql_ident(record.log_type().as_str())
    );
    for name in ["year", "month", "day"] {
        let value = key.get(name).unwrap_or_default();
        let _ = write!(sql, " {}={} AND", sql_ident(name), sql_string(value));
    }
    for (i, (column, value)) in filters.iter().enumerate() {
        let and = if i == 0 { "" } else { " AND" };
        let _ = write!(sql, "{and} {}={}", sql_ident(column), sql_string(value));
    }
    sql.push_str(" ORDER BY \"timestamp\" LIMIT 200");
    sql
}

/// Writes `label: value`, the value clipped and its continuation lines
/// indented under the value (so no line of a logged value starts at column 0).
/// The value is sanitised first: one of nothing but control, escape or
/// invisible characters is no value, not a label with nothing after it.
fn field(out: &mut String, label: &str, value: Option<&str>) {
    let Some(value) = value.map(|v| sanitize_body(v, usize::MAX)) else {
        return;
    };
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    let value = clip(value, MAX_VALUE_LEN, "...");
    let value = value.replace("\r\n", "\n");
    let _ = write!(out, "{:<width$}", format!("{label}:"), width = LABEL_WIDTH);
    for (i, line) in value.split(['\n', '\r']).enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(LABEL_WIDTH));
        }
        out.push_str(line);
    }
    out.push('\n');
}

/// A duration for people: `15 min`, `90 s`.
fn human(window: Duration) -> String {
    let secs = window.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

/// The one-line summary in the subject and the body's first line (whitespace
/// and line breaks collapsed, so logged text cannot start a line of its own).
fn headline(record: &Record<'_>) -> String {
    let text = headline_text(record);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn headline_text(record: &Record<'_>) -> String {
    match &record.body {
        Body::PexipSupport(p) => {
            let message = p
                .message
                .as_deref()
                .filter(|m| !m.is_empty())
                .unwrap_or(p.name.as_ref());
            let about = p.fields.get("node");
            let context = match p.name.as_ref() {
                "administrator.alarm" => join_with(
                    " on ",
                    [
                        p.keys.alarm.as_deref().map(|a| a.trim_end_matches('.')),
                        p.keys.instance.as_deref().or(about),
                    ],
                ),
                "administrator.system.connectivity" => about.unwrap_or_default().to_owned(),
                _ => join_with(
                    ": ",
                    [
                        p.keys.conference.as_deref(),
                        p.detail.as_deref().and_then(|d| d.lines().next()),
                    ],
                ),
            };
            match context.is_empty() {
                true => message.to_owned(),
                false => format!("{message} ({context})"),
            }
        }
        Body::App(a) => a
            .message
            .as_deref()
            .unwrap_or("application event")
            .to_owned(),
        Body::CloudTrail(c) => {
            let mut line = c.event_name.as_deref().unwrap_or("event").to_owned();
            if let Some(who) = c
                .user_identity_arn
                .as_deref()
                .or(c.user_identity_type.as_deref())
            {
                let _ = write!(line, " by {who}");
            }
            if let Some(code) = c.error_code.as_deref() {
                let _ = write!(line, ": {code}");
            }
            line
        }
        Body::LambdaPlatform(l) => join([
            Some(l.event.as_ref()),
            l.status.as_deref(),
            l.error_type.as_deref(),
        ]),
        Body::Unparsed(u) => format!("unparsed line: {}", u.parse_error),
        _ => format!("{} event", record.log_type()),
    }
}

/// The type-specific lines of the body.
fn details(out: &mut String, record: &Record<'_>) {
    match &record.body {
        Body::PexipSupport(p) => {
            let k = &p.keys;
            field(out, "Message", p.message.as_deref());
            field(out, "Detail", p.detail.as_deref());
            field(out, "Node", Some(p.node.as_ref()));
            field(out, "Module", Some(p.name.as_ref()));
            field(out, "Level", Some(p.level.as_ref()));
            field(out, "Conference", k.conference.as_deref());
            field(out, "Call id", k.call_id.as_deref());
            field(out, "Participant", k.participant.as_deref());
            field(out, "Participant id", k.participant_id.as_deref());
            field(out, "Display name", k.displayname.as_deref());
            field(out, "Protocol", k.protocol.as_deref());
            field(out, "Remote address", k.remote_address.as_deref());
            field(out, "Alarm", k.alarm.as_deref());
            field(out, "About node", p.fields.get("node"));
            field(out, "Instance", k.instance.as_deref());
            field(out, "Reported by", k.src_node.as_deref());
            field(out, "Last reported", k.last_reported.as_deref());
        }
        Body::App(a) => {
            field(out, "Message", a.message.as_deref());
            field(out, "Details", a.details.as_deref());
            field(out, "Application", a.source_application.as_deref());
            field(out, "Level", a.log_level.as_deref());
            field(out, "Attributes", a.attributes.as_deref());
        }
        Body::CloudTrail(c) => {
            field(out, "Event", c.event_name.as_deref());
            field(out, "Event source", c.event_source.as_deref());
            field(out, "Principal", c.user_identity_arn.as_deref());
            field(out, "Identity type", c.user_identity_type.as_deref());
            field(out, "Source IP", c.source_ip_address.as_deref());
            field(out, "User agent", c.user_agent.as_deref());
            field(out, "Region", c.aws_region.as_deref());
            field(out, "Error code", c.error_code.as_deref());
            field(out, "Error message", c.error_message.as_deref());
        }
        Body::LambdaPlatform(l) => {
            field(out, "Event", Some(l.event.as_ref()));
            field(out, "Status", l.status.as_deref());
            field(out, "Error type", l.error_type.as_deref());
            field(out, "Request id", l.request_id.as_deref());
            field(
                out,
                "Duration ms",
                l.duration_ms.map(|d| d.to_string()).as_deref(),
            );
        }
        Body::Unparsed(u) => {
            field(out, "Parse error", Some(u.parse_error.as_ref()));
            field(out, "Line", record.envelope.raw.as_deref());
        }
        _ => {}
    }
}

/// Builds the SNS alert of a classified record. `suppressed_since_last` is the
/// number of repeats of its fingerprint that dedupe held back since the last
/// published alert (reported in the body when above zero).
pub fn build_alert(
    record: &Record<'_>,
    classification: &Classification<'_>,
    suppressed_since_last: u64,
    query_hint: &QueryHint,
) -> Alert {
    let env = &record.envelope;
    let severity = classification.severity;
    let source = source_of(record);
    let headline = headline(record);
    let label = match record.log_type().as_str() {
        t if t.starts_with("pexip_") => "pexip",
        t => t,
    };
    let upper = severity.as_str().to_ascii_uppercase();
    let subject = sanitize_subject(&format!("[{upper}] {label} {source}: {headline}"));
    let fingerprint = fingerprint(record);

    let mut body = String::with_capacity(2048);
    let _ = writeln!(body, "{upper}: {}\n", clip(&headline, MAX_VALUE_LEN, "..."));
    details(&mut body, record);
    field(&mut body, "Severity", Some(severity.as_str()));
    let rule = classification.rule.map(|rule| {
        format!(
            "{rule} (repeats within {} are sent once)",
            human(classification.dedupe_window)
        )
    });
    field(
        &mut body,
        "Rule",
        rule.as_deref().or(Some("none (the record's own level)")),
    );
    if suppressed_since_last > 0 {
        let repeats = format!(
            "{suppressed_since_last} repeat(s) of this alert were held back since the last one sent"
        );
        field(&mut body, "Suppressed", Some(&repeats));
    }
    field(&mut body, "Time", Some(&iso_string(env.timestamp)));
    field(&mut body, "Source", Some(&source));
    field(&mut body, "Log type", Some(record.log_type().as_str()));
    field(&mut body, "Log group", env.log_group.as_deref());
    field(&mut body, "Log stream", env.log_stream.as_deref());
    field(&mut body, "Account", env.account_id.as_deref());
    field(&mut body, "Event id", Some(env.event_id.as_ref()));
    field(&mut body, "Fingerprint", Some(&fingerprint));
    let _ = write!(
        body,
        "\nLook further in Athena (workgroup {}):\n  {}\n\nRecord:\n  {}\n",
        query_hint.workgroup,
        athena_query(record, &query_hint.database),
        record.to_json()
    );

    Alert {
        severity,
        fingerprint,
        subject,
        body: sanitize_body(&body, MAX_BODY_BYTES),
        attributes: AlertAttributes {
            severity: severity.as_str(),
            log_type: record.log_type().as_str().to_owned(),
            source,
        },
        rule: classification.rule.map(str::to_owned),
        dedupe_window: classification.dedupe_window,
        event_id: env.event_id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LogType;
    use crate::severity::Rules;
    use crate::{EventContext, LineParser};
    use proptest::prelude::*;

    const ALARM: &str = r#"2026-03-02T10:17:41.199+00:00 px-mgr01 2026-03-02 10:17:41,198 Level="WARNING" Name="administrator.alarm" Message="Alarm raised" Node="10.1.1.128" Alarm="Call capacity limit reached" Instance="px-conf02" Time="2026-03-02 10:17:41.198" Detail="Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)""#;
    const DISCONNECT: &str = r#"2026-03-02T10:19:57.342+00:00 px-conf01 2026-03-02 10:19:57,341 Level="INFO" Name="administrator.conference" Message="Participant has disconnected." Conference="meet.alice" Participant="sip:bob@example.com" Protocol="SIP" Call-id="ab6dabf8-437e-45c8-8f7d-6978c44116c9" Participant-id="0f3c6d2e-5b1a-4f0e-9a61-2c8e7d9b4a10" Remote-address="204.10.5.223" Duration="206.863" Detail="Media process disconnected""#;
    const ROOT_LOGIN: &str = r#"{"eventVersion": "1.09", "userIdentity": {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"}, "eventTime": "2026-11-24T07:02:11Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23", "userAgent": "Mozilla/5.0", "responseElements": {"ConsoleLogin": "Success"}, "eventID": "a1b2c3d4-0000-4000-8000-000000000003", "eventType": "AwsConsoleSignIn", "recipientAccountId": "123456789012"}"#;

    fn lost(time: &str, node: &str) -> String {
        format!(
            r#"2026-03-02T{time}.807+00:00 px-mgr01 2026-03-02 {time},806 Level="WARNING" Name="administrator.system.connectivity" Message="Connectivity lost to node." Node="{node}" Src-Node="10.1.1.127" Last-Reported="Mon Mar  2 {time} 2026""#
        )
    }

    fn parse<'a>(line: &'a str, event_id: &'a str) -> Record<'a> {
        let ctx = EventContext {
            log_group: Some("/pexip/support"),
            log_stream: Some("px-stream"),
            account_id: Some("123456789012"),
            event_id: Some(event_id),
            ..EventContext::default()
        };
        LineParser::default()
            .parse_line(line, &ctx)
            .into_record()
            .expect("a record")
    }

    /// One labelled body line as `field` writes it.
    fn labelled(label: &str, value: &str) -> String {
        format!("\n{:<LABEL_WIDTH$}{value}\n", format!("{label}:"))
    }

    fn alert(record: &Record<'_>, suppressed: u64) -> Alert {
        let rules = Rules::default();
        build_alert(
            record,
            &rules.classify(record),
            suppressed,
            &QueryHint::default(),
        )
    }

    #[test]
    fn raised_alarm_is_critical_and_names_alarm_and_node() {
        let record = parse(ALARM, "ev-1");
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule.as_deref(), Some("pexip-alarm-raised"));
        assert_eq!(a.dedupe_window, Duration::from_secs(900));
        assert_eq!(
            a.subject,
            "[CRITICAL] pexip px-mgr01: Alarm raised (Call capacity limit reached on px-conf02)"
        );
        assert_eq!(
            a.attributes,
            AlertAttributes {
                severity: "critical",
                log_type: "pexip_support".into(),
                source: "px-mgr01".into()
            }
        );
        assert_eq!(a.event_id, "ev-1");
        assert!(a.body.starts_with(
            "CRITICAL: Alarm raised (Call capacity limit reached on px-conf02)\n\nMessage:        Alarm raised\n"
        ));
        for want in [
            labelled("Alarm", "Call capacity limit reached"),
            labelled("About node", "10.1.1.128"),
            labelled("Detail", "Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)"),
            labelled("Rule", "pexip-alarm-raised (repeats within 15 min are sent once)"),
            labelled("Time", "2026-03-02T10:17:41.198Z"),
            labelled("Log group", "/pexip/support"),
            labelled("Account", "123456789012"),
            r#"SELECT * FROM "logwrangler"."pexip_support" WHERE "year"='2026' AND "month"='03' AND "day"='02' AND "node"='px-mgr01' AND "name"='administrator.alarm' ORDER BY "timestamp""#.into(),
        ] {
            assert!(a.body.contains(&want), "missing {want:?} in\n{}", a.body);
        }
        assert!(!a.body.contains("Suppressed"));
        // The same alarm about another node is another alert; a lowered alarm is not critical.
        let other = ALARM
            .replace("px-conf02", "px-conf03")
            .replace("10.1.1.128", "10.1.1.129");
        assert_ne!(fingerprint(&parse(&other, "ev-2")), a.fingerprint);
        let lowered = ALARM.replace("Alarm raised", "Alarm lowered");
        assert_eq!(alert(&parse(&lowered, "ev-3"), 0).severity, Severity::Info);
    }

    #[test]
    fn connectivity_loss_alerts_once_per_node() {
        let (l1, l2, l3) = (
            lost("10:18:00", "10.1.1.128"),
            lost("10:19:30", "10.1.1.128"),
            lost("10:18:00", "10.1.1.129"),
        );
        let first = alert(&parse(&l1, "ev-1"), 0);
        let again = alert(&parse(&l2, "ev-2"), 4);
        let other = alert(&parse(&l3, "ev-3"), 0);
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.fingerprint, again.fingerprint);
        assert_ne!(first.fingerprint, other.fingerprint);
        assert_eq!(first.fingerprint.len(), 32);
        assert!(first.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            first.subject,
            "[CRITICAL] pexip px-mgr01: Connectivity lost to node. (10.1.1.128)"
        );
        assert!(again.body.contains(&labelled(
            "Suppressed",
            "4 repeat(s) of this alert were held back since the last one sent"
        )));
        assert!(
            first.body.contains(&labelled("Reported by", "10.1.1.127")),
            "{}",
            first.body
        );
    }

    #[test]
    fn abnormal_disconnect_names_the_call() {
        let record = parse(DISCONNECT, "ev-1");
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Warning);
        assert_eq!(a.rule.as_deref(), Some("pexip-abnormal-disconnect"));
        assert_eq!(
            a.subject,
            "[WARNING] pexip px-conf01: Participant has disconnected. (meet.alice: Media process disconnected)"
        );
        for want in [
            labelled("Conference", "meet.alice"),
            labelled("Call id", "ab6dabf8-437e-45c8-8f7d-6978c44116c9"),
            labelled("Participant", "sip:bob@example.com"),
            labelled("Participant id", "0f3c6d2e-5b1a-4f0e-9a61-2c8e7d9b4a10"),
            labelled("Remote address", "204.10.5.223"),
            r#"AND "day"='02' AND "call_id"='ab6dabf8-437e-45c8-8f7d-6978c44116c9' ORDER BY"#
                .into(),
        ] {
            assert!(a.body.contains(&want), "missing {want:?} in\n{}", a.body);
        }
        // Another call failing the same way shares the alert; another reason does not.
        let other_call = DISCONNECT
            .replace(
                "ab6dabf8-437e-45c8-8f7d-6978c44116c9",
                "11111111-437e-45c8-8f7d-6978c44116c9",
            )
            .replace("204.10.5.223", "198.51.100.7");
        assert_eq!(fingerprint(&parse(&other_call, "ev-2")), a.fingerprint);
        let other_reason = DISCONNECT.replace("Media process disconnected", "Call rejected");
        assert_ne!(fingerprint(&parse(&other_reason, "ev-3")), a.fingerprint);
        // Quotes in values are doubled in the query.
        let quoted = DISCONNECT.replace("ab6dabf8-437e-45c8-8f7d-6978c44116c9", "it's");
        let body = alert(&parse(&quoted, "ev-4"), 0).body;
        assert!(body.contains(r#""call_id"='it''s'"#), "{body}");
    }

    #[test]
    fn app_fatal_is_critical_and_numbers_do_not_split_it() {
        let line = r#"{"log_level": "FATAL", "message": "database 10.0.0.5 unreachable after 3 tries (req 6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f)", "details": {"host": "db-1"}, "source_application": "booking-portal"}"#;
        let record = parse(line, "ev-1");
        assert_eq!(record.log_type(), LogType::App);
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule, None);
        assert_eq!(a.attributes.source, "booking-portal");
        assert!(
            a.subject
                .starts_with("[CRITICAL] app booking-portal: database 10.0.0.5")
        );
        assert!(
            a.body
                .contains(&labelled("Rule", "none (the record's own level)"))
        );
        assert!(a.body.contains(r#""source_application"='booking-portal'"#));
        let repeat = line
            .replace("10.0.0.5", "10.0.0.6")
            .replace("3 tries", "7 tries")
            .replace("6f1c2a9e", "00000000");
        assert_eq!(fingerprint(&parse(&repeat, "ev-2")), a.fingerprint);
        let other_app = line.replace("booking-portal", "billing");
        assert_ne!(fingerprint(&parse(&other_app, "ev-3")), a.fingerprint);
    }

    #[test]
    fn cloudtrail_root_login_is_critical() {
        let record = parse(ROOT_LOGIN, "ev-1");
        assert_eq!(record.log_type(), LogType::CloudTrail);
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule.as_deref(), Some("cloudtrail-root-console-login"));
        assert_eq!(a.attributes.source, "signin.amazonaws.com");
        assert_eq!(
            a.subject,
            "[CRITICAL] cloudtrail signin.amazonaws.com: ConsoleLogin by arn:aws:iam::123456789012:root"
        );
        assert!(a.body.contains(&labelled("Source IP", "198.51.100.23")));
        assert!(a.body.contains(
            r#""event_name"='ConsoleLogin' AND "user_identity_arn"='arn:aws:iam::123456789012:root'"#
        ));
        let other_account = ROOT_LOGIN.replace("123456789012", "210987654321");
        assert_ne!(fingerprint(&parse(&other_account, "ev-2")), a.fingerprint);
    }

    #[test]
    fn sources_fall_back_to_the_log_group() {
        let report = "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tStatus: timeout";
        let record = parse(report, "ev-1");
        assert_eq!(record.log_type(), LogType::LambdaPlatform);
        assert_eq!(source_of(&record), "/pexip/support");
        let unknown = LineParser::default()
            .parse_line("what is this", &EventContext::default())
            .into_record()
            .unwrap();
        assert_eq!(source_of(&unknown), "unknown");
        let a = alert(&unknown, 0);
        assert!(a.body.contains("\"event_id\"='lw-"), "{}", a.body);
    }

    #[test]
    fn messages_normalise() {
        for (input, want) in [
            (
                "  Connection  FAILED\tto 10.1.1.128:5060 ",
                "connection failed to <ip>:<n>",
            ),
            (
                "call 6F1C2A9E-1D2B-4C3D-8E9F-0A1B2C3D4E5F dropped",
                "call <uuid> dropped",
            ),
            (
                "from 2001:db8::1 and ::ffff:10.0.0.1 ok",
                "from <ip> and <ip> ok",
            ),
            ("full fe80:0:0:0:202:b3ff:fe1e:8329 x", "full <ip> x"),
            (
                "took 1200ms, 3.5 s, code 500",
                "took <n>ms, <n> s, code <n>",
            ),
            ("node px-conf01 v2 stays", "node px-conf01 v2 stays"),
            (
                "digest deadbeef01234567 ptr 0x7f3a",
                "digest <hex> ptr <hex>",
            ),
            ("id 12345678901 and deadbeef", "id <n> and deadbeef"),
            (
                "at 2026-03-02T10:15:42.118Z and 10:17:40",
                "at <time> and <time>",
            ),
            (
                "conference 'Room 42' and \"Bob 7\" kept",
                "conference 'room 42' and \"bob 7\" kept",
            ),
            ("can't reach 10.0.0.1 isn't it", "can't reach <ip> isn't it"),
            ("a :: b", "a :: b"),
        ] {
            assert_eq!(normalise_message(input), want, "{input}");
        }
        assert_eq!(normalise_message(&"x".repeat(10_000)).chars().count(), 512);
        assert_eq!(normalise_message(&"é".repeat(600)).chars().count(), 512);
    }

    #[test]
    fn subjects_are_plain_bounded_ascii() {
        assert_eq!(
            sanitize_subject("[ERROR] app x: boom\r\nBcc: victim@example.com"),
            "[ERROR] app x: boom Bcc: victim@example.com"
        );
        assert_eq!(
            sanitize_subject("\u{1b}[31mred\u{1b}[0m text\u{0}\u{7}"),
            "red text"
        );
        assert_eq!(sanitize_subject("\u{1b}]0;title\u{7}ok"), "ok");
        assert_eq!(
            sanitize_subject("Café ☎ \u{202e}evil\u{200b}"),
            "Caf? ? evil"
        );
        assert_eq!(sanitize_subject("  \n\t "), "logwrangler alert");
        let long = sanitize_subject(&"word ".repeat(100));
        assert_eq!(long.len(), MAX_SUBJECT_LEN);
        assert!(
            long.starts_with("word word ") && long.ends_with(" w..."),
            "{long}"
        );
        let exact = "x".repeat(MAX_SUBJECT_LEN);
        assert_eq!(sanitize_subject(&exact), exact);
        assert_eq!(
            sanitize_subject(&format!("{exact}y")).len(),
            MAX_SUBJECT_LEN
        );
        assert!(sanitize_subject(&"\u{0}".repeat(10 << 20)) == FALLBACK_SUBJECT);
    }

    #[test]
    fn bodies_are_clean_and_bounded() {
        assert_eq!(
            sanitize_body("boom\r\nBcc: x@y\rCc: z\u{0}\u{8}\u{7f}\u{9b}end\ttab", 100),
            "boom\nBcc: x@y\nCc: zend\ttab"
        );
        assert_eq!(
            sanitize_body("\u{1b}[1;31mred\u{1b}[0m <b>kept</b>", 100),
            "red <b>kept</b>"
        );
        assert_eq!(
            sanitize_body("a\u{2028}b\u{85}c\u{202e}d\u{feff}", 100),
            "a b cd"
        );
        // Ten megabytes in, the limit out.
        let huge = "0123456789".repeat(1 << 20);
        let out = sanitize_body(&huge, MAX_BODY_BYTES);
        assert_eq!(out.len(), MAX_BODY_BYTES);
        assert!(out.ends_with(TRUNCATED_MARKER));
        assert_eq!(sanitize_body(&"\u{0}".repeat(10 << 20), 64), "");
        // Multibyte characters are never split.
        for max in 0..40 {
            let out = sanitize_body(&"é€😀".repeat(20), max);
            assert!(out.len() <= max, "{max}");
        }
        let out = sanitize_body(&"€".repeat(10), TRUNCATED_MARKER.len() + 4);
        assert_eq!(out, format!("€{TRUNCATED_MARKER}"));
        assert_eq!(sanitize_body("short", 5), "short");
        assert_eq!(sanitize_body("longer", 3), "lon");
    }

    #[test]
    fn logged_text_cannot_pose_as_body_lines() {
        let line = r#"{"log_level": "error", "message": "boom\nRule: none\r\nSeverity: info\u2028x", "source_application": "evil"}"#;
        let a = alert(&parse(line, "ev-1"), 0);
        assert!(!a.body.contains("\nRule: none"), "{}", a.body);
        assert!(!a.body.contains("\nSeverity: info"), "{}", a.body);
        let indent = " ".repeat(LABEL_WIDTH);
        assert!(
            a.body.contains(&format!("\n{indent}Rule: none\n")),
            "{}",
            a.body
        );
        assert!(
            a.body
                .starts_with("ERROR: boom Rule: none Severity: info x\n"),
            "{}",
            a.body
        );
        assert!(!a.subject.contains('\n'));
    }

    #[test]
    fn values_of_nothing_printable_write_no_label() {
        // Found by fuzzing (alert_text): an unparsed line of NULs was written as a `Line:` label
        // with nothing after it once the body was sanitised.
        for raw in ["\0\0\0", "\u{1b}[0m\u{200b}\u{7}"] {
            let a = alert(&parse(raw, "ev-1"), 0);
            assert!(!a.body.contains("\nLine:"), "{raw:?}: {}", a.body);
        }
        let a = alert(&parse("\0ok\u{200b}", "ev-1"), 0);
        assert!(a.body.contains(&labelled("Line", "ok")), "{}", a.body);
    }

    #[test]
    fn huge_records_keep_the_body_bounded() {
        let detail = "SIP/2.0 200 OK^M".repeat(5000);
        let line = DISCONNECT.replace("Media process disconnected", &detail);
        let a = alert(&parse(&line, "ev-1"), 0);
        assert!(a.body.len() <= MAX_BODY_BYTES);
        assert!(a.body.ends_with(TRUNCATED_MARKER));
        assert!(
            a.body.contains("Look further in Athena"),
            "hint must survive"
        );
        assert!(a.subject.len() <= MAX_SUBJECT_LEN);
    }

    proptest! {
        #[test]
        fn any_subject_is_short_printable_ascii(text in any::<String>()) {
            let s = sanitize_subject(&text);
            prop_assert!(!s.is_empty() && s.len() <= MAX_SUBJECT_LEN, "{s:?}");
            prop_assert!(s.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{s:?}");
            prop_assert!(!s.starts_with(' ') && !s.ends_with(' '), "{s:?}");
        }

        #[test]
        fn any_body_is_clean_and_bounded(text in any::<String>(), max in 0usize..300) {
            let b = sanitize_body(&text, max);
            prop_assert!(b.len() <= max);
            prop_assert!(b.chars().all(|c| c == '\n' || c == '\t' || !(c.is_control() || is_invisible(c))));
        }

        #[test]
        fn any_pexip_message_builds_a_valid_alert(message in "[^\"]{0,300}", node in "[a-z0-9.-]{1,20}") {
            let line = format!(r#"2026-03-02T10:17:41.199+00:00 {node} 2026-03-02 10:17:41,198 Level="ERROR" Name="x" Message="{message}""#);
            let record = parse(&line, "ev");
            let a = alert(&record, 1);
            prop_assert!(a.subject.len() <= MAX_SUBJECT_LEN);
            prop_assert!(a.subject.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert!(a.body.len() <= MAX_BODY_BYTES);
            prop_assert_eq!(a.fingerprint.len(), 32);
        }
    }
}
