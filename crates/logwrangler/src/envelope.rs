//! Decoding what arrives in a Firehose record: a CloudWatch Logs subscription
//! envelope (gzip-compressed, or already decompressed by Firehose), or Direct
//! PUT data (log lines or JSON objects, one per line).
//!
//! Hostile input is bounded: decompression stops at a size cap (gzip bombs),
//! and JSON nesting is bounded by serde_json's recursion limit.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use flate2::{Crc, Decompress, FlushDecompress, Status};
use serde::{Deserialize, Serialize};

/// The two magic bytes of a gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

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

/// Decompresses `data` when it starts with the gzip magic (every member of
/// it), refusing to produce more than `cap` bytes; other data is returned as is.
///
/// The inflate state is one per thread, reset between records: setting one
/// up costs about as much as inflating a small record, and allocating one per
/// record fragments the heap of an invocation that decodes thousands.
pub fn gunzip_capped(data: &[u8], cap: usize) -> Result<Cow<'_, [u8]>, DecodeError> {
    thread_local! {
        static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
    }
    if !data.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(data));
    }
    // The trailer states the (last member's) size: allocate once, exactly, when
    // it is plausible (deflate expands at most about 1032 times).
    let stated = data
        .last_chunk::<4>()
        .map_or(0, |size| u32::from_le_bytes(*size) as usize);
    let size = if stated <= data.len().saturating_mul(1032) {
        stated
    } else {
        data.len() * 4
    };
    let mut out = Vec::with_capacity(size.min(cap) + 1);
    let mut rest = data;
    INFLATE.with_borrow_mut(|inflate| {
        while !rest.is_empty() {
            let used = inflate_member(inflate, rest, &mut out, cap)?;
            rest = &rest[used..];
        }
        Ok(Cow::Owned(out))
    })
}

/// Inflates the gzip member at the start of `data` onto `out` (checking its
/// CRC and size); returns the member's length.
fn inflate_member(
    inflate: &mut Decompress,
    data: &[u8],
    out: &mut Vec<u8>,
    cap: usize,
) -> Result<usize, DecodeError> {
    let corrupt = |why: &str| DecodeError::Gzip(why.to_owned());
    let header = gzip_header_len(data).ok_or_else(|| corrupt("invalid gzip header"))?;
    let body = &data[header..];
    let start = out.len();
    inflate.reset(false);
    loop {
        if out.len() > cap {
            return Err(DecodeError::TooLarge { cap });
        }
        if out.len() == out.capacity() {
            // Grow by doubling, never past one byte over the cap.
            out.reserve_exact((cap + 1 - out.len()).min(out.len().max(32 * 1024)));
        }
        let (read, written) = (inflate.total_in(), inflate.total_out());
        let status = inflate
            .decompress_vec(&body[read as usize..], out, FlushDecompress::None)
            .map_err(|e| DecodeError::Gzip(e.to_string()))?;
        if status == Status::StreamEnd {
            break;
        }
        if inflate.total_in() == read && inflate.total_out() == written {
            return Err(corrupt("unexpected end of the deflate stream"));
        }
    }
    if out.len() > cap {
        return Err(DecodeError::TooLarge { cap });
    }
    let end = header + inflate.total_in() as usize;
    let trailer = data
        .get(end..end + 8)
        .ok_or_else(|| corrupt("the gzip trailer is missing"))?;
    let mut crc = Crc::new();
    crc.update(&out[start..]);
    if trailer[..4] != crc.sum().to_le_bytes()
        || trailer[4..] != ((out.len() - start) as u32).to_le_bytes()
    {
        return Err(corrupt("CRC or size mismatch"));
    }
    Ok(end + 8)
}

/// Length of the gzip member header at the start of `data` (RFC 1952), if it is one.
fn gzip_header_len(data: &[u8]) -> Option<usize> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if data.len() < 10 || data[..2] != GZIP_MAGIC || data[2] != 8 {
        return None;
    }
    let flags = data[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let extra = data.get(at..at + 2)?;
        at += 2 + usize::from(u16::from_le_bytes([extra[0], extra[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += memchr::memchr(0, data.get(at..)?)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    (at <= data.len()).then_some(at)
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
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gunzips_only_gzip_data_and_caps_the_output() {
        let plain = b"hello world".repeat(100);
        assert_eq!(gunzip_capped(&plain, 10).unwrap(), &plain[..]);
        let zipped = gzip(&plain);
        assert_eq!(gunzip_capped(&zipped, 1100).unwrap().as_ref(), &plain[..]);
        assert_eq!(
            gunzip_capped(&zipped, 1099).unwrap_err(),
            DecodeError::TooLarge { cap: 1099 }
        );
        assert!(matches!(
            gunzip_capped(&[0x1f, 0x8b, 1, 2, 3], 100),
            Err(DecodeError::Gzip(_))
        ));
    }

    #[test]
    fn gunzips_every_member_with_header_fields_and_refuses_damage() {
        let first = b"first member ".repeat(50);
        let second = b"second member".repeat(3000);
        let mut named = Vec::new();
        let mut encoder = flate2::GzBuilder::new()
            .filename("x.log")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(&mut named, flate2::Compression::default());
        encoder.write_all(&second).unwrap();
        encoder.finish().unwrap();
        let mut both = gzip(&first);
        both.extend_from_slice(&named);
        let mut plain = first.clone();
        plain.extend_from_slice(&second);
        // Twice: the reused state starts clean.
        for _ in 0..2 {
            assert_eq!(gunzip_capped(&both, 1 << 20).unwrap().as_ref(), &plain[..]);
        }
        let truncated = &both[..both.len() - 20];
        assert!(matches!(
            gunzip_capped(truncated, 1 << 20),
            Err(DecodeError::Gzip(_))
        ));
        let mut flipped = gzip(&first);
        let at = flipped.len() - 6;
        flipped[at] ^= 1;
        assert!(matches!(
            gunzip_capped(&flipped, 1 << 20),
            Err(DecodeError::Gzip(_))
        ));
        assert_eq!(gunzip_capped(&gzip(b""), 10).unwrap().as_ref(), b"");
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 50 << 20]);
        assert!(
            bomb.len() < 1 << 20,
            "50 MiB of zeros compress to {} bytes",
            bomb.len()
        );
        assert_eq!(
            gunzip_capped(&bomb, 1 << 20).unwrap_err(),
            DecodeError::TooLarge { cap: 1 << 20 }
        );
    }

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
