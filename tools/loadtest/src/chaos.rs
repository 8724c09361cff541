//! `loadtest chaos`: zero loss, proven under faults. Each scenario sends the
//! same traffic (a generated day, records that force re-ingest, and the
//! scenario's hostile records) through the Firehose simulator into the
//! transform (in process, re-ingesting through the real AWS SDK client into the
//! simulator's `PutRecordBatch` API) while faults are injected, then accounts
//! for every unit it sent by reading the lake back:
//!
//! - a unit is a CloudWatch event, known by its event id, or a hostile record
//!   that carries no event id (known by a marker in its text, or by its exact
//!   bytes under the error prefix);
//! - `delivered`: in the lake (`logs/`); `error_prefix`: not in the lake but
//!   under `errors/` (Firehose's error JSON, `rawData` = the original record);
//!   `missing`: neither, which must never happen;
//! - `duplicates`: lake rows beyond the first per event id. Only a processor
//!   that re-ingested and then timed out makes them (Firehose retries the
//!   batch, so the re-ingested part arrives twice); they carry the same
//!   `event_id` and are removed by it.
//!
//! Every response also passes the simulator's contract checks (one answer per
//! record id, valid results, the 6 MB limit), counted as `violations`.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::Args;
use serde::Serialize;

use firehose_sim::{
    ClockMode, Faults, InProcess, LakeDir, Processor, Schedule, SimConfig, SimReport, Simulator,
};
use local_stack::alerting::{LAKE_FILTER, LOCAL_ACCOUNT};
use logwrangler_generator::{self as generate, DayConfig, LogBatch, LogEvent};

/// Options of `loadtest chaos`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// Size of the generated day each scenario sends (1.0: about 48,000 events).
    #[arg(long, default_value_t = 0.05)]
    pub scale: f64,
    /// Seed of the day and of the fault schedules.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print the accounting as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Where the scenarios' lakes are written (each scenario's replaced).
    #[arg(long, default_value = "target/chaos")]
    pub out: PathBuf,
}

/// One scenario: the faults injected and the hostile records sent.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub faults: Faults,
    pub hostile: Hostile,
    /// Processor buffer size hint (3 MB, Firehose's largest, makes responses
    /// overflow the 6 MB limit and re-ingest).
    pub buffer_size_bytes: usize,
    /// Whether Firehose's retry semantics may duplicate events here.
    pub duplicates_allowed: bool,
}

/// Hostile input a scenario adds to the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    None,
    /// Not a Firehose record the transform can read: truncated or corrupt
    /// gzip, JSON that is no envelope, binary noise, empty data.
    Malformed,
    /// gzip records that decompress past the transform's 64 MiB cap.
    GzipBombs,
    /// Lines longer than the 256 KiB line limit (cut and flagged `truncated`).
    LongLines,
    /// Invalid UTF-8 in envelope messages and in Direct PUT lines.
    InvalidUtf8,
}

/// The scenarios `loadtest chaos` runs.
pub fn scenarios(seed: u64) -> Vec<Scenario> {
    let faults = |f: Faults| Faults { seed, ..f };
    let plain = |name, faults, hostile| Scenario {
        name,
        faults,
        hostile,
        buffer_size_bytes: 512 * 1024,
        duplicates_allowed: false,
    };
    vec![
        plain("baseline", Faults::default(), Hostile::None),
        Scenario {
            buffer_size_bytes: 3 << 20,
            ..plain(
                "throttled_and_failed_reingest",
                faults(Faults {
                    throttle_calls: Schedule::EveryNth(2),
                    failed_entries: Schedule::EveryNth(3),
                    ..Faults::default()
                }),
                Hostile::None,
            )
        },
        plain(
            "processor_errors",
            faults(Faults {
                processor_errors: Schedule::Chance(0.4),
                ..Faults::default()
            }),
            Hostile::None,
        ),
        plain(
            "processor_timeouts",
            faults(Faults {
                processor_timeouts: Schedule::Chance(0.3),
                ..Faults::default()
            }),
            Hostile::None,
        ),
        Scenario {
            buffer_size_bytes: 3 << 20,
            duplicates_allowed: true,
            ..plain(
                "timeout_after_reingest",
                faults(Faults {
                    processor_timeouts_after_run: Schedule::Chance(0.3),
                    ..Faults::default()
                }),
                Hostile::None,
            )
        },
        plain("malformed_records", Faults::default(), Hostile::Malformed),
        plain("gzip_bombs", Faults::default(), Hostile::GzipBombs),
        plain("long_lines", Faults::default(), Hostile::LongLines),
        plain("invalid_utf8", Faults::default(), Hostile::InvalidUtf8),
    ]
}

/// The accounting of one scenario.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Accounting {
    pub scenario: String,
    /// Units sent: events (by id) and id-less hostile records.
    pub generated: usize,
    /// Units found in the lake.
    pub delivered: usize,
    /// Units found only under the error prefix.
    pub error_prefix: usize,
    /// Units found nowhere.
    pub missing: usize,
    /// Lake rows beyond the first per event id.
    pub duplicates: usize,
    pub duplicates_allowed: bool,
    /// Lake rows flagged `truncated`.
    pub truncated: usize,
    /// Firehose records put (re-ingested ones not included).
    pub records_put: usize,
    pub invocations: usize,
    pub attempts: usize,
    pub reingested_records: usize,
    pub throttled_calls: usize,
    pub failed_entries: usize,
    pub invoke_errors: usize,
    pub invoke_timeouts: usize,
    pub failed_batches: usize,
    /// Responses that broke the Firehose contract.
    pub violations: usize,
}

/// Every scenario's accounting and the totals.
#[derive(Debug, Clone, Serialize)]
pub struct ChaosReport {
    pub generated: usize,
    pub delivered: usize,
    pub error_prefix: usize,
    pub missing: usize,
    pub duplicates: usize,
    pub scenarios: Vec<Accounting>,
}

impl ChaosReport {
    /// Zero loss: nothing missing, no contract violation, duplicates only
    /// where Firehose's retries create them.
    pub fn holds(&self) -> bool {
        self.missing == 0
            && self
                .scenarios
                .iter()
                .all(|s| s.violations == 0 && (s.duplicates == 0 || s.duplicates_allowed))
    }
}

/// Runs `loadtest chaos` and prints the table (or JSON); fails when an event
/// went missing.
pub fn run(args: &ChaosArgs) -> Result<()> {
    let report = run_scenarios(args.scale, args.seed, &args.out, &scenarios(args.seed))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if !report.holds() {
        bail!("events went missing, or duplicated outside Firehose's retry semantics");
    }
    Ok(())
}

/// Runs `scenarios` on the day of (`scale`, `seed`), each in its own lake under `out`.
pub fn run_scenarios(
    scale: f64,
    seed: u64,
    out: &Path,
    scenarios: &[Scenario],
) -> Result<ChaosReport> {
    let day = generate::generate(&DayConfig {
        seed,
        scale,
        ..DayConfig::default()
    });
    let start_ms = day.batches.first().map_or(0, |b| b.events[0].timestamp);
    let mut report = ChaosReport {
        generated: 0,
        delivered: 0,
        error_prefix: 0,
        missing: 0,
        duplicates: 0,
        scenarios: Vec::new(),
    };
    for scenario in scenarios {
        let started = std::time::Instant::now();
        let traffic = Traffic::build(&day.batches, scenario.hostile, start_ms, seed);
        let accounting = run_scenario(scenario, &traffic, start_ms, &out.join(scenario.name))?;
        eprintln!(
            "chaos: {} ({:.1} s): {} units, {} missing",
            scenario.name,
            started.elapsed().as_secs_f64(),
            accounting.generated,
            accounting.missing
        );
        report.generated += accounting.generated;
        report.delivered += accounting.delivered;
        report.error_prefix += accounting.error_prefix;
        report.missing += accounting.missing;
        report.duplicates += accounting.duplicates;
        report.scenarios.push(accounting);
    }
    Ok(report)
}

/// One scenario run whose lake is kept for a check after it: the traffic it
/// sent stays known, so the lake can be accounted for again once an operator
/// has acted on it (`logwrangler redrive` of the error prefix).
pub struct ScenarioRun {
    /// The accounting right after the run.
    pub accounting: Accounting,
    /// The scenario's lake (`logs/`, `errors/`).
    pub lake: PathBuf,
    /// The simulation time the traffic started at.
    pub start_ms: i64,
    traffic: Traffic,
}

impl ScenarioRun {
    /// Accounts for every unit sent by reading the lake back again.
    pub fn account_again(&self) -> Result<Accounting> {
        let mut accounting = account(&self.traffic, &self.lake)?;
        accounting.scenario = self.accounting.scenario.clone();
        accounting.duplicates_allowed = self.accounting.duplicates_allowed;
        Ok(accounting)
    }

    /// Starts a fault-free delivery stream (the simulator, stream name
    /// `logwrangler`, the transform in process with the scenario's source
    /// mapping) writing into this run's lake, lets `send` put records into it
    /// through its `PutRecordBatch` endpoint (given as the argument), then
    /// delivers everything buffered.
    pub fn deliver_through_stream(
        &self,
        send: impl FnOnce(&str) -> Result<()>,
    ) -> Result<SimReport> {
        let mut config = SimConfig::new("logwrangler", LakeDir::new(&self.lake));
        config.account_id = LOCAL_ACCOUNT.into();
        config.clock = ClockMode::Manual {
            start_ms: self.start_ms,
        };
        let simulator = Simulator::start(config)?;
        let processor = in_process(&simulator)?;
        send(simulator.endpoint_url())?;
        simulator.drain(&processor as &dyn Processor)
    }
}

/// Runs one scenario on the day of (`scale`, `seed`) into `out/<name>` and
/// keeps what is needed to account for its lake again.
pub fn run_kept(scale: f64, seed: u64, out: &Path, scenario: &Scenario) -> Result<ScenarioRun> {
    let day = generate::generate(&DayConfig {
        seed,
        scale,
        ..DayConfig::default()
    });
    let start_ms = day.batches.first().map_or(0, |b| b.events[0].timestamp);
    let traffic = Traffic::build(&day.batches, scenario.hostile, start_ms, seed);
    let lake = out.join(scenario.name);
    let accounting = run_scenario(scenario, &traffic, start_ms, &lake)?;
    Ok(ScenarioRun {
        accounting,
        lake,
        start_ms,
        traffic,
    })
}

/// The transform in process, with the generated day's source mapping,
/// re-ingesting into `simulator`.
fn in_process(simulator: &Simulator) -> Result<InProcess> {
    let sources = generate::sources_json();
    let transform = transform_lambda::config::Config::from_vars(|name| {
        (name == "LOGWRANGLER_SOURCES").then(|| sources.clone())
    })?;
    InProcess::new(
        simulator.endpoint_url(),
        &simulator.config().region,
        transform,
    )
}

/// A record to put, at the simulation time it arrives.
struct Put {
    at_ms: i64,
    data: Vec<u8>,
}

/// What a scenario sends and the units to find again.
struct Traffic {
    puts: Vec<Put>,
    /// Event ids sent.
    ids: HashSet<String>,
    /// Id-less hostile records: (marker in their text, if any; exact bytes).
    loose: Vec<(Option<String>, Vec<u8>)>,
}

impl Traffic {
    fn build(day: &[LogBatch], hostile: Hostile, start_ms: i64, seed: u64) -> Traffic {
        let mut traffic = Traffic {
            puts: Vec::new(),
            ids: HashSet::new(),
            loose: Vec::new(),
        };
        for batch in day {
            traffic.envelope(batch, batch.events.last().map_or(start_ms, |e| e.timestamp));
        }
        let mut rng = fastrand::Rng::with_seed(seed);
        // Records that must be split: events of three hours in one record,
        // large enough that a 3 MB buffer's answers overflow 6 MB.
        for record in 0..8 {
            let at_ms = start_ms + 3 * 3_600_000 + record * 1_000;
            let events = (0..900)
                .map(|i| {
                    let time = at_ms - (i % 3) * 3_600_000;
                    let filler: String = (0..700).map(|_| rng.alphanumeric()).collect();
                    LogEvent {
                        id: format!("8{:013}{:042}", record, i),
                        timestamp: at_ms,
                        message: format!(
                            r#"{{"level":"info","msg":"split {record}/{i} {filler}","time":"{}"}}"#,
                            logwrangler::time::iso_string(time)
                        ),
                    }
                })
                .collect();
            traffic.envelope(&batch("/chaos/split", "split", events), at_ms);
        }
        let at_ms = start_ms + 3_600_000;
        match hostile {
            Hostile::None => {}
            Hostile::Malformed => traffic.malformed(at_ms, &mut rng),
            Hostile::GzipBombs => traffic.gzip_bombs(at_ms),
            Hostile::LongLines => traffic.long_lines(at_ms),
            Hostile::InvalidUtf8 => traffic.invalid_utf8(at_ms),
        }
        traffic.puts.sort_by_key(|p| p.at_ms);
        traffic
    }

    fn envelope(&mut self, batch: &LogBatch, at_ms: i64) {
        self.ids.extend(batch.events.iter().map(|e| e.id.clone()));
        self.puts.push(Put {
            at_ms,
            data: batch.firehose_record(LAKE_FILTER),
        });
    }

    fn loose(&mut self, at_ms: i64, marker: Option<String>, data: Vec<u8>) {
        self.loose.push((marker, data.clone()));
        self.puts.push(Put { at_ms, data });
    }

    fn malformed(&mut self, at_ms: i64, rng: &mut fastrand::Rng) {
        let whole = batch(
            "/chaos/malformed",
            "m",
            vec![event(9_100, at_ms, "an event in a record cut short")],
        )
        .firehose_record(LAKE_FILTER);
        // Cut short: the gzip stream ends early (its event id is unreadable).
        self.loose(at_ms, None, whole[..whole.len() / 2].to_vec());
        // gzip magic, then noise.
        let mut corrupt = vec![0x1f, 0x8b, 0x08, 0x00];
        corrupt.extend((0..200).map(|_| rng.u8(..)));
        self.loose(at_ms, None, corrupt);
        // JSON that is no envelope, gzip'd: read as a Direct PUT JSON line.
        self.loose(
            at_ms,
            Some(marker(1)),
            gzip(format!(r#"{{"not":"an envelope","tag":"{}"}}"#, marker(1)).as_bytes()),
        );
        // Binary noise after a marker: Direct PUT text, unparsed.
        let mut noise = marker(2).into_bytes();
        noise.extend((0..300).map(|_| rng.u8(..)));
        self.loose(at_ms, Some(marker(2)), noise);
        // An envelope whose JSON breaks off.
        self.loose(
            at_ms,
            None,
            gzip(br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","#),
        );
        // Empty data: carries nothing to lose, but must still get its answer.
        self.puts.push(Put {
            at_ms,
            data: Vec::new(),
        });
    }

    fn gzip_bombs(&mut self, at_ms: i64) {
        // 80 MiB of one message inside an envelope: a valid record whose
        // decompressed size passes the 64 MiB cap.
        let mut json = format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"{LOCAL_ACCOUNT}","logGroup":"/chaos/bomb","logStream":"b","subscriptionFilters":["{LAKE_FILTER}"],"logEvents":[{{"id":"{}","timestamp":{at_ms},"message":""#,
            event_id(9_200)
        )
        .into_bytes();
        json.resize(json.len() + (80 << 20), b' ');
        json.extend_from_slice(br#""}]}"#);
        self.ids.insert(event_id(9_200));
        self.puts.push(Put {
            at_ms,
            data: gzip(&json),
        });
        // Zeros behind a marker, as Direct PUT data.
        let mut zeros = marker(3).into_bytes();
        zeros.resize(zeros.len() + (100 << 20), 0);
        self.loose(at_ms, None, gzip(&zeros));
    }

    fn long_lines(&mut self, at_ms: i64) {
        let events = [300_000usize, 700_000, 950_000]
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                let mut message = format!("long line {i} ");
                message.extend(std::iter::repeat_n('x', len));
                event(9_300 + i as u64, at_ms, &message)
            })
            .collect::<Vec<_>>();
        for event in events {
            self.envelope(&batch("/chaos/long", "l", vec![event]), at_ms);
        }
    }

    fn invalid_utf8(&mut self, at_ms: i64) {
        // Envelope JSON with invalid UTF-8 inside a message string.
        let mut json = format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"{LOCAL_ACCOUNT}","logGroup":"/chaos/utf8","logStream":"u","subscriptionFilters":["{LAKE_FILTER}"],"logEvents":[{{"id":"{}","timestamp":{at_ms},"message":"caf"#,
            event_id(9_400)
        )
        .into_bytes();
        json.extend_from_slice(b"\xe9 \xff\xfe latte\"}]}");
        self.ids.insert(event_id(9_400));
        self.puts.push(Put {
            at_ms,
            data: gzip(&json),
        });
        // Direct PUT lines with invalid UTF-8, plain and gzip'd.
        let mut line = marker(4).into_bytes();
        line.extend_from_slice(b" bad \xc3\x28 bytes \xed\xa0\x80 here\n");
        self.loose(at_ms, Some(marker(4)), line);
        let mut line = marker(5).into_bytes();
        line.extend_from_slice(b" \xf0\x28\x8c\xbc\n");
        self.loose(at_ms, Some(marker(5)), gzip(&line));
    }
}

/// A hostile event's id: 56 digits led by a 9, which no generated id has.
fn event_id(n: u64) -> String {
    format!("9{n:055}")
}

fn marker(n: u32) -> String {
    format!("chaosmark{n:04}")
}

fn event(n: u64, at_ms: i64, message: &str) -> LogEvent {
    LogEvent {
        id: event_id(n),
        timestamp: at_ms,
        message: message.to_string(),
    }
}

fn batch(group: &str, stream: &str, events: Vec<LogEvent>) -> LogBatch {
    LogBatch {
        log_group: group.into(),
        log_stream: stream.into(),
        owner: LOCAL_ACCOUNT.into(),
        events,
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .expect("gzip into memory is infallible")
}

fn run_scenario(
    scenario: &Scenario,
    traffic: &Traffic,
    start_ms: i64,
    lake: &Path,
) -> Result<Accounting> {
    if lake.exists() {
        std::fs::remove_dir_all(lake)
            .with_context(|| format!("cannot clear {}", lake.display()))?;
    }
    let mut config = SimConfig::new("logwrangler", LakeDir::new(lake));
    config.account_id = LOCAL_ACCOUNT.into();
    config.faults = scenario.faults.clone();
    config.clock = ClockMode::Manual { start_ms };
    config.buffer_size_bytes = scenario.buffer_size_bytes;
    let simulator = Simulator::start(config)?;
    let processor = in_process(&simulator)?;
    for put in &traffic.puts {
        let ahead = put.at_ms - simulator.now_ms();
        if ahead > 0 {
            simulator.advance(Duration::from_millis(ahead as u64));
        }
        simulator.put(put.data.clone())?;
        simulator.run(&processor as &dyn Processor)?;
    }
    let sim = simulator.drain(&processor as &dyn Processor)?;
    let mut accounting = account(traffic, simulator.config().lake.root())?;
    accounting.scenario = scenario.name.to_string();
    accounting.duplicates_allowed = scenario.duplicates_allowed;
    fill_from_simulator(&mut accounting, &sim, traffic.puts.len());
    Ok(accounting)
}

fn fill_from_simulator(accounting: &mut Accounting, sim: &SimReport, puts: usize) {
    accounting.records_put = puts;
    accounting.invocations = sim.invocations;
    accounting.attempts = sim.attempts;
    accounting.reingested_records = sim.reingested_records;
    accounting.throttled_calls = sim.throttled_calls;
    accounting.failed_entries = sim.failed_entries;
    accounting.invoke_errors = sim.invoke_errors;
    accounting.invoke_timeouts = sim.invoke_timeouts;
    accounting.failed_batches = sim.failed_batches;
    accounting.violations = sim.contract_violations.len();
}

/// Reads the lake and the error prefix back and accounts for every unit.
fn account(traffic: &Traffic, lake: &Path) -> Result<Accounting> {
    let dir = LakeDir::new(lake);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut markers_in_lake = HashSet::new();
    let mut truncated = 0;
    for (key, line) in dir.lines("logs/")? {
        let record: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("{key}: a line is not JSON"))?;
        if record.get("truncated") == Some(&serde_json::Value::Bool(true)) {
            truncated += 1;
        }
        let id = record["event_id"].as_str().unwrap_or_default();
        if traffic.ids.contains(id) {
            *seen.entry(id.to_string()).or_default() += 1;
        } else {
            markers_in_lake.extend(markers_in(&line));
        }
    }
    let mut ids_in_errors = HashSet::new();
    let mut bytes_in_errors = HashSet::new();
    for (key, line) in dir.lines("errors/")? {
        let error: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("{key}: a line is not JSON"))?;
        let raw = BASE64
            .decode(error["rawData"].as_str().unwrap_or_default())
            .with_context(|| format!("{key}: rawData is not base64"))?;
        ids_in_errors.extend(ids_in(&raw));
        bytes_in_errors.insert(raw);
    }
    let mut accounting = Accounting {
        truncated,
        duplicates: seen.values().map(|n| n - 1).sum(),
        ..Accounting::default()
    };
    for id in &traffic.ids {
        accounting.generated += 1;
        if seen.contains_key(id) {
            accounting.delivered += 1;
        } else if ids_in_errors.contains(id) {
            accounting.error_prefix += 1;
        } else {
            accounting.missing += 1;
        }
    }
    for (marker, data) in &traffic.loose {
        accounting.generated += 1;
        if marker.as_ref().is_some_and(|m| markers_in_lake.contains(m)) {
            accounting.delivered += 1;
        } else if bytes_in_errors.contains(data) {
            accounting.error_prefix += 1;
        } else {
            accounting.missing += 1;
        }
    }
    Ok(accounting)
}

/// The markers in a lake line.
fn markers_in(text: &str) -> Vec<String> {
    text.match_indices("chaosmark")
        .filter_map(|(at, _)| text.get(at..at + "chaosmark".len() + 4))
        .map(str::to_string)
        .collect()
}

/// The event ids in a raw record (gunzipped up to 128 MiB when it is gzip),
/// read by a byte scan so records that are not valid JSON still tell theirs.
fn ids_in(raw: &[u8]) -> Vec<String> {
    let mut data = Vec::new();
    let text: &[u8] = if raw.starts_with(&[0x1f, 0x8b]) {
        // A truncated stream still yields what it decompressed before the cut.
        let _ = flate2::read::MultiGzDecoder::new(raw)
            .take(128 << 20)
            .read_to_end(&mut data);
        &data
    } else {
        raw
    };
    let finder = memchr::memmem::Finder::new(br#""id":""#);
    finder
        .find_iter(text)
        .filter_map(|at| {
            let start = at + 6;
            let len = text[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            (len > 0).then(|| String::from_utf8_lossy(&text[start..start + len]).into_owned())
        })
        .collect()
}

/// The accounting as a table.
pub fn render(report: &ChaosReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<30} {:>9} {:>9} {:>6} {:>7} {:>5} {:>6} {:>6} {:>8} {:>7} {:>9} {:>4}",
        "scenario",
        "generated",
        "delivered",
        "errors",
        "missing",
        "dups",
        "invoc.",
        "retry",
        "reingest",
        "throttl",
        "failed_en",
        "viol"
    );
    for s in &report.scenarios {
        let _ = writeln!(
            out,
            "{:<30} {:>9} {:>9} {:>6} {:>7} {:>5} {:>6} {:>6} {:>8} {:>7} {:>9} {:>4}",
            s.scenario,
            s.generated,
            s.delivered,
            s.error_prefix,
            s.missing,
            s.duplicates,
            s.invocations,
            s.attempts - s.invocations,
            s.reingested_records,
            s.throttled_calls,
            s.failed_entries,
            s.violations
        );
    }
    let _ = writeln!(
        out,
        "{:<30} {:>9} {:>9} {:>6} {:>7} {:>5}",
        "total",
        report.generated,
        report.delivered,
        report.error_prefix,
        report.missing,
        report.duplicates
    );
    let _ = writeln!(
        out,
        "\nunits: CloudWatch events by event id, and hostile records without one (by marker or bytes);\n\
         errors = only under the error prefix; dups = lake rows beyond the first per event id\n\
         (only where a processor re-ingested and then timed out, removable by event_id)"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_markers_are_found_in_broken_records() {
        let record = gzip(br#"{"logEvents":[{"id":"123","message":"x"},{"id":"45""#);
        assert_eq!(ids_in(&record[..record.len() - 4]), vec!["123", "45"]);
        assert_eq!(ids_in(br#"{"id":"","id":"7"}"#), vec!["7"]);
        assert_eq!(
            markers_in(r#"{"raw":"chaosmark0002 \ufffd","x":"chaosmark0004"}"#),
            vec!["chaosmark0002", "chaosmark0004"]
        );
    }

    #[test]
    fn hostile_ids_never_collide_with_generated_ones() {
        let day = generate::generate(&DayConfig {
            scale: 0.01,
            ..DayConfig::default()
        });
        let traffic = Traffic::build(&day.batches, Hostile::LongLines, 0, 1);
        let generated: usize = day.batches.iter().map(|b| b.events.len()).sum();
        assert_eq!(traffic.ids.len(), generated + 8 * 900 + 3);
        assert!(traffic.puts.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    }
}
