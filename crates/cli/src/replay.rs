//! `logwrangler replay`: an operator's historical log files through the same
//! core the deployed pipeline runs, either into a local lake (`--lake DIR`)
//! or into a real Firehose delivery stream (`--firehose STREAM`).
//!
//! Why both: AWS delivers ALB, CloudFront, S3 access and Amplify logs to S3,
//! not to CloudWatch, and older Pexip or VPC logs exist only as files. A
//! backfill into the delivery stream puts them into the deployed lake; a local
//! lake lets an operator try the pipeline on their own logs (and query them
//! with DuckDB) without an AWS account. In both modes each file is one log
//! stream: type detection per line with the source mapping and content
//! sniffing the Lambda uses, header lines (CloudFront `#Fields`, VPC field
//! lists, the Amplify CSV header) configuring the rest of their file, and
//! CloudWatch subscription envelopes (gzip'd JSON deliveries) unwrapped.
//!
//! The local lake holds exactly what the delivery stream would write: the
//! transform Lambda's record JSON, partitioned by the stack's S3 prefix
//! template, plus what the alerting Lambda would have stored and published
//! (`summaries/` and `alerts/`). See [`logwrangler_files::lake::run`] for
//! the layout and why re-runs are idempotent. Objects of runs over different
//! inputs live side by side; the summary and alert files describe the inputs
//! of the run that wrote them (alert dedupe and session summaries depend on
//! seeing all events of a period together, so replay a period's files in one
//! run).

mod alerting;
mod firehose;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::ArgGroup;
use logwrangler::partition::PartitionKey;
use logwrangler::time::Millis;
use logwrangler::{EventContext, Line, LineParser, LogType, Record, Rules, Severity};
use transform_lambda::processor::{Limits, truncate};

use crate::{
    PseudonymiseArgs, TypeArg, load_pseudonymiser, load_rules, load_sources, parse_received_at,
    parse_type_arg,
};
use alerting::Alerting;
use logwrangler_files::input::{self, Content, Input, Lines};
use logwrangler_files::lake::{RunWriter, write_atomically};

/// Arguments of `logwrangler replay`.
#[derive(clap::Args)]
#[command(group(ArgGroup::new("target").required(true).args(["lake", "firehose"])))]
pub struct ReplayArgs {
    /// Log files and directories (read recursively, in sorted order; hidden
    /// entries skipped); `-` reads standard input. Plain text or gzip;
    /// CloudWatch Logs subscription envelopes (gzip'd JSON) are unwrapped.
    #[arg(required = true, value_name = "FILE|DIR")]
    inputs: Vec<PathBuf>,
    /// Write a local lake into DIR: `logs/log_type=.../year=.../` GZIP NDJSON
    /// objects, `summaries/conferences.ndjson`, `summaries/calls.ndjson` and
    /// `alerts/alerts.ndjson`. A re-run over the same inputs replaces its own
    /// objects instead of adding copies; the summary and alert files are
    /// rewritten by every run and describe its inputs.
    #[arg(long, value_name = "DIR")]
    lake: Option<PathBuf>,
    /// Backfill into this Firehose delivery stream (PutRecordBatch), lines
    /// wrapped as CloudWatch Logs envelopes so the deployed transform treats
    /// them like subscription traffic. AWS credentials, region and endpoint
    /// come from the standard AWS configuration (`AWS_ENDPOINT_URL` works).
    #[arg(long, value_name = "STREAM")]
    firehose: Option<String>,
    #[command(flatten)]
    parsing: ParsingArgs,
    /// Severity rules file (JSON), evaluated before the built-in rules (used
    /// by --lake; a delivery stream's Lambdas have their own).
    #[arg(long, env = "LOGWRANGLER_RULES")]
    rules: Option<PathBuf>,
    /// Lowest severity written to alerts/alerts.ndjson (--lake), as the
    /// alerting Lambda's LOGWRANGLER_ALERT_MIN_SEVERITY.
    #[arg(long, default_value = "warning", value_parser = parse_severity, conflicts_with = "firehose")]
    alert_min_severity: Severity,
    /// Start another object of a partition after this many MiB of NDJSON (--lake).
    #[arg(long, value_name = "MIB", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "firehose")]
    object_size_mb: u64,
    /// Most Firehose records sent per second (--firehose); unlimited when absent.
    #[arg(long, value_name = "N", value_parser = parse_rate, conflicts_with = "lake")]
    rate: Option<f64>,
    /// Pseudonymisation of the lake, summaries and alerts (--lake; a
    /// delivery stream's Lambdas use their own key).
    #[command(flatten)]
    pseudonymise: PseudonymiseArgs,
}

/// How lines are read: the same options as `logwrangler parse`.
#[derive(clap::Args)]
struct ParsingArgs {
    /// `auto` (source mapping, then content sniffing) or a log_type to force
    /// (--lake; a delivery stream's transform decides by log group and content).
    #[arg(long = "type", default_value = "auto", value_parser = parse_type_arg, conflicts_with = "firehose")]
    log_type: TypeArg,
    /// CloudWatch log group the events came from (selects the source
    /// mapping); with --firehose also the envelopes' logGroup (default
    /// `/logwrangler/replay/<file name without extensions>`).
    #[arg(long)]
    log_group: Option<String>,
    /// Source mapping file (JSON: log-group patterns to log_types, VPC formats).
    #[arg(long, env = "LOGWRANGLER_SOURCES")]
    config: Option<PathBuf>,
    /// Delivery time of the events (ISO 8601), as for `logwrangler parse`:
    /// the time of events whose line carries none, and the reference for
    /// `timestamp_suspect`. Without it, events without a time get their
    /// file's modification time (standard input: the current time).
    #[arg(long)]
    received_at: Option<String>,
}

fn parse_severity(value: &str) -> Result<Severity, String> {
    Severity::from_level(value).ok_or_else(|| {
        format!("{value:?} is not a severity: use critical, error, warning, info or debug")
    })
}

fn parse_rate(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "{value:?} is not a rate: give records per second, a number above 0"
        )),
    }
}

/// The parser and times every input is read with.
#[derive(Clone)]
struct Parsing {
    parser: LineParser,
    rules: Arc<Rules>,
    received_ms: Option<Millis>,
    log_group: Option<String>,
}

impl Parsing {
    /// Builds the parser as `logwrangler parse` does, with the same messages.
    fn new(args: &ParsingArgs, rules: Option<&PathBuf>) -> Result<Parsing> {
        let config = load_sources(args.config.as_ref())?;
        let rules = Arc::new(load_rules(rules)?);
        let received_ms = parse_received_at(args.received_at.as_deref())?;
        let mut parser = LineParser::new(Arc::new(config), rules.clone());
        if let TypeArg::Fixed(log_type) = args.log_type {
            parser = parser.force_type(log_type);
        }
        Ok(Parsing {
            parser,
            rules,
            received_ms,
            log_group: args.log_group.clone(),
        })
    }

    /// The time of events without one of their own and without a delivery
    /// time: the file's modification time, so re-runs give the same records.
    fn fallback_ms(&self, input: &Input) -> Millis {
        input.modified_ms().unwrap_or_else(crate::now_ms)
    }
}

/// Runs `logwrangler replay`.
pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    let parsing = Parsing::new(&args.parsing, args.rules.as_ref())?;
    let inputs = input::list(&args.inputs, args.lake.as_deref())?;
    if inputs.is_empty() {
        return Err(anyhow!(
            "no input files found in {}",
            args.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match (&args.lake, &args.firehose) {
        (Some(dir), _) => {
            let mut parsing = parsing;
            let pseudonymiser = load_pseudonymiser(&args.pseudonymise)?;
            parsing.parser = parsing.parser.with_pseudonymiser(pseudonymiser);
            run_lake(&args, &inputs, &parsing, dir)
        }
        (None, Some(_)) if args.pseudonymise.pseudonymise_key_env.is_some() => Err(anyhow!(
            "--pseudonymise-key-env applies to --lake: with --firehose the lines go to the \
             delivery stream as they are, and its transform Lambda pseudonymises them with its own key"
        )),
        (None, Some(stream)) => firehose::run(
            &inputs,
            &parsing,
            &firehose::Options {
                stream: stream.clone(),
                rate: args.rate,
            },
        ),
        (None, None) => Err(anyhow!("give --lake DIR or --firehose STREAM")),
    }
}

/// Counts for the final summary.
#[derive(Debug, Default)]
struct Counts {
    files: usize,
    lines: u64,
    truncated: u64,
    records: BTreeMap<LogType, u64>,
}

impl Counts {
    fn total(&self) -> u64 {
        self.records.values().sum()
    }
}

/// Where the records of a lake run go.
struct LakeRun {
    lake: RunWriter,
    alerting: Alerting,
    counts: Counts,
    json: Vec<u8>,
}

impl LakeRun {
    /// Takes one record: its JSON into the lake (the transform's
    /// serialisation), the event to the alerting view.
    fn emit(&mut self, message: &str, record: &Record<'_>) -> Result<()> {
        *self.counts.records.entry(record.log_type()).or_default() += 1;
        self.json.clear();
        record.write_json(&mut self.json);
        self.lake.write(
            PartitionKey::of(record),
            record.envelope.partition_time,
            &self.json,
        )?;
        self.alerting.observe(message, record)
    }
}

fn run_lake(
    args: &ReplayArgs,
    inputs: &[Input],
    parsing: &Parsing,
    dir: &Path,
) -> Result<ExitCode> {
    let max_line = Limits::default().max_line_bytes;
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let mut run = LakeRun {
        lake: RunWriter::create(dir, names, args.object_size_mb.saturating_mul(1 << 20))?,
        alerting: Alerting::new(parsing.rules.clone(), args.alert_min_severity)?,
        counts: Counts::default(),
        json: Vec::with_capacity(8192),
    };
    for input in inputs {
        let (lines_before, records_before) = (run.counts.lines, run.counts.total());
        match input::open(input, Arc::default())? {
            Content::Lines(reader) => {
                // Headers configure the lines after them in the same file only.
                let mut parser = parsing.parser.clone();
                let fallback = parsing.fallback_ms(input);
                let mut lines = Lines::new(reader, &input.name);
                while let Some((position, line)) = lines.next_line()? {
                    run.counts.lines += 1;
                    let (text, truncated) = truncate(line, max_line);
                    let ctx = EventContext {
                        log_group: parsing.log_group.as_deref(),
                        received_ms: parsing.received_ms,
                        fallback_ms: Some(fallback),
                        source: &input.name,
                        position,
                        ..EventContext::default()
                    };
                    if let Line::Record(mut record) = parser.parse_line(text, &ctx) {
                        run.counts.truncated += u64::from(truncated);
                        record.envelope.truncated = truncated;
                        run.emit(line, &record)?;
                    }
                }
            }
            Content::Envelopes(data) => {
                let mut position = 0u64;
                for envelope in input::envelopes(&data) {
                    let envelope = envelope.map_err(|e| anyhow!("{}: {e}", input.name))?;
                    if envelope.is_control() {
                        continue;
                    }
                    // The transform parses each delivery with a fresh parser.
                    let mut parser = parsing.parser.clone();
                    for event in &envelope.log_events {
                        position += 1;
                        run.counts.lines += 1;
                        let (text, truncated) = truncate(&event.message, max_line);
                        let ctx = EventContext {
                            log_group: envelope.log_group.as_deref(),
                            log_stream: envelope.log_stream.as_deref(),
                            account_id: envelope.owner.as_deref(),
                            event_id: Some(event.id.as_ref()).filter(|id| !id.is_empty()),
                            received_ms: Some(event.timestamp),
                            source: &input.name,
                            position,
                            ..EventContext::default()
                        };
                        if let Line::Record(mut record) = parser.parse_line(text, &ctx) {
                            run.counts.truncated += u64::from(truncated);
                            record.envelope.truncated = truncated;
                            run.emit(&event.message, &record)?;
                        }
                    }
                }
            }
        }
        run.counts.files += 1;
        eprintln!(
            "replay: {}: {} lines, {} records",
            input.name,
            run.counts.lines - lines_before,
            run.counts.total() - records_before
        );
    }
    let LakeRun {
        lake,
        alerting,
        counts,
        ..
    } = run;
    let run_id = lake.run().to_owned();
    let report = lake.commit()?;
    write_ndjson(
        &dir.join("summaries/conferences.ndjson"),
        &alerting.sessions(),
    )?;
    write_ndjson(&dir.join("summaries/calls.ndjson"), &alerting.calls())?;
    let alerts = alerting.alerts();
    write_ndjson(&dir.join("alerts/alerts.ndjson"), &alerts)?;

    let unparsed = counts.records.get(&LogType::Unparsed).copied().unwrap_or(0);
    eprintln!(
        "replay: {} files, {} lines, {} records ({unparsed} unparsed{})",
        counts.files,
        counts.lines,
        counts.total(),
        match counts.truncated {
            0 => String::new(),
            n => format!(", {n} truncated to {max_line} bytes"),
        }
    );
    for (log_type, n) in &counts.records {
        eprintln!("  {:<16} {n:>8}", log_type.as_str());
    }
    eprintln!(
        "lake: {} objects in {} partitions under {} (run {run_id}; {} stale objects removed)",
        report.objects.len(),
        report.partitions,
        dir.display(),
        report.stale_removed
    );
    eprintln!(
        "summaries: {} sessions, {} calls in {}",
        alerting.session_count(),
        alerting.call_count(),
        dir.join("summaries").display()
    );
    let mut per_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    for alert in &alerts {
        *per_severity.entry(alert.severity).or_default() += 1;
    }
    let detail: Vec<String> = per_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    eprintln!(
        "alerts: {} ({}), {} repeats held back, in {}",
        alerts.len(),
        if detail.is_empty() {
            "none".to_string()
        } else {
            detail.join(", ")
        },
        alerting.held_back(),
        dir.join("alerts/alerts.ndjson").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes one JSON value per line, replacing the file as a whole.
fn write_ndjson<T: serde::Serialize>(path: &Path, items: &[T]) -> Result<()> {
    let mut out = Vec::with_capacity(items.len() * 512);
    for item in items {
        serde_json::to_writer(&mut out, item).context("serialising a summary")?;
        out.push(b'\n');
    }
    Ok(write_atomically(path, &out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("abc", 3), ("abc", false));
        assert_eq!(truncate("aé", 2), ("a", true));
        assert_eq!(truncate("abcd", 2), ("ab", true));
    }

    #[test]
    fn rates_and_severities_are_checked() {
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert!(parse_rate("0").unwrap_err().contains("above 0"));
        assert!(parse_rate("fast").is_err());
        assert_eq!(parse_severity("WARN"), Ok(Severity::Warning));
        assert!(
            parse_severity("loud")
                .unwrap_err()
                .contains("not a severity")
        );
    }
}
