//! The one serialiser of summary-table items to JSON: what `logwrangler
//! lookup --json` prints and what the read API returns.
//!
//! Key attributes (`pk`, `sk`, the index keys) and `expires_at` are storage
//! details and are left out; `kind` says what the item is instead. Maps the
//! store keeps as JSON text (protocol mixes, app event details and
//! attributes) come back as JSON values, not strings.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use crate::query::Item;

/// Attributes the store writes as JSON text, read back as JSON.
pub const JSON_TEXT_ATTRIBUTES: [&str; 3] = ["protocols", "details", "attributes"];

/// Attributes of the storage layout, not of the thing stored.
pub const STORAGE_ATTRIBUTES: [&str; 7] = [
    "pk",
    "sk",
    "gsi1pk",
    "gsi1sk",
    "gsi2pk",
    "gsi2sk",
    "expires_at",
];

/// What an item is, from its key: `session`, `leg`, `app_event` or `other`.
pub fn kind(item: &Item) -> &'static str {
    let key = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    };
    match (key("pk"), key("sk")) {
        (Some(pk), Some("META")) if pk.starts_with("SESSION#") => "session",
        (Some(pk), Some(sk)) if pk.starts_with("SESSION#") && sk.starts_with("LEG#") => "leg",
        (Some(pk), Some(_)) if pk.starts_with("APP#") => "app_event",
        _ => "other",
    }
}

/// An item as JSON (attributes sorted by name, `kind` first).
pub fn to_json(item: &Item) -> Map<String, Value> {
    let mut names: Vec<&String> = item
        .keys()
        .filter(|k| !STORAGE_ATTRIBUTES.contains(&k.as_str()))
        .collect();
    names.sort();
    let mut out = Map::new();
    out.insert("kind".into(), Value::from(kind(item)));
    for name in names {
        if let Some(value) = attribute(name, &item[name]) {
            out.insert(name.clone(), value);
        }
    }
    out
}

fn attribute(name: &str, value: &AttributeValue) -> Option<Value> {
    Some(match value {
        AttributeValue::S(text) if JSON_TEXT_ATTRIBUTES.contains(&name) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(num) => serde_json::from_str(num).ok()?,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Ss(set) => Value::from(set.clone()),
        AttributeValue::Ns(set) => set
            .iter()
            .filter_map(|n| serde_json::from_str::<Value>(n).ok())
            .collect(),
        AttributeValue::L(list) => list.iter().filter_map(|v| attribute("", v)).collect(),
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), attribute("", v)?)))
                .collect(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_objects_and_keys_are_left_out() {
        let item: Item = [
            ("pk", AttributeValue::S("SESSION#1".into())),
            ("sk", AttributeValue::S("META".into())),
            ("gsi1pk", AttributeValue::S("CONF#c".into())),
            (
                "protocols",
                AttributeValue::S(r#"{"SIP":2,"WebRTC":1}"#.into()),
            ),
            ("legs", AttributeValue::N("3".into())),
            ("expires_at", AttributeValue::N("1".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(
            Value::Object(to_json(&item)),
            serde_json::json!({"kind": "session", "legs": 3, "protocols": {"SIP": 2, "WebRTC": 1}})
        );
    }
}
