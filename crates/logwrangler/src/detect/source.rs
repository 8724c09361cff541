//! The source mapping: log-group patterns from configuration that name the
//! log_type (and, for VPC flow logs, the custom field list) of their events.

use regex::Regex;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::formats::vpc_flow;
use crate::record::LogType;

/// One entry of the source mapping: log groups matching `log_group` (a glob
/// with `*`) carry `log_type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRule {
    /// Log-group name pattern; `*` matches any run of characters.
    pub log_group: String,
    /// The log_type of every event in matching groups.
    pub log_type: String,
    /// For `vpc_flow`: the custom format, as in the flow log's `LogFormat`
    /// (`${version} ${interface-id} ...`) or as plain field names.
    #[serde(default)]
    pub vpc_format: Option<String>,
}

/// The source mapping and parser options (JSON; see the README's configuration section).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfigFile {
    /// Log-group rules, first match wins.
    #[serde(default)]
    pub sources: Vec<SourceRule>,
    /// Keep the raw line on every record, not only on `unparsed` ones.
    #[serde(default)]
    pub keep_raw: bool,
}

/// A resolved mapping target.
#[derive(Debug, Clone)]
pub struct SourceTarget {
    /// The log_type for the group.
    pub log_type: LogType,
    /// Custom VPC flow format for the group.
    pub vpc_format: Option<vpc_flow::Format>,
}

/// Compiled source mapping.
#[derive(Debug, Clone, Default)]
pub struct SourceConfig {
    rules: Vec<(Regex, SourceTarget)>,
    /// Keep the raw line on every record.
    pub keep_raw: bool,
}

impl SourceConfig {
    /// Parses and validates a JSON configuration.
    pub fn from_json(json: &str) -> Result<SourceConfig, ConfigError> {
        let file: SourceConfigFile = serde_json::from_str(json)
            .map_err(|e| ConfigError::Invalid(format!("source configuration is not valid: {e}")))?;
        Self::from_file(file)
    }

    /// Validates a deserialised configuration.
    pub fn from_file(file: SourceConfigFile) -> Result<SourceConfig, ConfigError> {
        let mut rules = Vec::with_capacity(file.sources.len());
        for (i, rule) in file.sources.into_iter().enumerate() {
            let log_type = LogType::from_name(&rule.log_type).ok_or_else(|| {
                let names: Vec<_> = LogType::ALL.iter().map(|t| t.as_str()).collect();
                ConfigError::Invalid(format!(
                    "sources[{i}]: unknown log_type {:?}; use one of: {}",
                    rule.log_type,
                    names.join(", ")
                ))
            })?;
            let vpc_format = match rule.vpc_format {
                Some(spec) if log_type == LogType::VpcFlow => {
                    Some(vpc_flow::Format::from_config(&spec).map_err(|e| {
                        ConfigError::Invalid(format!("sources[{i}].vpc_format: {e}"))
                    })?)
                }
                Some(_) => {
                    return Err(ConfigError::Conflict(format!(
                        "sources[{i}]: vpc_format is only allowed with log_type \"vpc_flow\""
                    )));
                }
                None => None,
            };
            rules.push((
                glob_regex(&rule.log_group),
                SourceTarget {
                    log_type,
                    vpc_format,
                },
            ));
        }
        Ok(SourceConfig {
            rules,
            keep_raw: file.keep_raw,
        })
    }

    /// The mapping target of a log group, if a rule matches.
    pub fn resolve(&self, log_group: &str) -> Option<&SourceTarget> {
        self.rules
            .iter()
            .find(|(re, _)| re.is_match(log_group))
            .map(|(_, t)| t)
    }
}

fn glob_regex(pattern: &str) -> Regex {
    let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
    // Escaped literals joined by `.*` always form a valid regex.
    Regex::new(&format!("^{}$", body.join(".*"))).expect("escaped glob is a valid regex")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_mapping_uses_globs_and_reports_bad_types() {
        let cfg = SourceConfig::from_json(
            r#"{"sources":[{"log_group":"/pexip/*/support","log_type":"pexip_support"},{"log_group":"*flow*","log_type":"vpc_flow","vpc_format":"${version} ${interface-id}"}]}"#,
        )
        .unwrap();
        assert_eq!(
            cfg.resolve("/pexip/prod/support").unwrap().log_type,
            LogType::PexipSupport
        );
        assert!(cfg.resolve("/pexip/prod/audit").is_none());
        assert!(cfg.resolve("/vpc/flowlogs").unwrap().vpc_format.is_some());
        let err = SourceConfig::from_json(r#"{"sources":[{"log_group":"x","log_type":"nope"}]}"#)
            .unwrap_err();
        assert!(err.message().contains("unknown log_type \"nope\""), "{err}");
        assert!(err.message().contains("pexip_support"));
    }
}
