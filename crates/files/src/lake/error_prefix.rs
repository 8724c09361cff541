//! The error prefix: records Firehose could not process, written as the JSON
//! lines it documents for `S3ErrorOutputPrefix`, so tools that read a real
//! bucket's error objects read the local ones too.

use serde::Serialize;

/// One record under the error prefix, in the JSON shape Firehose documents
/// for records that failed data transformation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRecord {
    /// Invocation attempts made.
    pub attempts_made: u32,
    /// When Firehose received the record, epoch milliseconds.
    pub arrival_timestamp: i64,
    /// Firehose's error code (`Lambda.FunctionError`, ...).
    pub error_code: String,
    /// Firehose's error message.
    pub error_message: String,
    /// When Firehose stopped trying, epoch milliseconds.
    pub attempt_ending_timestamp: i64,
    /// The record data, base64.
    pub raw_data: String,
    /// The processor function.
    pub lambda_arn: String,
}

/// Error records as JSON lines.
pub fn error_lines(records: &[ErrorRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        // A struct of strings and integers always serialises.
        if serde_json::to_writer(&mut out, record).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_records_have_the_documented_shape() {
        let line = error_lines(&[ErrorRecord {
            attempts_made: 4,
            arrival_timestamp: 1_764_000_000_000,
            error_code: "Lambda.FunctionError".into(),
            error_message: "boom".into(),
            attempt_ending_timestamp: 1_764_000_060_000,
            raw_data: "aGVsbG8=".into(),
            lambda_arn: "arn:aws:lambda:us-east-1:123456789012:function:t".into(),
        }]);
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "{\"attemptsMade\":4,\"arrivalTimestamp\":1764000000000,\"errorCode\":\"Lambda.FunctionError\",\
             \"errorMessage\":\"boom\",\"attemptEndingTimestamp\":1764000060000,\"rawData\":\"aGVsbG8=\",\
             \"lambdaArn\":\"arn:aws:lambda:us-east-1:123456789012:function:t\"}\n"
        );
    }
}
