//! The seeded traffic generator of logwrangler (docs/ARCHITECTURE.md §9): a realistic day of a Pexip
//! Infinity estate and the AWS services around it, as CloudWatch Logs delivers
//! it through subscription filters, together with its ground truth.
//!
//! Why a generator that knows its truth: the pipeline's answers (typed
//! records, partitions, DynamoDB summaries, alerts, Athena query rows) can only
//! be checked against facts that were not computed by the code under test.
//! Every event is written together with what the core must make of it (its
//! log_type, severity and the rule deciding it) and the facts it contributes
//! (call legs, conference sessions, refusals, timeouts, ...), so the truth is
//! known by construction; the tests then feed the events through the core and
//! compare.
//!
//! Determinism: all randomness comes from `fastrand` generators seeded from
//! [`DayConfig::seed`] (one per part of the day), so a seed and scale give
//! byte-identical batches. [`DayConfig::scale`] grows every volume linearly;
//! even a tenth of a day keeps at least one of every kind of event.
//!
//! Layout: [`pexip`] and [`aws`] write the sources' lines, [`cloudwatch`]
//! orders them per log stream, assigns event ids and cuts subscription
//! batches, [`truth`] holds the facts, [`util`] the time layouts and ids.
//!
//! Development tooling, not shipped: the demo, the load tests and the
//! end-to-end tests feed it to the pipeline; no Lambda or CLI depends on it.

pub mod aws;
pub mod cloudwatch;
pub mod pexip;
pub mod truth;
pub mod util;

use logwrangler::SourceConfig;
use serde::{Deserialize, Serialize};

pub use truth::{AlertTruth, CallTruth, ConferenceTruth, ConnectivityTruth, GroundTruth};

/// Pexip support and administrator log (one stream per node).
pub const PEXIP_SUPPORT_GROUP: &str = "/pexip/infinity/support";
/// auditd records forwarded by the Pexip nodes (one stream per node).
pub const PEXIP_AUDIT_GROUP: &str = "/pexip/infinity/audit";
/// The Pexip nodes' web server access log (one stream per node).
pub const PEXIP_WEB_GROUP: &str = "/pexip/infinity/web";
/// VPC flow logs (one stream per network interface).
pub const VPC_GROUP: &str = "/aws/vpc/flow-logs";
/// CloudTrail management events.
pub const CLOUDTRAIL_GROUP: &str = "/aws/cloudtrail/management";
/// Application events (JSON lines; no log_type configured, sniffed).
pub const APP_GROUP: &str = "/my-app/events";
/// ALB access log.
pub const ALB_GROUP: &str = "/aws/alb/access";
/// CloudFront standard log (the documented 33 columns, no header).
pub const CLOUDFRONT_GROUP: &str = "/aws/cloudfront/access";
/// S3 server access log (one stream per bucket).
pub const S3_GROUP: &str = "/aws/s3/access";

/// The log group of a Lambda function.
pub fn lambda_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// A log group as an operator configures it for the stack
/// (`infra-cdk/config/sources.example.json`): its name pattern and, when the
/// format cannot be sniffed reliably, its log_type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogGroupSource {
    /// Log group name (or a `*` glob).
    pub name: &'static str,
    /// The log_type configured for it; `None` leaves the type to sniffing.
    pub log_type: Option<&'static str>,
}

/// The log groups of a generated day, as the operator configures them.
pub const LOG_GROUPS: &[LogGroupSource] = &[
    LogGroupSource {
        name: PEXIP_SUPPORT_GROUP,
        log_type: Some("pexip_support"),
    },
    LogGroupSource {
        name: PEXIP_AUDIT_GROUP,
        log_type: Some("pexip_audit"),
    },
    LogGroupSource {
        name: PEXIP_WEB_GROUP,
        log_type: Some("pexip_web"),
    },
    LogGroupSource {
        name: VPC_GROUP,
        log_type: Some("vpc_flow"),
    },
    LogGroupSource {
        name: CLOUDTRAIL_GROUP,
        log_type: Some("cloudtrail"),
    },
    LogGroupSource {
        name: APP_GROUP,
        log_type: None,
    },
    LogGroupSource {
        name: ALB_GROUP,
        log_type: Some("alb"),
    },
    LogGroupSource {
        name: CLOUDFRONT_GROUP,
        log_type: Some("cloudfront"),
    },
    LogGroupSource {
        name: S3_GROUP,
        log_type: Some("s3_access"),
    },
    LogGroupSource {
        name: "/aws/lambda/*",
        log_type: Some("lambda_platform"),
    },
];

/// The source mapping (`LOGWRANGLER_SOURCES`) the stack derives from
/// [`LOG_GROUPS`]: `{"sources":[{"log_group":..,"log_type":..}]}` for the
/// groups with a log_type.
pub fn sources_json() -> String {
    let sources: Vec<serde_json::Value> = LOG_GROUPS
        .iter()
        .filter_map(|g| {
            g.log_type
                .map(|t| serde_json::json!({ "log_group": g.name, "log_type": t }))
        })
        .collect();
    serde_json::json!({ "sources": sources }).to_string()
}

/// [`sources_json`] compiled by the core.
pub fn source_config() -> SourceConfig {
    // The mapping is a constant of this crate; a test parses it.
    SourceConfig::from_json(&sources_json()).expect("the generator's source mapping is valid")
}

/// What day to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Volume factor: 1.0 is a demo-sized day (tens of thousands of events).
    pub scale: f64,
    /// UTC midnight of the day, epoch ms.
    pub day_start_ms: i64,
    /// AWS account that owns the log groups (and appears in the AWS logs).
    pub account_id: String,
}

impl Default for DayConfig {
    /// Seed 42, scale 1.0, 2026-11-24T00:00:00Z, account 123456789012.
    fn default() -> Self {
        DayConfig {
            seed: 42,
            scale: 1.0,
            day_start_ms: 1_795_478_400_000,
            account_id: "123456789012".into(),
        }
    }
}

/// A generated day: the subscription deliveries and the facts behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// Every delivery, sorted by first event time.
    pub batches: Vec<LogBatch>,
    /// What the pipeline must find in them.
    pub truth: GroundTruth,
}

impl Day {
    /// Number of events over all batches.
    pub fn event_count(&self) -> usize {
        self.batches.iter().map(|b| b.events.len()).sum()
    }
}

/// One CloudWatch Logs subscription delivery: events of one log group + stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogBatch {
    /// CloudWatch Logs group.
    pub log_group: String,
    /// Log stream in the group (node name, interface id, bucket, ...).
    pub log_stream: String,
    /// Account that owns the log group.
    pub owner: String,
    /// The events, in time order.
    pub events: Vec<LogEvent>,
}

/// One CloudWatch Logs event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// 56-digit decimal event id, unique over the day.
    pub id: String,
    /// CloudWatch event time, epoch ms.
    pub timestamp: i64,
    /// The log line or JSON message.
    pub message: String,
}

/// Generates the day `config` describes.
pub fn generate(config: &DayConfig) -> Day {
    let scale = if config.scale.is_finite() {
        config.scale.max(0.0)
    } else {
        0.0
    };
    let mut sink = cloudwatch::Sink::default();
    let mut truth = GroundTruth {
        day_start_ms: config.day_start_ms,
        ..GroundTruth::default()
    };
    pexip::generate(
        config.seed,
        scale,
        config.day_start_ms,
        &mut sink,
        &mut truth,
    );
    aws::generate(
        config.seed,
        scale,
        config.day_start_ms,
        &config.account_id,
        &mut sink,
        &mut truth,
    );
    let batches = sink.finish(&config.account_id, &mut truth);
    Day { batches, truth }
}
