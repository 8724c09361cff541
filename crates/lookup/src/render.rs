//! The readable table `logwrangler lookup` prints for a person (and the
//! demo report shows): one line per item, the columns that answer the
//! question of each lookup.

use serde_json::{Map, Value};

use crate::pattern::Lookup;

const SESSION_COLUMNS: [&str; 8] = [
    "start",
    "end",
    "conference",
    "session_id",
    "participants_total",
    "max_concurrent",
    "protocols",
    "active",
];
const LEG_COLUMNS: [&str; 9] = [
    "joined",
    "left",
    "conference",
    "alias",
    "protocol",
    "remote_address",
    "disconnect_reason",
    "duration_s",
    "worst_quality_name",
];
const APP_COLUMNS: [&str; 4] = ["timestamp", "severity", "event_id", "message"];

/// The columns shown for `lookup`'s items.
pub fn columns(lookup: &Lookup) -> &'static [&'static str] {
    match lookup {
        Lookup::Conference(_) | Lookup::Active => &SESSION_COLUMNS,
        Lookup::Session(_) | Lookup::Call(_) | Lookup::Participant(_) => &LEG_COLUMNS,
        Lookup::App(_) => &APP_COLUMNS,
    }
}

/// One cell: strings as they are, maps as `k=v` pairs, missing as `-`.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(text)) => text.replace(['\n', '\r', '\t'], " "),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", cell(Some(v))))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// The table of `items` (aligned columns, a header line), or a line saying
/// nothing was found. A session's summary comes first as `key: value` lines,
/// then its legs.
pub fn table(lookup: &Lookup, items: &[Map<String, Value>]) -> String {
    let mut out = String::new();
    if items.is_empty() {
        return "nothing found\n".into();
    }
    type Items<'a> = Vec<&'a Map<String, Value>>;
    let (summaries, rows): (Items, Items) = if matches!(lookup, Lookup::Session(_)) {
        items
            .iter()
            .partition(|i| i.get("kind").and_then(Value::as_str) == Some("session"))
    } else {
        (Vec::new(), items.iter().collect())
    };
    for summary in summaries {
        for key in [
            "conference",
            "session_id",
            "start",
            "end",
            "duration_s",
            "participants_total",
            "max_concurrent",
            "abnormal_disconnects",
            "protocols",
            "active",
        ] {
            out.push_str(&format!("{key:<21} {}\n", cell(summary.get(key))));
        }
        out.push('\n');
    }
    let columns = columns(lookup);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|item| columns.iter().map(|c| cell(item.get(*c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = |values: Vec<&str>| {
        let text: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        out.push_str(text.join("  ").trim_end());
        out.push('\n');
    };
    line(columns.to_vec());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// What `logwrangler lookup` prints: NDJSON of the items as the read API
/// returns them (`json`), else the [`table`].
pub fn output(lookup: &Lookup, items: &[Map<String, Value>], json: bool) -> String {
    if !json {
        return table(lookup, items);
    }
    let mut out = String::new();
    for item in items {
        out.push_str(&Value::Object(item.clone()).to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aligns_columns_and_says_when_nothing_is_found() {
        let lookup = Lookup::App("billing".into());
        assert_eq!(table(&lookup, &[]), "nothing found\n");
        let Value::Object(a) =
            json!({"timestamp": "t1", "severity": "error", "event_id": "e-1", "message": "boom"})
        else {
            unreachable!()
        };
        let text = table(&lookup, &[a]);
        assert_eq!(
            text,
            "timestamp  severity  event_id  message\nt1         error     e-1       boom\n"
        );
    }
}
