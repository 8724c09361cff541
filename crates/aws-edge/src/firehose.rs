//! The Firehose data-transformation request as it arrives on the wire, read
//! leniently, and the decoding of one record's data (base64, then gzip when
//! it starts with the magic bytes, capped).
//!
//! The response is written by the transform Lambda itself, entry by entry
//! with a size budget (its shape follows its answers, which are the
//! processor's), so only the request lives here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::gzip::gunzip_capped;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::envelope::DecodeError;

/// A Firehose transformation request, read leniently: a record whose `data`
/// is missing or not a string is answered on its own, never fails the batch.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Invocation id.
    #[serde(default)]
    pub invocation_id: String,
    /// ARN of the delivery stream that invoked us (re-ingest target by default).
    #[serde(default)]
    pub delivery_stream_arn: String,
    /// Region of the stream.
    #[serde(default)]
    pub region: String,
    /// The records.
    #[serde(default)]
    pub records: Vec<InputRecord>,
}

/// One input record.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRecord {
    /// Firehose record id; every id gets exactly one answer.
    pub record_id: String,
    /// Arrival time, epoch milliseconds.
    #[serde(default)]
    pub approximate_arrival_timestamp: Option<i64>,
    /// Base64 data.
    #[serde(default)]
    pub data: serde_json::Value,
}

impl InputRecord {
    /// The record's data: base64-decoded, then decompressed when it starts
    /// with the gzip magic (never to more than `cap` bytes, the gzip bomb guard).
    pub fn decode_data(&self, cap: usize) -> Result<Vec<u8>, DecodeError> {
        let text = self
            .data
            .as_str()
            .ok_or_else(|| DecodeError::Base64("data is missing or not a string".into()))?;
        let raw = BASE64
            .decode(text.as_bytes())
            .map_err(|e| DecodeError::Base64(e.to_string()))?;
        Ok(match gunzip_capped(&raw, cap)? {
            Cow::Borrowed(_) => raw,
            Cow::Owned(decompressed) => decompressed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::gzip::gzip_fast;

    fn record(data: serde_json::Value) -> InputRecord {
        InputRecord {
            record_id: "r".into(),
            approximate_arrival_timestamp: None,
            data,
        }
    }

    #[test]
    fn data_is_base64_then_gzip_when_it_says_so() {
        let plain = record(BASE64.encode(b"line").into());
        assert_eq!(plain.decode_data(10).unwrap(), b"line");
        let zipped = record(BASE64.encode(gzip_fast(b"line line line")).into());
        assert_eq!(zipped.decode_data(100).unwrap(), b"line line line");
        assert_eq!(
            zipped.decode_data(4).unwrap_err(),
            DecodeError::TooLarge { cap: 4 }
        );
        assert!(matches!(
            record(serde_json::Value::Null).decode_data(10),
            Err(DecodeError::Base64(_))
        ));
        assert!(matches!(
            record("not base64!".into()).decode_data(10),
            Err(DecodeError::Base64(_))
        ));
    }
}
