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
}
