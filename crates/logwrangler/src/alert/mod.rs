//! Alerts (docs/ARCHITECTURE.md §8): a classified record turned into one SNS message.
//!
//! | part | SNS field | notes |
//! |---|---|---|
//! | `subject` | `Subject` | `[CRITICAL] pexip px-conf01: Connectivity lost to node. (10.1.1.128)`: printable ASCII only, no line breaks, at most [`MAX_SUBJECT_LEN`] (99) bytes, never empty |
//! | `body` | `Message` | plain text for the person on call: what, where, when, call identities, the rule, suppressed repeats, an Athena query to look further, the record itself; at most [`MAX_BODY_BYTES`] |
//! | `attributes.severity` | message attribute `severity` | `critical` ... `debug` |
//! | `attributes.log_type` | message attribute `log_type` | the record's log_type |
//! | `attributes.source` | message attribute `source` | [`source_of`]: node, application, event source, load balancer, bucket, interface or log group |
//! | `fingerprint` | (dedupe key) | [`fingerprint`]: 32 hex digits; one problem repeated shares it |
//! | `dedupe_window` | (dedupe TTL) | from the rule that fired, else the default |
//!
//! Sanitising (SNS delivers email as `text/plain`, so nothing is HTML-escaped):
//! - The subject keeps printable ASCII (0x20..=0x7e); any whitespace or line
//!   break becomes one space, control characters, ANSI escape sequences and
//!   invisible format characters (bidi overrides, zero-width) are dropped, every
//!   other non-ASCII character becomes `?`. AWS documents the subject as "less
//!   than 100 characters", so it is cut to 99 with `...`.
//! - The body keeps `\n` and `\t`; `\r\n` and a lone `\r` become `\n`; other
//!   control characters, ANSI escape sequences and invisible format characters
//!   are removed; Unicode line and paragraph separators become spaces. Markup
//!   characters such as `<` and `>` are kept: the body is never interpreted as
//!   markup or headers (SNS builds the email headers itself, and the subject can
//!   hold no line break). So that text from a log line cannot pose as one of the
//!   body's own labelled lines, every continuation line of a value is indented.
//!   The body is cut at a character boundary with a `... (truncated)` marker.

use std::time::Duration;

use crate::record::Severity;

mod fingerprint;
mod message;
mod sanitize;

pub use fingerprint::{MAX_NORMALISED_CHARS, fingerprint, normalise_message, source_of};
pub use message::build_alert;
pub use sanitize::{
    MAX_BODY_BYTES, MAX_SUBJECT_LEN, TRUNCATED_MARKER, sanitize_body, sanitize_subject,
};

#[cfg(test)]
use crate::record::Record;
#[cfg(test)]
use message::LABEL_WIDTH;
#[cfg(test)]
use sanitize::{FALLBACK_SUBJECT, is_invisible};

/// SNS message attributes, so subscribers can filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertAttributes {
    /// Normalised severity name.
    pub severity: &'static str,
    /// The record's log_type.
    pub log_type: String,
    /// Who produced the record ([`source_of`]).
    pub source: String,
}

/// One SNS alert, ready to publish (after the dedupe check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Severity: decides the topic.
    pub severity: Severity,
    /// Dedupe key: equal for repeats of one problem ([`fingerprint`]).
    pub fingerprint: String,
    /// Email subject, already sanitised.
    pub subject: String,
    /// Plain-text message, already sanitised and bounded.
    pub body: String,
    /// Message attributes.
    pub attributes: AlertAttributes,
    /// Name of the rule that decided the severity, if any.
    pub rule: Option<String>,
    /// Repeats of the fingerprint inside this window are published once.
    pub dedupe_window: Duration,
    /// The record's event id.
    pub event_id: String,
}

/// Where the Athena hint in the body points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryHint {
    /// Glue database holding one table per log_type.
    pub database: String,
    /// Athena workgroup to run the query in.
    pub workgroup: String,
}

impl Default for QueryHint {
    fn default() -> Self {
        QueryHint {
            database: "logwrangler".into(),
            workgroup: "logwrangler".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LogType;
    use crate::severity::Rules;
    use crate::{EventContext, LineParser};
    use proptest::prelude::*;

    const ALARM: &str = r#"2026-03-02T10:17:41.199+00:00 px-mgr01 2026-03-02 10:17:41,198 Level="WARNING" Name="administrator.alarm" Message="Alarm raised" Node="10.1.1.128" Alarm="Call capacity limit reached" Instance="px-conf02" Time="2026-03-02 10:17:41.198" Detail="Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)""#;
    const DISCONNECT: &str = r#"2026-03-02T10:19:57.342+00:00 px-conf01 2026-03-02 10:19:57,341 Level="INFO" Name="administrator.conference" Message="Participant has disconnected." Conference="meet.alice" Participant="sip:bob@example.com" Protocol="SIP" Call-id="ab6dabf8-437e-45c8-8f7d-6978c44116c9" Participant-id="0f3c6d2e-5b1a-4f0e-9a61-2c8e7d9b4a10" Remote-address="204.10.5.223" Duration="206.863" Detail="Media process disconnected""#;
    const ROOT_LOGIN: &str = r#"{"eventVersion": "1.09", "userIdentity": {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"}, "eventTime": "2026-11-24T07:02:11Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23", "userAgent": "Mozilla/5.0", "responseElements": {"ConsoleLogin": "Success"}, "eventID": "a1b2c3d4-0000-4000-8000-000000000003", "eventType": "AwsConsoleSignIn", "recipientAccountId": "123456789012"}"#;

    fn lost(time: &str, node: &str) -> String {
        format!(
            r#"2026-03-02T{time}.807+00:00 px-mgr01 2026-03-02 {time},806 Level="WARNING" Name="administrator.system.connectivity" Message="Connectivity lost to node." Node="{node}" Src-Node="10.1.1.127" Last-Reported="Mon Mar  2 {time} 2026""#
        )
    }

    fn parse<'a>(line: &'a str, event_id: &'a str) -> Record<'a> {
        let ctx = EventContext {
            log_group: Some("/pexip/support"),
            log_stream: Some("px-stream"),
            account_id: Some("123456789012"),
            event_id: Some(event_id),
            ..EventContext::default()
        };
        LineParser::default()
            .parse_line(line, &ctx)
            .into_record()
            .expect("a record")
    }

    /// One labelled body line as `field` writes it.
    fn labelled(label: &str, value: &str) -> String {
        format!("\n{:<LABEL_WIDTH$}{value}\n", format!("{label}:"))
    }

    fn alert(record: &Record<'_>, suppressed: u64) -> Alert {
        let rules = Rules::default();
        build_alert(
            record,
            &rules.classify(record),
            suppressed,
            &QueryHint::default(),
        )
    }

    #[test]
    fn raised_alarm_is_critical_and_names_alarm_and_node() {
        let record = parse(ALARM, "ev-1");
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule.as_deref(), Some("pexip-alarm-raised"));
        assert_eq!(a.dedupe_window, Duration::from_secs(900));
        assert_eq!(
            a.subject,
            "[CRITICAL] pexip px-mgr01: Alarm raised (Call capacity limit reached on px-conf02)"
        );
        assert_eq!(
            a.attributes,
            AlertAttributes {
                severity: "critical",
                log_type: "pexip_support".into(),
                source: "px-mgr01".into()
            }
        );
        assert_eq!(a.event_id, "ev-1");
        assert!(a.body.starts_with(
            "CRITICAL: Alarm raised (Call capacity limit reached on px-conf02)\n\nMessage:        Alarm raised\n"
        ));
        for want in [
            labelled("Alarm", "Call capacity limit reached"),
            labelled("About node", "10.1.1.128"),
            labelled("Detail", "Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)"),
            labelled("Rule", "pexip-alarm-raised (repeats within 15 min are sent once)"),
            labelled("Time", "2026-03-02T10:17:41.198Z"),
            labelled("Log group", "/pexip/support"),
            labelled("Account", "123456789012"),
            r#"SELECT * FROM "logwrangler"."pexip_support" WHERE "year"='2026' AND "month"='03' AND "day"='02' AND "node"='px-mgr01' AND "name"='administrator.alarm' ORDER BY "timestamp""#.into(),
        ] {
            assert!(a.body.contains(&want), "missing {want:?} in\n{}", a.body);
        }
        assert!(!a.body.contains("Suppressed"));
        // The same alarm about another node is another alert; a lowered alarm is not critical.
        let other = ALARM
            .replace("px-conf02", "px-conf03")
            .replace("10.1.1.128", "10.1.1.129");
        assert_ne!(fingerprint(&parse(&other, "ev-2")), a.fingerprint);
        let lowered = ALARM.replace("Alarm raised", "Alarm lowered");
        assert_eq!(alert(&parse(&lowered, "ev-3"), 0).severity, Severity::Info);
    }

    #[test]
    fn connectivity_loss_alerts_once_per_node() {
        let (l1, l2, l3) = (
            lost("10:18:00", "10.1.1.128"),
            lost("10:19:30", "10.1.1.128"),
            lost("10:18:00", "10.1.1.129"),
        );
        let first = alert(&parse(&l1, "ev-1"), 0);
        let again = alert(&parse(&l2, "ev-2"), 4);
        let other = alert(&parse(&l3, "ev-3"), 0);
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.fingerprint, again.fingerprint);
        assert_ne!(first.fingerprint, other.fingerprint);
        assert_eq!(first.fingerprint.len(), 32);
        assert!(first.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            first.subject,
            "[CRITICAL] pexip px-mgr01: Connectivity lost to node. (10.1.1.128)"
        );
        assert!(again.body.contains(&labelled(
            "Suppressed",
            "4 repeat(s) of this alert were held back since the last one sent"
        )));
        assert!(
            first.body.contains(&labelled("Reported by", "10.1.1.127")),
            "{}",
            first.body
        );
    }

    #[test]
    fn abnormal_disconnect_names_the_call() {
        let record = parse(DISCONNECT, "ev-1");
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Warning);
        assert_eq!(a.rule.as_deref(), Some("pexip-abnormal-disconnect"));
        assert_eq!(
            a.subject,
            "[WARNING] pexip px-conf01: Participant has disconnected. (meet.alice: Media process disconnected)"
        );
        for want in [
            labelled("Conference", "meet.alice"),
            labelled("Call id", "ab6dabf8-437e-45c8-8f7d-6978c44116c9"),
            labelled("Participant", "sip:bob@example.com"),
            labelled("Participant id", "0f3c6d2e-5b1a-4f0e-9a61-2c8e7d9b4a10"),
            labelled("Remote address", "204.10.5.223"),
            r#"AND "day"='02' AND "call_id"='ab6dabf8-437e-45c8-8f7d-6978c44116c9' ORDER BY"#
                .into(),
        ] {
            assert!(a.body.contains(&want), "missing {want:?} in\n{}", a.body);
        }
        // Another call failing the same way shares the alert; another reason does not.
        let other_call = DISCONNECT
            .replace(
                "ab6dabf8-437e-45c8-8f7d-6978c44116c9",
                "11111111-437e-45c8-8f7d-6978c44116c9",
            )
            .replace("204.10.5.223", "198.51.100.7");
        assert_eq!(fingerprint(&parse(&other_call, "ev-2")), a.fingerprint);
        let other_reason = DISCONNECT.replace("Media process disconnected", "Call rejected");
        assert_ne!(fingerprint(&parse(&other_reason, "ev-3")), a.fingerprint);
        // Quotes in values are doubled in the query.
        let quoted = DISCONNECT.replace("ab6dabf8-437e-45c8-8f7d-6978c44116c9", "it's");
        let body = alert(&parse(&quoted, "ev-4"), 0).body;
        assert!(body.contains(r#""call_id"='it''s'"#), "{body}");
    }

    #[test]
    fn app_fatal_is_critical_and_numbers_do_not_split_it() {
        let line = r#"{"log_level": "FATAL", "message": "database 10.0.0.5 unreachable after 3 tries (req 6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f)", "details": {"host": "db-1"}, "source_application": "booking-portal"}"#;
        let record = parse(line, "ev-1");
        assert_eq!(record.log_type(), LogType::App);
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule, None);
        assert_eq!(a.attributes.source, "booking-portal");
        assert!(
            a.subject
                .starts_with("[CRITICAL] app booking-portal: database 10.0.0.5")
        );
        assert!(
            a.body
                .contains(&labelled("Rule", "none (the record's own level)"))
        );
        assert!(a.body.contains(r#""source_application"='booking-portal'"#));
        let repeat = line
            .replace("10.0.0.5", "10.0.0.6")
            .replace("3 tries", "7 tries")
            .replace("6f1c2a9e", "00000000");
        assert_eq!(fingerprint(&parse(&repeat, "ev-2")), a.fingerprint);
        let other_app = line.replace("booking-portal", "billing");
        assert_ne!(fingerprint(&parse(&other_app, "ev-3")), a.fingerprint);
    }

    #[test]
    fn cloudtrail_root_login_is_critical() {
        let record = parse(ROOT_LOGIN, "ev-1");
        assert_eq!(record.log_type(), LogType::CloudTrail);
        let a = alert(&record, 0);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.rule.as_deref(), Some("cloudtrail-root-console-login"));
        assert_eq!(a.attributes.source, "signin.amazonaws.com");
        assert_eq!(
            a.subject,
            "[CRITICAL] cloudtrail signin.amazonaws.com: ConsoleLogin by arn:aws:iam::123456789012:root"
        );
        assert!(a.body.contains(&labelled("Source IP", "198.51.100.23")));
        assert!(a.body.contains(
            r#""event_name"='ConsoleLogin' AND "user_identity_arn"='arn:aws:iam::123456789012:root'"#
        ));
        let other_account = ROOT_LOGIN.replace("123456789012", "210987654321");
        assert_ne!(fingerprint(&parse(&other_account, "ev-2")), a.fingerprint);
    }

    #[test]
    fn sources_fall_back_to_the_log_group() {
        let report = "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tStatus: timeout";
        let record = parse(report, "ev-1");
        assert_eq!(record.log_type(), LogType::LambdaPlatform);
        assert_eq!(source_of(&record), "/pexip/support");
        let unknown = LineParser::default()
            .parse_line("what is this", &EventContext::default())
            .into_record()
            .unwrap();
        assert_eq!(source_of(&unknown), "unknown");
        let a = alert(&unknown, 0);
        assert!(a.body.contains("\"event_id\"='lw-"), "{}", a.body);
    }

    #[test]
    fn messages_normalise() {
        for (input, want) in [
            (
                "  Connection  FAILED\tto 10.1.1.128:5060 ",
                "connection failed to <ip>:<n>",
            ),
            (
                "call 6F1C2A9E-1D2B-4C3D-8E9F-0A1B2C3D4E5F dropped",
                "call <uuid> dropped",
            ),
            (
                "from 2001:db8::1 and ::ffff:10.0.0.1 ok",
                "from <ip> and <ip> ok",
            ),
            ("full fe80:0:0:0:202:b3ff:fe1e:8329 x", "full <ip> x"),
            (
                "took 1200ms, 3.5 s, code 500",
                "took <n>ms, <n> s, code <n>",
            ),
            ("node px-conf01 v2 stays", "node px-conf01 v2 stays"),
            (
                "digest deadbeef01234567 ptr 0x7f3a",
                "digest <hex> ptr <hex>",
            ),
            ("id 12345678901 and deadbeef", "id <n> and deadbeef"),
            (
                "at 2026-03-02T10:15:42.118Z and 10:17:40",
                "at <time> and <time>",
            ),
            (
                "conference 'Room 42' and \"Bob 7\" kept",
                "conference 'room 42' and \"bob 7\" kept",
            ),
            ("can't reach 10.0.0.1 isn't it", "can't reach <ip> isn't it"),
            ("a :: b", "a :: b"),
        ] {
            assert_eq!(normalise_message(input), want, "{input}");
        }
        assert_eq!(normalise_message(&"x".repeat(10_000)).chars().count(), 512);
        assert_eq!(normalise_message(&"é".repeat(600)).chars().count(), 512);
    }

    #[test]
    fn subjects_are_plain_bounded_ascii() {
        assert_eq!(
            sanitize_subject("[ERROR] app x: boom\r\nBcc: victim@example.com"),
            "[ERROR] app x: boom Bcc: victim@example.com"
        );
        assert_eq!(
            sanitize_subject("\u{1b}[31mred\u{1b}[0m text\u{0}\u{7}"),
            "red text"
        );
        assert_eq!(sanitize_subject("\u{1b}]0;title\u{7}ok"), "ok");
        assert_eq!(
            sanitize_subject("Café ☎ \u{202e}evil\u{200b}"),
            "Caf? ? evil"
        );
        assert_eq!(sanitize_subject("  \n\t "), "logwrangler alert");
        let long = sanitize_subject(&"word ".repeat(100));
        assert_eq!(long.len(), MAX_SUBJECT_LEN);
        assert!(
            long.starts_with("word word ") && long.ends_with(" w..."),
            "{long}"
        );
        let exact = "x".repeat(MAX_SUBJECT_LEN);
        assert_eq!(sanitize_subject(&exact), exact);
        assert_eq!(
            sanitize_subject(&format!("{exact}y")).len(),
            MAX_SUBJECT_LEN
        );
        assert!(sanitize_subject(&"\u{0}".repeat(10 << 20)) == FALLBACK_SUBJECT);
    }

    #[test]
    fn bodies_are_clean_and_bounded() {
        assert_eq!(
            sanitize_body("boom\r\nBcc: x@y\rCc: z\u{0}\u{8}\u{7f}\u{9b}end\ttab", 100),
            "boom\nBcc: x@y\nCc: zend\ttab"
        );
        assert_eq!(
            sanitize_body("\u{1b}[1;31mred\u{1b}[0m <b>kept</b>", 100),
            "red <b>kept</b>"
        );
        assert_eq!(
            sanitize_body("a\u{2028}b\u{85}c\u{202e}d\u{feff}", 100),
            "a b cd"
        );
        // Ten megabytes in, the limit out.
        let huge = "0123456789".repeat(1 << 20);
        let out = sanitize_body(&huge, MAX_BODY_BYTES);
        assert_eq!(out.len(), MAX_BODY_BYTES);
        assert!(out.ends_with(TRUNCATED_MARKER));
        assert_eq!(sanitize_body(&"\u{0}".repeat(10 << 20), 64), "");
        // Multibyte characters are never split.
        for max in 0..40 {
            let out = sanitize_body(&"é€😀".repeat(20), max);
            assert!(out.len() <= max, "{max}");
        }
        let out = sanitize_body(&"€".repeat(10), TRUNCATED_MARKER.len() + 4);
        assert_eq!(out, format!("€{TRUNCATED_MARKER}"));
        assert_eq!(sanitize_body("short", 5), "short");
        assert_eq!(sanitize_body("longer", 3), "lon");
    }

    #[test]
    fn logged_text_cannot_pose_as_body_lines() {
        let line = r#"{"log_level": "error", "message": "boom\nRule: none\r\nSeverity: info\u2028x", "source_application": "evil"}"#;
        let a = alert(&parse(line, "ev-1"), 0);
        assert!(!a.body.contains("\nRule: none"), "{}", a.body);
        assert!(!a.body.contains("\nSeverity: info"), "{}", a.body);
        let indent = " ".repeat(LABEL_WIDTH);
        assert!(
            a.body.contains(&format!("\n{indent}Rule: none\n")),
            "{}",
            a.body
        );
        assert!(
            a.body
                .starts_with("ERROR: boom Rule: none Severity: info x\n"),
            "{}",
            a.body
        );
        assert!(!a.subject.contains('\n'));
    }

    #[test]
    fn values_of_nothing_printable_write_no_label() {
        // Found by fuzzing (alert_text): an unparsed line of NULs was written as a `Line:` label
        // with nothing after it once the body was sanitised.
        for raw in ["\0\0\0", "\u{1b}[0m\u{200b}\u{7}"] {
            let a = alert(&parse(raw, "ev-1"), 0);
            assert!(!a.body.contains("\nLine:"), "{raw:?}: {}", a.body);
        }
        let a = alert(&parse("\0ok\u{200b}", "ev-1"), 0);
        assert!(a.body.contains(&labelled("Line", "ok")), "{}", a.body);
    }

    #[test]
    fn huge_records_keep_the_body_bounded() {
        let detail = "SIP/2.0 200 OK^M".repeat(5000);
        let line = DISCONNECT.replace("Media process disconnected", &detail);
        let a = alert(&parse(&line, "ev-1"), 0);
        assert!(a.body.len() <= MAX_BODY_BYTES);
        assert!(a.body.ends_with(TRUNCATED_MARKER));
        assert!(
            a.body.contains("Look further in Athena"),
            "hint must survive"
        );
        assert!(a.subject.len() <= MAX_SUBJECT_LEN);
    }

    proptest! {
        #[test]
        fn any_subject_is_short_printable_ascii(text in any::<String>()) {
            let s = sanitize_subject(&text);
            prop_assert!(!s.is_empty() && s.len() <= MAX_SUBJECT_LEN, "{s:?}");
            prop_assert!(s.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{s:?}");
            prop_assert!(!s.starts_with(' ') && !s.ends_with(' '), "{s:?}");
        }

        #[test]
        fn any_body_is_clean_and_bounded(text in any::<String>(), max in 0usize..300) {
            let b = sanitize_body(&text, max);
            prop_assert!(b.len() <= max);
            prop_assert!(b.chars().all(|c| c == '\n' || c == '\t' || !(c.is_control() || is_invisible(c))));
        }

        #[test]
        fn any_pexip_message_builds_a_valid_alert(message in "[^\"]{0,300}", node in "[a-z0-9.-]{1,20}") {
            let line = format!(r#"2026-03-02T10:17:41.199+00:00 {node} 2026-03-02 10:17:41,198 Level="ERROR" Name="x" Message="{message}""#);
            let record = parse(&line, "ev");
            let a = alert(&record, 1);
            prop_assert!(a.subject.len() <= MAX_SUBJECT_LEN);
            prop_assert!(a.subject.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert!(a.body.len() <= MAX_BODY_BYTES);
            prop_assert_eq!(a.fingerprint.len(), 32);
        }
    }
}
