//! A [`Store`] held in memory, for `logwrangler replay --lake`: what the
//! Lambda would have written to its table for a set of historical files,
//! computed without AWS and read back once the run is over.
//!
//! It keeps what the table's items converge to, not the items themselves:
//! - legs are keyed by session and leg id and merged in arrival order
//!   ([`LegFacts::merge`] is the table's `if_not_exists` fills and its
//!   earliest-join / latest-leave conditions);
//! - a call's worst quality is the highest seen for its call id, whenever it
//!   arrived, and is looked up when a leg is read, so a quality seen before
//!   its leg needs no pending item;
//! - a session refresh only notes the session: its summary is computed from
//!   all its legs when read, as the last refresh of the table would have;
//! - alert dedupe applies [`dedupe::claim`] to one window per fingerprint,
//!   and keeps every window opened so a report can say what each alert held
//!   back.
//!
//! Nothing here waits: each future is ready when first polled, so a
//! synchronous caller can drive the service on a current-thread runtime at
//! no measurable cost.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard};

use logwrangler::summary::{LegFacts, QUALITY_NAMES, summarise};
use logwrangler::time::{Millis, iso_string};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Store;
use crate::dedupe::{self, Budget, BudgetWindow, Claim, DueDigest, HeldAlert, Spend, Window};
use logwrangler::Severity;

/// The alerting service's state in memory (see the module documentation).
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    legs: BTreeMap<(String, String), LegFacts>,
    worst_quality: BTreeMap<String, i64>,
    sessions: BTreeSet<(String, String)>,
    /// Every dedupe window opened, in order, with its fingerprint.
    windows: Vec<(String, Window)>,
    /// The current window of each fingerprint, as an index into `windows`.
    current: HashMap<String, usize>,
    /// App events by source application (the table's partition key).
    app_events: BTreeMap<String, AppEvents>,
    /// The current budget window of each topic.
    budgets: BTreeMap<Severity, BudgetWindow>,
    /// Held alerts by topic and window start: (window end, digest state, alerts by key).
    digests: BTreeMap<(Severity, Millis), HeldWindow>,
}

/// One window's held alerts and whether its digest was claimed or sent.
#[derive(Debug, Default)]
struct HeldWindow {
    until: Millis,
    claimed: bool,
    sent: bool,
    alerts: BTreeMap<(String, String), HeldAlert>,
}

/// One application's app events, by time and event id (the table's sort key).
type AppEvents = BTreeMap<(Millis, String), Map<String, Value>>;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind, still readable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One JSON object per call leg, sorted by session and leg id: the leg's
    /// facts, its worst quality and the join/leave times in ISO form (the
    /// fields of the table's leg items).
    pub fn calls(&self) -> Vec<Map<String, Value>> {
        let state = self.state();
        state
            .legs
            .values()
            .map(|leg| {
                let mut item = object(leg);
                let worst = leg
                    .call_id
                    .as_ref()
                    .and_then(|id| state.worst_quality.get(id));
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

    /// Call legs seen.
    pub fn call_count(&self) -> usize {
        self.state().legs.len()
    }

    /// One `SessionSummary` per refreshed session (sorted by conference and
    /// session id), with `start` and `end` in ISO form as the table's session
    /// items.
    pub fn sessions(&self) -> Vec<Map<String, Value>> {
        let state = self.state();
        state
            .sessions
            .iter()
            .map(|(conference, session_id)| {
                let legs: Vec<LegFacts> = state
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

    /// Sessions refreshed.
    pub fn session_count(&self) -> usize {
        self.state().sessions.len()
    }

    /// Every dedupe window opened, with its fingerprint, in the order their
    /// alerts were claimed: each says what its alert reported
    /// ([`Window::held`]) and what was held back after it
    /// ([`Window::repeats`]).
    pub fn windows(&self) -> Vec<(String, Window)> {
        self.state().windows.clone()
    }

    /// The app events of `source_application`, newest first (the table's
    /// access pattern 6).
    pub fn app_events(&self, source_application: &str) -> Vec<Map<String, Value>> {
        self.state()
            .app_events
            .get(source_application)
            .map(|events| events.values().rev().cloned().collect())
            .unwrap_or_default()
    }
}

impl Store for MemoryStore {
    type Error = Infallible;

    async fn upsert_leg(&self, facts: &LegFacts, _event_ms: Millis) -> Result<(), Infallible> {
        self.state()
            .legs
            .entry((facts.session_id.clone(), facts.leg_id.clone()))
            .and_modify(|leg| leg.merge(facts))
            .or_insert_with(|| facts.clone());
        Ok(())
    }

    async fn record_quality(
        &self,
        call_id: &str,
        quality: i64,
        _time: Millis,
    ) -> Result<(), Infallible> {
        let mut state = self.state();
        let worst = state
            .worst_quality
            .entry(call_id.to_owned())
            .or_insert(quality);
        *worst = (*worst).max(quality);
        Ok(())
    }

    /// Nothing to do: the worst quality of a call is looked up when its legs are read.
    async fn apply_pending_quality(
        &self,
        _facts: &LegFacts,
        _time: Millis,
    ) -> Result<(), Infallible> {
        Ok(())
    }

    async fn refresh_session(&self, conference: &str, session_id: &str) -> Result<(), Infallible> {
        self.state()
            .sessions
            .insert((conference.to_owned(), session_id.to_owned()));
        Ok(())
    }

    async fn claim_alert(
        &self,
        fingerprint: &str,
        event_id: &str,
        time: Millis,
        window_ms: Millis,
    ) -> Result<Option<u64>, Infallible> {
        let state = &mut *self.state();
        let current = state.current.get(fingerprint).copied();
        let claim = dedupe::claim(
            current.map(|i| &mut state.windows[i].1),
            event_id,
            time,
            window_ms,
        );
        let held_back = claim.held_back();
        if let Claim::Open(window) = claim {
            state
                .current
                .insert(fingerprint.to_owned(), state.windows.len());
            state.windows.push((fingerprint.to_owned(), window));
        }
        Ok(held_back)
    }

    async fn spend_budget(
        &self,
        severity: Severity,
        event_id: &str,
        time: Millis,
        budget: Budget,
    ) -> Result<Spend, Infallible> {
        let state = &mut *self.state();
        let (spend, opened) =
            dedupe::spend(state.budgets.get_mut(&severity), event_id, time, budget);
        if let Some(window) = opened {
            state.budgets.insert(severity, window);
        }
        Ok(spend)
    }

    async fn hold_alert(
        &self,
        severity: Severity,
        window_start: Millis,
        window_until: Millis,
        held: &HeldAlert,
    ) -> Result<(), Infallible> {
        let state = &mut *self.state();
        let window = state.digests.entry((severity, window_start)).or_default();
        window.until = window_until;
        window.alerts.insert(
            (held.fingerprint.clone(), held.event_id.clone()),
            held.clone(),
        );
        Ok(())
    }

    async fn claim_digests(
        &self,
        ended_by: Millis,
        live_since: Millis,
    ) -> Result<Vec<DueDigest>, Infallible> {
        let state = &mut *self.state();
        let budgets = &state.budgets;
        Ok(state
            .digests
            .iter_mut()
            .filter(|((severity, start), w)| {
                let replaced = budgets.get(severity).is_some_and(|b| b.start > *start);
                w.until <= ended_by && (w.until >= live_since || replaced) && !w.claimed && !w.sent
            })
            .map(|(&(severity, window_start), w)| {
                w.claimed = true;
                DueDigest {
                    severity,
                    window_start,
                    window_until: w.until,
                    held: w.alerts.values().cloned().collect(),
                }
            })
            .collect())
    }

    async fn mark_digest_sent(&self, digest: &DueDigest) -> Result<(), Infallible> {
        let key = (digest.severity, digest.window_start);
        if let Some(w) = self.state().digests.get_mut(&key) {
            w.sent = true;
        }
        Ok(())
    }

    async fn mark_published(&self, fingerprint: &str, event_id: &str) -> Result<(), Infallible> {
        let state = &mut *self.state();
        if let Some(&i) = state.current.get(fingerprint) {
            state.windows[i].1.mark_published(event_id);
        }
        Ok(())
    }

    async fn put_app_event(
        &self,
        source_application: &str,
        time: Millis,
        event_id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), Infallible> {
        self.state()
            .app_events
            .entry(source_application.to_owned())
            .or_default()
            .insert((time, event_id.to_owned()), fields.clone());
        Ok(())
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
