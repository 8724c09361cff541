//! Planning: one answer per record, in input order, within the response
//! budget.

use logwrangler::LineParser;
use logwrangler_aws::firehose::{InputRecord, Request};

use super::decode::decode_payload;
use super::group::{Group, transform_events};
use super::reingest::{add_reingest, overflow_payloads};
use super::response::{WRAPPER_BYTES, entry_len};
use super::{Answer, Limits, Plan, RecordPlan, Stats};
use crate::failure::FailureReason;
use logwrangler_aws::envelope::CloudWatchEnvelope;

/// Plans every record of a request.
///
/// The response budget is kept record by record, in input order: every
/// record first reserves a small entry, then each `Ok` entry that still fits
/// takes its place; one that does not is re-ingested (whole when it would fit
/// another invocation's response, else split in halves) and answered
/// `Dropped`. Deciding while the record is still decoded means its typed data
/// is dropped at once and its payloads come from the events in hand, so an
/// invocation never holds more typed output than one response can carry.
pub fn plan(request: &Request, parser: &LineParser, limits: &Limits) -> Plan {
    let mut stats = Stats {
        records_in: request.records.len(),
        ..Stats::default()
    };
    // Every record needs at least a small entry and a comma: reserve those first,
    // sized as the longest one (`ProcessingFailed`: any record may end up failed
    // when its re-ingest does not go through).
    let small: Vec<usize> = request
        .records
        .iter()
        .map(|r| {
            entry_len(
                &r.record_id,
                &Answer::ProcessingFailed(FailureReason::ReingestFailed),
            ) + 1
        })
        .collect();
    let reserved = WRAPPER_BYTES + small.iter().sum::<usize>();
    let mut budget = Budget {
        limit: limits.response_budget(),
        reserved,
        used: reserved,
    };
    let records = request
        .records
        .iter()
        .zip(small)
        .map(|(record, small)| plan_record(record, parser, limits, &mut stats, small, &mut budget))
        .collect();
    Plan { records, stats }
}

/// The response budget while records are planned.
struct Budget {
    /// Bytes the response may use.
    limit: usize,
    /// Bytes reserved for every record's smallest entry and the wrapper.
    reserved: usize,
    /// Bytes used so far (the reservation included).
    used: usize,
}

fn failed(record_id: &str, reason: impl Into<FailureReason>) -> RecordPlan {
    RecordPlan {
        record_id: record_id.to_owned(),
        answer: Answer::ProcessingFailed(reason.into()),
        reingest: Vec::new(),
        reingested_events: 0,
    }
}

fn plan_record(
    record: &InputRecord,
    parser: &LineParser,
    limits: &Limits,
    stats: &mut Stats,
    small: usize,
    budget: &mut Budget,
) -> RecordPlan {
    let data = match record.decode_data(limits.decompressed_cap) {
        Ok(data) => data,
        Err(err) => return failed(&record.record_id, err),
    };
    stats.bytes_in += data.len();
    let mut decoded = match decode_payload(&data) {
        Ok(decoded)
            if decoded
                .envelope
                .as_ref()
                .is_some_and(CloudWatchEnvelope::is_control) =>
        {
            stats.control_messages += 1;
            return RecordPlan {
                record_id: record.record_id.clone(),
                answer: Answer::Dropped,
                reingest: Vec::new(),
                reingested_events: 0,
            };
        }
        Ok(decoded) => decoded,
        Err(err) => return failed(&record.record_id, err),
    };
    let (groups, headers) = transform_events(&decoded, record, parser, limits, stats);
    decoded.headers = headers;
    let mut groups = groups.into_iter();
    let Some(first) = groups.next() else {
        return RecordPlan {
            record_id: record.record_id.clone(),
            answer: Answer::Dropped,
            reingest: Vec::new(),
            reingested_events: 0,
        };
    };
    let mut plan = RecordPlan {
        record_id: record.record_id.clone(),
        answer: Answer::Ok {
            data: first.ndjson,
            keys: first.keys,
        },
        reingest: Vec::new(),
        reingested_events: 0,
    };
    let rest: Vec<Group> = groups.collect();
    if !rest.is_empty() {
        stats.split_records += 1;
        for group in rest {
            if let Err(reason) = add_reingest(&mut plan, &decoded, record, &group.events, limits) {
                return failed(&record.record_id, reason);
            }
        }
    }
    let extra = (entry_len(&plan.record_id, &plan.answer) + 1).saturating_sub(small);
    if budget.used + extra <= budget.limit {
        budget.used += extra;
        return plan;
    }
    stats.overflow_records += 1;
    plan.answer = Answer::Dropped;
    let fits_alone = budget.reserved + extra <= budget.limit;
    match overflow_payloads(&decoded, record, limits, fits_alone) {
        // The payloads carry every event of the record, so they replace what
        // the partition split had planned to re-ingest of it.
        Ok((payloads, events)) => {
            plan.reingest = payloads;
            plan.reingested_events = events;
            plan
        }
        Err(reason) => failed(&record.record_id, reason),
    }
}
