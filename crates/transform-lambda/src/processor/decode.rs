//! A record's decoded data: the events of a CloudWatch envelope, or the lines
//! of Direct PUT data, and the re-ingest generation they carry.

use logwrangler_aws::envelope::{self, CloudWatchEnvelope, DecodeError, Payload};

/// A decoded record: its events (owned or borrowed) and their source context.
pub(super) struct Decoded<'a> {
    pub(super) envelope: Option<CloudWatchEnvelope<'a>>,
    /// Direct PUT lines.
    pub(super) direct: Vec<&'a [u8]>,
    /// Indexes of the Direct PUT lines the parser reported as headers: they
    /// travel with every re-ingested part, so each part parses as the whole did.
    pub(super) headers: Vec<usize>,
    pub(super) generation: u32,
}

impl Decoded<'_> {
    pub(super) fn event_count(&self) -> usize {
        self.envelope
            .as_ref()
            .map_or(self.direct.len(), |e| e.log_events.len())
    }
}

pub(super) fn decode_payload(data: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    Ok(match envelope::classify(data)? {
        Payload::CloudWatch(env) => Decoded {
            generation: env.logwrangler_reingest.unwrap_or(0),
            envelope: Some(env),
            direct: Vec::new(),
            headers: Vec::new(),
        },
        Payload::Direct(bytes) => Decoded {
            envelope: None,
            direct: envelope::direct_lines(bytes).collect(),
            headers: Vec::new(),
            generation: 0,
        },
    })
}
