//! The corpus every variant of the bench runs on: CloudWatch Logs deliveries
//! (one gzip'd subscription envelope per Firehose record) packed into Firehose
//! transformation requests the way the deployed stream sizes them.
//!
//! Deliveries come from the seeded day generator ([`logwrangler_generator`]) when it
//! has any, else from the repository's fixtures replicated with their numbers
//! varied (so gzip sees realistic redundancy, not the same line ten thousand
//! times). The transform, the floor and the parser comparisons all read the
//! same bytes.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::{EventContext, LineParser, LogType};
use logwrangler_aws::envelope::{CloudWatchEnvelope, LogEvent};
use logwrangler_aws::firehose::{InputRecord, Request};
use transform_lambda::config::Config;

/// Firehose's processor buffer of the deployed stream (`PROCESSOR_BUFFER_SIZE_MB`
/// = 0.5 in `infra-cdk/lib/constants.ts`): record data bytes per invocation
/// (the default of `--buffer-mb`).
pub const PROCESSOR_BUFFER_BYTES: usize = 512 * 1024;
/// The largest request Lambda accepts for a synchronous invocation.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
/// Room left under [`MAX_REQUEST_BYTES`] for the runtime's framing.
const MAX_REQUEST_SLACK: usize = 4 * 1024;
/// Subscription filter name written into the envelopes.
const SUBSCRIPTION_FILTER: &str = "logwrangler-lake";
/// The stream the requests claim to come from.
const STREAM_ARN: &str = "arn:aws:firehose:us-east-1:123456789012:deliverystream/logwrangler-lake";
/// First CloudWatch timestamp of the fixture corpus (2026-11-24T10:00:00Z): all
/// deliveries fall in one hour, so records are not split by partition.
const FIXTURE_START_MS: i64 = 1_795_514_400_000;
/// Time span of the fixture corpus.
const FIXTURE_SPAN_MS: i64 = 10 * 60 * 1000;

/// One CloudWatch Logs subscription delivery: events of one log group and stream.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The log_type every event of the delivery is meant to become.
    pub log_type: LogType,
    /// Source log group.
    pub log_group: String,
    /// Source log stream.
    pub log_stream: String,
    /// Owner account.
    pub owner: String,
    /// Events (id, CloudWatch time in ms, message).
    pub events: Vec<(String, i64, String)>,
}

impl Delivery {
    /// Bytes of the log lines themselves (what "raw logs" counts).
    pub fn raw_bytes(&self) -> usize {
        self.events.iter().map(|(_, _, m)| m.len()).sum()
    }

    /// The DATA_MESSAGE envelope CloudWatch Logs sends.
    pub fn envelope_json(&self) -> Vec<u8> {
        let envelope = CloudWatchEnvelope {
            message_type: "DATA_MESSAGE".into(),
            owner: Some(self.owner.as_str().into()),
            log_group: Some(self.log_group.as_str().into()),
            log_stream: Some(self.log_stream.as_str().into()),
            subscription_filters: vec![SUBSCRIPTION_FILTER.into()],
            log_events: self
                .events
                .iter()
                .map(|(id, timestamp, message)| LogEvent {
                    id: id.as_str().into(),
                    timestamp: *timestamp,
                    message: message.as_str().into(),
                })
                .collect(),
            logwrangler_reingest: None,
        };
        serde_json::to_vec(&envelope).expect("envelopes serialise")
    }

    /// The gzip'd envelope: the data of one Firehose record.
    pub fn firehose_record(&self) -> Vec<u8> {
        gzip(&self.envelope_json())
    }
}

/// gzip at the default level (what CloudWatch Logs delivers).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::default(),
    );
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// One Firehose record of the corpus.
#[derive(Debug, Clone)]
pub struct Record {
    /// The delivery's log_type.
    pub log_type: LogType,
    /// gzip'd envelope (record data before base64).
    pub data: Vec<u8>,
    /// Decompressed size (the processor's `BytesIn`).
    pub decompressed_bytes: usize,
    /// Bytes of the log lines.
    pub raw_bytes: usize,
    /// Events in the envelope.
    pub events: usize,
}

/// A Firehose transformation request, serialised, with what it carries.
#[derive(Debug, Clone)]
pub struct RequestBytes {
    /// The request JSON as Lambda receives it.
    pub json: Vec<u8>,
    /// Base64 data of each record, in order (the floor's input).
    pub base64_records: Vec<String>,
    /// Decompressed record data.
    pub decompressed_bytes: usize,
    /// Bytes of the log lines.
    pub raw_bytes: usize,
    /// Log events.
    pub events: usize,
}

/// Packs records into requests of at most `buffer_bytes` of record data (at
/// least one record each), as Firehose's processor buffer does.
pub fn pack_requests(records: &[Record], buffer_bytes: usize) -> Vec<RequestBytes> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < records.len() {
        let mut end = start + 1;
        let mut size = records[start].data.len();
        while end < records.len() && size + records[end].data.len() <= buffer_bytes {
            size += records[end].data.len();
            end += 1;
        }
        out.push(request(&records[start..end], out.len()));
        start = end;
    }
    out
}

/// The largest request Firehose can send: records (cycled when the corpus is
/// smaller) until the request JSON reaches Lambda's 6 MB invocation limit.
pub fn max_request(records: &[Record]) -> Result<RequestBytes> {
    if records.is_empty() {
        bail!("the corpus has no records");
    }
    const INDEX: usize = 9999;
    let budget = MAX_REQUEST_BYTES - MAX_REQUEST_SLACK;
    let mut size = serde_json::to_vec(&request_of(Vec::new(), INDEX))?.len();
    let mut chosen = Vec::new();
    for record in records.iter().cycle() {
        let entry = input_record(&BASE64.encode(&record.data), INDEX, chosen.len());
        let cost = serde_json::to_vec(&entry)?.len() + 1;
        if size + cost > budget {
            break;
        }
        size += cost;
        chosen.push(record.clone());
    }
    let request = request(&chosen, INDEX);
    if request.json.len() > MAX_REQUEST_BYTES {
        bail!(
            "the largest request came out at {} bytes, over the 6 MB limit",
            request.json.len()
        );
    }
    Ok(request)
}

fn input_record(data: &str, index: usize, i: usize) -> InputRecord {
    InputRecord {
        record_id: format!("49546986683135544286507457936321625675700192471156{index:04}{i:06}"),
        approximate_arrival_timestamp: Some(FIXTURE_START_MS + FIXTURE_SPAN_MS),
        data: serde_json::Value::String(data.to_owned()),
    }
}

fn request_of(records: Vec<InputRecord>, index: usize) -> Request {
    Request {
        invocation_id: format!("bench-invocation-{index:04}"),
        delivery_stream_arn: STREAM_ARN.into(),
        region: "us-east-1".into(),
        records,
    }
}

fn request(records: &[Record], index: usize) -> RequestBytes {
    let base64_records: Vec<String> = records.iter().map(|r| BASE64.encode(&r.data)).collect();
    let request = request_of(
        base64_records
            .iter()
            .enumerate()
            .map(|(i, data)| input_record(data, index, i))
            .collect(),
        index,
    );
    RequestBytes {
        json: serde_json::to_vec(&request).expect("requests serialise"),
        base64_records,
        decompressed_bytes: records.iter().map(|r| r.decompressed_bytes).sum(),
        raw_bytes: records.iter().map(|r| r.raw_bytes).sum(),
        events: records.iter().map(|r| r.events).sum(),
    }
}

/// The first processor-sized request of the busiest (log group, log stream,
/// hour) of the deliveries, with that stream and hour named.
fn stream_hour_request(
    deliveries: &[Delivery],
    buffer_bytes: usize,
) -> Result<(String, RequestBytes)> {
    let mut by_stream_hour: BTreeMap<(&str, &str, i64), Vec<Delivery>> = BTreeMap::new();
    for d in deliveries {
        let Some((_, first_ms, _)) = d.events.first() else {
            continue;
        };
        let key = (
            d.log_group.as_str(),
            d.log_stream.as_str(),
            first_ms.div_euclid(3_600_000),
        );
        by_stream_hour.entry(key).or_default().push(d.clone());
    }
    let ((group, stream, hour), busiest) = by_stream_hour
        .into_iter()
        .max_by_key(|(_, ds)| ds.iter().map(|d| d.events.len()).sum::<usize>())
        .context("the corpus has no events")?;
    let request = pack_requests(&records(&busiest), buffer_bytes).swap_remove(0);
    let name = format!(
        "{group} {stream}, hour {}",
        logwrangler::time::iso_string(hour * 3_600_000)
    );
    Ok((name, request))
}

/// Turns deliveries into Firehose records (gzip'd envelopes).
pub fn records(deliveries: &[Delivery]) -> Vec<Record> {
    deliveries
        .iter()
        .map(|d| {
            let json = d.envelope_json();
            Record {
                log_type: d.log_type,
                data: gzip(&json),
                decompressed_bytes: json.len(),
                raw_bytes: d.raw_bytes(),
                events: d.events.len(),
            }
        })
        .collect()
}

/// The generator's day as deliveries. A delivery's log_type is that of its
/// first event under `config` (a log group carries one format, the odd Lambda
/// runtime line aside).
pub fn generator_deliveries(scale: f64, seed: u64, config: &Config) -> Vec<Delivery> {
    let day = logwrangler_generator::generate(&logwrangler_generator::DayConfig {
        seed,
        scale,
        ..logwrangler_generator::DayConfig::default()
    });
    day.batches
        .into_iter()
        .filter_map(|batch| {
            let first = batch.events.first()?;
            let ctx = EventContext {
                log_group: Some(&batch.log_group),
                received_ms: Some(first.timestamp),
                ..EventContext::default()
            };
            let log_type = config
                .parser
                .clone()
                .parse_line(&first.message, &ctx)
                .into_record()?
                .log_type();
            Some(Delivery {
                log_type,
                log_group: batch.log_group,
                log_stream: batch.log_stream,
                owner: batch.owner,
                events: batch
                    .events
                    .into_iter()
                    .map(|e| (e.id, e.timestamp, e.message))
                    .collect(),
            })
        })
        .collect()
}

/// Requests timed per log_type (the mix is timed whole): enough for a
/// figure, few enough to leave the measuring time to many rounds.
const REQUESTS_PER_LOG_TYPE: usize = 2;

/// Where the deliveries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// The seeded day generator.
    Generator,
    /// The repository's fixtures, replicated with their numbers varied.
    Fixtures,
}

impl Source {
    /// A short description for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Fixtures => "tests/fixtures lines replicated with varied numbers (seeded)",
            Source::Generator => "the seeded day generator (logwrangler-generator)",
        }
    }
}

/// One fixture source of the mix: its log group, the lines, and its share of events.
struct FixtureSource {
    log_type: LogType,
    log_group: &'static str,
    streams: &'static [&'static str],
    lines: &'static str,
    /// Share of the day's events, in percent.
    share: u32,
}

/// The mix of a day: Pexip the largest share, then the AWS services around it.
const FIXTURE_MIX: &[FixtureSource] = &[
    FixtureSource {
        log_type: LogType::PexipSupport,
        log_group: "/pexip/infinity/support",
        streams: &["px-conf01", "px-conf02", "px-mgr01"],
        lines: include_str!("../../../../tests/fixtures/pexip/support.log"),
        share: 34,
    },
    FixtureSource {
        log_type: LogType::PexipAudit,
        log_group: "/pexip/infinity/audit",
        streams: &["px-conf01", "px-mgr01"],
        lines: include_str!("../../../../tests/fixtures/pexip/audit.log"),
        share: 4,
    },
    FixtureSource {
        log_type: LogType::PexipWeb,
        log_group: "/pexip/infinity/web",
        streams: &["px-conf01", "px-conf02"],
        lines: include_str!("../../../../tests/fixtures/pexip/web.log"),
        share: 10,
    },
    FixtureSource {
        log_type: LogType::Alb,
        log_group: "/aws/alb/access",
        streams: &["app-my-loadbalancer"],
        lines: include_str!("../../../../tests/fixtures/aws/alb.log"),
        share: 16,
    },
    FixtureSource {
        log_type: LogType::VpcFlow,
        log_group: "/aws/vpc/flow-logs",
        streams: &["eni-1235b8ca123456789", "eni-0f1e2d3c4b5a69788"],
        lines: include_str!("../../../../tests/fixtures/aws/vpc_flow.log"),
        share: 16,
    },
    FixtureSource {
        log_type: LogType::CloudTrail,
        log_group: "/aws/cloudtrail/management",
        streams: &["123456789012_CloudTrail_us-east-1"],
        lines: include_str!("../../../../tests/fixtures/aws/cloudtrail.ndjson"),
        share: 4,
    },
    FixtureSource {
        log_type: LogType::LambdaPlatform,
        log_group: "/aws/lambda/orders",
        streams: &["2026/11/24/[$LATEST]0123456789abcdef"],
        lines: include_str!("../../../../tests/fixtures/aws/lambda_platform.log"),
        share: 5,
    },
    FixtureSource {
        log_type: LogType::App,
        log_group: "/my-app/events",
        streams: &["billing"],
        lines: include_str!("../../../../tests/fixtures/aws/app.ndjson"),
        share: 4,
    },
    FixtureSource {
        log_type: LogType::S3Access,
        log_group: "/aws/s3/access",
        streams: &["doc-example-bucket1"],
        lines: include_str!("../../../../tests/fixtures/aws/s3_access.log"),
        share: 4,
    },
    FixtureSource {
        log_type: LogType::CloudFront,
        log_group: "/aws/cloudfront/access",
        streams: &["E2EXAMPLE"],
        lines: include_str!("../../../../tests/fixtures/aws/cloudfront.log"),
        share: 3,
    },
];

/// Most events CloudWatch puts in one delivery of this corpus.
const MAX_EVENTS_PER_DELIVERY: usize = 500;
/// Most line bytes in one delivery of this corpus.
const MAX_BYTES_PER_DELIVERY: usize = 256 * 1024;

/// A seeded day from the fixtures: about `events` events in the mix's shares,
/// in deliveries sorted by their first timestamp. Every line is checked to
/// parse as its source's log_type with the deployed configuration.
pub fn fixture_deliveries(events: usize, seed: u64, config: &Config) -> Result<Vec<Delivery>> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut deliveries = Vec::new();
    let mut next_id: u64 = 0;
    for source in FIXTURE_MIX {
        let templates = usable_lines(source, config)?;
        let count = (events * source.share as usize).div_ceil(100);
        for (s, stream) in source.streams.iter().enumerate() {
            let share =
                count / source.streams.len() + usize::from(s < count % source.streams.len());
            let step = FIXTURE_SPAN_MS / share.max(1) as i64;
            let mut delivery = empty_delivery(source, stream);
            let mut bytes = 0;
            for i in 0..share {
                let template = templates[(i + s) % templates.len()];
                let varied = vary_numbers(template, &mut rng);
                let message = if parses_as(&varied, source, config) {
                    varied
                } else {
                    template.to_owned()
                };
                if delivery.events.len() == MAX_EVENTS_PER_DELIVERY
                    || bytes + message.len() > MAX_BYTES_PER_DELIVERY
                {
                    deliveries.push(std::mem::replace(
                        &mut delivery,
                        empty_delivery(source, stream),
                    ));
                    bytes = 0;
                }
                let timestamp = FIXTURE_START_MS + step * i as i64 + rng.i64(0..step.max(1));
                next_id += 1;
                bytes += message.len();
                delivery
                    .events
                    .push((event_id(timestamp, next_id, &mut rng), timestamp, message));
            }
            if !delivery.events.is_empty() {
                deliveries.push(delivery);
            }
        }
    }
    deliveries.sort_by_key(|d| d.events.first().map(|e| e.1));
    Ok(deliveries)
}

fn empty_delivery(source: &FixtureSource, stream: &str) -> Delivery {
    Delivery {
        log_type: source.log_type,
        log_group: source.log_group.into(),
        log_stream: stream.into(),
        owner: "123456789012".into(),
        events: Vec::new(),
    }
}

/// A 56-digit CloudWatch event id: unique, and as incompressible as real ones.
fn event_id(timestamp: i64, counter: u64, rng: &mut fastrand::Rng) -> String {
    format!(
        "{:020}{:012}{:024}",
        timestamp,
        counter,
        rng.u128(..) % 1_000_000_000_000_000_000_000_000
    )
}

/// The fixture's lines that parse as its log_type (headers and deliberate
/// oddities left out).
fn usable_lines(source: &FixtureSource, config: &Config) -> Result<Vec<&'static str>> {
    let lines: Vec<&'static str> = source
        .lines
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter(|l| parses_as(l, source, config))
        .collect();
    if lines.is_empty() {
        bail!(
            "no line of the {} fixture parses as {}",
            source.log_group,
            source.log_type
        );
    }
    Ok(lines)
}

fn parses_as(line: &str, source: &FixtureSource, config: &Config) -> bool {
    let ctx = EventContext {
        log_group: Some(source.log_group),
        received_ms: Some(FIXTURE_START_MS),
        ..EventContext::default()
    };
    let mut parser: LineParser = config.parser.clone();
    parser
        .parse_line(line, &ctx)
        .into_record()
        .is_some_and(|r| r.log_type() == source.log_type)
}

/// Varies the digits of numbers that are not part of a date or time (ports,
/// sizes, durations, addresses, ids), keeping each number's first digit and
/// length, so replicated lines differ the way real traffic does. Epoch times
/// (ten digits and more) keep their leading digits and move by at most a day.
fn vary_numbers(line: &str, rng: &mut fastrand::Rng) -> String {
    let bytes = line.as_bytes();
    let mut out = bytes.to_vec();
    let in_time = |c: u8| matches!(c, b'-' | b':' | b'T' | b',' | b'/' | b'[' | b'+' | b'(');
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let before = start.checked_sub(1).map_or(b' ', |p| bytes[p]);
        let after = bytes.get(i).copied().unwrap_or(b' ');
        if i - start < 2 || in_time(before) || in_time(after) {
            continue;
        }
        let from = if i - start >= 10 { i - 4 } else { start + 1 };
        for digit in &mut out[from..i] {
            *digit = b'0' + rng.u8(0..10);
        }
    }
    String::from_utf8(out).expect("only ASCII digits were replaced")
}

/// The corpus: deliveries, records and the requests built from them.
#[derive(Debug)]
pub struct Corpus {
    /// Where the deliveries came from.
    pub source: Source,
    /// Records of the whole mix, in delivery order.
    pub records: Vec<Record>,
    /// The mix packed into processor-sized requests.
    pub mix_requests: Vec<RequestBytes>,
    /// Per log_type: its records packed into processor-sized requests (the first few).
    pub by_log_type: BTreeMap<LogType, Vec<RequestBytes>>,
    /// The largest request Firehose can send.
    pub max_request: RequestBytes,
    /// One processor-sized request of the CloudWatch deliveries of one log
    /// stream within one hour (the busiest such stream-hour of the corpus):
    /// what the blueprint comparison runs on.
    pub stream_hour_request: RequestBytes,
    /// The stream and hour of [`Corpus::stream_hour_request`].
    pub stream_hour: String,
    /// ALB lines of the corpus (for the parser comparison).
    pub alb_lines: Vec<String>,
    /// VPC flow lines (default format) of the corpus.
    pub vpc_lines: Vec<String>,
}

impl Corpus {
    /// Builds the corpus from deliveries, packing requests of at most
    /// `buffer_bytes` of record data.
    pub fn new(source: Source, deliveries: &[Delivery], buffer_bytes: usize) -> Result<Corpus> {
        let records = records(deliveries);
        let mix_requests = pack_requests(&records, buffer_bytes);
        let mut by_log_type = BTreeMap::new();
        let types: std::collections::BTreeSet<LogType> =
            records.iter().map(|r| r.log_type).collect();
        for log_type in types {
            let of_type: Vec<Record> = records
                .iter()
                .filter(|r| r.log_type == log_type)
                .cloned()
                .collect();
            let mut requests = pack_requests(&of_type, buffer_bytes);
            requests.truncate(REQUESTS_PER_LOG_TYPE);
            by_log_type.insert(log_type, requests);
        }
        let lines_of = |log_type: LogType| -> Vec<String> {
            deliveries
                .iter()
                .filter(|d| d.log_type == log_type)
                .flat_map(|d| d.events.iter().map(|(_, _, m)| m.clone()))
                .collect()
        };
        let alb_lines = lines_of(LogType::Alb);
        let vpc_lines: Vec<String> = lines_of(LogType::VpcFlow)
            .into_iter()
            .filter(|l| l.split_ascii_whitespace().count() == 14)
            .collect();
        let max_request = max_request(&records).context("building the 6 MB request")?;
        let (stream_hour, stream_hour_request) = stream_hour_request(deliveries, buffer_bytes)?;
        Ok(Corpus {
            source,
            records,
            mix_requests,
            by_log_type,
            max_request,
            stream_hour_request,
            stream_hour,
            alb_lines,
            vpc_lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_vars(|_| None).unwrap()
    }

    #[test]
    fn varies_numbers_but_not_times() {
        let mut rng = fastrand::Rng::with_seed(7);
        let line = "https 2018-07-02T22:23:00.186641Z app/x 192.168.131.39:2817 200 1418530010 x";
        let varied = vary_numbers(line, &mut rng);
        assert_eq!(varied.len(), line.len());
        assert!(varied.starts_with("https 2018-07-02T22:23:00."), "{varied}");
        assert_ne!(varied, line);
        let epoch = varied.split(' ').nth(5).unwrap();
        assert!(epoch.starts_with("141853"), "{varied}");
        assert!(varied.split(' ').nth(4).unwrap().starts_with('2'));
    }

    #[test]
    fn fixture_day_has_every_source_and_valid_lines() {
        let config = config();
        let deliveries = fixture_deliveries(3000, 1, &config).unwrap();
        let types: std::collections::BTreeSet<LogType> =
            deliveries.iter().map(|d| d.log_type).collect();
        assert_eq!(types.len(), FIXTURE_MIX.len());
        let events: usize = deliveries.iter().map(|d| d.events.len()).sum();
        assert!(
            (3000..3000 + FIXTURE_MIX.len() * 3).contains(&events),
            "{events}"
        );
        assert!(
            deliveries
                .iter()
                .all(|d| d.events.len() <= MAX_EVENTS_PER_DELIVERY)
        );
        // Deterministic for a seed.
        let again = fixture_deliveries(3000, 1, &config).unwrap();
        assert_eq!(again[0].events, deliveries[0].events);
    }

    #[test]
    fn requests_respect_the_buffer_and_the_6_mb_limit() {
        let config = config();
        let deliveries = fixture_deliveries(20_000, 3, &config).unwrap();
        let corpus = Corpus::new(Source::Fixtures, &deliveries, PROCESSOR_BUFFER_BYTES).unwrap();
        let records: usize = corpus
            .mix_requests
            .iter()
            .map(|r| r.base64_records.len())
            .sum();
        assert_eq!(records, corpus.records.len());
        for request in &corpus.mix_requests {
            let data: usize = request
                .base64_records
                .iter()
                .map(|b| BASE64.decode(b).unwrap().len())
                .sum();
            assert!(data <= PROCESSOR_BUFFER_BYTES || request.base64_records.len() == 1);
            let parsed: Request = serde_json::from_slice(&request.json).unwrap();
            assert_eq!(parsed.records.len(), request.base64_records.len());
        }
        let max = &corpus.max_request;
        assert!(max.json.len() <= MAX_REQUEST_BYTES);
        assert!(
            max.json.len() > MAX_REQUEST_BYTES - 64 * 1024,
            "{}",
            max.json.len()
        );
        assert!(!corpus.alb_lines.is_empty() && !corpus.vpc_lines.is_empty());
    }
}
