//! Conference and call summaries (docs/ARCHITECTURE.md §7), as pure functions: what
//! one Pexip `administrator.conference` or `support.media` record says about a
//! call leg, and the aggregate of a conference session computed from its legs.
//!
//! The aggregate is always recomputed from the stored legs rather than kept as
//! running counters: a redelivered batch, events out of order or in separate
//! invocations all converge on the same, exact numbers.
//!
//! People, not legs: `BACKPLANE` legs (node to node) are not participants, and
//! the legs that share a `Conversation-id` (a WebRTC user's `API` leg and its
//! media leg) are one person.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::pexip_support::PexipSupport;
use crate::record::{Body, Record, Severity};
use crate::time::Millis;

/// Pexip's call quality scale (`Was`/`Now`): 0 unknown, 1 good, 2 okay, 3 bad, 4 terrible.
pub const QUALITY_NAMES: [&str; 5] = ["unknown", "good", "okay", "bad", "terrible"];

/// What a record says about a call leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegUpdate {
    /// A participant joined or left: the leg's own fields.
    Leg(Box<LegFacts>),
    /// A call's quality changed (known by call id only).
    Quality {
        call_id: String,
        quality: i64,
        time: Millis,
    },
}

/// What is known about one call leg; every event contributes some fields, and
/// merging in any order gives the same leg.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegFacts {
    /// Conference (service) name.
    pub conference: String,
    /// The conference session this leg belongs to.
    pub session_id: String,
    /// Leg identity: `Participant-id`, else `Call-id`, else the event id.
    pub leg_id: String,
    pub call_id: Option<String>,
    pub conversation_id: Option<String>,
    /// Remote alias (`Participant`).
    pub alias: Option<String>,
    pub display_name: Option<String>,
    pub protocol: Option<String>,
    pub direction: Option<String>,
    pub remote_address: Option<String>,
    pub vendor: Option<String>,
    pub role: Option<String>,
    pub service_type: Option<String>,
    pub location: Option<String>,
    pub signaling_node: Option<String>,
    pub media_node: Option<String>,
    pub licenses: Option<i64>,
    pub license_type: Option<String>,
    /// Join time, epoch ms.
    pub joined_ms: Option<Millis>,
    /// Leave time, epoch ms.
    pub left_ms: Option<Millis>,
    /// `Duration` reported on the disconnect, seconds.
    pub duration_s: Option<String>,
    /// Disconnect reason (`Detail` of the disconnect).
    pub disconnect_reason: Option<String>,
    /// Whether the severity rules rated the disconnect warning or worse.
    pub abnormal: Option<bool>,
}

fn owned(value: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "None")
        .map(str::to_owned)
}

/// The session a conference event belongs to: Pexip's `Conference-ID` when the
/// line carries one, else the conference name and the UTC day of the event (a
/// day-long session: without an id, sessions of one room on one day merge).
pub fn session_id(p: &PexipSupport<'_>, conference: &str, time: Millis) -> String {
    match owned(&p.keys.conference_id) {
        Some(id) => id,
        None => format!("{conference}@{}", &crate::time::iso_string(time)[..10]),
    }
}

/// Reads a classified record: `Participant has joined.` / `has disconnected.`
/// on `administrator.conference` give leg facts, `Stable call quality
/// changed` on `support.media` a quality change; everything else nothing.
pub fn leg_update(record: &Record<'_>, severity: Severity) -> Option<LegUpdate> {
    let Body::PexipSupport(p) = &record.body else {
        return None;
    };
    let message = p.message.as_deref().unwrap_or_default();
    let time = record.envelope.timestamp;
    if p.name == "support.media" && message.starts_with("Stable call quality changed") {
        return Some(LegUpdate::Quality {
            call_id: owned(&p.keys.call_id)?,
            quality: p.keys.now?,
            time,
        });
    }
    if p.name != "administrator.conference" {
        return None;
    }
    let joined = message.starts_with("Participant has joined");
    let left = message.starts_with("Participant has disconnected");
    if !joined && !left {
        return None;
    }
    let keys = &p.keys;
    let conference = owned(&keys.conference).or_else(|| owned(&keys.conferencealias))?;
    let leg_id = owned(&keys.participant_id)
        .or_else(|| owned(&keys.call_id))
        .unwrap_or_else(|| record.envelope.event_id.to_string());
    Some(LegUpdate::Leg(Box::new(LegFacts {
        session_id: session_id(p, &conference, time),
        conference,
        leg_id,
        call_id: owned(&keys.call_id),
        conversation_id: owned(&keys.conversation_id),
        alias: owned(&keys.participant).or_else(|| owned(&keys.participant_alias)),
        display_name: owned(&keys.displayname),
        protocol: owned(&keys.protocol),
        direction: owned(&keys.direction),
        remote_address: owned(&keys.remote_address),
        vendor: owned(&keys.vendor),
        role: owned(&keys.role),
        service_type: owned(&keys.service_type),
        location: owned(&keys.location),
        signaling_node: owned(&keys.signaling_node),
        media_node: owned(&keys.media_node),
        licenses: keys.licenses,
        license_type: owned(&keys.license_type),
        joined_ms: joined.then_some(time),
        left_ms: left.then_some(time),
        duration_s: left
            .then(|| keys.duration.map(|d| format!("{d}")))
            .flatten(),
        disconnect_reason: if left {
            p.detail
                .as_deref()
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
        } else {
            None
        },
        abnormal: left.then_some(severity >= Severity::Warning),
    })))
}

impl LegFacts {
    /// Merges another event's facts into this leg: times keep the earliest join
    /// and the latest leave, other fields fill what is still unknown.
    pub fn merge(&mut self, other: &LegFacts) {
        macro_rules! fill {
            ($($field:ident),*) => {$(
                if self.$field.is_none() {
                    self.$field = other.$field.clone();
                }
            )*};
        }
        fill!(
            call_id,
            conversation_id,
            alias,
            display_name,
            protocol,
            direction,
            remote_address,
            vendor,
            role,
            service_type,
            location,
            signaling_node,
            media_node,
            licenses,
            license_type,
            duration_s,
            disconnect_reason,
            abnormal
        );
        self.joined_ms = match (self.joined_ms, other.joined_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.left_ms = match (self.left_ms, other.left_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// Whether the leg is a person (not a node-to-node backplane leg).
    pub fn is_person(&self) -> bool {
        !self
            .protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("BACKPLANE"))
    }

    /// The person this leg belongs to: legs sharing a conversation id are one.
    pub fn person_key(&self) -> &str {
        self.conversation_id.as_deref().unwrap_or(&self.leg_id)
    }
}

/// A conference session summarised from its legs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub conference: String,
    pub session_id: String,
    /// First join, epoch ms.
    pub start_ms: Option<Millis>,
    /// Last leave, once every leg has left.
    pub end_ms: Option<Millis>,
    /// Seconds from start to end (or to the latest event while active).
    pub duration_s: Option<i64>,
    /// Distinct people who joined (backplane legs excluded, API+media legs counted once).
    pub participants_total: u64,
    /// People connected at the latest known moment.
    pub concurrent_now: u64,
    /// Most people connected at once.
    pub max_concurrent: u64,
    /// Legs, backplane included.
    pub legs: u64,
    /// Legs that ended abnormally.
    pub abnormal_disconnects: u64,
    /// Protocol mix of the people's legs.
    pub protocols: BTreeMap<String, u64>,
    /// Licences used by the people's legs.
    pub licenses: i64,
    /// True while someone is still connected.
    pub active: bool,
}

/// Summarises a session from all its legs (any order; each leg already merged).
pub fn summarise(conference: &str, session_id: &str, legs: &[LegFacts]) -> SessionSummary {
    let mut summary = SessionSummary {
        conference: conference.into(),
        session_id: session_id.into(),
        legs: legs.len() as u64,
        ..Default::default()
    };
    // One interval per person: earliest join to latest leave over their legs.
    let mut people: BTreeMap<&str, (Option<Millis>, Option<Millis>, bool)> = BTreeMap::new();
    for leg in legs {
        summary.start_ms = min_opt(summary.start_ms, leg.joined_ms);
        if leg.abnormal == Some(true) {
            summary.abnormal_disconnects += 1;
        }
        if !leg.is_person() {
            continue;
        }
        if let Some(protocol) = &leg.protocol {
            *summary.protocols.entry(protocol.clone()).or_default() += 1;
        }
        summary.licenses += leg.licenses.unwrap_or(0);
        let entry = people.entry(leg.person_key()).or_insert((None, None, true));
        entry.0 = min_opt(entry.0, leg.joined_ms);
        entry.1 = max_opt(entry.1, leg.left_ms);
        // A person is gone only when every one of their legs has left.
        entry.2 &= leg.left_ms.is_some();
    }
    summary.participants_total = people.len() as u64;
    summary.concurrent_now = people.values().filter(|(_, _, gone)| !gone).count() as u64;
    summary.active = summary.concurrent_now > 0 || legs.iter().any(|l| l.left_ms.is_none());
    let latest = legs
        .iter()
        .flat_map(|l| [l.joined_ms, l.left_ms])
        .flatten()
        .max();
    if !summary.active {
        summary.end_ms = legs.iter().filter_map(|l| l.left_ms).max();
    }
    summary.duration_s = match (summary.start_ms, summary.end_ms.or(latest)) {
        (Some(start), Some(end)) if end >= start => Some((end - start) / 1000),
        _ => None,
    };
    // Sweep: +1 at each join, -1 at each leave (leaves first at equal times).
    let mut edges: Vec<(Millis, i64)> = Vec::with_capacity(people.len() * 2);
    for (joined, left, gone) in people.values() {
        if let Some(joined) = joined {
            edges.push((*joined, 1));
            if *gone && let Some(left) = left {
                edges.push((*left, -1));
            }
        }
    }
    edges.sort_by_key(|&(t, delta)| (t, delta));
    let mut now = 0i64;
    for (_, delta) in edges {
        now += delta;
        summary.max_concurrent = summary.max_concurrent.max(now.max(0) as u64);
    }
    summary
}

fn min_opt(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventContext, LineParser};

    fn line(time: &str, message: &str, keys: &str) -> String {
        format!(
            r#"2026-03-02T{time}.000+00:00 px-conf01 2026-03-02 {time},000 Level="INFO" Name="administrator.conference" Message="{message}" {keys}"#
        )
    }

    fn updates(lines: &[String]) -> Vec<LegUpdate> {
        let mut parser = LineParser::default();
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let record = parser
                    .parse_line(
                        l,
                        &EventContext {
                            source: "t",
                            position: i as u64,
                            ..Default::default()
                        },
                    )
                    .into_record()?;
                leg_update(&record, record.envelope.severity)
            })
            .collect()
    }

    fn legs(updates: &[LegUpdate]) -> Vec<LegFacts> {
        let mut by_id: BTreeMap<String, LegFacts> = BTreeMap::new();
        for u in updates {
            if let LegUpdate::Leg(facts) = u {
                by_id
                    .entry(facts.leg_id.clone())
                    .and_modify(|l| l.merge(facts))
                    .or_insert_with(|| (**facts).clone());
            }
        }
        by_id.into_values().collect()
    }

    fn day() -> Vec<String> {
        let conf = r#"Conference="meet.alice" Conference-ID="c-1""#;
        vec![
            line(
                "10:00:00",
                "Participant has joined.",
                &format!(
                    r#"{conf} Participant="sip:bob@example.com" Participant-id="p-bob" Call-id="call-bob" Protocol="SIP" Licenses="1""#
                ),
            ),
            line(
                "10:01:00",
                "Participant has joined.",
                &format!(
                    r#"{conf} Participant="carol" Participant-id="p-carol-api" Conversation-id="conv-carol" Protocol="API""#
                ),
            ),
            line(
                "10:01:01",
                "Participant has joined.",
                &format!(
                    r#"{conf} Participant="carol" Participant-id="p-carol-media" Conversation-id="conv-carol" Protocol="WebRTC" Licenses="1""#
                ),
            ),
            line(
                "10:02:00",
                "Participant has joined.",
                &format!(
                    r#"{conf} Participant="px-edge02" Participant-id="p-bp" Protocol="BACKPLANE""#
                ),
            ),
            line(
                "10:30:00",
                "Participant has disconnected.",
                &format!(
                    r#"{conf} Participant-id="p-bob" Call-id="call-bob" Protocol="SIP" Duration="1800.0" Detail="Call disconnected""#
                ),
            ),
            line(
                "10:40:00",
                "Participant has disconnected.",
                &format!(
                    r#"{conf} Participant-id="p-carol-media" Conversation-id="conv-carol" Protocol="WebRTC" Detail="Media timeout""#
                ),
            ),
            line(
                "10:40:00",
                "Participant has disconnected.",
                &format!(
                    r#"{conf} Participant-id="p-carol-api" Conversation-id="conv-carol" Protocol="API" Detail="Call disconnected""#
                ),
            ),
            line(
                "10:40:05",
                "Participant has disconnected.",
                &format!(
                    r#"{conf} Participant-id="p-bp" Protocol="BACKPLANE" Detail="Call disconnected""#
                ),
            ),
        ]
    }

    #[test]
    fn people_not_legs_are_counted() {
        let summary = summarise("meet.alice", "c-1", &legs(&updates(&day())));
        assert_eq!(summary.legs, 4);
        assert_eq!(
            summary.participants_total, 2,
            "bob, and carol's API+media legs as one"
        );
        assert_eq!(summary.max_concurrent, 2);
        assert_eq!(summary.concurrent_now, 0);
        assert!(!summary.active);
        assert_eq!(summary.duration_s, Some(2405));
        assert_eq!(summary.licenses, 2);
        assert_eq!(
            summary.abnormal_disconnects, 1,
            "Media timeout is not a normal reason"
        );
        assert_eq!(summary.protocols.get("BACKPLANE"), None);
    }

    #[test]
    fn order_and_redelivery_do_not_change_the_summary() {
        let all = updates(&day());
        let expected = summarise("meet.alice", "c-1", &legs(&all));
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(summarise("meet.alice", "c-1", &legs(&reversed)), expected);
        let twice: Vec<LegUpdate> = all.iter().chain(all.iter()).cloned().collect();
        assert_eq!(summarise("meet.alice", "c-1", &legs(&twice)), expected);
    }

    #[test]
    fn an_active_session_counts_who_is_still_there() {
        let summary = summarise("meet.alice", "c-1", &legs(&updates(&day()[..5])));
        assert!(summary.active);
        assert_eq!(summary.concurrent_now, 1);
        assert_eq!(summary.end_ms, None);
        assert_eq!(summary.participants_total, 2);
    }

    #[test]
    fn disconnect_facts_and_quality_changes() {
        let u = updates(&day());
        let LegUpdate::Leg(bob_left) = &u[4] else {
            panic!()
        };
        assert_eq!(
            bob_left.disconnect_reason.as_deref(),
            Some("Call disconnected")
        );
        assert_eq!(bob_left.abnormal, Some(false));
        assert_eq!(bob_left.duration_s.as_deref(), Some("1800"));
        let LegUpdate::Leg(carol_left) = &u[5] else {
            panic!()
        };
        assert_eq!(carol_left.abnormal, Some(true));
        let quality = r#"2026-03-02T10:05:00.000+00:00 px-conf01 2026-03-02 10:05:00,000 Level="INFO" Name="support.media" Message="Stable call quality changed." Call-id="call-bob" Was="1" Now="3""#;
        assert_eq!(
            updates(&[quality.to_string()]),
            [LegUpdate::Quality {
                call_id: "call-bob".into(),
                quality: 3,
                time: 1_772_445_900_000
            }]
        );
    }
}
