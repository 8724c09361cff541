//! The strict check of a processor response, as Firehose applies it (design
//! section 3): the response is JSON with `records`; every input `recordId` is
//! answered exactly once and no other id appears; `result` is `Ok`, `Dropped`
//! or `ProcessingFailed`; `data` is base64; the whole response is at most
//! 6,291,456 bytes; and, because the stream partitions dynamically, every
//! `Ok` record carries `metadata.partitionKeys` with every key the S3 prefix
//! references.
//!
//! A response that breaks the batch-level rules is rejected whole, with the
//! error code Firehose logs for it (Firehose then retries the invocation and
//! finally writes the batch under the error prefix). An `Ok` record without
//! its partition keys fails alone (Firehose delivers it under the error
//! prefix as `partitioning-failed`). Pure: bytes in, verdict out.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

/// Lambda's synchronous response payload limit.
pub const RESPONSE_LIMIT: usize = 6_291_456;

/// The response is not JSON or does not follow the status model.
pub const JSON_PROCESSING_EXCEPTION: &str = "Lambda.JsonProcessingException";
/// An input record id was not answered (or an answer names an id never sent).
pub const MISSING_RECORD_ID: &str = "Lambda.MissingRecordId";
/// A record id was answered more than once.
pub const DUPLICATED_RECORD_ID: &str = "Lambda.DuplicatedRecordId";
/// The function answered with an error, timed out, or its response was too large.
pub const FUNCTION_ERROR: &str = "Lambda.FunctionError";
/// The function answered `ProcessingFailed` for the record.
pub const PROCESSING_FAILED_STATUS: &str = "Lambda.ProcessingFailedStatus";
/// An `Ok` record lacks a partition key the prefix references.
pub const METADATA_EXTRACTION_FAILED: &str = "DynamicPartitioning.MetadataExtractionFailed";

const JSON_PROCESSING_MESSAGE: &str = "There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose.";
const MISSING_RECORD_ID_MESSAGE: &str = "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.";
const DUPLICATED_RECORD_ID_MESSAGE: &str = "Multiple records were returned with the same record ID. Ensure that the Lambda function returns unique record IDs for each record.";

/// A broken rule, with the Firehose error code it produces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The Firehose error code (`Lambda.MissingRecordId`, ...).
    pub code: &'static str,
    /// Firehose's message and what exactly was wrong.
    pub message: String,
    /// The record concerned, when it is one record.
    pub record_id: Option<String>,
}

impl Violation {
    fn new(
        code: &'static str,
        base: &str,
        detail: impl AsRef<str>,
        record_id: Option<&str>,
    ) -> Self {
        Violation {
            code,
            message: format!("{base} ({})", detail.as_ref()),
            record_id: record_id.map(str::to_owned),
        }
    }

    fn json(detail: impl AsRef<str>, record_id: Option<&str>) -> Self {
        Self::new(
            JSON_PROCESSING_EXCEPTION,
            JSON_PROCESSING_MESSAGE,
            detail,
            record_id,
        )
    }
}

/// What the response says about one input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Transformed: deliver `data` under the prefix of `partition_keys`.
    Ok {
        data: Vec<u8>,
        partition_keys: BTreeMap<String, String>,
    },
    /// Dropped on purpose.
    Dropped,
    /// The function could not process it: the original goes under the error prefix.
    ProcessingFailed,
    /// `Ok`, but without every partition key the prefix needs: the
    /// transformed data goes under the error prefix.
    MissingPartitionKeys { data: Vec<u8>, missing: Vec<String> },
}

/// An accepted response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// One outcome per input record, in input order.
    pub outcomes: Vec<Outcome>,
    /// Record-level violations (missing partition keys).
    pub violations: Vec<Violation>,
}

/// The partition key names `!{partitionKeyFromLambda:<name>}` references in `template`.
pub fn required_partition_keys(template: &str) -> Vec<String> {
    const MARKER: &str = "!{partitionKeyFromLambda:";
    let mut keys = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find(MARKER) {
        let after = &rest[start + MARKER.len()..];
        let Some(end) = after.find('}') else { break };
        if !keys.iter().any(|k| k == &after[..end]) {
            keys.push(after[..end].to_owned());
        }
        rest = &after[end..];
    }
    keys
}

/// Checks `response` against the records sent (`input_ids`, in order) and
/// the partition keys the prefix needs.
pub fn check_response(
    input_ids: &[&str],
    response: &[u8],
    required_keys: &[String],
) -> Result<Checked, Violation> {
    if response.len() > RESPONSE_LIMIT {
        return Err(Violation {
            code: FUNCTION_ERROR,
            message: format!(
                "Response payload size ({} bytes) exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
                response.len()
            ),
            record_id: None,
        });
    }
    let value: Value = serde_json::from_slice(response)
        .map_err(|e| Violation::json(format!("the response is not JSON: {e}"), None))?;
    let entries = value
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| Violation::json("the response has no `records` array", None))?;
    let mut answers: HashMap<&str, Outcome> = HashMap::with_capacity(entries.len());
    let mut violations = Vec::new();
    for entry in entries {
        let id = entry
            .get("recordId")
            .and_then(Value::as_str)
            .ok_or_else(|| Violation::json("a record has no string `recordId`", None))?;
        let outcome = outcome_of(entry, id, required_keys, &mut violations)?;
        if answers.insert(id, outcome).is_some() {
            return Err(Violation::new(
                DUPLICATED_RECORD_ID,
                DUPLICATED_RECORD_ID_MESSAGE,
                format!("{id:?} is answered more than once"),
                Some(id),
            ));
        }
    }
    if let Some(unknown) = answers.keys().find(|id| !input_ids.contains(id)) {
        return Err(Violation::new(
            MISSING_RECORD_ID,
            MISSING_RECORD_ID_MESSAGE,
            format!("{unknown:?} was never sent"),
            Some(unknown),
        ));
    }
    let mut outcomes = Vec::with_capacity(input_ids.len());
    for id in input_ids {
        let outcome = answers.remove(id).ok_or_else(|| {
            Violation::new(
                MISSING_RECORD_ID,
                MISSING_RECORD_ID_MESSAGE,
                format!("{id:?} is not answered"),
                Some(id),
            )
        })?;
        outcomes.push(outcome);
    }
    Ok(Checked {
        outcomes,
        violations,
    })
}

fn outcome_of(
    entry: &Value,
    id: &str,
    required_keys: &[String],
    violations: &mut Vec<Violation>,
) -> Result<Outcome, Violation> {
    let result = entry.get("result").and_then(Value::as_str).ok_or_else(|| {
        Violation::json(format!("record {id:?} has no string `result`"), Some(id))
    })?;
    let data = match entry.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(BASE64.decode(text).map_err(|e| {
            Violation::json(
                format!("record {id:?}: `data` is not base64: {e}"),
                Some(id),
            )
        })?),
        Some(_) => {
            return Err(Violation::json(
                format!("record {id:?}: `data` is not a string"),
                Some(id),
            ));
        }
    };
    match result {
        "Ok" => {
            let data = data.ok_or_else(|| {
                Violation::json(format!("record {id:?} is Ok without `data`"), Some(id))
            })?;
            let partition_keys = partition_keys(entry, id)?;
            let missing: Vec<String> = required_keys
                .iter()
                .filter(|k| !partition_keys.contains_key(k.as_str()))
                .cloned()
                .collect();
            if missing.is_empty() {
                return Ok(Outcome::Ok {
                    data,
                    partition_keys,
                });
            }
            violations.push(Violation {
                code: METADATA_EXTRACTION_FAILED,
                message: format!(
                    "metadata.partitionKeys of record {id:?} lacks {} that the S3 prefix references",
                    missing.join(", ")
                ),
                record_id: Some(id.to_owned()),
            });
            Ok(Outcome::MissingPartitionKeys { data, missing })
        }
        "Dropped" => Ok(Outcome::Dropped),
        "ProcessingFailed" => Ok(Outcome::ProcessingFailed),
        other => Err(Violation::json(
            format!("record {id:?}: result {other:?} is not Ok, Dropped or ProcessingFailed"),
            Some(id),
        )),
    }
}

fn partition_keys(entry: &Value, id: &str) -> Result<BTreeMap<String, String>, Violation> {
    let Some(keys) = entry.get("metadata").and_then(|m| m.get("partitionKeys")) else {
        return Ok(BTreeMap::new());
    };
    let object = keys.as_object().ok_or_else(|| {
        Violation::json(
            format!("record {id:?}: partitionKeys is not an object"),
            Some(id),
        )
    })?;
    object
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => Ok((k.clone(), s.to_owned())),
            None => Err(Violation::json(
                format!("record {id:?}: partition key {k:?} is not a string"),
                Some(id),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::partition::S3_PREFIX_TEMPLATE;
    use serde_json::json;

    fn keys() -> Vec<String> {
        required_partition_keys(S3_PREFIX_TEMPLATE)
    }

    fn ok(id: &str) -> Value {
        json!({"recordId": id, "result": "Ok", "data": BASE64.encode(format!("{{\"id\":\"{id}\"}}\n")),
               "metadata": {"partitionKeys": {"log_type": "app", "year": "2026", "month": "03", "day": "02", "hour": "10"}}})
    }

    fn check(ids: &[&str], response: Value) -> Result<Checked, Violation> {
        check_response(ids, &serde_json::to_vec(&response).unwrap(), &keys())
    }

    #[test]
    fn the_deployed_prefix_needs_five_keys() {
        assert_eq!(keys(), ["log_type", "year", "month", "day", "hour"]);
    }

    #[test]
    fn a_good_response_gives_one_outcome_per_record_in_input_order() {
        let checked = check(
            &["a", "b", "c"],
            json!({"records": [
                {"recordId": "c", "result": "ProcessingFailed"},
                ok("a"),
                {"recordId": "b", "result": "Dropped"},
            ]}),
        )
        .unwrap();
        assert!(checked.violations.is_empty());
        assert!(
            matches!(&checked.outcomes[0], Outcome::Ok { data, partition_keys }
            if data == b"{\"id\":\"a\"}\n" && partition_keys["hour"] == "10")
        );
        assert_eq!(checked.outcomes[1], Outcome::Dropped);
        assert_eq!(checked.outcomes[2], Outcome::ProcessingFailed);
    }

    #[test]
    fn missing_id() {
        let err = check(&["a", "b"], json!({"records": [ok("a")]})).unwrap_err();
        assert_eq!(err.code, MISSING_RECORD_ID);
        assert_eq!(err.record_id.as_deref(), Some("b"));
        // An id that was never sent is a mismatch too.
        let err = check(&["a"], json!({"records": [ok("a"), ok("zz")]})).unwrap_err();
        assert_eq!(err.code, MISSING_RECORD_ID);
        assert!(
            err.message.contains("\"zz\" was never sent"),
            "{}",
            err.message
        );
    }

    #[test]
    fn duplicate_id() {
        let err = check(&["a", "b"], json!({"records": [ok("a"), ok("a"), ok("b")]})).unwrap_err();
        assert_eq!(err.code, DUPLICATED_RECORD_ID);
        assert_eq!(err.record_id.as_deref(), Some("a"));
    }

    #[test]
    fn bad_result_and_malformed_responses() {
        let err = check(
            &["a"],
            json!({"records": [{"recordId": "a", "result": "Okay", "data": ""}]}),
        )
        .unwrap_err();
        assert_eq!(err.code, JSON_PROCESSING_EXCEPTION);
        assert!(err.message.contains("\"Okay\""), "{}", err.message);
        for bad in [
            &b"not json"[..],
            br#"{"recs": []}"#,
            br#"{"records": [{"result": "Ok", "data": ""}]}"#,
            br#"{"records": [{"recordId": "a", "data": ""}]}"#,
            br#"{"records": [{"recordId": "a", "result": "Ok"}]}"#,
        ] {
            let err = check_response(&["a"], bad, &keys()).unwrap_err();
            assert_eq!(
                err.code,
                JSON_PROCESSING_EXCEPTION,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn bad_base64() {
        let mut entry = ok("a");
        entry["data"] = json!("%%% not base64 %%%");
        let err = check(&["a"], json!({"records": [entry]})).unwrap_err();
        assert_eq!(err.code, JSON_PROCESSING_EXCEPTION);
        assert!(err.message.contains("not base64"), "{}", err.message);
    }

    #[test]
    fn oversize_response() {
        let mut entry = ok("a");
        entry["data"] = json!(BASE64.encode(vec![b'x'; RESPONSE_LIMIT]));
        let err = check(&["a"], json!({"records": [entry]})).unwrap_err();
        assert_eq!(err.code, FUNCTION_ERROR);
        assert!(
            err.message
                .contains("exceeded maximum allowed payload size"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_partition_key_fails_only_that_record() {
        let mut entry = ok("a");
        entry["metadata"]["partitionKeys"]
            .as_object_mut()
            .unwrap()
            .remove("hour");
        let mut bare = ok("b");
        bare.as_object_mut().unwrap().remove("metadata");
        let checked = check(&["a", "b", "c"], json!({"records": [entry, bare, ok("c")]})).unwrap();
        assert!(
            matches!(&checked.outcomes[0], Outcome::MissingPartitionKeys { missing, .. } if missing == &["hour"])
        );
        assert!(
            matches!(&checked.outcomes[1], Outcome::MissingPartitionKeys { missing, .. } if missing.len() == 5)
        );
        assert!(matches!(&checked.outcomes[2], Outcome::Ok { .. }));
        assert_eq!(checked.violations.len(), 2);
        assert!(
            checked
                .violations
                .iter()
                .all(|v| v.code == METADATA_EXTRACTION_FAILED)
        );
        assert_eq!(checked.violations[0].record_id.as_deref(), Some("a"));
        // A key that is not a string breaks the status model.
        let mut entry = ok("a");
        entry["metadata"]["partitionKeys"]["hour"] = json!(10);
        assert_eq!(
            check(&["a"], json!({"records": [entry]})).unwrap_err().code,
            JSON_PROCESSING_EXCEPTION
        );
    }
}
