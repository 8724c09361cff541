//! `logwrangler`: parse Pexip Infinity and AWS logs into typed JSON records,
//! replay them into a local lake or a Firehose delivery stream, and write the
//! record schemas.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use logwrangler::pseudonym::{KEY_VAR, Kind, Pseudonymiser};
use logwrangler::{EventContext, LineParser, LogType, Rules, Severity, SourceConfig, schema};

mod alert;
mod lookup;
mod redrive;
mod replay;
mod resources;

#[derive(Parser)]
#[command(
    name = "logwrangler",
    version,
    about = "Typed records from Pexip Infinity and AWS logs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse log events (one per line) and print one JSON record per event (NDJSON).
    ///
    /// Header lines (CloudFront `#Fields`, the VPC flow log field list, the
    /// Amplify CSV header) configure the parser for the lines after them and
    /// print nothing. Lines no parser understands become `unparsed` records.
    Parse(ParseArgs),
    /// Run the Firehose transformation Lambda's handler on a request JSON and
    /// print the response JSON (exactly the code the Lambda runs).
    ///
    /// Configuration comes from the same LOGWRANGLER_* environment variables
    /// as the Lambda. Records that must be re-ingested go to --reingest-stream
    /// through the AWS SDK (AWS_ENDPOINT_URL is honoured); without one they are
    /// answered ProcessingFailed and reported on stderr.
    Transform {
        /// Delivery stream to re-ingest overflow and split records into.
        #[arg(long)]
        reingest_stream: Option<String>,
        /// Request file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Replay log files through the pipeline's core: into a local lake
    /// (`--lake DIR`) or into a Firehose delivery stream (`--firehose STREAM`).
    ///
    /// Each file is one log stream, parsed as the transform Lambda parses
    /// (source mapping by --log-group, content sniffing, header lines
    /// configuring the rest of their file); gzip files and CloudWatch Logs
    /// subscription envelopes are read too.
    ///
    /// --lake writes what the deployed stack would: typed records as GZIP
    /// NDJSON under `logs/log_type=<t>/year=/month=/day=/hour=/`, the
    /// conference and call summaries (`summaries/`) and the alerts that would
    /// be published (`alerts/alerts.ndjson`). Re-running over the same inputs
    /// replaces the run's own objects rather than duplicating them.
    ///
    /// --firehose sends the lines as CloudWatch-style envelopes with
    /// PutRecordBatch (retrying failed entries) and prints `sent N, failed M`;
    /// it exits 1 when records failed.
    Replay(replay::ReplayArgs),
    /// Send the records Firehose wrote under the error prefix back through the
    /// pipeline: into a delivery stream (`--firehose STREAM`) or a local lake
    /// (`--lake DIR`).
    ///
    /// Reads the error objects from `s3://BUCKET/PREFIX` (standard AWS
    /// configuration, `AWS_ENDPOINT_URL` honoured) or a local lake directory,
    /// unwraps each document's `rawData` and sends the original record once.
    /// Idempotent: events keep their ids, so a second run adds nothing Athena
    /// cannot de-duplicate by `event_id` (a lake run replaces its own
    /// objects). `--dry-run` counts only. Progress on stderr; the final count
    /// on stdout; exit 1 when records could not be sent.
    Redrive(redrive::RedriveArgs),
    /// Print the pseudonymisation token of each value (one per line), as the
    /// pipeline writes it with the same key: to look a person up in the lake,
    /// in DynamoDB or in alerts (access and erasure requests), or to write a
    /// severity rule that matches a pseudonymised field.
    ///
    /// Values come from the arguments, else one per line from standard input.
    Pseudonymise {
        /// What the values are: alias, name, user, host, id or ip.
        #[arg(long, value_parser = parse_kind)]
        kind: Kind,
        #[command(flatten)]
        key: PseudonymiseArgs,
        /// Values to pseudonymise.
        values: Vec<String>,
    },
    /// Look up conferences, sessions, calls, participants and app events in
    /// the DynamoDB summary table (one Query each), as the read API does.
    ///
    /// The AWS endpoint, region and credentials come from the standard AWS
    /// configuration (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE, ...), so the
    /// same commands work against AWS and against moto_server. Exits 1 when
    /// nothing is found.
    Lookup(lookup::LookupArgs),
    /// Run the alerting Lambda's handler on one event (a CloudWatch Logs
    /// subscription delivery or an API Gateway request, JSON) and print its
    /// answer: exactly the code the Lambda runs, with its configuration from
    /// the flags or the same LOGWRANGLER_* environment variables.
    Alert(alert::AlertArgs),
    /// Create the DynamoDB table (from the table definition the CDK stack
    /// deploys), the five alert topics and the delivery stream on the local
    /// endpoint AWS_ENDPOINT_URL (moto_server), and print them as the
    /// environment variables the other commands read. Idempotent.
    LocalResources(resources::ResourcesArgs),
    /// Write one JSON Schema per log_type into a directory.
    Schemas {
        /// Directory to write `<log_type>.schema.json` files into.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
        /// Do not write: exit 1 if the files in --out differ from the generated ones.
        #[arg(long)]
        check: bool,
    },
}

#[derive(clap::Args)]
struct ParseArgs {
    /// `auto` (source mapping, then content sniffing) or a log_type to force.
    #[arg(long = "type", default_value = "auto", value_parser = parse_type_arg)]
    log_type: TypeArg,
    /// CloudWatch log group the events came from (selects the source mapping).
    #[arg(long)]
    log_group: Option<String>,
    /// Source mapping file (JSON: log-group patterns to log_types, VPC formats).
    #[arg(long, env = "LOGWRANGLER_SOURCES")]
    config: Option<PathBuf>,
    /// Severity rules file (JSON), evaluated before the built-in rules.
    #[arg(long, env = "LOGWRANGLER_RULES")]
    rules: Option<PathBuf>,
    /// Delivery time of the events (ISO 8601): used for events whose line
    /// carries no time, and to flag event times more than 7 days away from it
    /// (`timestamp_suspect`). Without it, such events get the current time.
    #[arg(long)]
    received_at: Option<String>,
    /// Print a count of records per log_type and severity to stderr at the end.
    #[arg(long)]
    summary: bool,
    #[command(flatten)]
    pseudonymise: PseudonymiseArgs,
    /// Input files, read in order (each with fresh header state); `-` or
    /// nothing reads standard input.
    files: Vec<PathBuf>,
}

/// Where the pseudonymisation key comes from (`parse`, `replay --lake`, `pseudonymise`).
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct PseudonymiseArgs {
    /// Pseudonymise aliases, display names, user names and IP addresses with
    /// the key held in environment variable VAR (hex or base64, at least 32
    /// bytes: `openssl rand -hex 32`). The key itself never goes on the
    /// command line. Without this option, LOGWRANGLER_PSEUDONYMISE_KEY is
    /// used when it is set, as the Lambdas do.
    #[arg(long, value_name = "VAR")]
    pseudonymise_key_env: Option<String>,
}

/// The pseudonymiser of `--pseudonymise-key-env VAR`, else of
/// LOGWRANGLER_PSEUDONYMISE_KEY when set; `None` when neither asks for one.
/// Says on stderr which key is used (its id, never the key).
pub(crate) fn load_pseudonymiser(args: &PseudonymiseArgs) -> Result<Option<Arc<Pseudonymiser>>> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (name, key) = match &args.pseudonymise_key_env {
        Some(name) => match set(name) {
            Some(key) => (name.as_str(), key),
            None => bail!(
                "--pseudonymise-key-env {name}: the environment variable {name} is not set; \
                 export the pipeline's key in it (a new key: `openssl rand -hex 32`)"
            ),
        },
        None => match set(KEY_VAR) {
            Some(key) => (KEY_VAR, key),
            None => return Ok(None),
        },
    };
    let pseudonymiser =
        Pseudonymiser::from_key_text(&key).with_context(|| format!("the key in {name}"))?;
    eprintln!(
        "logwrangler: pseudonymising with the key in {name} (key id {})",
        pseudonymiser.key_id()
    );
    Ok(Some(Arc::new(pseudonymiser)))
}

fn parse_kind(value: &str) -> Result<Kind, String> {
    Kind::from_name(value).ok_or_else(|| {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown kind {value:?}; use one of: {}", names.join(", "))
    })
}

#[derive(Clone, Copy)]
enum TypeArg {
    Auto,
    Fixed(LogType),
}

fn parse_type_arg(value: &str) -> Result<TypeArg, String> {
    if value == "auto" {
        return Ok(TypeArg::Auto);
    }
    LogType::from_name(value)
        .map(TypeArg::Fixed)
        .ok_or_else(|| {
            let names: Vec<_> = LogType::ALL.iter().map(|t| t.as_str()).collect();
            format!(
                "unknown log_type {value:?}; use auto or one of: {}",
                names.join(", ")
            )
        })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => run_parse(args),
        Command::Replay(args) => replay::run(args),
        Command::Redrive(args) => redrive::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Alert(args) => alert::run(args),
        Command::LocalResources(args) => resources::run(args),
        Command::Schemas { out, check } => run_schemas(&out, check),
        Command::Pseudonymise { kind, key, values } => run_pseudonymise(kind, &key, values),
        Command::Transform {
            reingest_stream,
            file,
        } => run_transform(reingest_stream, file),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("logwrangler: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
}

fn read_file(path: &PathBuf, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

/// The source mapping of `--config FILE`, or the default (content sniffing).
fn load_sources(path: Option<&PathBuf>) -> Result<SourceConfig> {
    match path {
        Some(path) => SourceConfig::from_json(&read_file(path, "source mapping")?)
            .with_context(|| format!("in {}", path.display())),
        None => Ok(SourceConfig::default()),
    }
}

/// The severity rules of `--rules FILE`, or the defaults of the design.
fn load_rules(path: Option<&PathBuf>) -> Result<Rules> {
    match path {
        Some(path) => Rules::from_json(&read_file(path, "rules file")?)
            .with_context(|| format!("in {}", path.display())),
        None => Ok(Rules::default()),
    }
}

/// `--received-at`: the delivery time event times are checked against.
fn parse_received_at(text: Option<&str>) -> Result<Option<logwrangler::time::Millis>> {
    text.map(|text| {
        logwrangler::time::parse_iso8601(text).with_context(|| {
            format!("--received-at {text:?} is not an ISO 8601 time such as 2026-11-24T06:39:00Z")
        })
    })
    .transpose()
}

fn run_parse(args: ParseArgs) -> Result<ExitCode> {
    let config = load_sources(args.config.as_ref())?;
    let rules = load_rules(args.rules.as_ref())?;
    let received_ms = parse_received_at(args.received_at.as_deref())?;
    let mut parser = LineParser::new(Arc::new(config), Arc::new(rules))
        .with_pseudonymiser(load_pseudonymiser(&args.pseudonymise)?);
    if let TypeArg::Fixed(log_type) = args.log_type {
        parser = parser.force_type(log_type);
    }

    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut counts: BTreeMap<(LogType, Severity), u64> = BTreeMap::new();
    let inputs = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    for path in &inputs {
        let (source, input) = open_input(path)?;
        // Headers configure the lines after them in the same file only.
        let mut file_parser = parser.clone();
        parse_stream(
            &mut file_parser,
            &source,
            input,
            &args,
            received_ms,
            &mut out,
            &mut counts,
        )?;
    }
    out.flush()?;
    if args.summary {
        print_summary(&counts);
    }
    Ok(ExitCode::SUCCESS)
}

fn open_input(path: &Path) -> Result<(String, Box<dyn Read>)> {
    if path.as_os_str() == "-" {
        return Ok(("-".into(), Box::new(io::stdin().lock())));
    }
    if path.is_dir() {
        bail!(
            "{} is a directory; give a log file (or - for standard input)",
            path.display()
        );
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok((path.display().to_string(), Box::new(file)))
}

/// Reads one input line by line (invalid UTF-8 is replaced, never fatal) and
/// writes one JSON record per event.
fn parse_stream(
    parser: &mut LineParser,
    source: &str,
    input: Box<dyn Read>,
    args: &ParseArgs,
    received_ms: Option<i64>,
    out: &mut impl Write,
    counts: &mut BTreeMap<(LogType, Severity), u64>,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut buf = Vec::with_capacity(4096);
    let mut json = Vec::with_capacity(4096);
    let mut position = 0u64;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {source}"))?;
        if read == 0 {
            return Ok(());
        }
        position += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            continue;
        }
        let ctx = EventContext {
            log_group: args.log_group.as_deref(),
            received_ms,
            // Without a delivery time, events without a time of their own get the current time.
            fallback_ms: Some(now_ms()),
            source,
            position,
            ..EventContext::default()
        };
        if let Some(record) = parser.parse_line(line, &ctx).into_record() {
            *counts
                .entry((record.log_type(), record.envelope.severity))
                .or_default() += 1;
            json.clear();
            record.write_json(&mut json);
            json.push(b'\n');
            out.write_all(&json)?;
        }
    }
}

fn print_summary(counts: &BTreeMap<(LogType, Severity), u64>) {
    let mut per_type: BTreeMap<LogType, (u64, BTreeMap<Severity, u64>)> = BTreeMap::new();
    for ((t, s), n) in counts {
        let entry = per_type.entry(*t).or_default();
        entry.0 += n;
        *entry.1.entry(*s).or_default() += n;
    }
    let total: u64 = per_type.values().map(|(n, _)| n).sum();
    eprintln!("{total} records");
    for (t, (n, severities)) in &per_type {
        let detail: Vec<String> = severities
            .iter()
            .rev()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        eprintln!("  {:<16} {:>6}  ({})", t.as_str(), n, detail.join(", "));
    }
}

fn run_schemas(out: &PathBuf, check: bool) -> Result<ExitCode> {
    let files = schema::all_schema_files();
    if check {
        let mut stale = Vec::new();
        for (name, text) in &files {
            let path = out.join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        }
        if stale.is_empty() {
            println!(
                "{} schemas in {} are up to date",
                files.len(),
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "stale schemas (run `logwrangler schemas --out {}`):",
            out.display()
        );
        for path in stale {
            eprintln!("  {path}");
        }
        return Ok(ExitCode::from(1));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("wrote {} schemas to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_pseudonymise(kind: Kind, key: &PseudonymiseArgs, values: Vec<String>) -> Result<ExitCode> {
    let Some(pseudonymiser) = load_pseudonymiser(key)? else {
        bail!("no key: pass --pseudonymise-key-env VAR or set {KEY_VAR} to the pipeline's key");
    };
    let values = if values.is_empty() {
        io::stdin()
            .lock()
            .lines()
            .collect::<io::Result<Vec<String>>>()
            .context("cannot read standard input")?
    } else {
        values
    };
    let mut out = io::stdout().lock();
    for value in values.iter().filter(|v| !v.is_empty()) {
        writeln!(out, "{}", pseudonymiser.pseudonymise(kind, value))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_transform(reingest_stream: Option<String>, file: Option<PathBuf>) -> Result<ExitCode> {
    use logwrangler_aws::firehose::Request;
    use logwrangler_aws::secrets::SecretsManager;
    use logwrangler_aws::sink::FirehoseSink;
    use transform_lambda::config::Config;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Exactly the Lambda's configuration, the key secret read from Secrets Manager included.
    let mut config = runtime
        .block_on(Config::load_env(&SecretsManager::lazy()))
        .context("invalid configuration")?;
    let path = file.unwrap_or_else(|| PathBuf::from("-"));
    let (source, mut input) = open_input(&path)?;
    let mut text = Vec::new();
    input
        .read_to_end(&mut text)
        .with_context(|| format!("cannot read {source}"))?;
    let request: Request = serde_json::from_slice(&text).with_context(|| {
        format!("{source} is not a Firehose transformation request (records[].recordId and data)")
    })?;
    let has_stream = reingest_stream.is_some();
    config.reingest_stream = reingest_stream;
    let sink = FirehoseSink::lazy();
    let (response, report) = runtime.block_on(async {
        let sink = has_stream.then_some(&sink);
        transform_lambda::process(&request, &config, sink).await
    });
    let mut out = io::stdout().lock();
    out.write_all(&response)?;
    out.write_all(b"\n")?;
    out.flush()?;
    eprintln!(
        "{} records: {} ok, {} dropped, {} processing-failed; {} events ({} unparsed); {} records re-ingested",
        report.stats.records_in,
        report.ok,
        report.dropped,
        report.processing_failed,
        report.stats.events_in,
        report.stats.unparsed,
        report.reingested_records
    );
    if report.reingest_failed > 0 {
        let why = report.reingest_error.as_deref().unwrap_or("unknown error");
        eprintln!(
            "{} records needed re-ingest and were answered ProcessingFailed ({why}){}",
            report.reingest_failed,
            if has_stream {
                ""
            } else {
                "; pass --reingest-stream NAME to put them back into a delivery stream"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
