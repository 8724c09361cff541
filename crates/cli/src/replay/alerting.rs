//! What the alerting Lambda would have made of the replayed events, computed
//! in memory with the same pure core: conference sessions and call legs
//! (`summary::leg_update`, `LegFacts::merge`, `summarise`) and the alerts it
//! would publish (`Rules::classify`, `alert::fingerprint`, `alert::build_alert`).
//!
//! It mirrors the Lambda step by step:
//! - it only sees the events subscription filter #2 delivers
//!   ([`ALERTING_FILTER_PATTERN`](logwrangler::subscription::ALERTING_FILTER_PATTERN));
//! - legs are keyed by session and leg id and merged in arrival order (the
//!   store's `if_not_exists` fills are [`LegFacts::merge`]); a call's worst
//!   quality is the highest `Now` seen for its call id, whenever it arrived;
//! - sessions are recomputed from all their legs;
//! - alerts at or above the minimum severity are deduplicated like the
//!   store's claim: the first event of a fingerprint publishes and opens the
//!   rule's dedupe window, repeats inside the window are held back and counted
//!   (by event id, so the same event twice counts once), and the next alert
//!   after the window reports how many were held back.
//!
//! Events are taken in input order, as the Lambda takes them in delivery order.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use logwrangler::alert::{QueryHint, build_alert, fingerprint};
use logwrangler::subscription::TermPattern;
use logwrangler::summary::{LegFacts, LegUpdate, QUALITY_NAMES, leg_update, summarise};
use logwrangler::time::{Millis, iso_string};
use logwrangler::{Record, Rules, Severity};
use serde::Serialize;
use serde_json::{Map, Value};

/// One alert as it would have been published, with what dedupe did around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertLine {
    /// Event time of the record that raised it.
    pub time: String,
    /// Severity (decides the SNS topic).
    pub severity: Severity,
    /// SNS subject.
    pub subject: String,
    /// Dedupe key.
    pub fingerprint: String,
    /// Rule that decided the severity, if any.
    pub rule: Option<String>,
    /// Dedupe window of the rule, seconds.
    pub dedupe_window_s: u64,
    /// Event id of the record.
    pub event_id: String,
    /// The message attributes subscribers filter on.
    pub log_type: String,
    pub source: String,
    /// Repeats held back before this alert (reported in its body).
    pub suppressed_since_last: u64,
    /// Repeats held back inside this alert's window (the next alert of the
    /// fingerprint reports them).
    pub held_back_in_window: u64,
    /// SNS message body.
    pub body: String,
}

/// The dedupe state of one fingerprint (the store's `ALERT#<fingerprint>` item).
struct Window {
    until: Millis,
    event_id: String,
    held_back: BTreeSet<String>,
    alert: usize,
}

/// The alerting Lambda's view of a replay.
pub struct Alerting {
    rules: Arc<Rules>,
    min_severity: Severity,
    filter: TermPattern,
    hint: QueryHint,
    legs: BTreeMap<(String, String), LegFacts>,
    sessions: BTreeSet<(String, String)>,
    worst_quality: BTreeMap<String, i64>,
    windows: HashMap<String, Window>,
    alerts: Vec<AlertLine>,
}

impl Alerting {
    /// Alerts records at or above `min_severity`, classified by `rules`.
    pub fn new(rules: Arc<Rules>, min_severity: Severity) -> Self {
        Alerting {
            rules,
            min_severity,
            filter: TermPattern::alerting(),
            hint: QueryHint::default(),
            legs: BTreeMap::new(),
            sessions: BTreeSet::new(),
            worst_quality: BTreeMap::new(),
            windows: HashMap::new(),
            alerts: Vec::new(),
        }
    }

    /// Takes one event: `message` is the log event as CloudWatch would hold
    /// it (the filter is evaluated on it), `record` its typed record.
    pub fn observe(&mut self, message: &str, record: &Record<'_>) {
        if !self.filter.matches(message) {
            return;
        }
        match leg_update(record, record.envelope.severity) {
            Some(LegUpdate::Leg(facts)) => {
                self.sessions
                    .insert((facts.conference.clone(), facts.session_id.clone()));
                self.legs
                    .entry((facts.session_id.clone(), facts.leg_id.clone()))
                    .and_modify(|leg| leg.merge(&facts))
                    .or_insert_with(|| *facts);
            }
            Some(LegUpdate::Quality {
                call_id, quality, ..
            }) => {
                let worst = self.worst_quality.entry(call_id).or_insert(quality);
                *worst = (*worst).max(quality);
            }
            None => {}
        }
        self.route(record);
    }

    fn route(&mut self, record: &Record<'_>) {
        if record.envelope.severity < self.min_severity {
            return;
        }
        let classification = self.rules.classify(record);
        let print = fingerprint(record);
        let time = record.envelope.timestamp;
        let event_id = record.envelope.event_id.as_ref();
        let window_ms = i64::try_from(classification.dedupe_window.as_millis()).unwrap_or(i64::MAX);
        let suppressed = match self.windows.get_mut(&print) {
            Some(open) if open.until > time => {
                if open.event_id != event_id && open.held_back.insert(event_id.to_owned()) {
                    self.alerts[open.alert].held_back_in_window = open.held_back.len() as u64;
                }
                return;
            }
            Some(closed) => closed.held_back.len() as u64,
            None => 0,
        };
        let alert = build_alert(record, &classification, suppressed, &self.hint);
        self.windows.insert(
            print,
            Window {
                until: time.saturating_add(window_ms),
                event_id: event_id.to_owned(),
                held_back: BTreeSet::new(),
                alert: self.alerts.len(),
            },
        );
        self.alerts.push(AlertLine {
            time: iso_string(time),
            severity: alert.severity,
            subject: alert.subject,
            fingerprint: alert.fingerprint,
            rule: alert.rule,
            dedupe_window_s: alert.dedupe_window.as_secs(),
            event_id: alert.event_id,
            log_type: alert.attributes.log_type,
            source: alert.attributes.source,
            suppressed_since_last: suppressed,
            held_back_in_window: 0,
            body: alert.body,
        });
    }

    /// The alerts that would have been published, in order.
    pub fn alerts(&self) -> &[AlertLine] {
        &self.alerts
    }

    /// Repeats held back in total.
    pub fn held_back(&self) -> u64 {
        self.alerts.iter().map(|a| a.held_back_in_window).sum()
    }

    /// One JSON object per call leg, sorted by session and leg id: the leg's
    /// facts, its worst quality and the join/leave times in ISO form (the
    /// fields of the store's leg items).
    pub fn calls(&self) -> Vec<Map<String, Value>> {
        self.legs
            .values()
            .map(|leg| {
                let mut item = object(leg);
                let worst = leg
                    .call_id
                    .as_ref()
                    .and_then(|id| self.worst_quality.get(id));
                if let Some(&quality) = worst {
                    item.insert("worst_quality".into(), quality.into());
                    let name = usize::try_from(quality)
                        .ok()
                        .and_then(|q| QUALITY_NAMES.get(q))
                        .copied()
                        .unwrap_or("unknown");
                    item.insert("worst_quality_name".into(), name.into());
                }
                insert_time(&mut item, "joined", leg.joined_ms);
                insert_time(&mut item, "left", leg.left_ms);
                item
            })
            .collect()
    }

    /// Calls seen.
    pub fn call_count(&self) -> usize {
        self.legs.len()
    }

    /// One `SessionSummary` per session (sorted by conference and session
    /// id), with `start` and `end` in ISO form as the store's session items.
    pub fn sessions(&self) -> Vec<Map<String, Value>> {
        self.sessions
            .iter()
            .map(|(conference, session_id)| {
                let legs: Vec<LegFacts> = self
                    .legs
                    .range((session_id.clone(), String::new())..)
                    .take_while(|((session, _), _)| session == session_id)
                    .map(|(_, leg)| leg.clone())
                    .collect();
                let summary = summarise(conference, session_id, &legs);
                let mut item = object(&summary);
                insert_time(&mut item, "start", summary.start_ms);
                insert_time(&mut item, "end", summary.end_ms);
                item
            })
            .collect()
    }

    /// Sessions seen.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }
}

fn object(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn insert_time(item: &mut Map<String, Value>, name: &str, time: Option<Millis>) {
    item.insert(
        name.into(),
        time.map_or(Value::Null, |t| Value::String(iso_string(t))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::{EventContext, LineParser};

    const CONF: &str = r#"Conference="meet.alice" Conference-ID="c-1""#;

    fn line(time: &str, level: &str, name: &str, message: &str, keys: &str) -> String {
        format!(
            r#"2026-03-02T{time}.000+00:00 px-conf01 2026-03-02 {time},000 Level="{level}" Name="{name}" Message="{message}" {keys}"#
        )
    }

    fn feed(alerting: &mut Alerting, lines: &[String]) {
        let mut parser = LineParser::default();
        for (i, text) in lines.iter().enumerate() {
            let ctx = EventContext {
                source: "t",
                position: i as u64,
                ..EventContext::default()
            };
            let record = parser.parse_line(text, &ctx).into_record().unwrap();
            alerting.observe(text, &record);
        }
    }

    #[test]
    fn legs_merge_and_sessions_summarise_with_the_worst_quality() {
        let mut alerting = Alerting::new(Arc::default(), Severity::Warning);
        let conference = "administrator.conference";
        feed(
            &mut alerting,
            &[
                // Quality before the join: kept for the call id.
                line(
                    "10:00:30",
                    "INFO",
                    "support.media",
                    "Stable call quality changed",
                    r#"Call-id="call-bob" Was="1" Now="3""#,
                ),
                line(
                    "10:00:00",
                    "INFO",
                    conference,
                    "Participant has joined.",
                    &format!(
                        r#"{CONF} Participant="sip:bob@example.com" Participant-id="p-bob" Call-id="call-bob" Protocol="SIP""#
                    ),
                ),
                line(
                    "10:01:00",
                    "INFO",
                    "support.media",
                    "Stable call quality changed",
                    r#"Call-id="call-bob" Was="3" Now="2""#,
                ),
                line(
                    "10:05:00",
                    "INFO",
                    conference,
                    "Participant has disconnected.",
                    &format!(
                        r#"{CONF} Participant-id="p-bob" Call-id="call-bob" Protocol="SIP" Duration="300.0" Detail="Call disconnected""#
                    ),
                ),
                // Not delivered by subscription filter #2: no effect.
                line(
                    "10:06:00",
                    "INFO",
                    "support.sip",
                    "Participant has joined.",
                    &format!(r#"{CONF} Participant-id="p-x""#),
                ),
            ],
        );
        let calls = alerting.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0]["alias"], "sip:bob@example.com");
        assert_eq!(calls[0]["worst_quality"], 3);
        assert_eq!(calls[0]["worst_quality_name"], "bad");
        assert_eq!(calls[0]["duration_s"], "300");
        assert_eq!(calls[0]["joined"], "2026-03-02T10:00:00.000Z");
        assert_eq!(calls[0]["left"], "2026-03-02T10:05:00.000Z");
        let sessions = alerting.sessions();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0]["conference"], "meet.alice");
        assert_eq!(sessions[0]["participants_total"], 1);
        assert_eq!(sessions[0]["duration_s"], 300);
        assert_eq!(sessions[0]["active"], false);
        assert_eq!(sessions[0]["end"], "2026-03-02T10:05:00.000Z");
    }

    #[test]
    fn repeats_inside_the_window_are_held_back_and_reported_next() {
        let mut alerting = Alerting::new(Arc::default(), Severity::Warning);
        let lost = |time: &str| {
            line(
                time,
                "WARNING",
                "administrator.system.connectivity",
                "Connectivity lost to node.",
                r#"Node="10.1.1.128""#,
            )
        };
        let info = line("10:00:00", "INFO", "support.sip", "ERROR-free call", "");
        let window = {
            let mut parser = LineParser::default();
            let text = lost("10:00:00");
            let record = parser
                .parse_line(&text, &EventContext::default())
                .into_record()
                .unwrap();
            Rules::default().classify(&record).dedupe_window.as_secs() as i64
        };
        let after = |s: i64| {
            let t = 10 * 3600 + s;
            format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
        };
        feed(
            &mut alerting,
            &[
                lost("10:00:00"),
                lost(&after(1)),
                lost(&after(2)),
                info,
                lost(&after(window + 10)),
            ],
        );
        let alerts = alerting.alerts();
        assert_eq!(alerts.len(), 2, "{alerts:#?}");
        assert_eq!(alerts[0].severity, Severity::Critical);
        assert_eq!(alerts[0].held_back_in_window, 2);
        assert_eq!(alerts[1].suppressed_since_last, 2);
        assert!(alerts[1].body.contains("2 repeat(s)"), "{}", alerts[1].body);
        assert_eq!(alerts[1].held_back_in_window, 0);
        assert_eq!(alerting.held_back(), 2);
        assert!(alerts[0].subject.starts_with("[CRITICAL] pexip px-conf01"));
    }

    #[test]
    fn the_minimum_severity_decides_what_is_alerted() {
        let warning = line(
            "10:00:00",
            "WARNING",
            "support.scheduler",
            "Irregular pulse",
            "",
        );
        let mut strict = Alerting::new(Arc::default(), Severity::Error);
        feed(&mut strict, std::slice::from_ref(&warning));
        assert!(strict.alerts().is_empty());
        let mut loose = Alerting::new(Arc::default(), Severity::Warning);
        feed(&mut loose, &[warning]);
        assert_eq!(loose.alerts().len(), 1);
        assert_eq!(loose.alerts()[0].severity, Severity::Warning);
    }
}
