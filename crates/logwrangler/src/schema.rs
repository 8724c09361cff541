//! JSON Schema export: one schema per log_type, generated from the record types
//! (the envelope columns, then the type's own), each property annotated with its
//! Glue/Athena column type (`x-glue-type`) and an ordered `x-glue-columns` list
//! that the CDK stack turns into Glue table columns.

use serde_json::{Map, Value, json};

use crate::record::{EnvelopeColumns, LogType};
use crate::registry::{body_schema, inline_schema};

/// Where the schemas are published (the `$id` prefix).
pub const SCHEMA_BASE_URI: &str = "https://logwrangler.dev/schemas/";

/// The Glue/Athena type of a JSON Schema property.
pub fn glue_type(property: &Value) -> String {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["string"] if property.get("format").and_then(Value::as_str) == Some("date-time") => {
            "timestamp".into()
        }
        ["string"] => "string".into(),
        ["integer"] => "bigint".into(),
        ["number"] => "double".into(),
        ["boolean"] => "boolean".into(),
        ["array"] => format!(
            "array<{}>",
            property
                .get("items")
                .map_or_else(|| "string".into(), glue_type)
        ),
        ["object"] => match property.get("additionalProperties") {
            Some(values @ Value::Object(_)) => format!("map<string,{}>", glue_type(values)),
            _ => "string".into(),
        },
        // Anything looser (a JSON string of free-form data, an enum) reads as string.
        _ => "string".into(),
    }
}

/// The JSON Schema of one log_type's records.
pub fn schema_for(log_type: LogType) -> Value {
    let envelope = inline_schema::<EnvelopeColumns>().to_value();
    let body = body_schema(log_type).to_value();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for part in [&envelope, &body] {
        if let Some(Value::Object(props)) = part.get("properties") {
            for (name, prop) in props {
                let mut prop = prop.clone();
                if name == "log_type" {
                    prop = json!({ "type": "string", "const": log_type.as_str(), "description": prop.get("description") });
                }
                let glue = glue_type(&prop);
                if let Value::Object(p) = &mut prop {
                    p.insert("x-glue-type".into(), Value::String(glue));
                }
                properties.insert(name.clone(), prop);
            }
        }
        if let Some(Value::Array(req)) = part.get("required") {
            required.extend(req.iter().cloned());
        }
    }
    let columns: Vec<Value> = properties
        .iter()
        .map(|(name, p)| {
            json!({
                "name": name,
                "type": p["x-glue-type"],
                "comment": p.get("description").and_then(Value::as_str).unwrap_or_default(),
            })
        })
        .collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": format!("{SCHEMA_BASE_URI}{}.schema.json", log_type.as_str()),
        "title": log_type.as_str(),
        "description": body.get("description").and_then(Value::as_str).unwrap_or_default(),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
        "x-glue-columns": columns,
    })
}

/// Every schema, as `(file name, pretty JSON with a trailing newline)`.
pub fn all_schema_files() -> Vec<(String, String)> {
    LogType::ALL
        .iter()
        .map(|t| {
            let text = serde_json::to_string_pretty(&schema_for(*t)).expect("schema serialises");
            (format!("{}.schema.json", t.as_str()), text + "\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glue_types_follow_json_types() {
        assert_eq!(glue_type(&json!({"type": ["integer", "null"]})), "bigint");
        assert_eq!(glue_type(&json!({"type": "number"})), "double");
        assert_eq!(
            glue_type(&json!({"type": "string", "format": "date-time"})),
            "timestamp"
        );
        assert_eq!(
            glue_type(&json!({"type": "array", "items": {"type": "string"}})),
            "array<string>"
        );
        assert_eq!(
            glue_type(&json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "map<string,string>"
        );
        assert_eq!(glue_type(&json!({"enum": ["a"]})), "string");
    }

    #[test]
    fn every_schema_starts_with_the_envelope() {
        for t in LogType::ALL {
            let s = schema_for(*t);
            let names: Vec<&str> = s["x-glue-columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                &names[..4],
                ["log_type", "timestamp", "event_id", "severity"],
                "{t}"
            );
            assert_eq!(s["properties"]["timestamp"]["x-glue-type"], "timestamp");
            assert_eq!(s["properties"]["log_type"]["const"], t.as_str());
        }
    }
}
