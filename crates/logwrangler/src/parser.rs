//! The line parser: source mapping, sniffing, the per-stream header state
//! (CloudFront `#Fields`, Amplify CSV header, VPC field list), envelope fields,
//! event ids and severity. One `LineParser` serves one source (a file, or one
//! CloudWatch log stream) because headers configure what follows them.

use std::borrow::Cow;
use std::sync::Arc;

use crate::detect::SourceConfig;
use crate::formats::{ParseError, ParseResult, Parsed, json_object};
use crate::pseudonym::Pseudonymiser;
use crate::record::{Body, Envelope, LogType, Record};
use crate::registry::{self, Headers, Sniffed};
use crate::severity::Rules;
use crate::time::Millis;

/// An event time further than this from the delivery time is not trusted for
/// partitioning (docs/ARCHITECTURE.md §3): a node with a wrong clock must not scatter
/// data outside the projected partition range.
pub const SUSPECT_SKEW_MS: Millis = 7 * 86_400_000;

/// Where an event came from: the CloudWatch envelope, or a file and position.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventContext<'a> {
    /// CloudWatch Logs group.
    pub log_group: Option<&'a str>,
    /// CloudWatch Logs stream.
    pub log_stream: Option<&'a str>,
    /// Owner account of the log group.
    pub account_id: Option<&'a str>,
    /// CloudWatch event id; when absent a deterministic id is derived.
    pub event_id: Option<&'a str>,
    /// CloudWatch event time, or the arrival time for other input: the
    /// delivery time that an event's own time is checked against.
    pub received_ms: Option<Millis>,
    /// Time for events without one of their own when there is no delivery
    /// time either (files read from disk).
    pub fallback_ms: Option<Millis>,
    /// Name of the source for derived ids (file name, stream, record id).
    pub source: &'a str,
    /// Position of the event within the source (line number, event index).
    pub position: u64,
}

/// What one line turned out to be, as the parser saw it.
///
/// Callers that split a stream (the Firehose transform re-ingesting part of a
/// Direct PUT record) must carry header lines with every part: only the parser
/// knows which lines were headers, so it says so instead of callers guessing
/// from prefixes.
// Returned by value and matched at once, like the `Option<Record>` it
// replaces: boxing the record would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Line<'a> {
    /// A header line of this log_type (CloudFront `#Fields`, Amplify CSV
    /// header, VPC field list): it configured the parser for the lines after
    /// it and produces no record.
    Header(LogType),
    /// A typed record (possibly `unparsed`).
    Record(Record<'a>),
}

impl<'a> Line<'a> {
    /// The record, or `None` for a header line: for callers that only want records.
    pub fn into_record(self) -> Option<Record<'a>> {
        match self {
            Line::Record(record) => Some(record),
            Line::Header(_) => None,
        }
    }

    /// True when the line was a header.
    pub fn is_header(&self) -> bool {
        matches!(self, Line::Header(_))
    }
}

/// Turns lines into typed records.
#[derive(Debug, Clone)]
pub struct LineParser {
    config: Arc<SourceConfig>,
    rules: Arc<Rules>,
    forced: Option<LogType>,
    /// What the header lines of this source configured, per format.
    headers: Headers,
    /// The log_type announced by the last header line: the lines after a
    /// header belong to it (a VPC custom format's lines need not look like v2).
    header_type: Option<LogType>,
    /// Pseudonymises every record before severity, summaries and alerts see
    /// it; `None` (the default) costs one branch per record.
    pseudonymiser: Option<Arc<Pseudonymiser>>,
}

impl Default for LineParser {
    fn default() -> Self {
        LineParser::new(
            Arc::new(SourceConfig::default()),
            Arc::new(Rules::default()),
        )
    }
}

impl LineParser {
    /// A parser using a source mapping and severity rules.
    pub fn new(config: Arc<SourceConfig>, rules: Arc<Rules>) -> Self {
        LineParser {
            config,
            rules,
            forced: None,
            headers: Headers::default(),
            header_type: None,
            pseudonymiser: None,
        }
    }

    /// Pseudonymises personal data in every record this parser returns
    /// (see [`crate::pseudonym`]); `None` turns it off.
    pub fn with_pseudonymiser(mut self, pseudonymiser: Option<Arc<Pseudonymiser>>) -> Self {
        self.pseudonymiser = pseudonymiser;
        self
    }

    /// The pseudonymiser applied to every record, if any.
    pub fn pseudonymiser(&self) -> Option<&Arc<Pseudonymiser>> {
        self.pseudonymiser.as_ref()
    }

    /// Parses every line as `log_type` (no mapping, no sniffing); lines that do
    /// not fit become `unparsed`.
    pub fn force_type(mut self, log_type: LogType) -> Self {
        self.forced = Some(log_type);
        self
    }

    /// Parses one event. Header lines configure the parser for the lines after
    /// them and come back as [`Line::Header`], without a record.
    pub fn parse_line<'a>(&mut self, line: &'a str, ctx: &EventContext<'a>) -> Line<'a> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let target = ctx.log_group.and_then(|g| self.config.resolve(g)).cloned();
        if let Some(format) = target.as_ref().and_then(|t| t.vpc_format.clone()) {
            self.headers.set_vpc_format(format);
        }
        let wanted = self
            .forced
            .or(target.map(|t| t.log_type))
            .or(self.header_type);
        let (log_type, result) = match wanted {
            Some(log_type) => match self.headers.consume(log_type, line) {
                true => return Line::Header(log_type),
                false => {
                    let forced = self.headers.parse(log_type, line);
                    match (forced, self.forced.is_none()) {
                        // A mapped group may still carry other formats: try sniffing before giving up.
                        (Err(err), true) => match self.sniff_and_parse(line) {
                            Err(header) => return Line::Header(header),
                            Ok((t, Ok(parsed))) => (t, Ok(parsed)),
                            Ok(_) => (log_type, Err(err)),
                        },
                        (result, _) => (log_type, result),
                    }
                }
            },
            None => match self.sniff_and_parse(line) {
                Ok(sniffed) => sniffed,
                Err(header) => return Line::Header(header),
            },
        };
        Line::Record(self.finish(log_type, result, line, ctx))
    }

    /// Sniffs the line; `Err(log_type)` when it was a header of that type.
    fn sniff_and_parse<'a>(
        &mut self,
        line: &'a str,
    ) -> Result<(LogType, ParseResult<Body<'a>>), LogType> {
        Ok(match registry::sniff(line) {
            Sniffed::Header(log_type) => {
                if self.headers.consume(log_type, line) {
                    self.header_type = Some(log_type);
                    return Err(log_type);
                }
                (
                    LogType::Unparsed,
                    Err(ParseError::fixed("header line of an unknown layout")),
                )
            }
            Sniffed::Line(log_type) => (log_type, self.headers.parse(log_type, line)),
            Sniffed::JsonObject => match parse_json_object(line) {
                Ok((log_type, parsed)) => (log_type, Ok(parsed)),
                Err(err) => (LogType::Json, Err(err)),
            },
            Sniffed::Unknown => (
                LogType::Unparsed,
                Err(ParseError::fixed("no known log format matches this line")),
            ),
        })
    }

    fn finish<'a>(
        &self,
        log_type: LogType,
        result: ParseResult<Body<'a>>,
        line: &'a str,
        ctx: &EventContext<'a>,
    ) -> Record<'a> {
        let (log_type, body, time, raw) = match result {
            Ok(Parsed { body, time }) => (
                log_type,
                body,
                time,
                self.config.keep_raw.then_some(Cow::Borrowed(line)),
            ),
            Err(ParseError(reason)) => {
                let parse_error = match log_type {
                    LogType::Unparsed => reason,
                    tried => Cow::Owned(format!("{tried}: {reason}")),
                };
                (
                    LogType::Unparsed,
                    Body::unparsed(parse_error),
                    None,
                    Some(Cow::Borrowed(line)),
                )
            }
        };
        // A format may carry its own `account_id` column (vpc_flow, docs/ARCHITECTURE.md §4), which
        // shares the envelope's column name: the record's value wins, the
        // CloudWatch owner fills it when the format has none, and the envelope
        // does not write the key a second time.
        let mut body = body;
        let mut account_id = ctx.account_id.map(Cow::Borrowed);
        if let Some(own) = body.account_id() {
            if own.is_none() {
                *own = account_id.take();
            } else {
                account_id = None;
            }
        }
        let received = ctx.received_ms;
        let timestamp = time.or(received).or(ctx.fallback_ms).unwrap_or(0);
        let timestamp_suspect =
            matches!((time, received), (Some(t), Some(r)) if (t - r).abs() > SUSPECT_SKEW_MS);
        let event_id = match ctx.event_id {
            Some(id) => Cow::Borrowed(id),
            None => Cow::Owned(derived_event_id(ctx.source, ctx.position, line)),
        };
        let mut record = Record {
            envelope: Envelope {
                log_type,
                timestamp,
                partition_time: if timestamp_suspect {
                    received.unwrap_or(timestamp)
                } else {
                    timestamp
                },
                event_id,
                severity: crate::record::Severity::Info,
                log_group: ctx.log_group.map(Cow::Borrowed),
                log_stream: ctx.log_stream.map(Cow::Borrowed),
                account_id,
                timestamp_suspect,
                truncated: false,
                raw,
            },
            body,
        };
        // Before the rules: severity, the stored record, summaries and alerts
        // all see the same (pseudonymised) values.
        if let Some(pseudonymiser) = &self.pseudonymiser {
            record.pseudonymise(pseudonymiser);
        }
        record.envelope.severity = self.rules.severity(&record);
        record
    }
}

/// A deterministic event id for input without a CloudWatch id: re-processing the
/// same source yields the same id, so Athena can de-duplicate.
pub fn derived_event_id(source: &str, position: u64, line: &str) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(source.as_bytes());
    hasher.update(&[0]);
    hasher.update(&position.to_le_bytes());
    hasher.update(line.as_bytes());
    format!("lw-{:032x}", hasher.digest128())
}

/// Classifies a JSON object line by its keys (the formats that claim objects,
/// in registry order).
fn parse_json_object(line: &str) -> Result<(LogType, Parsed<Body<'static>>), ParseError> {
    registry::classify_object(json_object(line)?)
}
