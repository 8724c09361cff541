//! A short soak (`loadtest soak` bounded to seconds): the load loops over the
//! generated day, every window is reported with its figures, and every event
//! sent is in the lake at the end. The figures themselves are for reading
//! (`cargo run --release -p loadtest -- soak`), not asserted.

use std::path::Path;

use loadtest::soak::{SoakArgs, render, soak};

#[test]
fn a_short_soak_loses_nothing_and_reports_every_window() {
    let report = soak(&SoakArgs {
        seconds: 6,
        windows: 3,
        scale: 0.01,
        json: false,
        out: Path::new(env!("CARGO_TARGET_TMPDIR")).join("soak"),
    })
    .unwrap();
    eprintln!("{}", render(&report));
    assert_eq!(report.windows.len(), 3);
    assert!(
        report
            .windows
            .iter()
            .all(|w| w.events > 0 && w.rss_mb > 0.0)
    );
    assert!(report.events_sent > 0);
    assert_eq!(report.events_in_lake, report.events_sent);
    assert_eq!((report.lost, report.error_records), (0, 0));
    assert!(report.peak_rss_mb >= report.windows[0].rss_mb);
}
