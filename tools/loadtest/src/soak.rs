//! `loadtest soak`: sustained load for a bounded time through the Firehose
//! simulator into the transform (in process, re-ingest through the real AWS
//! SDK client into the simulator's API), with the process's resident memory
//! and the invocation latency recorded per time window, so a leak or a slow
//! drift shows as a trend. The generated day is played again and again, as
//! fast as the transform takes it (each round one day later, so partitions
//! keep moving); the simulator's clock is the wall clock, so buffers fill by
//! size as under sustained load (0.5 MB, the stack's hint); the lake's
//! objects are counted and then removed window by window, so the disk stays
//! flat too. At the end every event sent must be in the lake.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

use firehose_sim::{ClockMode, InProcess, InvokeError, LakeDir, Processor, SimConfig, Simulator};
use local_stack::alerting::{LAKE_FILTER, LOCAL_ACCOUNT};
use logwrangler_generator::{self as generate, DayConfig, LogBatch};

/// Options of `loadtest soak`.
#[derive(Debug, Clone, Args)]
pub struct SoakArgs {
    /// How long to keep the load on.
    #[arg(long, default_value_t = 300)]
    pub seconds: u64,
    /// Windows the run is reported in.
    #[arg(long, default_value_t = 10)]
    pub windows: u32,
    /// Size of the generated day played in a loop.
    #[arg(long, default_value_t = 0.25)]
    pub scale: f64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Lake directory (emptied window by window).
    #[arg(long, default_value = "target/soak")]
    pub out: PathBuf,
}

/// One window of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    /// Seconds since the start, at the end of the window.
    pub at_s: f64,
    pub events: usize,
    pub events_per_s: f64,
    pub input_mb_per_s: f64,
    pub invocations: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Resident memory at the end of the window.
    pub rss_mb: f64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    pub seconds: f64,
    pub events_sent: usize,
    pub events_in_lake: usize,
    pub lost: usize,
    pub error_records: usize,
    pub invocations: usize,
    pub reingested_records: usize,
    /// Peak resident memory of the process (VmHWM).
    pub peak_rss_mb: f64,
    /// Resident memory growth from the second window to the last, percent
    /// (the first holds the warm-up: allocator pools, lazily built parsers).
    pub rss_growth_pct: f64,
    /// p99 latency of the last window over the second's.
    pub p99_ratio: f64,
    pub windows: Vec<Window>,
}

/// Runs the soak and prints its report; fails when an event was lost.
pub fn run(args: &SoakArgs) -> Result<()> {
    let report = soak(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if report.lost > 0 || report.error_records > 0 {
        bail!(
            "{} events lost, {} records under the error prefix",
            report.lost,
            report.error_records
        );
    }
    Ok(())
}

/// The processor, timed: each invocation's wall time.
struct Timed<P> {
    inner: P,
    latencies: Mutex<Vec<f64>>,
}

impl<P: Processor> Processor for Timed<P> {
    fn invoke(&self, request_json: &[u8]) -> Result<Vec<u8>, InvokeError> {
        let started = Instant::now();
        let result = self.inner.invoke(request_json);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        self.latencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ms);
        result
    }
}

/// Runs the load for `args.seconds` and returns the figures.
pub fn soak(args: &SoakArgs) -> Result<SoakReport> {
    let day = generate::generate(&DayConfig {
        scale: args.scale,
        ..DayConfig::default()
    });
    if day.batches.is_empty() {
        bail!("--scale {} generates no traffic", args.scale);
    }
    if args.out.exists() {
        std::fs::remove_dir_all(&args.out)
            .with_context(|| format!("cannot clear {}", args.out.display()))?;
    }
    let mut config = SimConfig::new("logwrangler", LakeDir::new(&args.out));
    config.account_id = LOCAL_ACCOUNT.into();
    config.clock = ClockMode::Wall;
    let simulator = Simulator::start(config)?;
    let sources = generate::sources_json();
    let transform = transform_lambda::config::Config::from_vars(|name| {
        (name == "LOGWRANGLER_SOURCES").then(|| sources.clone())
    })?;
    let processor = Timed {
        inner: InProcess::new(
            simulator.endpoint_url(),
            &simulator.config().region,
            transform,
        )?,
        latencies: Mutex::new(Vec::new()),
    };

    let window = Duration::from_secs(args.seconds.max(1)) / args.windows.max(1);
    let started = Instant::now();
    let mut window_started = started;
    let mut windows = Vec::new();
    let mut events_sent = 0;
    let (mut window_events, mut window_bytes) = (0usize, 0usize);
    let mut round: i64 = 0;
    let mut paused = Duration::ZERO;
    'load: loop {
        for batch in &day.batches {
            let batch = shifted(batch, round * 86_400_000);
            let record = batch.firehose_record(LAKE_FILTER);
            window_bytes += record.len();
            window_events += batch.events.len();
            events_sent += batch.events.len();
            simulator.put(record)?;
            simulator.run(&processor as &dyn Processor)?;
            if window_started.elapsed() >= window {
                let elapsed = window_started.elapsed().as_secs_f64();
                let mut latencies = std::mem::take(
                    &mut *processor
                        .latencies
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()),
                );
                windows.push(close_window(
                    (started.elapsed() - paused).as_secs_f64(),
                    elapsed,
                    window_events,
                    window_bytes,
                    &mut latencies,
                ));
                (window_events, window_bytes) = (0, 0);
                if windows.len() as u32 >= args.windows.max(1) {
                    break 'load;
                }
                // Housekeeping outside the windows' time.
                let housekeeping = Instant::now();
                clear_objects(&args.out)?;
                paused += housekeeping.elapsed();
                window_started = Instant::now();
            }
        }
        round += 1;
    }
    let report = simulator.drain(&processor as &dyn Processor)?;
    let events_in_lake: usize = report.lake.values().map(|s| s.lines).sum();
    let error_records: usize = report.error_records.values().sum();
    clear_objects(&args.out)?;
    // The second window that ran invocations is the steady state (the first
    // holds the warm-up); the last such window is compared with it.
    let mut busy = windows.iter().filter(|w| w.invocations > 0);
    let first = busy.next();
    let steady = busy.next().or(first);
    let last = windows.iter().rev().find(|w| w.invocations > 0);
    let (rss_growth_pct, p99_ratio) = match (steady, last) {
        (Some(steady), Some(last)) => (
            (last.rss_mb / steady.rss_mb - 1.0) * 100.0,
            last.p99_ms / steady.p99_ms.max(f64::EPSILON),
        ),
        _ => (0.0, 1.0),
    };
    Ok(SoakReport {
        seconds: (started.elapsed() - paused).as_secs_f64(),
        events_sent,
        events_in_lake,
        lost: events_sent.saturating_sub(events_in_lake),
        error_records,
        invocations: report.invocations,
        reingested_records: report.reingested_records,
        peak_rss_mb: proc_status_mb("VmHWM:").unwrap_or(0.0),
        rss_growth_pct,
        p99_ratio,
        windows,
    })
}

/// The batch `by_ms` later: the same events, CloudWatch times moved on.
fn shifted(batch: &LogBatch, by_ms: i64) -> LogBatch {
    let mut batch = batch.clone();
    batch.events.iter_mut().for_each(|e| e.timestamp += by_ms);
    batch
}

fn close_window(
    at_s: f64,
    elapsed_s: f64,
    events: usize,
    bytes: usize,
    latencies: &mut [f64],
) -> Window {
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        if latencies.is_empty() {
            0.0
        } else {
            latencies[((latencies.len() - 1) as f64 * q).round() as usize]
        }
    };
    Window {
        at_s,
        events,
        events_per_s: events as f64 / elapsed_s,
        input_mb_per_s: bytes as f64 / elapsed_s / 1e6,
        invocations: latencies.len(),
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
        max_ms: quantile(1.0),
        rss_mb: proc_status_mb("VmRSS:").unwrap_or(0.0),
    }
}

/// A `kB` line of /proc/self/status in MB (Linux; `None` elsewhere).
fn proc_status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Removes the objects written so far (the simulator has counted them).
fn clear_objects(lake: &std::path::Path) -> Result<()> {
    for part in ["logs", "errors"] {
        let dir = lake.join(part);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
    }
    Ok(())
}

/// The report as a table.
pub fn render(report: &SoakReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:>9} {:>9} {:>7} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "t (s)", "events", "events/s", "MB/s", "invoc.", "p50 ms", "p99 ms", "max ms", "RSS MB"
    );
    for w in &report.windows {
        let _ = writeln!(
            out,
            "{:>7.0} {:>9} {:>9.0} {:>7.2} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            w.at_s,
            w.events,
            w.events_per_s,
            w.input_mb_per_s,
            w.invocations,
            w.p50_ms,
            w.p99_ms,
            w.max_ms,
            w.rss_mb
        );
    }
    let _ = writeln!(
        out,
        "\n{} events in {:.0} s, {} in the lake, {} lost, {} under the error prefix; \
         {} invocations, {} records re-ingested",
        report.events_sent,
        report.seconds,
        report.events_in_lake,
        report.lost,
        report.error_records,
        report.invocations,
        report.reingested_records
    );
    let _ = writeln!(
        out,
        "resident memory: peak {:.1} MB, {:+.1} % from the second window to the last; \
         p99 latency last/second window: {:.2}",
        report.peak_rss_mb, report.rss_growth_pct, report.p99_ratio
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_memory_figures() {
        let mut latencies = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        let w = close_window(10.0, 2.0, 100, 2_000_000, &mut latencies);
        assert_eq!((w.p50_ms, w.max_ms, w.invocations), (3.0, 5.0, 5));
        assert_eq!((w.events_per_s, w.input_mb_per_s), (50.0, 1.0));
        assert!(proc_status_mb("VmRSS:").unwrap() > 1.0);
        let empty = close_window(1.0, 1.0, 0, 0, &mut []);
        assert_eq!(empty.p99_ms, 0.0);
    }
}
