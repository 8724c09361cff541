//! The alert dedupe rules, written once: what one event of a fingerprint does
//! to that fingerprint's window.
//!
//! An alert of a fingerprint opens a window as long as its rule's dedupe
//! window. Repeats inside the window are held back and counted by event id
//! (the same event delivered twice counts once); the next alert after the
//! window reports how many were held back. An event older than the current
//! window is a late or redelivered repeat of a window already closed: it is
//! held back and not counted again. An event whose own alert opened the window
//! but is not marked published may claim it again (its publish failed), so an
//! alert is never lost.
//!
//! [`step`] is the decision as a pure function and [`claim`] applies it to a
//! window held in memory ([`MemoryStore`](crate::store::MemoryStore)).
//! [`DynamoStore`](crate::store::DynamoStore) evaluates the same guards as the
//! conditions of its writes on the `ALERT#<fingerprint>` item, so that
//! concurrent invocations decide atomically in the table; its
//! `claim_alert` names the [`Step`] each write stands for, and a moto test
//! (`the_memory_store_dedupes_as_the_table_does`) checks both stores answer
//! every claim alike.

use std::collections::BTreeSet;

use logwrangler::Severity;
use logwrangler::alert::{Alert, AlertAttributes};
use logwrangler::time::Millis;

/// The dedupe state of one fingerprint (the `ALERT#<fingerprint>` item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Time of the event that opened the window.
    pub start: Millis,
    /// End of the window: an event at or after it opens the next one.
    pub until: Millis,
    /// The event that opened the window: its alert is the window's alert.
    pub event_id: String,
    /// Whether the window's alert is marked published.
    pub published: bool,
    /// Repeats held back in the previous window, which this window's alert reports.
    pub held: u64,
    /// Event ids of the repeats held back in this window so far.
    pub repeats: BTreeSet<String>,
}

/// What one event does to its fingerprint's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No window, or the last one is over: the event opens a window and
    /// publishes, reporting the previous window's repeats.
    Open,
    /// Inside the current window, from another event: held back and counted.
    Repeat,
    /// The event that opened the window, whose alert is not marked published:
    /// it may publish again, with the same count.
    ClaimAgain,
    /// Held back without being counted: a late repeat of a closed window, or
    /// the window's own event once its alert is published.
    Ignore,
}

/// Decides what an event `event_id` at `time` does to `window`.
pub fn step(window: Option<&Window>, event_id: &str, time: Millis) -> Step {
    match window {
        None => Step::Open,
        Some(w) if w.until <= time && w.event_id != event_id => Step::Open,
        Some(w) if w.event_id != event_id && w.start <= time => Step::Repeat,
        Some(w) if w.event_id == event_id && !w.published => Step::ClaimAgain,
        Some(_) => Step::Ignore,
    }
}

/// What a claim decided: publish (opening a new window or again in the
/// current one) or hold back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Publish, and this new window replaces the fingerprint's current one.
    Open(Window),
    /// Publish again (the window's alert was not marked published), reporting
    /// this many held back.
    Again(u64),
    /// Held back (counted in the window already, when it counts).
    HeldBack,
}

impl Claim {
    /// `Some(held_back)` when the event may publish: the repeats its alert reports.
    pub fn held_back(&self) -> Option<u64> {
        match self {
            Claim::Open(window) => Some(window.held),
            Claim::Again(held) => Some(*held),
            Claim::HeldBack => None,
        }
    }
}

/// Applies one event to its fingerprint's current `window`: a repeat is
/// counted in it; a new window is returned for the caller to keep.
pub fn claim(
    window: Option<&mut Window>,
    event_id: &str,
    time: Millis,
    window_ms: Millis,
) -> Claim {
    match (step(window.as_deref(), event_id, time), window) {
        (Step::Open, previous) => Claim::Open(Window {
            start: time,
            until: time.saturating_add(window_ms),
            event_id: event_id.to_owned(),
            published: false,
            held: previous.map_or(0, |w| w.repeats.len() as u64),
            repeats: BTreeSet::new(),
        }),
        (Step::Repeat, Some(w)) => {
            w.repeats.insert(event_id.to_owned());
            Claim::HeldBack
        }
        (Step::ClaimAgain, Some(w)) => Claim::Again(w.held),
        _ => Claim::HeldBack,
    }
}

impl Window {
    /// Marks the window's alert published, if `event_id` still owns the window.
    pub fn mark_published(&mut self, event_id: &str) {
        if self.event_id == event_id {
            self.published = true;
        }
    }
}

/// A per-topic alert budget: at most `limit` messages per window of
/// `window_ms` on one SNS topic (one severity). SNS email delivers a few
/// messages per second per topic and an inbox flood hides the alert that
/// matters, so past the budget alerts are held and one digest per window
/// accounts for them.
///
/// A topic's window opens with the first alert after the previous one ended
/// (like a dedupe window), so a burst inside one `window_ms` meets one budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Messages per window (digests not counted).
    pub limit: u64,
    /// Window length.
    pub window_ms: Millis,
}

impl Default for Budget {
    /// Five messages per five minutes.
    fn default() -> Self {
        Budget {
            limit: 5,
            window_ms: 300_000,
        }
    }
}

/// The budget state of one topic (the `BUDGET#<severity>` item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetWindow {
    /// Time of the alert that opened the window.
    pub start: Millis,
    /// End of the window.
    pub until: Millis,
    /// Event ids of the alerts sent within the budget (a retry of one of
    /// them sends again; the set never exceeds the limit).
    pub sent: BTreeSet<String>,
}

/// What the budget decided for one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Send it; it counts against the window starting at `window_start`.
    Publish { window_start: Millis },
    /// Over the budget: hold it for the digest of this window.
    Hold {
        window_start: Millis,
        window_until: Millis,
    },
}

/// Applies one alert `event_id` at `time` to a topic's budget `window`;
/// returns the decision and the new window when this alert opened one.
pub fn spend(
    window: Option<&mut BudgetWindow>,
    event_id: &str,
    time: Millis,
    budget: Budget,
) -> (Spend, Option<BudgetWindow>) {
    match window {
        Some(w) if time < w.until => {
            if w.sent.contains(event_id) || (w.sent.len() as u64) < budget.limit {
                w.sent.insert(event_id.to_owned());
                (
                    Spend::Publish {
                        window_start: w.start,
                    },
                    None,
                )
            } else {
                (
                    Spend::Hold {
                        window_start: w.start,
                        window_until: w.until,
                    },
                    None,
                )
            }
        }
        _ if budget.limit == 0 => (
            Spend::Hold {
                window_start: time,
                window_until: time.saturating_add(budget.window_ms),
            },
            None,
        ),
        _ => (
            Spend::Publish { window_start: time },
            Some(BudgetWindow {
                start: time,
                until: time.saturating_add(budget.window_ms),
                sent: BTreeSet::from([event_id.to_owned()]),
            }),
        ),
    }
}

/// One alert held over budget, as the digest reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldAlert {
    /// The alert's fingerprint.
    pub fingerprint: String,
    /// The event that raised it.
    pub event_id: String,
    /// Who sent it (the Pexip node, the application, ...).
    pub source: String,
    /// Its event time.
    pub time: Millis,
    /// Its subject.
    pub subject: String,
}

/// A window's digest, ready to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDigest {
    /// The topic's severity.
    pub severity: Severity,
    /// The window.
    pub window_start: Millis,
    pub window_until: Millis,
    /// Every alert held in it.
    pub held: Vec<HeldAlert>,
}

/// One fingerprint's line of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub fingerprint: String,
    pub subject: String,
    pub count: usize,
    pub sources: BTreeSet<String>,
    pub first: Millis,
    pub last: Millis,
}

/// The held alerts grouped by fingerprint: count, sources, first and last
/// time; the largest groups first.
pub fn digest_lines(held: &[HeldAlert]) -> Vec<DigestLine> {
    let mut by: std::collections::BTreeMap<&str, DigestLine> = Default::default();
    let mut seen = BTreeSet::new();
    for alert in held {
        // The same held alert stored twice (a retry) counts once.
        if !seen.insert((&alert.fingerprint, &alert.event_id)) {
            continue;
        }
        let line = by.entry(&alert.fingerprint).or_insert_with(|| DigestLine {
            fingerprint: alert.fingerprint.clone(),
            subject: alert.subject.clone(),
            count: 0,
            sources: BTreeSet::new(),
            first: alert.time,
            last: alert.time,
        });
        line.count += 1;
        line.sources.insert(alert.source.clone());
        line.first = line.first.min(alert.time);
        line.last = line.last.max(alert.time);
    }
    let mut lines: Vec<DigestLine> = by.into_values().collect();
    lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    lines
}

/// The digest message of a window: one alert on the window's topic that
/// accounts for every alert held in it.
pub fn digest_alert(due: &DueDigest) -> Alert {
    use logwrangler::time::iso_string;
    let lines = digest_lines(&due.held);
    let total: usize = lines.iter().map(|l| l.count).sum();
    let severity = due.severity.as_str();
    let mut body = format!(
        "{total} {severity} alert(s) were held over the topic's budget between {} and {} \
         ({} fingerprint(s)):\n\n",
        iso_string(due.window_start),
        iso_string(due.window_until),
        lines.len()
    );
    for line in &lines {
        body.push_str(&format!(
            "- x{} {} | sources: {} | first {} | last {} | fingerprint {}\n",
            line.count,
            line.subject,
            line.sources.iter().cloned().collect::<Vec<_>>().join(", "),
            iso_string(line.first),
            iso_string(line.last),
            line.fingerprint
        ));
    }
    Alert {
        severity: due.severity,
        fingerprint: format!("digest:{severity}:{}", due.window_start),
        subject: format!("logwrangler digest: {total} {severity} alert(s) held"),
        body,
        attributes: AlertAttributes {
            severity,
            log_type: "digest".into(),
            source: "logwrangler".into(),
        },
        rule: None,
        dedupe_window: std::time::Duration::from_millis(
            (due.window_until - due.window_start).max(0) as u64,
        ),
        event_id: format!("digest-{severity}-{}", due.window_start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Millis = 60_000;

    /// A fingerprint's current window, claimed as a store does.
    #[derive(Default)]
    struct Fingerprint(Option<Window>);

    impl Fingerprint {
        fn claim(&mut self, event_id: &str, time: Millis) -> Option<u64> {
            let claim = claim(self.0.as_mut(), event_id, time, MINUTE);
            let held = claim.held_back();
            if let Claim::Open(window) = claim {
                self.0 = Some(window);
            }
            held
        }

        fn window(&self) -> &Window {
            self.0.as_ref().unwrap()
        }
    }

    #[test]
    fn repeats_are_counted_once_and_reported_by_the_next_window() {
        let mut f = Fingerprint::default();
        assert_eq!(f.claim("a", 0), Some(0));
        f.0.as_mut().unwrap().mark_published("a");
        assert_eq!(f.claim("b", 1_000), None);
        assert_eq!(f.claim("b", 1_000), None, "a retry");
        assert_eq!(f.claim("c", 2_000), None);
        assert_eq!(f.claim("a", 0), None, "published already");
        assert_eq!(f.window().repeats.len(), 2);
        assert_eq!(f.claim("d", MINUTE), Some(2));
        assert_eq!(f.window().held, 2);
        assert!(f.window().repeats.is_empty());
    }

    #[test]
    fn late_repeats_are_not_counted_and_an_unpublished_alert_is_claimed_again() {
        let mut f = Fingerprint::default();
        assert_eq!(f.claim("a", 10_000), Some(0));
        assert_eq!(step(f.0.as_ref(), "late", 5_000), Step::Ignore);
        assert_eq!(f.claim("late", 5_000), None);
        assert!(f.window().repeats.is_empty());
        assert_eq!(f.claim("b", 11_000), None);
        // "a"'s publish failed: its retry publishes, with the same count.
        assert_eq!(f.claim("a", 10_000), Some(0));
        f.0.as_mut().unwrap().mark_published("b");
        assert!(!f.window().published, "only the owner marks");
        f.0.as_mut().unwrap().mark_published("a");
        assert_eq!(f.claim("a", 10_000), None);
    }

    #[test]
    fn the_budget_sends_the_limit_then_holds_and_a_retry_sends_again() {
        let budget = Budget {
            limit: 2,
            window_ms: MINUTE,
        };
        let mut current: Option<BudgetWindow> = None;
        let mut take = |id: &str, time: Millis| {
            let (spend, opened) = spend(current.as_mut(), id, time, budget);
            if let Some(w) = opened {
                current = Some(w);
            }
            spend
        };
        assert_eq!(take("a", 0), Spend::Publish { window_start: 0 });
        assert_eq!(take("b", 10), Spend::Publish { window_start: 0 });
        assert_eq!(
            take("c", 20),
            Spend::Hold {
                window_start: 0,
                window_until: MINUTE
            }
        );
        assert_eq!(take("a", 0), Spend::Publish { window_start: 0 }, "a retry");
        assert_eq!(
            take("d", MINUTE),
            Spend::Publish {
                window_start: MINUTE
            }
        );
    }

    #[test]
    fn a_digest_groups_held_alerts_by_fingerprint() {
        let held = |fp: &str, id: &str, source: &str, time| HeldAlert {
            fingerprint: fp.into(),
            event_id: id.into(),
            source: source.into(),
            time,
            subject: format!("[critical] {fp}"),
        };
        let due = DueDigest {
            severity: Severity::Critical,
            window_start: 0,
            window_until: MINUTE,
            held: vec![
                held("f1", "1", "px-conf01", 5),
                held("f1", "2", "px-conf02", 1),
                held("f1", "2", "px-conf02", 1),
                held("f2", "3", "px-conf01", 3),
            ],
        };
        let lines = digest_lines(&due.held);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].count, lines[0].first, lines[0].last), (2, 1, 5));
        assert_eq!(lines[0].sources.len(), 2);
        let alert = digest_alert(&due);
        assert_eq!(
            alert.subject,
            "logwrangler digest: 3 critical alert(s) held"
        );
        assert!(
            alert.body.contains("px-conf01, px-conf02"),
            "{}",
            alert.body
        );
    }
}
