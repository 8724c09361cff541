//! The one builder of an event's [`EventContext`]: where an event of a
//! CloudWatch Logs delivery, or a line of Direct PUT data, came from.
//!
//! The Firehose processor, the alerting Lambda, `logwrangler replay` and the
//! fuzz checks all parse CloudWatch events; building the context in one place
//! keeps their event ids, times and derived ids the same for the same event.

use logwrangler::EventContext;

use crate::envelope::{CloudWatchEnvelope, LogEvent};

/// The header of one CloudWatch Logs delivery: what every event in it shares.
///
/// A value of its own (not only [`CloudWatchEnvelope`]) because the alerting
/// Lambda receives the delivery as `aws_lambda_events` types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogOrigin<'a> {
    /// Source log group.
    pub log_group: Option<&'a str>,
    /// Source log stream.
    pub log_stream: Option<&'a str>,
    /// Account id of the log group's owner.
    pub owner: Option<&'a str>,
}

impl<'a> LogOrigin<'a> {
    /// The context of one event of the delivery: its CloudWatch id (an empty
    /// id counts as none, so a deterministic id is derived from `source` and
    /// `position`) and its CloudWatch time as the delivery time.
    pub fn event_context(
        &self,
        event_id: &'a str,
        timestamp: i64,
        source: &'a str,
        position: u64,
    ) -> EventContext<'a> {
        EventContext {
            log_group: self.log_group,
            log_stream: self.log_stream,
            account_id: self.owner,
            event_id: Some(event_id).filter(|id| !id.is_empty()),
            received_ms: Some(timestamp),
            source,
            position,
            ..EventContext::default()
        }
    }
}

impl CloudWatchEnvelope<'_> {
    /// The envelope's header as a [`LogOrigin`].
    pub fn origin(&self) -> LogOrigin<'_> {
        LogOrigin {
            log_group: self.log_group.as_deref(),
            log_stream: self.log_stream.as_deref(),
            owner: self.owner.as_deref(),
        }
    }

    /// The context of `event`, one of this envelope's events, at `position`
    /// of `source` (see [`LogOrigin::event_context`]).
    pub fn event_context<'s>(
        &'s self,
        event: &'s LogEvent<'_>,
        source: &'s str,
        position: u64,
    ) -> EventContext<'s> {
        self.origin()
            .event_context(&event.id, event.timestamp, source, position)
    }
}

/// The context of line `position` of Direct PUT data: no log group, stream or
/// id (a deterministic id is derived from `source` and `position`), the
/// record's arrival time as the delivery time.
pub fn direct_put_context(
    received_ms: Option<i64>,
    source: &str,
    position: u64,
) -> EventContext<'_> {
    EventContext {
        received_ms,
        source,
        position,
        ..EventContext::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_event_id_is_derived_and_the_header_is_shared() {
        let envelope: CloudWatchEnvelope<'_> = serde_json::from_str(
            r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","logEvents":[{"id":"","timestamp":5,"message":"m"},{"id":"7","timestamp":6,"message":"n"}]}"#,
        )
        .unwrap();
        let first = envelope.event_context(&envelope.log_events[0], "rec", 0);
        assert_eq!(first.event_id, None);
        assert_eq!(
            (first.log_group, first.log_stream, first.account_id),
            (Some("g"), Some("s"), Some("123456789012"))
        );
        let second = envelope.event_context(&envelope.log_events[1], "rec", 1);
        assert_eq!((second.event_id, second.received_ms), (Some("7"), Some(6)));
        assert_eq!((second.source, second.position), ("rec", 1));
        let line = direct_put_context(Some(9), "rec", 3);
        assert_eq!(
            (line.received_ms, line.event_id, line.log_group),
            (Some(9), None, None)
        );
    }
}
