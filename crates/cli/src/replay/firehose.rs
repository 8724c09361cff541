//! Backfill into a real delivery stream.
//!
//! The deployed transform reads CloudWatch Logs subscription envelopes best:
//! they carry a log group (which selects the source mapping), a log stream and
//! event ids. So each file's lines travel as gzip'd `DATA_MESSAGE` envelopes,
//! exactly like subscription traffic:
//! - `logGroup` is `--log-group`, else `/logwrangler/replay/<file name without
//!   extensions>`; `logStream` is the file name;
//! - each event's `timestamp` is the time the local parser reads from the
//!   line (the partition time; for lines without a time, the `--received-at`
//!   or file time), so the transform partitions backfilled events by their
//!   own time and does not flag old events as suspect;
//! - event ids are deterministic 56-digit numbers like CloudWatch's (17 digits
//!   of the event time, then 39 of a hash of file name, line number and
//!   line), so a repeated backfill delivers the same ids and Athena can
//!   de-duplicate;
//! - header lines (CloudFront `#Fields`, VPC field lists) open every envelope
//!   of their file, because the transform parses each record on its own;
//! - events are grouped up to [`MAX_ENVELOPE_JSON`] bytes of JSON (so the
//!   gzip'd record stays below Firehose's 1,000 KiB) and 10,000 events.
//!
//! Input that already is CloudWatch envelopes is re-batched with its own
//! groups, streams, owners, ids and times.
//!
//! Records go out with `PutRecordBatch` through the transform Lambda's own
//! re-ingest code (500 records / 4 MiB per call, only failed entries retried,
//! exponential backoff with jitter), optionally paced by a token bucket.
//!
//! Files go in time order (by the time of their first event; each file's
//! lines in their own order): Firehose's dynamic partitioning keeps at most 500
//! active partitions (log type and hour) per stream by default and writes the
//! records beyond under `errors/activePartitionExceeded/`, so a backfill that
//! walks the hours one after the other, paced with `--rate`, stays inside the
//! quota where files of many days in name order would not.

use std::borrow::Cow;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use logwrangler::EventContext;
use logwrangler::gzip::{self, Level};
use logwrangler::time::Millis;
use logwrangler_aws::envelope::{CloudWatchEnvelope, LogEvent};
use logwrangler_aws::sink::{
    FIREHOSE_RECORD_LIMIT, FirehoseSink, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, RecordSink,
    RetryPolicy, reingest,
};

use super::Parsing;
use logwrangler_files::input::{self, Content, Input, Lines};

/// Largest envelope JSON before gzip. Even incompressible data grows by well
/// under 1% in gzip, so the record stays below [`FIREHOSE_RECORD_LIMIT`].
pub const MAX_ENVELOPE_JSON: usize = FIREHOSE_RECORD_LIMIT - 16 * 1024;
/// Most events in one envelope (CloudWatch's own batch limit).
pub const MAX_ENVELOPE_EVENTS: usize = 10_000;
/// Subscription filter name written into the envelopes.
pub const SUBSCRIPTION_FILTER: &str = "logwrangler-replay";
/// Log group prefix for files replayed without `--log-group`.
pub const DERIVED_GROUP_PREFIX: &str = "/logwrangler/replay/";

/// Lines read from a file to find the time of its first event.
pub const FIRST_TIME_LINES: u64 = 1_000;

/// The order in which to send inputs whose first events have these times:
/// oldest first, inputs without a time last, ties in the given order.
pub fn time_order(first_times: &[Option<Millis>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..first_times.len()).collect();
    order.sort_by_key(|&i| (first_times[i].is_none(), first_times[i]));
    order
}

/// The time of the first event of `input` as the backfill would send it (the
/// first line the local parser reads a record from, within
/// [`FIRST_TIME_LINES`]; for envelopes the first event's timestamp).
fn first_time(input: &Input, parsing: &Parsing) -> Result<Option<Millis>> {
    match input::open(input, Arc::new(AtomicU64::new(0)))? {
        Content::Lines(reader) => {
            let group = parsing
                .log_group
                .clone()
                .unwrap_or_else(|| derived_log_group(input));
            let mut parser = parsing.parser.clone();
            let fallback = parsing.fallback_ms(input);
            let mut lines = Lines::new(reader, &input.name);
            while let Some((position, line)) = lines.next_line()? {
                if position > FIRST_TIME_LINES {
                    break;
                }
                let ctx = EventContext {
                    log_group: Some(&group),
                    received_ms: parsing.received_ms,
                    fallback_ms: Some(fallback),
                    source: &input.name,
                    position,
                    ..EventContext::default()
                };
                if let Some(record) = parser.parse_line(line, &ctx).into_record() {
                    return Ok(Some(record.envelope.partition_time));
                }
            }
            Ok(None)
        }
        Content::Envelopes(data) => {
            for envelope in input::envelopes(&data) {
                let envelope = envelope.map_err(|e| anyhow!("{}: {e}", input.name))?;
                if let Some(event) = envelope.log_events.first() {
                    return Ok(Some(event.timestamp));
                }
            }
            Ok(None)
        }
    }
}

/// What `--firehose` was asked to do.
pub struct Options {
    /// Delivery stream name.
    pub stream: String,
    /// Records per second, if limited.
    pub rate: Option<f64>,
}

/// A deterministic CloudWatch-style event id: 56 digits, the event time
/// (17 digits, so ids sort by time like CloudWatch's) then an xxh3-128 hash of
/// the source, the line number and the line (39 digits).
pub fn cloudwatch_event_id(source: &str, position: u64, line: &str, time: Millis) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(source.as_bytes());
    hasher.update(&[0]);
    hasher.update(&position.to_le_bytes());
    hasher.update(line.as_bytes());
    let time = time.clamp(0, 99_999_999_999_999_999);
    format!("{time:017}{:039}", hasher.digest128())
}

/// The log group of a file replayed without `--log-group`.
pub fn derived_log_group(input: &Input) -> String {
    let name = input.file_name();
    let stem = name
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("stdin");
    // CloudWatch log group names allow letters, digits and `_-./#`.
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.#".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{DERIVED_GROUP_PREFIX}{clean}")
}

/// One Firehose record: a gzip'd envelope and how many log events (headers
/// not counted) it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub data: Vec<u8>,
    pub events: usize,
}

/// Groups the events of one log stream into size-bounded envelopes.
pub struct EnvelopeBuilder {
    log_group: Option<String>,
    log_stream: Option<String>,
    owner: Option<String>,
    overhead: usize,
    headers: Vec<(LogEvent<'static>, usize)>,
    events: Vec<LogEvent<'static>>,
    bytes: usize,
    data_events: usize,
    /// Events cut to fit one record.
    pub truncated: u64,
}

fn event_size(event: &LogEvent<'_>) -> usize {
    // The JSON of the event plus its separating comma.
    serde_json::to_vec(event).map_or(usize::MAX, |json| json.len() + 1)
}

impl EnvelopeBuilder {
    /// A builder for the envelopes of one group and stream.
    pub fn new(
        log_group: Option<String>,
        log_stream: Option<String>,
        owner: Option<String>,
    ) -> Self {
        let mut builder = EnvelopeBuilder {
            log_group,
            log_stream,
            owner,
            overhead: 0,
            headers: Vec::new(),
            events: Vec::new(),
            bytes: 0,
            data_events: 0,
            truncated: 0,
        };
        builder.overhead = builder.encode_json(Vec::new()).len();
        builder
    }

    /// Whether this builder makes envelopes for this group, stream and owner.
    pub fn is_for(
        &self,
        log_group: Option<&str>,
        log_stream: Option<&str>,
        owner: Option<&str>,
    ) -> bool {
        self.log_group.as_deref() == log_group
            && self.log_stream.as_deref() == log_stream
            && self.owner.as_deref() == owner
    }

    fn encode_json(&self, log_events: Vec<LogEvent<'static>>) -> Vec<u8> {
        let envelope = CloudWatchEnvelope {
            message_type: "DATA_MESSAGE".into(),
            owner: self.owner.clone().map(Cow::Owned),
            log_group: self.log_group.clone().map(Cow::Owned),
            log_stream: self.log_stream.clone().map(Cow::Owned),
            subscription_filters: vec![SUBSCRIPTION_FILTER.into()],
            log_events,
            logwrangler_reingest: None,
        };
        serde_json::to_vec(&envelope).expect("envelopes of strings and numbers serialise")
    }

    /// Adds an event (a `header` line opens every later envelope too);
    /// returns the envelope it completed, if any.
    pub fn push(&mut self, mut event: LogEvent<'static>, header: bool) -> Option<Payload> {
        let headers_bytes: usize = self.headers.iter().map(|(_, size)| size).sum();
        let room = MAX_ENVELOPE_JSON.saturating_sub(self.overhead + headers_bytes);
        let mut size = event_size(&event);
        if size > room {
            fit(&mut event, room);
            self.truncated += 1;
            size = event_size(&event);
        }
        let full = self.data_events > 0
            && (self.bytes + size > MAX_ENVELOPE_JSON || self.events.len() >= MAX_ENVELOPE_EVENTS);
        let done = if full { self.finish() } else { None };
        if self.events.is_empty() {
            self.events = self.headers.iter().map(|(e, _)| e.clone()).collect();
            self.bytes = self.overhead + headers_bytes;
        }
        if header {
            self.headers.push((event.clone(), size));
        } else {
            self.data_events += 1;
        }
        self.events.push(event);
        self.bytes += size;
        done
    }

    /// The envelope of the events pushed since the last one (`None` when it
    /// would hold no log event, only headers).
    pub fn finish(&mut self) -> Option<Payload> {
        let events = std::mem::take(&mut self.events);
        let count = std::mem::take(&mut self.data_events);
        self.bytes = 0;
        if count == 0 {
            return None;
        }
        let json = self.encode_json(events);
        // The default level: a backfill is written once, smaller records cost less.
        Some(Payload {
            data: gzip::gzip(&json, Level::Default),
            events: count,
        })
    }
}

/// Cuts an event's message (at a character boundary) until its JSON fits `room`.
fn fit(event: &mut LogEvent<'static>, room: usize) {
    loop {
        let size = event_size(event);
        let len = event.message.len();
        if size <= room || len == 0 {
            return;
        }
        // Every byte cut removes at least one byte of JSON.
        let mut end = len.saturating_sub(size - room).min(len - 1);
        while !event.message.is_char_boundary(end) {
            end -= 1;
        }
        event.message.to_mut().truncate(end);
    }
}

/// A token bucket: `rate` tokens a second, at most one second's worth saved.
/// Taking more than is there leaves a debt that the returned wait pays off.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket of `rate` tokens a second (`rate` > 0).
    pub fn new(rate: f64, now: Instant) -> Self {
        let capacity = rate.max(1.0);
        TokenBucket {
            rate,
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes `n` tokens at `now`; returns how long to wait before using them.
    pub fn take(&mut self, n: f64, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity) - n;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// A sink whose calls wait for the token bucket (retries included).
pub struct Paced<S> {
    inner: S,
    bucket: Option<Mutex<TokenBucket>>,
}

impl<S> Paced<S> {
    /// `inner`, limited to `rate` records a second when given.
    pub fn new(inner: S, rate: Option<f64>) -> Self {
        Paced {
            inner,
            bucket: rate.map(|r| Mutex::new(TokenBucket::new(r, Instant::now()))),
        }
    }

    fn wait_for(&self, records: usize) -> Duration {
        self.bucket.as_ref().map_or(Duration::ZERO, |bucket| {
            bucket
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(records as f64, Instant::now())
        })
    }
}

impl<S: RecordSink> RecordSink for Paced<S> {
    async fn put_record_batch(
        &self,
        stream: &str,
        records: &[&[u8]],
    ) -> Result<Vec<Option<String>>, String> {
        let wait = self.wait_for(records.len());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        self.inner.put_record_batch(stream, records).await
    }
}

/// Sends payloads in batches and keeps the counts.
pub struct Sender<'s, S> {
    sink: &'s S,
    stream: &'s str,
    policy: RetryPolicy,
    batch_records: usize,
    pending: Vec<Payload>,
    pending_bytes: usize,
    /// Records accepted by the stream.
    pub sent: u64,
    /// Records that failed every attempt.
    pub failed: u64,
    /// Log events in the accepted records.
    pub events_sent: u64,
    /// `PutRecordBatch` calls made.
    pub calls: usize,
    /// Entries sent again after a failure.
    pub retried: usize,
    /// The last error of a record that finally failed.
    pub last_error: Option<String>,
}

impl<'s, S: RecordSink> Sender<'s, S> {
    /// Sends to `stream` through `sink`, at most `batch_records` per call.
    pub fn new(sink: &'s S, stream: &'s str, policy: RetryPolicy, batch_records: usize) -> Self {
        Sender {
            sink,
            stream,
            policy,
            batch_records: batch_records.clamp(1, MAX_BATCH_RECORDS),
            pending: Vec::new(),
            pending_bytes: 0,
            sent: 0,
            failed: 0,
            events_sent: 0,
            calls: 0,
            retried: 0,
            last_error: None,
        }
    }

    /// Queues a payload, sending a batch when one is full.
    pub async fn send(&mut self, payload: Payload) -> Result<()> {
        let full = self.pending.len() >= self.batch_records
            || self.pending_bytes + payload.data.len() > MAX_BATCH_BYTES;
        if !self.pending.is_empty() && full {
            self.flush().await?;
        }
        self.pending_bytes += payload.data.len();
        self.pending.push(payload);
        Ok(())
    }

    /// Sends what is queued. Fails when the stream accepted none of it after
    /// every attempt (a missing stream, no permission): going on would only
    /// repeat the error for every batch.
    pub async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let data: Vec<Vec<u8>> = pending.iter().map(|p| p.data.clone()).collect();
        let outcome = reingest(self.sink, self.stream, &data, &self.policy).await;
        self.calls += outcome.calls;
        self.retried += outcome.retried_entries;
        for (payload, delivered) in pending.iter().zip(&outcome.delivered) {
            if *delivered {
                self.sent += 1;
                self.events_sent += payload.events as u64;
            } else {
                self.failed += 1;
            }
        }
        if outcome.delivered.contains(&false) {
            self.last_error = outcome.last_error;
        }
        if !outcome.delivered.contains(&true) {
            bail!(
                "Firehose stream {} accepted none of {} records after {} attempts: {}",
                self.stream,
                pending.len(),
                self.policy.max_attempts,
                self.last_error.as_deref().unwrap_or("unknown error")
            );
        }
        Ok(())
    }
}

/// Counts of one input.
#[derive(Debug, Default)]
struct FileCounts {
    lines: u64,
    records: u64,
    truncated: u64,
}

/// Runs `replay --firehose`.
pub fn run(inputs: &[Input], parsing: &Parsing, options: &Options) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(backfill(inputs, parsing, options))
}

async fn backfill(inputs: &[Input], parsing: &Parsing, options: &Options) -> Result<ExitCode> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    if config.region().is_none() {
        bail!(
            "no AWS region is configured: set AWS_REGION (or AWS_PROFILE with a region in ~/.aws/config)"
        );
    }
    let sink = Paced::new(
        FirehoseSink::with_client(aws_sdk_firehose::Client::new(&config)),
        options.rate,
    );
    // With a rate, batches hold about a second's worth of records.
    let batch = options
        .rate
        .map_or(MAX_BATCH_RECORDS, |rate| rate.floor() as usize);
    let mut sender = Sender::new(&sink, &options.stream, RetryPolicy::default(), batch);
    let total: u64 = inputs.iter().map(Input::size).sum();
    let progress = progress_bar(total);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let (mut lines, mut truncated) = (0u64, 0u64);
    let first_times = inputs
        .iter()
        .map(|input| first_time(input, parsing))
        .collect::<Result<Vec<_>>>()?;
    for input in time_order(&first_times).into_iter().map(|i| &inputs[i]) {
        match send_input(input, parsing, &mut sender, &bytes_read, &progress).await {
            Ok(counts) => {
                lines += counts.lines;
                truncated += counts.truncated;
                if progress.is_hidden() {
                    eprintln!(
                        "replay: {}: {} lines in {} records",
                        input.name, counts.lines, counts.records
                    );
                }
            }
            Err(error) => {
                // Deliver what was read before the failure, then stop.
                let flushed = sender.flush().await;
                progress.finish_and_clear();
                print_counts(&sender, lines, inputs.len(), truncated);
                return Err(match flushed {
                    Ok(()) => error,
                    Err(send_error) => error.context(send_error.to_string()),
                }
                .context("stopped; the rest of the input was not sent"));
            }
        }
    }
    let flushed = sender.flush().await;
    progress.finish_and_clear();
    print_counts(&sender, lines, inputs.len(), truncated);
    flushed?;
    if sender.failed > 0 {
        eprintln!(
            "  last error: {}",
            sender.last_error.as_deref().unwrap_or("unknown error")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_counts<S>(sender: &Sender<'_, S>, lines: u64, files: usize, truncated: u64) {
    eprintln!("sent {}, failed {}", sender.sent, sender.failed);
    eprintln!(
        "  {} log events of {lines} lines from {files} files; {} PutRecordBatch calls, {} entries retried{}",
        sender.events_sent,
        sender.calls,
        sender.retried,
        match truncated {
            0 => String::new(),
            n => format!("; {n} events cut to fit a Firehose record"),
        }
    );
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar =
        ProgressBar::with_draw_target((total > 0).then_some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn update(progress: &ProgressBar, bytes_read: &AtomicU64, sender: &Sender<'_, impl RecordSink>) {
    progress.set_position(bytes_read.load(Ordering::Relaxed));
    progress.set_message(format!("sent {}, failed {}", sender.sent, sender.failed));
}

async fn send_input<S: RecordSink>(
    input: &Input,
    parsing: &Parsing,
    sender: &mut Sender<'_, S>,
    bytes_read: &Arc<AtomicU64>,
    progress: &ProgressBar,
) -> Result<FileCounts> {
    let mut counts = FileCounts::default();
    match input::open(input, bytes_read.clone())? {
        Content::Lines(reader) => {
            let group = parsing
                .log_group
                .clone()
                .unwrap_or_else(|| derived_log_group(input));
            let mut builder =
                EnvelopeBuilder::new(Some(group.clone()), Some(input.file_name()), None);
            let mut parser = parsing.parser.clone();
            let fallback = parsing.fallback_ms(input);
            let mut last_time = parsing.received_ms.unwrap_or(fallback);
            let mut lines = Lines::new(reader, &input.name);
            while let Some((position, line)) = lines.next_line()? {
                counts.lines += 1;
                let ctx = EventContext {
                    log_group: Some(&group),
                    received_ms: parsing.received_ms,
                    fallback_ms: Some(fallback),
                    source: &input.name,
                    position,
                    ..EventContext::default()
                };
                // The local parse only tells the event time, and headers (no record).
                let time = parser
                    .parse_line(line, &ctx)
                    .into_record()
                    .map(|record| record.envelope.partition_time);
                let header = time.is_none();
                last_time = time.unwrap_or(last_time);
                let event = LogEvent {
                    id: cloudwatch_event_id(&input.name, position, line, last_time).into(),
                    timestamp: last_time,
                    message: Cow::Owned(line.to_owned()),
                };
                if let Some(payload) = builder.push(event, header) {
                    counts.records += 1;
                    sender.send(payload).await?;
                    update(progress, bytes_read, sender);
                }
            }
            if let Some(payload) = builder.finish() {
                counts.records += 1;
                sender.send(payload).await?;
            }
            counts.truncated += builder.truncated;
        }
        Content::Envelopes(data) => {
            let mut builder: Option<EnvelopeBuilder> = None;
            for envelope in input::envelopes(&data) {
                let envelope = envelope.map_err(|e| anyhow!("{}: {e}", input.name))?;
                if envelope.is_control() {
                    continue;
                }
                let (group, stream, owner) = (
                    envelope.log_group.as_deref(),
                    envelope.log_stream.as_deref(),
                    envelope.owner.as_deref(),
                );
                if !builder
                    .as_ref()
                    .is_some_and(|b| b.is_for(group, stream, owner))
                {
                    if let Some(mut done) = builder.take() {
                        counts.truncated += done.truncated;
                        if let Some(payload) = done.finish() {
                            counts.records += 1;
                            sender.send(payload).await?;
                        }
                    }
                    builder = Some(EnvelopeBuilder::new(
                        group.map(str::to_owned),
                        stream.map(str::to_owned),
                        owner.map(str::to_owned),
                    ));
                }
                let current = builder.as_mut().expect("set above");
                for event in &envelope.log_events {
                    counts.lines += 1;
                    let owned = LogEvent {
                        id: Cow::Owned(event.id.to_string()),
                        timestamp: event.timestamp,
                        message: Cow::Owned(event.message.to_string()),
                    };
                    if let Some(payload) = current.push(owned, false) {
                        counts.records += 1;
                        sender.send(payload).await?;
                    }
                }
                update(progress, bytes_read, sender);
            }
            if let Some(mut done) = builder {
                counts.truncated += done.truncated;
                if let Some(payload) = done.finish() {
                    counts.records += 1;
                    sender.send(payload).await?;
                }
            }
        }
    }
    update(progress, bytes_read, sender);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, message: String) -> LogEvent<'static> {
        LogEvent {
            id: id.to_owned().into(),
            timestamp: 1_772_446_542_911,
            message: message.into(),
        }
    }

    fn decode(payload: &Payload) -> serde_json::Value {
        let json = gzip::gunzip_capped(&payload.data, usize::MAX).unwrap();
        serde_json::from_slice(&json).unwrap()
    }

    #[test]
    fn event_ids_look_like_cloudwatch_ids_and_are_deterministic() {
        let id = cloudwatch_event_id("a.log", 3, "line", 1_772_446_542_911);
        assert_eq!(id.len(), 56);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert!(id.starts_with("00001772446542911"));
        assert_eq!(
            id,
            cloudwatch_event_id("a.log", 3, "line", 1_772_446_542_911)
        );
        assert_ne!(
            id,
            cloudwatch_event_id("a.log", 4, "line", 1_772_446_542_911)
        );
        assert_ne!(
            id,
            cloudwatch_event_id("b.log", 3, "line", 1_772_446_542_911)
        );
        assert_eq!(cloudwatch_event_id("a", 1, "x", -5).len(), 56);
    }

    #[test]
    fn derived_groups_name_the_file() {
        let input = |name: &str| Input {
            path: Some(name.into()),
            name: name.into(),
        };
        assert_eq!(
            derived_log_group(&input("/var/log/pexip/support.log.gz")),
            "/logwrangler/replay/support"
        );
        assert_eq!(
            derived_log_group(&input("my logs (1).txt")),
            "/logwrangler/replay/my_logs__1_"
        );
        let stdin = Input {
            path: None,
            name: "-".into(),
        };
        assert_eq!(derived_log_group(&stdin), "/logwrangler/replay/stdin");
    }

    #[test]
    fn envelopes_stay_under_the_record_limit_and_carry_the_headers() {
        let mut builder =
            EnvelopeBuilder::new(Some("/g".into()), Some("cloudfront.log".into()), None);
        assert!(
            builder
                .push(event("h1", "#Version: 1.0".into()), true)
                .is_none()
        );
        assert!(
            builder
                .push(event("h2", "#Fields: date time".into()), true)
                .is_none()
        );
        let line = "x".repeat(100_000);
        let mut payloads = Vec::new();
        for i in 0..25 {
            payloads.extend(builder.push(event(&format!("e{i}"), line.clone()), false));
        }
        payloads.extend(builder.finish());
        assert_eq!(payloads.iter().map(|p| p.events).sum::<usize>(), 25);
        assert!(payloads.len() >= 3, "{} envelopes", payloads.len());
        let mut seen = Vec::new();
        for payload in &payloads {
            assert!(payload.data.len() < FIREHOSE_RECORD_LIMIT);
            let envelope = decode(payload);
            assert_eq!(envelope["messageType"], "DATA_MESSAGE");
            assert_eq!(envelope["logGroup"], "/g");
            assert_eq!(envelope["logStream"], "cloudfront.log");
            assert_eq!(envelope["subscriptionFilters"][0], SUBSCRIPTION_FILTER);
            let events = envelope["logEvents"].as_array().unwrap();
            assert_eq!(events[0]["id"], "h1", "headers open every envelope");
            assert_eq!(events[1]["id"], "h2");
            let json_len = serde_json::to_vec(&envelope).unwrap().len();
            assert!(json_len <= MAX_ENVELOPE_JSON, "{json_len}");
            seen.extend(
                events[2..]
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_owned()),
            );
        }
        let expected: Vec<String> = (0..25).map(|i| format!("e{i}")).collect();
        assert_eq!(seen, expected, "every event once, in order");
        assert!(builder.finish().is_none(), "nothing left");
    }

    #[test]
    fn an_event_larger_than_a_record_is_cut_to_fit() {
        let mut builder = EnvelopeBuilder::new(None, None, None);
        // Quotes double in JSON: the escaped size, not the raw size, must fit.
        let huge = "\"é".repeat(400_000);
        assert!(builder.push(event("big", huge), false).is_none());
        let payload = builder.finish().unwrap();
        assert_eq!(builder.truncated, 1);
        assert!(payload.data.len() < FIREHOSE_RECORD_LIMIT);
        let envelope = decode(&payload);
        let message = envelope["logEvents"][0]["message"].as_str().unwrap();
        assert!(message.len() > 500_000, "{}", message.len());
        assert!(message.starts_with("\"é\"é"));
    }

    #[test]
    fn many_small_events_split_at_the_event_limit() {
        let mut builder = EnvelopeBuilder::new(None, None, None);
        let mut payloads = Vec::new();
        for i in 0..MAX_ENVELOPE_EVENTS + 5 {
            payloads.extend(builder.push(event(&i.to_string(), "x".into()), false));
        }
        payloads.extend(builder.finish());
        let sizes: Vec<usize> = payloads.iter().map(|p| p.events).collect();
        assert_eq!(sizes, [MAX_ENVELOPE_EVENTS, 5]);
    }

    #[test]
    fn inputs_go_oldest_first_and_undated_last() {
        // Hours one after the other keep Firehose's active partitions few.
        let times = [
            Some(3_600_000),
            None,
            Some(0),
            Some(3_600_000),
            Some(7_200_000),
        ];
        assert_eq!(time_order(&times), vec![2, 0, 3, 4, 1]);
        assert_eq!(time_order(&[]), Vec::<usize>::new());
    }

    #[test]
    fn the_token_bucket_spends_a_second_of_burst_then_paces() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, start);
        assert_eq!(bucket.take(10.0, start), Duration::ZERO);
        assert_eq!(bucket.take(5.0, start), Duration::from_millis(500));
        // Half a second later the debt is paid; another second refills 10.
        let later = start + Duration::from_millis(1500);
        assert_eq!(bucket.take(10.0, later), Duration::ZERO);
        let wait = bucket.take(1.0, later);
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        let mut slow = TokenBucket::new(0.5, start);
        assert_eq!(slow.take(1.0, start), Duration::ZERO);
        assert_eq!(slow.take(1.0, start), Duration::from_secs(2));
    }

    /// Fails the first attempt of every second record, or everything.
    struct Flaky {
        always_fail: bool,
        attempts: Mutex<Vec<Vec<u8>>>,
    }

    impl RecordSink for Flaky {
        async fn put_record_batch(
            &self,
            _stream: &str,
            records: &[&[u8]],
        ) -> Result<Vec<Option<String>>, String> {
            let mut attempts = self.attempts.lock().unwrap();
            Ok(records
                .iter()
                .map(|r| {
                    let first = !attempts.iter().any(|a| a.as_slice() == *r);
                    attempts.push(r.to_vec());
                    let fail = self.always_fail || (first && r[0] % 2 == 1);
                    fail.then(|| "ServiceUnavailableException: Slow down.".to_string())
                })
                .collect())
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    #[tokio::test]
    async fn failed_entries_are_retried_and_counted_once() {
        let sink = Paced::new(
            Flaky {
                always_fail: false,
                attempts: Mutex::default(),
            },
            None,
        );
        let mut sender = Sender::new(&sink, "s", fast(), 4);
        for i in 0..10u8 {
            sender
                .send(Payload {
                    data: vec![i],
                    events: 2,
                })
                .await
                .unwrap();
        }
        sender.flush().await.unwrap();
        assert_eq!(
            (sender.sent, sender.failed, sender.events_sent),
            (10, 0, 20)
        );
        assert_eq!(sender.retried, 5, "only the odd records were sent again");
        let attempts = sink.inner.attempts.lock().unwrap();
        assert_eq!(attempts.len(), 15);
    }

    #[tokio::test]
    async fn a_stream_that_accepts_nothing_stops_the_backfill() {
        let sink = Flaky {
            always_fail: true,
            attempts: Mutex::default(),
        };
        let mut sender = Sender::new(&sink, "missing", fast(), 500);
        sender
            .send(Payload {
                data: vec![1],
                events: 1,
            })
            .await
            .unwrap();
        let error = sender.flush().await.unwrap_err().to_string();
        assert!(
            error.contains("accepted none of 1 records after 3 attempts"),
            "{error}"
        );
        assert_eq!((sender.sent, sender.failed), (0, 1));
    }

    #[tokio::test]
    async fn a_rate_paces_the_calls() {
        let sink = Paced::new(
            Flaky {
                always_fail: false,
                attempts: Mutex::default(),
            },
            Some(20.0),
        );
        let started = Instant::now();
        let mut sender = Sender::new(&sink, "s", fast(), 20);
        for i in 0..30u8 {
            sender
                .send(Payload {
                    data: vec![i * 2],
                    events: 1,
                })
                .await
                .unwrap();
        }
        sender.flush().await.unwrap();
        // 20 go at once, the next 10 wait for half a second of tokens.
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(sender.calls, 2);
    }
}
