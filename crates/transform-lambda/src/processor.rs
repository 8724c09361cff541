//! The pure part of the Firehose processor: from a transformation request to a
//! plan (one answer per record, plus the payloads to re-ingest), and from the
//! plan and the re-ingest outcome to the response. No I/O happens here.
//!
//! Contract (design section 3): each record is decoded on its own (base64,
//! gzip when it starts with `1f 8b`, a CloudWatch envelope or Direct PUT lines);
//! exactly one answer per recordId; `Ok` data is newline-delimited typed JSON
//! whose lines share one partition; other partitions, and whatever does not
//! fit the 6 MB response, are re-ingested and answered `Dropped`; a record is
//! `ProcessingFailed` only when it cannot be decoded at all, or when its
//! re-ingest finally fails (Firehose then keeps it under the error prefix).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use logwrangler::envelope::{self, CloudWatchEnvelope, DecodeError, LogEvent, Payload};
use logwrangler::parser::derived_event_id;
use logwrangler::partition::PartitionKey;
use logwrangler::{EventContext, Line, LineParser, LogType};
use serde::{Deserialize, Serialize};

/// Lambda's synchronous response limit.
pub const LAMBDA_RESPONSE_LIMIT: usize = 6_291_456;
/// Largest record `PutRecordBatch` accepts, before base64.
pub const FIREHOSE_RECORD_LIMIT: usize = 1_024_000;

/// Bounds that keep one invocation safe whatever arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes kept free below the 6 MB response limit (the runtime's own framing, rounding).
    pub response_margin: usize,
    /// Largest decompressed size of one record (gzip bomb guard).
    pub decompressed_cap: usize,
    /// Longer lines are truncated to this many bytes and flagged `truncated`.
    pub max_line_bytes: usize,
    /// How many times a payload may be re-ingested (split) before it is failed.
    pub max_reingest_generations: u32,
    /// Largest re-ingested record, before base64.
    pub reingest_record_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            response_margin: 128 * 1024,
            decompressed_cap: 64 * 1024 * 1024,
            max_line_bytes: 256 * 1024,
            max_reingest_generations: 8,
            reingest_record_max: FIREHOSE_RECORD_LIMIT,
        }
    }
}

impl Limits {
    /// Bytes the response may use.
    pub fn response_budget(&self) -> usize {
        LAMBDA_RESPONSE_LIMIT.saturating_sub(self.response_margin)
    }
}

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

/// The answer planned for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Typed NDJSON of one partition.
    Ok { data: Vec<u8>, keys: PartitionKey },
    /// Nothing to deliver for this record (control message, headers only, or all re-ingested).
    Dropped,
    /// Undecodable: Firehose keeps the original under the error prefix.
    ProcessingFailed(String),
}

/// What to do with one input record.
#[derive(Debug, Clone)]
pub struct RecordPlan {
    /// The input record id.
    pub record_id: String,
    /// The answer, if every re-ingest payload of the record is accepted.
    pub answer: Answer,
    /// Payloads to put back into the stream (each at most `reingest_record_max` bytes).
    pub reingest: Vec<Vec<u8>>,
    /// Events sent to re-ingest.
    pub reingested_events: usize,
}

/// Counters for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub records_in: usize,
    pub bytes_in: usize,
    pub events_in: usize,
    pub events_by_log_type: BTreeMap<&'static str, usize>,
    pub unparsed: usize,
    pub truncated_lines: usize,
    pub control_messages: usize,
    pub split_records: usize,
    pub overflow_records: usize,
}

/// The plan of one invocation.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One entry per input record, in input order.
    pub records: Vec<RecordPlan>,
    /// What was seen.
    pub stats: Stats,
}

/// A decoded record: its events (owned or borrowed) and their source context.
struct Decoded<'a> {
    envelope: Option<CloudWatchEnvelope<'a>>,
    /// Direct PUT lines.
    direct: Vec<&'a [u8]>,
    /// Indexes of the Direct PUT lines the parser reported as headers: they
    /// travel with every re-ingested part, so each part parses as the whole did.
    headers: Vec<usize>,
    generation: u32,
}

impl Decoded<'_> {
    fn event_count(&self) -> usize {
        self.envelope
            .as_ref()
            .map_or(self.direct.len(), |e| e.log_events.len())
    }
}

fn decode_payload(data: &[u8]) -> Result<Decoded<'_>, DecodeError> {
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

/// One partition's share of a record.
struct Group {
    keys: PartitionKey,
    ndjson: Vec<u8>,
    /// Indexes of the events (envelope events or direct lines) in this group.
    events: Vec<usize>,
}

/// Plans every record of a request.
///
/// The response budget is kept record by record, in input order: every
/// record first reserves a small entry, then each `Ok` entry that still fits
/// takes its place; one that does not is re-ingested (whole when it would fit
/// another invocation's response, else split in halves) and answered
/// `Dropped`. Deciding while the record is still decoded means its typed data
/// is dropped at once and its payloads come from the events in hand, so an
/// invocation never holds more typed output than one response can carry.
pub fn plan(request: &Request, parser: &LineParser, limits: &Limits) -> Plan {
    let mut stats = Stats {
        records_in: request.records.len(),
        ..Stats::default()
    };
    // Every record needs at least a small entry and a comma: reserve those first,
    // sized as the longest one (`ProcessingFailed`: any record may end up failed
    // when its re-ingest does not go through).
    let small: Vec<usize> = request
        .records
        .iter()
        .map(|r| entry_len(&r.record_id, &Answer::ProcessingFailed(String::new())) + 1)
        .collect();
    let reserved = WRAPPER_BYTES + small.iter().sum::<usize>();
    let mut budget = Budget {
        limit: limits.response_budget(),
        reserved,
        used: reserved,
    };
    let records = request
        .records
        .iter()
        .zip(small)
        .map(|(record, small)| plan_record(record, parser, limits, &mut stats, small, &mut budget))
        .collect();
    Plan { records, stats }
}

/// The response budget while records are planned.
struct Budget {
    /// Bytes the response may use.
    limit: usize,
    /// Bytes reserved for every record's smallest entry and the wrapper.
    reserved: usize,
    /// Bytes used so far (the reservation included).
    used: usize,
}

fn failed(record_id: &str, reason: impl Into<String>) -> RecordPlan {
    RecordPlan {
        record_id: record_id.to_owned(),
        answer: Answer::ProcessingFailed(reason.into()),
        reingest: Vec::new(),
        reingested_events: 0,
    }
}

fn decode_data(record: &InputRecord, limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    let text = record
        .data
        .as_str()
        .ok_or_else(|| DecodeError::Base64("data is missing or not a string".into()))?;
    let raw = BASE64
        .decode(text.as_bytes())
        .map_err(|e| DecodeError::Base64(e.to_string()))?;
    Ok(
        match envelope::gunzip_capped(&raw, limits.decompressed_cap)? {
            Cow::Borrowed(_) => raw,
            Cow::Owned(decompressed) => decompressed,
        },
    )
}

fn plan_record(
    record: &InputRecord,
    parser: &LineParser,
    limits: &Limits,
    stats: &mut Stats,
    small: usize,
    budget: &mut Budget,
) -> RecordPlan {
    let data = match decode_data(record, limits) {
        Ok(data) => data,
        Err(err) => return failed(&record.record_id, err.to_string()),
    };
    stats.bytes_in += data.len();
    let mut decoded = match decode_payload(&data) {
        Ok(decoded)
            if decoded
                .envelope
                .as_ref()
                .is_some_and(CloudWatchEnvelope::is_control) =>
        {
            stats.control_messages += 1;
            return RecordPlan {
                record_id: record.record_id.clone(),
                answer: Answer::Dropped,
                reingest: Vec::new(),
                reingested_events: 0,
            };
        }
        Ok(decoded) => decoded,
        Err(err) => return failed(&record.record_id, err.to_string()),
    };
    let (groups, headers) = transform_events(&decoded, record, parser, limits, stats);
    decoded.headers = headers;
    let mut groups = groups.into_iter();
    let Some(first) = groups.next() else {
        return RecordPlan {
            record_id: record.record_id.clone(),
            answer: Answer::Dropped,
            reingest: Vec::new(),
            reingested_events: 0,
        };
    };
    let mut plan = RecordPlan {
        record_id: record.record_id.clone(),
        answer: Answer::Ok {
            data: first.ndjson,
            keys: first.keys,
        },
        reingest: Vec::new(),
        reingested_events: 0,
    };
    let rest: Vec<Group> = groups.collect();
    if !rest.is_empty() {
        stats.split_records += 1;
        for group in rest {
            if let Err(reason) = add_reingest(&mut plan, &decoded, record, &group.events, limits) {
                return failed(&record.record_id, reason);
            }
        }
    }
    let extra = (entry_len(&plan.record_id, &plan.answer) + 1).saturating_sub(small);
    if budget.used + extra <= budget.limit {
        budget.used += extra;
        return plan;
    }
    stats.overflow_records += 1;
    plan.answer = Answer::Dropped;
    let fits_alone = budget.reserved + extra <= budget.limit;
    match overflow_payloads(&decoded, record, limits, fits_alone) {
        // The payloads carry every event of the record, so they replace what
        // the partition split had planned to re-ingest of it.
        Ok((payloads, events)) => {
            plan.reingest = payloads;
            plan.reingested_events = events;
            plan
        }
        Err(reason) => failed(&record.record_id, reason),
    }
}

/// Parses every event of a record and groups the typed lines by partition, in
/// order of first appearance; also returns the indexes of the header lines.
fn transform_events(
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
                let ctx = EventContext {
                    log_group: env.log_group.as_deref(),
                    log_stream: env.log_stream.as_deref(),
                    account_id: env.owner.as_deref(),
                    event_id: Some(&event.id)
                        .filter(|id| !id.is_empty())
                        .map(|id| id.as_ref()),
                    received_ms: Some(event.timestamp),
                    source: &record.record_id,
                    position: index as u64,
                    ..EventContext::default()
                };
                emit(index, &event.message, &ctx, stats);
            }
        }
        None => {
            for (index, line) in decoded.direct.iter().enumerate() {
                let text = String::from_utf8_lossy(line);
                let ctx = EventContext {
                    received_ms: record.approximate_arrival_timestamp,
                    source: &record.record_id,
                    position: index as u64,
                    ..EventContext::default()
                };
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

/// Re-encodes the chosen events of a record as CloudWatch envelopes (gzip),
/// halving until each fits a Firehose record, and adds them to the plan.
fn add_reingest(
    plan: &mut RecordPlan,
    decoded: &Decoded<'_>,
    record: &InputRecord,
    events: &[usize],
    limits: &Limits,
) -> Result<(), String> {
    if decoded.generation >= limits.max_reingest_generations {
        return Err(format!(
            "record was re-ingested {} times already; kept whole under the error prefix",
            decoded.generation
        ));
    }
    let payload = encode_envelope(decoded, record, events, decoded.generation + 1);
    if payload.len() <= limits.reingest_record_max {
        plan.reingest.push(payload);
        plan.reingested_events += events.len();
        return Ok(());
    }
    if events.len() <= 1 {
        return Err("one event is larger than a Firehose record even compressed".into());
    }
    let (left, right) = events.split_at(events.len() / 2);
    add_reingest(plan, decoded, record, left, limits)?;
    add_reingest(plan, decoded, record, right, limits)
}

/// The chosen events as a gzip-compressed CloudWatch envelope marked with
/// `generation`. Direct PUT lines become events with their derived ids and the
/// arrival time, so re-processing yields the same ids and partitions.
fn encode_envelope(
    decoded: &Decoded<'_>,
    record: &InputRecord,
    events: &[usize],
    generation: u32,
) -> Vec<u8> {
    let env = match &decoded.envelope {
        Some(env) => CloudWatchEnvelope {
            log_events: events
                .iter()
                .filter_map(|&i| env.log_events.get(i).cloned())
                .collect(),
            logwrangler_reingest: Some(generation),
            ..env.clone()
        },
        None => {
            // Header lines (CloudFront `#Fields`, VPC field lists) travel with every part.
            let headers = decoded
                .headers
                .iter()
                .copied()
                .filter(|i| !events.contains(i));
            let chosen: Vec<usize> = headers.chain(events.iter().copied()).collect();
            CloudWatchEnvelope {
                message_type: "DATA_MESSAGE".into(),
                owner: None,
                log_group: None,
                log_stream: None,
                subscription_filters: Vec::new(),
                log_events: chosen
                    .iter()
                    .filter_map(|&i| {
                        let text = String::from_utf8_lossy(decoded.direct.get(i)?);
                        Some(LogEvent {
                            id: derived_event_id(&record.record_id, i as u64, &text).into(),
                            timestamp: record.approximate_arrival_timestamp.unwrap_or(0),
                            message: Cow::Owned(text.into_owned()),
                        })
                    })
                    .collect(),
                logwrangler_reingest: Some(generation),
            }
        }
    };
    let json = serde_json::to_vec(&env).expect("envelopes serialise");
    gzip_fast(&json)
}

/// gzip at the fast level through one deflate state per thread, reset
/// between payloads: setting a deflate state up (some 300 KB, zeroed) costs
/// more than compressing a typical payload, and an invocation may write
/// thousands of them.
fn gzip_fast(data: &[u8]) -> Vec<u8> {
    thread_local! {
        static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
    }
    // Header: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.len().max(4096));
            }
            let read = deflate.total_in() as usize;
            let status = deflate
                .compress_vec(&data[read..], &mut out, FlushCompress::Finish)
                .expect("deflating from memory into memory cannot fail");
            if status == Status::StreamEnd {
                break;
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Appends the JSON of one response entry to `out`, exactly as serde_json
/// writes `{"recordId", "result", "data", "metadata": {"partitionKeys"}}`
/// (data and metadata only on `Ok`). The data is base64-encoded straight into
/// `out`: base64 needs no JSON escaping, so the largest part of the response
/// is written once, without an intermediate string.
fn write_entry(out: &mut Vec<u8>, record_id: &str, answer: &Answer) {
    out.extend_from_slice(b"{\"recordId\":");
    serde_json::to_writer(&mut *out, record_id).expect("strings serialise");
    match answer {
        Answer::Ok { data, keys } => {
            out.extend_from_slice(b",\"result\":\"Ok\",\"data\":\"");
            let start = out.len();
            out.resize(start + base64_len(data.len()), 0);
            BASE64
                .encode_slice(data, &mut out[start..])
                .expect("the slot is sized for the encoding");
            out.extend_from_slice(b"\",\"metadata\":{\"partitionKeys\":");
            serde_json::to_writer(&mut *out, keys).expect("partition keys serialise");
            out.extend_from_slice(b"}}");
        }
        Answer::Dropped => out.extend_from_slice(b",\"result\":\"Dropped\"}"),
        Answer::ProcessingFailed(_) => out.extend_from_slice(b",\"result\":\"ProcessingFailed\"}"),
    }
}

/// The size of what [`write_entry`] writes, without encoding the data.
fn entry_len(record_id: &str, answer: &Answer) -> usize {
    let mut frame = Vec::with_capacity(192 + record_id.len());
    match answer {
        Answer::Ok { data, keys } => {
            let empty = Answer::Ok {
                data: Vec::new(),
                keys: *keys,
            };
            write_entry(&mut frame, record_id, &empty);
            frame.len() + base64_len(data.len())
        }
        other => {
            write_entry(&mut frame, record_id, other);
            frame.len()
        }
    }
}

/// Length of the padded base64 of `n` bytes.
fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Size of the response wrapper `{"records":[` + `]}`.
const WRAPPER_BYTES: usize = 14;

/// The payloads that carry a record that did not fit the response: the same
/// events again when they would fit another invocation's response, else its
/// events in two halves. Either way the generation moves on, so a record can
/// travel through the stream only a bounded number of times.
fn overflow_payloads(
    decoded: &Decoded<'_>,
    input: &InputRecord,
    limits: &Limits,
    fits_alone: bool,
) -> Result<(Vec<Vec<u8>>, usize), String> {
    let count = decoded.event_count();
    let all: Vec<usize> = (0..count).collect();
    let mut carrier = RecordPlan {
        record_id: input.record_id.clone(),
        answer: Answer::Dropped,
        reingest: Vec::new(),
        reingested_events: 0,
    };
    if fits_alone {
        if decoded.generation >= limits.max_reingest_generations {
            return Err(format!(
                "record was re-ingested {} times already; kept whole under the error prefix",
                decoded.generation
            ));
        }
        let payload = encode_envelope(decoded, input, &all, decoded.generation + 1);
        if payload.len() <= limits.reingest_record_max {
            return Ok((vec![payload], count));
        }
    }
    if count < 2 {
        return Err("a single event produces more output than one response can carry".into());
    }
    let (left, right) = all.split_at(count / 2);
    add_reingest(&mut carrier, decoded, input, left, limits)?;
    add_reingest(&mut carrier, decoded, input, right, limits)?;
    Ok((carrier.reingest, count))
}

/// The response JSON: each record's planned answer, or `ProcessingFailed`
/// when `reingest_failed(index)` says its re-ingest did not go through (the
/// original then lands under the error prefix: nothing is lost silently).
pub fn response_json(plan: &Plan, reingest_failed: impl Fn(usize) -> bool) -> Vec<u8> {
    let failed = Answer::ProcessingFailed("re-ingest failed".into());
    let answers: Vec<&Answer> = plan
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            if reingest_failed(index) {
                &failed
            } else {
                &record.answer
            }
        })
        .collect();
    // Sized exactly: the response is the largest buffer of an invocation.
    let size = WRAPPER_BYTES
        + plan
            .records
            .iter()
            .zip(&answers)
            .map(|(record, answer)| entry_len(&record.record_id, answer) + 1)
            .sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"{\"records\":[");
    for (index, (record, answer)) in plan.records.iter().zip(&answers).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_entry(&mut out, &record.record_id, answer);
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape serde writes for a response entry: what [`write_entry`] must match byte for byte.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ResponseEntry<'a> {
        record_id: &'a str,
        result: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        metadata: Option<Metadata>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Metadata {
        partition_keys: PartitionKey,
    }

    fn serde_entry(record_id: &str, answer: &Answer) -> Vec<u8> {
        let (result, data, metadata) = match answer {
            Answer::Ok { data, keys } => (
                "Ok",
                Some(BASE64.encode(data)),
                Some(Metadata {
                    partition_keys: *keys,
                }),
            ),
            Answer::Dropped => ("Dropped", None, None),
            Answer::ProcessingFailed(_) => ("ProcessingFailed", None, None),
        };
        serde_json::to_vec(&ResponseEntry {
            record_id,
            result,
            data,
            metadata,
        })
        .unwrap()
    }

    #[test]
    fn gzip_fast_round_trips_through_one_reused_state() {
        let mut rng = fastrand::Rng::with_seed(3);
        for len in [0, 1, 100, 70_000, 1_500_000, 10] {
            // Half text, half noise: compressible and not.
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    if i % 2 == 0 {
                        b'a' + (i % 7) as u8
                    } else {
                        rng.u8(..)
                    }
                })
                .collect();
            let gz = gzip_fast(&data);
            let back = envelope::gunzip_capped(&gz, 1 << 26).unwrap();
            assert_eq!(back.as_ref(), &data[..], "{len}");
        }
    }

    #[test]
    fn entries_are_written_as_serde_writes_them_and_sized_exactly() {
        let keys = PartitionKey::at(LogType::Alb, 1_795_514_400_000);
        for id in [
            "49546986683135544286507457936321625675700192471156",
            "id \"quoted\" \u{1}",
            "",
        ] {
            for len in [0, 1, 2, 3, 4, 5, 1000, 1001, 1002] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
                for answer in [
                    Answer::Ok {
                        data: data.clone(),
                        keys,
                    },
                    Answer::Dropped,
                    Answer::ProcessingFailed("why".into()),
                ] {
                    let mut out = Vec::new();
                    write_entry(&mut out, id, &answer);
                    assert_eq!(
                        String::from_utf8(out.clone()).unwrap(),
                        String::from_utf8(serde_entry(id, &answer)).unwrap()
                    );
                    assert_eq!(entry_len(id, &answer), out.len());
                }
            }
        }
    }
}
