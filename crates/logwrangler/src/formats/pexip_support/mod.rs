//! Pexip Infinity support and administrator log lines (`pexip_support`).
//!
//! ```text
//! <syslog_time> <node> <YYYY-MM-DD> <HH:MM:SS,mmm> Level="INFO" Name="<module>" Message="<text>" Key="value" ...
//! ```
//!
//! | column | type | notes |
//! |---|---|---|
//! | `syslog_time` | string | syslog stamp as written (`2026-03-02T10:15:42.118+00:00`) |
//! | `node` | string | host name or IP of the node that sent the line |
//! | `level` | string | `Level` as written (DEBUG, INFO, WARNING, ERROR); `""` when absent |
//! | `name` | string | `Name`, the module (`administrator.conference`, `support.sip`, ...); `""` when absent |
//! | `message` | string or null | `Message` |
//! | `conference` ... `payload_type` | string, integer or float | the well-known keys of [`KNOWN_KEYS`], typed; omitted when absent |
//! | `detail` | string or null | `Detail` with every `^M` turned into a newline |
//! | `detail_json` | string or null | compact JSON of a `Detail` that is a JSON or Python-repr dict/list |
//! | `extra_fields` | array of string | stray words that are not `Key="value"` pairs; omitted when empty |
//! | `fields` | map of string | every pair except `Level`/`Name`/`Message`: normalised key -> value |
//!
//! Event time: the originating time (`YYYY-MM-DD HH:MM:SS,mmm`, UTC); when it is
//! missing or malformed, the syslog time.
//!
//! Pairs (docs/ARCHITECTURE.md §4 (the Pexip line format)):
//! - Keys are normalised: lower-case, `-` -> `_` (`Remote-Port`, `Remote-port` -> `remote_port`).
//! - A quoted value ends at an unescaped `"` followed by whitespace or the end of the
//!   line; `\"` inside means `"`. Deliberate refinement: when several quotes qualify,
//!   the first one that is followed by the end of the line or by the next `Key=` wins,
//!   so a raw `"` followed by a space inside a value (`From: "Bob" <sip:...>`) does not
//!   cut it. Only when no quote qualifies that way does the plain documented rule apply.
//! - A value that starts with `^M` (a flattened SIP/SDP message) runs to the end of the
//!   line minus a final closing quote; it is kept raw (no unescaping), as Pexip writes it.
//! - Integer columns read Python's `True`/`False` as 1/0; `None` and other non-numbers are
//!   null. Text columns read `""`, `-` and `None` (Python's null, e.g. `Call-id="None"`) as
//!   null. `fields` always keeps the value as written.
//! - A key that normalises to a fixed or envelope column name (`node`, `level`, ...) never
//!   overwrites it and stays in `fields` only (alarm lines carry `Node="..."`: the node
//!   the alarm is about). A repeated `Level`/`Name`/`Message` also goes to `fields`.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Serialize;

use super::{ParseError, ParseResult, Parsed};
use crate::text::unescape_quotes;
use crate::time::{Millis, parse_iso8601};
use crate::value::{Fields, Str};

mod format;
mod python_repr;

pub use format::PexipSupportFormat;

/// How a well-known key's value becomes its typed column.
trait KnownValue<'a>: Sized {
    fn from_value(value: &Str<'a>) -> Option<Self>;
}

impl<'a> KnownValue<'a> for Str<'a> {
    fn from_value(value: &Str<'a>) -> Option<Self> {
        match value.as_ref() {
            "" | "-" | "None" => None,
            _ => Some(value.clone()),
        }
    }
}

impl KnownValue<'_> for i64 {
    fn from_value(value: &Str<'_>) -> Option<Self> {
        // Pexip is written in Python: integer keys sometimes hold a bool.
        match value.trim() {
            "True" => Some(1),
            "False" => Some(0),
            other => other.parse().ok(),
        }
    }
}

impl KnownValue<'_> for f64 {
    fn from_value(value: &Str<'_>) -> Option<Self> {
        value.trim().parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

/// Defines [`PexipKeys`] and its key table from one list, so the typed columns
/// and the key -> column match cannot drift apart.
macro_rules! pexip_keys {
    ($($(#[doc = $doc:literal])+ $key:ident: $ty:ty,)*) => {
        /// The typed columns of the well-known keys (flattened into [`PexipSupport`];
        /// boxed there so every record stays small whatever its type).
        #[derive(Debug, Clone, Default, Serialize, JsonSchema)]
        pub struct PexipKeys<'a> {
            $(
                $(#[doc = $doc])+
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $key: Option<$ty>,
            )*
        }

        /// Normalised names of the well-known keys that get a typed column, in column order.
        pub const KNOWN_KEYS: &[&str] = &[$(stringify!($key),)*];

        impl<'a> PexipKeys<'a> {
            /// Fills the typed column of a well-known key; returns its name, or
            /// `None` when the key has no column.
            fn set(&mut self, key: &str, value: &Str<'a>) -> Option<&'static str> {
                match key {
                    $(stringify!($key) => {
                        self.$key = KnownValue::from_value(value);
                        Some(stringify!($key))
                    })*
                    _ => None,
                }
            }
        }
    };
}

/// One Pexip Infinity support or administrator log line.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct PexipSupport<'a> {
    /// Time the line was logged by syslog on the sending node, as written.
    pub syslog_time: Str<'a>,
    /// Host name or IP of the node that sent the line.
    pub node: Str<'a>,
    /// Pexip level as written: DEBUG, INFO, WARNING or ERROR (empty when absent).
    pub level: Str<'a>,
    /// The module that wrote the line (`Name`), e.g. `administrator.conference` (empty when absent).
    pub name: Str<'a>,
    /// The `Message` text.
    pub message: Option<Str<'a>>,
    /// Typed columns of the well-known keys; absent ones are omitted.
    #[serde(flatten)]
    pub keys: Box<PexipKeys<'a>>,
    /// `Detail` with every `^M` turned into a newline (disconnect reason, SIP/SDP, H.245, stack trace).
    pub detail: Option<Str<'a>>,
    /// Compact JSON of a `Detail` that is a JSON or Python-repr dict or list.
    pub detail_json: Option<String>,
    /// Words between the pairs that are not `Key="value"` pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_fields: Vec<Str<'a>>,
    /// Every pair except Level/Name/Message: normalised key -> value as written (unescaped).
    pub fields: Fields<'a>,
}

pexip_keys! {
    /// Conference (service) name.
    conference: Str<'a>,
    /// Conference instance id (`Conference-ID`).
    conference_id: Str<'a>,
    /// Alias that was dialled (`ConferenceAlias`).
    conferencealias: Str<'a>,
    /// Service type: conference, lecture, gateway, two_stage_dialing, test_call, ...
    service_type: Str<'a>,
    /// Service tag configured on the service.
    service_tag: Str<'a>,
    /// Participant alias or URI.
    participant: Str<'a>,
    /// Participant id (`Participant-id`).
    participant_id: Str<'a>,
    /// Alias dialled out to (`Participant-alias`).
    participant_alias: Str<'a>,
    /// Participant display name (`DisplayName`).
    displayname: Str<'a>,
    /// Call protocol: SIP, H323, WebRTC, API, MSSIP, TEAMS, BACKPLANE, ...
    protocol: Str<'a>,
    /// Call direction (in, out).
    direction: Str<'a>,
    /// Call id; `None` in the source is null here.
    call_id: Str<'a>,
    /// Conversation id shared by the legs of one user (API + media leg).
    conversation_id: Str<'a>,
    /// Remote address.
    remote_address: Str<'a>,
    /// Remote port (`Remote-Port` and `Remote-port`).
    remote_port: i64,
    /// Local address.
    local_address: Str<'a>,
    /// Local port.
    local_port: i64,
    /// System location.
    location: Str<'a>,
    /// Licenses used by the leg (`True`/`False` read as 1/0, `None` null).
    licenses: i64,
    /// License type (port, audio, ...).
    license_type: Str<'a>,
    /// Node handling signalling.
    signaling_node: Str<'a>,
    /// Location of the signalling node.
    signaling_location: Str<'a>,
    /// Node handling media.
    media_node: Str<'a>,
    /// Remote endpoint vendor / user agent.
    vendor: Str<'a>,
    /// Participant role (chair, guest).
    role: Str<'a>,
    /// Who asked for the action (dial out, disconnect).
    requester: Str<'a>,
    /// Duration of the leg in seconds.
    duration: f64,
    /// Alarm name.
    alarm: Str<'a>,
    /// Alarm instance.
    instance: Str<'a>,
    /// Time key of alarm lines, as written.
    time: Str<'a>,
    /// Node reporting a connectivity change (`Src-Node`).
    src_node: Str<'a>,
    /// Last time a node reported (`Last-Reported`), as written.
    last_reported: Str<'a>,
    /// Source address of a signalling message.
    src_address: Str<'a>,
    /// Source port of a signalling message.
    src_port: i64,
    /// Destination address of a signalling message.
    dst_address: Str<'a>,
    /// Destination port of a signalling message.
    dst_port: i64,
    /// Transport (UDP, TCP, TLS).
    transport: Str<'a>,
    /// Receive time of a signalling message, as written.
    received_time: Str<'a>,
    /// Signalling session or REST request id (`Uuid`).
    uuid: Str<'a>,
    /// SIP method.
    method: Str<'a>,
    /// SIP CSeq.
    cseq: Str<'a>,
    /// Id shared by the fragments of one large SIP message.
    fragment_id: Str<'a>,
    /// Position of this fragment (1-based).
    fragment_number: i64,
    /// Number of fragments of the message.
    fragment_total: i64,
    /// Media stream number.
    stream_id: i64,
    /// Media type (audio, video, presentation).
    media_type: Str<'a>,
    /// Media or BFCP mode.
    mode: Str<'a>,
    /// Previous call quality (0 unknown, 1 good, 2 okay, 3 bad, 4 terrible).
    was: i64,
    /// New call quality (0 unknown, 1 good, 2 okay, 3 bad, 4 terrible).
    now: i64,
    /// REST request path.
    request: Str<'a>,
    /// REST event name.
    event: Str<'a>,
    /// DTMF digit.
    digit: Str<'a>,
    /// DTMF mechanism.
    mechanism: Str<'a>,
    /// Reason given for an action.
    reason: Str<'a>,
    /// Administrator user.
    user: Str<'a>,
    /// Process id.
    pid: i64,
    /// Software version.
    version: Str<'a>,
    /// ICE or connection state.
    state: Str<'a>,
    /// BFCP primitive.
    primitive: Str<'a>,
    /// BFCP transaction id.
    transaction_id: Str<'a>,
    /// BFCP floor status.
    floor_status: Str<'a>,
    /// BFCP floor request id.
    floor_request_id: Str<'a>,
    /// DNS lookup target.
    target: Str<'a>,
    /// DNS lookup result.
    result: Str<'a>,
    /// DNS or connectivity path.
    path: Str<'a>,
    /// DNS port.
    port: i64,
    /// Current presenter.
    presenter: Str<'a>,
    /// RTP payload type.
    payload_type: Str<'a>,
}

/// Normalised key names that never become or overwrite a column: the envelope
/// fields and this type's own fixed fields (docs/ARCHITECTURE.md §4).
const RESERVED: &[&str] = &[
    "node",
    "level",
    "name",
    "message",
    "syslog_time",
    "detail",
    "detail_json",
    "extra_fields",
    "fields",
    "timestamp",
    "timestamp_suspect",
    "truncated",
    "log_type",
    "event_id",
    "severity",
    "log_group",
    "log_stream",
    "account_id",
    "raw",
    "parse_error",
];

/// Parses one support/administrator log line.
pub fn parse(line: &str) -> ParseResult<PexipSupport<'_>> {
    let (syslog_time, rest) = token(line).ok_or(ParseError::fixed(
        "empty line: expected `<syslog_time> <node> ...`",
    ))?;
    let (node, rest) =
        token(rest).ok_or(ParseError::fixed("missing the node after the syslog time"))?;
    let (originating, pairs) = if starts_pair(rest.trim_start()) {
        (None, rest)
    } else {
        let (date, after_date) =
            token(rest).ok_or(ParseError::fixed("missing the originating date"))?;
        let (clock, after_clock) =
            token(after_date).ok_or(ParseError::fixed("missing the originating time"))?;
        if date.contains('=') || clock.contains('=') {
            return Err(ParseError::fixed(
                "expected the originating date and time after the node",
            ));
        }
        let pairs = after_clock.trim_start();
        if !starts_pair(pairs) {
            return Err(ParseError::fixed(
                "expected Key=\"value\" pairs after the originating time",
            ));
        }
        (
            Some(originating_time(
                rest.trim_start(),
                date,
                clock,
                after_clock,
            )),
            pairs,
        )
    };
    let time = originating.flatten().or_else(|| parse_iso8601(syslog_time));

    let mut record = PexipSupport {
        syslog_time: Cow::Borrowed(syslog_time),
        node: Cow::Borrowed(node),
        ..PexipSupport::default()
    };
    let (mut have_level, mut have_name) = (false, false);
    let mut s = pairs;
    loop {
        s = s.trim_start_matches(is_space);
        if s.is_empty() {
            break;
        }
        let key_len = key_length(s);
        if key_len == 0 || s.as_bytes().get(key_len) != Some(&b'=') {
            let end = s.find(is_space).unwrap_or(s.len());
            record.extra_fields.push(Cow::Borrowed(&s[..end]));
            s = &s[end..];
            continue;
        }
        let key = &s[..key_len];
        let after = &s[key_len + 1..];
        let (value, rest) = match after.strip_prefix('"') {
            Some(quoted) => quoted_value(quoted),
            None => {
                let end = after.find(is_space).unwrap_or(after.len());
                (Cow::Borrowed(&after[..end]), &after[end..])
            }
        };
        s = rest;

        let mut buf = [0u8; 48];
        let normalised = normalise(key, &mut buf);
        let name: Str<'_> = match normalised.as_ref() {
            "level" if !have_level => {
                have_level = true;
                record.level = value;
                continue;
            }
            "name" if !have_name => {
                have_name = true;
                record.name = value;
                continue;
            }
            "message" if record.message.is_none() => {
                record.message = Some(value);
                continue;
            }
            "detail" => {
                record.detail = Some(match value.contains("^M") {
                    true => Cow::Owned(value.replace("^M", "\n")),
                    false => value.clone(),
                });
                Cow::Borrowed("detail")
            }
            other => match RESERVED.iter().find(|r| **r == other) {
                Some(reserved) => Cow::Borrowed(*reserved),
                // Static names for the known keys, the line's own text when the
                // key was already normalised: only odd keys allocate.
                None => match record.keys.set(other, &value) {
                    Some(known) => Cow::Borrowed(known),
                    None if other == key => Cow::Borrowed(key),
                    None => Cow::Owned(other.to_owned()),
                },
            },
        };
        record.fields.insert(name, value);
    }
    record.detail_json = record.detail.as_deref().and_then(detail_json);
    Ok(Parsed::new(record, time))
}

/// The originating time; `date` and `clock` are the first two tokens of `from`
/// and `after_clock` what follows them.
fn originating_time(from: &str, date: &str, clock: &str, after_clock: &str) -> Option<Millis> {
    let used = from.len() - after_clock.len();
    if used == date.len() + 1 + clock.len() {
        // One separator between date and time: parse the slice, no allocation.
        parse_iso8601(&from[..used])
    } else {
        parse_iso8601(&format!("{date} {clock}"))
    }
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The next whitespace-separated token and what follows it.
fn token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(is_space);
    if s.is_empty() {
        return None;
    }
    let end = s.find(is_space).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// Length of the key-like prefix of `s` (letters, digits, `-`, `_`, `.`).
fn key_length(s: &str) -> usize {
    s.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count()
}

/// True when `s` starts with `Key=`.
fn starts_pair(s: &str) -> bool {
    let len = key_length(s);
    len > 0 && s.as_bytes().get(len) == Some(&b'=')
}

/// A quoted value (the text after the opening quote) and the rest of the line.
fn quoted_value(q: &str) -> (Str<'_>, &str) {
    if q.starts_with("^M") {
        // A flattened multi-line message: raw to the end of the line.
        let v = q.trim_end_matches(is_space);
        return (Cow::Borrowed(v.strip_suffix('"').unwrap_or(v)), "");
    }
    let bytes = q.as_bytes();
    let mut first_plain = None;
    for at in memchr::memchr_iter(b'"', bytes) {
        let backslashes = bytes[..at]
            .iter()
            .rev()
            .take_while(|b| **b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            continue;
        }
        let after = &q[at + 1..];
        if after.is_empty() {
            return (unescape_quotes(&q[..at]), "");
        }
        if !after.starts_with(is_space) {
            continue;
        }
        let next = after.trim_start_matches(is_space);
        if next.is_empty() || starts_pair(next) {
            return (unescape_quotes(&q[..at]), after);
        }
        first_plain.get_or_insert(at);
    }
    match first_plain {
        Some(at) => (unescape_quotes(&q[..at]), &q[at + 1..]),
        // Unterminated: the rest of the line is the value.
        None => (unescape_quotes(q), ""),
    }
}

/// Lower-cases `key` and turns `-` into `_`, borrowing when nothing changes and
/// writing into `buf` (no allocation) when the key fits, as nearly all do.
fn normalise<'b>(key: &'b str, buf: &'b mut [u8; 48]) -> Cow<'b, str> {
    let norm = |b: u8| match b {
        b'-' => b'_',
        b => b.to_ascii_lowercase(),
    };
    if !key.bytes().any(|b| b.is_ascii_uppercase() || b == b'-') {
        return Cow::Borrowed(key);
    }
    if let Some(slot) = buf.get_mut(..key.len()) {
        for (d, s) in slot.iter_mut().zip(key.bytes()) {
            *d = norm(s);
        }
        // Only ASCII bytes were rewritten, so the bytes stay UTF-8.
        if let Ok(short) = std::str::from_utf8(slot) {
            return Cow::Borrowed(short);
        }
    }
    Cow::Owned(String::from_utf8_lossy(&key.bytes().map(norm).collect::<Vec<u8>>()).into_owned())
}

/// `detail_json` for a Detail that looks like a dict or list.
fn detail_json(detail: &str) -> Option<String> {
    let trimmed = detail.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    python_repr::to_json(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    fn parse_ok(line: &str) -> (PexipSupport<'_>, Option<Millis>) {
        match parse(line) {
            Ok(Parsed { body, time }) => (body, time),
            other => panic!("{line}: {other:?}"),
        }
    }

    const JOIN: &str = r#"2026-03-02T10:15:42.118+00:00 px-conf01 2026-03-02 10:15:42,117 Level="INFO" Name="administrator.conference" Message="Participant has joined." Conference="meet.alice" Conference-ID="470975eb-c344-4764-a72e-dd76637fa72a" Participant="sip:bob@example.com" DisplayName="Bob" Protocol="SIP" Call-id="ab6d" Remote-address="204.10.5.223" Remote-Port="5061" Licenses="1" Duration="12.5""#;

    #[test]
    fn parses_fixed_fields_known_keys_and_time() {
        let (p, time) = parse_ok(JOIN);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:42.117Z");
        assert_eq!(p.syslog_time, "2026-03-02T10:15:42.118+00:00");
        assert_eq!(
            (p.node.as_ref(), p.level.as_ref(), p.name.as_ref()),
            ("px-conf01", "INFO", "administrator.conference")
        );
        assert_eq!(p.message.as_deref(), Some("Participant has joined."));
        assert_eq!(p.keys.conference.as_deref(), Some("meet.alice"));
        assert_eq!(
            p.keys.conference_id.as_deref(),
            Some("470975eb-c344-4764-a72e-dd76637fa72a")
        );
        assert_eq!(p.keys.displayname.as_deref(), Some("Bob"));
        assert_eq!(p.keys.remote_port, Some(5061));
        assert_eq!(p.keys.licenses, Some(1));
        assert_eq!(p.keys.duration, Some(12.5));
        assert_eq!(p.fields.get("remote_port"), Some("5061"));
        assert_eq!(p.fields.get("call_id"), Some("ab6d"));
        assert_eq!(
            p.fields.get("level"),
            None,
            "fixed fields are not repeated in fields"
        );
        // Known keys borrow the static name and the line: no allocation.
        assert!(
            p.fields
                .0
                .iter()
                .all(|(k, v)| matches!(k, Cow::Borrowed(_)) && matches!(v, Cow::Borrowed(_)))
        );
    }

    #[test]
    fn absent_known_keys_are_omitted_and_detail_is_null() {
        let (p, _) = parse_ok(JOIN);
        let json = serde_json::to_value(&p).unwrap();
        assert!(json.get("media_node").is_none());
        assert_eq!(json["remote_port"], 5061);
        assert!(json["detail"].is_null() && json["detail_json"].is_null());
        assert!(json.get("extra_fields").is_none());
    }

    #[test]
    fn schema_lists_fixed_and_known_columns() {
        let schema = serde_json::to_value(schemars::schema_for!(PexipSupport<'static>)).unwrap();
        let props = &schema["properties"];
        for column in [
            "syslog_time",
            "node",
            "level",
            "name",
            "message",
            "detail",
            "detail_json",
            "fields",
        ] {
            assert!(props.get(column).is_some(), "{column}: {schema}");
        }
        for column in KNOWN_KEYS {
            assert!(props.get(*column).is_some(), "{column}: {schema}");
        }
        assert!(props.get("keys").is_none());
        assert!(
            props["remote_port"]["type"].to_string().contains("integer"),
            "{}",
            props["remote_port"]
        );
        assert!(props["duration"]["type"].to_string().contains("number"));
        assert!(KNOWN_KEYS.iter().all(|k| !RESERVED.contains(k)));
    }

    #[test]
    fn normalises_key_case_and_dashes() {
        let a = parse_ok(r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Remote-Port="1""#).0;
        let b = parse_ok(
            r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Remote-port="2" SOME-Odd-Key="v""#,
        )
        .0;
        assert_eq!((a.keys.remote_port, b.keys.remote_port), (Some(1), Some(2)));
        assert_eq!(b.fields.get("some_odd_key"), Some("v"));
    }

    #[test]
    fn python_literals_in_typed_columns() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Call-id="None" Licenses="True" Was="False" Now="None" Local-port="abc" Duration="None""#;
        let (p, _) = parse_ok(line);
        assert_eq!(p.keys.call_id, None);
        assert_eq!(p.fields.get("call_id"), Some("None"));
        assert_eq!(
            (
                p.keys.licenses,
                p.keys.was,
                p.keys.now,
                p.keys.local_port,
                p.keys.duration
            ),
            (Some(1), Some(0), None, None, None)
        );
        assert_eq!(p.fields.get("local_port"), Some("abc"));
    }

    #[test]
    fn reserved_names_stay_in_fields() {
        let line = r#"t sender 2026-03-02 10:15:42,117 Level="WARNING" Name="administrator.alarm" Message="Alarm raised" Node="10.0.0.9" Severity="high" Log-Type="x" Message="second" Level="ERROR""#;
        let (p, _) = parse_ok(line);
        assert_eq!(p.node, "sender");
        assert_eq!(p.level, "WARNING");
        assert_eq!(p.message.as_deref(), Some("Alarm raised"));
        assert_eq!(p.fields.get("node"), Some("10.0.0.9"));
        assert_eq!(p.fields.get("severity"), Some("high"));
        assert_eq!(p.fields.get("log_type"), Some("x"));
        assert_eq!(p.fields.get("message"), Some("second"));
        assert_eq!(p.fields.get("level"), Some("ERROR"));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["node"], "sender");
    }

    #[test]
    fn escaped_quotes_and_empty_values() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" DisplayName="Bob \"The Builder\"" Service-tag="" Role="chair""#;
        let (p, _) = parse_ok(line);
        assert_eq!(p.keys.displayname.as_deref(), Some(r#"Bob "The Builder""#));
        assert_eq!(p.keys.service_tag, None);
        assert_eq!(p.fields.get("service_tag"), Some(""));
        assert_eq!(p.keys.role.as_deref(), Some("chair"));
    }

    #[test]
    fn caret_m_values_run_to_end_of_line_with_raw_quotes() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="support.sip" Message="Sending SIP request" Transport="TLS" Detail="^MINVITE sip:bob@example.com SIP/2.0^MFrom: "Alice" <sip:alice@example.com>;tag=1^MTo: "Bob" <sip:bob@example.com>^M""#;
        let (p, _) = parse_ok(line);
        assert_eq!(
            p.detail.as_deref(),
            Some(
                "\nINVITE sip:bob@example.com SIP/2.0\nFrom: \"Alice\" <sip:alice@example.com>;tag=1\nTo: \"Bob\" <sip:bob@example.com>\n"
            )
        );
        assert!(p.fields.get("detail").unwrap().starts_with("^MINVITE"));
        assert_eq!(p.detail_json, None);
        assert_eq!(p.keys.transport.as_deref(), Some("TLS"));
    }

    #[test]
    fn raw_quote_followed_by_space_does_not_cut_a_value() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="support.sip" Detail="Contact: "Alice" <sip:a@b>^Mx" Fragment-number="2""#;
        let (p, _) = parse_ok(line);
        assert_eq!(p.detail.as_deref(), Some("Contact: \"Alice\" <sip:a@b>\nx"));
        assert_eq!(p.keys.fragment_number, Some(2));
        assert!(p.extra_fields.is_empty());
    }

    #[test]
    fn stray_words_and_unquoted_values_are_kept() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Protocol="SIP" ... Pid=42"#;
        let (p, _) = parse_ok(line);
        assert_eq!(p.keys.protocol.as_deref(), Some("SIP"));
        assert_eq!(p.extra_fields, vec!["..."]);
        assert_eq!(p.keys.pid, Some(42));
        // Unterminated value: the rest of the line.
        let (p, _) =
            parse_ok(r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Message="cut off"#);
        assert_eq!(p.message.as_deref(), Some("cut off"));
    }

    #[test]
    fn python_repr_and_json_detail_convert() {
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="support.rest" Detail="{u'sdp': u'v=0^Mo=x^M', 'result': {'allow_1080p': False, 'x': None, 'n': [1, 2.5, -3L, (4,)]}, 1: True}""#;
        let (p, _) = parse_ok(line);
        assert_eq!(
            p.detail_json.as_deref(),
            Some(
                r#"{"sdp":"v=0\no=x\n","result":{"allow_1080p":false,"x":null,"n":[1,2.5,-3,[4]]},"1":true}"#
            )
        );
        let line = r#"t n 2026-03-02 10:15:42,117 Level="INFO" Name="x" Detail="{\"status\": \"success\", \"list\": [true, null, 1e3]}""#;
        assert_eq!(
            parse_ok(line).0.detail_json.as_deref(),
            Some(r#"{"status":"success","list":[true,null,1000.0]}"#)
        );
    }

    #[test]
    fn repr_converter_escapes_and_failures() {
        assert_eq!(
            python_repr::to_json(r#"{'a': 'it\'s', "b": "x\"y", 'c': '\x41\u00e9\n'}"#).as_deref(),
            Some(r#"{"a":"it's","b":"x\"y","c":"Aé\n"}"#)
        );
        assert_eq!(
            python_repr::to_json(r"[r'\d', b'ok', '\ud83d\ude00']").as_deref(),
            Some(r#"["\\d","ok","😀"]"#)
        );
        for bad in [
            "{'a': datetime(2019)}",
            "{'a': 1, ...}",
            "{1, 2}",
            "[1 2]",
            "{'a': 'open",
            "[nan]",
            "{(1, 2): 3}",
            "[1] x",
            "[-]",
        ] {
            assert_eq!(python_repr::to_json(bad), None, "{bad}");
        }
        let deep = "[".repeat(10_000);
        assert_eq!(python_repr::to_json(&deep), None);
    }

    #[test]
    fn time_falls_back_to_syslog_time() {
        let (p, time) = parse_ok(
            r#"2026-03-02T10:15:42.118+00:00 n 2026-03-02 25:15:42,117 Level="INFO" Name="x""#,
        );
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:42.118Z");
        assert_eq!(p.name, "x");
        // No originating time at all.
        let (_, time) = parse_ok(r#"2026-03-02T10:15:42.118+01:00 n Level="INFO" Name="x""#);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T09:15:42.118Z");
    }

    #[test]
    fn missing_level_and_name_are_empty() {
        let (p, _) = parse_ok(r#"t n 2026-03-02 10:15:42,117 Message="m""#);
        assert_eq!((p.level.as_ref(), p.name.as_ref()), ("", ""));
    }

    #[test]
    fn rejects_lines_without_the_preamble() {
        for line in [
            "",
            "one",
            "t n",
            "t n 2026-03-02",
            "t n 2026-03-02 10:15:42,117 plain words",
            "hello world foo bar",
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for line in [
            "t n d c K=\"",
            "t n d c K=\"\\",
            "t n d c K=\"^M",
            "t n d c K=\"^M\"",
            "t n d c =\"x\" é=1 K=\"é\\\"",
            "t n d c Detail=\"{\"",
            "t n d c Detail=\"[u'\\x4']\"",
            "t n d c Detail=\"['\\ud800']\"",
        ] {
            let _ = parse(line);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_generated_lines(line in r#"\PC{0,40}|t n 2026-03-02 10:15:4\d,\d{3}( [A-Za-z-]{1,6}=("[\\"^M{}\[\]'u, a-z0-9]{0,12}"?|\S{0,4})){0,6}"#) {
            let _ = parse(&line);
        }

        #[test]
        fn repr_output_is_json_when_converted(text in r#"[\[\]{}()'"u:, a-zA-Z0-9.\\-]{0,30}"#) {
            if let Some(json) = python_repr::to_json(&text) {
                proptest::prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "{} -> {}", text, json);
            }
        }
    }
}
