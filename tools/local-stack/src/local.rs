//! The whole pipeline on one machine: moto_server for DynamoDB, SNS and SQS,
//! `cargo lambda watch` running the real `transform-lambda` and
//! `alerting-lambda` binaries, and the Firehose simulator between CloudWatch
//! Logs (played by the generator or the user's files) and the lake.
//!
//! Each log batch goes the two ways a deployed estate sends it: subscription
//! filter #1 puts it into the delivery stream (the simulator, which invokes
//! the transform Lambda and writes the lake); filter #2 hands the events that
//! pass [`ALERTING_FILTER_PATTERN`](logwrangler::subscription::ALERTING_FILTER_PATTERN)
//! to the alerting Lambda, which keeps the summaries in DynamoDB and publishes
//! alerts to SNS. The simulation clock follows the traffic, so buffering
//! intervals and arrival times are those of the day being played.

use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use aws_config::SdkConfig;
use serde::Serialize;

use crate::alerting::{
    ALERTING_FILTER, AlertingResources, DeliveredAlert, LAKE_FILTER, LOCAL_ACCOUNT,
    alerting_delivery, local_sdk_config,
};
use crate::filter::AlertingFilter;
use crate::stack::{Function, Service};
use firehose_sim::{
    ClockMode, Faults, LakeDir, LambdaHttp, Processor, SimConfig, SimReport, Simulator,
};
use logwrangler_generator::LogBatch;

/// The delivery stream name of the local stack.
pub const STREAM: &str = "logwrangler";
/// The DynamoDB table name of the local stack.
pub const TABLE: &str = "logwrangler";
/// How long one invocation may take locally (the stack's function timeout).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the binaries are and what the run writes.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// The built `transform-lambda` binary.
    pub transform_binary: PathBuf,
    /// The built `alerting-lambda` binary.
    pub alerting_binary: PathBuf,
    /// Lake root (objects under `logs/` and `errors/`).
    pub lake: PathBuf,
    /// Simulation clock start (epoch ms); the clock then follows the traffic.
    pub start_ms: i64,
    /// The source mapping both Lambdas get (`LOGWRANGLER_SOURCES`).
    pub sources_json: String,
    /// Faults the simulator injects.
    pub faults: Faults,
}

/// What went to the alerting Lambda.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertingTally {
    /// Invocations (one per batch with events that pass filter #2).
    pub invocations: usize,
    /// Events delivered through filter #2.
    pub events: usize,
}

/// Progress of a run, for a live display.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub batches_done: usize,
    pub batches_total: usize,
    pub events_done: usize,
    pub invocations: usize,
}

/// The running local pipeline; every service stops when it is dropped.
pub struct LocalStack {
    pub simulator: Simulator,
    pub resources: AlertingResources,
    pub sdk: SdkConfig,
    pub runtime: tokio::runtime::Runtime,
    transform: LambdaHttp,
    pattern: AlertingFilter,
    /// Filter #2 deliveries run on their own thread, as CloudWatch Logs
    /// invokes the alerting Lambda independently of Firehose.
    alerting: Option<(SyncSender<LogBatch>, JoinHandle<Result<AlertingTally>>)>,
    tally: AlertingTally,
    // Dropped last: the functions before the APIs they talk to.
    _functions: [Function; 2],
    _apis: Service,
    _moto: Service,
}

impl LocalStack {
    /// Starts moto_server with the alerting resources, the Firehose
    /// simulator, `cargo lambda watch` and both Lambda binaries.
    pub fn start(config: &StackConfig) -> Result<LocalStack> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start a tokio runtime")?;
        let moto = Service::moto()?;
        let sdk = local_sdk_config(&moto.url());
        let resources = runtime.block_on(AlertingResources::create(&sdk, TABLE))?;

        let mut sim_config = SimConfig::new(STREAM, LakeDir::new(&config.lake));
        sim_config.account_id = LOCAL_ACCOUNT.into();
        sim_config.faults = config.faults.clone();
        sim_config.clock = ClockMode::Manual {
            start_ms: config.start_ms,
        };
        sim_config.invoke_timeout = INVOKE_TIMEOUT;
        let simulator = Simulator::start(sim_config)?;

        let apis = Service::lambda_apis()?;
        let credentials = [
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("LOGWRANGLER_SOURCES", config.sources_json.as_str()),
            ("RUST_LOG", "warn"),
        ];
        let mut transform_env = credentials.to_vec();
        transform_env.push(("AWS_ENDPOINT_URL", simulator.endpoint_url()));
        let transform_fn = Function::start(
            &apis,
            &config.transform_binary,
            "transform-lambda",
            &transform_env,
        )?;
        let moto_url = moto.url();
        let alerting_vars = resources.env();
        let mut alerting_env = credentials.to_vec();
        alerting_env.push(("AWS_ENDPOINT_URL", moto_url.as_str()));
        alerting_env.extend(alerting_vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let alerting_fn = Function::start(
            &apis,
            &config.alerting_binary,
            "alerting-lambda",
            &alerting_env,
        )?;
        let transform = LambdaHttp::new(&transform_fn.invoke_url(), INVOKE_TIMEOUT);
        let alerting = spawn_alerting_feed(alerting_fn.invoke_url());
        Ok(LocalStack {
            simulator,
            resources,
            sdk,
            runtime,
            transform,
            alerting: Some(alerting),
            pattern: AlertingFilter::Regex(crate::filter::RegexPattern::alerting()),
            tally: AlertingTally::default(),
            _functions: [transform_fn, alerting_fn],
            _apis: apis,
            _moto: moto,
        })
    }

    /// Runs filter #2 with `filter` from now on (the default is the stack's:
    /// the regex generated from the rules; `-c alertingFilter=terms` deploys
    /// the term pattern).
    pub fn set_alerting_filter(&mut self, filter: AlertingFilter) {
        self.pattern = filter;
    }

    /// Sends the batches (sorted by time) the way CloudWatch Logs would, and
    /// processes every Firehose buffer that falls due on the way.
    pub fn deliver(
        &mut self,
        batches: &[LogBatch],
        mut progress: impl FnMut(Progress),
    ) -> Result<()> {
        let mut events_done = 0;
        for (index, batch) in batches.iter().enumerate() {
            if let Some(last) = batch.events.last() {
                let ahead = last.timestamp - self.simulator.now_ms();
                if ahead > 0 {
                    self.simulator.advance(Duration::from_millis(ahead as u64));
                }
            }
            self.simulator.put(batch.firehose_record(LAKE_FILTER))?;
            if let Some(alerts) = alerting_delivery(batch, &self.pattern) {
                let sent = self
                    .alerting
                    .as_ref()
                    .is_some_and(|(feed, _)| feed.send(alerts).is_ok());
                if !sent {
                    return self
                        .stop_alerting()
                        .and_then(|()| bail!("the alerting feed stopped early"));
                }
            }
            self.simulator.run(&self.transform as &dyn Processor)?;
            events_done += batch.events.len();
            progress(Progress {
                batches_done: index + 1,
                batches_total: batches.len(),
                events_done,
                invocations: self.simulator.report().invocations,
            });
        }
        Ok(())
    }

    /// Processes what is still buffered (re-ingested records included) and
    /// waits for the alerting Lambda to take every delivery.
    pub fn finish(&mut self) -> Result<SimReport> {
        let report = self.simulator.drain(&self.transform as &dyn Processor)?;
        self.stop_alerting()?;
        Ok(report)
    }

    fn stop_alerting(&mut self) -> Result<()> {
        if let Some((feed, worker)) = self.alerting.take() {
            drop(feed);
            let tally = worker
                .join()
                .map_err(|_| anyhow::anyhow!("the alerting feed panicked"))??;
            self.tally = tally;
        }
        Ok(())
    }

    /// What went to the alerting Lambda so far.
    pub fn alerting_tally(&self) -> &AlertingTally {
        &self.tally
    }

    /// Every alert published so far (read from the SQS subscriptions).
    pub fn drain_alerts(&self) -> Result<Vec<DeliveredAlert>> {
        self.runtime.block_on(self.resources.drain())
    }

    /// The store the alerting Lambda writes, for lookups.
    pub fn store(&self) -> alerting_lambda::store::DynamoStore {
        let client = aws_sdk_dynamodb::Client::new(&self.sdk);
        alerting_lambda::store::DynamoStore::new(client, &self.resources.table, 90)
    }

    /// The lake root.
    pub fn lake(&self) -> &Path {
        self.simulator.config().lake.root()
    }
}

/// A thread that hands each filter #2 delivery to the alerting Lambda, in
/// order, and counts what it delivered.
fn spawn_alerting_feed(url: String) -> (SyncSender<LogBatch>, JoinHandle<Result<AlertingTally>>) {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<LogBatch>(256);
    let worker = std::thread::spawn(move || {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(INVOKE_TIMEOUT))
            .build()
            .into();
        let mut tally = AlertingTally::default();
        for batch in receiver {
            invoke_alerting(&http, &url, &batch)?;
            tally.invocations += 1;
            tally.events += batch.events.len();
        }
        Ok(tally)
    });
    (sender, worker)
}

fn invoke_alerting(http: &ureq::Agent, url: &str, batch: &LogBatch) -> Result<()> {
    let event = batch.awslogs_event(ALERTING_FILTER);
    let response = http
        .post(url)
        .header("Content-Type", "application/json")
        .send(event.to_string().as_bytes())
        .context("invoking the alerting Lambda")?;
    let status = response.status().as_u16();
    let function_error = response.headers().get("X-Amz-Function-Error").is_some();
    let body = response
        .into_body()
        .read_to_string()
        .context("reading the alerting Lambda's answer")?;
    if status != 200 || function_error || body.contains("\"errorType\"") {
        bail!(
            "the alerting Lambda failed on {} events of {} / {}: {body:.500}",
            batch.events.len(),
            batch.log_group,
            batch.log_stream
        );
    }
    Ok(())
}
