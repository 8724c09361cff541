//! The value types every format and the record share: borrowed strings,
//! ordered string maps and the normalised severity. A leaf: it imports nothing
//! of the formats, the record or the parser, so a format module can use these
//! types without pulling in the registry that names every format.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A string value borrowed from the input when possible.
pub type Str<'a> = Cow<'a, str>;

/// Normalised severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Diagnostic detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something an operator should look at soon.
    Warning,
    /// A failure.
    Error,
    /// Service-affecting: page someone.
    Critical,
}

impl Severity {
    /// All severities, least severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Debug,
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];

    /// The lower-case name used in records, topics and rules.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Normalises a level name from any source: Pexip `Level`, app `log_level`,
    /// syslog names and the usual aliases, case-insensitively.
    pub fn from_level(level: &str) -> Option<Severity> {
        let level = level.trim();
        let is = |name: &str| level.eq_ignore_ascii_case(name);
        Some(
            if is("critical")
                || is("crit")
                || is("fatal")
                || is("emerg")
                || is("emergency")
                || is("alert")
                || is("panic")
            {
                Severity::Critical
            } else if is("error") || is("err") || is("severe") {
                Severity::Error
            } else if is("warning") || is("warn") {
                Severity::Warning
            } else if is("info") || is("information") || is("informational") || is("notice") {
                Severity::Info
            } else if is("debug") || is("trace") || is("verbose") {
                Severity::Debug
            } else {
                return None;
            },
        )
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ordered string-to-string map that keeps the order of the source line
/// (serialised as a JSON object, typed `map<string,string>` in Glue). A key seen
/// twice keeps its last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields<'a>(pub Vec<(Str<'a>, Str<'a>)>);

impl<'a> Fields<'a> {
    /// Inserts or replaces a pair.
    pub fn insert(&mut self, key: Str<'a>, value: Str<'a>) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl JsonSchema for Fields<'_> {
    fn schema_name() -> Cow<'static, str> {
        "StringMap".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <std::collections::BTreeMap<String, String>>::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}
