//! The ground truth of a generated day: facts the generator knows because it
//! made them up, from which a test computes what every query, summary and
//! alert must show. Nothing here is computed by the core: the tests compare
//! the core's answers against these facts.
//!
//! Maps keyed by tuples serialise as arrays of `[key, value]` pairs (JSON
//! object keys must be strings).

use std::collections::BTreeMap;

use logwrangler::Severity;
use serde::{Serialize, Serializer};

/// Everything a test needs to know about a generated day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroundTruth {
    /// Start of the day (UTC midnight), epoch ms.
    pub day_start_ms: i64,
    /// Number of events over all batches.
    pub total_events: usize,
    /// Events per log_type, as the core must classify them (`unparsed` never appears).
    pub events_by_log_type: BTreeMap<String, usize>,
    /// Events per log group and log_type (a Lambda group holds platform and app lines).
    pub events_by_group: BTreeMap<String, BTreeMap<String, usize>>,
    /// Every Pexip call leg, backplane legs included, in join order.
    pub calls: Vec<CallTruth>,
    /// Every conference session, in start order.
    pub conferences: Vec<ConferenceTruth>,
    /// ALB 5xx answers by target IP (`(no target)` when the load balancer had
    /// none): (total, from the target, from the load balancer).
    pub alb_5xx: BTreeMap<String, (usize, usize, usize)>,
    /// Rejected VPC flow records by (srcaddr, dstport, protocol).
    #[serde(serialize_with = "entries")]
    pub vpc_rejects: BTreeMap<(String, u16, u8), usize>,
    /// Packets of the rejected flow records, same keys as `vpc_rejects`.
    #[serde(serialize_with = "entries")]
    pub vpc_reject_packets: BTreeMap<(String, u16, u8), u64>,
    /// CloudTrail calls refused (AccessDenied / UnauthorizedOperation) by
    /// (principal, event_source, event_name); the principal is the identity's
    /// ARN, else its type.
    #[serde(serialize_with = "entries")]
    pub cloudtrail_denied: BTreeMap<(String, String, String), usize>,
    /// Root-account console logins.
    pub root_console_logins: usize,
    /// Lambda invocations that timed out, by log group. Each writes one `Task
    /// timed out` line (event and status `timeout`); its REPORT line carries no
    /// status, so this is also the number of `timeout` events.
    pub lambda_timeouts: BTreeMap<String, usize>,
    /// The timeout (ms) the `Task timed out` lines of each group state.
    pub lambda_timeout_ms: BTreeMap<String, f64>,
    /// Lambda invocations that crashed (`Error Type: Runtime.ExitError`), by log group.
    pub lambda_crashes: BTreeMap<String, usize>,
    /// S3 server access log entries by (bucket, requester); `(anonymous)` for `-`.
    #[serde(serialize_with = "entries")]
    pub s3_requests: BTreeMap<(String, String), usize>,
    /// Bytes sent (`-` counted as 0), same keys as `s3_requests`.
    #[serde(serialize_with = "entries")]
    pub s3_bytes_sent: BTreeMap<(String, String), u64>,
    /// Node connectivity losses (each later re-established).
    pub connectivity_incidents: usize,
    /// The connectivity losses and their recovery.
    pub connectivity: Vec<ConnectivityTruth>,
    /// Administrator alarms raised, by alarm name.
    pub alarms_raised: BTreeMap<String, usize>,
    /// People's legs that joined, by UTC hour of the day (backplane excluded).
    pub joined_per_hour: BTreeMap<u32, usize>,
    /// People's legs that left, by UTC hour of the day (backplane excluded).
    pub left_per_hour: BTreeMap<u32, usize>,
    /// People's legs that joined, by protocol (backplane excluded; a WebRTC
    /// user's API leg counts as `API`).
    pub protocol_mix: BTreeMap<String, usize>,
    /// Every event that must be rated warning or worse, in batch order.
    pub alerts: Vec<AlertTruth>,
}

/// One Pexip call leg.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallTruth {
    /// Conference (service) name.
    pub conference: String,
    /// `Conference-ID` of the session, as the join and leave lines carry it.
    pub conference_id: Option<String>,
    /// `Call-id` (the SIP Call-ID, or Pexip's id of the leg).
    pub call_id: String,
    /// `Participant-id`: the leg's identity in the summaries.
    pub participant_id: String,
    /// Shared by a WebRTC user's API and media legs.
    pub conversation_id: Option<String>,
    /// `Participant` alias.
    pub alias: String,
    /// `SIP`, `H323`, `WebRTC`, `API`, `MSSIP`, `TEAMS`, `RTMP` or `BACKPLANE`.
    pub protocol: String,
    pub is_backplane: bool,
    /// The node that logged the leg (its signalling node).
    pub node: String,
    /// Join time (the line's originating time), epoch ms.
    pub joined_ms: i64,
    /// Leave time, epoch ms.
    pub left_ms: i64,
    /// `Duration` of the disconnect line, seconds (written with 3 decimals).
    pub duration_s: f64,
    /// `Detail` of the disconnect line.
    pub disconnect_reason: String,
    /// Whether the severity rules rate the disconnect warning or worse.
    pub abnormal: bool,
    /// Worst quality reported (`unknown`, `good`, `okay`, `bad`, `terrible`),
    /// `None` when no quality change was logged for the call.
    pub worst_quality: Option<String>,
    /// Quality changes to bad (3) or terrible (4).
    pub quality_drops: usize,
    /// Time of the first change to bad or worse, epoch ms.
    pub first_bad_ms: Option<i64>,
}

/// One conference session, as the summariser must see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConferenceTruth {
    /// Conference (service) name.
    pub conference: String,
    /// `Conference-ID` (the session id).
    pub conference_id: String,
    /// First join of any leg, epoch ms.
    pub start_ms: i64,
    /// Last leave of any leg, epoch ms.
    pub end_ms: i64,
    /// Distinct people (conversations), backplane legs excluded.
    pub people: u64,
    /// Most people connected at once.
    pub max_concurrent: u64,
    /// Legs, backplane included.
    pub legs: u64,
    /// Legs whose disconnect is rated abnormal.
    pub abnormal_disconnects: u64,
}

/// A node connectivity loss and its recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectivityTruth {
    /// The node that logged both lines (the management node).
    pub reported_by: String,
    /// `Node`: the node that was lost (IP address).
    pub affected_node: String,
    /// `Src-Node`: the node that lost it (IP address).
    pub source_node: String,
    /// Time of `Connectivity lost to node.`, epoch ms.
    pub lost_ms: i64,
    /// Time of `Connectivity re-established.`, epoch ms.
    pub restored_ms: i64,
}

/// An event the core must rate warning or worse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertTruth {
    /// CloudWatch event id of the event.
    pub event_id: String,
    pub log_group: String,
    pub log_stream: String,
    /// The log_type the core gives the event.
    pub log_type: String,
    /// CloudWatch event time, epoch ms.
    pub timestamp: i64,
    pub severity: Severity,
    /// The default rule that decides the severity; `None` when the event's own
    /// level does (a Pexip `WARNING`, an app `error`).
    pub rule: Option<String>,
    /// Whether subscription filter #2 hands the event to the alerting Lambda.
    pub subscribed: bool,
}

/// Serialises a map as an array of `[key, value]` pairs.
fn entries<K: Serialize, V: Serialize, S: Serializer>(
    map: &BTreeMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(map.iter())
}

/// Adds one to a counter.
pub(crate) fn bump<K: Ord>(map: &mut BTreeMap<K, usize>, key: K) {
    *map.entry(key).or_default() += 1;
}
