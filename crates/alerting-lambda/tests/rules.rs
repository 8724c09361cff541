//! Rule fields the alerting path honours: `mute_until` (a maintenance window:
//! no alert for events before it, the record keeps its severity) and
//! `severity_by_source` (the same rule raises or lowers per source), through
//! the alerting service with its in-memory store and notifier.

use std::sync::Arc;

use alerting_lambda::Alerting;
use alerting_lambda::notify::MemoryNotifier;
use alerting_lambda::store::MemoryStore;
use logwrangler::{EventContext, LineParser, Rules, Severity, SourceConfig};

const RULES: &str = r#"{"rules":[{"name":"disk-full","message":"disk full","severity":"error",
    "mute_until":"2026-12-03T12:00:00Z",
    "severity_by_source":[{"source":"lab-*","severity":"info"},{"source":"px-mgr01","severity":"critical"}]}]}"#;

fn line(time: &str, node: &str) -> String {
    format!(
        "{time}+00:00 {node} {} Level=\"WARNING\" Name=\"support.disk\" Message=\"disk full\"",
        time.replacen('T', " ", 1).replacen('.', ",", 1)
    )
}

#[tokio::test]
async fn muted_until_the_window_ends_and_severity_set_per_source() {
    let rules = Arc::new(Rules::from_json(RULES).unwrap());
    let service = Alerting::with_rules(
        rules.clone(),
        Severity::Warning,
        MemoryStore::new(),
        MemoryNotifier::new(),
    );
    let mut parser = LineParser::new(Arc::new(SourceConfig::default()), rules);
    let mut muted = 0;
    for (time, node) in [
        ("2026-12-03T10:00:00.000", "px-conf-01"), // in the maintenance window
        ("2026-12-03T13:00:00.000", "px-conf-01"), // after it: error
        ("2026-12-03T13:00:01.000", "lab-7"),      // info from the lab: no alert
        ("2026-12-03T13:00:02.000", "px-mgr01"),   // critical from the manager
    ] {
        let text = line(time, node);
        let record = parser
            .parse_line(&text, &EventContext::default())
            .into_record()
            .unwrap();
        let report = service.handle_record(&record).await.unwrap();
        muted += report.alerts_muted;
    }
    assert_eq!(muted, 1);
    let alerts = service.notifier().alerts();
    let severities: Vec<Severity> = alerts.iter().map(|a| a.severity).collect();
    assert_eq!(
        severities,
        [Severity::Error, Severity::Critical],
        "{alerts:?}"
    );
}
