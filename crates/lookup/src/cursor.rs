//! The opaque pagination cursor: the Query's `LastEvaluatedKey`, bound to the
//! partition it was read from, as unpadded base64url JSON. A cursor of another
//! lookup, or one that was edited, is refused (400) rather than silently
//! starting somewhere else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::LookupError;
use crate::pattern::Plan;
use crate::query::Key;

/// The cursor that resumes `plan` after `key`.
pub fn encode(plan: &Plan, key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(json!({"p": plan.partition_value, "k": key}).to_string())
}

/// The key a cursor of `plan` resumes after.
pub fn decode(cursor: &str, plan: &Plan) -> Result<Key, LookupError> {
    let bad = || LookupError::BadParameter("cursor is not one this lookup handed out".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if value["p"].as_str() != Some(plan.partition_value.as_str()) {
        return Err(bad());
    }
    let key: Key = serde_json::from_value(value["k"].clone()).map_err(|_| bad())?;
    let has = |name: &str| key.contains_key(name);
    if !(has("pk") && has("sk") && has(plan.partition_attribute) && has(plan.sort_attribute))
        || key.get(plan.partition_attribute) != Some(&plan.partition_value)
    {
        return Err(bad());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Lookup, Window, plan};

    #[test]
    fn round_trips_and_refuses_other_lookups() {
        let p = plan(&Lookup::Conference("c".into()), &Window::default()).unwrap();
        let key: Key = [
            ("pk", "SESSION#1"),
            ("sk", "META"),
            ("gsi1pk", "CONF#c"),
            ("gsi1sk", "2026-01-01T00:00:00.000Z"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let c = encode(&p, &key);
        assert_eq!(decode(&c, &p).unwrap(), key);
        let other = plan(&Lookup::Conference("d".into()), &Window::default()).unwrap();
        assert!(decode(&c, &other).is_err());
        assert!(decode("not a cursor!", &p).is_err());
    }
}
