//! Regressions found by fuzzing the Firehose processor (`tools/fuzz/`, target
//! `firehose_request`), each as a named test of the behaviour that was wrong.
//! The inputs themselves are replayed by `tests/fuzz_corpus.rs`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::LineParser;
use transform_lambda::processor::{
    Answer, InputRecord, LAMBDA_RESPONSE_LIMIT, Limits, Request, plan, response_json,
};

const ELB_LINE: &str = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#;

/// A record answered `Dropped` because its data did not fit the response (its
/// events re-ingested) is answered `ProcessingFailed` when that re-ingest
/// fails: a longer entry. The budget used to reserve only the `Dropped`
/// entry, so with failed re-ingests the response outgrew the budget (found
/// with a 4,096 byte budget: 4,100 bytes). Now every record reserves the
/// longest small entry, and no outcome of the re-ingest can push a response
/// that carries data over the budget.
#[test]
fn failed_reingest_answers_stay_within_the_response_budget() {
    let request = Request {
        records: (0..6)
            .map(|i| InputRecord {
                record_id: format!("record-{i}"),
                approximate_arrival_timestamp: Some(1_431_560_383_945),
                data: BASE64.encode(ELB_LINE).into(),
            })
            .collect(),
        ..Request::default()
    };
    let mut mixed_outcomes = 0;
    for budget in (200..2400).step_by(11) {
        let limits = Limits {
            response_margin: LAMBDA_RESPONSE_LIMIT - budget,
            ..Limits::default()
        };
        let plan = plan(&request, &LineParser::default(), &limits);
        let reingested = |i: usize| !plan.records[i].reingest.is_empty();
        let answered_ok = plan
            .records
            .iter()
            .any(|r| matches!(r.answer, Answer::Ok { .. }) && r.reingest.is_empty());
        if !answered_ok {
            continue;
        }
        if (0..plan.records.len()).any(reingested) {
            mixed_outcomes += 1;
        }
        for failing in [false, true] {
            let response = response_json(&plan, |i| failing && reingested(i));
            assert!(
                response.len() <= budget,
                "budget {budget}, re-ingest failing {failing}: a {} byte response",
                response.len()
            );
        }
    }
    assert!(
        mixed_outcomes > 10,
        "the sweep must reach budgets where some records fit and others are re-ingested"
    );
}
