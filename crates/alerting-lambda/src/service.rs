//! The alerting service: conference and call summaries, severity routing
//! with dedupe, and app events, over any [`Store`] and [`Notify`].
//!
//! The Lambda runs it over DynamoDB and SNS; `logwrangler replay --lake` over
//! [`MemoryStore`](crate::store::MemoryStore) and
//! [`MemoryNotifier`](crate::notify::MemoryNotifier), so both make the same
//! summaries and the same alerts from the same events.

use std::collections::BTreeSet;
use std::sync::Arc;

use logwrangler::alert::{QueryHint, build_alert, fingerprint, source_of};
use logwrangler::app_api::{ApiLimits, AppEvent};
use logwrangler::summary::{LegUpdate, leg_update};
use logwrangler::{EventContext, LineParser, Record, Rules, Severity, SourceConfig};
use logwrangler_aws::context::LogOrigin;
use logwrangler_aws::sink::{FirehoseSink, RetryPolicy, reingest};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Error;
use crate::config::Config;
use crate::dedupe::{Budget, HeldAlert, Spend, digest_alert};
use crate::notify::{Notify, SnsNotifier};
use crate::store::{DynamoStore, Store};

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub events: usize,
    pub legs_updated: usize,
    pub quality_updates: usize,
    pub sessions_refreshed: usize,
    pub alerts_published: usize,
    pub alerts_suppressed: usize,
    /// Alerts held over the topic's budget (reported by a digest).
    pub alerts_held: usize,
    /// Digests published (also counted in `alerts_published`).
    pub digests_published: usize,
    /// Alerts not published because their rule's `mute_until` had not passed
    /// at the event's time (a maintenance window).
    pub alerts_muted: usize,
    pub app_events_stored: usize,
    pub app_events_forwarded: usize,
}

/// One CloudWatch Logs event.
#[derive(Debug, Clone)]
pub struct LogEvent<'a> {
    pub id: &'a str,
    pub timestamp: i64,
    pub message: &'a str,
}

/// The alerting service, over a store `S` and a notifier `N` (by default the
/// Lambda's DynamoDB table and SNS topics).
pub struct Alerting<S = DynamoStore, N = SnsNotifier> {
    pub(crate) parser: LineParser,
    rules: Arc<Rules>,
    store: S,
    notifier: N,
    firehose: Option<(FirehoseSink, String)>,
    min_severity: Severity,
    budget: Option<Budget>,
    hint: QueryHint,
    /// Limits of the app log API.
    pub api_limits: ApiLimits,
    /// Retry policy of the Firehose forward.
    pub retry: RetryPolicy,
}

impl Alerting<DynamoStore, SnsNotifier> {
    /// The service as the Lambda runs it: DynamoDB, SNS and (when an app
    /// stream is configured) Firehose clients from one SDK configuration.
    /// `logwrangler alert` builds it the same way.
    pub fn from_sdk(config: &Config, aws: &aws_config::SdkConfig) -> Result<Self, Error> {
        let store = DynamoStore::new(
            aws_sdk_dynamodb::Client::new(aws),
            &config.table,
            config.retention_days,
        );
        let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(aws), config.topics.clone());
        let firehose = config
            .app_stream
            .as_ref()
            .map(|_| FirehoseSink::with_client(aws_sdk_firehose::Client::new(aws)));
        Alerting::new(config, store, notifier, firehose)
    }
}

impl<S: Store, N: Notify> Alerting<S, N> {
    /// Builds the service from its configuration and clients.
    pub fn new(
        config: &Config,
        store: S,
        notifier: N,
        firehose: Option<FirehoseSink>,
    ) -> Result<Self, Error> {
        let rules = Arc::new(match &config.rules_json {
            Some(json) => Rules::from_json(json).map_err(|e| format!("LOGWRANGLER_RULES: {e}"))?,
            None => Rules::default(),
        });
        let sources = match &config.sources_json {
            Some(json) => {
                SourceConfig::from_json(json).map_err(|e| format!("LOGWRANGLER_SOURCES: {e}"))?
            }
            None => SourceConfig::default(),
        };
        Ok(Alerting {
            parser: LineParser::new(Arc::new(sources), rules.clone())
                .with_pseudonymiser(config.pseudonymiser.clone()),
            rules,
            store,
            notifier,
            firehose: firehose
                .and_then(|sink| config.app_stream.clone().map(|stream| (sink, stream))),
            min_severity: config.alert_min_severity,
            budget: config.alert_budget,
            hint: QueryHint {
                database: config.athena_database.clone(),
                workgroup: config.athena_workgroup.clone(),
            },
            api_limits: ApiLimits::default(),
            retry: RetryPolicy::default(),
        })
    }

    /// A service for a caller that parses (and pseudonymises) the records
    /// itself and hands them to [`Alerting::handle_record`], as `replay`
    /// does: records at or above `min_severity` are alerted as classified by
    /// `rules`, with the default query hint and no Firehose forward.
    pub fn with_rules(rules: Arc<Rules>, min_severity: Severity, store: S, notifier: N) -> Self {
        Alerting {
            parser: LineParser::new(Arc::default(), rules.clone()),
            rules,
            store,
            notifier,
            firehose: None,
            min_severity,
            budget: None,
            hint: QueryHint::default(),
            api_limits: ApiLimits::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// The same service with another per-topic budget (`None`: every alert
    /// that passes dedupe is sent), e.g. for a local run that should hold
    /// alerts as the Lambda does.
    pub fn with_budget(mut self, budget: Option<Budget>) -> Self {
        self.budget = budget;
        self
    }

    /// Publishes the digest of every budget window that ended by `now_ms`
    /// and holds alerts (a schedule's or an operator's call): one message per
    /// window and topic accounting for every alert held in it.
    pub async fn flush_digests(&self, now_ms: i64, report: &mut Report) -> Result<(), Error> {
        self.publish_digests(now_ms, i64::MIN, report).await
    }

    /// After each delivery: the digests of windows a later window of their
    /// topic has replaced, and of recent windows that ended a minute ago
    /// (invocations still holding alerts in them have finished). Windows of
    /// old events (a replay, a backfill) wait for their topic's next window,
    /// so events still arriving for them are in their digest.
    async fn publish_due_digests(&self, report: &mut Report) -> Result<(), Error> {
        let now = wall_clock_ms();
        self.publish_digests(now - DIGEST_GRACE_MS, now - LIVE_WINDOW_MS, report)
            .await
    }

    async fn publish_digests(
        &self,
        ended_by: i64,
        live_since: i64,
        report: &mut Report,
    ) -> Result<(), Error> {
        if self.budget.is_none() {
            return Ok(());
        }
        for due in self.store.claim_digests(ended_by, live_since).await? {
            if due.held.is_empty() {
                self.store.mark_digest_sent(&due).await?;
                continue;
            }
            if self.notifier.publish(&digest_alert(&due)).await? {
                report.alerts_published += 1;
                report.digests_published += 1;
            }
            self.store.mark_digest_sent(&due).await?;
        }
        Ok(())
    }

    /// The store (for lookups).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The notifier (for what an in-memory one kept).
    pub fn notifier(&self) -> &N {
        &self.notifier
    }

    /// Handles the events of one CloudWatch Logs subscription delivery: each
    /// session touched is refreshed once, after all its events.
    pub async fn handle_log_events(
        &self,
        log_group: &str,
        log_stream: &str,
        owner: &str,
        events: &[LogEvent<'_>],
    ) -> Result<Report, Error> {
        let mut report = Report {
            events: events.len(),
            ..Report::default()
        };
        let mut parser = self.parser.clone();
        let mut sessions: BTreeSet<(String, String)> = BTreeSet::new();
        let origin = LogOrigin {
            log_group: Some(log_group),
            log_stream: Some(log_stream),
            owner: Some(owner),
        };
        for (position, event) in events.iter().enumerate() {
            let ctx = origin.event_context(event.id, event.timestamp, log_stream, position as u64);
            let Some(record) = parser.parse_line(event.message, &ctx).into_record() else {
                continue;
            };
            self.apply(&record, &mut sessions, &mut report).await?;
        }
        self.refresh(sessions, &mut report).await?;
        self.publish_due_digests(&mut report).await?;
        Ok(report)
    }

    /// Handles one record parsed by the caller, as a delivery of that one
    /// event would (its session, if any, is refreshed right away).
    pub async fn handle_record(&self, record: &Record<'_>) -> Result<Report, Error> {
        let mut report = Report {
            events: 1,
            ..Report::default()
        };
        let mut sessions = BTreeSet::new();
        self.apply(record, &mut sessions, &mut report).await?;
        self.refresh(sessions, &mut report).await?;
        Ok(report)
    }

    /// One record into the summaries and the alerts; the sessions it touches
    /// are noted in `sessions` for [`Alerting::refresh`].
    async fn apply(
        &self,
        record: &Record<'_>,
        sessions: &mut BTreeSet<(String, String)>,
        report: &mut Report,
    ) -> Result<(), Error> {
        match leg_update(record, record.envelope.severity) {
            Some(LegUpdate::Leg(facts)) => {
                self.store
                    .upsert_leg(&facts, record.envelope.timestamp)
                    .await?;
                if facts.joined_ms.is_some() {
                    self.store
                        .apply_pending_quality(&facts, record.envelope.timestamp)
                        .await?;
                }
                sessions.insert((facts.conference.clone(), facts.session_id.clone()));
                report.legs_updated += 1;
            }
            Some(LegUpdate::Quality {
                call_id,
                quality,
                time,
            }) => {
                self.store.record_quality(&call_id, quality, time).await?;
                report.quality_updates += 1;
            }
            None => {}
        }
        self.route(record, report).await
    }

    /// Recomputes the sessions touched.
    async fn refresh(
        &self,
        sessions: BTreeSet<(String, String)>,
        report: &mut Report,
    ) -> Result<(), Error> {
        for (conference, session_id) in sessions {
            self.store.refresh_session(&conference, &session_id).await?;
            report.sessions_refreshed += 1;
        }
        Ok(())
    }

    /// Alerts a record at or above the configured severity, once per
    /// fingerprint and dedupe window (the rules of [`crate::dedupe`], applied
    /// by the store): the alert reports the repeats held back before it.
    async fn route(&self, record: &Record<'_>, report: &mut Report) -> Result<(), Error> {
        if record.envelope.severity < self.min_severity {
            return Ok(());
        }
        let classification = self.rules.classify(record);
        // Maintenance: the event happened before its rule's mute ends. Event
        // time, so a late delivery of a muted event stays muted.
        if classification
            .mute_until
            .is_some_and(|until| record.envelope.timestamp < until)
        {
            report.alerts_muted += 1;
            return Ok(());
        }
        let print = fingerprint(record);
        let window_ms = classification.dedupe_window.as_millis() as i64;
        let event_id = record.envelope.event_id.as_ref();
        match self
            .store
            .claim_alert(&print, event_id, record.envelope.timestamp, window_ms)
            .await?
        {
            Some(suppressed) => {
                let alert = build_alert(record, &classification, suppressed, &self.hint);
                if let Some(budget) = self.budget {
                    // Windows run on event time, as dedupe windows do, so a
                    // replay or a redelivery decides as the live run did.
                    let time = record.envelope.timestamp;
                    if let Spend::Hold {
                        window_start,
                        window_until,
                    } = self
                        .store
                        .spend_budget(alert.severity, event_id, time, budget)
                        .await?
                    {
                        let held = HeldAlert {
                            fingerprint: print.clone(),
                            event_id: event_id.to_owned(),
                            source: source_of(record),
                            time,
                            subject: alert.subject.clone(),
                        };
                        self.store
                            .hold_alert(alert.severity, window_start, window_until, &held)
                            .await?;
                        // Held is handled: a retry must not claim it again.
                        self.store.mark_published(&print, event_id).await?;
                        report.alerts_held += 1;
                        return Ok(());
                    }
                }
                if self.notifier.publish(&alert).await? {
                    report.alerts_published += 1;
                }
                self.store.mark_published(&print, event_id).await?;
            }
            None => report.alerts_suppressed += 1,
        }
        Ok(())
    }

    /// Takes the events of one accepted app log API request: pseudonymised
    /// (in place) before anything is stored, alerted or forwarded, then
    /// alerted, stored and forwarded to the app Firehose stream.
    pub async fn accept_app_events(
        &self,
        events: &mut [AppEvent],
        request_id: &str,
        now_ms: i64,
    ) -> Result<Report, Error> {
        // The transform Lambda leaves tokens as they are.
        if let Some(pseudonymiser) = self.parser.pseudonymiser() {
            events
                .iter_mut()
                .for_each(|event| event.pseudonymise(pseudonymiser));
        }
        let mut report = Report {
            events: events.len(),
            ..Report::default()
        };
        let mut lines = Vec::with_capacity(events.len());
        let mut parser = self.parser.clone();
        for (position, event) in events.iter().enumerate() {
            let line = event.to_line();
            let ctx = EventContext {
                event_id: Some(&event.event_id),
                received_ms: Some(now_ms),
                source: request_id,
                position: position as u64,
                ..EventContext::default()
            };
            if let Some(record) = parser.parse_line(&line, &ctx).into_record() {
                self.route(&record, &mut report).await?;
            }
            let Value::Object(fields) = json!({
                "event_id": event.event_id,
                "log_level": event.log_level,
                "severity": event.severity.as_str(),
                "message": event.message,
                "details": event.details.as_ref().map(Value::to_string),
                "attributes": (!event.attributes.is_empty()).then(|| Value::Object(event.attributes.clone()).to_string()),
                "timestamp": logwrangler::time::iso_string(event.timestamp),
            }) else {
                unreachable!()
            };
            self.store
                .put_app_event(
                    &event.source_application,
                    event.timestamp,
                    &event.event_id,
                    &fields,
                )
                .await?;
            report.app_events_stored += 1;
            // One line per Firehose record: newline-terminated so records stay lines wherever they are concatenated.
            let mut bytes = line.into_bytes();
            bytes.push(b'\n');
            lines.push(bytes);
        }
        if let Some((sink, stream)) = &self.firehose {
            let outcome = reingest(sink, stream, &lines, &self.retry).await;
            if let Some(error) = outcome
                .last_error
                .filter(|_| outcome.delivered.contains(&false))
            {
                // Stored and alerted already (idempotent); failing makes the caller retry the forward.
                return Err(
                    format!("forwarding app events to Firehose {stream} failed: {error}").into(),
                );
            }
            report.app_events_forwarded += lines.len();
        }
        self.publish_due_digests(&mut report).await?;
        Ok(report)
    }
}

/// How long after a budget window ends its digest waits for invocations
/// that were still holding alerts in it.
const DIGEST_GRACE_MS: i64 = 60_000;
/// Windows that ended within this long of now are live traffic's: their
/// digest goes out on the clock; older ones wait for their topic's next window.
const LIVE_WINDOW_MS: i64 = 86_400_000;

/// Now, in epoch milliseconds: budget windows that ended are digested.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
