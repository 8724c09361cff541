//! A Firehose simulator for logwrangler (docs/ARCHITECTURE.md §9). No local tool emulates Firehose's
//! Lambda processing and dynamic partitioning, so this does, as the AWS
//! documentation describes Firehose:
//!
//! - records arrive by [`Simulator::put`] (as a subscription filter delivers
//!   them) or through the `PutRecordBatch`/`PutRecord` API it serves on
//!   127.0.0.1 ([`Simulator::endpoint_url`]), each with a record id and an
//!   approximate arrival time from the simulation clock;
//! - the processor buffer flushes by size hint or interval hint
//!   ([`buffer`]); each batch is one invocation of a [`Processor`], retried
//!   `NumberOfRetries` times when the invocation fails;
//! - every response is checked strictly ([`contract`]), with the error code
//!   Firehose would log for each violation;
//! - `Ok` records are written to the lake under the prefix evaluated from
//!   `S3_PREFIX_TEMPLATE` with their partition keys, failed records under
//!   `S3_ERROR_PREFIX_TEMPLATE` as Firehose's error JSON lines ([`lake`]);
//! - faults can be injected: throttled calls, failed entries, processor
//!   errors and timeouts ([`faults`]).
//!
//! Re-ingest loops back for real: the transform puts records into the
//! simulator's API during an invocation, they join the buffer, and
//! [`Simulator::drain`] runs until the buffer is empty and nothing is in
//! flight. The simulation clock never sleeps: waiting for a buffer interval
//! moves it forward instead, so a drain takes as long as the processing.
//!
//! Development tooling, not shipped: the demo, the load tests and the
//! end-to-end tests run the transform through it instead of a deployed
//! delivery stream.

pub mod buffer;
pub mod contract;
pub mod faults;
pub mod invoke;
pub mod server;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::partition::{S3_ERROR_PREFIX_TEMPLATE, S3_PREFIX_TEMPLATE};
use logwrangler_files::lake;
use serde::Serialize;

pub use buffer::Pending;
pub use contract::Violation;
pub use faults::{Faults, Schedule};
pub use invoke::{InProcess, InvokeError, LambdaHttp, Processor, firehose_client};
pub use logwrangler_files::lake::LakeDir;

use buffer::{Buffer, Hints};
use contract::{Checked, Outcome};
use faults::{FaultState, ProcessorFault};
use lake::ErrorRecord;
use server::{FirehoseServer, Ingest};

/// Error output type of records the processor failed.
pub const PROCESSING_FAILED: &str = "processing-failed";
/// Error output type of records whose partition keys could not be used.
pub const PARTITIONING_FAILED: &str = "partitioning-failed";

/// Partition keys by name, as `metadata.partitionKeys` carries them.
type PartitionKeys = BTreeMap<String, String>;

/// How the simulation clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// From the system time, at real speed (plus any time skipped while
    /// waiting for buffer intervals).
    Wall,
    /// From `start_ms`, moved only by the simulator: deterministic runs.
    Manual {
        /// Epoch milliseconds at start.
        start_ms: i64,
    },
}

/// The delivery stream being simulated; the defaults are the CDK stack's.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Delivery stream name (`PutRecordBatch` to other names is refused).
    pub stream_name: String,
    /// AWS region in ARNs and requests.
    pub region: String,
    /// Account id in ARNs.
    pub account_id: String,
    /// Processor function name (its ARN goes into error records).
    pub function_name: String,
    /// Processor buffer size hint in record bytes (`BufferSizeInMBs`, 0.5 MB in the stack).
    pub buffer_size_bytes: usize,
    /// Processor buffer interval hint (`BufferIntervalInSeconds`, 60 s in the stack).
    pub buffer_interval: Duration,
    /// Invocation retries after the first attempt (`NumberOfRetries`, 3 in the stack).
    pub invoke_retries: u32,
    /// How long one invocation may take (the function timeout, 120 s in the
    /// stack): an injected timeout moves the clock by this much. Give the
    /// same value to [`LambdaHttp::new`], which enforces it for real.
    pub invoke_timeout: Duration,
    /// Where objects are written.
    pub lake: LakeDir,
    /// Injected failures.
    pub faults: Faults,
    /// The simulation clock.
    pub clock: ClockMode,
    /// Seed for record ids, invocation ids and object names.
    pub seed: u64,
}

impl SimConfig {
    /// The stack's settings for `stream_name`, writing into `lake`.
    pub fn new(stream_name: &str, lake: LakeDir) -> SimConfig {
        SimConfig {
            stream_name: stream_name.into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            function_name: "logwrangler-transform".into(),
            buffer_size_bytes: 512 * 1024,
            buffer_interval: Duration::from_secs(60),
            invoke_retries: 3,
            invoke_timeout: Duration::from_secs(120),
            lake,
            faults: Faults::default(),
            clock: ClockMode::Wall,
            seed: 0x4c57,
        }
    }

    /// `arn:aws:firehose:<region>:<account>:deliverystream/<name>`.
    pub fn stream_arn(&self) -> String {
        format!(
            "arn:aws:firehose:{}:{}:deliverystream/{}",
            self.region, self.account_id, self.stream_name
        )
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub fn lambda_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.function_name
        )
    }

    fn hints(&self) -> Hints {
        Hints {
            size_bytes: self.buffer_size_bytes,
            interval_ms: self
                .buffer_interval
                .as_millis()
                .try_into()
                .unwrap_or(i64::MAX),
        }
    }
}

/// What the objects of one log_type add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LakeStats {
    /// Objects written.
    pub objects: usize,
    /// `Ok` records in them.
    pub records: usize,
    /// Lines in them: the typed records (events) the lake holds.
    pub lines: usize,
    /// Bytes before compression.
    pub bytes: usize,
    /// Bytes written (GZIP).
    pub compressed_bytes: usize,
}

/// Answers by result, as the processor gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Answers {
    pub ok: usize,
    pub dropped: usize,
    pub processing_failed: usize,
}

/// A contract violation and the invocation attempt it happened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractViolation {
    pub invocation_id: String,
    pub attempt: u32,
    #[serde(flatten)]
    pub violation: Violation,
}

/// Everything the simulator did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimReport {
    /// Records accepted, by either way in.
    pub records_in: usize,
    /// Records given to [`Simulator::put`].
    pub records_put_direct: usize,
    /// Records accepted through the API.
    pub records_put_server: usize,
    /// Of those, records put while an invocation was running (re-ingest).
    pub reingested_records: usize,
    /// Record bytes accepted.
    pub bytes_in: usize,
    /// Batches sent to the processor.
    pub invocations: usize,
    /// Invocation attempts (retries included).
    pub attempts: usize,
    /// Attempts the function answered with an error.
    pub invoke_errors: usize,
    /// Attempts that timed out.
    pub invoke_timeouts: usize,
    /// Batches that failed every attempt (their records went under the error prefix).
    pub failed_batches: usize,
    /// Answers by result.
    pub answers: Answers,
    /// Objects under the lake prefix, by log_type.
    pub lake: BTreeMap<String, LakeStats>,
    /// Records under the error prefix, by error output type.
    pub error_records: BTreeMap<String, usize>,
    /// Objects under the error prefix.
    pub error_objects: usize,
    /// API calls (valid or not).
    pub put_calls: usize,
    /// Calls refused as throttled.
    pub throttled_calls: usize,
    /// Entries failed in accepted calls.
    pub failed_entries: usize,
    /// Calls refused as invalid (limits, unknown stream, bad JSON).
    pub rejected_calls: usize,
    /// Every contract violation seen.
    pub contract_violations: Vec<ContractViolation>,
}

/// The simulation clock.
#[derive(Debug)]
struct Clock {
    mode: ClockMode,
    base_ms: i64,
    started: Instant,
    skipped_ms: AtomicI64,
}

impl Clock {
    fn new(mode: ClockMode) -> Clock {
        let base_ms = match mode {
            ClockMode::Manual { start_ms } => start_ms,
            ClockMode::Wall => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
        };
        Clock {
            mode,
            base_ms,
            started: Instant::now(),
            skipped_ms: AtomicI64::new(0),
        }
    }

    fn now(&self) -> i64 {
        let running = match self.mode {
            ClockMode::Wall => self.started.elapsed().as_millis() as i64,
            ClockMode::Manual { .. } => 0,
        };
        self.base_ms + running + self.skipped_ms.load(Ordering::SeqCst)
    }

    fn advance_to(&self, t: i64) {
        let behind = t - self.now();
        if behind > 0 {
            self.skipped_ms.fetch_add(behind, Ordering::SeqCst);
        }
    }

    fn advance_by(&self, d: Duration) {
        let ms = d.as_millis().try_into().unwrap_or(i64::MAX / 4);
        self.skipped_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

struct State {
    buffer: Buffer,
    report: SimReport,
    faults: FaultState,
    rng: fastrand::Rng,
    next_record: u64,
}

/// The part of the simulator the API server shares.
struct Shared {
    config: SimConfig,
    clock: Clock,
    invoking: AtomicBool,
    stream_digits: u64,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not hide what was counted so far.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Buffers one record; returns its id.
    fn enqueue(&self, state: &mut State, data: Vec<u8>) -> String {
        state.next_record += 1;
        // Firehose record ids are long digit strings.
        let record_id = format!("4962{:020}{:032}", self.stream_digits, state.next_record);
        state.report.records_in += 1;
        state.report.bytes_in += data.len();
        state.buffer.push(Pending {
            record_id: record_id.clone(),
            arrival_ms: self.clock.now(),
            data,
        });
        record_id
    }
}

impl Ingest for Shared {
    fn stream_name(&self) -> &str {
        &self.config.stream_name
    }

    fn stream_arn(&self) -> String {
        self.config.stream_arn()
    }

    fn throttled(&self) -> bool {
        let mut state = self.state();
        state.report.put_calls += 1;
        let hit = state.faults.throttle_call();
        if hit {
            state.report.throttled_calls += 1;
        }
        hit
    }

    fn accept(&self, records: Vec<Vec<u8>>, partial: bool) -> Vec<Option<String>> {
        let invoking = self.invoking.load(Ordering::SeqCst);
        let mut state = self.state();
        records
            .into_iter()
            .map(|data| {
                if partial && state.faults.fail_entry() {
                    state.report.failed_entries += 1;
                    return None;
                }
                state.report.records_put_server += 1;
                if invoking {
                    state.report.reingested_records += 1;
                }
                Some(self.enqueue(&mut state, data))
            })
            .collect()
    }

    fn rejected(&self) {
        let mut state = self.state();
        state.report.put_calls += 1;
        state.report.rejected_calls += 1;
    }
}

/// A delivery stream with its processor buffer, its API server and its lake.
pub struct Simulator {
    shared: Arc<Shared>,
    server: FirehoseServer,
    required_keys: Vec<String>,
}

impl Simulator {
    /// Starts the simulator and its API server on 127.0.0.1.
    pub fn start(config: SimConfig) -> Result<Simulator> {
        let stream_digits = config
            .stream_name
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        let state = State {
            buffer: Buffer::default(),
            report: SimReport::default(),
            faults: FaultState::new(config.faults.clone()),
            rng: fastrand::Rng::with_seed(config.seed),
            next_record: 0,
        };
        let shared = Arc::new(Shared {
            clock: Clock::new(config.clock),
            config,
            invoking: AtomicBool::new(false),
            stream_digits,
            state: Mutex::new(state),
        });
        let server = FirehoseServer::start(Arc::clone(&shared) as Arc<dyn Ingest>)?;
        Ok(Simulator {
            shared,
            server,
            required_keys: contract::required_partition_keys(S3_PREFIX_TEMPLATE),
        })
    }

    /// The endpoint URL of the simulated Firehose API (for `AWS_ENDPOINT_URL`).
    pub fn endpoint_url(&self) -> &str {
        self.server.url()
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// The simulation time, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now()
    }

    /// Moves the simulation clock forward (buffers whose interval passes
    /// become due for [`Simulator::run`]).
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance_by(by);
    }

    /// Accepts one record as a subscription filter or a producer delivers
    /// it; returns its record id. Records over 1,000 KiB are refused, as
    /// Firehose refuses them.
    pub fn put(&self, data: Vec<u8>) -> Result<String> {
        if data.len() > server::MAX_RECORD_BYTES {
            bail!(
                "a record of {} bytes is over Firehose's limit of {} bytes",
                data.len(),
                server::MAX_RECORD_BYTES
            );
        }
        let mut state = self.shared.state();
        state.report.records_put_direct += 1;
        Ok(self.shared.enqueue(&mut state, data))
    }

    /// Records waiting in the processor buffer.
    pub fn buffered(&self) -> usize {
        self.shared.state().buffer.len()
    }

    /// The report so far.
    pub fn report(&self) -> SimReport {
        self.shared.state().report.clone()
    }

    /// Processes the batches that are due now (size hint reached or interval
    /// passed on the simulation clock); returns how many it invoked.
    pub fn run(&self, processor: &dyn Processor) -> Result<usize> {
        let hints = self.shared.config.hints();
        let mut invoked = 0;
        loop {
            let now = self.shared.clock.now();
            let Some(batch) = self.shared.state().buffer.take_due(now, &hints) else {
                return Ok(invoked);
            };
            self.invoke_batch(batch, processor)?;
            invoked += 1;
        }
    }

    /// Processes everything: each batch when it falls due (the clock moves
    /// to its interval deadline instead of waiting), until the buffer is
    /// empty, no invocation runs and the API server has nothing pending.
    pub fn drain(&self, processor: &dyn Processor) -> Result<SimReport> {
        let hints = self.shared.config.hints();
        loop {
            let batch = {
                let mut state = self.shared.state();
                match state.buffer.due_at(&hints) {
                    Some(due) => {
                        self.shared.clock.advance_to(due);
                        Some(state.buffer.take_batch(&hints))
                    }
                    None => None,
                }
            };
            match batch {
                Some(batch) => self.invoke_batch(batch, processor)?,
                None if self.server.busy() == 0 => return Ok(self.report()),
                None => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    /// One invocation with its retries, then delivery.
    fn invoke_batch(&self, batch: Vec<Pending>, processor: &dyn Processor) -> Result<()> {
        let config = &self.shared.config;
        let invocation_id = {
            let mut state = self.shared.state();
            state.report.invocations += 1;
            lake::random_suffix(&mut state.rng)
        };
        let request =
            invoke::request_json(&invocation_id, &config.stream_arn(), &config.region, &batch);
        let ids: Vec<&str> = batch.iter().map(|r| r.record_id.as_str()).collect();
        let attempts = config.invoke_retries.saturating_add(1);
        let mut failure = (String::new(), String::new());
        for attempt in 1..=attempts {
            let fault = {
                let mut state = self.shared.state();
                state.report.attempts += 1;
                state.faults.processor_attempt(attempt)
            };
            let result = match fault {
                Some(ProcessorFault::Timeout) => {
                    self.shared.clock.advance_by(config.invoke_timeout);
                    Err(InvokeError::Timeout(config.invoke_timeout))
                }
                Some(ProcessorFault::TimeoutAfterRun) => {
                    self.shared.invoking.store(true, Ordering::SeqCst);
                    // The answer is thrown away: only the side effects remain.
                    let _late = processor.invoke(&request);
                    self.shared.invoking.store(false, Ordering::SeqCst);
                    self.shared.clock.advance_by(config.invoke_timeout);
                    Err(InvokeError::Timeout(config.invoke_timeout))
                }
                Some(ProcessorFault::FunctionError) => Err(InvokeError::Function {
                    error_type: "InjectedFault".into(),
                    message: format!("injected processor error on attempt {attempt}"),
                }),
                None => {
                    self.shared.invoking.store(true, Ordering::SeqCst);
                    let result = processor.invoke(&request);
                    self.shared.invoking.store(false, Ordering::SeqCst);
                    result
                }
            };
            let response = match result {
                Ok(response) => response,
                Err(error) => {
                    let mut state = self.shared.state();
                    match error {
                        InvokeError::Timeout(_) => state.report.invoke_timeouts += 1,
                        _ => state.report.invoke_errors += 1,
                    }
                    failure = (error.code().to_owned(), error.message());
                    continue;
                }
            };
            match contract::check_response(&ids, &response, &self.required_keys) {
                Ok(checked) => return self.deliver(&batch, checked, &invocation_id, attempt),
                Err(violation) => {
                    failure = (violation.code.to_owned(), violation.message.clone());
                    self.shared
                        .state()
                        .report
                        .contract_violations
                        .push(ContractViolation {
                            invocation_id: invocation_id.clone(),
                            attempt,
                            violation,
                        });
                }
            }
        }
        let ending = self.shared.clock.now();
        let errors = batch
            .iter()
            .map(|r| self.error_record(r, &r.data, attempts, &failure.0, &failure.1, ending))
            .collect();
        self.shared.state().report.failed_batches += 1;
        self.write_errors(BTreeMap::from([(PROCESSING_FAILED, errors)]))
    }

    fn error_record(
        &self,
        record: &Pending,
        data: &[u8],
        attempts: u32,
        code: &str,
        message: &str,
        ending: i64,
    ) -> ErrorRecord {
        ErrorRecord {
            attempts_made: attempts,
            arrival_timestamp: record.arrival_ms,
            error_code: code.to_owned(),
            error_message: message.to_owned(),
            attempt_ending_timestamp: ending,
            raw_data: BASE64.encode(data),
            lambda_arn: self.shared.config.lambda_arn(),
        }
    }

    /// Writes the outcome of an accepted response.
    fn deliver(
        &self,
        batch: &[Pending],
        checked: Checked,
        invocation_id: &str,
        attempt: u32,
    ) -> Result<()> {
        let ending = self.shared.clock.now();
        let mut groups: BTreeMap<PartitionKeys, Vec<(&Pending, Vec<u8>)>> = BTreeMap::new();
        let mut errors: BTreeMap<&'static str, Vec<ErrorRecord>> = BTreeMap::new();
        let mut answers = Answers::default();
        for (record, outcome) in batch.iter().zip(checked.outcomes) {
            match outcome {
                Outcome::Ok {
                    data,
                    partition_keys,
                } => {
                    answers.ok += 1;
                    groups
                        .entry(partition_keys)
                        .or_default()
                        .push((record, data));
                }
                Outcome::Dropped => answers.dropped += 1,
                Outcome::ProcessingFailed => {
                    answers.processing_failed += 1;
                    errors
                        .entry(PROCESSING_FAILED)
                        .or_default()
                        .push(self.error_record(
                            record,
                            &record.data,
                            attempt,
                            contract::PROCESSING_FAILED_STATUS,
                            "ProcessingFailed status set for record",
                            ending,
                        ));
                }
                Outcome::MissingPartitionKeys { data, missing } => {
                    answers.ok += 1;
                    errors
                        .entry(PARTITIONING_FAILED)
                        .or_default()
                        .push(self.error_record(
                            record,
                            &data,
                            attempt,
                            contract::METADATA_EXTRACTION_FAILED,
                            &format!("partition keys missing: {}", missing.join(", ")),
                            ending,
                        ));
                }
            }
        }
        {
            let mut state = self.shared.state();
            state.report.answers.ok += answers.ok;
            state.report.answers.dropped += answers.dropped;
            state.report.answers.processing_failed += answers.processing_failed;
            state
                .report
                .contract_violations
                .extend(
                    checked
                        .violations
                        .into_iter()
                        .map(|violation| ContractViolation {
                            invocation_id: invocation_id.to_owned(),
                            attempt,
                            violation,
                        }),
                );
        }
        let config = &self.shared.config;
        for (keys, records) in groups {
            let oldest = records
                .iter()
                .map(|(r, _)| r.arrival_ms)
                .min()
                .unwrap_or(ending);
            let prefix = match lake::evaluate_prefix(S3_PREFIX_TEMPLATE, &keys, None, oldest) {
                Ok(prefix) => prefix,
                Err(reason) => {
                    let failed = errors.entry(PARTITIONING_FAILED).or_default();
                    for (record, data) in &records {
                        failed.push(self.error_record(
                            record,
                            data,
                            attempt,
                            contract::METADATA_EXTRACTION_FAILED,
                            &reason,
                            ending,
                        ));
                    }
                    continue;
                }
            };
            let data: Vec<u8> = records
                .iter()
                .flat_map(|(_, d)| d.iter().copied())
                .collect();
            let compressed = lake::gzip(&data);
            let key = format!("{prefix}{}", self.object_name(oldest));
            config.lake.write_object(&key, &compressed)?;
            let log_type = keys.get("log_type").cloned().unwrap_or(prefix);
            let mut state = self.shared.state();
            let stats = state.report.lake.entry(log_type).or_default();
            stats.objects += 1;
            stats.records += records.len();
            stats.lines += memchr::memchr_iter(b'\n', &data).count();
            stats.bytes += data.len();
            stats.compressed_bytes += compressed.len();
        }
        self.write_errors(errors)
    }

    fn object_name(&self, time_ms: i64) -> String {
        let random = lake::random_suffix(&mut self.shared.state().rng);
        lake::object_name(&self.shared.config.stream_name, 1, time_ms, &random)
    }

    /// One object per error output type, under the evaluated error prefix.
    fn write_errors(&self, errors: BTreeMap<&'static str, Vec<ErrorRecord>>) -> Result<()> {
        for (output_type, records) in errors {
            if records.is_empty() {
                continue;
            }
            let oldest = records
                .iter()
                .map(|r| r.arrival_timestamp)
                .min()
                .unwrap_or_default();
            let prefix = lake::evaluate_prefix(
                S3_ERROR_PREFIX_TEMPLATE,
                &BTreeMap::new(),
                Some(output_type),
                oldest,
            )
            .map_err(|e| anyhow::anyhow!("the error prefix template does not evaluate: {e}"))?;
            let key = format!("{prefix}{}", self.object_name(oldest));
            self.shared
                .config
                .lake
                .write_object(&key, &lake::gzip(&lake::error_lines(&records)))?;
            let mut state = self.shared.state();
            state.report.error_objects += 1;
            *state
                .report
                .error_records
                .entry(output_type.to_owned())
                .or_default() += records.len();
        }
        Ok(())
    }
}
