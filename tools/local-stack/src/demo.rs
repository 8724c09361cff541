//! `loadtest demo`, the local main job: a generated day (or the user's own
//! log files, `--files`) through the whole local pipeline, then a readable
//! report of what landed where.
//!
//! It runs on embedded defaults with no AWS account: the generator's day (or
//! the user's files), the operator source mapping the stack deploys, the
//! Firehose simulator with the stack's buffering, the debug builds of both
//! Lambda binaries behind `cargo lambda watch`, moto_server for DynamoDB, SNS
//! and SQS, and DuckDB for the named queries. The lake stays on disk.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::alerting::DeliveredAlert;
use crate::files::{self, FilesSummary};
use crate::local::{AlertingTally, LocalStack, Progress, StackConfig};
use crate::stack::{tool, workspace_root};
use firehose_sim::{Faults, SimReport};
use logwrangler_generator::{self as generate, DayConfig, GroundTruth, LogBatch};

/// Options of `loadtest demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Seed of the generated day (same seed, same day).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Size of the generated day: 1.0 is a full day of the estate (about 48,000
    /// events); the default quarter day keeps the demo to a few minutes.
    #[arg(long, default_value_t = 0.25)]
    pub scale: f64,
    /// Run these log files instead of a generated day: files or directories
    /// (walked recursively; gzip recognised by content). Each file is one log
    /// stream, each non-empty line one event; the content decides the log_type.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with_all = ["seed", "scale"])]
    pub files: Vec<PathBuf>,
    /// Log group the files are delivered from (with --files).
    #[arg(long, default_value = files::DEFAULT_LOG_GROUP, requires = "files")]
    pub log_group: String,
    /// Source mapping for both Lambdas (LOGWRANGLER_SOURCES JSON, e.g. to give
    /// --log-group a log_type); with --files the default is none (every line
    /// typed by its content), else the generated estate's mapping.
    #[arg(long, value_name = "FILE")]
    pub sources: Option<PathBuf>,
    /// Lake directory: `logs/` and `errors/` are replaced by this run's objects.
    #[arg(long, default_value = "lake")]
    pub lake: PathBuf,
    /// Where the Lambda binaries were built (`cargo build`'s target directory).
    #[arg(long, env = "CARGO_TARGET_DIR", default_value = "target")]
    pub target_dir: PathBuf,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Everything a run produced, for the report and for tests.
#[derive(Debug, Serialize)]
pub struct DemoOutcome {
    /// The generated day's ground truth (`None` for the user's files).
    pub truth: Option<GroundTruth>,
    /// What was read from the user's files (`None` for a generated day).
    pub files: Option<FilesSummary>,
    /// Events sent through the pipeline.
    pub events_sent: usize,
    pub simulator: SimReport,
    pub alerting: AlertingTally,
    /// Items of the DynamoDB table, by kind.
    pub summaries: SummaryCounts,
    pub alerts_by_severity: BTreeMap<String, usize>,
    pub example: Option<Value>,
    /// `logwrangler lookup conference` of the example conference, as it prints,
    /// and where the picture of its latest session was written.
    pub lookup: Option<LookupShown>,
    pub queries: Value,
    pub seconds: f64,
}

/// The example conference looked up through the `logwrangler lookup` code.
#[derive(Debug, Clone, Serialize)]
pub struct LookupShown {
    /// The command an operator would type.
    pub command: String,
    /// Its output (the readable table).
    pub output: String,
    /// The picture of the latest session (`lookup session ID --html FILE`).
    pub html: Option<PathBuf>,
}

/// Conference sessions and call legs the alerting Lambda keeps in DynamoDB.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SummaryCounts {
    pub sessions: usize,
    pub legs: usize,
}

/// The traffic of a run: a generated day or the user's files.
struct Traffic {
    batches: Vec<LogBatch>,
    truth: Option<GroundTruth>,
    files: Option<FilesSummary>,
    start_ms: i64,
    sources_json: String,
}

/// Runs the demo and prints its report.
pub fn run(args: &DemoArgs) -> Result<()> {
    let lake = std::env::current_dir()?.join(&args.lake);
    let outcome = execute(args)?;
    let mut out = std::io::stdout().lock();
    out.write_all(render(&outcome, &lake).as_bytes())?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&outcome)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Runs the traffic through the local pipeline, saying on stderr how far it
/// got, and returns what it produced (the services are stopped again).
pub fn execute(args: &DemoArgs) -> Result<DemoOutcome> {
    let started = Instant::now();
    let root = workspace_root();
    let target = if args.target_dir.is_absolute() {
        args.target_dir.clone()
    } else {
        root.join(&args.target_dir)
    };
    let binaries = [
        target.join("debug/transform-lambda"),
        target.join("debug/alerting-lambda"),
    ];
    for binary in &binaries {
        if !binary.is_file() {
            bail!(
                "{} is missing: run `make demo` (it builds both Lambda binaries first)",
                binary.display()
            );
        }
    }
    let lake = std::env::current_dir()?.join(&args.lake);
    reset_lake(&lake)?;

    let traffic = traffic(args)?;
    let events: usize = traffic.batches.iter().map(|b| b.events.len()).sum();
    say(format!(
        "{events} events in {} CloudWatch batches from {} log groups",
        traffic.batches.len(),
        distinct_groups(&traffic.batches)
    ));

    say(
        "starting moto_server, the Firehose simulator, cargo lambda watch and both Lambdas ..."
            .into(),
    );
    let [transform_binary, alerting_binary] = binaries;
    let mut stack = LocalStack::start(&StackConfig {
        transform_binary,
        alerting_binary,
        lake: lake.clone(),
        start_ms: traffic.start_ms,
        sources_json: traffic.sources_json.clone(),
        faults: Faults::default(),
    })?;
    let mut shown = 0;
    stack.deliver(&traffic.batches, |p: Progress| {
        let percent = p.batches_done * 100 / p.batches_total.max(1);
        if percent >= shown + 10 || p.batches_done == p.batches_total {
            shown = percent - percent % 10;
            say(format!(
                "[{percent:3}%] {} events sent, {} transform invocations",
                p.events_done, p.invocations
            ));
        }
    })?;
    let simulator = stack.finish()?;
    let alerts = stack.drain_alerts()?;
    let summaries = count_summaries(&stack)?;
    say("running the named queries with DuckDB ...".into());
    let queries = named_queries(&lake)?;
    let example = example_lookup(&stack, traffic.truth.as_ref(), &queries)?;
    let lookup = lookup_command(&stack, example.as_ref(), &lake)?;
    let outcome = DemoOutcome {
        alerting: stack.alerting_tally().clone(),
        truth: traffic.truth,
        files: traffic.files,
        events_sent: events,
        summaries,
        simulator,
        alerts_by_severity: count_alerts(&alerts),
        example,
        lookup,
        queries,
        seconds: started.elapsed().as_secs_f64(),
    };
    drop(stack);
    say("services stopped".into());
    Ok(outcome)
}

/// The generated day, or the user's files, with the source mapping both
/// Lambdas get.
fn traffic(args: &DemoArgs) -> Result<Traffic> {
    let sources_json = match &args.sources {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --sources {}", path.display()))?;
            logwrangler::SourceConfig::from_json(&json)
                .with_context(|| format!("--sources {}", path.display()))?;
            Some(json)
        }
        None => None,
    };
    if args.files.is_empty() {
        say(format!(
            "generating a day: seed {}, scale {} ...",
            args.seed, args.scale
        ));
        let config = DayConfig {
            seed: args.seed,
            scale: args.scale,
            ..DayConfig::default()
        };
        let day = generate::generate(&config);
        return Ok(Traffic {
            batches: day.batches,
            truth: Some(day.truth),
            files: None,
            start_ms: config.day_start_ms,
            sources_json: sources_json.unwrap_or_else(generate::sources_json),
        });
    }
    say(format!("reading {} ...", display_paths(&args.files)));
    let sources_json = sources_json.unwrap_or_else(|| r#"{"sources":[]}"#.to_string());
    let sources = logwrangler::SourceConfig::from_json(&sources_json)?;
    let traffic = files::read(&args.files, &args.log_group, &sources)?;
    let summary = &traffic.summary;
    say(format!(
        "{} files, {} lines ({} cut to 256 KiB, {} not UTF-8), {} to {}",
        summary.files,
        summary.events,
        summary.truncated,
        summary.invalid_utf8,
        logwrangler::time::iso_string(summary.first_ms),
        logwrangler::time::iso_string(summary.last_ms)
    ));
    Ok(Traffic {
        start_ms: summary.first_ms,
        batches: traffic.batches,
        truth: None,
        files: Some(traffic.summary),
        sources_json,
    })
}

fn display_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

fn say(line: String) {
    eprintln!("demo: {line}");
}

fn distinct_groups(batches: &[LogBatch]) -> usize {
    let mut groups: Vec<&str> = batches.iter().map(|b| b.log_group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    groups.len()
}

/// Removes the objects of an earlier run, and nothing else.
fn reset_lake(lake: &Path) -> Result<()> {
    for part in ["logs", "errors"] {
        let dir = lake.join(part);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {} from an earlier run", dir.display()))?;
        }
    }
    std::fs::create_dir_all(lake).with_context(|| format!("cannot create {}", lake.display()))
}

fn count_alerts(alerts: &[DeliveredAlert]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for alert in alerts {
        *counts
            .entry(alert.severity.as_str().to_string())
            .or_default() += 1;
    }
    counts
}

/// One conference looked up the way an operator would: its sessions (one
/// Query on gsi1) and the legs of the latest (one Query on the table). The
/// conference is the generated day's busiest, or for the user's files the
/// first the `calls_per_conference_per_day` query answers.
fn example_lookup(
    stack: &LocalStack,
    truth: Option<&GroundTruth>,
    queries: &Value,
) -> Result<Option<Value>> {
    let conference = match truth {
        Some(truth) => truth
            .conferences
            .iter()
            .max_by_key(|c| c.people)
            .map(|c| c.conference.clone()),
        None => first_cell(&queries["calls_per_conference_per_day"], "conference"),
    };
    let Some(conference) = conference else {
        return Ok(None);
    };
    let store = stack.store();
    let (sessions, legs) = stack.runtime.block_on(async {
        let sessions = store.conference_sessions(&conference).await?;
        let latest = sessions
            .first()
            .and_then(|s| s.get("session_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let legs = match latest {
            Some(id) => store.session_legs(&id).await?,
            None => Vec::new(),
        };
        Ok::<_, alerting_lambda::store::StoreError>((sessions, legs))
    })?;
    Ok(Some(serde_json::json!({
        "conference": conference,
        "sessions": sessions,
        "latest_session_legs": legs.len(),
    })))
}

/// The example conference through the code of `logwrangler lookup
/// conference NAME --limit 5` (its table), and the picture of its latest
/// session (`lookup session ID --html`) written into the lake directory.
fn lookup_command(
    stack: &LocalStack,
    example: Option<&Value>,
    lake: &Path,
) -> Result<Option<LookupShown>> {
    use logwrangler_lookup::query::fetch_all;
    use logwrangler_lookup::{DynamoQuery, Lookup, Window, html, render};
    let Some(conference) = example.and_then(|e| e["conference"].as_str()) else {
        return Ok(None);
    };
    let store = stack.store();
    let client = DynamoQuery::new(store.client().clone(), store.table());
    let lookup = Lookup::Conference(conference.to_string());
    let (sessions, session_items) = stack.runtime.block_on(async {
        let sessions = fetch_all(&client, &lookup, &Window::default(), Some(5)).await?;
        let latest = sessions
            .first()
            .and_then(|s| s["session_id"].as_str())
            .map(str::to_string);
        let items = match latest {
            Some(id) => {
                Some(fetch_all(&client, &Lookup::Session(id), &Window::default(), None).await?)
            }
            None => None,
        };
        Ok::<_, logwrangler_lookup::LookupError>((sessions, items))
    })?;
    let html = match session_items {
        Some(items) => {
            let path = lake.join("lookup-session.html");
            std::fs::write(&path, html::session_page(&items))
                .with_context(|| format!("cannot write {}", path.display()))?;
            Some(path)
        }
        None => None,
    };
    Ok(Some(LookupShown {
        command: format!("logwrangler lookup conference {conference} --limit 5"),
        output: render::output(&lookup, &sessions, false),
        html,
    }))
}

/// The value of `column` in the first row of a named query's answer.
fn first_cell(answer: &Value, column: &str) -> Option<String> {
    let index = answer["columns"]
        .as_array()?
        .iter()
        .position(|c| c.as_str() == Some(column))?;
    answer["rows"][0][index].as_str().map(str::to_string)
}

/// Sessions and legs in the table (a Scan of the keys: a report, not an
/// access pattern of the pipeline).
fn count_summaries(stack: &LocalStack) -> Result<SummaryCounts> {
    let store = stack.store();
    stack.runtime.block_on(async {
        let mut counts = SummaryCounts::default();
        let mut pages = store
            .client()
            .scan()
            .table_name(store.table())
            .projection_expression("pk, sk")
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.context("scanning the summary table")?;
            let key = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            let (Some(pk), Some(sk)) = (key("pk"), key("sk")) else {
                continue;
            };
            if pk.starts_with("SESSION#") {
                if sk == "META" {
                    counts.sessions += 1;
                } else if sk.starts_with("LEG#") {
                    counts.legs += 1;
                }
            }
        }
        Ok(counts)
    })
}

/// Runs `tests/scripts/lake_queries.py` (DuckDB standing in for Athena).
pub fn named_queries(lake: &Path) -> Result<Value> {
    let python = tool("python")?;
    let script = workspace_root().join("tests/scripts/lake_queries.py");
    let output = Command::new(python)
        .arg(script)
        .arg(lake)
        .output()
        .context("cannot run tests/scripts/lake_queries.py")?;
    if !output.status.success() {
        bail!(
            "the named queries failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("lake_queries.py printed no JSON")
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The report as the terminal shows it.
pub fn render(outcome: &DemoOutcome, lake: &Path) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let sim = &outcome.simulator;
    let what = match &outcome.files {
        Some(files) => format!(
            "{} files ({} lines, {} to {})",
            files.files,
            thousands(files.events),
            logwrangler::time::iso_string(files.first_ms),
            logwrangler::time::iso_string(files.last_ms)
        ),
        None => "a generated day".to_string(),
    };
    let _ = writeln!(
        out,
        "\nlogwrangler demo: {what} through the local pipeline ({:.0} s)\n",
        outcome.seconds
    );
    let generated = outcome.truth.as_ref().map(|t| &t.events_by_log_type);
    match generated {
        Some(_) => writeln!(
            out,
            "{:<18} {:>10} {:>10} {:>9}",
            "log_type", "generated", "in lake", "objects"
        ),
        None => writeln!(out, "{:<18} {:>10} {:>9}", "log_type", "in lake", "objects"),
    }
    .ok();
    let mut generated_total = 0;
    let mut lake_total = 0;
    let mut types: Vec<&String> = generated
        .into_iter()
        .flat_map(|g| g.keys())
        .chain(sim.lake.keys())
        .collect();
    types.sort();
    types.dedup();
    for log_type in types {
        let stats = sim.lake.get(log_type).cloned().unwrap_or_default();
        lake_total += stats.lines;
        match generated {
            Some(generated) => {
                let count = generated.get(log_type).copied().unwrap_or(0);
                generated_total += count;
                writeln!(
                    out,
                    "{:<18} {:>10} {:>10} {:>9}",
                    log_type,
                    thousands(count),
                    thousands(stats.lines),
                    stats.objects
                )
            }
            None => writeln!(
                out,
                "{:<18} {:>10} {:>9}",
                log_type,
                thousands(stats.lines),
                stats.objects
            ),
        }
        .ok();
    }
    match generated {
        Some(_) => writeln!(
            out,
            "{:<18} {:>10} {:>10}",
            "total",
            thousands(generated_total),
            thousands(lake_total)
        ),
        None => writeln!(
            out,
            "{:<18} {:>10}   of {} lines sent (header lines configure the parser and write no record)",
            "total",
            thousands(lake_total),
            thousands(outcome.events_sent)
        ),
    }
    .ok();
    let unparsed = sim.lake.get("unparsed").map_or(0, |s| s.lines);
    let partitions = count_partitions(lake);
    let _ = writeln!(
        out,
        "\nunparsed: {unparsed}   partitions written: {partitions}   error prefix: {} records",
        sim.error_records.values().sum::<usize>()
    );
    let _ = writeln!(
        out,
        "transform: {} invocations ({} attempts), {} records in, {} re-ingested, contract violations: {}",
        sim.invocations,
        sim.attempts,
        thousands(sim.records_in),
        sim.reingested_records,
        sim.contract_violations.len()
    );
    let _ = writeln!(
        out,
        "\nalerting: {} events through subscription filter #2 in {} invocations; \
         DynamoDB holds {} conference sessions and {} call legs",
        thousands(outcome.alerting.events),
        outcome.alerting.invocations,
        thousands(outcome.summaries.sessions),
        thousands(outcome.summaries.legs)
    );
    if let Some(example) = &outcome.example {
        let _ = writeln!(
            out,
            "example lookup (one Query): conference {}",
            example["conference"]
        );
        if let Some(session) = example["sessions"].as_array().and_then(|s| s.first()) {
            for key in [
                "session_id",
                "start",
                "end",
                "duration_s",
                "participants_total",
                "max_concurrent",
                "legs",
                "protocols",
            ] {
                if let Some(value) = session.get(key) {
                    let _ = writeln!(out, "  {key:<20} {value}");
                }
            }
        }
    }
    if let Some(lookup) = &outcome.lookup {
        let _ = writeln!(out, "\n$ {}", lookup.command);
        out.push_str(&lookup.output);
        if let Some(path) = &lookup.html {
            let _ = writeln!(
                out,
                "the latest session's picture (lookup session ID --html): {}",
                path.display()
            );
        }
        out.push('\n');
    }
    let alerts: Vec<String> = outcome
        .alerts_by_severity
        .iter()
        .map(|(severity, n)| format!("{severity} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "alerts published (read back from the SQS subscriptions): {}",
        if alerts.is_empty() {
            "none".to_string()
        } else {
            alerts.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "\nnamed queries (DuckDB over the lake, as Athena would run them):"
    );
    for name in [
        "calls_per_conference_per_day",
        "top_disconnect_reasons",
        "alb_5xx_by_target",
        "rejected_vpc_flows",
    ] {
        let answer = &outcome.queries[name];
        let columns: Vec<&str> = answer["columns"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(out, "  {name}  ({})", columns.join(" | "));
        for row in answer["rows"].as_array().into_iter().flatten().take(3) {
            let cells: Vec<String> = row
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            let _ = writeln!(out, "    {}", cells.join(" | "));
        }
    }
    let _ = writeln!(
        out,
        "\nthe lake is in {} (GZIP NDJSON under logs/log_type=.../year=/month=/day=/hour=/);\n\
         query it: .venv/bin/python tests/scripts/lake_queries.py {}",
        lake.display(),
        lake.display()
    );
    out
}

/// Distinct `log_type=/year=/month=/day=/hour=` directories under `logs/`.
fn count_partitions(lake: &Path) -> usize {
    fn walk(dir: &Path, depth: usize) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| {
                if depth == 4 {
                    1
                } else {
                    walk(&e.path(), depth + 1)
                }
            })
            .sum()
    }
    walk(&lake.join("logs"), 0)
}
