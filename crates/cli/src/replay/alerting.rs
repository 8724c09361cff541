//! What the alerting Lambda would have made of the replayed events: the
//! Lambda's own service ([`alerting_lambda::Alerting`]) over an in-memory
//! store and notifier, so the conference sessions, call legs and alerts (with
//! their dedupe) are the ones the deployed Lambda would store and publish.
//!
//! What is left here is what the Lambda's surroundings do:
//! - it only sees the events subscription filter #2 delivers
//!   ([`ALERTING_FILTER_PATTERN`](logwrangler::subscription::ALERTING_FILTER_PATTERN));
//! - events are taken in input order, as the Lambda takes them in delivery
//!   order, each as a delivery of its own (sessions are computed from all
//!   their legs when read, so that changes nothing);
//! - the report: each alert with what dedupe did around it.
//!
//! Replay is synchronous and the service is async (its Lambda stores wait on
//! the network). The in-memory store and notifier never wait, so each record
//! is driven to completion on a current-thread runtime with `block_on`: no
//! threads, no timers, and the same code path as the Lambda.

use std::collections::HashMap;
use std::sync::Arc;

use alerting_lambda::Alerting as Service;
use alerting_lambda::dedupe::Window;
use alerting_lambda::notify::MemoryNotifier;
use alerting_lambda::store::MemoryStore;
use anyhow::{Context, Result};
use logwrangler::subscription::TermPattern;
use logwrangler::time::iso_string;
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

/// The alerting Lambda's view of a replay.
pub struct Alerting {
    service: Service<MemoryStore, MemoryNotifier>,
    filter: TermPattern,
    runtime: tokio::runtime::Runtime,
}

impl Alerting {
    /// Alerts records at or above `min_severity`, classified by `rules`.
    pub fn new(rules: Arc<Rules>, min_severity: Severity) -> Result<Self> {
        Ok(Alerting {
            service: Service::with_rules(
                rules,
                min_severity,
                MemoryStore::new(),
                MemoryNotifier::new(),
            ),
            filter: TermPattern::alerting(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .context("starting the runtime of the alerting view")?,
        })
    }

    /// Takes one event: `message` is the log event as CloudWatch would hold
    /// it (the filter is evaluated on it), `record` its typed record.
    pub fn observe(&self, message: &str, record: &Record<'_>) -> Result<()> {
        if !self.filter.matches(message) {
            return Ok(());
        }
        self.runtime
            .block_on(self.service.handle_record(record))
            .map_err(|e| anyhow::anyhow!("alerting: {e}"))?;
        Ok(())
    }

    /// The alerts that would have been published, in order, each with the
    /// dedupe window it opened.
    pub fn alerts(&self) -> Vec<AlertLine> {
        let windows = self.service.store().windows();
        let opened: HashMap<(&str, &str), &Window> = windows
            .iter()
            .map(|(print, w)| ((print.as_str(), w.event_id.as_str()), w))
            .collect();
        self.service
            .notifier()
            .alerts()
            .into_iter()
            .map(|alert| {
                let (start, held, repeats) = opened
                    .get(&(alert.fingerprint.as_str(), alert.event_id.as_str()))
                    .map(|w| (w.start, w.held, w.repeats.len() as u64))
                    .expect("every alert published opened its window");
                AlertLine {
                    time: iso_string(start),
                    severity: alert.severity,
                    subject: alert.subject,
                    fingerprint: alert.fingerprint,
                    rule: alert.rule,
                    dedupe_window_s: alert.dedupe_window.as_secs(),
                    event_id: alert.event_id,
                    log_type: alert.attributes.log_type,
                    source: alert.attributes.source,
                    suppressed_since_last: held,
                    held_back_in_window: repeats,
                    body: alert.body,
                }
            })
            .collect()
    }

    /// Repeats held back in total.
    pub fn held_back(&self) -> u64 {
        let windows = self.service.store().windows();
        windows.iter().map(|(_, w)| w.repeats.len() as u64).sum()
    }

    /// One JSON object per call leg (see [`MemoryStore::calls`]).
    pub fn calls(&self) -> Vec<Map<String, Value>> {
        self.service.store().calls()
    }

    /// Calls seen.
    pub fn call_count(&self) -> usize {
        self.service.store().call_count()
    }

    /// One session summary per session (see [`MemoryStore::sessions`]).
    pub fn sessions(&self) -> Vec<Map<String, Value>> {
        self.service.store().sessions()
    }

    /// Sessions seen.
    pub fn session_count(&self) -> usize {
        self.service.store().session_count()
    }
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
            alerting.observe(text, &record).unwrap();
        }
    }

    #[test]
    fn legs_merge_and_sessions_summarise_with_the_worst_quality() {
        let mut alerting = Alerting::new(Arc::default(), Severity::Warning).unwrap();
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
        let mut alerting = Alerting::new(Arc::default(), Severity::Warning).unwrap();
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
        let mut strict = Alerting::new(Arc::default(), Severity::Error).unwrap();
        feed(&mut strict, std::slice::from_ref(&warning));
        assert!(strict.alerts().is_empty());
        let mut loose = Alerting::new(Arc::default(), Severity::Warning).unwrap();
        feed(&mut loose, &[warning]);
        assert_eq!(loose.alerts().len(), 1);
        assert_eq!(loose.alerts()[0].severity, Severity::Warning);
    }
}
