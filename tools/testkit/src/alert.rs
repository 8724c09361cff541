//! The alert text sanitisers, and alerts built from logged text.

use logwrangler::EventContext;
use logwrangler::Severity;
use logwrangler::alert::{
    MAX_BODY_BYTES, MAX_SUBJECT_LEN, QueryHint, TRUNCATED_MARKER, build_alert, sanitize_body,
    sanitize_subject,
};

use crate::{DEFAULT_RULES, ParseMode, RECEIVED_MS, Verdict};

/// Labels the alert body writes at the start of a line (`Label:` padded to
/// 16 columns); any other line that starts at column 0 would be logged text
/// posing as one of the body's own lines.
const ALERT_LABELS: &[&str] = &[
    "About node",
    "Account",
    "Alarm",
    "Application",
    "Attributes",
    "Call id",
    "Conference",
    "Detail",
    "Details",
    "Display name",
    "Duration ms",
    "Error code",
    "Error message",
    "Error type",
    "Event",
    "Event id",
    "Event source",
    "Fingerprint",
    "Identity type",
    "Instance",
    "Last reported",
    "Level",
    "Line",
    "Log group",
    "Log stream",
    "Log type",
    "Message",
    "Module",
    "Node",
    "Parse error",
    "Participant",
    "Participant id",
    "Principal",
    "Protocol",
    "Region",
    "Remote address",
    "Reported by",
    "Request id",
    "Rule",
    "Severity",
    "Source",
    "Source IP",
    "Status",
    "Suppressed",
    "Time",
    "User agent",
];
/// Width of the label column in the alert body.
const ALERT_LABEL_WIDTH: usize = 16;

/// The alert text sanitisers on the raw text, and a whole alert built from the
/// text parsed as a line: subjects are 1..=99 bytes of printable ASCII without
/// doubled or edge spaces; bodies are bounded, keep no control character but
/// `\n` and `\t` (so no CR to forge lines), no escape sequence or invisible
/// format character; sanitising twice changes nothing; and in a built alert
/// every body line that starts at column 0 is one the builder writes (the
/// headline, a labelled line, the Athena and record sections), so logged text
/// can never pose as a line of its own. (`<` and `>` are kept on purpose: the
/// module documents that SNS email is plain text, never markup.)
pub fn check_alert_text(input: &[u8]) -> Verdict {
    let Some((&selector, rest)) = input.split_first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(rest);
    let subject = sanitize_subject(&text);
    check_subject(&subject)?;
    ensure!(
        sanitize_subject(&subject) == subject,
        "sanitize_subject is not idempotent on {subject:?}"
    );
    let max_bytes = usize::from(selector) * 40;
    let body = sanitize_body(&text, max_bytes);
    check_body(&body, max_bytes)?;
    ensure!(
        sanitize_body(&body, max_bytes) == body,
        "sanitize_body is not idempotent on {body:?}"
    );

    let mode = ParseMode::from_byte(selector);
    let (mut parser, log_group) = mode.parser();
    let ctx = EventContext {
        log_group: log_group.or(Some("/fuzz/alerts")),
        log_stream: Some("stream\r\nBcc: x@example.com"),
        account_id: Some("123456789012"),
        received_ms: Some(RECEIVED_MS),
        source: "fuzz-alert",
        ..EventContext::default()
    };
    let Some(record) = parser.parse_line(&text, &ctx).into_record() else {
        return Ok(());
    };
    let classification = DEFAULT_RULES.classify(&record);
    let alert = build_alert(
        &record,
        &classification,
        u64::from(selector),
        &QueryHint::default(),
    );
    check_subject(&alert.subject)?;
    check_body(&alert.body, MAX_BODY_BYTES)?;
    ensure!(
        alert.severity == classification.severity
            && alert.attributes.severity == alert.severity.as_str()
            && alert.attributes.log_type == record.log_type().as_str(),
        "alert severity or attributes differ from the record: {alert:?}"
    );
    let source = &alert.attributes.source;
    ensure!(
        !source.is_empty() && source.len() <= 256 && !source.contains(char::is_control),
        "source attribute {source:?} is empty, long or has control characters"
    );
    ensure!(
        alert.fingerprint.len() == 32
            && alert
                .fingerprint
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "fingerprint {:?} is not 32 hex digits",
        alert.fingerprint
    );
    check_alert_lines(&alert.body, alert.severity)
}

/// An SNS subject: 1..=99 bytes of printable ASCII, no edge or doubled spaces.
pub fn check_subject(subject: &str) -> Verdict {
    ensure!(
        !subject.is_empty() && subject.len() <= MAX_SUBJECT_LEN,
        "subject of {} bytes: {subject:?}",
        subject.len()
    );
    ensure!(
        subject.bytes().all(|b| (0x20..=0x7e).contains(&b)),
        "subject has a byte outside printable ASCII: {subject:?}"
    );
    ensure!(
        !subject.starts_with(' ') && !subject.ends_with(' ') && !subject.contains("  "),
        "subject whitespace not collapsed: {subject:?}"
    );
    Ok(())
}

/// A sanitised body: at most `max_bytes`, only `\n` and `\t` among control
/// characters, no escape sequences, invisible format characters or Unicode
/// line separators.
pub fn check_body(body: &str, max_bytes: usize) -> Verdict {
    ensure!(
        body.len() <= max_bytes,
        "body of {} bytes over {max_bytes}",
        body.len()
    );
    let bad = body.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}')
            || is_invisible(c)
    });
    ensure!(bad.is_none(), "body keeps {bad:?}: {body:?}");
    Ok(())
}

/// The invisible format characters `alert` documents as removed (bidi
/// embeddings, overrides and isolates, zero-width characters, BOM, soft hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Every line of a built alert body that starts at column 0 is the builder's.
fn check_alert_lines(body: &str, severity: Severity) -> Verdict {
    let (text, truncated) = match body.strip_suffix(TRUNCATED_MARKER) {
        Some(text) => (text, true),
        None => (body, false),
    };
    let mut lines: Vec<&str> = text.split('\n').collect();
    if truncated {
        // The cut line is a prefix of a builder line: its start is checked with the others
        // only when whole.
        lines.pop();
    }
    let headline = format!("{}: ", severity.as_str().to_ascii_uppercase());
    let workgroup = format!(
        "Look further in Athena (workgroup {}):",
        QueryHint::default().workgroup
    );
    for (number, line) in lines.iter().enumerate() {
        let builder_line = if number == 0 {
            line.starts_with(&headline)
        } else {
            line.is_empty()
                || line.starts_with(' ')
                || *line == "Record:"
                || *line == workgroup
                || is_label_line(line)
        };
        ensure!(
            builder_line,
            "body line {number} starts at column 0 but is not the builder's: {line:?}\n{body}"
        );
    }
    Ok(())
}

/// `Label:` padded to the label column, then the value.
fn is_label_line(line: &str) -> bool {
    let Some(column) = line.get(..ALERT_LABEL_WIDTH) else {
        return false;
    };
    column
        .trim_end()
        .strip_suffix(':')
        .is_some_and(|label| ALERT_LABELS.contains(&label))
        && line.len() > ALERT_LABEL_WIDTH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_lines_from_logged_text_must_be_indented() {
        let body =
            "ERROR: boom\n\nMessage:        boom\n                Rule: none\nRecord:\n  {}\n";
        assert_eq!(check_alert_lines(body, Severity::Error), Ok(()));
        let forged = "ERROR: boom\n\nMessage:        boom\nRule: none\n";
        assert!(check_alert_lines(forged, Severity::Error).is_err());
        assert!(check_alert_lines("WARNING: x\n", Severity::Error).is_err());
    }
}
