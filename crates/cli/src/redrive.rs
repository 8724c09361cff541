//! `logwrangler redrive`: the records Firehose wrote under the error prefix,
//! put back through the pipeline.
//!
//! Why: when the transform Lambda cannot run (a bad key secret, a broken
//! deploy, an outage), Firehose skips the batch after its retries and writes
//! every record of it under the stack's error prefix
//! (`errors/processing-failed/...`), one JSON document per record whose
//! `rawData` is the record exactly as it arrived, base64 encoded (AWS:
//! "Handle failure in data transformation",
//! <https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html>:
//! `attemptsMade`, `arrivalTimestamp`, `errorCode`, `errorMessage`,
//! `attemptEndingTimestamp`, `rawData`, `lambdaArn`). Those records are not
//! lost, but nothing queries them until they pass the transform again.
//!
//! Redrive reads the error objects from S3 (`s3://BUCKET/PREFIX`, the
//! standard AWS configuration) or from a local lake directory, unwraps
//! `rawData`, and sends the original records either back into a delivery
//! stream (`--firehose STREAM`, through the shared Firehose sink with its
//! retries) or through the transform's own planner into a local lake
//! (`--lake DIR`, written as `replay --lake` writes).
//!
//! Idempotent: the records are sent as they arrived, so the events keep
//! their CloudWatch event ids (or, for Direct PUT data, the deterministic ids
//! the transform derives from the same bytes); a second redrive of the same
//! objects into a lake replaces its own objects, and into Athena gives rows
//! that de-duplicate by `event_id`. Identical records found twice under the
//! prefix (a record that failed in two deliveries) are sent once.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::ArgGroup;
use logwrangler::partition::PartitionKey;
use logwrangler::time::Millis;
use logwrangler_aws::firehose::{InputRecord, Request};
use logwrangler_aws::sink::{FIREHOSE_RECORD_LIMIT, FirehoseSink, RetryPolicy, reingest};
use logwrangler_files::lake::RunWriter;
use transform_lambda::processor::{self, Answer};

/// The most error objects' text read into memory (gunzipped) from one object.
const MAX_OBJECT_BYTES: usize = 512 << 20;
/// Records per `PutRecordBatch` round (and per progress line).
const SEND_CHUNK: usize = 500;
/// Records per local transform invocation (a Firehose buffer's worth).
const PLAN_CHUNK_RECORDS: usize = 500;
/// Raw bytes per local transform invocation (Firehose's largest buffer).
const PLAN_CHUNK_BYTES: usize = 3 << 20;

/// Arguments of `logwrangler redrive`.
#[derive(clap::Args)]
#[command(group(ArgGroup::new("target").args(["lake", "firehose"])))]
pub struct RedriveArgs {
    /// Where the error objects are: `s3://BUCKET/PREFIX` (for example
    /// `s3://my-lake/errors/processing-failed/year=2026/month=12/`) or a
    /// directory (a local lake's root, whose `errors/` is then read, or any
    /// folder of error objects). Gzip'd or plain JSON lines.
    #[arg(value_name = "s3://BUCKET/PREFIX|DIR")]
    source: String,
    /// Put the original records back into this Firehose delivery stream
    /// (PutRecordBatch, failed entries retried). AWS credentials, region and
    /// endpoint come from the standard AWS configuration.
    #[arg(long, value_name = "STREAM")]
    firehose: Option<String>,
    /// Run the records through the transform (its LOGWRANGLER_* environment
    /// variables, as `logwrangler transform`) into a local lake at DIR.
    #[arg(long, value_name = "DIR")]
    lake: Option<PathBuf>,
    /// Read and count only: nothing is sent or written.
    #[arg(long)]
    dry_run: bool,
}

/// One record found under the error prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    /// The record as Firehose received it (`rawData`, decoded).
    pub raw: Vec<u8>,
    /// When Firehose received it (`arrivalTimestamp`).
    pub arrival_ms: Option<Millis>,
    /// Why it failed (`errorCode`).
    pub error_code: String,
}

/// What the error lines of one object held.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Records, in order.
    pub entries: Vec<ErrorEntry>,
    /// Lines that are not error records (not JSON, or no `rawData` base64).
    pub skipped: usize,
}

/// A field of an error document, by its documented name or the capitalised
/// spelling of the format-conversion documents (`ErrorCode`).
fn field<'a>(doc: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    doc.get(name).or_else(|| {
        let mut upper = name.to_owned();
        upper[..1].make_ascii_uppercase();
        doc.get(&upper)
    })
}

/// Parses Firehose error output (JSON lines) into the records it holds.
pub fn parse_error_lines(text: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let entry = serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|doc| {
                let raw = BASE64.decode(field(&doc, "rawData")?.as_str()?).ok()?;
                Some(ErrorEntry {
                    raw,
                    arrival_ms: field(&doc, "arrivalTimestamp").and_then(|v| v.as_i64()),
                    error_code: field(&doc, "errorCode")
                        .and_then(|v| v.as_str())
                        .unwrap_or("unknown")
                        .to_owned(),
                })
            });
        match entry {
            Some(entry) => parsed.entries.push(entry),
            None => parsed.skipped += 1,
        }
    }
    parsed
}

/// Where the error objects are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A bucket and a key prefix.
    S3 { bucket: String, prefix: String },
    /// A local directory.
    Dir(PathBuf),
}

impl Source {
    /// `s3://BUCKET/PREFIX` or a directory path.
    pub fn parse(text: &str) -> Result<Source> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                bail!("{text:?}: give s3://BUCKET/PREFIX");
            }
            return Ok(Source::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        let path = PathBuf::from(text);
        if !path.is_dir() {
            bail!(
                "{text}: not a directory (give a lake directory, a folder of error objects or s3://BUCKET/PREFIX)"
            );
        }
        // A lake root: its error prefix, not its typed records.
        let errors = path.join("errors");
        Ok(Source::Dir(if errors.is_dir() { errors } else { path }))
    }
}

/// Every file below `dir`, sorted, hidden entries skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The text of an object: gunzipped when it is gzip.
fn object_text(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let text = logwrangler::gzip::gunzip_capped(&bytes, MAX_OBJECT_BYTES)
            .map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(text.into_owned())
    } else {
        Ok(bytes)
    }
}

/// One error object: its name and what it held.
struct Object {
    name: String,
    parsed: Parsed,
}

/// Reads every error object of `source`, printing one progress line each.
async fn read_objects(source: &Source) -> Result<Vec<Object>> {
    let mut objects = Vec::new();
    match source {
        Source::Dir(dir) => {
            let mut files = Vec::new();
            walk(dir, &mut files)?;
            for path in files {
                let name = path.display().to_string();
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read {name}"))?;
                let parsed = parse_error_lines(&object_text(&name, bytes)?);
                eprintln!(
                    "redrive: {name}: {} records{}",
                    parsed.entries.len(),
                    skipped_note(parsed.skipped)
                );
                objects.push(Object { name, parsed });
            }
        }
        Source::S3 { bucket, prefix } => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let client = aws_sdk_s3::Client::new(&config);
            let mut keys = Vec::new();
            let mut pages = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    anyhow!(
                        "cannot list s3://{bucket}/{prefix}: {}",
                        aws_sdk_s3::error::DisplayErrorContext(e)
                    )
                })?;
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_owned)),
                );
            }
            keys.sort();
            for key in keys {
                let name = format!("s3://{bucket}/{key}");
                let output = client
                    .get_object()
                    .bucket(bucket)
                    .key(&key)
                    .send()
                    .await
                    .map_err(|e| {
                        anyhow!(
                            "cannot read {name}: {}",
                            aws_sdk_s3::error::DisplayErrorContext(e)
                        )
                    })?;
                let bytes = output
                    .body
                    .collect()
                    .await
                    .with_context(|| format!("cannot read {name}"))?
                    .into_bytes()
                    .to_vec();
                let parsed = parse_error_lines(&object_text(&name, bytes)?);
                eprintln!(
                    "redrive: {name}: {} records{}",
                    parsed.entries.len(),
                    skipped_note(parsed.skipped)
                );
                objects.push(Object { name, parsed });
            }
        }
    }
    Ok(objects)
}

fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        n => format!(" ({n} lines are not error records, skipped)"),
    }
}

/// The records of every object, each distinct record once, in object order.
pub fn distinct_records(
    objects: impl IntoIterator<Item = Vec<ErrorEntry>>,
) -> (Vec<ErrorEntry>, usize) {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut repeated = 0;
    for entries in objects {
        for entry in entries {
            if seen.insert(xxhash_rust::xxh3::xxh3_128(&entry.raw)) {
                out.push(entry);
            } else {
                repeated += 1;
            }
        }
    }
    (out, repeated)
}

/// Runs `logwrangler redrive`.
pub fn run(args: RedriveArgs) -> Result<ExitCode> {
    let source = Source::parse(&args.source)?;
    if !args.dry_run && args.firehose.is_none() && args.lake.is_none() {
        bail!("give --firehose STREAM or --lake DIR (or --dry-run to count only)");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let objects = runtime.block_on(read_objects(&source))?;
    let names: Vec<String> = objects.iter().map(|o| o.name.clone()).collect();
    let skipped: usize = objects.iter().map(|o| o.parsed.skipped).sum();
    let (records, repeated) = distinct_records(objects.into_iter().map(|o| o.parsed.entries));
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &records {
        *by_code.entry(entry.error_code.as_str()).or_default() += 1;
    }
    let codes: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
    eprintln!(
        "redrive: {} objects, {} records ({}), {} repeated records sent once, {} lines skipped",
        names.len(),
        records.len(),
        if codes.is_empty() {
            "none".into()
        } else {
            codes.join(", ")
        },
        repeated,
        skipped
    );
    if args.dry_run {
        let bytes: usize = records.iter().map(|e| e.raw.len()).sum();
        println!(
            "dry run: would redrive {} records ({bytes} bytes) from {} objects",
            records.len(),
            names.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    match (&args.firehose, &args.lake) {
        (Some(stream), _) => runtime.block_on(to_firehose(stream, &records)),
        (None, Some(dir)) => runtime.block_on(to_lake(dir, names, records)),
        (None, None) => unreachable!("checked above"),
    }
}

/// Puts the records back into `stream`.
async fn to_firehose(stream: &str, records: &[ErrorEntry]) -> Result<ExitCode> {
    let sink = FirehoseSink::lazy();
    let policy = RetryPolicy::default();
    let (mut sent, mut failed, mut too_large) = (0usize, 0usize, 0usize);
    let mut last_error = None;
    let payloads: Vec<Vec<u8>> = records
        .iter()
        .filter(|e| {
            // Firehose accepted them once, so this cannot happen; never send what it refuses.
            let fits = e.raw.len() <= FIREHOSE_RECORD_LIMIT;
            too_large += usize::from(!fits);
            fits
        })
        .map(|e| e.raw.clone())
        .collect();
    for chunk in payloads.chunks(SEND_CHUNK) {
        let outcome = reingest(&sink, stream, chunk, &policy).await;
        let ok = outcome.delivered.iter().filter(|d| **d).count();
        sent += ok;
        failed += chunk.len() - ok;
        if outcome.last_error.is_some() {
            last_error = outcome.last_error;
        }
        eprintln!(
            "redrive: {sent}/{} records sent to {stream}, {failed} failed",
            payloads.len()
        );
        if ok == 0 {
            // A stream that accepts nothing (wrong name, no permission): stop.
            failed += payloads.len() - sent - failed;
            break;
        }
    }
    failed += too_large;
    println!("sent {sent}, failed {failed}");
    if failed > 0 {
        eprintln!(
            "redrive: {failed} records were not sent ({}); run the same command again: \
             records keep their event ids",
            last_error
                .as_deref()
                .unwrap_or("larger than a Firehose record")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The time of an object's first record: its partition's hour.
fn partition_time(keys: &PartitionKey) -> Millis {
    let part = |name| keys.get(name).unwrap_or("00");
    let text = format!(
        "{}-{}-{}T{}:00:00Z",
        keys.get("year").unwrap_or("1970"),
        part("month"),
        part("day"),
        part("hour")
    );
    logwrangler::time::parse_iso8601(&text).unwrap_or_default()
}

/// What a lake redrive did.
#[derive(Debug, Default)]
struct LakeCounts {
    invocations: usize,
    lines: usize,
    dropped: usize,
    reingested: usize,
    failed: BTreeMap<String, usize>,
}

/// Runs the records through the transform's planner into the lake at `dir`.
/// Parts the planner re-ingests (records spanning partitions, answers over
/// the response limit) go round again, as the delivery stream would send them.
async fn to_lake(dir: &Path, names: Vec<String>, records: Vec<ErrorEntry>) -> Result<ExitCode> {
    use logwrangler_aws::secrets::SecretsManager;
    let config = transform_lambda::config::Config::load_env(&SecretsManager::lazy())
        .await
        .context("invalid configuration")?;
    let inputs = names.into_iter().map(|n| format!("redrive:{n}")).collect();
    let mut lake = RunWriter::create(dir, inputs, 128 << 20)?;
    let mut queue: VecDeque<(Vec<u8>, Option<Millis>)> =
        records.into_iter().map(|e| (e.raw, e.arrival_ms)).collect();
    let mut counts = LakeCounts::default();
    let total = queue.len();
    let mut done = 0usize;
    while !queue.is_empty() {
        let mut batch = Vec::new();
        let mut bytes = 0;
        while let Some((raw, _)) = queue.front() {
            if !batch.is_empty()
                && (batch.len() >= PLAN_CHUNK_RECORDS || bytes + raw.len() > PLAN_CHUNK_BYTES)
            {
                break;
            }
            bytes += raw.len();
            batch.push(queue.pop_front().expect("front exists"));
        }
        let request = Request {
            invocation_id: format!("redrive-{}", counts.invocations),
            delivery_stream_arn: "arn:aws:firehose:local:000000000000:deliverystream/redrive"
                .into(),
            region: "local".into(),
            records: batch
                .iter()
                .enumerate()
                .map(|(i, (raw, arrival))| InputRecord {
                    record_id: i.to_string(),
                    approximate_arrival_timestamp: *arrival,
                    data: serde_json::Value::String(BASE64.encode(raw)),
                })
                .collect(),
        };
        counts.invocations += 1;
        let plan = processor::plan(&request, &config.parser, &config.limits);
        for (record, (_, arrival)) in plan.records.into_iter().zip(&batch) {
            for payload in record.reingest {
                counts.reingested += 1;
                queue.push_back((payload, *arrival));
            }
            match record.answer {
                Answer::Ok { data, keys } => {
                    let time = partition_time(&keys);
                    for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                        counts.lines += 1;
                        lake.write(keys, time, line)?;
                    }
                }
                Answer::Dropped => counts.dropped += 1,
                Answer::ProcessingFailed(reason) => {
                    *counts
                        .failed
                        .entry(reason.kind().as_str().to_owned())
                        .or_default() += 1;
                }
            }
        }
        done += batch.len();
        eprintln!(
            "redrive: {done} records through the transform ({} re-ingested parts), {} lake lines",
            counts.reingested, counts.lines
        );
    }
    let run_id = lake.run().to_owned();
    let report = lake.commit()?;
    let failed: usize = counts.failed.values().sum();
    println!(
        "redrove {total} records: {} lake lines in {} objects ({} partitions) under {} (run {run_id}), \
         {} dropped, {failed} failed again",
        counts.lines,
        report.objects.len(),
        report.partitions,
        dir.display(),
        counts.dropped
    );
    if failed > 0 {
        let detail: Vec<String> = counts
            .failed
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        eprintln!(
            "redrive: {failed} records cannot be transformed ({}): they are not log data the \
             pipeline can read, and stay under the error prefix",
            detail.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_unwrap_raw_data_and_skip_the_rest() {
        let text = b"{\"attemptsMade\":4,\"arrivalTimestamp\":17,\"errorCode\":\"Lambda.FunctionError\",\"rawData\":\"aGVsbG8=\"}\n\
            not json\n\n{\"ErrorCode\":\"X\",\"rawData\":\"d29ybGQ=\"}\n{\"rawData\":\"***\"}\n";
        let parsed = parse_error_lines(text);
        assert_eq!(parsed.skipped, 2);
        assert_eq!(
            parsed.entries,
            vec![
                ErrorEntry {
                    raw: b"hello".to_vec(),
                    arrival_ms: Some(17),
                    error_code: "Lambda.FunctionError".into()
                },
                ErrorEntry {
                    raw: b"world".to_vec(),
                    arrival_ms: None,
                    error_code: "X".into()
                }
            ]
        );
    }

    #[test]
    fn a_record_found_twice_is_sent_once() {
        let entry = |raw: &[u8]| ErrorEntry {
            raw: raw.to_vec(),
            arrival_ms: None,
            error_code: "c".into(),
        };
        let (records, repeated) =
            distinct_records([vec![entry(b"a"), entry(b"b")], vec![entry(b"a")]]);
        assert_eq!(records, vec![entry(b"a"), entry(b"b")]);
        assert_eq!(repeated, 1);
    }

    #[test]
    fn sources_are_s3_urls_or_directories() {
        assert_eq!(
            Source::parse("s3://lake/errors/processing-failed/").unwrap(),
            Source::S3 {
                bucket: "lake".into(),
                prefix: "errors/processing-failed/".into()
            }
        );
        assert_eq!(
            Source::parse("s3://lake").unwrap(),
            Source::S3 {
                bucket: "lake".into(),
                prefix: String::new()
            }
        );
        assert!(Source::parse("s3:///x").is_err());
        assert!(Source::parse("/no/such/dir").is_err());
    }

    #[test]
    fn partition_times_are_the_start_of_their_hour() {
        let keys = PartitionKey::at(logwrangler::LogType::Unparsed, 1_764_000_123_456);
        assert_eq!(
            partition_time(&keys),
            1_764_000_123_456 / 3_600_000 * 3_600_000
        );
    }
}
