//! Why a record is answered `ProcessingFailed` (Firehose then keeps it under
//! the error prefix). A reason is counted by its [`FailureKind`] in the
//! invocation's log line and in EMF, so an operator sees why records went to
//! the error prefix; neither the reason nor the answer carries event text.

use std::fmt;

use logwrangler_aws::envelope::DecodeError;
use serde::Serialize;

/// Why one record is answered `ProcessingFailed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// Its data cannot be decoded at all.
    Decode(DecodeError),
    /// It was re-ingested `generation` times already and needs another split
    /// (the loop guard): it is kept whole.
    GenerationLimit {
        /// The re-ingest generation of the record.
        generation: u32,
    },
    /// One of its events is larger than a Firehose record even compressed.
    EventTooLarge,
    /// One of its events produces more output than one response can carry.
    OutputTooLarge,
    /// Its re-ingest did not go through (after the bounded retries).
    ReingestFailed,
}

/// The kind of a [`FailureReason`], what the logs and metrics count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The data is not base64 (or missing).
    Base64,
    /// The data starts like gzip but does not decompress.
    Gzip,
    /// The data decompresses past the cap (gzip bomb guard).
    TooLarge,
    /// The data is a CloudWatch envelope that does not parse.
    Envelope,
    /// [`FailureReason::GenerationLimit`].
    GenerationLimit,
    /// [`FailureReason::EventTooLarge`].
    EventTooLarge,
    /// [`FailureReason::OutputTooLarge`].
    OutputTooLarge,
    /// [`FailureReason::ReingestFailed`].
    ReingestFailed,
}

impl FailureKind {
    /// Every kind, in order.
    pub const ALL: [FailureKind; 8] = [
        FailureKind::Base64,
        FailureKind::Gzip,
        FailureKind::TooLarge,
        FailureKind::Envelope,
        FailureKind::GenerationLimit,
        FailureKind::EventTooLarge,
        FailureKind::OutputTooLarge,
        FailureKind::ReingestFailed,
    ];

    /// The kind's name in logs and the value of the EMF dimension `Reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Base64 => "base64",
            FailureKind::Gzip => "gzip",
            FailureKind::TooLarge => "too_large",
            FailureKind::Envelope => "envelope",
            FailureKind::GenerationLimit => "generation_limit",
            FailureKind::EventTooLarge => "event_too_large",
            FailureKind::OutputTooLarge => "output_too_large",
            FailureKind::ReingestFailed => "reingest_failed",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FailureReason {
    /// What this reason is counted as.
    pub fn kind(&self) -> FailureKind {
        match self {
            FailureReason::Decode(DecodeError::Base64(_)) => FailureKind::Base64,
            FailureReason::Decode(DecodeError::Gzip(_)) => FailureKind::Gzip,
            FailureReason::Decode(DecodeError::TooLarge { .. }) => FailureKind::TooLarge,
            FailureReason::Decode(DecodeError::Envelope(_)) => FailureKind::Envelope,
            FailureReason::GenerationLimit { .. } => FailureKind::GenerationLimit,
            FailureReason::EventTooLarge => FailureKind::EventTooLarge,
            FailureReason::OutputTooLarge => FailureKind::OutputTooLarge,
            FailureReason::ReingestFailed => FailureKind::ReingestFailed,
        }
    }
}

impl From<DecodeError> for FailureReason {
    fn from(err: DecodeError) -> Self {
        FailureReason::Decode(err)
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureReason::Decode(err) => err.fmt(f),
            FailureReason::GenerationLimit { generation } => write!(
                f,
                "record was re-ingested {generation} times already; kept whole under the error prefix"
            ),
            FailureReason::EventTooLarge => {
                f.write_str("one event is larger than a Firehose record even compressed")
            }
            FailureReason::OutputTooLarge => {
                f.write_str("a single event produces more output than one response can carry")
            }
            FailureReason::ReingestFailed => f.write_str("re-ingest failed"),
        }
    }
}

impl std::error::Error for FailureReason {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decode_error_has_its_own_kind_and_names_are_unique() {
        let kinds = [
            DecodeError::Base64("x".into()),
            DecodeError::Gzip("x".into()),
            DecodeError::TooLarge { cap: 1 },
            DecodeError::Envelope("x".into()),
        ]
        .map(|e| FailureReason::from(e).kind());
        assert_eq!(kinds, FailureKind::ALL[..4]);
        let mut names: Vec<&str> = FailureKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FailureKind::ALL.len());
    }
}
