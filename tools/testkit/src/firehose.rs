//! Firehose transformation requests through the processor: plans and responses.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use logwrangler::envelope::{self, Payload};
use serde_json::{Map, Value};
use transform_lambda::processor::{self, Answer, LAMBDA_RESPONSE_LIMIT, Limits, Plan, Request};

use crate::{Verdict, default_parser};

/// Small limits that small inputs reach: a 4 KiB response budget, 64 KiB
/// decompressed, 256-byte lines, two re-ingest generations, 1 KiB re-ingest
/// records. Every request is planned under these and under the defaults.
pub const TIGHT_LIMITS: Limits = Limits {
    response_margin: LAMBDA_RESPONSE_LIMIT - 4096,
    decompressed_cap: 64 * 1024,
    max_line_bytes: 256,
    max_reingest_generations: 2,
    reingest_record_max: 1024,
};

/// Largest decompressed re-ingest payload the check reads back.
const PAYLOAD_READ_CAP: usize = 256 << 20;

/// A request (JSON) planned under the default and the tight limits, and its
/// response written with every re-ingest accepted and with every re-ingest
/// failed. The response is valid JSON with exactly one answer per input
/// record, in order, with its recordId; `Ok` answers carry base64 NDJSON whose
/// lines all belong to the partition in `metadata.partitionKeys`; the response
/// fits the budget whenever it carries data; a record whose data cannot be
/// decoded is `ProcessingFailed`, a record whose re-ingest failed too; every
/// re-ingest payload fits a Firehose record and is a gzip CloudWatch envelope
/// one generation on from its input, never past the generation limit.
/// Input that is not a request (the Lambda runtime refuses it) checks nothing.
pub fn check_firehose_request(input: &[u8]) -> Verdict {
    let Ok(request) = serde_json::from_slice::<Request>(input) else {
        return Ok(());
    };
    let parser = default_parser();
    for (name, limits) in [("default", Limits::default()), ("tight", TIGHT_LIMITS)] {
        let plan = processor::plan(&request, &parser, &limits);
        check_plan(&request, &plan, &limits).map_err(|e| format!("{name} limits: {e}"))?;
        for reingest_fails in [false, true] {
            let failed = |i: usize| {
                reingest_fails && plan.records.get(i).is_some_and(|r| !r.reingest.is_empty())
            };
            let response = processor::response_json(&plan, failed);
            check_response(&request, &plan, &response, &limits, failed)
                .map_err(|e| format!("{name} limits, re-ingest failing {reingest_fails}: {e}"))?;
        }
    }
    Ok(())
}

/// The generation of a record's data when it decodes (0 for data CloudWatch
/// sent), `None` when it cannot be decoded at all.
fn input_generation(data: &Value, limits: &Limits) -> Option<u32> {
    let raw = BASE64.decode(data.as_str()?).ok()?;
    let data = envelope::gunzip_capped(&raw, limits.decompressed_cap).ok()?;
    match envelope::classify(&data).ok()? {
        Payload::CloudWatch(env) => Some(env.logwrangler_reingest.unwrap_or(0)),
        Payload::Direct(_) => Some(0),
    }
}

fn check_plan(request: &Request, plan: &Plan, limits: &Limits) -> Verdict {
    ensure!(
        plan.records.len() == request.records.len(),
        "{} plans for {} records",
        plan.records.len(),
        request.records.len()
    );
    for (index, (record, input)) in plan.records.iter().zip(&request.records).enumerate() {
        ensure!(
            record.record_id == input.record_id,
            "plan {index} is for {:?}, not {:?}",
            record.record_id,
            input.record_id
        );
        let generation = input_generation(&input.data, limits);
        if generation.is_none() {
            ensure!(
                matches!(record.answer, Answer::ProcessingFailed(_)),
                "record {index} cannot be decoded but is answered {:?}",
                record.answer
            );
        }
        match &record.answer {
            Answer::ProcessingFailed(_) => ensure!(
                record.reingest.is_empty(),
                "record {index} is failed and re-ingested both"
            ),
            Answer::Ok { data, .. } => ensure!(
                !data.is_empty() && data.ends_with(b"\n"),
                "record {index} is Ok with data that is not NDJSON lines"
            ),
            Answer::Dropped => {}
        }
        ensure!(
            record.reingest.is_empty() == (record.reingested_events == 0),
            "record {index} re-ingests {} payloads carrying {} events",
            record.reingest.len(),
            record.reingested_events
        );
        let mut carried = 0;
        for payload in &record.reingest {
            ensure!(
                payload.len() <= limits.reingest_record_max,
                "record {index}: a {} byte re-ingest payload (limit {})",
                payload.len(),
                limits.reingest_record_max
            );
            ensure!(
                payload.starts_with(&envelope::GZIP_MAGIC),
                "record {index}: a re-ingest payload is not gzip"
            );
            let data = envelope::gunzip_capped(payload, PAYLOAD_READ_CAP)
                .map_err(|e| format!("record {index}: a re-ingest payload: {e}"))?;
            let Ok(Payload::CloudWatch(env)) = envelope::classify(&data) else {
                return Err(format!(
                    "record {index}: a re-ingest payload is not an envelope"
                ));
            };
            let next = generation.map(|g| g + 1);
            ensure!(
                !env.is_control()
                    && !env.log_events.is_empty()
                    && env.logwrangler_reingest == next
                    && next.is_some_and(|g| g <= limits.max_reingest_generations),
                "record {index}: a re-ingest payload of generation {:?} from input generation {generation:?} (limit {}), {} events",
                env.logwrangler_reingest,
                limits.max_reingest_generations,
                env.log_events.len()
            );
            carried += env.log_events.len();
        }
        ensure!(
            carried >= record.reingested_events,
            "record {index}: {} events counted as re-ingested, {carried} carried",
            record.reingested_events
        );
    }
    Ok(())
}

fn check_response(
    request: &Request,
    plan: &Plan,
    response: &[u8],
    limits: &Limits,
    failed: impl Fn(usize) -> bool,
) -> Verdict {
    let value: Value =
        serde_json::from_slice(response).map_err(|e| format!("response is not JSON: {e}"))?;
    let entries = match value.as_object().map(|o| (o.len(), o.get("records"))) {
        Some((1, Some(Value::Array(entries)))) => entries,
        _ => return Err("response is not {\"records\": [...]}".into()),
    };
    ensure!(
        entries.len() == request.records.len(),
        "{} answers for {} records",
        entries.len(),
        request.records.len()
    );
    let mut carries_data = false;
    for (index, ((entry, input), record)) in entries
        .iter()
        .zip(&request.records)
        .zip(&plan.records)
        .enumerate()
    {
        let Some(entry) = entry.as_object() else {
            return Err(format!("answer {index} is not an object"));
        };
        ensure!(
            entry.get("recordId").and_then(Value::as_str) == Some(input.record_id.as_str()),
            "answer {index} has recordId {:?}, the record {:?}",
            entry.get("recordId"),
            input.record_id
        );
        let want = match (&record.answer, failed(index)) {
            (_, true) | (Answer::ProcessingFailed(_), _) => "ProcessingFailed",
            (Answer::Dropped, false) => "Dropped",
            (Answer::Ok { .. }, false) => "Ok",
        };
        let result = entry.get("result").and_then(Value::as_str);
        ensure!(
            result == Some(want),
            "answer {index} is {result:?}, planned {want}"
        );
        let mut keys: Vec<&str> = entry.keys().map(String::as_str).collect();
        keys.sort_unstable();
        if want != "Ok" {
            ensure!(
                keys == ["recordId", "result"],
                "answer {index} ({want}) has keys {keys:?}"
            );
            continue;
        }
        carries_data = true;
        ensure!(
            keys == ["data", "metadata", "recordId", "result"],
            "answer {index} (Ok) has keys {keys:?}"
        );
        check_ok_entry(entry).map_err(|e| format!("answer {index}: {e}"))?;
    }
    ensure!(
        !carries_data || response.len() <= limits.response_budget(),
        "a {} byte response carrying data is over the {} byte budget",
        response.len(),
        limits.response_budget()
    );
    Ok(())
}

/// An `Ok` answer: partition keys, and NDJSON lines of that partition.
fn check_ok_entry(entry: &Map<String, Value>) -> Verdict {
    let partition = entry
        .get("metadata")
        .and_then(Value::as_object)
        .filter(|m| m.len() == 1)
        .and_then(|m| m.get("partitionKeys"))
        .and_then(Value::as_object)
        .ok_or("metadata is not {\"partitionKeys\": {...}}")?;
    let key = |name: &str, digits: usize| -> Result<&str, String> {
        let value = partition
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("partition key {name} missing"))?;
        ensure!(
            digits == 0 || (value.len() == digits && value.bytes().all(|b| b.is_ascii_digit())),
            "partition key {name} = {value:?}"
        );
        Ok(value)
    };
    ensure!(partition.len() == 5, "partition keys {partition:?}");
    let log_type = key("log_type", 0)?;
    ensure!(
        logwrangler::LogType::from_name(log_type).is_some(),
        "partition log_type {log_type:?}"
    );
    let prefix = format!(
        "{}-{}-{}T{}",
        key("year", 4)?,
        key("month", 2)?,
        key("day", 2)?,
        key("hour", 2)?
    );
    let data = entry
        .get("data")
        .and_then(Value::as_str)
        .ok_or("data is not a string")?;
    let data = BASE64
        .decode(data)
        .map_err(|e| format!("data is not base64: {e}"))?;
    let text = std::str::from_utf8(&data).map_err(|e| format!("data is not UTF-8: {e}"))?;
    let Some(text) = text.strip_suffix('\n') else {
        return Err("data does not end with a newline".into());
    };
    for line in text.split('\n') {
        let record: Value =
            serde_json::from_str(line).map_err(|e| format!("a line is not JSON ({e}): {line}"))?;
        ensure!(
            record.get("log_type").and_then(Value::as_str) == Some(log_type),
            "a line of another log_type than the partition's {log_type}: {line}"
        );
        let suspect = record.get("timestamp_suspect") == Some(&Value::Bool(true));
        let timestamp = record.get("timestamp").and_then(Value::as_str);
        ensure!(
            suspect || timestamp.is_some_and(|t| t.starts_with(&prefix)),
            "a line outside the partition {prefix}: {line}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blueprint_event_passes_and_broken_answers_are_named() {
        let request = format!(
            r#"{{"invocationId":"i","deliveryStreamArn":"arn:aws:firehose:eu-west-1:1:deliverystream/s","region":"eu-west-1","records":[{{"recordId":"a","approximateArrivalTimestamp":1772446542118,"data":"{}"}},{{"recordId":"b","data":"%%%"}}]}}"#,
            BASE64.encode("REPORT RequestId: 3f1a Duration: 12.5 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 40 MB\n")
        );
        assert_eq!(check_firehose_request(request.as_bytes()), Ok(()));
        assert_eq!(check_firehose_request(b"not a request"), Ok(()));

        let request: Request = serde_json::from_str(&request).unwrap();
        let plan = processor::plan(&request, &default_parser(), &Limits::default());
        let swapped = br#"{"records":[{"recordId":"b","result":"ProcessingFailed"},{"recordId":"a","result":"Dropped"}]}"#;
        let err =
            check_response(&request, &plan, swapped, &Limits::default(), |_| false).unwrap_err();
        assert!(err.starts_with("answer 0 has recordId"), "{err}");
        let short = br#"{"records":[{"recordId":"a","result":"Dropped"}]}"#;
        let err =
            check_response(&request, &plan, short, &Limits::default(), |_| false).unwrap_err();
        assert_eq!(err, "1 answers for 2 records");
    }
}
