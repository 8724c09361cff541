//! The SNS message of an alert: subject, plain-text body (headline, the
//! record's own facts, rule, times, an Athena query to look further) and
//! message attributes.

use std::fmt::Write as _;
use std::time::Duration;

use super::fingerprint::{fingerprint, source_of};
use super::sanitize::{MAX_BODY_BYTES, clip, sanitize_body, sanitize_subject};
use super::{Alert, AlertAttributes, QueryHint};
use crate::partition::PartitionKey;
use crate::record::Record;
use crate::severity::Classification;
use crate::time::iso_string;

/// Longest single value shown in the body, so one huge SIP `Detail` cannot
/// push the query hint out of the bounded body.
const MAX_VALUE_LEN: usize = 1024;
/// Width of the labels in the body.
pub(super) const LABEL_WIDTH: usize = 16;

/// An SQL string literal: single quotes doubled.
fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A quoted SQL identifier: double quotes doubled.
fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The Athena query that shows the record's neighbourhood: its table and day
/// partition, narrowed to the call, conference, application, principal or log
/// group it belongs to (the event id when nothing better is known).
fn athena_query(record: &Record<'_>, database: &str) -> String {
    let env = &record.envelope;
    fn usable(v: Option<&str>) -> Option<&str> {
        v.filter(|v| !v.is_empty() && !v.contains(char::is_control))
    }
    let mut filters: Vec<(&str, String)> = Vec::new();
    let mut add = |column: &'static str, value: Option<&str>| match usable(value) {
        Some(value) => {
            filters.push((column, value.to_owned()));
            true
        }
        None => false,
    };
    let narrowed = match record.body.athena_narrowing(&mut add) {
        Some(narrowed) => narrowed,
        None => add("log_group", env.log_group.as_deref()),
    };
    if !narrowed {
        add("event_id", Some(env.event_id.as_ref()));
    }
    let key = PartitionKey::of(record);
    let mut sql = format!(
        "SELECT * FROM {}.{} WHERE",
        sql_ident(database),
        sql_ident(record.log_type().as_str())
    );
    for name in ["year", "month", "day"] {
        let value = key.get(name).unwrap_or_default();
        let _ = write!(sql, " {}={} AND", sql_ident(name), sql_string(value));
    }
    for (i, (column, value)) in filters.iter().enumerate() {
        let and = if i == 0 { "" } else { " AND" };
        let _ = write!(sql, "{and} {}={}", sql_ident(column), sql_string(value));
    }
    sql.push_str(" ORDER BY \"timestamp\" LIMIT 200");
    sql
}

/// Writes `label: value`, the value clipped and its continuation lines
/// indented under the value (so no line of a logged value starts at column 0).
/// The value is sanitised first: one of nothing but control, escape or
/// invisible characters is no value, not a label with nothing after it.
fn field(out: &mut String, label: &str, value: Option<&str>) {
    let Some(value) = value.map(|v| sanitize_body(v, usize::MAX)) else {
        return;
    };
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    let value = clip(value, MAX_VALUE_LEN, "...");
    let value = value.replace("\r\n", "\n");
    let _ = write!(out, "{:<width$}", format!("{label}:"), width = LABEL_WIDTH);
    for (i, line) in value.split(['\n', '\r']).enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(LABEL_WIDTH));
        }
        out.push_str(line);
    }
    out.push('\n');
}

/// A duration for people: `15 min`, `90 s`.
fn human(window: Duration) -> String {
    let secs = window.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

/// The one-line summary in the subject and the body's first line (whitespace
/// and line breaks collapsed, so logged text cannot start a line of its own).
fn headline(record: &Record<'_>) -> String {
    let text = headline_text(record);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn headline_text(record: &Record<'_>) -> String {
    record
        .body
        .alert_headline()
        .unwrap_or_else(|| format!("{} event", record.log_type()))
}

/// The type-specific lines of the body.
fn details(out: &mut String, record: &Record<'_>) {
    record
        .body
        .alert_details(record.envelope.raw.as_deref(), &mut |label, value| {
            field(out, label, value)
        });
}

/// Builds the SNS alert of a classified record. `suppressed_since_last` is the
/// number of repeats of its fingerprint that dedupe held back since the last
/// published alert (reported in the body when above zero).
pub fn build_alert(
    record: &Record<'_>,
    classification: &Classification<'_>,
    suppressed_since_last: u64,
    query_hint: &QueryHint,
) -> Alert {
    let env = &record.envelope;
    let severity = classification.severity;
    let source = source_of(record);
    let headline = headline(record);
    let label = match record.log_type().as_str() {
        t if t.starts_with("pexip_") => "pexip",
        t => t,
    };
    let upper = severity.as_str().to_ascii_uppercase();
    let subject = sanitize_subject(&format!("[{upper}] {label} {source}: {headline}"));
    let fingerprint = fingerprint(record);

    let mut body = String::with_capacity(2048);
    let _ = writeln!(body, "{upper}: {}\n", clip(&headline, MAX_VALUE_LEN, "..."));
    details(&mut body, record);
    field(&mut body, "Severity", Some(severity.as_str()));
    let rule = classification.rule.map(|rule| {
        format!(
            "{rule} (repeats within {} are sent once)",
            human(classification.dedupe_window)
        )
    });
    field(
        &mut body,
        "Rule",
        rule.as_deref().or(Some("none (the record's own level)")),
    );
    if suppressed_since_last > 0 {
        let repeats = format!(
            "{suppressed_since_last} repeat(s) of this alert were held back since the last one sent"
        );
        field(&mut body, "Suppressed", Some(&repeats));
    }
    field(&mut body, "Time", Some(&iso_string(env.timestamp)));
    field(&mut body, "Source", Some(&source));
    field(&mut body, "Log type", Some(record.log_type().as_str()));
    field(&mut body, "Log group", env.log_group.as_deref());
    field(&mut body, "Log stream", env.log_stream.as_deref());
    field(&mut body, "Account", env.account_id.as_deref());
    field(&mut body, "Event id", Some(env.event_id.as_ref()));
    field(&mut body, "Fingerprint", Some(&fingerprint));
    let _ = write!(
        body,
        "\nLook further in Athena (workgroup {}):\n  {}\n\nRecord:\n  {}\n",
        query_hint.workgroup,
        athena_query(record, &query_hint.database),
        record.to_json()
    );

    Alert {
        severity,
        fingerprint,
        subject,
        body: sanitize_body(&body, MAX_BODY_BYTES),
        attributes: AlertAttributes {
            severity: severity.as_str(),
            log_type: record.log_type().as_str().to_owned(),
            source,
        },
        rule: classification.rule.map(str::to_owned),
        dedupe_window: classification.dedupe_window,
        event_id: env.event_id.to_string(),
    }
}
