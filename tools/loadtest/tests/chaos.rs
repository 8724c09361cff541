//! Zero loss under faults (`loadtest chaos` at a small scale): every scenario
//! accounts for every event it sent, in the lake or under the error prefix,
//! with duplicates only where a processor re-ingested and then timed out.

use std::path::Path;

use loadtest::chaos::{Hostile, run_scenarios, scenarios};

#[test]
fn every_event_is_accounted_for_under_every_fault() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos");
    let all = scenarios(7);
    let report = run_scenarios(0.01, 7, &out, &all).unwrap();
    eprintln!("{}", loadtest::chaos::render(&report));

    assert_eq!(report.scenarios.len(), all.len());
    assert_eq!(report.missing, 0, "{report:#?}");
    assert!(report.holds(), "{report:#?}");
    assert_eq!(
        report.generated,
        report.delivered + report.error_prefix + report.missing
    );
    let by_name = |name: &str| {
        report
            .scenarios
            .iter()
            .find(|s| s.scenario == name)
            .unwrap_or_else(|| panic!("no scenario {name}"))
    };
    let baseline = by_name("baseline");
    assert_eq!(baseline.generated, baseline.delivered);
    assert!(baseline.reingested_records > 0, "split records re-ingest");

    // The faults struck, and were survived.
    let throttled = by_name("throttled_and_failed_reingest");
    assert!(throttled.throttled_calls > 0 && throttled.failed_entries > 0);
    assert_eq!(throttled.delivered, throttled.generated);
    let errors = by_name("processor_errors");
    assert!(errors.invoke_errors > 0);
    assert_eq!(errors.generated, errors.delivered + errors.error_prefix);
    let timeouts = by_name("processor_timeouts");
    assert!(timeouts.invoke_timeouts > 0);
    assert_eq!(timeouts.duplicates, 0);
    let late = by_name("timeout_after_reingest");
    assert!(late.invoke_timeouts > 0);
    assert!(
        late.duplicates > 0,
        "re-ingested parts of a timed-out run arrive twice"
    );

    // Hostile records: each answered once, nothing lost.
    for s in all.iter().filter(|s| s.hostile != Hostile::None) {
        let found = by_name(s.name);
        assert_eq!(found.missing, 0, "{found:#?}");
        assert_eq!(found.violations, 0, "{found:#?}");
    }
    let bombs = by_name("gzip_bombs");
    assert!(bombs.error_prefix >= 2, "{bombs:#?}");
    let long = by_name("long_lines");
    assert_eq!(long.truncated, 3, "{long:#?}");
    let malformed = by_name("malformed_records");
    assert!(malformed.error_prefix >= 2, "{malformed:#?}");
}
