//! Decoding what arrives in a Firehose record: a CloudWatch Logs subscription
//! envelope (gzip-compressed, or already decompressed by Firehose), or Direct
//! PUT data (log lines or JSON objects, one per line).
//!
//! Hostile input is bounded: decompression stops at a size cap (gzip bombs,
//! [`logwrangler::gzip::gunzip_capped`]), and JSON nesting is bounded by
//! serde_json's recursion limit.

use std::borrow::Cow;
use std::fmt;

use logwrangler::gzip::GzipError;
use serde::{Deserialize, Serialize};

/// Why a record's data could not be decoded at all (it is then answered
/// `ProcessingFailed` and kept by Firehose under the error prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The data is not valid base64.
    Base64(String),
    /// The data starts like gzip but does not decompress.
    Gzip(String),
    /// Decompressed data would exceed the cap.
    TooLarge { cap: usize },
    /// The data is a CloudWatch envelope that does not parse.
    Envelope(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Base64(e) => write!(f, "record data is not base64: {e}"),
            DecodeError::Gzip(e) => write!(
                f,
                "record data starts with the gzip magic but does not decompress: {e}"
            ),
            DecodeError::TooLarge { cap } => write!(
                f,
                "record data decompresses to more than {cap} bytes (gzip bomb guard)"
            ),
            DecodeError::Envelope(e) => write!(f, "CloudWatch Logs envelope does not parse: {e}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Inflating a record is part of decoding it: a damaged stream and a bomb
/// keep their own kinds.
impl From<GzipError> for DecodeError {
    fn from(err: GzipError) -> Self {
        match err {
            GzipError::Corrupt(why) => DecodeError::Gzip(why),
            GzipError::TooLarge { cap } => DecodeError::TooLarge { cap },
        }
    }
}

/// One CloudWatch Logs event inside an envelope.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct LogEvent<'a> {
    /// CloudWatch event id (unique per event; our `event_id`).
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Ingestion-side event time, epoch milliseconds.
    pub timestamp: i64,
    /// The log line or JSON message.
    #[serde(borrow)]
    pub message: Cow<'a, str>,
}

/// A CloudWatch Logs subscription envelope. Unknown keys (such as
/// `policyLevel` from account-level subscription policies) are accepted.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchEnvelope<'a> {
    /// `DATA_MESSAGE` or `CONTROL_MESSAGE`.
    #[serde(borrow)]
    pub message_type: Cow<'a, str>,
    /// Account id of the log group's owner.
    #[serde(borrow, default)]
    pub owner: Option<Cow<'a, str>>,
    /// Source log group.
    #[serde(borrow, default)]
    pub log_group: Option<Cow<'a, str>>,
    /// Source log stream.
    #[serde(borrow, default)]
    pub log_stream: Option<Cow<'a, str>>,
    /// Names of the subscription filters that matched.
    #[serde(borrow, default)]
    pub subscription_filters: Vec<Cow<'a, str>>,
    /// The events.
    #[serde(borrow, default)]
    pub log_events: Vec<LogEvent<'a>>,
    /// How many times the pipeline has re-ingested this payload (loop guard;
    /// absent on what CloudWatch sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logwrangler_reingest: Option<u32>,
}

impl CloudWatchEnvelope<'_> {
    /// True for the health-check messages CloudWatch sends when a
    /// subscription is created.
    pub fn is_control(&self) -> bool {
        self.message_type == "CONTROL_MESSAGE"
    }
}

/// What a record's (decompressed) data turned out to be.
#[derive(Debug)]
pub enum Payload<'a> {
    /// A CloudWatch Logs subscription envelope.
    CloudWatch(CloudWatchEnvelope<'a>),
    /// Direct PUT data: newline-separated lines or JSON objects.
    Direct(&'a [u8]),
}

/// Recognises a CloudWatch envelope by its `messageType` key near the start;
/// anything else is Direct PUT data.
pub fn classify(data: &[u8]) -> Result<Payload<'_>, DecodeError> {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let head = &data[start..data.len().min(start + 4096)];
    let looks_like_envelope =
        head.first() == Some(&b'{') && memchr::memmem::find(head, b"\"messageType\"").is_some();
    if !looks_like_envelope {
        return Ok(Payload::Direct(data));
    }
    serde_json::from_slice(data)
        .map(Payload::CloudWatch)
        .map_err(|e| DecodeError::Envelope(e.to_string()))
}

/// Splits Direct PUT data into lines (`\n` or `\r\n`), skipping blank ones.
/// Every carriage return before the terminator goes with it (`\r\r\n` from a
/// file converted to CRLF twice): a record never ends in a stray `\r`.
pub fn direct_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|b| *b == b'\n')
        .map(|line| {
            let end = line.iter().rposition(|b| *b != b'\r').map_or(0, |i| i + 1);
            &line[..end]
        })
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_envelopes_with_unknown_keys_and_direct_data() {
        let envelope = br#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"policyLevel":"ACCOUNT_LEVEL_POLICY","logEvents":[{"id":"1","timestamp":5,"message":"a \"q\""}]}"#;
        let Payload::CloudWatch(env) = classify(envelope).unwrap() else {
            panic!("an envelope")
        };
        assert_eq!(env.log_group.as_deref(), Some("g"));
        assert_eq!(env.log_events[0].message, "a \"q\"");
        assert!(!env.is_control());
        assert!(matches!(
            classify(b"{\"level\":\"info\"}\n").unwrap(),
            Payload::Direct(_)
        ));
        assert!(matches!(
            classify(b"{\"messageType\": 3}"),
            Err(DecodeError::Envelope(_))
        ));
        let lines: Vec<&[u8]> = direct_lines(b"a\r\n\n  \nb\n").collect();
        assert_eq!(lines, [b"a".as_slice(), b"b".as_slice()]);
        // Found by fuzzing: a line ending in several carriage returns.
        let lines: Vec<&[u8]> = direct_lines(b"a\r\r\r\n\r\r\nb \rc\r\r").collect();
        assert_eq!(lines, [b"a".as_slice(), b"b \rc".as_slice()]);
    }
}
