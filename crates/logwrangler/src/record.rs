//! The typed record model: the envelope every output line carries, then the
//! log_type's body (one struct per format, defined beside its parser and
//! listed in [`crate::registry`]).
//!
//! Records borrow from the input line wherever the value needs no rewriting
//! (`Str<'a>` is a `Cow<'a, str>`), so parsing allocates only for values that
//! are unescaped or decoded.

use schemars::JsonSchema;
use serde::Serialize;

pub use crate::formats::unparsed::Unparsed;
use crate::pseudonym::Pseudonymiser;
use crate::pseudonym::scrub::Scrub;
pub use crate::registry::{Body, LogType};
use crate::time::Millis;
pub use crate::value::{Fields, Severity, Str};

/// The fields every record carries, whatever its log_type (docs/ARCHITECTURE.md §4).
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<'a> {
    /// What kind of record this is; also the first partition key.
    pub log_type: LogType,
    /// Event time: from the line when it has one, else the CloudWatch event time.
    #[serde(serialize_with = "crate::time::serialize_iso")]
    pub timestamp: Millis,
    /// The time that decides the partition: `timestamp`, or the delivery time
    /// when `timestamp_suspect` is set.
    #[serde(skip)]
    pub partition_time: Millis,
    /// CloudWatch event id, or a deterministic id for other input.
    pub event_id: Str<'a>,
    /// Normalised severity.
    pub severity: Severity,
    /// CloudWatch Logs group the event came from.
    pub log_group: Option<Str<'a>>,
    /// CloudWatch Logs stream the event came from.
    pub log_stream: Option<Str<'a>>,
    /// AWS account that owns the log group. Not written when absent: a body
    /// with its own `account_id` column (vpc_flow) then writes the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Str<'a>>,
    /// Set when the event's own time was too far from the delivery time to be
    /// trusted for partitioning (a node with a wrong clock).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timestamp_suspect: bool,
    /// Set when the line was longer than the configured maximum and was cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The line as received, when configured to keep it (always set on `unparsed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<Str<'a>>,
}

/// Schema-only mirror of [`Envelope`]: the JSON shape of the envelope columns.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) struct EnvelopeColumns {
    /// What kind of record this is; also the first partition key.
    log_type: String,
    /// Event time, ISO 8601 UTC with milliseconds and `Z`.
    #[schemars(with = "String", extend("format" = "date-time"))]
    timestamp: String,
    /// CloudWatch event id, or a deterministic id (hash of source, position and line).
    event_id: String,
    /// Normalised severity.
    severity: Severity,
    /// CloudWatch Logs group the event came from.
    log_group: Option<String>,
    /// CloudWatch Logs stream the event came from.
    log_stream: Option<String>,
    /// AWS account that owns the log group (always a string).
    account_id: Option<String>,
    /// True when the event time was not trusted for partitioning.
    timestamp_suspect: Option<bool>,
    /// True when the line was longer than the configured maximum and was cut.
    truncated: Option<bool>,
    /// The line as received (on `unparsed` records, or when configured).
    raw: Option<String>,
}

/// One typed output record: the envelope, then the type's own fields.
#[derive(Debug, Clone, Serialize)]
pub struct Record<'a> {
    #[serde(flatten)]
    pub envelope: Envelope<'a>,
    #[serde(flatten)]
    pub body: Body<'a>,
}

impl Record<'_> {
    /// The record's log_type.
    pub fn log_type(&self) -> LogType {
        self.envelope.log_type
    }

    /// Appends the record as one line of JSON (no trailing newline).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // Serialising plain structs into a Vec cannot fail: every map key is a string.
        serde_json::to_writer(&mut *out, self).expect("record serialisation is infallible");
    }

    /// The record as a JSON string.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(512);
        self.write_json(&mut out);
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Pseudonymises the record in place (see [`crate::pseudonym`] for the
    /// fields, each format's `pseudonymise` for its own). Idempotent.
    pub fn pseudonymise(&mut self, pseudonymiser: &Pseudonymiser) {
        let mut s = Scrub::new(pseudonymiser);
        let env = &mut self.envelope;
        if let Some(derived) = env.event_id.strip_prefix("lw-") {
            env.event_id = Str::Owned(pseudonymiser.derived_event_id(derived));
        }
        self.body.pseudonymise(&mut s);
        // The raw line would carry every original value: dropped from parsed
        // records, rewritten like free text on `unparsed` ones.
        let raw = &mut self.envelope.raw;
        match self.body {
            Body::Unparsed(_) => s.text(raw),
            _ => *raw = None,
        }
    }

    /// Converts the record into an owned one that no longer borrows the input.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("record serialisation is infallible")
    }
}
