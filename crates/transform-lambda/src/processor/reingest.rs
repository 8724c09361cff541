//! The events that go back into the stream: re-encoded as gzip'd CloudWatch
//! envelopes one generation on, halved until each fits a Firehose record.

use std::borrow::Cow;

use logwrangler::gzip::gzip_fast;
use logwrangler::parser::derived_event_id;
use logwrangler_aws::envelope::{CloudWatchEnvelope, LogEvent};
use logwrangler_aws::firehose::InputRecord;

use super::decode::Decoded;
use super::{Answer, Limits, RecordPlan};
use crate::failure::FailureReason;

/// Re-encodes the chosen events of a record as CloudWatch envelopes (gzip),
/// halving until each fits a Firehose record, and adds them to the plan.
pub(super) fn add_reingest(
    plan: &mut RecordPlan,
    decoded: &Decoded<'_>,
    record: &InputRecord,
    events: &[usize],
    limits: &Limits,
) -> Result<(), FailureReason> {
    if decoded.generation >= limits.max_reingest_generations {
        return Err(FailureReason::GenerationLimit {
            generation: decoded.generation,
        });
    }
    let payload = encode_envelope(decoded, record, events, decoded.generation + 1);
    if payload.len() <= limits.reingest_record_max {
        plan.reingest.push(payload);
        plan.reingested_events += events.len();
        return Ok(());
    }
    if events.len() <= 1 {
        return Err(FailureReason::EventTooLarge);
    }
    let (left, right) = events.split_at(events.len() / 2);
    add_reingest(plan, decoded, record, left, limits)?;
    add_reingest(plan, decoded, record, right, limits)
}

/// The chosen events as a gzip-compressed CloudWatch envelope marked with
/// `generation`. Direct PUT lines become events with their derived ids and the
/// arrival time, so re-processing yields the same ids and partitions.
fn encode_envelope(
    decoded: &Decoded<'_>,
    record: &InputRecord,
    events: &[usize],
    generation: u32,
) -> Vec<u8> {
    let env = match &decoded.envelope {
        Some(env) => CloudWatchEnvelope {
            log_events: events
                .iter()
                .filter_map(|&i| env.log_events.get(i).cloned())
                .collect(),
            logwrangler_reingest: Some(generation),
            ..env.clone()
        },
        None => {
            // Header lines (CloudFront `#Fields`, VPC field lists) travel with every part.
            let headers = decoded
                .headers
                .iter()
                .copied()
                .filter(|i| !events.contains(i));
            let chosen: Vec<usize> = headers.chain(events.iter().copied()).collect();
            CloudWatchEnvelope {
                message_type: "DATA_MESSAGE".into(),
                owner: None,
                log_group: None,
                log_stream: None,
                subscription_filters: Vec::new(),
                log_events: chosen
                    .iter()
                    .filter_map(|&i| {
                        let text = String::from_utf8_lossy(decoded.direct.get(i)?);
                        Some(LogEvent {
                            id: derived_event_id(&record.record_id, i as u64, &text).into(),
                            timestamp: record.approximate_arrival_timestamp.unwrap_or(0),
                            message: Cow::Owned(text.into_owned()),
                        })
                    })
                    .collect(),
                logwrangler_reingest: Some(generation),
            }
        }
    };
    let json = serde_json::to_vec(&env).expect("envelopes serialise");
    gzip_fast(&json)
}

/// The payloads that carry a record that did not fit the response: the same
/// events again when they would fit another invocation's response, else its
/// events in two halves. Either way the generation moves on, so a record can
/// travel through the stream only a bounded number of times.
pub(super) fn overflow_payloads(
    decoded: &Decoded<'_>,
    input: &InputRecord,
    limits: &Limits,
    fits_alone: bool,
) -> Result<(Vec<Vec<u8>>, usize), FailureReason> {
    let count = decoded.event_count();
    let all: Vec<usize> = (0..count).collect();
    let mut carrier = RecordPlan {
        record_id: input.record_id.clone(),
        answer: Answer::Dropped,
        reingest: Vec::new(),
        reingested_events: 0,
    };
    if fits_alone {
        if decoded.generation >= limits.max_reingest_generations {
            return Err(FailureReason::GenerationLimit {
                generation: decoded.generation,
            });
        }
        let payload = encode_envelope(decoded, input, &all, decoded.generation + 1);
        if payload.len() <= limits.reingest_record_max {
            return Ok((vec![payload], count));
        }
    }
    if count < 2 {
        return Err(FailureReason::OutputTooLarge);
    }
    let (left, right) = all.split_at(count / 2);
    add_reingest(&mut carrier, decoded, input, left, limits)?;
    add_reingest(&mut carrier, decoded, input, right, limits)?;
    Ok((carrier.reingest, count))
}
