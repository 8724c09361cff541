//! `loadtest bench`: how fast the transform runs, against what nothing can
//! beat and against Vector's VRL, how much memory and start-up time the
//! Lambda binary needs, and what a terabyte of logs costs.
//!
//! Everything runs on one corpus ([`corpus`]): the transform in-process (the
//! whole handler without I/O: request JSON in, response JSON out) on the
//! realistic mix and per log_type; the floor (base64 decode, gunzip, base64
//! encode of an equally large output, no parsing) on the same records; our ALB
//! and VPC flow parsers against VRL's on the same lines. Variants are
//! interleaved over the measuring time and reported as medians of rounds
//! ([`timing`]), on one thread. The built `transform-lambda` binary then runs
//! behind a minimal Lambda Runtime API for its cold start and its peak
//! resident memory on the largest request Firehose can send ([`lambda`]).

pub mod blueprint;
pub mod corpus;
pub mod cost;
pub mod lambda;
pub mod timing;
#[cfg(feature = "vrl")]
pub mod vrl;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::formats::{alb, vpc_flow};
use logwrangler::gzip;
use logwrangler_aws::firehose::Request;
use serde_json::{Value, json};
use transform_lambda::config::Config;
use transform_lambda::processor::{self, Answer};

use corpus::{Corpus, RequestBytes, Source};
use timing::{Throughput, Variant, Work};

/// Targets of the issue, checked in the report.
const TARGET_RATIO_TO_FLOOR: f64 = 0.5;
/// `transform` events/s over the blueprint's on one stream-hour request.
const TARGET_BLUEPRINT_RATIO: f64 = 1.5;
const TARGET_SPEEDUP_VS_VRL: f64 = 3.0;
const TARGET_PEAK_RSS_MB: f64 = 96.0;
const TARGET_COLD_START_MS: f64 = 20.0;

/// Options of `loadtest bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Seconds of interleaved measurement, shared by all variants.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Print the figures as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Where the corpus comes from: the seeded day generator, or the
    /// repository's fixtures replicated with their numbers varied.
    #[arg(long, value_enum, default_value_t = Source::Generator)]
    pub corpus: Source,
    /// Volume of the generated day (1.0: a demo-sized day, tens of thousands of events).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Events of the fixture corpus.
    #[arg(long, default_value_t = 60_000)]
    pub events: usize,
    /// Seed of the corpus.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Record data per request, MiB (Firehose's processor buffer; the stack
    /// deploys 0.5).
    #[arg(long, default_value_t = 0.5)]
    pub buffer_mb: f64,
    /// Only run the in-process variants whose name contains this (e.g.
    /// `transform_mix` under a profiler); skips the Lambda binary.
    #[arg(long)]
    pub only: Option<String>,
    /// The `transform-lambda` binary to measure (default: `release/transform-lambda`
    /// of this binary's target directory, built first when run through cargo).
    #[arg(long)]
    pub lambda_binary: Option<PathBuf>,
    /// Do not build the Lambda binary; use it as it is.
    #[arg(long)]
    pub no_build: bool,
    /// Skip the Lambda binary (no memory and cold-start figures).
    #[arg(long)]
    pub no_lambda: bool,
    /// Cold starts to measure (the median is reported).
    #[arg(long, default_value_t = 20)]
    pub cold_starts: usize,
}

/// The deployed source mapping (`infra-cdk/config/sources.example.json`, turned
/// into `LOGWRANGLER_SOURCES` the way the stack does).
const DEPLOYED_SOURCES: &str = include_str!("../../../../infra-cdk/config/sources.example.json");

/// `LOGWRANGLER_SOURCES` as the stack sets it: the log groups that name a log_type.
fn deployed_sources_json() -> Result<String> {
    let config: Value = serde_json::from_str(DEPLOYED_SOURCES)
        .context("infra-cdk/config/sources.example.json is not JSON")?;
    let sources: Vec<Value> = config["logGroups"]
        .as_array()
        .context("infra-cdk/config/sources.example.json has no logGroups")?
        .iter()
        .filter_map(|g| {
            Some(json!({ "log_group": g["name"].as_str()?, "log_type": g["logType"].as_str()? }))
        })
        .collect();
    Ok(json!({ "sources": sources }).to_string())
}

/// The Lambda environment the stack deploys (what matters to the processor).
fn deployed_env() -> Result<Vec<(String, String)>> {
    Ok(vec![
        ("RUST_LOG".into(), "info".into()),
        (
            "LOGWRANGLER_REINGEST_STREAM".into(),
            "logwrangler-lake".into(),
        ),
        ("LOGWRANGLER_SOURCES".into(), deployed_sources_json()?),
    ])
}

/// Runs the bench and prints the table or the JSON.
pub fn run(args: &BenchArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; figures mean nothing without --release \
             (cargo run --release -p loadtest -- bench)"
        );
    }
    let lambda_binary = if args.no_lambda || args.only.is_some() {
        None
    } else {
        Some(prepare_lambda_binary(args)?)
    };
    let env = deployed_env()?;
    let config =
        Config::from_vars(|name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .map_err(|e| anyhow::anyhow!("deployed configuration: {e}"))?;
    let source = args.corpus;
    let deliveries = match source {
        Source::Generator => corpus::generator_deliveries(args.scale, args.seed, &config),
        Source::Fixtures => corpus::fixture_deliveries(args.events, args.seed, &config)?,
    };
    if deliveries.is_empty() {
        bail!("the corpus is empty: raise --scale or --events");
    }
    if !(args.buffer_mb > 0.0 && args.buffer_mb <= 3.0) {
        bail!("--buffer-mb must be in (0, 3] (Firehose's processor buffer range)");
    }
    let buffer = (args.buffer_mb * 1024.0 * 1024.0) as usize;
    let corpus = Corpus::new(source, &deliveries, buffer)?;
    drop(deliveries);
    let report = measure_in_process(args, &corpus, &config)?;
    let lambda = match &lambda_binary {
        Some(binary) => {
            eprintln!(
                "measuring {} (cold starts, 6 MB request)...",
                binary.display()
            );
            Some(lambda::measure(
                binary,
                &env,
                &corpus.max_request.json,
                args.cold_starts,
            )?)
        }
        None => None,
    };
    let figures = Figures::new(args, &corpus, report, lambda)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures.json())?);
    } else {
        print!("{}", figures.table());
    }
    Ok(())
}

/// The `transform-lambda` binary: given, or `release/transform-lambda` in this
/// binary's target directory, built first when cargo launched us.
fn prepare_lambda_binary(args: &BenchArgs) -> Result<PathBuf> {
    if let Some(binary) = &args.lambda_binary {
        return Ok(binary.clone());
    }
    let exe = std::env::current_exe().context("cannot locate the loadtest binary")?;
    let target_dir = exe
        .parent()
        .and_then(|profile| profile.parent())
        .context("the loadtest binary is not in a cargo target directory")?
        .to_owned();
    let binary = target_dir.join("release").join("transform-lambda");
    match std::env::var_os("CARGO") {
        Some(cargo) if !args.no_build => {
            eprintln!(
                "building transform-lambda (release) for the memory and cold-start figures..."
            );
            let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
            let status = std::process::Command::new(cargo)
                .args([
                    "build",
                    "--release",
                    "--quiet",
                    "-p",
                    "transform-lambda",
                    "--manifest-path",
                ])
                .arg(manifest)
                .arg("--target-dir")
                .arg(&target_dir)
                .status()
                .context("cannot run cargo to build transform-lambda")?;
            if !status.success() {
                bail!("`cargo build --release -p transform-lambda` failed ({status})");
            }
        }
        _ => {}
    }
    if !binary.exists() {
        bail!(
            "{} does not exist: build it with `cargo build --release -p transform-lambda`, \
             pass --lambda-binary PATH, or skip these figures with --no-lambda",
            binary.display()
        );
    }
    Ok(binary)
}

/// One transform pass over requests: request JSON in, response JSON out.
fn transform(requests: &[RequestBytes], config: &Config) -> Work {
    let mut work = Work::default();
    for request in requests {
        let parsed: Request = serde_json::from_slice(&request.json).expect("corpus requests parse");
        let plan = processor::plan(&parsed, &config.parser, &config.limits);
        let response = processor::response_json(&plan, |_| false);
        std::hint::black_box(response);
        work.bytes += request.decompressed_bytes;
        work.events += request.events;
    }
    work
}

/// What a request's transform produces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Output {
    /// `Ok` data bytes (typed NDJSON before base64).
    data: usize,
    /// Events the plan saw.
    events: usize,
    /// Re-ingest payloads.
    reingest_payloads: usize,
    /// Records re-ingested because the response was full.
    overflow_records: usize,
    /// Records split by partition.
    split_records: usize,
    /// Events sent back to the stream rather than answered.
    reingested_events: usize,
    /// Bytes of the re-ingest payloads (what Firehose ingests, and bills, again).
    reingest_bytes: usize,
}

impl std::ops::AddAssign for Output {
    fn add_assign(&mut self, o: Output) {
        self.data += o.data;
        self.events += o.events;
        self.reingest_payloads += o.reingest_payloads;
        self.overflow_records += o.overflow_records;
        self.split_records += o.split_records;
        self.reingested_events += o.reingested_events;
        self.reingest_bytes += o.reingest_bytes;
    }
}

fn transform_output(request: &RequestBytes, config: &Config) -> Output {
    let parsed: Request = serde_json::from_slice(&request.json).expect("corpus requests parse");
    let plan = processor::plan(&parsed, &config.parser, &config.limits);
    Output {
        data: plan
            .records
            .iter()
            .map(|r| match &r.answer {
                Answer::Ok { data, .. } => data.len(),
                _ => 0,
            })
            .sum(),
        events: plan.stats.events_in,
        reingest_payloads: plan.records.iter().map(|r| r.reingest.len()).sum(),
        overflow_records: plan.stats.overflow_records,
        split_records: plan.stats.split_records,
        reingested_events: plan.records.iter().map(|r| r.reingested_events).sum(),
        reingest_bytes: plan
            .records
            .iter()
            .flat_map(|r| &r.reingest)
            .map(Vec::len)
            .sum(),
    }
}

/// The floor: base64 decode and gunzip every record, base64 encode `output`.
fn floor(requests: &[(RequestBytes, Vec<u8>)], cap: usize) -> Work {
    let mut work = Work::default();
    for (request, output) in requests {
        for record in &request.base64_records {
            let raw = BASE64.decode(record).expect("corpus records are base64");
            let data = gzip::gunzip_capped(&raw, cap).expect("corpus records gunzip");
            std::hint::black_box(data);
        }
        std::hint::black_box(BASE64.encode(output));
        work.bytes += request.decompressed_bytes;
        work.events += request.events;
    }
    work
}

/// Results of the in-process variants by name, and facts found on the way.
struct InProcess {
    results: BTreeMap<String, Throughput>,
    mix: Output,
    notes: Vec<String>,
    /// The interpreter that ran the blueprint, when it ran.
    blueprint_interpreter: Option<String>,
}

fn measure_in_process(args: &BenchArgs, corpus: &Corpus, config: &Config) -> Result<InProcess> {
    let cap = config.limits.decompressed_cap;
    let mut notes = Vec::new();
    let mut mix = Output::default();
    let mut floor_input = Vec::new();
    for request in &corpus.mix_requests {
        let output = transform_output(request, config);
        if output.events != request.events {
            bail!(
                "the transform saw {} events in a request of {}",
                output.events,
                request.events
            );
        }
        mix += output;
        let filler = corpus.records[0]
            .data
            .iter()
            .copied()
            .cycle()
            .take(output.data)
            .collect();
        floor_input.push((request.clone(), filler));
    }
    if mix.overflow_records + mix.split_records > 0 {
        notes.push(format!(
            "in the mix, {} of {} records did not fit the 6 MB response and {} were split by \
             partition: {} payloads re-ingested (their work counts, their output is not in the response)",
            mix.overflow_records,
            corpus.records.len(),
            mix.split_records,
            mix.reingest_payloads
        ));
    }
    let alb_lines: Vec<&str> = corpus.alb_lines.iter().map(String::as_str).collect();
    let vpc_lines: Vec<&str> = corpus.vpc_lines.iter().map(String::as_str).collect();
    #[cfg(feature = "vrl")]
    let (mut vrl_alb, mut vrl_vpc) = (vrl::VrlParser::alb()?, vrl::VrlParser::vpc_flow()?);
    // Compare on the lines both parsers accept.
    #[cfg(feature = "vrl")]
    let (alb_lines, vpc_lines) = {
        fn accepted<'a>(lines: &[&'a str], parser: &mut vrl::VrlParser) -> Vec<&'a str> {
            lines
                .iter()
                .copied()
                .filter(|l| {
                    parser
                        .parse(&::vrl::prelude::Bytes::from(l.to_string()))
                        .is_some()
                })
                .collect()
        }
        let (alb, vpc) = (
            accepted(&alb_lines, &mut vrl_alb),
            accepted(&vpc_lines, &mut vrl_vpc),
        );
        let rejected = alb_lines.len() + vpc_lines.len() - alb.len() - vpc.len();
        if rejected > 0 {
            notes.push(format!(
                "VRL rejected {rejected} of the corpus's ALB and VPC lines; both parsers are timed on the other {}",
                alb.len() + vpc.len()
            ));
        }
        (alb, vpc)
    };
    let rejected = alb_lines.iter().filter(|l| alb::parse(l).is_err()).count()
        + vpc_lines
            .iter()
            .filter(|l| vpc_flow::parse(l, vpc_flow::Format::default_v2()).is_err())
            .count();
    if rejected > 0 {
        notes.push(format!("our parsers rejected {rejected} corpus lines"));
    }
    let lines_work = |lines: &[&str]| Work {
        bytes: lines.iter().map(|l| l.len()).sum(),
        events: lines.len(),
    };
    let alb_work = lines_work(&alb_lines);
    let vpc_work = lines_work(&vpc_lines);

    let mut variants: Vec<Variant<'_>> = vec![
        Variant::new("transform_mix", || transform(&corpus.mix_requests, config)),
        Variant::new("floor_mix", || floor(&floor_input, cap)),
    ];
    for (log_type, requests) in &corpus.by_log_type {
        variants.push(Variant::new(format!("transform_{log_type}"), move || {
            transform(requests, config)
        }));
    }
    // The blueprint comparison: one request of one stream's deliveries
    // within one hour, through the transform and through the blueprint.
    let stream_hour = std::slice::from_ref(&corpus.stream_hour_request);
    variants.push(Variant::new("stream_hour_transform", move || {
        transform(stream_hour, config)
    }));
    let mut blueprint_interpreter = None;
    match blueprint::Blueprint::start(&corpus.stream_hour_request.json) {
        Ok(mut process) => {
            blueprint_interpreter = Some(process.interpreter.clone());
            let work = Work {
                bytes: corpus.stream_hour_request.decompressed_bytes,
                events: corpus.stream_hour_request.events,
            };
            variants.push(Variant::new("blueprint", move || {
                process.run().expect("the blueprint process answers");
                work
            }));
        }
        Err(e) => notes.push(format!("blueprint not measured: {e:#}")),
    }
    variants.push(Variant::new("ours_alb", || {
        for line in &alb_lines {
            let _ = std::hint::black_box(alb::parse(line));
        }
        alb_work
    }));
    variants.push(Variant::new("ours_vpc", || {
        for line in &vpc_lines {
            let _ = std::hint::black_box(vpc_flow::parse(line, vpc_flow::Format::default_v2()));
        }
        vpc_work
    }));
    #[cfg(feature = "vrl")]
    {
        use ::vrl::prelude::Bytes;
        let alb_bytes: Vec<Bytes> = alb_lines
            .iter()
            .map(|l| Bytes::from(l.to_string()))
            .collect();
        let vpc_bytes: Vec<Bytes> = vpc_lines
            .iter()
            .map(|l| Bytes::from(l.to_string()))
            .collect();
        variants.push(Variant::new("vrl_alb", move || {
            for line in &alb_bytes {
                std::hint::black_box(vrl_alb.parse(line));
            }
            alb_work
        }));
        variants.push(Variant::new("vrl_vpc", move || {
            for line in &vpc_bytes {
                std::hint::black_box(vrl_vpc.parse(line));
            }
            vpc_work
        }));
    }
    if let Some(only) = &args.only {
        variants.retain(|v| v.name.contains(only.as_str()));
        if variants.is_empty() {
            bail!("no variant name contains {only:?}");
        }
    }
    eprintln!(
        "measuring {} variants for {} s...",
        variants.len(),
        args.seconds
    );
    let results = timing::measure(&mut variants, Duration::from_secs_f64(args.seconds), 5);
    Ok(InProcess {
        results: results.into_iter().map(|t| (t.name.clone(), t)).collect(),
        mix,
        notes,
        blueprint_interpreter,
    })
}

/// Every figure of one run.
struct Figures {
    seconds: f64,
    source: Source,
    corpus_summary: BTreeMap<&'static str, Value>,
    in_process: InProcess,
    lambda: Option<lambda::LambdaFigures>,
    cost: Option<cost::Cost>,
    lake: cost::LakeCost,
    raw_per_decompressed: f64,
}

impl Figures {
    fn new(
        args: &BenchArgs,
        corpus: &Corpus,
        in_process: InProcess,
        lambda: Option<lambda::LambdaFigures>,
    ) -> Result<Self> {
        let mix = &corpus.mix_requests;
        let decompressed: usize = mix.iter().map(|r| r.decompressed_bytes).sum();
        let raw: usize = mix.iter().map(|r| r.raw_bytes).sum();
        let events: usize = mix.iter().map(|r| r.events).sum();
        let record_data: usize = corpus.records.iter().map(|r| r.data.len()).sum();
        let raw_per_decompressed = raw as f64 / decompressed as f64;
        let memory_mb = cost::deployed_memory_mb()?;
        // Events re-ingested come back in another invocation: only the share
        // answered in the response counts as delivered by this one.
        let delivered = 1.0 - in_process.mix.reingested_events as f64 / events.max(1) as f64;
        let cost = in_process.results.get("transform_mix").map(|t| {
            cost::per_tb(
                memory_mb,
                t.mb_s * 1e6 * raw_per_decompressed * delivered,
                raw as f64 / mix.len() as f64 * delivered,
            )
        });
        let mut corpus_summary = BTreeMap::new();
        corpus_summary.insert("events", json!(events));
        corpus_summary.insert("records", json!(corpus.records.len()));
        corpus_summary.insert("requests", json!(mix.len()));
        corpus_summary.insert("record_data_bytes", json!(record_data));
        corpus_summary.insert("decompressed_bytes", json!(decompressed));
        corpus_summary.insert("raw_line_bytes", json!(raw));
        corpus_summary.insert("output_data_bytes", json!(in_process.mix.data));
        corpus_summary.insert("overflow_records", json!(in_process.mix.overflow_records));
        corpus_summary.insert("split_records", json!(in_process.mix.split_records));
        corpus_summary.insert("reingest_payloads", json!(in_process.mix.reingest_payloads));
        corpus_summary.insert("reingested_events", json!(in_process.mix.reingested_events));
        corpus_summary.insert(
            "delivered_share",
            json!((delivered * 1000.0).round() / 1000.0),
        );
        corpus_summary.insert("buffer_mb", json!(args.buffer_mb));
        corpus_summary.insert("max_request_bytes", json!(corpus.max_request.json.len()));
        corpus_summary.insert(
            "max_request_records",
            json!(corpus.max_request.base64_records.len()),
        );
        corpus_summary.insert(
            "max_request_decompressed_bytes",
            json!(corpus.max_request.decompressed_bytes),
        );
        corpus_summary.insert("reingest_bytes", json!(in_process.mix.reingest_bytes));
        corpus_summary.insert("stream_hour", json!(corpus.stream_hour));
        corpus_summary.insert(
            "stream_hour_events",
            json!(corpus.stream_hour_request.events),
        );
        corpus_summary.insert("alb_lines", json!(corpus.alb_lines.len()));
        corpus_summary.insert("vpc_lines", json!(corpus.vpc_lines.len()));
        let lake = cost::LakeCost::new(
            cost.map(|c| c.usd_per_tb()),
            raw,
            record_data,
            in_process.mix.reingest_bytes,
        );
        Ok(Figures {
            lake,
            seconds: args.seconds,
            source: corpus.source,
            corpus_summary,
            in_process,
            lambda,
            cost,
            raw_per_decompressed,
        })
    }

    fn get(&self, name: &str) -> Option<&Throughput> {
        self.in_process.results.get(name)
    }

    fn ratio(&self, a: &str, b: &str, events: bool) -> Option<f64> {
        let (a, b) = (self.get(a)?, self.get(b)?);
        Some(if events {
            a.events_s / b.events_s
        } else {
            a.mb_s / b.mb_s
        })
    }

    /// The JSON object (keys of the issue, then details).
    fn json(&self) -> Value {
        let r = |x: Option<f64>, digits: i32| {
            x.map(|x| {
                let scale = 10f64.powi(digits);
                json!((x * scale).round() / scale)
            })
            .unwrap_or(Value::Null)
        };
        let mb = |name: &str| r(self.get(name).map(|t| t.mb_s), 2);
        let ev = |name: &str| r(self.get(name).map(|t| t.events_s), 0);
        let mut per_type = serde_json::Map::new();
        for (name, t) in &self.in_process.results {
            if let Some(log_type) = name.strip_prefix("transform_").filter(|n| *n != "mix") {
                per_type.insert(
                    log_type.to_owned(),
                    json!({ "mb_s": r(Some(t.mb_s), 2), "events_s": r(Some(t.events_s), 0) }),
                );
            }
        }
        json!({
            "transform_mb_s": mb("transform_mix"),
            "transform_events_s": ev("transform_mix"),
            "floor_mb_s": mb("floor_mix"),
            "ratio_to_floor": r(self.ratio("transform_mix", "floor_mix", false), 3),
            "ours_alb_events_s": ev("ours_alb"),
            "vrl_alb_events_s": ev("vrl_alb"),
            "alb_speedup_vs_vrl": r(self.ratio("ours_alb", "vrl_alb", true), 2),
            "ours_vpc_events_s": ev("ours_vpc"),
            "vrl_vpc_events_s": ev("vrl_vpc"),
            "vpc_speedup_vs_vrl": r(self.ratio("ours_vpc", "vrl_vpc", true), 2),
            "peak_rss_mb_6mb_request": r(self.lambda.as_ref().map(|l| l.peak_rss_mb), 1),
            "cold_start_ms": r(self.lambda.as_ref().map(|l| l.cold_start_ms), 2),
            "lambda_usd_per_tb": r(self.cost.map(|c| c.usd_per_tb()), 3),
            "lambda_usd_per_tb_cpu_share": r(self.cost.map(|c| c.usd_per_tb_cpu_share()), 3),
            "lambda_memory_mb": self.cost.map(|c| c.memory_mb),
            "blueprint_ratio": r(self.ratio("stream_hour_transform", "blueprint", true), 2),
            "blueprint_events_s": ev("blueprint"),
            "stream_hour_transform_events_s": ev("stream_hour_transform"),
            "blueprint_interpreter": self.in_process.blueprint_interpreter,
            "reingest_amplification": r(Some(self.lake.reingest_amplification), 4),
            "reingest_firehose_usd_per_tb": r(Some(self.lake.reingest_usd), 3),
            "typed_lake_usd_per_tb": r(self.lake.typed_lake_usd, 2),
            "glue_service_log_usd_per_tb": r(Some(cost::GLUE_SERVICE_LOG_USD_PER_TB), 2),
            "transform_raw_mb_s": r(self.get("transform_mix").map(|t| t.mb_s * self.raw_per_decompressed), 2),
            "per_log_type": per_type,
            "seconds": self.seconds,
            "rounds": self.get("transform_mix").map(|t| t.rounds),
            "corpus_source": self.source.describe(),
            "corpus": self.corpus_summary,
            "vrl": cfg!(feature = "vrl"),
            "notes": self.in_process.notes,
        })
    }

    /// The table.
    fn table(&self) -> String {
        let mut out = String::new();
        let rounds = self
            .in_process
            .results
            .values()
            .map(|t| t.rounds)
            .min()
            .unwrap_or(0);
        let c = &self.corpus_summary;
        let _ = writeln!(
            out,
            "logwrangler bench: {} s interleaved, median of {rounds}+ rounds, one thread",
            self.seconds
        );
        let _ = writeln!(out, "corpus: {}", self.source.describe());
        let _ = writeln!(
            out,
            "  {} events in {} records, {} requests of <= {} MiB record data: {:.1} MB gzip'd, \
             {:.1} MB decompressed, {:.1} MB of log lines, {:.1} MB typed NDJSON out",
            c["events"],
            c["records"],
            c["requests"],
            c["buffer_mb"],
            mb_of(&c["record_data_bytes"]),
            mb_of(&c["decompressed_bytes"]),
            mb_of(&c["raw_line_bytes"]),
            mb_of(&c["output_data_bytes"]),
        );
        let _ = writeln!(
            out,
            "  6 MB request: {} bytes, {} records, {:.1} MB decompressed",
            c["max_request_bytes"],
            c["max_request_records"],
            mb_of(&c["max_request_decompressed_bytes"]),
        );
        let _ = writeln!(
            out,
            "MB = 10^6 bytes of decompressed record data (the Lambda's BytesIn) unless said otherwise\n"
        );
        let _ = writeln!(
            out,
            "{:<28} {:>9} {:>12} {:>7}",
            "variant", "MB/s", "events/s", "spread"
        );
        let row = |out: &mut String, name: &str, label: &str| match self.get(name) {
            Some(t) => {
                let _ = writeln!(
                    out,
                    "{label:<28} {:>9.1} {:>12} {:>6.0}%",
                    t.mb_s,
                    thousands(t.events_s),
                    t.spread_pct
                );
            }
            None => {
                let _ = writeln!(out, "{label:<28} {:>9} {:>12}", "-", "-");
            }
        };
        row(&mut out, "transform_mix", "transform (mix)");
        row(&mut out, "floor_mix", "floor (mix)");
        for name in self.in_process.results.keys() {
            if let Some(log_type) = name.strip_prefix("transform_").filter(|n| *n != "mix") {
                row(&mut out, name, &format!("  transform {log_type}"));
            }
        }
        row(
            &mut out,
            "stream_hour_transform",
            "transform (one stream-hour)",
        );
        let interpreter = self
            .in_process
            .blueprint_interpreter
            .as_deref()
            .unwrap_or("python3");
        row(&mut out, "blueprint", &format!("blueprint ({interpreter})"));
        let _ = writeln!(out, "{:<28} {:>9} (line bytes)", "", "");
        row(&mut out, "ours_alb", "ours alb::parse");
        row(&mut out, "vrl_alb", "vrl parse_aws_alb_log");
        row(&mut out, "ours_vpc", "ours vpc_flow::parse");
        row(&mut out, "vrl_vpc", "vrl parse_aws_vpc_flow_log");
        let _ = writeln!(out);
        let check = |value: Option<f64>, ok: bool| match value {
            None => "",
            Some(_) if ok => "ok",
            Some(_) => "MISSED",
        };
        let ratio = self.ratio("transform_mix", "floor_mix", false);
        let alb = self.ratio("ours_alb", "vrl_alb", true);
        let vpc = self.ratio("ours_vpc", "vrl_vpc", true);
        let figure = |out: &mut String,
                      name: &str,
                      value: Option<f64>,
                      unit: &str,
                      target: &str,
                      ok: bool| {
            let shown = value.map_or("-".to_owned(), |v| format!("{v:.2}{unit}"));
            let _ = writeln!(
                out,
                "{name:<28} {shown:>12}   target {target:<8} {}",
                check(value, ok)
            );
        };
        figure(
            &mut out,
            "ratio_to_floor",
            ratio,
            "",
            ">= 0.5",
            ratio.is_some_and(|r| r >= TARGET_RATIO_TO_FLOOR),
        );
        let blueprint = self.ratio("stream_hour_transform", "blueprint", true);
        figure(
            &mut out,
            "blueprint_ratio",
            blueprint,
            "x",
            ">= 1.5",
            blueprint.is_some_and(|r| r >= TARGET_BLUEPRINT_RATIO),
        );
        let _ = writeln!(
            out,
            "  events/s of the transform over the AWS CloudWatch Logs processor blueprint's logic (blueprint.py, {}) \
             on one request of {} events: {}",
            self.in_process
                .blueprint_interpreter
                .as_deref()
                .unwrap_or("not run"),
            self.corpus_summary["stream_hour_events"],
            self.corpus_summary["stream_hour"].as_str().unwrap_or(""),
        );
        figure(
            &mut out,
            "alb_speedup_vs_vrl",
            alb,
            "x",
            ">= 3",
            alb.is_some_and(|r| r >= TARGET_SPEEDUP_VS_VRL),
        );
        figure(
            &mut out,
            "vpc_speedup_vs_vrl",
            vpc,
            "x",
            ">= 3",
            vpc.is_some_and(|r| r >= TARGET_SPEEDUP_VS_VRL),
        );
        if !cfg!(feature = "vrl") {
            let _ = writeln!(
                out,
                "  (VRL not built: run `cargo run --release -p loadtest --features vrl -- bench` for its figures)"
            );
        }
        match &self.lambda {
            Some(l) => {
                figure(
                    &mut out,
                    "peak_rss_mb_6mb_request",
                    Some(l.peak_rss_mb),
                    " MiB",
                    "< 96",
                    l.peak_rss_mb < TARGET_PEAK_RSS_MB,
                );
                figure(
                    &mut out,
                    "cold_start_ms",
                    Some(l.cold_start_ms),
                    " ms",
                    "< 20",
                    l.cold_start_ms < TARGET_COLD_START_MS,
                );
                let _ = writeln!(
                    out,
                    "  VmHWM of the release transform-lambda binary after a {} byte request ({} byte response, \
                     {} records re-ingested through PutRecordBatch, {:.0} ms); cold start = process start to \
                     its first GET /2018-06-01/runtime/invocation/next (median of {}, {:.1}..{:.1} ms)",
                    l.request_bytes,
                    l.response_bytes,
                    l.reingested_records,
                    l.invocation_ms,
                    l.cold_starts,
                    l.cold_start_range_ms.0,
                    l.cold_start_range_ms.1,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{:<28} {:>12}   (Lambda binary not run)",
                    "peak_rss_mb_6mb_request", "-"
                );
                let _ = writeln!(
                    out,
                    "{:<28} {:>12}   (Lambda binary not run)",
                    "cold_start_ms", "-"
                );
            }
        }
        if let Some(cost) = &self.cost {
            let _ = writeln!(
                out,
                "{:<28} {:>12}   arm64 {} MB (infra-cdk/lib/logwrangler-stack.ts), ${}/GB-s, $0.20/M requests (us-east-1, 2025 list price)",
                "lambda_usd_per_tb",
                format!("${:.3}", cost.usd_per_tb()),
                cost.memory_mb,
                cost::ARM64_USD_PER_GB_SECOND,
            );
            let _ = writeln!(
                out,
                "  per TB of raw log lines delivered ({:.0}% of events answered, the rest re-ingested and paid again): \
                 duration ${:.3} + requests ${:.3}; ${:.3} if CPU-bound at the {} MB CPU share ({:.2} vCPU)",
                self.corpus_summary["delivered_share"]
                    .as_f64()
                    .unwrap_or(1.0)
                    * 100.0,
                cost.duration_usd,
                cost.requests_usd,
                cost.usd_per_tb_cpu_share(),
                cost.memory_mb,
                f64::from(cost.memory_mb) / cost::MB_PER_VCPU,
            );
        }
        let l = &self.lake;
        let _ = writeln!(
            out,
            "{:<28} {:>12}   re-ingested bytes / bytes in (deliveries whose events span several partitions)",
            "reingest_amplification",
            format!("{:.2}%", l.reingest_amplification * 100.0),
        );
        let _ = writeln!(
            out,
            "{:<28} {:>12}   Firehose ingestion + dynamic partitioning of those bytes, per TB of raw log lines",
            "reingest_firehose_usd_per_tb",
            format!("${:.3}", l.reingest_usd),
        );
        let _ = writeln!(
            out,
            "{:<28} {:>12}   Lambda + Firehose (${}/GB ingested, ${}/GB partitioned) per TB of raw log lines",
            "typed_lake_usd_per_tb",
            l.typed_lake_usd.map_or("-".into(), |v| format!("${v:.2}")),
            cost::FIREHOSE_INGEST_USD_PER_GB,
            cost::FIREHOSE_PARTITIONING_USD_PER_GB,
        );
        let _ = writeln!(
            out,
            "{:<28} {:>12}   AWS Glue service-log jobs, their own figure ($1.32 per 10 GB at 10 DPU)",
            "glue_service_log_usd_per_tb",
            format!("${:.2}", cost::GLUE_SERVICE_LOG_USD_PER_TB),
        );
        for note in &self.in_process.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}

fn mb_of(value: &Value) -> f64 {
    value.as_u64().unwrap_or(0) as f64 / 1e6
}

/// `1234567.8` as `1,234,568`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(1_234_567.8), "1,234,568");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.0), "0");
    }

    #[test]
    fn deployed_sources_name_the_mapped_groups() {
        let json = deployed_sources_json().unwrap();
        assert!(
            json.contains(r#"{"log_group":"/pexip/infinity/support","log_type":"pexip_support"}"#),
            "{json}"
        );
        assert!(
            !json.contains("/my-app/events"),
            "groups without a logType are sniffed"
        );
        let env = deployed_env().unwrap();
        let config =
            Config::from_vars(|n| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()));
        assert!(config.is_ok());
    }

    #[test]
    fn transform_and_floor_cover_the_same_input() {
        let config = Config::from_vars(|_| None).unwrap();
        let deliveries = corpus::fixture_deliveries(2000, 5, &config).unwrap();
        let corpus = Corpus::new(
            Source::Fixtures,
            &deliveries,
            corpus::PROCESSOR_BUFFER_BYTES,
        )
        .unwrap();
        let t = transform(&corpus.mix_requests, &config);
        let output = transform_output(&corpus.mix_requests[0], &config);
        assert!(output.data > 0);
        assert_eq!(output.events, corpus.mix_requests[0].events);
        let input: Vec<_> = corpus
            .mix_requests
            .iter()
            .map(|r| (r.clone(), vec![0u8; 10]))
            .collect();
        let f = floor(&input, config.limits.decompressed_cap);
        assert_eq!(t, f);
        let events: usize = deliveries.iter().map(|d| d.events.len()).sum();
        assert_eq!(t.events, events);
        assert!(t.bytes > t.events * 100);
    }
}
