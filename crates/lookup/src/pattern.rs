//! What an operator asks ([`Lookup`]) and the one DynamoDB Query that answers
//! it ([`plan`]): the key layout of `alerting-lambda`'s store, in one place
//! for the readers.
//!
//! | lookup | index | partition key | sort key | order |
//! |---|---|---|---|---|
//! | conference | gsi1 | `CONF#<name>` | start time | newest first |
//! | session | table | `SESSION#<id>` | `LEG#...`, `META` | by leg |
//! | call | gsi1 | `CALL#<call id>` | join time | oldest first |
//! | participant | gsi2 | `ALIAS#<alias>` | join time | newest first |
//! | active | gsi2 | `ACTIVE` | `<conference>#<id>` | by conference |
//! | app | table | `APP#<source>` | `<time>#<event id>` | newest first |

use logwrangler::time::{Millis, iso_string, parse_iso8601};

use crate::LookupError;

/// One of the six access patterns, with its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A conference's sessions, newest first.
    Conference(String),
    /// One session: its summary and all its call legs.
    Session(String),
    /// The legs of one call, by call id.
    Call(String),
    /// A participant alias's recent calls, newest first (the alias as stored:
    /// its token when pseudonymisation is on).
    Participant(String),
    /// Conference sessions active now.
    Active,
    /// An application's recent events, newest first.
    App(String),
}

/// A time range, both ends inclusive, either open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// From this instant (epoch ms).
    pub since: Option<Millis>,
    /// Up to this instant (epoch ms), inclusive.
    pub until: Option<Millis>,
}

impl Window {
    /// Reads `--since`/`--until` (or the API's `since`/`until`): an ISO 8601
    /// time, or a duration back from `now_ms` such as `90m`, `6h`, `7d`, so
    /// that "this morning" needs no date arithmetic.
    pub fn parse(
        since: Option<&str>,
        until: Option<&str>,
        now_ms: Millis,
    ) -> Result<Window, LookupError> {
        let one = |name: &str, text: Option<&str>| -> Result<Option<Millis>, LookupError> {
            let Some(text) = text.map(str::trim) else {
                return Ok(None);
            };
            parse_time(text, now_ms).map(Some).ok_or_else(|| {
                LookupError::BadParameter(format!(
                    "{name} {text:?} is not a time: give ISO 8601 (2026-11-24T06:00:00Z) or a duration back from now (30m, 6h, 7d)"
                ))
            })
        };
        let window = Window {
            since: one("since", since)?,
            until: one("until", until)?,
        };
        if let (Some(since), Some(until)) = (window.since, window.until)
            && since > until
        {
            return Err(LookupError::BadParameter(format!(
                "since ({}) is after until ({})",
                iso_string(since),
                iso_string(until)
            )));
        }
        Ok(window)
    }

    fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

fn parse_time(text: &str, now_ms: Millis) -> Option<Millis> {
    if let Some(ms) = parse_iso8601(text) {
        return Some(ms);
    }
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let unit_ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    (count >= 0).then(|| now_ms - count * unit_ms)
}

/// A sort key condition of a Query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    /// `begins_with(sk, prefix)`.
    BeginsWith(String),
    /// `sk >= from` and/or `sk <= to` (lexical: the keys are ISO times).
    Range {
        from: Option<String>,
        to: Option<String>,
    },
}

/// A condition on a non-key attribute (a Query FilterExpression): used where
/// the sort key is not a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFilter {
    /// The ISO time attribute compared (`start` of a session).
    pub attribute: &'static str,
    /// Lower bound, inclusive.
    pub from: Option<String>,
    /// Upper bound, inclusive.
    pub to: Option<String>,
}

/// The one Query that answers a [`Lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `None` for the table itself.
    pub index: Option<&'static str>,
    /// The partition key attribute of the table or index queried.
    pub partition_attribute: &'static str,
    /// The partition queried (`CONF#meet.alice`).
    pub partition_value: String,
    /// The sort key attribute of the table or index queried.
    pub sort_attribute: &'static str,
    /// The sort key condition, if any.
    pub sort: Option<SortKey>,
    /// A condition on a non-key time attribute, if any.
    pub filter: Option<TimeFilter>,
    /// Ascending sort key order (`ScanIndexForward`).
    pub forward: bool,
}

/// The Query of `lookup` restricted to `window`. A window on a single session
/// is refused: a session is answered whole.
pub fn plan(lookup: &Lookup, window: &Window) -> Result<Plan, LookupError> {
    // Sort keys are ISO times (possibly followed by `#id`): `~` sorts after every suffix.
    let from = window.since.map(iso_string);
    let to = window.until.map(|t| format!("{}~", iso_string(t)));
    let range = || {
        (!window.is_open()).then(|| SortKey::Range {
            from: from.clone(),
            to: to.clone(),
        })
    };
    let on = |index: &'static str, partition_value: String, forward: bool| Plan {
        index: Some(index),
        partition_attribute: if index == "gsi1" { "gsi1pk" } else { "gsi2pk" },
        partition_value,
        sort_attribute: if index == "gsi1" { "gsi1sk" } else { "gsi2sk" },
        sort: range(),
        filter: None,
        forward,
    };
    Ok(match lookup {
        Lookup::Conference(name) => on("gsi1", format!("CONF#{name}"), false),
        Lookup::Call(id) => on("gsi1", format!("CALL#{id}"), true),
        Lookup::Participant(alias) => on("gsi2", format!("ALIAS#{alias}"), false),
        Lookup::Active => Plan {
            sort: None,
            filter: (!window.is_open()).then(|| TimeFilter {
                attribute: "start",
                from: from.clone(),
                to: to.clone(),
            }),
            forward: true,
            ..on("gsi2", "ACTIVE".into(), true)
        },
        Lookup::Session(id) => {
            if !window.is_open() {
                return Err(LookupError::BadParameter(
                    "since/until do not apply to a session: it is answered whole".into(),
                ));
            }
            Plan {
                index: None,
                partition_attribute: "pk",
                partition_value: format!("SESSION#{id}"),
                sort_attribute: "sk",
                sort: None,
                filter: None,
                forward: true,
            }
        }
        Lookup::App(source) => Plan {
            index: None,
            partition_attribute: "pk",
            partition_value: format!("APP#{source}"),
            sort_attribute: "sk",
            sort: range(),
            filter: None,
            forward: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_iso_times_and_durations() {
        let now = parse_iso8601("2026-11-24T12:00:00Z").unwrap();
        let w = Window::parse(Some("6h"), Some("2026-11-24T11:00:00Z"), now).unwrap();
        assert_eq!(w.since, parse_iso8601("2026-11-24T06:00:00Z"));
        assert_eq!(w.until, parse_iso8601("2026-11-24T11:00:00Z"));
        assert!(matches!(
            Window::parse(Some("yesterday"), None, now),
            Err(LookupError::BadParameter(_))
        ));
        assert!(Window::parse(Some("1h"), Some("2h"), now).is_err());
    }

    #[test]
    fn plans_use_the_key_layout() {
        let w = Window {
            since: Some(0),
            until: None,
        };
        let p = plan(&Lookup::Conference("meet.alice".into()), &w).unwrap();
        assert_eq!(p.index, Some("gsi1"));
        assert_eq!(p.partition_value, "CONF#meet.alice");
        assert!(!p.forward);
        assert_eq!(
            p.sort,
            Some(SortKey::Range {
                from: Some("1970-01-01T00:00:00.000Z".into()),
                to: None
            })
        );
        assert!(plan(&Lookup::Session("s".into()), &w).is_err());
        let p = plan(&Lookup::Active, &w).unwrap();
        assert_eq!((p.sort, p.filter.is_some()), (None, true));
    }
}
