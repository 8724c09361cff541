//! What CloudWatch Logs does with the events the sources write: it keeps them
//! per log group and stream in time order, gives each a 56-digit event id, and
//! a subscription filter delivers them in batches (at most 10,000 events and
//! about 1 MB of envelope JSON, a stretch of one stream's traffic each) as a
//! gzip-compressed `DATA_MESSAGE` envelope.
//!
//! [`Sink`] is where the generators write: besides the message, each event
//! carries what the core must make of it ([`Expect`]), from which the counts
//! and alerts of the ground truth are filled once the ids are known.

use std::collections::HashMap;
use std::io::Write as _;

use base64::Engine as _;
use logwrangler::subscription::RegexPattern;
use logwrangler::{LogType, Severity};
use serde::Serialize;

use super::truth::{AlertTruth, GroundTruth, bump};
use super::{LogBatch, LogEvent};

/// A batch holds one stream's events of at most this long a stretch of time.
pub const BATCH_WINDOW_MS: i64 = 60_000;
/// CloudWatch Logs puts at most this many events in one delivery.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Envelope JSON of one batch stays under this many bytes (CloudWatch Logs
/// delivers about 1 MB per batch; this leaves room for the filter name).
pub const MAX_BATCH_BYTES: usize = 1_000_000;
/// Bytes an envelope adds around its events (keys, owner, filter name).
const ENVELOPE_OVERHEAD: usize = 512;
/// Bytes one event adds around its message (`{"id":"<56 digits>","timestamp":...,"message":""},`).
const EVENT_OVERHEAD: usize = 110;

/// What the core must make of one event: its log_type, and its severity with
/// the default rule that decides it (`None` when the event's own level does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    pub log_type: LogType,
    pub severity: Severity,
    pub rule: Option<&'static str>,
}

impl Expect {
    /// An event of `log_type` rated `info` by no rule.
    pub const fn info(log_type: LogType) -> Expect {
        Expect::level(log_type, Severity::Info)
    }

    /// An event whose own level gives `severity`.
    pub const fn level(log_type: LogType, severity: Severity) -> Expect {
        Expect {
            log_type,
            severity,
            rule: None,
        }
    }

    /// An event rated `severity` by the default rule `rule`.
    pub const fn rule(log_type: LogType, severity: Severity, rule: &'static str) -> Expect {
        Expect {
            log_type,
            severity,
            rule: Some(rule),
        }
    }
}

/// Index of a stream in a [`Sink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamId(usize);

struct Pending {
    timestamp: i64,
    order: u64,
    message: String,
    expect: Expect,
}

struct StreamBuffer {
    log_group: String,
    log_stream: String,
    events: Vec<Pending>,
}

/// Collects the events of a day per log group and stream, in any order.
#[derive(Default)]
pub struct Sink {
    streams: Vec<StreamBuffer>,
    index: HashMap<(String, String), usize>,
    order: u64,
}

impl Sink {
    /// The stream `log_stream` of `log_group`, created on first use.
    pub fn stream(&mut self, log_group: &str, log_stream: &str) -> StreamId {
        let key = (log_group.to_string(), log_stream.to_string());
        if let Some(&at) = self.index.get(&key) {
            return StreamId(at);
        }
        self.streams.push(StreamBuffer {
            log_group: key.0.clone(),
            log_stream: key.1.clone(),
            events: Vec::new(),
        });
        self.index.insert(key, self.streams.len() - 1);
        StreamId(self.streams.len() - 1)
    }

    /// Writes one event with its CloudWatch time.
    pub fn emit(&mut self, stream: StreamId, timestamp: i64, message: String, expect: Expect) {
        self.order += 1;
        self.streams[stream.0].events.push(Pending {
            timestamp,
            order: self.order,
            message,
            expect,
        });
    }

    /// Orders every stream, assigns event ids, cuts the batches (sorted by
    /// their first event time) and fills the counts and alerts of `truth`.
    pub fn finish(mut self, owner: &str, truth: &mut GroundTruth) -> Vec<LogBatch> {
        self.streams
            .sort_by(|a, b| (&a.log_group, &a.log_stream).cmp(&(&b.log_group, &b.log_stream)));
        let mut cut: Vec<(LogBatch, Vec<Expect>)> = Vec::new();
        for (number, stream) in self.streams.into_iter().enumerate() {
            let mut events = stream.events;
            events.sort_by_key(|e| (e.timestamp, e.order));
            let events = events
                .into_iter()
                .map(|e| (e.timestamp, e.message, e.expect));
            cut.extend(cut_stream(
                &stream.log_group,
                &stream.log_stream,
                owner,
                number,
                events,
            ));
        }
        cut.sort_by(|(a, _), (b, _)| {
            (a.events[0].timestamp, &a.log_group, &a.log_stream).cmp(&(
                b.events[0].timestamp,
                &b.log_group,
                &b.log_stream,
            ))
        });
        let alerting = RegexPattern::alerting();
        let mut batches = Vec::with_capacity(cut.len());
        for (batch, expects) in cut {
            for (event, expect) in batch.events.iter().zip(&expects) {
                let log_type = expect.log_type.as_str();
                truth.total_events += 1;
                bump(&mut truth.events_by_log_type, log_type.to_string());
                bump(
                    truth
                        .events_by_group
                        .entry(batch.log_group.clone())
                        .or_default(),
                    log_type.to_string(),
                );
                if expect.severity >= Severity::Warning {
                    truth.alerts.push(AlertTruth {
                        event_id: event.id.clone(),
                        log_group: batch.log_group.clone(),
                        log_stream: batch.log_stream.clone(),
                        log_type: log_type.to_string(),
                        timestamp: event.timestamp,
                        severity: expect.severity,
                        rule: expect.rule.map(str::to_string),
                        subscribed: alerting.matches(&event.message),
                    });
                }
            }
            batches.push(batch);
        }
        batches
    }
}

/// Cuts one stream's events (in time order) into CloudWatch batches: at most
/// [`MAX_BATCH_EVENTS`] events, [`MAX_BATCH_BYTES`] of envelope JSON and
/// [`BATCH_WINDOW_MS`] of time each. `number` tells the stream apart in the
/// event ids; each event's `tag` comes back beside its batch, in order.
pub fn cut_stream<T>(
    log_group: &str,
    log_stream: &str,
    owner: &str,
    number: usize,
    events: impl IntoIterator<Item = (i64, String, T)>,
) -> Vec<(LogBatch, Vec<T>)> {
    let mut cut = Vec::new();
    let mut current: Option<(LogBatch, Vec<T>, usize)> = None;
    for (seq, (timestamp, message, tag)) in events.into_iter().enumerate() {
        let size = EVENT_OVERHEAD + escaped_len(&message);
        let full = current.as_ref().is_some_and(|(batch, _, bytes)| {
            let first = batch.events[0].timestamp;
            batch.events.len() >= MAX_BATCH_EVENTS
                || bytes + size > MAX_BATCH_BYTES
                || timestamp >= first + BATCH_WINDOW_MS
        });
        if full && let Some((batch, tags, _)) = current.take() {
            cut.push((batch, tags));
        }
        let (batch, tags, bytes) = current.get_or_insert_with(|| {
            let batch = LogBatch {
                log_group: log_group.to_string(),
                log_stream: log_stream.to_string(),
                owner: owner.to_string(),
                events: Vec::new(),
            };
            let overhead = ENVELOPE_OVERHEAD + escaped_len(log_group) + escaped_len(log_stream);
            (batch, Vec::new(), overhead)
        });
        *bytes += size;
        batch.events.push(LogEvent {
            id: event_id(timestamp, number, seq),
            timestamp,
            message,
        });
        tags.push(tag);
    }
    if let Some((batch, tags, _)) = current {
        cut.push((batch, tags));
    }
    cut
}

/// A CloudWatch-style event id: 56 decimal digits led by the event time (so
/// ids order by time, as CloudWatch's do), then the stream and the position
/// in it, which make it unique.
fn event_id(timestamp: i64, stream: usize, seq: usize) -> String {
    format!(
        "{:013}{:010}{:033}",
        timestamp.clamp(0, 9_999_999_999_999),
        stream % 10_000_000_000,
        seq
    )
}

/// Length of `text` as a JSON string body (serde_json's escapes).
fn escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                0..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    message_type: &'static str,
    owner: &'a str,
    log_group: &'a str,
    log_stream: &'a str,
    subscription_filters: [&'a str; 1],
    log_events: &'a [LogEvent],
}

impl LogBatch {
    /// The DATA_MESSAGE JSON CloudWatch Logs sends (messageType, owner,
    /// logGroup, logStream, subscriptionFilters, logEvents[{id, timestamp, message}]).
    pub fn envelope_json(&self, subscription_filter: &str) -> Vec<u8> {
        let envelope = Envelope {
            message_type: "DATA_MESSAGE",
            owner: &self.owner,
            log_group: &self.log_group,
            log_stream: &self.log_stream,
            subscription_filters: [subscription_filter],
            log_events: &self.events,
        };
        // Plain structs of strings and integers always serialise.
        serde_json::to_vec(&envelope).expect("envelope serialisation is infallible")
    }

    /// gzip of [`LogBatch::envelope_json`]: the bytes of one Firehose record
    /// from a subscription filter.
    pub fn firehose_record(&self, subscription_filter: &str) -> Vec<u8> {
        let json = self.envelope_json(subscription_filter);
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 6 + 64),
            flate2::Compression::default(),
        );
        // Writing into a Vec cannot fail.
        encoder
            .write_all(&json)
            .and_then(|()| encoder.finish())
            .expect("gzip into memory is infallible")
    }

    /// The Lambda event a subscription filter sends: `{"awslogs":{"data": base64(gzip)}}`.
    pub fn awslogs_event(&self, subscription_filter: &str) -> serde_json::Value {
        let data = base64::engine::general_purpose::STANDARD
            .encode(self.firehose_record(subscription_filter));
        serde_json::json!({ "awslogs": { "data": data } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_56_digits_and_escapes_are_counted() {
        let id = event_id(1_795_478_400_000, 3, 12);
        assert_eq!(id.len(), 56);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert!(event_id(1, 0, 0) < event_id(2, 0, 0));
        let text = "a\"b\\c\td\u{1}é";
        assert_eq!(
            escaped_len(text),
            serde_json::to_string(text).unwrap().len() - 2
        );
    }

    #[test]
    fn streams_are_cut_by_time_window_and_sorted() {
        let mut sink = Sink::default();
        let a = sink.stream("/g", "b-stream");
        let b = sink.stream("/g", "a-stream");
        assert_eq!(sink.stream("/g", "b-stream"), a);
        let info = Expect::info(LogType::Json);
        let warn = Expect::level(LogType::App, Severity::Warning);
        sink.emit(a, 1_000 + BATCH_WINDOW_MS, "late".into(), info);
        sink.emit(a, 1_000, "early".into(), info);
        sink.emit(b, 500, "ERROR first".into(), warn);
        let mut truth = GroundTruth::default();
        let batches = sink.finish("123456789012", &mut truth);
        let shape: Vec<(&str, usize)> = batches
            .iter()
            .map(|b| (b.log_stream.as_str(), b.events.len()))
            .collect();
        assert_eq!(shape, [("a-stream", 1), ("b-stream", 1), ("b-stream", 1)]);
        assert_eq!(batches[1].events[0].message, "early");
        assert_eq!(truth.total_events, 3);
        assert_eq!(truth.events_by_log_type["json"], 2);
        assert_eq!(truth.alerts.len(), 1);
        assert_eq!(truth.alerts[0].event_id, batches[0].events[0].id);
        assert!(truth.alerts[0].subscribed);
    }
}
