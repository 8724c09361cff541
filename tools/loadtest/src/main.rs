//! `loadtest`: the local main job (`demo`), the traffic generator
//! (`generate`), the zero-loss proof under faults (`chaos`), the sustained
//! load run (`soak`) and the benchmarks (`bench`) of logwrangler.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use loadtest::bench::{self, BenchArgs};
use loadtest::chaos::{self, ChaosArgs};
use loadtest::soak::{self, SoakArgs};
use local_stack::demo::{self, DemoArgs};
use logwrangler_generator::{self as generate, DayConfig};

#[derive(Parser)]
#[command(
    name = "loadtest",
    version,
    about = "Generated traffic, the local pipeline and benchmarks for logwrangler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a generated day through the local pipeline (Firehose simulator, the
    /// real Lambda binaries, moto_server), print a report, leave the lake on disk.
    Demo(DemoArgs),
    /// Zero loss under faults: scenarios of throttled and failed re-ingest,
    /// processor errors and timeouts, malformed records, gzip bombs, long
    /// lines and invalid UTF-8, with every event accounted for (run with
    /// --release).
    Chaos(ChaosArgs),
    /// Sustained load for a bounded time: resident memory and invocation
    /// latency per window, every event in the lake at the end (run with
    /// --release).
    Soak(SoakArgs),
    /// Performance: transform vs floor, ours vs VRL, Lambda memory, cold start
    /// and cost (run with --release).
    Bench(BenchArgs),
    /// Write a generated day as plain log files per log group and stream, with
    /// its ground truth (input for `logwrangler replay`).
    Generate {
        /// Seed of the generator (same seed, same day).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Size of the day: 1.0 is a demo-sized estate.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Demo(args) => demo::run(&args),
        Command::Chaos(args) => chaos::run(&args),
        Command::Soak(args) => soak::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Generate { seed, scale, out } => write_day(seed, scale, &out),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("loadtest: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn write_day(seed: u64, scale: f64, out: &std::path::Path) -> Result<()> {
    let day = generate::generate(&DayConfig {
        seed,
        scale,
        ..DayConfig::default()
    });
    let written = write_files(&day, out)?;
    eprintln!(
        "wrote {} events in {written} files under {} (ground truth in truth.json)",
        day.truth.total_events,
        out.display()
    );
    Ok(())
}

/// Writes each log stream of the day as a plain log file,
/// `<out>/<log group>/<stream>.log` (what `logwrangler replay` reads), and the
/// ground truth as `<out>/truth.json`. Returns the number of log files.
fn write_files(day: &generate::Day, out: &std::path::Path) -> Result<usize> {
    use std::collections::BTreeMap;
    use std::io::Write;
    let mut streams: BTreeMap<PathBuf, Vec<&str>> = BTreeMap::new();
    for batch in &day.batches {
        let dir = out.join(batch.log_group.trim_start_matches('/'));
        let file = dir.join(format!("{}.log", batch.log_stream.replace('/', "_")));
        let lines = streams.entry(file).or_default();
        lines.extend(batch.events.iter().map(|e| e.message.as_str()));
    }
    for (file, lines) in &streams {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut writer = std::io::BufWriter::new(
            std::fs::File::create(file)
                .with_context(|| format!("cannot create {}", file.display()))?,
        );
        for line in lines {
            writeln!(writer, "{line}")?;
        }
        writer.flush()?;
    }
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_vec_pretty(&day.truth)?,
    )
    .context("cannot write truth.json")?;
    Ok(streams.len())
}
