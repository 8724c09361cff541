//! The response JSON, written entry by entry exactly as serde would write it
//! and sized before it is written.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{Answer, Plan};
use crate::failure::FailureReason;

/// Appends the JSON of one response entry to `out`, exactly as serde_json
/// writes `{"recordId", "result", "data", "metadata": {"partitionKeys"}}`
/// (data and metadata only on `Ok`). The data is base64-encoded straight into
/// `out`: base64 needs no JSON escaping, so the largest part of the response
/// is written once, without an intermediate string.
fn write_entry(out: &mut Vec<u8>, record_id: &str, answer: &Answer) {
    out.extend_from_slice(b"{\"recordId\":");
    serde_json::to_writer(&mut *out, record_id).expect("strings serialise");
    match answer {
        Answer::Ok { data, keys } => {
            out.extend_from_slice(b",\"result\":\"Ok\",\"data\":\"");
            let start = out.len();
            out.resize(start + base64_len(data.len()), 0);
            BASE64
                .encode_slice(data, &mut out[start..])
                .expect("the slot is sized for the encoding");
            out.extend_from_slice(b"\",\"metadata\":{\"partitionKeys\":");
            serde_json::to_writer(&mut *out, keys).expect("partition keys serialise");
            out.extend_from_slice(b"}}");
        }
        Answer::Dropped => out.extend_from_slice(b",\"result\":\"Dropped\"}"),
        Answer::ProcessingFailed(_) => out.extend_from_slice(b",\"result\":\"ProcessingFailed\"}"),
    }
}

/// The size of what [`write_entry`] writes, without encoding the data.
pub(super) fn entry_len(record_id: &str, answer: &Answer) -> usize {
    let mut frame = Vec::with_capacity(192 + record_id.len());
    match answer {
        Answer::Ok { data, keys } => {
            let empty = Answer::Ok {
                data: Vec::new(),
                keys: *keys,
            };
            write_entry(&mut frame, record_id, &empty);
            frame.len() + base64_len(data.len())
        }
        other => {
            write_entry(&mut frame, record_id, other);
            frame.len()
        }
    }
}

/// Length of the padded base64 of `n` bytes.
fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Size of the response wrapper `{"records":[` + `]}`.
pub(super) const WRAPPER_BYTES: usize = 14;

/// The response JSON: each record's planned answer, or `ProcessingFailed`
/// when `reingest_failed(index)` says its re-ingest did not go through (the
/// original then lands under the error prefix: nothing is lost silently).
pub fn response_json(plan: &Plan, reingest_failed: impl Fn(usize) -> bool) -> Vec<u8> {
    let failed = Answer::ProcessingFailed(FailureReason::ReingestFailed);
    let answers: Vec<&Answer> = plan
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            if reingest_failed(index) {
                &failed
            } else {
                &record.answer
            }
        })
        .collect();
    // Sized exactly: the response is the largest buffer of an invocation.
    let size = WRAPPER_BYTES
        + plan
            .records
            .iter()
            .zip(&answers)
            .map(|(record, answer)| entry_len(&record.record_id, answer) + 1)
            .sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"{\"records\":[");
    for (index, (record, answer)) in plan.records.iter().zip(&answers).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_entry(&mut out, &record.record_id, answer);
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::LogType;
    use logwrangler::partition::PartitionKey;
    use serde::Serialize;

    /// The shape serde writes for a response entry: what [`write_entry`] must match byte for byte.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ResponseEntry<'a> {
        record_id: &'a str,
        result: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        metadata: Option<Metadata>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Metadata {
        partition_keys: PartitionKey,
    }

    fn serde_entry(record_id: &str, answer: &Answer) -> Vec<u8> {
        let (result, data, metadata) = match answer {
            Answer::Ok { data, keys } => (
                "Ok",
                Some(BASE64.encode(data)),
                Some(Metadata {
                    partition_keys: *keys,
                }),
            ),
            Answer::Dropped => ("Dropped", None, None),
            Answer::ProcessingFailed(_) => ("ProcessingFailed", None, None),
        };
        serde_json::to_vec(&ResponseEntry {
            record_id,
            result,
            data,
            metadata,
        })
        .unwrap()
    }

    #[test]
    fn entries_are_written_as_serde_writes_them_and_sized_exactly() {
        let keys = PartitionKey::at(LogType::Alb, 1_795_514_400_000);
        for id in [
            "49546986683135544286507457936321625675700192471156",
            "id \"quoted\" \u{1}",
            "",
        ] {
            for len in [0, 1, 2, 3, 4, 5, 1000, 1001, 1002] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
                for answer in [
                    Answer::Ok {
                        data: data.clone(),
                        keys,
                    },
                    Answer::Dropped,
                    Answer::ProcessingFailed(FailureReason::EventTooLarge),
                ] {
                    let mut out = Vec::new();
                    write_entry(&mut out, id, &answer);
                    assert_eq!(
                        String::from_utf8(out.clone()).unwrap(),
                        String::from_utf8(serde_entry(id, &answer)).unwrap()
                    );
                    assert_eq!(entry_len(id, &answer), out.len());
                }
            }
        }
    }
}
