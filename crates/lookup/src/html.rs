//! The picture of a session: one self-contained HTML page (inline SVG and
//! CSS, no scripts, fonts or CDNs, so it opens anywhere and can be mailed).
//!
//! Each call leg is a bar on a shared time axis, one row per participant
//! (legs of one conversation share a row), coloured by the worst call quality
//! seen on it, with protocol, remote alias, disconnect reason and duration
//! beside the bar and on hover; above the rows, the number of participants
//! connected at each moment. Elements carry `data-*` attributes (times in
//! epoch milliseconds) so the page's structure can be checked by a browser.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use logwrangler::time::{Millis, iso_string};
use serde_json::{Map, Value};

/// Colours of the quality levels (`worst_quality` 0 unknown .. 4 terrible).
pub const QUALITY_COLOURS: [(&str, &str); 5] = [
    ("unknown", "#9aa0a6"),
    ("good", "#2e9d4f"),
    ("okay", "#d9b400"),
    ("bad", "#e8710a"),
    ("terrible", "#d93025"),
];

const WIDTH: i64 = 1240;
const LABEL_W: i64 = 260;
const RIGHT_PAD: i64 = 250;
const CURVE_TOP: i64 = 20;
const CURVE_H: i64 = 110;
const AXIS_Y: i64 = CURVE_TOP + CURVE_H + 30;
const ROW_H: i64 = 30;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text<'a>(item: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    item.get(key).and_then(Value::as_str)
}

fn millis(item: &Map<String, Value>, key: &str) -> Option<Millis> {
    item.get(key).and_then(Value::as_i64)
}

/// One leg as drawn.
struct Bar<'a> {
    leg: &'a Map<String, Value>,
    start: Millis,
    end: Millis,
    open: bool,
    quality: usize,
}

/// The page of a session from the items of its lookup (its `session` item
/// and its `leg` items, in any order).
pub fn session_page(items: &[Map<String, Value>]) -> String {
    let session = items.iter().find(|i| text(i, "kind") == Some("session"));
    let legs: Vec<&Map<String, Value>> = items
        .iter()
        .filter(|i| text(i, "kind") == Some("leg"))
        .collect();
    let session_start = session.and_then(|s| millis(s, "start_ms"));
    let session_end = session.and_then(|s| millis(s, "end_ms"));
    let known = legs
        .iter()
        .flat_map(|l| [millis(l, "joined_ms"), millis(l, "left_ms")])
        .chain([session_start, session_end])
        .flatten();
    let (mut axis_start, mut axis_end) = known.fold((Millis::MAX, Millis::MIN), |(lo, hi), t| {
        (lo.min(t), hi.max(t))
    });
    if axis_start > axis_end {
        (axis_start, axis_end) = (0, 60_000);
    }
    if axis_end - axis_start < 60_000 {
        axis_end = axis_start + 60_000;
    }
    let mut bars: Vec<Bar> = legs
        .iter()
        .map(|leg| {
            let start = millis(leg, "joined_ms").unwrap_or(axis_start);
            let left = millis(leg, "left_ms");
            Bar {
                leg,
                start,
                end: left.unwrap_or(axis_end).max(start),
                open: left.is_none(),
                quality: millis(leg, "worst_quality").map_or(0, |q| q.clamp(0, 4) as usize),
            }
        })
        .collect();
    bars.sort_by_key(|b| {
        (
            b.start,
            text(b.leg, "leg_id").unwrap_or_default().to_string(),
        )
    });
    // One row per participant: legs of one conversation share it, in order of first join.
    let mut rows: Vec<String> = Vec::new();
    let mut row_of: BTreeMap<String, usize> = BTreeMap::new();
    let row_index: Vec<usize> = bars
        .iter()
        .map(|b| {
            let person = text(b.leg, "conversation_id")
                .or_else(|| text(b.leg, "leg_id"))
                .unwrap_or_default()
                .to_string();
            *row_of.entry(person).or_insert_with(|| {
                rows.push(
                    text(b.leg, "display_name")
                        .or_else(|| text(b.leg, "alias"))
                        .unwrap_or("(unknown)")
                        .to_string(),
                );
                rows.len() - 1
            })
        })
        .collect();

    let span = (axis_end - axis_start) as f64;
    let plot_w = (WIDTH - LABEL_W - RIGHT_PAD) as f64;
    let x = |t: Millis| LABEL_W as f64 + (t - axis_start) as f64 / span * plot_w;
    let rows_top = AXIS_Y + 20;
    let height = rows_top + ROW_H * rows.len().max(1) as i64 + 60;

    // Concurrent participants: one interval per person (the legs of a conversation are one
    // person, as in the session summary), +1 at its start, -1 at its end; backplanes are not people.
    let mut people: BTreeMap<&str, (Millis, Millis)> = BTreeMap::new();
    for b in &bars {
        if text(b.leg, "protocol").is_some_and(|p| p.eq_ignore_ascii_case("BACKPLANE")) {
            continue;
        }
        let person = text(b.leg, "conversation_id")
            .or_else(|| text(b.leg, "leg_id"))
            .unwrap_or_default();
        let span = people.entry(person).or_insert((b.start, b.end));
        *span = (span.0.min(b.start), span.1.max(b.end));
    }
    let mut steps: Vec<(Millis, i64)> = people
        .values()
        .flat_map(|(start, end)| [(*start, 1), (*end, -1)])
        .collect();
    steps.sort();
    let mut curve = vec![(axis_start, 0i64)];
    let mut now = 0;
    for (t, delta) in &steps {
        curve.push((*t, now));
        now += delta;
        curve.push((*t, now));
    }
    curve.push((axis_end, now));
    let peak = curve.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let y_of = |n: i64| (CURVE_TOP + CURVE_H) as f64 - n as f64 / peak as f64 * CURVE_H as f64;

    let title = match session {
        Some(s) => format!(
            "{} · session {}",
            text(s, "conference").unwrap_or("conference"),
            text(s, "session_id").unwrap_or("?")
        ),
        None => "session".to_string(),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
body{{font-family:sans-serif;margin:16px;color:#202124}}h1{{font-size:18px;margin:0 0 4px}}\
p.summary{{margin:0 0 12px;font-size:13px;color:#5f6368}}svg text{{font-size:11px;fill:#202124}}\
.tick line{{stroke:#dadce0}}.leg:hover{{stroke:#202124;stroke-width:2}}.legend span{{display:inline-block;\
width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    if let Some(s) = session {
        let _ = writeln!(
            out,
            "<p class=\"summary\">{} to {} · {} participants, at most {} at once · {} legs · protocols {}</p>",
            escape(text(s, "start").unwrap_or("?")),
            escape(text(s, "end").unwrap_or("still active")),
            crate::render::cell(s.get("participants_total")),
            crate::render::cell(s.get("max_concurrent")),
            crate::render::cell(s.get("legs")),
            escape(&crate::render::cell(s.get("protocols"))),
        );
    }
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\">"
    );
    // The concurrent-participants curve.
    let points: Vec<String> = curve
        .iter()
        .map(|(t, n)| format!("{:.1},{:.1}", x(*t), y_of(*n)))
        .collect();
    let _ = writeln!(
        out,
        "<g id=\"concurrency\" data-peak=\"{peak}\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\">participants</text>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{peak}</text><polyline fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"2\" points=\"{}\"/></g>",
        LABEL_W - 8,
        CURVE_TOP + CURVE_H / 2,
        LABEL_W - 8,
        CURVE_TOP + 10,
        points.join(" ")
    );
    // The time axis, ticks across the whole session.
    let _ = writeln!(
        out,
        "<g id=\"axis\" data-start-ms=\"{axis_start}\" data-end-ms=\"{axis_end}\" data-start=\"{}\" data-end=\"{}\">",
        iso_string(axis_start),
        iso_string(axis_end)
    );
    let ticks = 6;
    for i in 0..=ticks {
        let t = axis_start + (axis_end - axis_start) * i / ticks;
        let iso = iso_string(t);
        let _ = writeln!(
            out,
            "<g class=\"tick\" data-ms=\"{t}\"><line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{CURVE_TOP}\" y2=\"{height_rows}\"/>\
<text x=\"{0:.1}\" y=\"{AXIS_Y}\" text-anchor=\"middle\">{1}</text></g>",
            x(t),
            &iso[11..19],
            height_rows = rows_top + ROW_H * rows.len() as i64,
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} UTC</text></g>",
        LABEL_W - 8,
        AXIS_Y + 14,
        &iso_string(axis_start)[..10]
    );
    // One row per participant, one bar per leg.
    for (i, name) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text class=\"participant\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 8,
            rows_top + ROW_H * i as i64 + ROW_H / 2 + 4,
            escape(name)
        );
    }
    // The label of a row goes beside its last bar (hover shows every leg's own).
    let mut last_of_row: Vec<Option<usize>> = vec![None; rows.len()];
    for (i, row) in row_index.iter().enumerate() {
        if last_of_row[*row].is_none_or(|last| bars[last].end <= bars[i].end) {
            last_of_row[*row] = Some(i);
        }
    }
    let mut labels = String::new();
    for (i, (bar, row)) in bars.iter().zip(&row_index).enumerate() {
        let leg = bar.leg;
        let (quality_name, colour) = QUALITY_COLOURS[bar.quality];
        let protocol = text(leg, "protocol").unwrap_or("?");
        let alias = text(leg, "alias").unwrap_or("?");
        let reason = text(leg, "disconnect_reason").unwrap_or(if bar.open {
            "still connected"
        } else {
            "-"
        });
        let duration = match leg.get("duration_s") {
            Some(Value::String(d)) => format!("{d} s"),
            Some(Value::Number(d)) => format!("{d} s"),
            _ => format!("{} s", (bar.end - bar.start) / 1000),
        };
        let x0 = x(bar.start);
        let w = (x(bar.end) - x0).max(2.0);
        let y = rows_top + ROW_H * *row as i64 + 5;
        let hover = format!(
            "{alias} · {protocol} · {} to {} · {duration} · {reason} · quality {quality_name}",
            iso_string(bar.start),
            if bar.open {
                "now".to_string()
            } else {
                iso_string(bar.end)
            }
        );
        let _ = write!(
            out,
            "<g class=\"leg-row\"><rect class=\"leg\" data-leg-id=\"{}\" data-start-ms=\"{}\" data-end-ms=\"{}\" data-quality=\"{quality_name}\" \
x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" rx=\"3\" fill=\"{colour}\"><title>{}</title></rect>",
            escape(text(leg, "leg_id").unwrap_or_default()),
            bar.start,
            bar.end,
            ROW_H - 10,
            escape(&hover),
        );
        if last_of_row[*row] == Some(i) {
            let label = format!("{protocol} · {alias} · {reason} · {duration}");
            let room = label.chars().count() as f64 * 6.2;
            let text_y = y + ROW_H / 2 - 1;
            // Beside the bar when it fits, else inside it (white on the colour).
            let (tx, style) = if x0 + w + 4.0 + room <= WIDTH as f64 {
                (x0 + w + 4.0, "")
            } else {
                (x0 + 4.0, " style=\"fill:#fff\"")
            };
            // Drawn after every bar, so that an overlapping leg of the same row cannot hide it.
            let _ = writeln!(
                labels,
                "<text class=\"leg-label\" x=\"{tx:.1}\" y=\"{text_y}\"{style}>{}</text>",
                escape(&label)
            );
        }
        let _ = writeln!(out, "</g>");
    }
    out.push_str(&labels);
    let _ = writeln!(out, "</svg>");
    let legend: Vec<String> = QUALITY_COLOURS
        .iter()
        .map(|(name, colour)| format!("<span style=\"background:{colour}\"></span>{name}"))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"legend\">worst call quality seen:{}</p>\n</body></html>",
        legend.join("")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        let Value::Object(m) = v else { unreachable!() };
        m
    }

    #[test]
    fn one_bar_per_leg_on_an_axis_covering_the_session() {
        let items = vec![
            obj(
                json!({"kind": "session", "conference": "meet.<alice>", "session_id": "s1", "start_ms": 1_000_000, "end_ms": 4_600_000}),
            ),
            obj(
                json!({"kind": "leg", "leg_id": "a", "alias": "sip:a@x", "protocol": "SIP", "joined_ms": 1_000_000, "left_ms": 2_000_000, "worst_quality": 3}),
            ),
            obj(
                json!({"kind": "leg", "leg_id": "b", "alias": "b", "protocol": "WebRTC", "joined_ms": 1_500_000}),
            ),
        ];
        let page = session_page(&items);
        assert_eq!(page.matches("<rect class=\"leg\"").count(), 2);
        assert!(page.contains("data-start-ms=\"1000000\" data-end-ms=\"4600000\""));
        assert!(page.contains("meet.&lt;alice&gt;"));
        assert!(page.contains("fill=\"#e8710a\""), "bad quality is orange");
        assert!(page.contains("data-peak=\"2\""), "two people at once");
        assert!(
            !page.contains("<script") && !page.contains("http://")
                || page.contains("http://www.w3.org/2000/svg")
        );
    }
}
