//! The generated day against the core: every event parses to the log_type the
//! ground truth names, envelopes decode with the core's decoder, the
//! summariser finds the conferences the truth describes, the severity rules
//! rate exactly the events the truth lists as alerts, and the facts the named
//! queries count agree with the parsed records.

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use logwrangler::gzip::gunzip_capped;
use logwrangler::subscription::RegexPattern;
use logwrangler::summary::{LegFacts, LegUpdate, QUALITY_NAMES, leg_update, summarise};
use logwrangler::{EventContext, LineParser, LogType, Rules, Severity};
use logwrangler_aws::envelope::{Payload, classify};
use logwrangler_generator::cloudwatch::{BATCH_WINDOW_MS, MAX_BATCH_EVENTS};
use logwrangler_generator::util::hour_of_day;
use logwrangler_generator::{
    AlertTruth, CallTruth, Day, DayConfig, LogBatch, PEXIP_SUPPORT_GROUP, generate, source_config,
};
use serde_json::Value;

const FILTER: &str = "logwrangler-lake";

fn day(scale: f64) -> &'static Day {
    static SMALL: OnceLock<Day> = OnceLock::new();
    static FULL: OnceLock<Day> = OnceLock::new();
    let cell = if scale < 0.5 { &SMALL } else { &FULL };
    cell.get_or_init(|| {
        generate(&DayConfig {
            scale,
            ..DayConfig::default()
        })
    })
}

fn small() -> &'static Day {
    day(0.1)
}

fn full() -> &'static Day {
    day(1.0)
}

/// One parsed event: the record as JSON, its classification and where it came from.
struct Parsed<'d> {
    batch: &'d LogBatch,
    index: usize,
    value: Value,
    severity: Severity,
    rule: Option<String>,
    leg: Option<LegUpdate>,
}

/// Parses every event of `day` as the transform Lambda would (one parser per
/// delivery, the operator's source mapping, the default rules).
fn parse(day: &Day) -> Vec<Parsed<'_>> {
    let sources = Arc::new(source_config());
    let rules = Arc::new(Rules::default());
    let mut out = Vec::with_capacity(day.event_count());
    for batch in &day.batches {
        let mut parser = LineParser::new(sources.clone(), rules.clone());
        for (index, event) in batch.events.iter().enumerate() {
            let ctx = EventContext {
                log_group: Some(&batch.log_group),
                log_stream: Some(&batch.log_stream),
                account_id: Some(&batch.owner),
                event_id: Some(&event.id),
                received_ms: Some(event.timestamp),
                source: &batch.log_stream,
                position: index as u64,
                ..EventContext::default()
            };
            let record = parser
                .parse_line(&event.message, &ctx)
                .into_record()
                .unwrap_or_else(|| panic!("a header line was generated: {}", event.message));
            assert_ne!(
                record.log_type(),
                LogType::Unparsed,
                "{}: {}\n{}",
                batch.log_group,
                event.message,
                record.to_json()
            );
            assert!(!record.envelope.timestamp_suspect, "{}", event.message);
            let classification = rules.classify(&record);
            assert_eq!(classification.severity, record.envelope.severity);
            let value: Value = serde_json::from_str(&record.to_json()).expect("records are JSON");
            assert!(value.is_object());
            out.push(Parsed {
                batch,
                index,
                leg: leg_update(&record, record.envelope.severity),
                value,
                severity: classification.severity,
                rule: classification.rule.map(str::to_string),
            });
        }
    }
    out
}

fn parsed(scale: f64) -> &'static [Parsed<'static>] {
    static SMALL: OnceLock<Vec<Parsed<'static>>> = OnceLock::new();
    static FULL: OnceLock<Vec<Parsed<'static>>> = OnceLock::new();
    let cell = if scale < 0.5 { &SMALL } else { &FULL };
    cell.get_or_init(|| parse(day(scale)))
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn int(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let config = DayConfig {
        scale: 0.1,
        ..DayConfig::default()
    };
    let again = generate(&config);
    assert_eq!(&again, small());
    assert_eq!(
        again.batches[0].firehose_record(FILTER),
        small().batches[0].firehose_record(FILTER)
    );
    let other = generate(&DayConfig { seed: 43, ..config });
    assert_ne!(other.batches, small().batches);
    assert_ne!(other.truth.calls, small().truth.calls);
}

#[test]
fn a_full_day_is_demo_sized_pexip_first_and_grows_linearly() {
    let full = full();
    let total = full.event_count();
    assert_eq!(total, full.truth.total_events);
    assert!((30_000..=60_000).contains(&total), "{total} events");
    let pexip: usize = full
        .truth
        .events_by_log_type
        .iter()
        .filter(|(t, _)| t.starts_with("pexip_"))
        .map(|(_, n)| n)
        .sum();
    assert!(pexip * 2 > total, "pexip {pexip} of {total}");
    let ratio = total as f64 / small().event_count() as f64;
    assert!((8.0..12.0).contains(&ratio), "1.0 / 0.1 = {ratio}");
}

#[test]
fn every_event_parses_to_the_type_the_truth_names() {
    let day = full();
    let mut by_group: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for p in parsed(1.0) {
        let log_type = text(&p.value, "log_type").unwrap().to_string();
        *by_type.entry(log_type.clone()).or_default() += 1;
        *by_group
            .entry(p.batch.log_group.clone())
            .or_default()
            .entry(log_type)
            .or_default() += 1;
        let event = &p.batch.events[p.index];
        assert_eq!(text(&p.value, "event_id"), Some(event.id.as_str()));
        let time = logwrangler::time::parse_iso8601(text(&p.value, "timestamp").unwrap()).unwrap();
        assert!(
            (day.truth.day_start_ms..day.truth.day_start_ms + 86_400_000).contains(&time),
            "{}",
            event.message
        );
    }
    assert_eq!(by_type, day.truth.events_by_log_type);
    assert_eq!(by_group, day.truth.events_by_group);
    assert!(!by_type.contains_key("unparsed"));
}

#[test]
fn envelopes_round_trip_through_the_core_and_batches_keep_the_limits() {
    let day = small();
    let mut ids = std::collections::HashSet::new();
    let mut last_in_stream: HashMap<(&str, &str), i64> = HashMap::new();
    let mut previous_first = i64::MIN;
    for batch in &day.batches {
        assert!(!batch.events.is_empty());
        assert!(batch.events.len() <= MAX_BATCH_EVENTS);
        let first = batch.events[0].timestamp;
        assert!(first >= previous_first, "batches sorted by first event");
        previous_first = first;
        let last = batch.events[batch.events.len() - 1].timestamp;
        assert!(last - first < BATCH_WINDOW_MS);
        let stream = (batch.log_group.as_str(), batch.log_stream.as_str());
        let before = last_in_stream.insert(stream, last).unwrap_or(i64::MIN);
        assert!(before <= first, "a stream's batches follow each other");
        assert!(
            batch
                .events
                .windows(2)
                .all(|w| w[0].timestamp <= w[1].timestamp)
        );
        for event in &batch.events {
            assert_eq!(event.id.len(), 56);
            assert!(event.id.bytes().all(|b| b.is_ascii_digit()));
            assert!(ids.insert(event.id.clone()), "duplicate id {}", event.id);
        }
        let json = batch.envelope_json(FILTER);
        assert!(json.len() <= 1 << 20);
        let record = batch.firehose_record(FILTER);
        let unzipped = gunzip_capped(&record, 8 << 20).unwrap();
        assert_eq!(unzipped.as_ref(), json.as_slice());
        let Payload::CloudWatch(envelope) = classify(&unzipped).unwrap() else {
            panic!("not an envelope")
        };
        assert!(!envelope.is_control());
        assert_eq!(envelope.owner.as_deref(), Some(batch.owner.as_str()));
        assert_eq!(
            envelope.log_group.as_deref(),
            Some(batch.log_group.as_str())
        );
        assert_eq!(
            envelope.log_stream.as_deref(),
            Some(batch.log_stream.as_str())
        );
        assert_eq!(envelope.subscription_filters, [FILTER]);
        assert_eq!(envelope.log_events.len(), batch.events.len());
        for (decoded, event) in envelope.log_events.iter().zip(&batch.events) {
            assert_eq!(decoded.id, event.id);
            assert_eq!(decoded.timestamp, event.timestamp);
            assert_eq!(decoded.message, event.message);
        }
    }
    assert_eq!(ids.len(), day.truth.total_events);
    let event = day.batches[0].awslogs_event(FILTER);
    let data = base64::engine::general_purpose::STANDARD
        .decode(event["awslogs"]["data"].as_str().unwrap())
        .unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(data.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    assert_eq!(json, day.batches[0].envelope_json(FILTER));
}

#[test]
fn the_alert_truth_is_what_the_severity_rules_say() {
    let day = full();
    let alerts: HashMap<&str, &AlertTruth> = day
        .truth
        .alerts
        .iter()
        .map(|a| (a.event_id.as_str(), a))
        .collect();
    assert_eq!(alerts.len(), day.truth.alerts.len());
    let filter = RegexPattern::alerting();
    let mut rated = 0;
    for p in parsed(1.0) {
        let event = &p.batch.events[p.index];
        match alerts.get(event.id.as_str()) {
            Some(alert) => {
                rated += 1;
                assert_eq!(
                    (alert.severity, alert.rule.as_deref()),
                    (p.severity, p.rule.as_deref()),
                    "{}",
                    event.message
                );
                assert_eq!(alert.log_type, text(&p.value, "log_type").unwrap());
                assert_eq!(alert.log_group, p.batch.log_group);
                assert_eq!(alert.timestamp, event.timestamp);
                assert_eq!(alert.subscribed, filter.matches(&event.message));
            }
            None => assert!(
                p.severity < Severity::Warning,
                "not in the alert truth: {:?} {:?} {}",
                p.severity,
                p.rule,
                event.message
            ),
        }
    }
    assert_eq!(rated, day.truth.alerts.len());
    // Every alert of the day reaches the alerting Lambda except the
    // warnings Lambda functions log as plain text without a filter term.
    let unsubscribed: Vec<_> = day.truth.alerts.iter().filter(|a| !a.subscribed).collect();
    assert!(
        unsubscribed
            .iter()
            .all(|a| a.log_group.starts_with("/aws/lambda/") || a.log_group == "/my-app/events"),
        "{unsubscribed:?}"
    );
}

/// Legs by (session, leg id).
type Legs = BTreeMap<(String, String), LegFacts>;
/// Quality changes (time, level) by call id.
type QualityByCall = BTreeMap<String, Vec<(i64, i64)>>;

/// Legs merged per (session, leg) and quality per call, as the alerting
/// Lambda's store keeps them.
fn legs_and_quality(parsed: &[Parsed<'_>]) -> (Legs, QualityByCall) {
    let mut legs: BTreeMap<(String, String), LegFacts> = BTreeMap::new();
    let mut quality: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for p in parsed {
        match &p.leg {
            Some(LegUpdate::Leg(facts)) => {
                legs.entry((facts.session_id.clone(), facts.leg_id.clone()))
                    .and_modify(|l| l.merge(facts))
                    .or_insert_with(|| (**facts).clone());
            }
            Some(LegUpdate::Quality {
                call_id,
                quality: q,
                time,
            }) => quality
                .entry(call_id.clone())
                .or_default()
                .push((*time, *q)),
            None => {}
        }
    }
    (legs, quality)
}

#[test]
fn conferences_and_calls_are_what_the_summariser_finds() {
    let day = full();
    let (legs, quality) = legs_and_quality(parsed(1.0));
    let mut sessions: BTreeMap<&str, Vec<LegFacts>> = BTreeMap::new();
    for ((session, _), leg) in &legs {
        sessions.entry(session).or_default().push(leg.clone());
    }
    assert_eq!(sessions.len(), day.truth.conferences.len());
    for conference in &day.truth.conferences {
        let session_legs = &sessions[conference.conference_id.as_str()];
        let summary = summarise(
            &conference.conference,
            &conference.conference_id,
            session_legs,
        );
        assert_eq!(summary.start_ms, Some(conference.start_ms));
        assert_eq!(summary.end_ms, Some(conference.end_ms));
        assert_eq!(summary.participants_total, conference.people);
        assert_eq!(
            summary.max_concurrent, conference.max_concurrent,
            "{conference:?}"
        );
        assert_eq!(summary.legs, conference.legs);
        assert_eq!(
            summary.abnormal_disconnects,
            conference.abnormal_disconnects
        );
        assert!(!summary.active);
    }
    assert_eq!(legs.len(), day.truth.calls.len());
    let calls: HashMap<&str, &CallTruth> = day
        .truth
        .calls
        .iter()
        .map(|c| (c.participant_id.as_str(), c))
        .collect();
    for ((session, leg_id), leg) in &legs {
        let call = calls[leg_id.as_str()];
        assert_eq!(Some(session), call.conference_id.as_ref());
        assert_eq!(leg.conference, call.conference);
        assert_eq!(leg.call_id.as_ref(), Some(&call.call_id));
        assert_eq!(leg.conversation_id, call.conversation_id);
        assert_eq!(leg.protocol.as_deref(), Some(call.protocol.as_str()));
        assert_eq!(leg.is_person(), !call.is_backplane);
        assert_eq!(leg.joined_ms, Some(call.joined_ms));
        assert_eq!(leg.left_ms, Some(call.left_ms));
        assert_eq!(leg.duration_s, Some(format!("{}", call.duration_s)));
        assert_eq!(
            leg.disconnect_reason.as_deref(),
            Some(call.disconnect_reason.as_str())
        );
        assert_eq!(leg.abnormal, Some(call.abnormal), "{call:?}");
        let changes = quality.get(&call.call_id).map(Vec::as_slice).unwrap_or(&[]);
        let worst = changes.iter().map(|c| c.1).max();
        assert_eq!(
            worst.map(|q| QUALITY_NAMES[q as usize].to_string()),
            call.worst_quality
        );
        assert_eq!(
            changes.iter().filter(|c| c.1 >= 3).count(),
            call.quality_drops
        );
        assert_eq!(
            changes.iter().filter(|c| c.1 >= 3).map(|c| c.0).min(),
            call.first_bad_ms
        );
    }
}

#[test]
fn the_query_facts_agree_with_the_parsed_records() {
    let day = full();
    let truth = &day.truth;
    let mut alb: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut rejects: BTreeMap<(String, u16, u8), usize> = BTreeMap::new();
    let mut reject_packets: BTreeMap<(String, u16, u8), u64> = BTreeMap::new();
    let mut denied: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut s3: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut s3_bytes: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut timeouts: BTreeMap<String, usize> = BTreeMap::new();
    let mut longest: BTreeMap<String, f64> = BTreeMap::new();
    let mut joined: BTreeMap<u32, usize> = BTreeMap::new();
    let mut left: BTreeMap<u32, usize> = BTreeMap::new();
    let mut protocols: BTreeMap<String, usize> = BTreeMap::new();
    let mut connectivity = Vec::new();
    let mut reasons: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut root_logins = 0;
    for p in parsed(1.0) {
        let v = &p.value;
        match text(v, "log_type").unwrap() {
            "alb" if int(v, "elb_status_code").unwrap() >= 500 => {
                let target = text(v, "target_ip").unwrap_or("(no target)").to_string();
                let entry = alb.entry(target).or_default();
                entry.0 += 1;
                match int(v, "target_status_code") {
                    Some(status) if status >= 500 => entry.1 += 1,
                    Some(_) => {}
                    None => entry.2 += 1,
                }
            }
            "vpc_flow" if text(v, "action") == Some("REJECT") => {
                let key = (
                    text(v, "srcaddr").unwrap().to_string(),
                    int(v, "dstport").unwrap() as u16,
                    int(v, "protocol").unwrap() as u8,
                );
                *rejects.entry(key.clone()).or_default() += 1;
                *reject_packets.entry(key).or_default() += int(v, "packets").unwrap() as u64;
            }
            "cloudtrail" => {
                let code = text(v, "error_code").unwrap_or_default();
                if code.contains("AccessDenied") || code.contains("UnauthorizedOperation") {
                    let principal = text(v, "user_identity_arn")
                        .or(text(v, "user_identity_type"))
                        .unwrap();
                    *denied
                        .entry((
                            principal.to_string(),
                            text(v, "event_source").unwrap().to_string(),
                            text(v, "event_name").unwrap().to_string(),
                        ))
                        .or_default() += 1;
                }
                if text(v, "event_name") == Some("ConsoleLogin")
                    && text(v, "user_identity_type") == Some("Root")
                {
                    root_logins += 1;
                }
            }
            "s3_access" => {
                let key = (
                    text(v, "bucket").unwrap().to_string(),
                    text(v, "requester").unwrap_or("(anonymous)").to_string(),
                );
                *s3.entry(key.clone()).or_default() += 1;
                *s3_bytes.entry(key).or_default() += int(v, "bytes_sent").unwrap_or(0) as u64;
            }
            "lambda_platform"
                if text(v, "status") == Some("timeout") || text(v, "event") == Some("timeout") =>
            {
                let group = p.batch.log_group.clone();
                *timeouts.entry(group.clone()).or_default() += 1;
                let ms = v["duration_ms"].as_f64().unwrap();
                let slot = longest.entry(group).or_insert(0.0);
                *slot = slot.max(ms);
            }
            "pexip_support" if text(v, "name") == Some("administrator.conference") => {
                let message = text(v, "message").unwrap();
                let backplane = text(v, "protocol") == Some("BACKPLANE");
                let hour = hour_of_day(
                    logwrangler::time::parse_iso8601(text(v, "timestamp").unwrap()).unwrap(),
                );
                if message.starts_with("Participant has joined") && !backplane {
                    *joined.entry(hour).or_default() += 1;
                    *protocols
                        .entry(text(v, "protocol").unwrap().to_string())
                        .or_default() += 1;
                }
                if message.starts_with("Participant has disconnected") {
                    if !backplane {
                        *left.entry(hour).or_default() += 1;
                    }
                    let entry = reasons
                        .entry(text(v, "detail").unwrap().to_string())
                        .or_default();
                    entry.0 += 1;
                    entry.1 += usize::from(p.severity >= Severity::Warning);
                }
            }
            "pexip_support" if text(v, "name") == Some("administrator.system.connectivity") => {
                connectivity.push((
                    text(v, "message").unwrap().to_string(),
                    v["fields"]["node"].as_str().unwrap().to_string(),
                    v["fields"]["src_node"].as_str().unwrap().to_string(),
                    text(v, "node").unwrap().to_string(),
                ));
            }
            _ => {}
        }
    }
    assert_eq!(alb, truth.alb_5xx);
    assert_eq!(rejects, truth.vpc_rejects);
    assert_eq!(reject_packets, truth.vpc_reject_packets);
    assert_eq!(denied, truth.cloudtrail_denied);
    assert_eq!(root_logins, truth.root_console_logins);
    assert_eq!(s3, truth.s3_requests);
    assert_eq!(s3_bytes, truth.s3_bytes_sent);
    assert_eq!(timeouts, truth.lambda_timeouts);
    assert_eq!(longest, truth.lambda_timeout_ms);
    assert_eq!(joined, truth.joined_per_hour);
    assert_eq!(left, truth.left_per_hour);
    assert_eq!(protocols, truth.protocol_mix);
    let mut expected_reasons: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for call in &truth.calls {
        let entry = expected_reasons
            .entry(call.disconnect_reason.clone())
            .or_default();
        entry.0 += 1;
        entry.1 += usize::from(call.abnormal);
    }
    assert_eq!(reasons, expected_reasons);
    assert_eq!(connectivity.len(), 2 * truth.connectivity_incidents);
    for incident in &truth.connectivity {
        for message in ["Connectivity lost to node.", "Connectivity re-established."] {
            assert!(connectivity.contains(&(
                message.to_string(),
                incident.affected_node.clone(),
                incident.source_node.clone(),
                incident.reported_by.clone(),
            )));
        }
    }
}

#[test]
fn a_tenth_of_a_day_still_has_every_kind_of_event() {
    let day = small();
    let truth = &day.truth;
    for log_type in [
        "pexip_support",
        "pexip_audit",
        "pexip_web",
        "alb",
        "cloudfront",
        "s3_access",
        "vpc_flow",
        "cloudtrail",
        "lambda_platform",
        "app",
        "json",
    ] {
        assert!(
            truth.events_by_log_type.get(log_type) > Some(&0),
            "{log_type}"
        );
    }
    assert!(truth.conferences.len() >= 3);
    for protocol in [
        "SIP",
        "H323",
        "WebRTC",
        "API",
        "MSSIP",
        "TEAMS",
        "RTMP",
        "BACKPLANE",
    ] {
        assert!(
            truth.calls.iter().any(|c| c.protocol == protocol),
            "{protocol}"
        );
    }
    let webrtc = truth.calls.iter().find(|c| c.protocol == "WebRTC").unwrap();
    assert!(
        truth
            .calls
            .iter()
            .any(|c| c.protocol == "API" && c.conversation_id == webrtc.conversation_id)
    );
    assert!(
        truth.calls.iter().any(|c| c.quality_drops > 0
            && matches!(c.worst_quality.as_deref(), Some("bad" | "terrible")))
    );
    assert!(truth.calls.iter().any(|c| c.abnormal));
    assert_eq!(truth.connectivity_incidents, 1);
    assert!(truth.alarms_raised.len() >= 2);
    assert!(truth.alb_5xx.values().any(|v| v.1 > 0));
    assert!(truth.alb_5xx.values().any(|v| v.2 > 0));
    assert!(truth.alb_5xx.contains_key("(no target)"));
    assert!(!truth.vpc_rejects.is_empty());
    assert!(truth.cloudtrail_denied.len() >= 3);
    assert_eq!(truth.root_console_logins, 1);
    assert!(!truth.lambda_timeouts.is_empty());
    assert!(!truth.lambda_crashes.is_empty());
    assert!(truth.s3_requests.keys().any(|(_, r)| r == "(anonymous)"));
    for rule in [
        "pexip-alarm-raised",
        "pexip-node-connectivity-lost",
        "pexip-abnormal-disconnect",
        "pexip-call-quality-bad",
        "cloudtrail-root-console-login",
        "cloudtrail-access-denied",
        "lambda-timeout",
        "lambda-runtime-crash",
    ] {
        assert!(
            truth.alerts.iter().any(|a| a.rule.as_deref() == Some(rule)),
            "{rule}"
        );
    }
    for severity in [Severity::Warning, Severity::Error, Severity::Critical] {
        assert!(
            truth
                .alerts
                .iter()
                .any(|a| a.rule.is_none() && a.severity == severity),
            "{severity:?} by level"
        );
    }
    let messages = || {
        day.batches
            .iter()
            .flat_map(|b| &b.events)
            .map(|e| e.message.as_str())
    };
    for needle in [
        "Detail=\"^MINVITE",
        "Fragment-number=\"3\"",
        "Conversation-id=",
        "Alarm raised",
        "Alarm lowered",
        "type=USER_LOGIN",
        "apache2:",
        " [2001:db8:",
        "?conference=",
        "ConsoleLogin",
        "Task timed out after",
        "Runtime.ExitError",
        "NODATA",
    ] {
        assert!(messages().any(|m| m.contains(needle)), "{needle}");
    }
    let pexip_streams: std::collections::BTreeSet<&str> = day
        .batches
        .iter()
        .filter(|b| b.log_group == PEXIP_SUPPORT_GROUP)
        .map(|b| b.log_stream.as_str())
        .collect();
    assert!(pexip_streams.contains("px-conf-01") && pexip_streams.contains("px-mgr-01"));
    // The small day parses as cleanly as the full one.
    assert_eq!(parsed(0.1).len(), truth.total_events);
}

#[test]
fn the_truth_serialises_to_json() {
    let json = serde_json::to_value(&small().truth).unwrap();
    assert!(json["vpc_rejects"][0][0][0].is_string());
    assert_eq!(
        json["total_events"].as_u64(),
        Some(small().truth.total_events as u64)
    );
    assert!(json["alerts"][0]["severity"].is_string());
}

#[test]
fn the_source_mapping_is_the_operators() {
    let config = source_config();
    let resolve = |group: &str| config.resolve(group).map(|t| t.log_type.as_str());
    assert_eq!(resolve("/pexip/infinity/support"), Some("pexip_support"));
    assert_eq!(
        resolve("/aws/lambda/vc-booking-api"),
        Some("lambda_platform")
    );
    assert_eq!(resolve("/my-app/events"), None);
}
