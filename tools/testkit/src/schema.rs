//! Records against their published JSON Schema, with the `jsonschema` crate.
//!
//! The generated schemas (`schemas/*.schema.json`) declare draft 7, and the
//! validators here compile them under draft 7 with `format` asserted: the
//! `timestamp` column is a `date-time`, RFC 3339 as JSON Schema defines it
//! (stricter than the pipeline's reader `time::parse_iso8601`, which also takes
//! a space for the `T` and no offset; records are written in the canonical
//! form only). One rule the lake needs is not JSON
//! Schema's: its integer columns are Glue `bigint`, signed 64 bits, while JSON
//! Schema's `integer` is unbounded. [`validator_for`] adds that bound as a
//! keyword of its own to every position of a schema that allows integers but
//! not all numbers.

use std::sync::LazyLock;

use jsonschema::paths::Location;
use jsonschema::{Draft, Keyword, ValidationError, Validator};
use logwrangler::LogType;
use serde_json::Value;

use crate::Verdict;

/// The keyword [`validator_for`] adds to the integer positions of a schema.
const BIGINT_KEYWORD: &str = "x-logwrangler-bigint";

/// A validator of `schema` (draft 7, formats asserted, integers within Glue
/// `bigint`), or why it does not compile.
pub fn validator_for(schema: &Value) -> Result<Validator, String> {
    let mut schema = schema.clone();
    add_bigint_bounds(&mut schema);
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(true)
        .with_keyword(BIGINT_KEYWORD, |_, _, _: Location| Ok(Box::new(FitsBigint)))
        .build(&schema)
        .map_err(|e| format!("the schema does not compile: {e}"))
}

/// The published schema of every log_type, compiled once, in `LogType::ALL` order.
static VALIDATORS: LazyLock<Vec<Result<Validator, String>>> = LazyLock::new(|| {
    LogType::ALL
        .iter()
        .map(|t| validator_for(&logwrangler::schema::schema_for(*t)))
        .collect()
});

/// A record's JSON against the published schema of its log_type: every key is
/// a declared column (the schemas allow no others), every required column is
/// present, and every value has its column's type (the one Glue reads).
pub fn check_against_schema(log_type: LogType, record: &Value) -> Verdict {
    let validator = match VALIDATORS.get(log_type_index(log_type)) {
        Some(Ok(validator)) => validator,
        Some(Err(e)) => return Err(format!("the {log_type} schema: {e}")),
        None => return Err(format!("no schema for {log_type}")),
    };
    validator.validate(record).map_err(|e| {
        format!(
            "{log_type} record does not fit its schema at {:?}: {e}",
            e.instance_path().as_str()
        )
    })
}

fn log_type_index(log_type: LogType) -> usize {
    LogType::ALL
        .iter()
        .position(|t| *t == log_type)
        .unwrap_or_default()
}

/// Adds [`BIGINT_KEYWORD`] to every subschema whose `type` allows integers
/// but not all numbers, walking only schema positions (never `const` values).
fn add_bigint_bounds(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    let allows = |t: &str| match map.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(ts)) => ts.iter().any(|s| s == t),
        _ => false,
    };
    if allows("integer") && !allows("number") {
        map.insert(BIGINT_KEYWORD.into(), Value::Bool(true));
    }
    for (keyword, value) in map.iter_mut() {
        match (keyword.as_str(), value) {
            ("items" | "additionalProperties" | "not", sub) => add_bigint_bounds(sub),
            ("oneOf" | "anyOf" | "allOf", Value::Array(subs)) => {
                subs.iter_mut().for_each(add_bigint_bounds);
            }
            ("properties" | "definitions" | "$defs", Value::Object(subs)) => {
                subs.values_mut().for_each(add_bigint_bounds);
            }
            _ => {}
        }
    }
}

/// [`BIGINT_KEYWORD`]: a number must read as an integer that fits a signed
/// 64-bit `bigint` (`5.0` reads as a float: JSON Schema takes it for an
/// integer, a bigint column does not).
struct FitsBigint;

impl<'i> Keyword<'i> for FitsBigint {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match self.is_valid(instance) {
            true => Ok(()),
            false => Err(ValidationError::custom(format!(
                "{instance} is not a signed 64-bit integer (Glue bigint)"
            ))),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        !instance.is_number() || instance.is_i64()
    }
}

/// Whether `value` fits `schema` under the rules of [`validator_for`].
#[cfg(test)]
fn conforms(value: &Value, schema: &Value) -> bool {
    validator_for(schema).is_ok_and(|v| v.is_valid(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_subset_checks_types_and_bigint_range() {
        let int = serde_json::json!({"type": ["integer", "null"]});
        assert!(conforms(&serde_json::json!(5), &int));
        assert!(conforms(&Value::Null, &int));
        assert!(!conforms(&serde_json::json!(u64::MAX), &int));
        assert!(!conforms(&serde_json::json!(1.5), &int));
        assert!(!conforms(&serde_json::json!("5"), &int));
        let map = serde_json::json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert!(conforms(&serde_json::json!({"a": "b"}), &map));
        assert!(!conforms(&serde_json::json!({"a": 1}), &map));
        let time = serde_json::json!({"type": "string", "format": "date-time"});
        assert!(conforms(
            &serde_json::json!("2026-03-02T10:15:42.118Z"),
            &time
        ));
        assert!(!conforms(&serde_json::json!("yesterday"), &time));
    }

    #[test]
    fn whole_numbers_written_as_floats_are_no_bigint() {
        let int = serde_json::json!({"type": ["integer", "null"]});
        assert!(!conforms(&serde_json::json!(5.0), &int));
        assert!(conforms(&serde_json::json!(i64::MIN), &int));
        let double = serde_json::json!({"type": ["number", "null"]});
        assert!(conforms(&serde_json::json!(u64::MAX), &double));
        assert!(conforms(&serde_json::json!(5.0), &double));
    }

    #[test]
    fn every_published_schema_is_draft_7_and_compiles() {
        for log_type in LogType::ALL {
            let schema = logwrangler::schema::schema_for(*log_type);
            assert_eq!(
                schema["$schema"], "http://json-schema.org/draft-07/schema#",
                "{log_type}"
            );
            assert!(VALIDATORS[log_type_index(*log_type)].is_ok(), "{log_type}");
        }
    }
}
