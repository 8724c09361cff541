//! The dedupe key of an alert: what identifies the problem a record reports
//! (its source, module, normalised message and identities), hashed.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::sanitize::clip;
use crate::formats::Signature;
use crate::record::Record;

/// Longest normalised message, in characters.
pub const MAX_NORMALISED_CHARS: usize = 512;
/// Longest message attribute value.
const MAX_ATTRIBUTE_LEN: usize = 256;
/// Only this much of a message is normalised (alerts are rare; bound the work anyway).
const MAX_NORMALISE_INPUT: usize = 4096;

/// Who produced a record: the Pexip node that sent the line, the application,
/// the CloudTrail event source, the load balancer, the bucket, the network
/// interface; else the log group, else `unknown`. Never empty, at most 256
/// bytes, no control characters (it becomes a message attribute).
pub fn source_of(record: &Record<'_>) -> String {
    let named = record.body.alert_source();
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

/// What identifies the problem a record reports: its format's answer, else
/// the body without the columns that change with every event.
fn signature<'r>(record: &'r Record<'_>) -> Signature<'r> {
    if let Some(signature) = record.body.alert_signature(record.envelope.raw.as_deref()) {
        return signature;
    }
    let mut value = serde_json::to_value(&record.body).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.retain(|k, _| !VOLATILE_KEYS.contains(&k.as_str()));
    }
    Signature {
        module: Cow::Borrowed(""),
        message: value.to_string(),
        identity: Vec::new(),
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
