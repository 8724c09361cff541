//! Severity: each record's natural level (Pexip `Level`, app `log_level`, ...)
//! normalised, then adjusted by rules. Rules are data (a JSON file): the
//! defaults of docs/ARCHITECTURE.md §8 are built in (`rules/default_rules.json`) and an
//! operator's file is evaluated before them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ConfigError;
use crate::formats::FieldLookup;
use crate::record::{LogType, Record, Severity};
use crate::time::{Millis, parse_iso8601};

mod field;

/// The built-in rules (docs/ARCHITECTURE.md §8).
pub const DEFAULT_RULES_JSON: &str = include_str!("../rules/default_rules.json");

/// Dedupe window for alerts whose rule names none.
pub const DEFAULT_DEDUPE_WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: Vec<RuleSpec>,
    /// When true the built-in defaults are not evaluated after these rules.
    #[serde(default)]
    replace_defaults: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    #[serde(default)]
    log_type: Option<String>,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    fields_not: BTreeMap<String, String>,
    severity: String,
    #[serde(default)]
    dedupe_window_s: Option<u64>,
    /// ISO 8601: alerts of this rule are not published for events before
    /// this time (a maintenance window); records keep their severity.
    #[serde(default)]
    mute_until: Option<String>,
    /// Source (the node, application, load balancer, bucket... an alert
    /// names; `*` globs) to the severity this rule gives records from it,
    /// raising or lowering `severity`; the first matching entry wins.
    #[serde(default)]
    severity_by_source: Vec<SourceSeverity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceSeverity {
    source: String,
    severity: String,
}

/// One compiled rule: every given matcher must hold.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Name reported with alerts.
    pub name: String,
    log_type: Option<LogType>,
    module: Option<String>,
    message: Option<Regex>,
    fields: Vec<(String, Regex)>,
    fields_not: Vec<(String, Regex)>,
    /// Severity given to matching records.
    pub severity: Severity,
    /// Alerts of one fingerprint inside this window are published once.
    pub dedupe_window: Duration,
    /// Alerts of events before this time are muted.
    pub mute_until: Option<Millis>,
    /// Per-source severities (source glob, severity), first match wins.
    by_source: Vec<(Regex, Severity)>,
}

/// The outcome of classifying a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification<'r> {
    /// The record's severity.
    pub severity: Severity,
    /// The rule that decided it, if any (else the natural level stands).
    pub rule: Option<&'r str>,
    /// Dedupe window for alerts of this record.
    pub dedupe_window: Duration,
    /// The deciding rule mutes alerts of events before this time.
    pub mute_until: Option<Millis>,
}

/// An ordered rule list; the first matching rule decides.
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::from_json_without_defaults(DEFAULT_RULES_JSON).expect("built-in rules are valid")
    }
}

impl Rules {
    /// Operator rules evaluated before the built-in defaults (unless the file
    /// sets `"replace_defaults": true`).
    pub fn from_json(json: &str) -> Result<Rules, ConfigError> {
        let file: RulesFile = serde_json::from_str(json)
            .map_err(|e| ConfigError::Invalid(format!("rules file is not valid: {e}")))?;
        let replace = file.replace_defaults;
        let mut rules = compile(file)?;
        if !replace {
            rules.extend(Rules::default().rules);
        }
        Ok(Rules { rules })
    }

    fn from_json_without_defaults(json: &str) -> Result<Rules, ConfigError> {
        let file: RulesFile = serde_json::from_str(json)
            .map_err(|e| ConfigError::Invalid(format!("rules file is not valid: {e}")))?;
        Ok(Rules {
            rules: compile(file)?,
        })
    }

    /// The rules in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The severity of a record (see [`Rules::classify`]).
    pub fn severity(&self, record: &Record<'_>) -> Severity {
        self.classify(record).severity
    }

    /// Applies the first matching rule, else the record's natural level.
    pub fn classify(&self, record: &Record<'_>) -> Classification<'_> {
        let mut view = FieldView { record };
        for rule in &self.rules {
            if rule.matches(&mut view) {
                let severity = match rule.by_source.is_empty() {
                    true => rule.severity,
                    false => {
                        let source = record
                            .body
                            .alert_source()
                            .or(record.envelope.log_group.as_deref())
                            .unwrap_or_default();
                        rule.by_source
                            .iter()
                            .find(|(glob, _)| glob.is_match(source))
                            .map_or(rule.severity, |(_, severity)| *severity)
                    }
                };
                return Classification {
                    severity,
                    rule: Some(&rule.name),
                    dedupe_window: rule.dedupe_window,
                    mute_until: rule.mute_until,
                };
            }
        }
        Classification {
            severity: natural_severity(record),
            rule: None,
            dedupe_window: DEFAULT_DEDUPE_WINDOW,
            mute_until: None,
        }
    }
}

fn compile(file: RulesFile) -> Result<Vec<Rule>, ConfigError> {
    file.rules
        .into_iter()
        .map(|spec| {
            let name = spec.name;
            let regex = |what: &str, pattern: &str| {
                Regex::new(pattern).map_err(|e| ConfigError::Invalid(format!("rule {name:?}: {what} is not a valid regex: {e}")))
            };
            let log_type = match spec.log_type.as_deref() {
                None => None,
                Some(t) => Some(LogType::from_name(t).ok_or_else(|| ConfigError::Invalid(format!("rule {name:?}: unknown log_type {t:?}")))?),
            };
            let severity = Severity::from_level(&spec.severity).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "rule {name:?}: unknown severity {:?}; use critical, error, warning, info or debug",
                    spec.severity
                ))
            })?;
            let level = |text: &str| {
                Severity::from_level(text).ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "rule {name:?}: unknown severity {text:?}; use critical, error, warning, info or debug"
                    ))
                })
            };
            let by_source = spec
                .severity_by_source
                .iter()
                .map(|s| Ok((glob(&s.source), level(&s.severity)?)))
                .collect::<Result<Vec<_>, ConfigError>>()?;
            let mute_until = match spec.mute_until.as_deref() {
                None => None,
                Some(t) => Some(parse_iso8601(t).ok_or_else(|| {
                    ConfigError::Invalid(format!("rule {name:?}: mute_until {t:?} is not an ISO 8601 time"))
                })?),
            };
            let message = spec.message.as_deref().map(|p| regex("message", p)).transpose()?;
            let fields = spec.fields.iter().map(|(k, p)| Ok((k.clone(), regex(&format!("fields.{k}"), p)?))).collect::<Result<_, ConfigError>>()?;
            let fields_not = spec.fields_not.iter().map(|(k, p)| Ok((k.clone(), regex(&format!("fields_not.{k}"), p)?))).collect::<Result<_, ConfigError>>()?;
            Ok(Rule {
                log_type,
                module: spec.module,
                message,
                fields,
                fields_not,
                severity,
                dedupe_window: spec.dedupe_window_s.map_or(DEFAULT_DEDUPE_WINDOW, Duration::from_secs),
                mute_until,
                by_source,
                name,
            })
        })
        .collect()
}

/// A whole-value glob (`*` any run of characters), case-insensitive: source
/// names are node and host names.
fn glob(pattern: &str) -> Regex {
    let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
    Regex::new(&format!("(?i)^{}$", body.join(".*"))).expect("an escaped glob is a valid regex")
}

impl Rule {
    fn matches(&self, view: &mut FieldView<'_, '_>) -> bool {
        if self.log_type.is_some_and(|t| t != view.record.log_type()) {
            return false;
        }
        if let Some(module) = &self.module
            && view.get("name").as_deref() != Some(module.as_str())
        {
            return false;
        }
        if let Some(message) = &self.message
            && !view.get("message").is_some_and(|m| message.is_match(&m))
        {
            return false;
        }
        self.fields
            .iter()
            .all(|(k, re)| view.get(k).is_some_and(|v| re.is_match(&v)))
            && !self
                .fields_not
                .iter()
                .any(|(k, re)| view.get(k).is_some_and(|v| re.is_match(&v)))
    }
}

/// Field lookup for rules: formats that can answer from their body directly
/// do (Pexip pairs, the hot case); other types look up the one field a rule asks for, as it
/// appears in the record's JSON, without serialising the rest.
struct FieldView<'r, 'a> {
    record: &'r Record<'a>,
}

impl FieldView<'_, '_> {
    /// The value of a field as text, borrowed from the record where it can be.
    fn get(&mut self, name: &str) -> Option<Cow<'_, str>> {
        if let FieldLookup::Direct(value) = self.record.body.rule_field(name) {
            return value;
        }
        let value = match field::field(self.record, name) {
            Ok(value) => value,
            // Records serialise as JSON objects; should one ever not, read it whole.
            Err(_) => self.record.to_value().get(name).cloned(),
        };
        match value? {
            Value::String(s) => Some(Cow::Owned(s)),
            Value::Null => None,
            other => Some(Cow::Owned(other.to_string())),
        }
    }
}

/// The level names [`Severity::from_level`] accepts (compared ignoring ASCII
/// case), with the severity each gives: a natural level of a record is one of
/// these words, so a filter that must let through every record at or above a
/// severity can be built from them (the alerting subscription filter).
pub const LEVEL_NAMES: [(&str, Severity); 19] = [
    ("critical", Severity::Critical),
    ("crit", Severity::Critical),
    ("fatal", Severity::Critical),
    ("emerg", Severity::Critical),
    ("emergency", Severity::Critical),
    ("alert", Severity::Critical),
    ("panic", Severity::Critical),
    ("error", Severity::Error),
    ("err", Severity::Error),
    ("severe", Severity::Error),
    ("warning", Severity::Warning),
    ("warn", Severity::Warning),
    ("info", Severity::Info),
    ("information", Severity::Info),
    ("informational", Severity::Info),
    ("notice", Severity::Info),
    ("debug", Severity::Debug),
    ("trace", Severity::Debug),
    ("verbose", Severity::Debug),
];

/// What one rule matches on, as its rules file wrote it: for tools that must
/// know which lines a rule can raise, such as the generator of the alerting
/// subscription filter, which needs a term every matching line contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTerms<'r> {
    /// The rule's name.
    pub name: &'r str,
    /// The severity it gives.
    pub severity: Severity,
    /// The log_type it is limited to.
    pub log_type: Option<LogType>,
    /// The Pexip module (`Name`) it requires, exactly.
    pub module: Option<&'r str>,
    /// The message regex.
    pub message: Option<&'r str>,
    /// Field regexes that must match.
    pub fields: Vec<(&'r str, &'r str)>,
}

impl Rules {
    /// Every rule's matchers, in evaluation order.
    pub fn terms(&self) -> Vec<RuleTerms<'_>> {
        self.rules
            .iter()
            .map(|r| RuleTerms {
                name: &r.name,
                // The highest severity the rule can give: a per-source
                // entry may raise it, and the filter must pass those lines.
                severity: r
                    .by_source
                    .iter()
                    .map(|(_, s)| *s)
                    .fold(r.severity, Severity::max),
                log_type: r.log_type,
                module: r.module.as_deref(),
                message: r.message.as_ref().map(Regex::as_str),
                fields: r
                    .fields
                    .iter()
                    .map(|(k, re)| (k.as_str(), re.as_str()))
                    .collect(),
            })
            .collect()
    }
}

/// The level a record states about itself, before rules.
pub fn natural_severity(record: &Record<'_>) -> Severity {
    record.body.natural_severity()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_compile_and_are_named() {
        let rules = Rules::default();
        assert!(rules.rules().len() >= 8);
        assert!(
            rules
                .rules()
                .iter()
                .any(|r| r.name == "pexip-node-connectivity-lost"
                    && r.severity == Severity::Critical)
        );
    }

    #[test]
    fn bad_rules_files_say_what_to_fix() {
        let err = Rules::from_json(r#"{"rules":[{"name":"x","severity":"loud"}]}"#).unwrap_err();
        assert!(err.message().contains("unknown severity \"loud\""), "{err}");
        let err = Rules::from_json(r#"{"rules":[{"name":"x","message":"(","severity":"info"}]}"#)
            .unwrap_err();
        assert!(
            err.message().contains("message is not a valid regex"),
            "{err}"
        );
        let err = Rules::from_json(r#"{"rules":[{"name":"x","severity":"info","colour":"red"}]}"#)
            .unwrap_err();
        assert!(err.message().contains("unknown field"), "{err}");
    }

    #[test]
    fn level_names_are_the_ones_from_level_accepts() {
        for (name, severity) in LEVEL_NAMES {
            assert_eq!(Severity::from_level(name), Some(severity), "{name}");
            assert_eq!(Severity::from_level(&name.to_uppercase()), Some(severity));
        }
        let rules = Rules::default();
        let terms = rules.terms();
        assert_eq!(terms.len(), rules.rules().len());
        assert!(
            terms
                .iter()
                .any(|t| t.module == Some("administrator.alarm"))
        );
    }

    #[test]
    fn level_aliases_normalise() {
        for (level, want) in [
            ("FATAL", Severity::Critical),
            ("crit", Severity::Critical),
            ("Warn", Severity::Warning),
            ("err", Severity::Error),
            ("INFO", Severity::Info),
            ("trace", Severity::Debug),
        ] {
            assert_eq!(Severity::from_level(level), Some(want), "{level}");
        }
        assert_eq!(Severity::from_level("loud"), None);
    }

    #[test]
    fn a_rule_mutes_until_a_time_and_sets_severity_per_source() {
        let rules = Rules::from_json(
            r#"{"rules":[{"name":"disk","message":"disk full","severity":"error",
                "mute_until":"2026-12-04T06:00:00Z",
                "severity_by_source":[{"source":"lab-*","severity":"info"},{"source":"px-mgr01","severity":"critical"}]}]}"#,
        )
        .unwrap();
        let classify = |line: &str| {
            let mut parser = crate::LineParser::new(
                std::sync::Arc::new(crate::SourceConfig::default()),
                std::sync::Arc::new(rules.clone()),
            );
            let record = parser
                .parse_line(line, &crate::EventContext::default())
                .into_record()
                .unwrap();
            let c = rules.classify(&record);
            (c.severity, c.mute_until, record.envelope.severity)
        };
        let line = |node: &str| {
            format!(
                "2026-12-03T10:00:00.000+00:00 {node} 2026-12-03 10:00:00,000 Level=\"WARNING\" Name=\"support.disk\" Message=\"disk full\""
            )
        };
        let until = parse_iso8601("2026-12-04T06:00:00Z");
        assert_eq!(
            classify(&line("px-conf-01")),
            (Severity::Error, until, Severity::Error)
        );
        assert_eq!(
            classify(&line("LAB-7")),
            (Severity::Info, until, Severity::Info)
        );
        assert_eq!(
            classify(&line("px-mgr01")),
            (Severity::Critical, until, Severity::Critical)
        );
        let err =
            Rules::from_json(r#"{"rules":[{"name":"x","severity":"info","mute_until":"soon"}]}"#)
                .unwrap_err();
        assert!(
            err.message()
                .contains("mute_until \"soon\" is not an ISO 8601 time"),
            "{err}"
        );
    }
}
