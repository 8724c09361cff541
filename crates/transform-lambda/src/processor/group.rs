//! Parsing a record's events and grouping the typed lines by partition: the
//! first group answers the record, the others are re-ingested.

use logwrangler::partition::PartitionKey;
use logwrangler::{EventContext, Line, LineParser, LogType};
use logwrangler_aws::direct_put_context;
use logwrangler_aws::firehose::InputRecord;

use super::decode::Decoded;
use super::{LAMBDA_RESPONSE_LIMIT, Limits, Stats};

/// One partition's share of a record.
pub(super) struct Group {
    pub(super) keys: PartitionKey,
    pub(super) ndjson: Vec<u8>,
    /// Indexes of the events (envelope events or direct lines) in this group.
    pub(super) events: Vec<usize>,
}

/// Parses every event of a record and groups the typed lines by partition, in
/// order of first appearance; also returns the indexes of the header lines.
pub(super) fn transform_events(
    decoded: &Decoded<'_>,
    record: &InputRecord,
    parser: &LineParser,
    limits: &Limits,
    stats: &mut Stats,
) -> (Vec<Group>, Vec<usize>) {
    let mut parser = parser.clone();
    let mut groups: Vec<Group> = Vec::new();
    let mut headers: Vec<usize> = Vec::new();
    // The first partition usually gets every event: size its buffer for all of
    // them so it is not copied over and over while it grows.
    let mut first_capacity = Some(typed_size_estimate(decoded));
    let mut emit = |index: usize, line: &str, ctx: &EventContext<'_>, stats: &mut Stats| {
        let (line, truncated) = truncate(line, limits.max_line_bytes);
        if truncated {
            stats.truncated_lines += 1;
        }
        let mut typed = match parser.parse_line(line, ctx) {
            Line::Record(typed) => typed,
            Line::Header(_) => {
                headers.push(index);
                return;
            }
        };
        typed.envelope.truncated = truncated;
        stats.events_in += 1;
        *stats
            .events_by_log_type
            .entry(typed.log_type().as_str())
            .or_default() += 1;
        if typed.log_type() == LogType::Unparsed {
            stats.unparsed += 1;
        }
        let keys = PartitionKey::of(&typed);
        let group = match groups.iter_mut().position(|g| g.keys == keys) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    keys,
                    ndjson: Vec::with_capacity(first_capacity.take().unwrap_or(8192)),
                    events: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        typed.write_json(&mut group.ndjson);
        group.ndjson.push(b'\n');
        group.events.push(index);
    };
    match &decoded.envelope {
        Some(env) => {
            for (index, event) in env.log_events.iter().enumerate() {
                let ctx = env.event_context(event, &record.record_id, index as u64);
                emit(index, &event.message, &ctx, stats);
            }
        }
        None => {
            for (index, line) in decoded.direct.iter().enumerate() {
                let text = String::from_utf8_lossy(line);
                let ctx = direct_put_context(
                    record.approximate_arrival_timestamp,
                    &record.record_id,
                    index as u64,
                );
                emit(index, &text, &ctx, stats);
            }
        }
    }
    (groups, headers)
}

/// About how many bytes of typed JSON a record's events become (the envelope
/// columns add some 200 bytes per event, and typed columns with their names run
/// to about twice the line), at most what one response can carry.
fn typed_size_estimate(decoded: &Decoded<'_>) -> usize {
    let (lines, events) = match &decoded.envelope {
        Some(env) => (
            env.log_events
                .iter()
                .map(|e| e.message.len())
                .sum::<usize>(),
            env.log_events.len(),
        ),
        None => (
            decoded.direct.iter().map(|l| l.len()).sum(),
            decoded.direct.len(),
        ),
    };
    (lines * 2 + events * 200).min(LAMBDA_RESPONSE_LIMIT)
}

/// Cuts a line to at most `max` bytes on a character boundary; true when it
/// was cut (the record's `truncated` flag). `logwrangler replay` cuts the same way.
pub fn truncate(line: &str, max: usize) -> (&str, bool) {
    if line.len() <= max {
        return (line, false);
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    (&line[..end], true)
}
