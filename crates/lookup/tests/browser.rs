//! The picture of a session in a real browser: headless Chromium (the Debian
//! package `chromium-headless-shell`, installed here with apt when missing and
//! possible) renders the page of a generated session to PNG, and the DOM it
//! parsed has one bar per leg on an axis that covers the whole session.

use std::path::{Path, PathBuf};
use std::process::Command;

use logwrangler_lookup::html::session_page;
use serde_json::{Map, Value, json};

/// The browser binary, installed with apt-get when missing (as root).
fn chromium() -> PathBuf {
    let find = || {
        ["chromium-headless-shell", "chromium", "chromium-browser"]
            .iter()
            .find_map(|name| {
                let out = Command::new("sh")
                    .args(["-c", &format!("command -v {name}")])
                    .output()
                    .ok()?;
                let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
                (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
            })
    };
    if let Some(path) = find() {
        return path;
    }
    let status = Command::new("sh")
        .args([
            "-c",
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium-headless-shell \
             || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium-headless-shell)",
        ])
        .status();
    find().unwrap_or_else(|| {
        panic!(
            "headless Chromium is needed for this test and could not be installed ({status:?}): \
             apt-get install chromium-headless-shell (make tools does it)"
        )
    })
}

/// A generated session: `people` participants over two hours, some with a
/// second leg (a reconnect), qualities from good to terrible, one still connected.
fn generated_session(people: usize) -> Vec<Map<String, Value>> {
    let start = 1_795_939_200_000i64; // 2026-11-29T08:00:00Z
    let mut seed = 42u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let protocols = ["WebRTC", "SIP", "H323", "MSSIP", "RTMP"];
    let mut items = Vec::new();
    let mut end = start;
    for p in 0..people {
        let legs = 1 + (p % 3 == 0) as usize;
        let mut t = start + next(40) as i64 * 60_000;
        for l in 0..legs {
            let joined = t;
            let left = joined + (5 + next(60)) as i64 * 60_000;
            let open = p == people - 1 && l == legs - 1;
            end = end.max(left);
            let mut leg = json!({
                "kind": "leg",
                "conference": "meet.generated",
                "session_id": "s-generated",
                "leg_id": format!("leg-{p}-{l}"),
                "conversation_id": format!("conv-{p}"),
                "alias": format!("sip:person{p}@example.com"),
                "display_name": format!("Person {p}"),
                "protocol": protocols[p % protocols.len()],
                "joined_ms": joined,
                "worst_quality": next(5),
            });
            if !open {
                leg["left_ms"] = json!(left);
                leg["duration_s"] = json!(((left - joined) / 1000).to_string());
                leg["disconnect_reason"] = json!("Call disconnected");
            }
            items.push(leg.as_object().unwrap().clone());
            t = left + 60_000;
        }
    }
    items.push(
        json!({"kind": "session", "conference": "meet.generated", "session_id": "s-generated",
               "start_ms": start, "participants_total": people, "legs": items.len(), "active": true})
        .as_object()
        .unwrap()
        .clone(),
    );
    let _ = end;
    items
}

/// The value of attribute `name` in an element's opening tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn tags<'a>(dom: &'a str, open: &str) -> Vec<&'a str> {
    dom.match_indices(open)
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').unwrap()])
        .collect()
}

#[test]
fn headless_chromium_renders_one_bar_per_leg_on_the_session_axis() {
    let browser = chromium();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lookup-browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let items = generated_session(14);
    let legs: Vec<&Map<String, Value>> = items.iter().filter(|i| i["kind"] == "leg").collect();
    let page = dir.join("session.html");
    std::fs::write(&page, session_page(&items)).unwrap();
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1280,900",
    ];

    let png = dir.join("session.png");
    let shot = Command::new(&browser)
        .args(common)
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 10_000,
        "a drawn page, not a blank one: {} bytes",
        bytes.len()
    );

    // The DOM as the browser parsed it (no scripts: the page is its markup).
    let dump = Command::new(&browser)
        .args(common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dom = String::from_utf8(dump.stdout).unwrap();
    let bars = tags(&dom, "<rect class=\"leg\"");
    assert_eq!(bars.len(), legs.len(), "one bar per leg");
    let axis = tags(&dom, "<g id=\"axis\"");
    assert_eq!(axis.len(), 1);
    let axis_start: i64 = attribute(axis[0], "data-start-ms")
        .unwrap()
        .parse()
        .unwrap();
    let axis_end: i64 = attribute(axis[0], "data-end-ms").unwrap().parse().unwrap();
    let first_join = legs
        .iter()
        .map(|l| l["joined_ms"].as_i64().unwrap())
        .min()
        .unwrap();
    let last_leave = legs
        .iter()
        .filter_map(|l| l.get("left_ms")?.as_i64())
        .max()
        .unwrap();
    assert!(
        axis_start <= first_join && axis_end >= last_leave,
        "the axis covers the session"
    );
    let x_of = |t: i64| 260.0 + (t - axis_start) as f64 / (axis_end - axis_start) as f64 * 730.0;
    for leg in &legs {
        let id = leg["leg_id"].as_str().unwrap();
        let bar = bars
            .iter()
            .find(|b| attribute(b, "data-leg-id") == Some(id))
            .unwrap_or_else(|| panic!("a bar for {id}"));
        let x: f64 = attribute(bar, "x").unwrap().parse().unwrap();
        let joined = leg["joined_ms"].as_i64().unwrap();
        assert!((x - x_of(joined)).abs() < 0.2, "{id} starts at its join");
        if let Some(left) = leg.get("left_ms").and_then(Value::as_i64) {
            let w: f64 = attribute(bar, "width").unwrap().parse().unwrap();
            assert!((x + w - x_of(left)).abs() < 2.1, "{id} ends at its leave");
        }
    }
    // One row per participant, the curve above them, nothing fetched from elsewhere.
    assert_eq!(tags(&dom, "<text class=\"participant\"").len(), 14);
    assert_eq!(
        tags(&dom, "<text class=\"leg-label\"").len(),
        14,
        "every row is labelled"
    );
    assert_eq!(tags(&dom, "<g id=\"concurrency\"").len(), 1);
    assert!(!dom.contains("<script") && !dom.contains("<link"));
}
